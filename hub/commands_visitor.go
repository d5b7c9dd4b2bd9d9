package hub

import (
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
)

// StartSession creates a session and puts it in its queue: from the widget
// (VisitorID set, usually with a first message) or over HTTP for another
// channel. The reply names the session, the first message's id, and the
// session's card once routed (waiting, offered, assigned or deflected).
type StartSession struct {
	Channel   session.Channel
	Queue     string
	VisitorID string
	Contact   session.Contact
	Subject   string
	// Priority 1 (most urgent) to 8: 0 means the queue's.
	Priority  int
	Expertise []string
	// Text is the first message, from the visitor ("" for none).
	Text string
	// ClientID makes the first message idempotent like Send's.
	ClientID string
}

func (c StartSession) apply(h *Hub, now time.Time) (Reply, error) {
	q, err := c.check(h)
	if err != nil {
		return Reply{}, err
	}
	prio := c.Priority
	if prio == 0 {
		prio = q.spec.Priority
	}
	if prio == 0 {
		prio = router.DefaultPriority
	}
	s := &sessState{Session: session.New(h.nextSessionID(now), h.cfg.Workspace, c.Channel, now)}
	s.Subject, s.Expertise = c.Subject, append([]string(nil), c.Expertise...)
	if c.VisitorID != "" || c.Contact != (session.Contact{}) {
		if err := s.SetCustomer(c.VisitorID, c.Contact, now); err != nil {
			return Reply{}, err
		}
	}
	if err := s.Enqueue(q.spec.ID, q.spec.Name, prio, now); err != nil {
		return Reply{}, err
	}
	err = h.r.Enqueue(router.Arrival{Session: s.ID, Queue: q.spec.ID, Media: s.Media, Priority: prio,
		Language: c.Contact.Language, Expertise: c.Expertise, Sticky: h.stickyAgent(s)}, now)
	if err != nil {
		return Reply{}, err
	}
	h.sessions[s.ID] = s
	h.touchSession(s)
	rep := Reply{Session: s.ID}
	if c.Text != "" {
		if rep.Message, err = h.appendMessage(s, Party{Kind: session.KindVisitor, ID: s.VisitorID}, c.Text, now); err != nil {
			return rep, err // cannot happen: the session is new and the text checked
		}
		if c.ClientID != "" {
			s.clientIDs = map[string]uint64{c.ClientID: uint64(s.MessageCount)}
		}
	}
	h.settle(now) // route it now, so that the card tells where it went
	card := s.Card(now)
	rep.Card = &card
	return rep, nil
}

// check validates c before anything changes and returns its queue.
func (c *StartSession) check(h *Hub) (*queueInfo, error) {
	q := h.queues[c.Queue]
	switch {
	case !c.Channel.Valid():
		return nil, errorf(CodeBadRequest, "unknown channel %q", c.Channel)
	case q == nil:
		return nil, errorf(CodeNotFound, "queue %q", c.Queue)
	case c.Priority < 0 || c.Priority > router.MaxPriority:
		return nil, errorf(CodeBadRequest, "priority %d (1..8)", c.Priority)
	case len(c.Subject) > session.MaxSubjectLen:
		return nil, errorf(CodeBadRequest, "subject over %d bytes", session.MaxSubjectLen)
	case len(c.VisitorID) > session.MaxNameLen:
		return nil, errorf(CodeBadRequest, "visitor id over %d bytes", session.MaxNameLen)
	case len(c.ClientID) > MaxClientIDLen:
		return nil, errorf(CodeBadRequest, "client_id over %d bytes", MaxClientIDLen)
	case c.Text != "" && c.Channel.Media() == presence.Voice:
		return nil, errorf(CodeBadRequest, "a voice session has no first message")
	}
	if err := session.ValidateContact(c.Contact); err != nil {
		return nil, err
	}
	if err := session.ValidateLabels(c.Expertise, session.MaxExpertise); err != nil {
		return nil, err
	}
	if c.Text != "" {
		if err := session.ValidateText(c.Text); err != nil {
			return nil, err
		}
	}
	return q, nil
}
