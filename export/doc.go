// Package export delivers the sessions' metadata documents (the CCAI session
// metadata file, session.Metadata) to the configured sinks: a directory, one
// JSON file per session (DirSink), and an HTTP webhook (WebhookSink).
//
// The hub decides what to export and when: when a session finishes, and
// again after wrap-up or CSAT, it stores a pending export (workspace,
// session, due time, document) in the same commit as the change, then hands
// it to the Exporter (hub.Exporter). The Exporter owns everything after that:
//
//	hub commit ──PutExport──▶ store ◀──sweep (due order)──┐
//	     └──Export (non-blocking)──▶ scheduler ──TrySubmit──▶ pond pool ──▶ sinks
//	                                     ▲                         │
//	                                     └──────── result ◀────────┘  DeleteExport
//
// One scheduler goroutine owns the schedule (which sessions are in flight,
// which are held after a failure, when to wake). An export due now is
// submitted to the pool at once, or right after the delivery of its session
// in flight; one due later, or one the scheduler could not take (its inbox
// or the pool's queue was full), stays in the store and is found by the next
// sweep: a scan of each workspace's pending exports in due order, which
// stops at the first one not yet due. Sweeps run when a known export
// comes due, after a refusal, at least every Config.Sweep, and never closer
// than Config.SweepGap (all on the Config.Clock). A worker tries each
// sink a few times with exponential backoff and jitter; when every sink has
// the document it deletes the pending export from the store directly (the
// record is the exporter's, not hub state, so no hub command is needed).
// When a sink still fails, the export stays pending and is held, for longer
// after each failed delivery, before the next sweep takes it again: a sink
// that is down never blocks the hub, and nothing is lost. After a restart the
// first sweep resumes every pending export.
//
// Order: the deliveries of one session never overlap, and go in due order;
// when several exports of a session are due together only the newest
// document is sent, and all of them are deleted once it is delivered. So a
// sink never receives an older document of a session after a newer one.
// Delivery is at least once: a crash between a sink's success and the
// deletion sends the document again after restart; receivers key documents
// by workspace and session id (and "updated"), which makes that harmless.
//
// # Concurrency
//
// Export is safe for concurrent use and never blocks. Sinks are called from
// the pool's workers, concurrently for different sessions. Close stops the
// scheduler, cancels the deliveries in flight (they stay pending) and waits
// for the workers; it must be called before the persist.Store is closed.
package export
