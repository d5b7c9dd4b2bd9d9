package hub

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
	"go.uber.org/zap"
)

// queueInfo is a queue as the hub keeps it: the spec last put.
type queueInfo struct {
	spec  QueueSpec
	dirty bool
}

// agentInfo is an agent as the hub keeps it, besides the router's presence.
type agentInfo struct {
	profile presence.Profile
	queues  []string
	sent    presenceSnap // what the agent was last told
	stored  presenceSnap // status and reason last stored
	// since is when the status others see (sent.status) last changed;
	// storedSince when the agent's own status (stored) last changed
	since       time.Time
	storedSince time.Time
	// logged is when the agent's own status was last logged: the log
	// keeps one entry per agent and instant, so the next is logged after.
	logged  time.Time
	dirty   bool
	touched bool
	// flagged: some session of the agent shows "agent disconnected".
	flagged bool
}

// presenceSnap is what a presence frame says.
type presenceSnap struct {
	status presence.Status
	reason string
	active [presence.NumMedia]int
	cap    presence.Capacity
}

// sessState is an open session as the hub keeps it.
type sessState struct {
	*session.Session
	// clientIDs maps a client_id to the message seq it appended, for
	// idempotent Send. Kept in memory only while the session is open.
	clientIDs map[string]uint64
	// wrapupDue is the wrap-up deadline of an ended session (zero if none).
	wrapupDue time.Time
	// idleReleased: waiting for the customer past idle_release, the chat
	// does not count against its agent's capacity (see idle.go).
	idleReleased bool
	dirty        bool
	touched      bool
	// key is the last contact key computed and what it was computed from
	// (contactKey): it is stored with every commit of the session. Its
	// zero value is right for a session with no contact and no visitor.
	key struct {
		contact session.Contact
		visitor string
		value   string
	}
}

// contactKey is s.ContactKey(), computed again only when the contact or
// the visitor changed.
func (s *sessState) contactKey() string {
	k := &s.key
	if k.contact != s.Contact || k.visitor != s.VisitorID {
		k.contact, k.visitor, k.value = s.Contact, s.VisitorID, s.ContactKey()
	}
	return k.value
}

// touchSession marks s changed: stored at commit, its card sent at the next
// flush.
func (h *Hub) touchSession(s *sessState) {
	if !s.dirty {
		s.dirty = true
		h.cyc.sessions = append(h.cyc.sessions, s)
	}
	if !s.touched {
		s.touched = true
		h.cyc.touchedSessions = append(h.cyc.touchedSessions, s)
	}
	if q := s.Queue.ID; q != "" {
		h.touchQueueStats(q)
	}
}

// touchAgent marks agent id's presence for a check at the next flush.
func (h *Hub) touchAgent(id string) {
	a := h.agents[id]
	if a == nil || a.touched {
		return
	}
	a.touched = true
	h.cyc.touchedAgents = append(h.cyc.touchedAgents, a)
	for _, q := range a.queues {
		h.touchQueueStats(q)
	}
}

func (h *Hub) storeAgent(a *agentInfo) {
	if !a.dirty {
		a.dirty = true
		h.cyc.agents = append(h.cyc.agents, a)
	}
}

func (h *Hub) storeQueue(q *queueInfo) {
	if !q.dirty {
		q.dirty = true
		h.cyc.queues = append(h.cyc.queues, q)
	}
}

func (h *Hub) touchQueueStats(id string) {
	if len(h.supervisors) == 0 {
		return
	}
	for _, q := range h.cyc.statsQueues {
		if q == id {
			return
		}
	}
	h.cyc.statsQueues = append(h.cyc.statsQueues, id)
}

// agentName returns the name of agent id ("" if unknown).
func (h *Hub) agentName(id string) string {
	if a := h.agents[id]; a != nil {
		return a.profile.Name
	}
	return ""
}

// session returns open session id or a not_found error.
func (h *Hub) session(id string) (*sessState, error) {
	s := h.sessions[id]
	if s == nil {
		return nil, errorf(CodeNotFound, "session %q is not open", id)
	}
	return s, nil
}

// nextSessionID returns a new session id: 16 hex digits of the creation
// time in milliseconds shifted left 16 bits, plus a counter, so that ids sort
// by creation time and never repeat while the clock does not go back.
func (h *Hub) nextSessionID(now time.Time) string {
	id := uint64(now.UnixMilli()) << 16
	if id <= h.lastID {
		id = h.lastID + 1
	}
	h.lastID = id
	return formatID(id)
}

