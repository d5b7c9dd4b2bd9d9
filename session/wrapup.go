package session

import (
	"fmt"
	"strconv"
	"time"
)

// Wrapup completes wrap-up with a disposition code, notes and an outcome.
// Legal only after End (state finished) and only once. An empty outcome
// keeps the current one, or becomes success when the session was connected
// and has none. Journey: wrapped_up (detail code).
func (s *Session) Wrapup(code, notes string, outcome Outcome, now time.Time) error {
	const op = "wrapup"
	if err := s.checkWrapup(op, code, notes, outcome); err != nil {
		return err
	}
	t := s.stamp(now)
	s.WrapupCode, s.WrapupNotes, s.WrappedAt = code, notes, t
	switch {
	case outcome != "":
		s.Outcome = outcome
	case s.Outcome == "" && !s.ConnectedAt.IsZero():
		s.Outcome = OutcomeSuccess
	}
	s.log(EventWrappedUp, s.Agent, code, t)
	return nil
}

func (s *Session) checkWrapup(op, code, notes string, outcome Outcome) error {
	if err := s.require(op, StateFinished); err != nil {
		return err
	}
	if s.WrappedUp() {
		return s.illegalWhy(op, "already wrapped up")
	}
	if err := checkRequired("code", code, MaxCodeLen); err != nil {
		return s.wrap(op, err)
	}
	if err := ValidateNotes(notes); err != nil {
		return s.wrap(op, err)
	}
	if outcome != "" && !outcome.Valid() {
		return s.invalid(op, fmt.Sprintf("outcome %q", outcome))
	}
	return nil
}

// WrapupTimeout completes wrap-up with the code "timeout" when the queue's
// wrapup_timeout passes. Same rules as Wrapup.
func (s *Session) WrapupTimeout(now time.Time) error {
	return s.Wrapup(WrapupTimeoutCode, "", "", now)
}

// SetCSAT records the customer's satisfaction rating (1 to 4) and comment.
// Legal only after End (state finished), before or after wrap-up. A later
// rating overwrites an earlier one: the visitor may change their mind while
// the survey is open, and the metadata is exported again after each.
// Journey: csat (detail rating).
func (s *Session) SetCSAT(rating int, comment string, now time.Time) error {
	const op = "csat"
	if err := s.require(op, StateFinished); err != nil {
		return err
	}
	if rating < MinCSAT || rating > MaxCSAT {
		return s.invalid(op, fmt.Sprintf("rating %d not in %d..%d", rating, MinCSAT, MaxCSAT))
	}
	if err := checkLen("comment", comment, MaxCommentLen); err != nil {
		return s.wrap(op, err)
	}
	t := s.stamp(now)
	s.CSAT, s.CSATComment = rating, comment
	s.log(EventCSAT, Ref{}, strconv.Itoa(rating), t)
	return nil
}
