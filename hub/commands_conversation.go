package hub

import (
	"slices"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/session"
)

// Frame types of the conversation commands (PROTOCOL.md).
const (
	FrameTyping           = "typing"
	FrameNeedsHelp        = "needs_help"
	FrameNeedsHelpCleared = "needs_help_cleared"
	FrameAgentLeft        = "agent_left"
	FrameAgentStatus      = "agent_status"
)

type typingFrame struct {
	Type    string         `json:"type"`
	Session string         `json:"session,omitempty"`
	From    session.Sender `json:"from"`
}

type needsHelpFrame struct {
	Type string        `json:"type"`
	Card *session.Card `json:"card"`
}

type needsHelpClearedFrame struct {
	Type    string `json:"type"`
	Session string `json:"session"`
}

type agentLeftFrame struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// assigned returns open session id when agent is its assignee.
func (h *Hub) assignedTo(id, agent string) (*sessState, error) {
	s, err := h.session(id)
	if err != nil {
		return nil, err
	}
	if s.Agent.ID != agent || agent == "" {
		return nil, errorf(CodeForbidden, "session %s is not assigned to %s", id, agent)
	}
	return s, nil
}

// participant returns open session id when p takes part in it.
func (h *Hub) participant(id string, p Party) (*sessState, error) {
	s, err := h.session(id)
	if err != nil {
		return nil, err
	}
	return s, h.authorize(s, p)
}

