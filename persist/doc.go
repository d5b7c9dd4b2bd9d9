// Package persist is Switchboard's durable store: the only package that
// knows Pebble.
//
// The hub encodes its entities itself (JSON) and hands them here as opaque
// bytes; persist knows the key layout, batches the writes of one hub cycle
// into one Pebble batch committed with fsync (group commit), keeps the
// indexes (open sessions, a contact's sessions, agent tokens, pending
// exports) in step with the records they index, and serves the reads and
// the scans that recovery needs. A command the hub acknowledged after Commit
// returned survives kill -9 and power loss.
//
// # Concurrency
//
// A Store is safe for concurrent use. Each hub loop writes through its own
// Batch and Commit, and commits of several loops share fsyncs; HTTP handlers
// read concurrently. A Batch belongs to one goroutine. Values returned by
// Get methods and Messages are copies the caller owns; values passed to scan
// callbacks are valid only until the callback returns. Close waits for the
// calls in flight and makes every later call return ErrClosed. After a failed
// Commit every call returns an error wrapping ErrFailed (see Store.Commit).
//
// # Key layout
//
// One byte names the table. str(x) is x with each 0x00 byte written as
// 0x00 0xFF, then 0x00 0x01: any byte may appear in an id, and the encoding
// sorts like the string. u64 is 8 bytes big-endian; time is its UnixNano
// as u64 with the sign bit flipped. Everything of a workspace is one key
// range, 'w' str(ws), so that a workspace can be scanned, moved or dropped
// as a whole. keys.go is the only file that builds keys.
//
//	key                                      value                   written by
//	'S'                                      schema version (u32)    Open
//	'M' str(name)                            opaque                  PutMeta
//	'T' str(token hash)                      str(ws) agent id        PutToken
//	'w' str(ws) 'W'                          workspace record        PutWorkspace
//	'w' str(ws) 'a' str(agent)               agent record            PutAgent
//	'w' str(ws) 'c' str(contact) str(sess)   empty                   IndexContact
//	'w' str(ws) 'e' time(due) str(sess)      export payload          PutExport
//	'w' str(ws) 'h' str(agent) time(at)      agent status change     PutStatus (by agent)
//	'w' str(ws) 'k'                          checkpoint              PutCheckpoint
//	'w' str(ws) 'm' str(sess) u64(seq)       message                 AppendMessage
//	'w' str(ws) 'o' str(sess)                empty (open index)      PutSession(open=true)
//	'w' str(ws) 'p' time(at) str(agent)      agent status change     PutStatus
//	'w' str(ws) 'q' str(queue)               queue record            PutQueue
//	'w' str(ws) 's' str(sess)                session record          PutSession
//	'w' str(ws) 'v' str(visitor)             visitor record          PutVisitor
//
// Session ids sort by creation time (PROTOCOL.md), so the contact index
// read backwards gives a contact's sessions newest first, and recovery
// reads the open index in creation order. The open index holds only ids:
// recovery walks it and seeks each record, and never reads a finished
// session. Messages sit apart from session records, so that rewriting a
// session never touches its transcript and scanning sessions skips them.
// The agents' status changes are a log in time order, kept whatever
// becomes of the agent, so that their past (logged-in time, away reasons)
// can be read back for any span of time; the same entries by agent ('h')
// read one agent's past without the others'. PruneStatuses drops both
// before a time (the server's status retention).
//
// # Session cache
//
// GetSession reads through an LRU (Options.SessionCacheSize) that Commit
// keeps coherent: a committed PutSession drops the cached record.
package persist
