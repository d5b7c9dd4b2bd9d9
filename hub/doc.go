// Package hub is the event loop of one workspace: it owns the workspace's
// routing, presence and session state, applies commands to it, drives its
// timers from an injected Clock, commits every change to a Store before it
// acknowledges anything, and pushes events to subscribers.
//
// # Concurrency
//
// One goroutine, started by Run, owns all state; nothing in it is guarded by
// a mutex. Other goroutines (socket readers, HTTP handlers) call Do, which
// puts a command in a bounded inbox and waits for its Reply, or Submit,
// which calls back from the loop instead of waiting. Neither blocks on a
// full inbox: they fail at once with code rate_limited (unavailable while a
// commit hangs past StallTimeout). Subscriptions receive encoded frames
// over a bounded channel, or a bounded queue read with Pop after a call of
// Filter.Wake (the server's sockets: an idle one then holds no buffer and
// no writer goroutine); the loop never waits
// on a subscriber, and one that falls behind is cut off (reason "slow
// consumer", websocket close 1013).
//
// # A cycle
//
// The loop takes up to Config.MaxBatch commands at once. It first fires due
// timers (router offer expiry, disconnect grace and widening steps, and the
// hub's wrap-up timeouts), then applies each command in order to the router
// and the sessions; each command turns the router's decisions into session
// journey updates and events. At the end of the cycle every changed entity
// (queue, agent, session) and every appended chat message goes to
// Store.Commit as one Batch (group commit). Only after Commit returns are
// events released and then replies sent: when Do returns, the events its
// command caused are already in the subscriptions' queues. A batch that
// changed nothing is not committed.
//
// With a Config.Exporter, a session that finishes, is wrapped up or rated
// also puts its metadata document in the batch as a pending export, due
// Config.ExportDelay later (export.go); after the commit the loop hands it to
// the Exporter, which must not block. Delivering it is the exporter's
// business (package export), never the loop's.
//
// # Commit failure
//
// Commands are applied to memory before the commit, and the router cannot
// roll back. When Commit fails, memory holds changes the store does not, so
// the hub fails: every command of the batch is answered with code
// unavailable, the batch's events are dropped, every subscription is closed
// with reason "unavailable", and Run returns an error wrapping ErrFailed.
// Every later Do fails with unavailable. No acknowledgement ever claims a
// change that is not durable; the owner recovers by building a new Hub from
// the store. A command or timer that panics (a bug, such as a broken router
// invariant) fails the hub the same way, before anything of its cycle is
// committed: that command is answered internal, the others unavailable.
//
// # Frames
//
// Events are protocol frames (PROTOCOL.md), encoded once as JSON objects and
// shared, byte slice and all, by every recipient: a subscriber must not
// modify Frame.JSON. Frames carry no "seq": the socket writer adds its
// per-connection sequence number.
package hub
