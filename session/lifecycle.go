package session

import (
	"fmt"
	"slices"
	"time"
)

// Enqueue puts the session in queue queueID with priority 1 (most urgent) to
// 8. From scheduled it becomes queued; a session already waiting (queued or
// requeued) keeps its state and moves to the new queue or priority. QueuedAt
// is set the first time only, so the session keeps its place. Journey:
// routed.
func (s *Session) Enqueue(queueID, queueName string, priority int, now time.Time) error {
	const op = "enqueue"
	if err := s.require(op, StateScheduled, StateQueued, StateRequeued); err != nil {
		return err
	}
	if queueID == "" {
		return s.invalid(op, "empty queue id")
	}
	if priority < MinPriority || priority > MaxPriority {
		return s.invalid(op, fmt.Sprintf("priority %d not in %d..%d", priority, MinPriority, MaxPriority))
	}
	t := s.stamp(now)
	s.Queue, s.Priority = Ref{ID: queueID, Name: queueName}, priority
	if s.State == StateScheduled {
		s.State = StateQueued
	}
	if s.QueuedAt.IsZero() {
		s.QueuedAt = t
	}
	s.log(EventRouted, Ref{}, queueID, t)
	return nil
}

// Offered records that the session was offered to an agent. It changes no
// state and is legal while the session waits (queued, requeued) or while a
// transfer to an agent is in flight (switching). Journey: offered.
func (s *Session) Offered(agentID, agentName string, now time.Time) error {
	return s.OfferedReason(agentID, agentName, "", now)
}

// OfferedReason is Offered with the router's reason for the choice (score,
// runner-up, eligible count) as the journey detail.
func (s *Session) OfferedReason(agentID, agentName, reason string, now time.Time) error {
	if err := s.checkOfferEvent("offered", agentID); err != nil {
		return err
	}
	s.log(EventOffered, Ref{ID: agentID, Name: agentName}, reason, s.stamp(now))
	return nil
}

// Declined records that an agent declined an offer of the session and adds
// the agent to Passed. Legal as Offered. Journey: declined.
func (s *Session) Declined(agentID string, now time.Time) error {
	return s.pass("declined", EventDeclined, agentID, now)
}

// Missed records that an offer to an agent timed out and adds the agent to
// Passed. Legal as Offered. Journey: missed.
func (s *Session) Missed(agentID string, now time.Time) error {
	return s.pass("missed", EventMissed, agentID, now)
}

// OfferRerouted records that an offer to an agent was withdrawn while it
// rang because the agent went (away, offline, out of the queue) or the
// session moved. It changes nothing else and is ignored once the session
// is over. Journey: offer_rerouted.
func (s *Session) OfferRerouted(agentID string, now time.Time) {
	if agentID == "" || s.State.Terminal() {
		return
	}
	s.log(EventOfferRerouted, s.agentRef(agentID), "", s.stamp(now))
}

func (s *Session) pass(op, event, agentID string, now time.Time) error {
	if err := s.checkOfferEvent(op, agentID); err != nil {
		return err
	}
	t := s.stamp(now)
	if !slices.Contains(s.Passed, agentID) {
		s.Passed = append(s.Passed, agentID)
	}
	s.log(event, s.agentRef(agentID), "", t)
	return nil
}

func (s *Session) checkOfferEvent(op, agentID string) error {
	if err := s.require(op, StateQueued, StateRequeued, StateSwitching); err != nil {
		return err
	}
	if agentID == "" {
		return s.invalid(op, "empty agent id")
	}
	return nil
}

// NoOneAvailable records that no member of the session's queue is online:
// the outcome becomes no_one_available while the session keeps waiting (the
// hub deflects it instead when the queue has a deflection). Legal while
// queued or requeued. Journey: no_one_available.
func (s *Session) NoOneAvailable(now time.Time) error {
	if err := s.require("no_one_available", StateQueued, StateRequeued); err != nil {
		return err
	}
	t := s.stamp(now)
	s.Outcome = OutcomeNoOneAvailable
	s.log(EventNoOneAvailable, Ref{}, s.Queue.ID, t)
	return nil
}

// Assign gives the session to an agent: state assigned, Agent set, a new
// participant record with role assignee. Legal from scheduled (an outbound
// session an agent starts), queued and requeued. AssignedAt is set the first
// time only. Journey: assigned.
func (s *Session) Assign(agentID, agentName string, now time.Time) error {
	const op = "assign"
	if err := s.require(op, StateScheduled, StateQueued, StateRequeued); err != nil {
		return err
	}
	if agentID == "" {
		return s.invalid(op, "empty agent id")
	}
	t := s.stamp(now)
	s.Agent = Ref{ID: agentID, Name: agentName}
	s.State, s.AgentDisconnected = StateAssigned, false
	if s.AssignedAt.IsZero() {
		s.AssignedAt = t
	}
	s.join(KindAgent, s.Agent, RoleAssignee, t)
	s.log(EventAssigned, s.Agent, "", t)
	return nil
}

