package hub

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
)

// AgentView is an agent as a welcome frame and the HTTP API show it.
type AgentView struct {
	ID     string          `json:"id"`
	Name   string          `json:"name"`
	Role   presence.Role   `json:"role"`
	Status presence.Status `json:"status"`
	// StatusSince is when Status last changed: absent for an agent
	// recovered offline from a record that did not keep it.
	StatusSince string               `json:"status_since,omitempty"`
	Reason      string               `json:"reason,omitempty"`
	Languages   presence.Languages   `json:"languages"`
	Expertise   []string             `json:"expertise"`
	Capacity    map[string]int       `json:"capacity"`
	Load        map[string]MediaLoad `json:"load"`
	Queues      []string             `json:"queues"`
	Online      bool                 `json:"online"`
}

// OfferView is a pending offer with its card.
type OfferView struct {
	Offer OfferInfo     `json:"offer"`
	Card  *session.Card `json:"card"`
}

// Welcome is the welcome frame of an agent socket (resume_token is added by
// the socket layer).
type Welcome struct {
	Type        string         `json:"type"`
	Agent       AgentView      `json:"agent"`
	Cards       []session.Card `json:"cards"`
	Offers      []OfferView    `json:"offers"`
	NeedsHelp   []session.Card `json:"needs_help"`
	ResumeToken string         `json:"resume_token,omitempty"`
}

func (h *Hub) agentView(a *agentInfo) AgentView {
	v := AgentView{ID: a.profile.ID, Name: a.profile.Name, Role: a.profile.Role, Languages: a.profile.Languages,
		Expertise: append([]string{}, a.profile.Expertise...), Queues: append([]string{}, a.queues...),
		Capacity: map[string]int{}, Load: map[string]MediaLoad{}}
	p := h.r.Agent(a.profile.ID)
	for m := presence.Media(0); m < presence.NumMedia; m++ {
		v.Capacity[m.String()] = a.profile.Capacity[m]
		if p != nil {
			v.Load[m.String()] = MediaLoad{Active: p.Active(m), Capacity: p.Capacity[m]}
		}
	}
	if p != nil {
		v.Status, v.Reason, v.Online = p.Effective(), p.Reason(), p.Connections() > 0
	}
	if !a.since.IsZero() {
		v.StatusSince = session.FormatTime(a.since)
	}
	return v
}

