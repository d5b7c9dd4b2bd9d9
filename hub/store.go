package hub

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// Kind names the kind of a stored entity.
type Kind string

// The entity kinds.
const (
	KindQueue   Kind = "queue"
	KindAgent   Kind = "agent"
	KindSession Kind = "session"
)

// Entity is one whole record to write: the entity's latest JSON.
type Entity struct {
	Kind  Kind
	ID    string
	Value []byte
	// Open is set for a session that is still open (session.Open): the
	// store keeps it in the index recovery scans.
	Open bool
	// Contact is a session's contact key (session.ContactKey), "" if none:
	// the store indexes the session under it.
	Contact string
}

// Message is one chat message to append under its session.
type Message struct {
	Session string
	Seq     uint64
	Value   []byte
}

// StatusChange is an agent setting their own status (or the hub setting
// it for them: offline after their last socket's grace, or at a restart),
// logged so that what agents did is known after the fact: when they were
// logged in and available, and why they were away.
type StatusChange struct {
	Agent  string          `json:"agent"`
	At     time.Time       `json:"at"`
	Status presence.Status `json:"status"`
	Reason string          `json:"reason,omitempty"`
	// MissLimit is, for an away for missed offers (Reason
	// "missed_offers"), how many offers in a row the agent let ring out:
	// the workspace's limit then.
	MissLimit int `json:"miss_limit,omitempty"`
}

// Batch is what one cycle of the loop changed. It is reused from cycle to
// cycle: a Store must copy what it keeps before Commit returns.
type Batch struct {
	Entities []Entity
	// Deleted are entities removed (Kind and ID set, no Value).
	Deleted  []Entity
	Messages []Message
	// Exports are metadata exports to store as pending (see Exporter).
	Exports []Export
	// Statuses are agents' status changes to log.
	Statuses []StatusChange
	// NextOfferID is the router's next offer id after the batch, so that
	// offer ids stay unique across restarts.
	NextOfferID uint64
	// LastSessionID is the last session id the hub handed out.
	LastSessionID string
}

// Empty reports whether the batch holds no change.
func (b *Batch) Empty() bool {
	return len(b.Entities) == 0 && len(b.Deleted) == 0 && len(b.Messages) == 0 && len(b.Exports) == 0 && len(b.Statuses) == 0
}

func (b *Batch) reset() {
	clear(b.Entities)
	clear(b.Messages)
	clear(b.Deleted)
	clear(b.Exports)
	clear(b.Statuses)
	b.Entities, b.Messages, b.Deleted, b.Exports = b.Entities[:0], b.Messages[:0], b.Deleted[:0], b.Exports[:0]
	b.Statuses = b.Statuses[:0]
}

// Store makes the hub's changes durable. Commit writes a whole batch
// atomically and returns once it is durable; the hub acknowledges nothing
// before. Commit is called only from the hub's loop, never concurrently.
type Store interface {
	Commit(b *Batch) error
}

// MemStore is a Store in memory, for tests and the simulator. It is safe for
// concurrent use: tests read it while the hub writes.
type MemStore struct {
	mu       sync.Mutex
	entities map[Kind]map[string][]byte
	messages map[string][]Message
	exports  []Export
	statuses []StatusChange
	commits  int
	fail     error
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{entities: map[Kind]map[string][]byte{}, messages: map[string][]Message{}}
}

// ErrInjected is the error a MemStore returns after FailWith(nil).
var ErrInjected = errors.New("hub: injected commit failure")

// FailWith makes every later Commit fail with err (ErrInjected when nil).
func (m *MemStore) FailWith(err error) {
	if err == nil {
		err = ErrInjected
	}
	m.mu.Lock()
	m.fail = err
	m.mu.Unlock()
}

// Commit implements Store: it copies the batch in, or fails as FailWith set.
func (m *MemStore) Commit(b *Batch) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	for _, e := range b.Entities {
		byID := m.entities[e.Kind]
		if byID == nil {
			byID = map[string][]byte{}
			m.entities[e.Kind] = byID
		}
		byID[e.ID] = slices.Clone(e.Value)
	}
	for _, e := range b.Deleted {
		delete(m.entities[e.Kind], e.ID)
	}
	for _, msg := range b.Messages {
		msg.Value = slices.Clone(msg.Value)
		m.messages[msg.Session] = append(m.messages[msg.Session], msg)
	}
	for _, e := range b.Exports {
		e.Doc = slices.Clone(e.Doc)
		m.exports = append(m.exports, e)
	}
	m.statuses = append(m.statuses, b.Statuses...)
	m.commits++
	return nil
}

// Get returns a copy of the stored JSON of entity kind/id.
func (m *MemStore) Get(kind Kind, id string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.entities[kind][id]
	return slices.Clone(v), ok
}

// Statuses returns the agents' status changes logged, in commit order.
func (m *MemStore) Statuses() []StatusChange {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.statuses)
}

// Messages returns copies of the messages stored under session, in order.
func (m *MemStore) Messages(session string) []Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := slices.Clone(m.messages[session])
	for i := range out {
		out[i].Value = slices.Clone(out[i].Value)
	}
	return out
}

// Visitor implements VisitorReader.
func (m *MemStore) Visitor(id string) ([]byte, error) {
	if v, ok := m.Get(KindVisitor, id); ok {
		return v, nil
	}
	return nil, fmt.Errorf("hub: visitor %q not stored", id)
}

// Commits returns how many batches were committed.
func (m *MemStore) Commits() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.commits
}

// Exports returns copies of the exports stored, in commit order. A MemStore
// never delivers nor deletes them.
func (m *MemStore) Exports() []Export {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := slices.Clone(m.exports)
	for i := range out {
		out[i].Doc = slices.Clone(out[i].Doc)
	}
	return out
}
