package hub

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/switchboardhq/switchboard/persist"
)

// PebbleStore is the Store of one workspace on a persist.Store (Pebble).
// Commit writes a whole Batch as one persist batch synced to disk; the read
// methods serve what the hub no longer holds in memory (finished sessions,
// transcripts, visitors), and the scans rebuild the hub in New (see
// Recoverable).
//
// Commit is called by the hub's loop only; the read methods are safe for
// concurrent use with it and with each other (HTTP handlers call them).
type PebbleStore struct {
	st *persist.Store
	ws string

	// Owned by Commit.
	b  *persist.Batch
	cp []byte
	// indexed is the contact key last indexed for each open session, so
	// that rewriting a session does not rewrite its contact index entry. It
	// is empty after a restart: the first write of a session indexes it
	// again, which is harmless (the entry is the same key).
	indexed map[string]string
}

// NewPebbleStore returns the store of workspace on st. st stays owned by the
// caller, who closes it after the hub has stopped.
func NewPebbleStore(st *persist.Store, workspace string) *PebbleStore {
	if workspace == "" {
		workspace = DefaultWorkspace
	}
	return &PebbleStore{st: st, ws: workspace, b: st.NewBatch(), indexed: map[string]string{}}
}

// Workspace returns the workspace the store writes.
func (p *PebbleStore) Workspace() string { return p.ws }

// Checkpoint is the hub's position, written with every batch: recovery
// starts the router's offer ids and the hub's session ids after it, so that
// no id is handed out twice across restarts.
type Checkpoint struct {
	NextOfferID   uint64 `json:"next_offer_id"`
	LastSessionID string `json:"last_session_id,omitempty"`
}

// Commit implements Store: every entity, deletion, message and export of b
// and a checkpoint in one persist batch, committed with fsync. After a failed
// commit the persist.Store refuses everything (persist.ErrFailed): the
// process must reopen it, and then finds every batch acknowledged before.
func (p *PebbleStore) Commit(b *Batch) error {
	pb := p.b
	for i := range b.Entities {
		if err := p.put(pb, &b.Entities[i]); err != nil {
			pb.Reset()
			return err
		}
	}
	for _, e := range b.Deleted {
		if err := p.del(pb, e); err != nil {
			pb.Reset()
			return err
		}
	}
	for _, m := range b.Messages {
		pb.AppendMessage(p.ws, m.Session, m.Seq, m.Value)
	}
	for _, e := range b.Exports {
		pb.PutExport(p.ws, e.Due, e.Session, e.Doc)
	}
	for _, st := range b.Statuses {
		v, err := json.Marshal(st)
		if err != nil {
			pb.Reset()
			return fmt.Errorf("hub: encoding the status change of agent %s: %w", st.Agent, err)
		}
		pb.PutStatus(p.ws, st.At, st.Agent, v)
	}
	cp, err := json.Marshal(Checkpoint{NextOfferID: b.NextOfferID, LastSessionID: b.LastSessionID})
	if err != nil {
		pb.Reset()
		return fmt.Errorf("hub: encoding checkpoint: %w", err)
	}
	pb.PutCheckpoint(p.ws, cp)
	if err := p.st.Commit(pb); err != nil {
		return err
	}
	for _, e := range b.Entities {
		if e.Kind != KindSession {
			continue
		}
		if e.Open && e.Contact != "" {
			p.indexed[e.ID] = e.Contact
		} else {
			delete(p.indexed, e.ID)
		}
	}
	return nil
}

func (p *PebbleStore) put(pb *persist.Batch, e *Entity) error {
	switch e.Kind {
	case KindQueue:
		pb.PutQueue(p.ws, e.ID, e.Value)
	case KindAgent:
		pb.PutAgent(p.ws, e.ID, e.Value)
	case KindSession:
		pb.PutSession(p.ws, e.ID, e.Value, e.Open)
		if e.Contact != "" && p.indexed[e.ID] != e.Contact {
			pb.IndexContact(p.ws, e.Contact, e.ID)
		}
	case KindVisitor:
		pb.PutVisitor(p.ws, e.ID, e.Value)
	default:
		return fmt.Errorf("hub: cannot store entity kind %q", e.Kind)
	}
	return nil
}

func (p *PebbleStore) del(pb *persist.Batch, e Entity) error {
	switch e.Kind {
	case KindQueue:
		pb.DeleteQueue(p.ws, e.ID)
	case KindAgent:
		pb.DeleteAgent(p.ws, e.ID)
	case KindVisitor:
		pb.DeleteVisitor(p.ws, e.ID)
	default:
		// Sessions are never deleted: a finished session stays readable.
		return fmt.Errorf("hub: cannot delete entity kind %q", e.Kind)
	}
	return nil
}

// ReadMessages implements Reader.
func (p *PebbleStore) ReadMessages(session string, after uint64, limit int) ([]Message, error) {
	ms, err := p.st.Messages(p.ws, session, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Message, len(ms))
	for i, m := range ms {
		out[i] = Message{Session: session, Seq: m.Seq, Value: m.Value}
	}
	return out, nil
}

// ReadSession implements Reader, through persist's session cache.
func (p *PebbleStore) ReadSession(id string) ([]byte, error) {
	val, err := p.st.GetSession(p.ws, id)
	return val, notStored(err, "session", id)
}

// Visitor implements VisitorReader.
func (p *PebbleStore) Visitor(id string) ([]byte, error) {
	val, err := p.st.GetVisitor(p.ws, id)
	return val, notStored(err, "visitor", id)
}

// RecentByContact returns the ids of the last sessions of contact key
// (session.ContactKey), newest first, at most limit.
func (p *PebbleStore) RecentByContact(key string, limit int) ([]string, error) {
	return p.st.RecentByContact(p.ws, key, limit)
}

// notStored maps persist.ErrNotFound to a not_found *Error wrapping
// ErrNotStored; other errors pass.
func notStored(err error, what, id string) error {
	if errors.Is(err, persist.ErrNotFound) {
		return &Error{Code: CodeNotFound, Message: fmt.Sprintf("%s %q is not stored", what, id), Err: ErrNotStored}
	}
	return err
}

// LoadCheckpoint implements Recoverable.
func (p *PebbleStore) LoadCheckpoint() (Checkpoint, error) {
	var cp Checkpoint
	v, err := p.st.GetCheckpoint(p.ws)
	switch {
	case errors.Is(err, persist.ErrNotFound):
		return cp, nil
	case err != nil:
		return cp, err
	}
	if err := json.Unmarshal(v, &cp); err != nil {
		return cp, fmt.Errorf("hub: decoding checkpoint: %w", err)
	}
	return cp, nil
}

// ScanQueues implements Recoverable.
func (p *PebbleStore) ScanQueues(fn func(val []byte) error) error {
	return p.st.ScanQueues(p.ws, func(_ string, val []byte) error { return fn(val) })
}

// ScanAgents implements Recoverable.
func (p *PebbleStore) ScanAgents(fn func(val []byte) error) error {
	return p.st.ScanAgents(p.ws, func(_ string, val []byte) error { return fn(val) })
}

// ScanOpenSessions implements Recoverable.
func (p *PebbleStore) ScanOpenSessions(fn func(val []byte) error) error {
	return p.st.ScanOpenSessions(p.ws, func(_ string, val []byte) error { return fn(val) })
}
