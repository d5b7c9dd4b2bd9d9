package session

import "fmt"

// Validate checks that a session read back from the store or imported from
// another system is well formed: an id, a known channel with its media, a
// known state code (imported codes 10, 12–18, 20–23, 80, 81 included), valid
// status, outcome and ended-by values, priority 0–8, CSAT 0–4, a consistent
// hold, and journey times that never go backwards. It returns an error
// wrapping ErrInvalid naming the first problem.
func (s *Session) Validate() error {
	for _, c := range [...]struct {
		ok   bool
		what string
	}{
		{s.ID != "", "empty id"},
		{s.Channel.Valid(), "unknown channel " + string(s.Channel)},
		{s.Media == s.Channel.Media(), "media does not match channel"},
		{s.State.Known(), "unknown state " + s.State.Name()},
		{s.Status == "" || s.Status.Valid(), "unknown status " + string(s.Status)},
		{s.Outcome == "" || s.Outcome.Valid(), "unknown outcome " + string(s.Outcome)},
		{s.EndedBy == "" || s.EndedBy.Valid(), "unknown ended_by " + string(s.EndedBy)},
		{s.Priority >= 0 && s.Priority <= MaxPriority, "priority out of range"},
		{s.CSAT == 0 || (s.CSAT >= MinCSAT && s.CSAT <= MaxCSAT), "csat out of range"},
		{s.OnHold == !s.HoldStartedAt.IsZero() && s.HoldSeconds >= 0, "inconsistent hold"},
		{journeyOrdered(s.Journey), "journey times go backwards"},
	} {
		if !c.ok {
			return fmt.Errorf("session %s: %s: %w", s.ID, c.what, ErrInvalid)
		}
	}
	return nil
}

func journeyOrdered(j []Event) bool {
	for i := 1; i < len(j); i++ {
		if j[i].At.Before(j[i-1].At) {
			return false
		}
	}
	return true
}
