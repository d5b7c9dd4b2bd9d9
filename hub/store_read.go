package hub

import (
	"errors"
	"fmt"
	"slices"
)

// ErrNotStored is the cause of the not_found error a Reader returns for a
// record it does not hold.
var ErrNotStored = errors.New("hub: not stored")

// Reader is implemented by stores that can read back what the hub wrote:
// the transcript of a session (a client that resumes after message X reads
// ReadMessages(id, X, 0)) and the record of a session the hub no longer
// holds (finished and wrapped up). PebbleStore and MemStore implement it;
// callers type-assert the Config's Store. Both methods are safe for
// concurrent use with Commit.
type Reader interface {
	// ReadMessages returns the messages of session with a sequence above
	// after, in order, at most limit of them (all when limit <= 0). The
	// values are copies the caller owns.
	ReadMessages(session string, after uint64, limit int) ([]Message, error)
	// ReadSession returns a copy of the stored JSON of session id (a
	// session.Session), or a not_found *Error wrapping ErrNotStored.
	ReadSession(id string) ([]byte, error)
}

// Recoverable is implemented by stores New rebuilds the hub from (see
// recover.go): PebbleStore. The scans are called before the loop starts.
type Recoverable interface {
	Store
	// LoadCheckpoint returns the last committed checkpoint, or the zero
	// Checkpoint for a store never written.
	LoadCheckpoint() (Checkpoint, error)
	// ScanQueues calls fn with every stored queue record (queueRecord JSON).
	ScanQueues(fn func(val []byte) error) error
	// ScanAgents calls fn with every stored agent record (agentRecord JSON).
	ScanAgents(fn func(val []byte) error) error
	// ScanOpenSessions calls fn with every open session (Entity.Open) in
	// session id order, which is creation order. val is valid only until fn
	// returns.
	ScanOpenSessions(fn func(val []byte) error) error
}

var (
	_ Reader      = (*MemStore)(nil)
	_ Reader      = (*PebbleStore)(nil)
	_ Recoverable = (*PebbleStore)(nil)
)

// ReadMessages implements Reader.
func (m *MemStore) ReadMessages(session string, after uint64, limit int) ([]Message, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Message
	for _, msg := range m.messages[session] {
		if msg.Seq <= after {
			continue
		}
		if limit > 0 && len(out) == limit {
			break
		}
		msg.Value = slices.Clone(msg.Value)
		out = append(out, msg)
	}
	return out, nil
}

// ReadSession implements Reader.
func (m *MemStore) ReadSession(id string) ([]byte, error) {
	if v, ok := m.Get(KindSession, id); ok {
		return v, nil
	}
	return nil, &Error{Code: CodeNotFound, Message: fmt.Sprintf("session %q is not stored", id), Err: ErrNotStored}
}