// Connecting moves an assigned session to connecting: used for voice while
// the telephony system connects the agent's leg. Journey: connecting.
func (s *Session) Connecting(now time.Time) error {
	if err := s.require("connecting", StateAssigned); err != nil {
		return err
	}
	t := s.stamp(now)
	s.State = StateConnecting
	s.log(EventConnecting, s.Agent, "", t)
	return nil
}

// Connect moves an assigned or connecting session to connected, with status
// in_progress and answer type human. ConnectedAt is set the first time only.
// Journey: connected.
func (s *Session) Connect(now time.Time) error {
	if err := s.require("connect", StateAssigned, StateConnecting); err != nil {
		return err
	}
	t := s.stamp(now)
	s.State, s.AnswerType = StateConnected, AnswerHuman
	s.setStatus(StatusInProgress, t)
	if s.ConnectedAt.IsZero() {
		s.ConnectedAt = t
	}
	s.log(EventConnected, s.Agent, "", t)
	return nil
}

// Requeue releases the session back to its queue: state requeued, the agent
// cleared and their participant record closed, hold ended. QueuedAt is kept,
// so the session keeps its place. Legal from assigned, connecting and
// connected, and only for a session that has a queue. Journey: requeued.
func (s *Session) Requeue(now time.Time) error {
	const op = "requeue"
	if err := s.require(op, StateAssigned, StateConnecting, StateConnected); err != nil {
		return err
	}
	if s.Queue.ID == "" {
		return s.illegalWhy(op, "no queue")
	}
	t := s.stamp(now)
	s.log(EventRequeued, s.Agent, s.Queue.ID, t)
	s.release(t)
	return nil
}

// release takes the session from its agent and puts it back in a queue.
func (s *Session) release(t time.Time) {
	s.closeHold(t)
	s.leave(KindAgent, s.Agent.ID, t)
	s.Agent, s.AgentDisconnected = Ref{}, false
	s.State = StateRequeued
	s.setStatus("", t)
	if s.QueuedAt.IsZero() {
		s.QueuedAt = t
	}
}

// setStatus sets the conversation status and when it changed.
func (s *Session) setStatus(st Status, t time.Time) {
	s.Status, s.StatusSince = st, t
	if st == "" {
		s.StatusSince = time.Time{}
	}
}

// Deflect ends a session that has no agent (scheduled, queued or requeued)
// by a deflection: state deflected, ended by the system, Deflection set.
// The reason (e.g. after_hours_message_only, no_one_available) is required;
// the reason no_one_available also sets that outcome. Journey: deflected.
func (s *Session) Deflect(reason, channel, message string, now time.Time) error {
	const op = "deflect"
	if err := s.require(op, StateScheduled, StateQueued, StateRequeued); err != nil {
		return err
	}
	if err := s.checkDeflect(reason, channel, message); err != nil {
		return s.wrap(op, err)
	}
	t := s.stamp(now)
	s.State, s.EndedAt, s.EndedBy = StateDeflected, t, PartySystem
	s.Deflection = Deflection{Reason: reason, Channel: channel, Message: message}
	if reason == DeflectNoOneAvailable {
		s.Outcome = OutcomeNoOneAvailable
	}
	s.leaveAll(t)
	s.log(EventDeflected, Ref{}, reason, t)
	return nil
}

func (s *Session) checkDeflect(reason, channel, message string) error {
	if err := checkRequired("reason", reason, MaxCodeLen); err != nil {
		return err
	}
	if err := checkLen("channel", channel, MaxCodeLen); err != nil {
		return err
	}
	return checkLen("message", message, MaxTextLen)
}

// End ends the conversation: state finished, EndedAt and EndedBy set, hold
// closed, a transfer in flight cancelled, every participant record closed,
// conversation status cleared. The agent stays as Agent for wrap-up. A
// session that ends before any agent connected is abandoned (its outcome
// becomes abandoned unless it already is no_one_available). Legal in every
// state that is not terminal. Journey: ended (detail by), then abandoned.
func (s *Session) End(by Party, now time.Time) error {
	const op = "end"
	if s.State.Terminal() {
		return s.illegal(op)
	}
	if !by.Valid() {
		return s.invalid(op, fmt.Sprintf("ended by %q", by))
	}
	t := s.stamp(now)
	s.closeHold(t)
	s.cancelTransfer()
	s.leaveAll(t)
	s.State, s.EndedAt, s.EndedBy = StateFinished, t, by
	s.setStatus("", t)
	s.log(EventEnded, Ref{}, string(by), t)
	if s.ConnectedAt.IsZero() {
		s.abandon(t)
	}
	return nil
}

func (s *Session) abandon(t time.Time) {
	if s.Outcome != OutcomeNoOneAvailable {
		s.Outcome = OutcomeAbandoned
	}
	s.log(EventAbandoned, Ref{}, "", t)
}
