package hub

import (
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
	"go.uber.org/zap"
)

// agent returns agent id or a not_found error.
func (h *Hub) agent(id string) (*agentInfo, error) {
	a := h.agents[id]
	if a == nil {
		return nil, errorf(CodeNotFound, "agent %q", id)
	}
	return a, nil
}

// AgentConnect counts a new socket of Agent. It cancels a disconnect grace
// and clears "agent disconnected" from the agent's sessions.
type AgentConnect struct {
	Agent string
}

func (c AgentConnect) apply(h *Hub, now time.Time) (Reply, error) {
	a, err := h.agent(c.Agent)
	if err != nil {
		return Reply{}, err
	}
	if err := h.r.Connect(c.Agent); err != nil {
		return Reply{}, err
	}
	if a.flagged {
		a.flagged = false
		h.flagSessions(c.Agent, false, now)
	}
	h.touchAgent(c.Agent)
	return Reply{}, nil
}

// AgentDisconnect counts a socket of Agent gone. When it was the last, the
// agent keeps their status for the router's grace period, then goes offline:
// offers are re-routed and their sessions show "agent disconnected".
type AgentDisconnect struct {
	Agent string
}

func (c AgentDisconnect) apply(h *Hub, now time.Time) (Reply, error) {
	if _, err := h.agent(c.Agent); err != nil {
		return Reply{}, err
	}
	return Reply{}, h.r.Disconnect(c.Agent, now)
}

// flagSessions sets or clears "agent disconnected" on the sessions agent is
// assigned to.
func (h *Hub) flagSessions(agent string, on bool, now time.Time) {
	for _, s := range h.sessions {
		if s.Agent.ID != agent || s.Finished() || s.AgentDisconnected == on {
			continue
		}
		if err := s.SetAgentDisconnected(on, now); err != nil {
			h.cfg.Logger.Error("agent disconnected flag", zap.String("session", s.ID), zap.Error(err))
			continue
		}
		h.touchSession(s)
		if on {
			h.agents[agent].flagged = true
		}
	}
}

// SetPresence sets Agent's own status: available, away or offline. Leaving
// available re-routes their pending offers.
type SetPresence struct {
	Agent  string
	Status presence.Status
}

func (c SetPresence) apply(h *Hub, now time.Time) (Reply, error) {
	if _, err := h.agent(c.Agent); err != nil {
		return Reply{}, err
	}
	if !c.Status.Settable() {
		return Reply{}, errorf(CodeBadRequest, "status %s cannot be set", c.Status)
	}
	if err := h.r.SetStatus(c.Agent, c.Status, now); err != nil {
		return Reply{}, err
	}
	h.touchAgent(c.Agent)
	return Reply{}, nil
}

// Accept takes offer Offer for Agent. The reply names the session.
type Accept struct {
	Agent string
	Offer router.OfferID
}

func (c Accept) apply(h *Hub, now time.Time) (Reply, error) {
	o, ok := h.r.Offer(c.Offer)
	if !ok {
		return Reply{}, errorf(CodeConflict, "offer %d is no longer pending", c.Offer)
	}
	if err := h.r.Accept(c.Offer, c.Agent, now); err != nil {
		return Reply{}, err
	}
	h.touchAgent(c.Agent)
	return Reply{Session: o.Session}, nil
}

// Decline refuses offer Offer for Agent: the session moves on and is not
// offered to them again.
type Decline struct {
	Agent  string
	Offer  router.OfferID
	Reason string
}

func (c Decline) apply(h *Hub, now time.Time) (Reply, error) {
	o, ok := h.r.Offer(c.Offer)
	if !ok {
		return Reply{}, errorf(CodeConflict, "offer %d is no longer pending", c.Offer)
	}
	if err := h.r.Decline(c.Offer, c.Agent, now); err != nil {
		return Reply{}, err
	}
	h.touchAgent(c.Agent)
	return Reply{Session: o.Session}, nil
}

// Wrapup completes the wrap-up of an ended session by its agent: the code
// (one of the queue's codes when it lists any), notes and an outcome
// (optional). The agent's slot frees and routing runs.
type Wrapup struct {
	Agent   string
	Session string
	Code    string
	Notes   string
	Outcome session.Outcome
}

func (c Wrapup) apply(h *Hub, now time.Time) (Reply, error) {
	s, err := h.session(c.Session)
	if err != nil {
		return Reply{}, err
	}
	switch {
	case s.Agent.ID != c.Agent:
		return Reply{}, errorf(CodeForbidden, "session %s is not assigned to %s", s.ID, c.Agent)
	case !s.NeedsWrapup():
		return Reply{}, errorf(CodeConflict, "session %s does not await wrap-up", s.ID)
	}
	if q := h.queues[s.Queue.ID]; q != nil && !q.spec.allowsCode(c.Code) {
		return Reply{}, errorf(CodeBadRequest, "wrap-up code %q is not one of queue %s", c.Code, q.spec.ID)
	}
	if err := h.wrapup(s, c.Code, c.Notes, c.Outcome, now, false); err != nil {
		return Reply{}, err
	}
	return Reply{Session: s.ID}, nil
}

// wrapup wraps s up (with code "timeout" when timeout is set) and frees the
// agent's slot in the router.
func (h *Hub) wrapup(s *sessState, code, notes string, outcome session.Outcome, now time.Time, timeout bool) error {
	var err error
	if timeout {
		err = s.WrapupTimeout(now)
	} else {
		err = s.Wrapup(code, notes, outcome, now)
	}
	if err != nil {
		return err
	}
	h.touchSession(s)
	h.exportLater(s)
	h.touchAgent(s.Agent.ID)
	h.learnHandle(s, now)
	s.wrapupDue = time.Time{}
	if _, known := h.r.SessionAgent(s.ID); known {
		if err := h.r.Wrapup(s.ID, now); err != nil {
			h.cfg.Logger.Error("router refused a wrap-up", zap.String("session", s.ID), zap.Error(err))
		}
	}
	return nil
}
