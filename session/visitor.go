package session

import "strings"

// VisitorView is what the customer may see of their session: no agent ids,
// other agents, notes, tags or journey (PROTOCOL.md "Visitor socket").
type VisitorView struct {
	Session   string  `json:"session"`
	State     State   `json:"state"`
	StateName string  `json:"state_name"`
	Waiting   bool    `json:"waiting,omitempty"` // in a queue (queued or requeued)
	Agent     string  `json:"agent,omitempty"`   // the assignee's first name
	Ended     bool    `json:"ended,omitempty"`
	EndedBy   Party   `json:"ended_by,omitempty"`
	Outcome   Outcome `json:"outcome,omitempty"`
	// Deflection is set when the session was deflected; its channel is
	// internal and left out.
	Deflection *VisitorDeflection `json:"deflection,omitempty"`
	CSAT       int                `json:"csat,omitempty"` // the rating given, so the widget can hide the survey
}

// VisitorDeflection is the part of a deflection the visitor sees.
type VisitorDeflection struct {
	Reason  string `json:"reason"`
	Message string `json:"message,omitempty"`
}

// VisitorView returns the customer's view of the session.
func (s *Session) VisitorView() VisitorView {
	v := VisitorView{
		Session: s.ID, State: s.State, StateName: s.State.Name(),
		Waiting: s.State.Waiting(), Agent: FirstName(s.Agent.Name),
		Ended: s.Finished(), EndedBy: s.EndedBy, Outcome: s.Outcome, CSAT: s.CSAT,
	}
	if d := s.Deflection; d.Reason != "" {
		v.Deflection = &VisitorDeflection{Reason: d.Reason, Message: d.Message}
	}
	return v
}

// FirstName returns the first word of name, the only part of an agent's name
// a visitor sees ("Ana" for "Ana Ruiz").
func FirstName(name string) string {
	f, _, _ := strings.Cut(strings.TrimSpace(name), " ")
	return f
}
