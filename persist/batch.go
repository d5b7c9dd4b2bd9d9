package persist

import (
	"errors"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Batch collects the writes of one hub cycle for Store.Commit, which applies
// them all or none, with one fsync. Every method copies its arguments, so the
// caller may reuse its buffers as soon as a method returns.
//
// A Batch is not safe for concurrent use: one hub loop owns it, fills it
// during a cycle, commits it at the end and reuses it for the next cycle.
type Batch struct {
	s        *Store
	pb       *pebble.Batch
	key      []byte       // scratch for keys
	val      []byte       // scratch for values persist encodes itself
	sessions []sessionRef // sessions written, dropped from the cache on commit
}

// NewBatch returns an empty batch for s. Keep it and reuse it: Commit leaves
// it empty and ready for the next cycle, with its buffers kept.
func (s *Store) NewBatch() *Batch {
	return &Batch{s: s, pb: s.db.NewBatch()}
}

// Len is the number of key writes in the batch, index maintenance included
// (PutSession is two). Zero means Commit has nothing to do.
func (b *Batch) Len() int {
	return int(b.pb.Count())
}

// Size is the size of the batch's encoding in bytes, about what its commit
// appends to the write-ahead log.
func (b *Batch) Size() int {
	return b.pb.Len()
}

// Reset empties the batch without committing it, keeping its buffers.
func (b *Batch) Reset() {
	b.pb.Reset()
	b.sessions = b.sessions[:0]
}

// Close releases the batch's buffers to Pebble's pool. The batch must not be
// used afterwards.
func (b *Batch) Close() {
	_ = b.pb.Close()
	b.pb = nil
	b.sessions = nil
}

func (b *Batch) set(key, val []byte) {
	_ = b.pb.Set(key, val, nil) // cannot fail: the batch is not indexed
}

func (b *Batch) del(key []byte) {
	_ = b.pb.Delete(key, nil) // cannot fail: the batch is not indexed
}

// PutMeta writes the server-level record name (the hashed admin key, say).
func (b *Batch) PutMeta(name string, val []byte) {
	b.key = keyMeta(b.key[:0], name)
	b.set(b.key, val)
}

// PutWorkspace writes workspace ws's own record.
func (b *Batch) PutWorkspace(ws string, val []byte) {
	b.key = keyWorkspace(b.key[:0], ws)
	b.set(b.key, val)
}

// PutCheckpoint writes workspace ws's checkpoint: the hub's position and
// counters that recovery starts from.
func (b *Batch) PutCheckpoint(ws string, val []byte) {
	b.key = keyCheckpoint(b.key[:0], ws)
	b.set(b.key, val)
}

// PutQueue writes queue id of workspace ws.
func (b *Batch) PutQueue(ws, id string, val []byte) {
	b.key = keyQueue(b.key[:0], ws, id)
	b.set(b.key, val)
}

// DeleteQueue deletes queue id of workspace ws.
func (b *Batch) DeleteQueue(ws, id string) {
	b.key = keyQueue(b.key[:0], ws, id)
	b.del(b.key)
}

// PutAgent writes agent id of workspace ws.
func (b *Batch) PutAgent(ws, id string, val []byte) {
	b.key = keyAgent(b.key[:0], ws, id)
	b.set(b.key, val)
}

// DeleteAgent deletes agent id of workspace ws. The agent's token hashes are
// separate keys: delete them with DeleteToken.
func (b *Batch) DeleteAgent(ws, id string) {
	b.key = keyAgent(b.key[:0], ws, id)
	b.del(b.key)
}

// PutToken makes the token hash name agent agentID of workspace ws. Token
// hashes are server-wide, because an agent's hello carries a token and no
// workspace.
func (b *Batch) PutToken(ws string, hash []byte, agentID string) {
	b.key = keyToken(b.key[:0], hash)
	b.val = tokenValue(b.val[:0], ws, agentID)
	b.set(b.key, b.val)
}

// DeleteToken forgets the token hash.
func (b *Batch) DeleteToken(hash []byte) {
	b.key = keyToken(b.key[:0], hash)
	b.del(b.key)
}

// PutVisitor writes visitor id (a chat-widget visitor) of workspace ws.
func (b *Batch) PutVisitor(ws, id string, val []byte) {
	b.key = keyVisitor(b.key[:0], ws, id)
	b.set(b.key, val)
}

// DeleteVisitor deletes visitor id of workspace ws.
func (b *Batch) DeleteVisitor(ws, id string) {
	b.key = keyVisitor(b.key[:0], ws, id)
	b.del(b.key)
}

// PutSession writes session id of workspace ws whole. open says whether the
// session is still open (not yet finished and wrapped up): open sessions are
// in the index that recovery scans; open=false takes the session out of it.
func (b *Batch) PutSession(ws, id string, val []byte, open bool) {
	b.key = keySession(b.key[:0], ws, id)
	b.set(b.key, val)
	b.key = keyOpen(b.key[:0], ws, id)
	if open {
		b.set(b.key, nil)
	} else {
		b.del(b.key)
	}
	if b.s.cache != nil {
		b.sessions = append(b.sessions, sessionRef{ws: ws, id: id})
	}
}

// AppendMessage stores message seq of session sessionID. Sequences are per
// session and start at 1 (0 means "before the first message" to Messages);
// writing a sequence again replaces that message.
func (b *Batch) AppendMessage(ws, sessionID string, seq uint64, val []byte) {
	b.key = keyMessage(b.key[:0], ws, sessionID, seq)
	b.set(b.key, val)
}

// IndexContact records that session sessionID belongs to contact contactKey
// (a verified email or phone, else a visitor id), for RecentByContact.
func (b *Batch) IndexContact(ws, contactKey, sessionID string) {
	b.key = keyContact(b.key[:0], ws, contactKey, sessionID)
	b.set(b.key, nil)
}

// UnindexContact undoes IndexContact, for a session whose contact changed.
func (b *Batch) UnindexContact(ws, contactKey, sessionID string) {
	b.key = keyContact(b.key[:0], ws, contactKey, sessionID)
	b.del(b.key)
}

// PutExport schedules the metadata export of session sessionID at due, with
// the payload val. A session may have several exports pending (at finish,
// after wrap-up, after CSAT) as long as their due times differ.
func (b *Batch) PutExport(ws string, due time.Time, sessionID string, val []byte) {
	b.key = keyExport(b.key[:0], ws, due, sessionID)
	b.set(b.key, val)
}

// DeleteExport removes a pending export, named by the due time and session
// it was put with (times are compared to the nanosecond). Rescheduling a
// retry is DeleteExport and PutExport in the same batch.
func (b *Batch) DeleteExport(ws string, due time.Time, sessionID string) {
	b.key = keyExport(b.key[:0], ws, due, sessionID)
	b.del(b.key)
}

// PutStatus logs agent agentID's own status changing at at, with the
// payload val, in time order and, for ScanAgentStatuses, by agent. Two
// changes of one agent at the same instant are one entry, the last put:
// the hub logs a change at its agent's last instant a nanosecond after.
func (b *Batch) PutStatus(ws string, at time.Time, agentID string, val []byte) {
	b.key = keyStatus(b.key[:0], ws, at, agentID)
	b.set(b.key, val)
	b.key = keyAgentStatus(b.key[:0], ws, agentID, at)
	b.set(b.key, val)
}

// errForeignBatch is returned by Commit for a batch of another store.
var errForeignBatch = errors.New("persist: batch belongs to another store")

// Commit applies b atomically and waits until it is synced to disk: when it
// returns nil, every write of b survives a crash. Commits from several
// goroutines (one per hub loop) are safe and share fsyncs. On success b is
// left empty, ready for the next cycle; committing an empty batch is free.
//
// A failed commit returns an error that wraps ErrFailed and the cause, and
// fails the store: every later call returns that error, and Close releases
// the files. The store cannot do better, because Pebble has already applied
// the batch to its memtable when the write-ahead log reports the failure, and
// its commit pipeline cannot go on after that. So nothing of a failed batch
// is ever read back from this Store; the process should stop and reopen the
// store, which then holds every acknowledged commit. Whether the failed batch
// itself is there after reopening depends on how far the bytes got, as with
// any database: it was never acknowledged, so either outcome is allowed.
//
// Reads that run while a commit is in flight may see its writes before
// Commit returns: Pebble makes a batch visible before its fsync completes.
// The hub releases acks and events only after Commit returns.
func (s *Store) Commit(b *Batch) error {
	if b.s != s {
		return errForeignBatch
	}
	if err := s.acquire(); err != nil {
		return err
	}
	defer s.release()
	if b.pb.Empty() {
		return nil
	}
	if err := commitSync(b.pb); err != nil {
		// Pebble may still hold the failed batch: leave it to it.
		b.pb = s.db.NewBatch()
		b.sessions = b.sessions[:0]
		return s.fail(err)
	}
	if s.cache != nil && len(b.sessions) > 0 {
		s.cache.remove(b.sessions)
	}
	b.Reset()
	return nil
}

// commitSync commits pb with fsync, turning Pebble's fatal commit error (a
// Fatalf, see pebbleLogger) into an error.
func commitSync(pb *pebble.Batch) (err error) {
	defer recoverFatal(&err)
	return pb.Commit(pebble.Sync)
}