// joiners returns the agents who may join s while it needs help: the online
// members of its queue and every supervisor, less those already in it.
func (h *Hub) joiners(s *sessState) []string {
	var out []string
	for id, a := range h.agents {
		if s.InSession(id) {
			continue
		}
		if a.profile.Role == presence.RoleSupervisor || slices.Contains(a.queues, s.Queue.ID) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// mayJoin reports whether agent may join s: a supervisor always; a member
// of its queue while it needs help.
func (h *Hub) mayJoin(s *sessState, agent string) bool {
	a := h.agents[agent]
	if a == nil {
		return false
	}
	if a.profile.Role == presence.RoleSupervisor {
		return true
	}
	return s.Status == session.StatusNeedsHelp && slices.Contains(a.queues, s.Queue.ID)
}

// SetConversationStatus sets a connected session's conversation status:
// in_progress, waiting_customer (back to in_progress when the visitor
// writes) or needs_help (listed for every agent who may join).
type SetConversationStatus struct {
	Agent   string
	Session string
	Status  session.Status
}

func (c SetConversationStatus) apply(h *Hub, now time.Time) (Reply, error) {
	s, err := h.participant(c.Session, Party{Kind: session.KindAgent, ID: c.Agent})
	if err != nil {
		return Reply{}, err
	}
	was := s.Status
	if err := s.SetStatus(c.Status, now); err != nil {
		return Reply{}, err
	}
	h.touchSession(s)
	if c.Status == session.StatusWaitingCustomer && was != c.Status {
		h.armIdle(s, now)
	} else if c.Status != session.StatusWaitingCustomer {
		h.unidle(s, now)
	}
	switch {
	case c.Status == session.StatusNeedsHelp && was != c.Status:
		card := s.Card(now)
		h.emit(FrameNeedsHelp, needsHelpFrame{Type: FrameNeedsHelp, Card: &card}, target{agents: h.joiners(s)})
	case was == session.StatusNeedsHelp && c.Status != was:
		h.emitHelpCleared(s)
	}
	return Reply{Session: s.ID}, nil
}

func (h *Hub) emitHelpCleared(s *sessState) {
	h.emit(FrameNeedsHelpCleared, needsHelpClearedFrame{Type: FrameNeedsHelpCleared, Session: s.ID},
		target{agents: h.joiners(s)})
}

// Join adds Agent to a connected session: a session that needs help (any
// member of its queue) or any session (a supervisor). The visitor is told
// that someone joined.
type Join struct {
	Agent      string
	Session    string
	Supervisor bool // informational: the hub checks the agent's role itself
}

func (c Join) apply(h *Hub, now time.Time) (Reply, error) {
	s, err := h.session(c.Session)
	if err != nil {
		return Reply{}, err
	}
	if !h.mayJoin(s, c.Agent) {
		return Reply{}, errorf(CodeForbidden, "%s may not join session %s", c.Agent, s.ID)
	}
	helped := s.Status == session.StatusNeedsHelp
	joiners := h.joiners(s)
	name := h.agentName(c.Agent)
	if err := s.Join(c.Agent, name, now); err != nil {
		return Reply{}, err
	}
	h.touchSession(s)
	if helped {
		h.emit(FrameNeedsHelpCleared, needsHelpClearedFrame{Type: FrameNeedsHelpCleared, Session: s.ID},
			target{agents: joiners})
	}
	h.emit(FrameAgentJoined, agentJoinedFrame{Type: FrameAgentJoined, Name: session.FirstName(name)},
		target{visitor: s.VisitorID})
	return Reply{Session: s.ID}, nil
}

// Annotate edits the info panel of a session: notes, tags, expertise.
type Annotate struct {
	Agent      string
	Session    string
	Notes      *string
	AddTags    []string
	RemoveTags []string
	Expertise  []string
}

func (c Annotate) apply(h *Hub, now time.Time) (Reply, error) {
	s, err := h.participant(c.Session, Party{Kind: session.KindAgent, ID: c.Agent})
	if err != nil {
		return Reply{}, err
	}
	if err := s.Annotate(c.Notes, c.AddTags, c.RemoveTags, c.Expertise, now); err != nil {
		return Reply{}, err
	}
	h.touchSession(s)
	return Reply{Session: s.ID}, nil
}

// VerifyContact marks a session's contact verified by email and/or phone.
type VerifyContact struct {
	Agent   string
	Session string
	Email   string
	Phone   string
}

func (c VerifyContact) apply(h *Hub, now time.Time) (Reply, error) {
	s, err := h.participant(c.Session, Party{Kind: session.KindAgent, ID: c.Agent})
	if err != nil {
		return Reply{}, err
	}
	if err := s.VerifyContact(c.Email, c.Phone, now); err != nil {
		return Reply{}, err
	}
	h.touchSession(s)
	return Reply{Session: s.ID}, nil
}

// Transfer hands a session from its assignee to a queue (it goes back with
// its original place; outcome escalated) or to an agent (a direct offer; if
// refused, the session stays with the assignee).
type Transfer struct {
	Agent   string
	Session string
	Queue   string
	To      string
	Note    string
}

func (c Transfer) apply(h *Hub, now time.Time) (Reply, error) {
	s, err := h.assignedTo(c.Session, c.Agent)
	if err != nil {
		return Reply{}, err
	}
	if (c.Queue == "") == (c.To == "") {
		return Reply{}, errorf(CodeBadRequest, "transfer needs exactly one of queue and agent")
	}
	if c.Queue != "" {
		q := h.queues[c.Queue]
		if q == nil {
			return Reply{}, errorf(CodeNotFound, "queue %q", c.Queue)
		}
		name := s.Agent.Name
		if err := s.TransferToQueue(c.Agent, q.spec.ID, q.spec.Name, c.Note, now); err != nil {
			return Reply{}, err
		}
		if err := h.r.Requeue(s.ID, q.spec.ID, now); err != nil {
			h.cfg.Logger.Error("router refused a transfer the session took")
			return Reply{}, err
		}
		h.afterRelease(s, c.Agent, name)
		return Reply{Session: s.ID}, nil
	}
	to := h.r.Agent(c.To)
	switch {
	case h.agents[c.To] == nil || to == nil:
		return Reply{}, errorf(CodeNotFound, "agent %q", c.To)
	case c.To == c.Agent:
		return Reply{}, errorf(CodeBadRequest, "transfer to yourself")
	case !to.CanTake(s.Media):
		return Reply{}, errorf(CodeConflict, "agent %s cannot take a %s session now", c.To, s.Media)
	}
	if err := s.TransferToAgent(c.Agent, c.To, h.agentName(c.To), c.Note, now); err != nil {
		return Reply{}, err
	}
	if err := h.r.TransferTo(s.ID, c.To, now); err != nil {
		h.cfg.Logger.Error("router refused a transfer the session took")
		return Reply{}, err
	}
	h.touchSession(s)
	return Reply{Session: s.ID}, nil
}

// Release sends a session back to its queue, keeping its original place;
// the releasing agent is not offered it again.
type Release struct {
	Agent   string
	Session string
}

func (c Release) apply(h *Hub, now time.Time) (Reply, error) {
	s, err := h.assignedTo(c.Session, c.Agent)
	if err != nil {
		return Reply{}, err
	}
	name := s.Agent.Name
	if err := s.Requeue(now); err != nil {
		return Reply{}, err
	}
	if err := h.r.Requeue(s.ID, "", now); err != nil {
		h.cfg.Logger.Error("router refused a release the session took")
		return Reply{}, err
	}
	h.afterRelease(s, c.Agent, name)
	return Reply{Session: s.ID}, nil
}

// afterRelease announces that agent (named name) left s.
func (h *Hub) afterRelease(s *sessState, agent, name string) {
	h.touchSession(s)
	h.touchAgent(agent)
	h.emit(FrameAgentLeft, agentLeftFrame{Type: FrameAgentLeft, Name: session.FirstName(name)},
		target{visitor: s.VisitorID})
	// The releasing agent's card: they no longer see the session, so tell
	// them once more where it went.
	h.emitCardTo(s, agent)
}

func (h *Hub) emitCardTo(s *sessState, agent string) {
	h.emitCardFrame(s, h.cyc.now, target{agents: []string{agent}})
}

// Hold puts a voice session on hold (On) or takes it off; hold time counts.
type Hold struct {
	Agent   string
	Session string
	On      bool
}

func (c Hold) apply(h *Hub, now time.Time) (Reply, error) {
	s, err := h.assignedTo(c.Session, c.Agent)
	if err != nil {
		return Reply{}, err
	}
	if c.On {
		err = s.Hold(now)
	} else {
		err = s.Unhold(now)
	}
	if err != nil {
		return Reply{}, err
	}
	h.touchSession(s)
	return Reply{Session: s.ID}, nil
}

// Typing relays a typing indicator to the other side of a session; nothing
// is stored. A visitor's Typing may leave Session empty: their open session.
type Typing struct {
	Session string
	From    Party
}

func (c Typing) apply(h *Hub, now time.Time) (Reply, error) {
	id := c.Session
	if id == "" && c.From.Kind == session.KindVisitor {
		if v := h.visitors[c.From.ID]; v != nil {
			id = v.session
		}
	}
	s, err := h.participant(id, c.From)
	if err != nil {
		return Reply{}, err
	}
	var buf [4]string
	agents := cardAgents(buf[:0], s)
	if c.From.Kind == session.KindVisitor {
		h.emit(FrameTyping, typingFrame{Type: FrameTyping, Session: s.ID,
			From: session.Sender{Kind: session.KindVisitor, Name: s.Contact.Name}}, target{agents: agents})
		return Reply{Session: s.ID}, nil
	}
	others := slices.DeleteFunc(agents, func(a string) bool { return a == c.From.ID })
	h.emit(FrameTyping, typingFrame{Type: FrameTyping, Session: s.ID,
		From: session.Sender{Kind: session.KindAgent, ID: c.From.ID, Name: h.agentName(c.From.ID)}}, target{agents: others})
	h.emit(FrameTyping, typingFrame{Type: FrameTyping,
		From: session.Sender{Kind: session.KindAgent, Name: session.FirstName(h.agentName(c.From.ID))}}, target{visitor: s.VisitorID})
	return Reply{Session: s.ID}, nil
}
