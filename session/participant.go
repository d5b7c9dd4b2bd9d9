package session

import "time"

// Participant is one stay of one party in the session. Every join is a new
// record, even for a party that was there before (CCAI call_participant).
type Participant struct {
	Kind     Kind      `json:"kind"`
	ID       string    `json:"id,omitempty"`
	Name     string    `json:"name,omitempty"`
	Role     string    `json:"role"`
	JoinedAt time.Time `json:"joined_at"`
	LeftAt   time.Time `json:"left_at,omitzero"`
}

// join adds a participant record.
func (s *Session) join(kind Kind, who Ref, role string, at time.Time) {
	s.Participants = append(s.Participants, Participant{Kind: kind, ID: who.ID, Name: who.Name, Role: role, JoinedAt: at})
}

// leave closes the open records of the participant kind/id.
func (s *Session) leave(kind Kind, id string, at time.Time) {
	for i := range s.Participants {
		p := &s.Participants[i]
		if p.Kind == kind && p.ID == id && p.LeftAt.IsZero() {
			p.LeftAt = at
		}
	}
}

// leaveAll closes every open participant record.
func (s *Session) leaveAll(at time.Time) {
	for i := range s.Participants {
		if s.Participants[i].LeftAt.IsZero() {
			s.Participants[i].LeftAt = at
		}
	}
}

// present reports whether kind/id has an open participant record.
func (s *Session) present(kind Kind, id string) bool {
	for _, p := range s.Participants {
		if p.Kind == kind && p.ID == id && p.LeftAt.IsZero() {
			return true
		}
	}
	return false
}

// agentRef returns id with the name this session last knew it by.
func (s *Session) agentRef(id string) Ref {
	if s.Agent.ID == id {
		return s.Agent
	}
	for i := len(s.Participants) - 1; i >= 0; i-- {
		if p := s.Participants[i]; p.Kind == KindAgent && p.ID == id {
			return Ref{ID: id, Name: p.Name}
		}
	}
	for i := len(s.Journey) - 1; i >= 0; i-- {
		if e := s.Journey[i]; e.Agent == id && e.AgentName != "" {
			return Ref{ID: id, Name: e.AgentName}
		}
	}
	return Ref{ID: id}
}
