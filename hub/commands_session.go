package hub

import (
	"strconv"
	"time"

	"github.com/switchboardhq/switchboard/session"
)

// MaxClientIDLen is the longest client_id a Send may carry.
const MaxClientIDLen = 64

// Party is who sends a command about a session: an agent or a visitor.
type Party struct {
	Kind session.Kind // session.KindAgent or session.KindVisitor
	ID   string       // the agent id or the visitor id
}

// authorize checks that p may act on s: an agent taking part in it, or its
// own visitor.
func (h *Hub) authorize(s *sessState, p Party) error {
	switch p.Kind {
	case session.KindAgent:
		if s.InSession(p.ID) {
			return nil
		}
	case session.KindVisitor:
		if p.ID != "" && p.ID == s.VisitorID {
			return nil
		}
	default:
		return errorf(CodeBadRequest, "unknown party kind %q", p.Kind)
	}
	return errorf(CodeForbidden, "%s %q does not take part in session %s", p.Kind, p.ID, s.ID)
}

// Send appends a chat message to a session and relays it: to the agents in
// the session, and visitor-safe to its visitor. A ClientID already seen in
// the session appends nothing and answers the first message's id. The reply
// carries the message id (its sequence number in the session, in decimal).
type Send struct {
	Session  string
	From     Party
	Text     string
	ClientID string
}

func (c Send) apply(h *Hub, now time.Time) (Reply, error) {
	if err := session.ValidateText(c.Text); err != nil {
		return Reply{}, err
	}
	if len(c.ClientID) > MaxClientIDLen {
		return Reply{}, errorf(CodeBadRequest, "client_id over %d bytes", MaxClientIDLen)
	}
	s, err := h.session(c.Session)
	if err != nil {
		return Reply{}, err
	}
	if err := h.authorize(s, c.From); err != nil {
		return Reply{}, err
	}
	if seq, ok := s.clientIDs[c.ClientID]; ok && c.ClientID != "" {
		return Reply{Session: s.ID, Message: strconv.FormatUint(seq, 10), Duplicate: true}, nil
	}
	id, err := h.appendMessage(s, c.From, c.Text, now)
	if err != nil {
		return Reply{}, err
	}
	if c.ClientID != "" {
		if s.clientIDs == nil {
			s.clientIDs = map[string]uint64{}
		}
		s.clientIDs[c.ClientID], _ = strconv.ParseUint(id, 10, 64)
	}
	return Reply{Session: s.ID, Message: id}, nil
}

// appendMessage counts, stores and relays a message from p. It returns the
// message id.
func (h *Hub) appendMessage(s *sessState, p Party, text string, now time.Time) (string, error) {
	status := s.Status
	var err error
	if p.Kind == session.KindAgent {
		err = s.AgentWrote(now)
	} else {
		err = s.VisitorWrote(now)
	}
	if err != nil {
		return "", err
	}
	if p.Kind != session.KindAgent {
		h.unidle(s, now) // the customer is back: the chat counts again
	}
	h.markDirty(s)
	if s.Status != status {
		h.touchSession(s)
	}
	seq := uint64(s.MessageCount)
	m := session.Message{ID: strconv.FormatUint(seq, 10), Session: s.ID,
		From: session.Sender{Kind: p.Kind, ID: p.ID}, Text: text, At: now.UTC()}
	if p.Kind == session.KindAgent {
		m.From.Name = h.agentName(p.ID)
	} else {
		m.From.Name = s.Contact.Name
	}
	// One encoding for the store and the agents' frame (and the visitor's,
	// when the visitor wrote it): the stored value is the frame's message.
	frame, at := appendMessageFrameAt(h.scratch[:0], s.ID, m)
	frame = h.encoded(frame)
	h.cyc.messages = append(h.cyc.messages, Message{Session: s.ID, Seq: seq, Value: frame[at : len(frame)-1]})
	var buf [4]string
	t := target{agents: cardAgents(buf[:0], s)}
	if p.Kind == session.KindVisitor {
		t.visitor = s.VisitorID
	}
	if h.wanted(t) {
		h.emitJSON(FrameMessage, frame, t)
	}
	if p.Kind != session.KindVisitor {
		h.emitMessage(s.ID, m.ForVisitor(), target{visitor: s.VisitorID})
	}
	return m.ID, nil
}

// markDirty marks s to be stored at commit without sending its card.
func (h *Hub) markDirty(s *sessState) {
	if !s.dirty {
		s.dirty = true
		h.cyc.sessions = append(h.cyc.sessions, s)
	}
}

// End ends a session, by one of its agents or its visitor. A session that
// had an agent awaits its wrap-up (or the queue's wrap-up timeout); one that
// had none is abandoned.
type End struct {
	Session string
	By      Party
}

func (c End) apply(h *Hub, now time.Time) (Reply, error) {
	s, err := h.session(c.Session)
	if err != nil {
		return Reply{}, err
	}
	if err := h.authorize(s, c.By); err != nil {
		return Reply{}, err
	}
	if s.Finished() {
		return Reply{}, errorf(CodeConflict, "session %s has ended", s.ID)
	}
	by := session.PartyAgent
	if c.By.Kind == session.KindVisitor {
		by = session.PartyCustomer
	}
	return h.end(s, by, now)
}

// end ends s, which is not finished, as ended by by.
func (h *Hub) end(s *sessState, by session.Party, now time.Time) (Reply, error) {
	if agent, known := h.r.SessionAgent(s.ID); known {
		if err := h.r.End(s.ID, now); err != nil {
			return Reply{}, err
		}
		if agent == "" {
			h.cyc.movedQueue(s.Queue.ID) // it left the line: the others move up
		}
	}
	if err := s.End(by, now); err != nil {
		h.cfg.Logger.Error("session refused an end the router took")
		return Reply{}, err
	}
	h.touchSession(s)
	h.exportLater(s)
	if s.Agent.ID != "" {
		h.touchAgent(s.Agent.ID)
	}
	if s.NeedsWrapup() {
		timeout := DefaultWrapupTimeout
		if q := h.queues[s.Queue.ID]; q != nil {
			timeout = q.spec.wrapupTimeout()
		}
		s.wrapupDue = now.Add(timeout)
		h.timers.Push(timer{at: s.wrapupDue, session: s.ID})
	}
	h.emit(FrameEnded, endedFrame{Type: FrameEnded, By: by, Outcome: s.Outcome}, target{visitor: s.VisitorID})
	return Reply{Session: s.ID}, nil
}

// GetCard answers the card of an open session. It changes nothing.
type GetCard struct {
	Session string
}

func (c GetCard) apply(h *Hub, now time.Time) (Reply, error) {
	s, err := h.session(c.Session)
	if err != nil {
		return Reply{}, err
	}
	card := s.Card(now)
	return Reply{Session: s.ID, Card: &card}, nil
}