// sortedSessions returns the open sessions in id (creation) order.
func (h *Hub) sortedSessions() []*sessState {
	out := make([]*sessState, 0, len(h.sessions))
	for _, s := range h.sessions {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *sessState) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// AgentWelcome answers the snapshot an agent socket starts with: the agent,
// the cards of their sessions, their pending offers, and the sessions that
// need help which they may join.
type AgentWelcome struct {
	Agent string
}

func (c AgentWelcome) apply(h *Hub, now time.Time) (Reply, error) {
	a, err := h.agent(c.Agent)
	if err != nil {
		return Reply{}, err
	}
	w := &Welcome{Type: "welcome", Agent: h.agentView(a), Cards: []session.Card{}, Offers: []OfferView{},
		NeedsHelp: []session.Card{}}
	for _, s := range h.sortedSessions() {
		switch {
		case s.InSession(c.Agent):
			w.Cards = append(w.Cards, s.Card(now))
		case s.Status == session.StatusNeedsHelp && h.mayJoin(s, c.Agent):
			w.NeedsHelp = append(w.NeedsHelp, s.Card(now))
		}
	}
	for _, o := range h.r.AgentOffers(nil, c.Agent) {
		s := h.sessions[o.Session]
		if s == nil {
			continue
		}
		card := s.Card(now)
		w.Offers = append(w.Offers, OfferView{Card: &card, Offer: OfferInfo{ID: offerIDString(o.ID),
			Session: o.Session, Queue: o.Queue, Media: o.Media, Mode: "manual", ExpiresAt: session.FormatTime(o.Expires)}})
	}
	return Reply{Welcome: w}, nil
}

type agentStatusFrame struct {
	Type  string    `json:"type"`
	Agent AgentView `json:"agent"`
}

// Snapshot answers the frames a supervisor's live view starts with: queue
// statistics, every agent's status, and the cards of all open sessions.
type Snapshot struct{}

func (Snapshot) apply(h *Hub, now time.Time) (Reply, error) {
	var frames [][]byte
	add := func(v any) {
		if b, err := json.Marshal(v); err == nil {
			frames = append(frames, b)
		}
	}
	add(queueStatsFrame{Type: FrameQueueStats, Queues: h.queueStats(h.queueIDs(), now)})
	for _, id := range h.agentIDs() {
		add(agentStatusFrame{Type: FrameAgentStatus, Agent: h.agentView(h.agents[id])})
	}
	for _, s := range h.sortedSessions() {
		card := s.Card(now)
		if b, err := appendCardFrame(nil, &card); err == nil {
			frames = append(frames, b)
		}
	}
	return Reply{Frames: frames}, nil
}

func (h *Hub) queueIDs() []string {
	ids := make([]string, 0, len(h.queues))
	for id := range h.queues {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (h *Hub) agentIDs() []string {
	ids := make([]string, 0, len(h.agents))
	for id := range h.agents {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// queueStats returns the live figures of queues ids.
func (h *Hub) queueStats(ids []string, now time.Time) []QueueStat {
	out := make([]QueueStat, 0, len(ids))
	for _, id := range ids {
		st, ok := h.r.Stats(id, now)
		q := h.queues[id]
		if !ok || q == nil {
			continue
		}
		out = append(out, QueueStat{ID: id, Name: q.spec.Name, Waiting: st.Waiting,
			LongestWait: st.LongestWait.Seconds(), AgentsAvailable: st.AgentsAvailable, AgentsOnline: st.AgentsOnline,
			Offered: st.Offered, Answered: st.Answered, Abandoned: st.Abandoned, ServiceLevel: st.ServiceLevel})
	}
	return out
}

// MaxResend is the most messages sent to a resuming client for one session.
const MaxResend = 1000

// MessagesAfter answers the message frames of a session after message id
// After ("" for all), as Party may see them: what a resuming client missed.
type MessagesAfter struct {
	Session string
	After   string
	Party   Party
}

func (c MessagesAfter) apply(h *Hub, now time.Time) (Reply, error) {
	s, err := h.participant(c.Session, c.Party)
	if err != nil {
		return Reply{}, err
	}
	var after uint64
	if c.After != "" {
		if after, err = strconv.ParseUint(c.After, 10, 64); err != nil {
			return Reply{}, errorf(CodeBadRequest, "message id %q", c.After)
		}
	}
	rd, ok := h.cfg.Store.(Reader)
	if !ok {
		return Reply{Session: s.ID}, nil
	}
	msgs, err := rd.ReadMessages(s.ID, after, MaxResend)
	if err != nil {
		return Reply{}, errorf(CodeUnavailable, "reading messages: %v", err)
	}
	rep := Reply{Session: s.ID}
	for _, m := range msgs {
		var msg session.Message
		if json.Unmarshal(m.Value, &msg) != nil {
			continue
		}
		if c.Party.Kind == session.KindVisitor {
			msg = msg.ForVisitor()
		}
		rep.Frames = append(rep.Frames, appendMessageFrame(nil, s.ID, msg))
	}
	return rep, nil
}

// QueueView is a queue as the HTTP API shows it: its spec and live stats.
type QueueView struct {
	json.RawMessage
	Stats QueueStat
}

// MarshalJSON merges the spec's record with a "stats" member.
func (v QueueView) MarshalJSON() ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(v.RawMessage, &m); err != nil {
		return nil, err
	}
	m["stats"] = v.Stats
	return json.Marshal(m)
}

// ListQueues answers every queue with its live stats ([]QueueView), or one
// queue when ID is set (QueueView).
type ListQueues struct{ ID string }

func (c ListQueues) apply(h *Hub, now time.Time) (Reply, error) {
	ids := h.queueIDs()
	if c.ID != "" {
		if h.queues[c.ID] == nil {
			return Reply{}, errorf(CodeNotFound, "queue %q", c.ID)
		}
		ids = []string{c.ID}
	}
	stats := h.queueStats(ids, now)
	out := make([]QueueView, len(ids))
	for i, id := range ids {
		rec, err := json.Marshal(h.queues[id].spec.record())
		if err != nil {
			return Reply{}, err
		}
		out[i] = QueueView{RawMessage: rec, Stats: stats[i]}
	}
	if c.ID != "" {
		return Reply{Data: out[0]}, nil
	}
	return Reply{Data: out}, nil
}

// DeleteQueue removes a queue. It is refused while sessions are in it or
// another queue's steps name it; members lose the membership.
type DeleteQueue struct{ ID string }

func (c DeleteQueue) apply(h *Hub, now time.Time) (Reply, error) {
	if h.queues[c.ID] == nil {
		return Reply{}, errorf(CodeNotFound, "queue %q", c.ID)
	}
	if err := h.r.DeleteQueue(c.ID, now); err != nil {
		return Reply{}, err
	}
	delete(h.queues, c.ID)
	h.cyc.deleted = append(h.cyc.deleted, Entity{Kind: KindQueue, ID: c.ID})
	for _, a := range h.agents {
		if slices.Contains(a.queues, c.ID) {
			a.queues = h.r.AgentQueues(a.profile.ID)
			h.storeAgent(a)
		}
	}
	return Reply{}, nil
}

// ListAgents answers every agent ([]AgentView) or one (AgentView).
type ListAgents struct{ ID string }

func (c ListAgents) apply(h *Hub, now time.Time) (Reply, error) {
	if c.ID != "" {
		a, err := h.agent(c.ID)
		if err != nil {
			return Reply{}, err
		}
		return Reply{Data: h.agentView(a)}, nil
	}
	out := []AgentView{}
	for _, id := range h.agentIDs() {
		out = append(out, h.agentView(h.agents[id]))
	}
	return Reply{Data: out}, nil
}

// DeleteAgent removes an agent; refused while they hold a session.
type DeleteAgent struct{ ID string }

func (c DeleteAgent) apply(h *Hub, now time.Time) (Reply, error) {
	a, err := h.agent(c.ID)
	if err != nil {
		return Reply{}, err
	}
	if err := h.r.DeleteAgent(c.ID, now); err != nil {
		return Reply{}, err
	}
	if a.stored.status != presence.Offline { // the log keeps them: they go offline
		h.logStatus(a, presenceSnap{status: presence.Offline, reason: "deleted"}, now)
	}
	if !a.logged.Before(now) { // the same id created again now logs after it
		if h.goneLogged == nil {
			h.goneLogged = map[string]time.Time{}
		}
		maps.DeleteFunc(h.goneLogged, func(_ string, t time.Time) bool { return t.Before(now) })
		h.goneLogged[c.ID] = a.logged
	}
	delete(h.agents, c.ID)
	h.cyc.deleted = append(h.cyc.deleted, Entity{Kind: KindAgent, ID: c.ID})
	h.agentChanged(c.ID, true)
	return Reply{}, nil
}

// WorkspaceStats are the figures of GET /v1/stats.
type WorkspaceStats struct {
	Queues       []QueueStat    `json:"queues"`
	OpenSessions int            `json:"open_sessions"`
	Agents       map[string]int `json:"agents"` // by effective status
}

// Stats answers the workspace's live figures (WorkspaceStats).
type Stats struct{}

func (Stats) apply(h *Hub, now time.Time) (Reply, error) {
	st := WorkspaceStats{Queues: h.queueStats(h.queueIDs(), now), OpenSessions: len(h.sessions), Agents: map[string]int{}}
	for id := range h.agents {
		if p := h.r.Agent(id); p != nil {
			st.Agents[p.Effective().String()]++
		}
	}
	return Reply{Data: st}, nil
}

// ChannelEvent applies an event from the system that owns a session's
// channel (a PBX, an SMS gateway, a mail poller): connected, hold, unhold,
// ended (By customer or agent), message (Text, from the customer unless By
// is agent).
type ChannelEvent struct {
	Session string
	Event   string
	By      string
	Text    string
}

func (c ChannelEvent) apply(h *Hub, now time.Time) (Reply, error) {
	s, err := h.session(c.Session)
	if err != nil {
		return Reply{}, err
	}
	if c.By != "" && c.By != "customer" && c.By != "agent" {
		return Reply{}, errorf(CodeBadRequest, "by must be customer or agent")
	}
	switch c.Event {
	case "connected":
		err = s.Connect(now)
	case "hold":
		err = s.Hold(now)
	case "unhold":
		err = s.Unhold(now)
	case "ended":
		by := session.PartyCustomer
		if c.By == "agent" {
			by = session.PartyAgent
		}
		if s.Finished() {
			return Reply{}, errorf(CodeConflict, "session %s has ended", s.ID)
		}
		return h.end(s, by, now)
	case "message":
		p := Party{Kind: session.KindVisitor, ID: s.VisitorID}
		if c.By == "agent" {
			if s.Agent.ID == "" {
				return Reply{}, errorf(CodeConflict, "session %s has no agent", s.ID)
			}
			p = Party{Kind: session.KindAgent, ID: s.Agent.ID}
		}
		if err := session.ValidateText(c.Text); err != nil {
			return Reply{}, err
		}
		id, err := h.appendMessage(s, p, c.Text, now)
		return Reply{Session: s.ID, Message: id}, err
	default:
		return Reply{}, errorf(CodeBadRequest, "event must be connected, hold, unhold, ended or message")
	}
	if err != nil {
		return Reply{}, err
	}
	h.touchSession(s)
	return Reply{Session: s.ID}, nil
}

// Ready reports whether the hub's loop runs (or the hub is inline) and has
// not failed.
func (h *Hub) Ready() bool {
	return (h.running.Load() || h.cfg.Inline) && !h.failed.Load() && !h.stalled()
}

var _ = router.OfferID(0)

// QueueWaiting answers the ids of a queue's waiting sessions in routing
// order at now: effective priority, then original enqueue time ([]string).
type QueueWaiting struct{ ID string }

func (c QueueWaiting) apply(h *Hub, now time.Time) (Reply, error) {
	if h.queues[c.ID] == nil {
		return Reply{}, errorf(CodeNotFound, "queue %q", c.ID)
	}
	return Reply{Data: h.r.Waiting([]string{}, c.ID, now)}, nil
}
