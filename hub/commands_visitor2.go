package hub

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/switchboardhq/switchboard/session"
)

// KindVisitor is the stored kind of a visitor record.
const KindVisitor Kind = "visitor"

// DefaultVisitorGrace is how long a visitor's open chat survives their last
// socket (a page reload, a flaky network) before it ends as left by the
// customer.
const DefaultVisitorGrace = 30 * time.Second

// maxPendingPages bounds the pages a visitor views before a chat starts.
const maxPendingPages = 20

// visitorInfo is a chat-widget visitor: who they are and their chat.
type visitorInfo struct {
	ID         string          `json:"id"`
	SecretHash string          `json:"secret_hash"`
	Contact    session.Contact `json:"contact"`
	Queue      string          `json:"queue,omitempty"`
	Session    string          `json:"session,omitempty"` // last session started by the widget
	session    string          // open session ("" none); the stored Session may be over
	pages      []session.Page
	conns      int
	graceUntil time.Time
	dirty      bool
}

func (h *Hub) storeVisitor(v *visitorInfo) {
	if !v.dirty {
		v.dirty = true
		h.cyc.visitors = append(h.cyc.visitors, v)
	}
}

// commitVisitors adds the changed visitor records to b.
func (h *Hub) commitVisitors(b *Batch) error {
	for _, v := range h.cyc.visitors {
		v.dirty = false
		val, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encoding visitor %s: %w", v.ID, err)
		}
		b.Entities = append(b.Entities, Entity{Kind: KindVisitor, ID: v.ID, Value: val})
	}
	return nil
}

// visitor returns visitor id, loading it from the store when it is not in
// memory (after a restart), or nil.
func (h *Hub) visitor(id string) *visitorInfo {
	if v := h.visitors[id]; v != nil {
		return v
	}
	rd, ok := h.cfg.Store.(VisitorReader)
	if !ok {
		return nil
	}
	val, err := rd.Visitor(id)
	if err != nil {
		return nil
	}
	v := &visitorInfo{}
	if json.Unmarshal(val, v) != nil || v.ID != id {
		return nil
	}
	if s := h.sessions[v.Session]; s != nil && !s.Finished() {
		v.session = s.ID
	}
	h.visitors[id] = v
	return v
}

// VisitorReader is implemented by stores that keep visitor records, so that
// a visitor resumes after a restart.
type VisitorReader interface {
	Visitor(id string) ([]byte, error)
}

// knownVisitor returns visitor id, in memory since their hello, or a
// not_found error.
func (h *Hub) knownVisitor(id string) (*visitorInfo, error) {
	if v := h.visitors[id]; v != nil {
		return v, nil
	}
	return nil, errorf(CodeNotFound, "visitor %q", id)
}

// openSession returns v's open session (not finished) or nil.
func (h *Hub) openSession(v *visitorInfo) *sessState {
	if v.session == "" {
		return nil
	}
	s := h.sessions[v.session]
	if s == nil || s.Finished() {
		v.session = ""
		return nil
	}
	return s
}

// VisitorHello registers a new visitor (New) or resumes one whose secret
// hash matches. The reply names the visitor's open session and its state.
type VisitorHello struct {
	Visitor    string
	SecretHash string
	New        bool
	Contact    session.Contact
	Queue      string
	Page       string
}

func (c VisitorHello) apply(h *Hub, now time.Time) (Reply, error) {
	if err := session.ValidateContact(c.Contact); err != nil {
		return Reply{}, err
	}
	if c.Queue != "" && h.queues[c.Queue] == nil {
		// bad_request, not not_found: the hello names a queue that is not
		// there, and not_found says the visitor is unknown.
		return Reply{}, errorf(CodeBadRequest, "unknown queue %q", c.Queue)
	}
	v := h.visitor(c.Visitor)
	switch {
	case c.New && v != nil:
		return Reply{}, errorf(CodeConflict, "visitor %q exists", c.Visitor)
	case c.New:
		v = &visitorInfo{ID: c.Visitor, SecretHash: c.SecretHash}
		h.visitors[v.ID] = v
	case v == nil:
		return Reply{}, errorf(CodeNotFound, "visitor %q", c.Visitor)
	case v.SecretHash != c.SecretHash:
		return Reply{}, errorf(CodeUnauthorized, "visitor secret does not match")
	}
	v.conns++
	v.graceUntil = time.Time{}
	if c.Contact != (session.Contact{}) {
		mergeContact(&v.Contact, c.Contact)
	}
	if c.Queue != "" {
		v.Queue = c.Queue
	}
	h.storeVisitor(v)
	rep := Reply{State: "none"}
	if s := h.openSession(v); s != nil {
		rep.Session, rep.State = s.ID, s.State.Name()
		if s.AgentDisconnected || s.VisitorID == v.ID {
			h.touchSession(s)
		}
	}
	if c.Page != "" {
		_ = h.addPage(v, c.Page, "", now)
	}
	return rep, nil
}

