package session

import (
	"fmt"
	"time"
)

// SetStatus sets the conversation status of a connected session. Setting the
// current status again changes nothing. Journey: needs_help for needs_help,
// status (detail the status) otherwise.
func (s *Session) SetStatus(st Status, now time.Time) error {
	const op = "set_status"
	if err := s.require(op, StateConnected); err != nil {
		return err
	}
	if !st.Valid() {
		return s.invalid(op, fmt.Sprintf("status %q", st))
	}
	if st == s.Status {
		return nil
	}
	t := s.stamp(now)
	s.setStatus(st, t)
	s.logStatus(st, t)
	return nil
}

func (s *Session) logStatus(st Status, t time.Time) {
	if st == StatusNeedsHelp {
		s.log(EventNeedsHelp, Ref{}, "", t)
		return
	}
	s.log(EventStatus, Ref{}, string(st), t)
}

// VisitorWrote counts a message from the visitor. A connected session that
// is waiting_customer goes back to in_progress (journey: status). Legal in
// every state that is not terminal.
func (s *Session) VisitorWrote(now time.Time) error {
	if s.State.Terminal() {
		return s.illegal("visitor_wrote")
	}
	t := s.stamp(now)
	s.MessageCount++
	if s.State == StateConnected && s.Status == StatusWaitingCustomer {
		s.setStatus(StatusInProgress, t)
		s.logStatus(StatusInProgress, t)
	}
	return nil
}

// AgentWrote counts a message from an agent. Legal while connected or
// switching.
func (s *Session) AgentWrote(now time.Time) error {
	if err := s.require("agent_wrote", StateConnected, StateSwitching); err != nil {
		return err
	}
	s.stamp(now)
	s.MessageCount++
	return nil
}

// Join adds an agent to a connected session as a new participant record with
// role joined (even if the agent was there before and left). A needs_help
// session goes back to in_progress. The agent must not be in the session
// already. Journey: joined.
func (s *Session) Join(agentID, agentName string, now time.Time) error {
	const op = "join"
	if err := s.require(op, StateConnected); err != nil {
		return err
	}
	if agentID == "" {
		return s.invalid(op, "empty agent id")
	}
	if s.InSession(agentID) {
		return s.illegalWhy(op, "agent "+agentID+" already in the session")
	}
	t := s.stamp(now)
	who := Ref{ID: agentID, Name: agentName}
	s.join(KindAgent, who, RoleJoined, t)
	if s.Status == StatusNeedsHelp {
		s.setStatus(StatusInProgress, t)
	}
	s.log(EventJoined, who, "", t)
	return nil
}

// Leave closes the participant record of an agent who joined. The assignee
// cannot leave (they release or transfer instead). Legal while connected or
// switching. Journey: left.
func (s *Session) Leave(agentID string, now time.Time) error {
	const op = "leave"
	if err := s.require(op, StateConnected, StateSwitching); err != nil {
		return err
	}
	if agentID == s.Agent.ID || !s.present(KindAgent, agentID) {
		return s.illegalWhy(op, "agent "+agentID+" is not a joined participant")
	}
	t := s.stamp(now)
	s.leave(KindAgent, agentID, t)
	s.log(EventLeft, s.agentRef(agentID), "", t)
	return nil
}

// SetAgentDisconnected flags or clears "agent disconnected" on the card:
// the assignee's last connection dropped past its grace period while the
// session stays assigned to them. Setting the current value changes
// nothing; flagging needs an assignee and a session that is not terminal.
// Journey: agent_disconnected or agent_reconnected.
func (s *Session) SetAgentDisconnected(disconnected bool, now time.Time) error {
	const op = "agent_disconnected"
	if disconnected == s.AgentDisconnected {
		return nil
	}
	if disconnected && (s.Agent.ID == "" || s.State.Terminal()) {
		return s.illegal(op)
	}
	t := s.stamp(now)
	s.AgentDisconnected = disconnected
	event := EventAgentReconnected
	if disconnected {
		event = EventAgentDisconnected
	}
	s.log(event, s.Agent, "", t)
	return nil
}