func formatID(id uint64) string { return fmt.Sprintf("%016x", id) }

// agentRecord is the stored form of an agent.
type agentRecord struct {
	ID        string             `json:"id"`
	Name      string             `json:"name"`
	Role      presence.Role      `json:"role"`
	Languages presence.Languages `json:"languages"`
	Expertise []string           `json:"expertise,omitempty"`
	Capacity  map[string]int     `json:"capacity"`
	Queues    []string           `json:"queues"`
	Status    presence.Status    `json:"status"`
	Reason    string             `json:"reason,omitempty"`
	// Since is when Status last changed (absent in records stored before
	// it was kept).
	Since string `json:"since,omitempty"`
	// Logged is when the agent's own status was last logged, to the
	// nanosecond (absent in records stored before it was kept, and for
	// an agent never logged).
	Logged string `json:"logged,omitempty"`
}

func (h *Hub) encodeAgent(a *agentInfo) ([]byte, error) {
	rec := agentRecord{ID: a.profile.ID, Name: a.profile.Name, Role: a.profile.Role,
		Languages: a.profile.Languages, Expertise: a.profile.Expertise,
		Capacity: map[string]int{}, Queues: a.queues}
	for m, n := range a.profile.Capacity {
		rec.Capacity[presence.Media(m).String()] = n
	}
	if p := h.r.Agent(a.profile.ID); p != nil {
		rec.Status, rec.Reason = p.Status(), p.Reason()
	}
	if !a.storedSince.IsZero() {
		rec.Since = session.FormatTime(a.storedSince)
	}
	if !a.logged.IsZero() {
		rec.Logged = a.logged.UTC().Format(time.RFC3339Nano)
	}
	return json.Marshal(rec)
}

// commit writes the cycle's changes as one batch. A cycle that changed
// nothing is not committed.
func (h *Hub) commit() error {
	c, b := &h.cyc, &h.batch
	b.reset()
	for _, q := range c.queues {
		q.dirty = false
		v, err := json.Marshal(q.spec.record())
		if err != nil {
			return fmt.Errorf("encoding queue %s: %w", q.spec.ID, err)
		}
		b.Entities = append(b.Entities, Entity{Kind: KindQueue, ID: q.spec.ID, Value: v})
	}
	for _, a := range c.agents {
		a.dirty = false
		v, err := h.encodeAgent(a)
		if err != nil {
			return fmt.Errorf("encoding agent %s: %w", a.profile.ID, err)
		}
		b.Entities = append(b.Entities, Entity{Kind: KindAgent, ID: a.profile.ID, Value: v})
	}
	for _, s := range c.sessions {
		s.dirty = false
		v, err := s.Session.AppendJSON(h.scratch[:0])
		if err != nil {
			return fmt.Errorf("encoding session %s: %w", s.ID, err)
		}
		b.Entities = append(b.Entities, Entity{Kind: KindSession, ID: s.ID, Value: h.encoded(v), Open: s.Open(), Contact: s.contactKey()})
	}
	if err := h.commitVisitors(b); err != nil {
		return err
	}
	b.Deleted = append(b.Deleted, c.deleted...)
	b.Messages = append(b.Messages, c.messages...)
	b.Statuses = append(b.Statuses, c.statuses...)
	if err := h.commitExports(b); err != nil {
		return err
	}
	if b.Empty() {
		return nil
	}
	b.NextOfferID = uint64(h.r.NextOfferID())
	b.LastSessionID = ""
	if h.lastID != 0 {
		b.LastSessionID = formatID(h.lastID)
	}
	h.commitSince.Store(time.Now().UnixNano()) // wall time: see stalled
	err := h.cfg.Store.Commit(b)
	h.commitSince.Store(0)
	if h.stallLogged.Swap(false) {
		h.cfg.Logger.Warn("the store answered again", zap.Error(err))
	}
	return err
}

// offerIDString is the wire form of an offer id.
func offerIDString(id router.OfferID) string { return strconv.FormatUint(uint64(id), 10) }

// ParseOfferID reads the wire form of an offer id.
func ParseOfferID(s string) (router.OfferID, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return 0, errorf(CodeBadRequest, "offer %q is not an offer id", s)
	}
	return router.OfferID(n), nil
}