// mergeContact copies the non-empty fields of from into to.
func mergeContact(to *session.Contact, from session.Contact) {
	for _, f := range []struct{ dst, src *string }{{&to.Name, &from.Name}, {&to.Email, &from.Email},
		{&to.Phone, &from.Phone}, {&to.Country, &from.Country}, {&to.Language, &from.Language}} {
		if *f.src != "" {
			*f.dst = *f.src
		}
	}
}

// VisitorDisconnect counts a visitor socket gone. When it was the last and a
// chat is open, the chat ends as left by the customer after the grace period
// unless they come back.
type VisitorDisconnect struct {
	Visitor string
}

func (c VisitorDisconnect) apply(h *Hub, now time.Time) (Reply, error) {
	v, err := h.knownVisitor(c.Visitor)
	if err != nil {
		return Reply{}, err
	}
	if v.conns > 0 {
		v.conns--
	}
	if v.conns == 0 {
		if h.openSession(v) != nil {
			v.graceUntil = now.Add(h.cfg.VisitorGrace)
			h.timers.Push(timer{at: v.graceUntil, visitor: v.ID})
		} else {
			h.cyc.idleVisitors = append(h.cyc.idleVisitors, v.ID)
		}
	}
	return Reply{}, nil
}

// visitorGraceDue ends the chat of a visitor gone past their grace.
func (h *Hub) visitorGraceDue(t timer, now time.Time) {
	v := h.visitors[t.visitor]
	if v == nil || v.conns > 0 || !v.graceUntil.Equal(t.at) {
		return
	}
	v.graceUntil = time.Time{}
	if s := h.openSession(v); s != nil {
		if _, err := (End{Session: s.ID, By: Party{Kind: session.KindVisitor, ID: v.ID}}).apply(h, now); err != nil {
			h.cfg.Logger.Warn("ending a left visitor's chat: " + err.Error())
		}
	}
	h.cyc.idleVisitors = append(h.cyc.idleVisitors, v.ID)
}

// dropIdleVisitors forgets, after the cycle's commit, the visitors of
// idleVisitors that have no socket and no open chat: their record is in
// the store, and a hello (a reload, a return days later) reads it again.
// Without this every visitor ever seen would stay in memory.
func (h *Hub) dropIdleVisitors() {
	if len(h.cyc.idleVisitors) == 0 {
		return
	}
	if _, ok := h.cfg.Store.(VisitorReader); !ok {
		return
	}
	for _, id := range h.cyc.idleVisitors {
		if v := h.visitors[id]; v != nil && v.conns == 0 && !v.dirty && h.openSession(v) == nil {
			delete(h.visitors, id)
		}
	}
}

// VisitorSend is a chat message from the widget: into the visitor's open
// chat, or starting one (web chat, in the visitor's queue) when none is open.
type VisitorSend struct {
	Visitor  string
	Text     string
	ClientID string
}

