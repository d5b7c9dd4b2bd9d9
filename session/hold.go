package session

import (
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// Hold puts a voice session's customer on hold. Legal for voice, while
// connected or switching and not already on hold. Journey: hold.
func (s *Session) Hold(now time.Time) error {
	const op = "hold"
	if err := s.checkVoice(op); err != nil {
		return err
	}
	if err := s.require(op, StateConnected, StateSwitching); err != nil {
		return err
	}
	if s.OnHold {
		return s.illegalWhy(op, "already on hold")
	}
	t := s.stamp(now)
	s.OnHold, s.HoldStartedAt = true, t
	s.log(EventHold, s.Agent, "", t)
	return nil
}

// Unhold takes a voice session off hold and adds the hold to HoldSeconds.
// Legal while on hold. Journey: unhold.
func (s *Session) Unhold(now time.Time) error {
	const op = "unhold"
	if err := s.checkVoice(op); err != nil {
		return err
	}
	if !s.OnHold {
		return s.illegalWhy(op, "not on hold")
	}
	t := s.stamp(now)
	s.closeHold(t)
	s.log(EventUnhold, s.Agent, "", t)
	return nil
}

func (s *Session) checkVoice(op string) error {
	if s.Media != presence.Voice {
		return s.invalid(op, "not a voice session")
	}
	return nil
}

// closeHold ends the current hold, if any, at t.
func (s *Session) closeHold(t time.Time) {
	if !s.OnHold {
		return
	}
	s.HoldSeconds += seconds(s.HoldStartedAt, t)
	s.OnHold, s.HoldStartedAt = false, time.Time{}
}

// HoldTotal returns the seconds the customer spent on hold, the current hold
// counted up to now.
func (s *Session) HoldTotal(now time.Time) float64 {
	if !s.OnHold {
		return s.HoldSeconds
	}
	return s.HoldSeconds + seconds(s.HoldStartedAt, now)
}
