package session

import "time"

// Transfer records one transfer, to a queue or to an agent.
type Transfer struct {
	At      time.Time `json:"at"`
	From    Ref       `json:"from,omitzero"`     // the agent who transferred
	ToQueue Ref       `json:"to_queue,omitzero"` // set for a transfer to a queue
	ToAgent Ref       `json:"to_agent,omitzero"` // set for a transfer to an agent
	Note    string    `json:"note,omitempty"`
	Result  string    `json:"result,omitempty"` // agent transfers: pending, accepted, refused, cancelled
}

// Results of a transfer to an agent.
const (
	TransferResultPending   = "pending"
	TransferResultAccepted  = "accepted"
	TransferResultRefused   = "refused"
	TransferResultCancelled = "cancelled"
)

// TransferToQueue sends the session to another queue: state requeued in
// queue queueID, outcome escalated, the agent cleared and their participant
// record closed, a transfer record added. QueuedAt is kept, so the session
// keeps its original place. fromAgent is whoever transfers (the assignee or
// a supervisor). Legal from assigned, connecting and connected. Journey:
// transfer (detail "queue:<id>").
func (s *Session) TransferToQueue(fromAgent, queueID, queueName, note string, now time.Time) error {
	const op = "transfer"
	if err := s.checkTransfer(op, queueID, note, StateAssigned, StateConnecting, StateConnected); err != nil {
		return err
	}
	t := s.stamp(now)
	from := s.agentRef(fromAgent)
	s.Transfers = append(s.Transfers, Transfer{At: t, From: from, ToQueue: Ref{ID: queueID, Name: queueName}, Note: note})
	s.log(EventTransfer, from, "queue:"+queueID, t)
	s.release(t)
	s.Queue, s.Outcome = Ref{ID: queueID, Name: queueName}, OutcomeEscalated
	return nil
}

// TransferToAgent offers a connected session to another agent: state
// switching until TransferAccepted or TransferRefused, a transfer record with
// result pending. The target must not be the assignee. Journey: transfer
// (detail "agent:<id>").
func (s *Session) TransferToAgent(fromAgent, toAgentID, toAgentName, note string, now time.Time) error {
	const op = "transfer"
	if err := s.checkTransfer(op, toAgentID, note, StateConnected); err != nil {
		return err
	}
	if toAgentID == s.Agent.ID {
		return s.invalid(op, "transfer to the assignee")
	}
	t := s.stamp(now)
	from, to := s.agentRef(fromAgent), Ref{ID: toAgentID, Name: toAgentName}
	s.Transfers = append(s.Transfers, Transfer{At: t, From: from, ToAgent: to, Note: note, Result: TransferResultPending})
	s.State, s.TransferTo = StateSwitching, to
	s.log(EventTransfer, from, "agent:"+toAgentID, t)
	return nil
}

func (s *Session) checkTransfer(op, target, note string, allowed ...State) error {
	if err := s.require(op, allowed...); err != nil {
		return err
	}
	if target == "" {
		return s.invalid(op, "empty target")
	}
	if err := checkLen("note", note, MaxCommentLen); err != nil {
		return s.wrap(op, err)
	}
	return nil
}

// TransferAccepted completes a transfer in flight: the target becomes the
// assignee (new participant record, role assignee), the previous agent's
// record is closed, state connected with status in_progress. Journey:
// transfer_accepted.
func (s *Session) TransferAccepted(now time.Time) error {
	if err := s.require("transfer_accepted", StateSwitching); err != nil {
		return err
	}
	t := s.stamp(now)
	to := s.TransferTo
	s.leave(KindAgent, s.Agent.ID, t)
	s.leave(KindAgent, to.ID, t)
	s.join(KindAgent, to, RoleAssignee, t)
	s.Agent, s.TransferTo, s.AgentDisconnected = to, Ref{}, false
	s.State = StateConnected
	s.setStatus(StatusInProgress, t)
	s.settleTransfer(TransferResultAccepted)
	s.log(EventTransferAccepted, to, "", t)
	return nil
}

// TransferRefused ends a transfer in flight that the target declined or let
// time out: the session returns to the transferring agent, state connected.
// Journey: transfer_refused.
func (s *Session) TransferRefused(now time.Time) error {
	if err := s.require("transfer_refused", StateSwitching); err != nil {
		return err
	}
	t := s.stamp(now)
	to := s.TransferTo
	s.TransferTo, s.State = Ref{}, StateConnected
	s.settleTransfer(TransferResultRefused)
	s.log(EventTransferRefused, to, "", t)
	return nil
}

// cancelTransfer drops a transfer in flight, as when the session ends.
func (s *Session) cancelTransfer() {
	if s.TransferTo.ID == "" {
		return
	}
	s.TransferTo = Ref{}
	s.settleTransfer(TransferResultCancelled)
}

// settleTransfer sets the result of the pending transfer record.
func (s *Session) settleTransfer(result string) {
	for i := len(s.Transfers) - 1; i >= 0; i-- {
		if s.Transfers[i].Result == TransferResultPending {
			s.Transfers[i].Result = result
			return
		}
	}
}