func (c VisitorSend) apply(h *Hub, now time.Time) (Reply, error) {
	v, err := h.knownVisitor(c.Visitor)
	if err != nil {
		return Reply{}, err
	}
	party := Party{Kind: session.KindVisitor, ID: v.ID}
	if s := h.openSession(v); s != nil {
		return Send{Session: s.ID, From: party, Text: c.Text, ClientID: c.ClientID}.apply(h, now)
	}
	q := v.Queue
	if q == "" {
		q = h.defaultQueue()
	}
	rep, err := StartSession{Channel: session.WebChat, Queue: q, VisitorID: v.ID, Contact: v.Contact,
		Text: c.Text, ClientID: c.ClientID}.apply(h, now)
	if err != nil {
		return Reply{}, err
	}
	v.session, v.Session = rep.Session, rep.Session
	h.storeVisitor(v)
	if s := h.sessions[rep.Session]; s != nil {
		for _, p := range v.pages {
			_ = s.AddPage(p.URL, p.Title, now)
		}
		v.pages = nil
	}
	return rep, nil
}

// defaultQueue is where a widget chat goes when the page named no queue:
// "support" if there is one, else the queue with the smallest id.
func (h *Hub) defaultQueue() string {
	if h.queues["support"] != nil {
		return "support"
	}
	ids := make([]string, 0, len(h.queues))
	for id := range h.queues {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// VisitorLeave ends the visitor's open chat (by the customer).
type VisitorLeave struct {
	Visitor string
}

func (c VisitorLeave) apply(h *Hub, now time.Time) (Reply, error) {
	v, err := h.knownVisitor(c.Visitor)
	if err != nil {
		return Reply{}, err
	}
	s := h.openSession(v)
	if s == nil {
		return Reply{}, errorf(CodeConflict, "no open chat")
	}
	return End{Session: s.ID, By: Party{Kind: session.KindVisitor, ID: v.ID}}.apply(h, now)
}

// PageView records a page the visitor viewed: on the open chat's journey, or
// kept for the next chat.
type PageView struct {
	Visitor string
	URL     string
	Title   string
}

func (c PageView) apply(h *Hub, now time.Time) (Reply, error) {
	v, err := h.knownVisitor(c.Visitor)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Session: v.session}, h.addPage(v, c.URL, c.Title, now)
}

func (h *Hub) addPage(v *visitorInfo, url, title string, now time.Time) error {
	if s := h.openSession(v); s != nil {
		if err := s.AddPage(url, title, now); err != nil {
			return err
		}
		h.touchSession(s)
		return nil
	}
	if len(url) > session.MaxURLLen || len(title) > session.MaxPageTitleLen {
		return errorf(CodeBadRequest, "page url or title too long")
	}
	if len(v.pages) == maxPendingPages {
		v.pages = v.pages[1:]
	}
	v.pages = append(v.pages, session.Page{URL: url, Title: title, At: now.UTC()})
	return nil
}

// CSAT records the visitor's satisfaction (1–4, comment) with their last
// chat, once it has ended.
type CSAT struct {
	Visitor string
	Rating  int
	Comment string
}

func (c CSAT) apply(h *Hub, now time.Time) (Reply, error) {
	v := h.visitors[c.Visitor]
	if v == nil || v.Session == "" {
		return Reply{}, errorf(CodeNotFound, "no chat to rate")
	}
	s := h.sessions[v.Session]
	loaded := s == nil
	if loaded {
		var err error
		if s, err = h.loadSession(v.Session); err != nil {
			return Reply{}, err
		}
	}
	if err := s.SetCSAT(c.Rating, c.Comment, now); err != nil {
		if loaded {
			delete(h.sessions, s.ID) // nothing touched it: flush would not drop it
		}
		return Reply{}, err
	}
	h.markDirty(s)
	h.touchSession(s)
	h.exportLater(s)
	return Reply{Session: s.ID}, nil
}

// loadSession reads a session that left memory back from the store; it is
// held in memory only for this cycle (flush drops it again when it is over).
func (h *Hub) loadSession(id string) (*sessState, error) {
	rd, ok := h.cfg.Store.(Reader)
	if !ok {
		return nil, errorf(CodeNotFound, "session %q", id)
	}
	val, err := rd.ReadSession(id)
	if err != nil {
		return nil, errorf(CodeNotFound, "session %q", id)
	}
	s := &sessState{Session: &session.Session{}}
	if err := json.Unmarshal(val, s.Session); err != nil {
		return nil, fmt.Errorf("decoding session %s: %w", id, err)
	}
	h.sessions[id] = s
	return s, nil
}
