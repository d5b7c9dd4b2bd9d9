package session

import "time"

// Finished reports whether the conversation is over: the state is terminal
// (finished, failed, deflected, recovered, voicemail_received).
func (s *Session) Finished() bool { return s.State.Terminal() }

// WrappedUp reports whether wrap-up was completed (a code was given).
func (s *Session) WrappedUp() bool { return !s.WrappedAt.IsZero() }

// NeedsWrapup reports whether the session is finished, not wrapped up, and
// held by an agent at the end: that agent's slot stays held until Wrapup or
// WrapupTimeout.
func (s *Session) NeedsWrapup() bool {
	return s.State == StateFinished && !s.WrappedUp() && s.Agent.ID != ""
}

// Open reports whether the hub must keep the session in memory: it is not
// terminal, or it is finished and NeedsWrapup. A session that ended with no
// agent (abandoned in the queue, deflected) is not open.
func (s *Session) Open() bool { return !s.Finished() || s.NeedsWrapup() }

// InSession reports whether agentID is the assignee or has an open
// participant record: the agents who receive the session's card and may act
// on it (supervisors aside).
func (s *Session) InSession(agentID string) bool {
	return agentID != "" && (s.Agent.ID == agentID || s.present(KindAgent, agentID))
}

// HandleSeconds returns the handle time (CCAI): from the first assignment to
// the end of wrap-up, or to now while wrap-up is not done; 0 if never
// assigned.
func (s *Session) HandleSeconds(now time.Time) float64 {
	if s.WrappedUp() {
		return seconds(s.AssignedAt, s.WrappedAt)
	}
	return seconds(s.AssignedAt, now)
}

// WaitSeconds returns how long the session waited in a queue before its
// first assignment: from QueuedAt to AssignedAt, or to EndedAt if it ended
// unassigned, or to now while it waits; 0 if never queued.
func (s *Session) WaitSeconds(now time.Time) float64 {
	switch {
	case !s.AssignedAt.IsZero():
		return seconds(s.QueuedAt, s.AssignedAt)
	case !s.EndedAt.IsZero():
		return seconds(s.QueuedAt, s.EndedAt)
	}
	return seconds(s.QueuedAt, now)
}

// agents returns every agent who took part, once each, in order of first
// join, with their latest name.
func (s *Session) agents() []Ref {
	out := []Ref{}
	for _, p := range s.Participants {
		if p.Kind != KindAgent {
			continue
		}
		if i := indexRef(out, p.ID); i >= 0 {
			out[i].Name = p.Name
			continue
		}
		out = append(out, Ref{ID: p.ID, Name: p.Name})
	}
	return out
}

func indexRef(refs []Ref, id string) int {
	for i, r := range refs {
		if r.ID == id {
			return i
		}
	}
	return -1
}

// lastAgent returns the assignee, or else the last agent who took part.
func (s *Session) lastAgent() Ref {
	if s.Agent.ID != "" {
		return s.Agent
	}
	for i := len(s.Participants) - 1; i >= 0; i-- {
		if p := s.Participants[i]; p.Kind == KindAgent {
			return Ref{ID: p.ID, Name: p.Name}
		}
	}
	return Ref{}
}
