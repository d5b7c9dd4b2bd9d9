package session

import (
	"reflect"
	"testing"
)

func TestNew(t *testing.T) {
	s := New("s1", "default", WebChat, t0)
	if s.State != StateScheduled || s.Media.String() != "chat" || !s.CreatedAt.Equal(t0) || !s.UpdatedAt.Equal(t0) {
		t.Fatalf("New = %+v", s)
	}
	if len(s.Journey) != 0 {
		t.Fatalf("journey = %v, want empty", s.Journey)
	}
}

func TestEnqueueKeepsFirstQueuedAt(t *testing.T) {
	s := fixture(t, "queued") // queued at 1s
	must(t, s.Enqueue("sales", "Sales", 2, at(50)))
	if !s.QueuedAt.Equal(at(1)) || s.Queue.ID != "sales" || s.Priority != 2 || s.State != StateQueued {
		t.Fatalf("after re-enqueue: queued_at %v queue %v priority %d state %s", s.QueuedAt, s.Queue, s.Priority, s.State)
	}
}

func TestAssignAndConnectStampOnce(t *testing.T) {
	s := fixture(t, "requeued") // assigned 2s, connected 3s, requeued 4s
	must(t, s.Assign("ben", "Ben Ode", at(10)))
	must(t, s.Connect(at(11)))
	if !s.AssignedAt.Equal(at(2)) || !s.ConnectedAt.Equal(at(3)) {
		t.Fatalf("assigned_at %v connected_at %v, want first times", s.AssignedAt, s.ConnectedAt)
	}
	if s.Agent != (Ref{"ben", "Ben Ode"}) || s.Status != StatusInProgress || s.AnswerType != AnswerHuman {
		t.Fatalf("agent %v status %q answer %q", s.Agent, s.Status, s.AnswerType)
	}
	if n := len(s.Participants); n != 2 {
		t.Fatalf("participants = %d, want 2 (ana then ben)", n)
	}
}

func TestRequeue(t *testing.T) {
	s := fixture(t, "connected")
	must(t, s.Requeue(at(10)))
	if s.State != StateRequeued || s.Agent != (Ref{}) || s.Status != "" || !s.QueuedAt.Equal(at(1)) {
		t.Fatalf("after requeue: %+v", s)
	}
	if p := s.Participants[0]; !p.LeftAt.Equal(at(10)) {
		t.Fatalf("assignee record not closed: %+v", p)
	}
	if e := lastEvent(t, s); e.Agent != "ana" || e.Detail != "support" {
		t.Fatalf("requeued event = %+v", e)
	}
}

func TestRequeueWithoutQueue(t *testing.T) {
	s := New("s1", "default", VoiceOutbound, t0)
	must(t, s.Assign("ana", "Ana", at(1)))
	must(t, s.Connect(at(2)))
	before := snapshot(t, s)
	if err := s.Requeue(at(3)); err == nil || snapshot(t, s) != before {
		t.Fatalf("requeue without queue: err %v", err)
	}
}

func TestTransferToQueue(t *testing.T) {
	s := fixture(t, "on_hold") // hold started at 4s
	must(t, s.TransferToQueue("ana", "tier2", "Tier 2", "needs billing", at(10)))
	want := Transfer{At: at(10), From: Ref{"ana", "Ana Ruiz"}, ToQueue: Ref{"tier2", "Tier 2"}, Note: "needs billing"}
	if !reflect.DeepEqual(s.Transfers, []Transfer{want}) {
		t.Fatalf("transfers = %+v", s.Transfers)
	}
	if s.State != StateRequeued || s.Queue.ID != "tier2" || s.Outcome != OutcomeEscalated || !s.QueuedAt.Equal(at(1)) {
		t.Fatalf("after transfer: state %s queue %v outcome %s queued_at %v", s.State, s.Queue, s.Outcome, s.QueuedAt)
	}
	if s.OnHold || s.HoldSeconds != 6 || s.Agent.ID != "" {
		t.Fatalf("hold %v %v agent %v", s.OnHold, s.HoldSeconds, s.Agent)
	}
}

func TestTransferToAgent(t *testing.T) {
	tests := []struct {
		name       string
		settle     func(s *Session) error
		wantAgent  string
		wantResult string
		wantState  State
	}{
		{"accepted", func(s *Session) error { return s.TransferAccepted(at(10)) }, "ben", TransferResultAccepted, StateConnected},
		{"refused", func(s *Session) error { return s.TransferRefused(at(10)) }, "ana", TransferResultRefused, StateConnected},
		{"ended", func(s *Session) error { return s.End(PartyCustomer, at(10)) }, "ana", TransferResultCancelled, StateFinished},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixture(t, "switching")
			if s.TransferTo.ID != "ben" || s.Transfers[0].Result != TransferResultPending {
				t.Fatalf("in flight: %+v %+v", s.TransferTo, s.Transfers)
			}
			must(t, tt.settle(s))
			if s.Agent.ID != tt.wantAgent || s.Transfers[0].Result != tt.wantResult || s.State != tt.wantState {
				t.Fatalf("agent %s result %s state %s", s.Agent.ID, s.Transfers[0].Result, s.State)
			}
			if s.TransferTo != (Ref{}) {
				t.Fatalf("transfer_to not cleared: %v", s.TransferTo)
			}
		})
	}
}

func TestTransferAcceptedParticipants(t *testing.T) {
	s := fixture(t, "switching")
	must(t, s.TransferAccepted(at(10)))
	got := s.Participants
	if len(got) != 2 || !got[0].LeftAt.Equal(at(10)) || got[1].ID != "ben" || got[1].Role != RoleAssignee || !got[1].LeftAt.IsZero() {
		t.Fatalf("participants = %+v", got)
	}
	if s.Status != StatusInProgress {
		t.Fatalf("status = %q", s.Status)
	}
}

func TestNeedsHelpAndJoin(t *testing.T) {
	s := fixture(t, "connected")
	must(t, s.SetStatus(StatusNeedsHelp, at(10)))
	if e := lastEvent(t, s); e.Event != EventNeedsHelp || !s.StatusSince.Equal(at(10)) {
		t.Fatalf("needs_help event %+v since %v", e, s.StatusSince)
	}
	must(t, s.Join("cy", "Cy Lee", at(20)))
	if s.Status != StatusInProgress || !s.InSession("cy") {
		t.Fatalf("after join: status %q in_session %v", s.Status, s.InSession("cy"))
	}
	must(t, s.Leave("cy", at(30)))
	must(t, s.Join("cy", "Cy Lee", at(40)))
	var records int
	for _, p := range s.Participants {
		if p.ID == "cy" {
			records++
			if p.Role != RoleJoined {
				t.Fatalf("role = %q", p.Role)
			}
		}
	}
	if records != 2 {
		t.Fatalf("cy has %d participant records, want 2", records)
	}
}

func TestWaitingCustomerReturnsWhenVisitorWrites(t *testing.T) {
	s := fixture(t, "connected")
	must(t, s.SetStatus(StatusWaitingCustomer, at(10)))
	must(t, s.AgentWrote(at(11)))
	if s.Status != StatusWaitingCustomer {
		t.Fatalf("agent message changed status to %q", s.Status)
	}
	must(t, s.VisitorWrote(at(12)))
	if s.Status != StatusInProgress || s.MessageCount != 2 || !s.StatusSince.Equal(at(12)) {
		t.Fatalf("status %q count %d since %v", s.Status, s.MessageCount, s.StatusSince)
	}
	if e := lastEvent(t, s); e.Event != EventStatus || e.Detail != string(StatusInProgress) {
		t.Fatalf("last event = %+v", e)
	}
}

func TestSetSameStatusIsNoop(t *testing.T) {
	s := fixture(t, "connected")
	before := snapshot(t, s)
	must(t, s.SetStatus(StatusInProgress, at(10)))
	if snapshot(t, s) != before {
		t.Fatal("setting the current status changed the session")
	}
}

func TestHoldAccumulates(t *testing.T) {
	s := fixture(t, "connected") // connected at 3s
	must(t, s.Hold(at(10)))
	if got := s.HoldTotal(at(14)); got != 4 {
		t.Fatalf("HoldTotal during hold = %v, want 4", got)
	}
	must(t, s.Unhold(at(20)))
	must(t, s.Hold(at(30)))
	must(t, s.Unhold(at(35)))
	must(t, s.Hold(at(40)))
	must(t, s.End(PartyCustomer, at(42.5)))
	if s.HoldSeconds != 17.5 || s.OnHold || !s.HoldStartedAt.IsZero() {
		t.Fatalf("hold seconds %v on_hold %v started %v", s.HoldSeconds, s.OnHold, s.HoldStartedAt)
	}
}

func TestHoldIsVoiceOnly(t *testing.T) {
	s := steps(t, WebChat, "queue", "assign", "connect")
	if err := s.Hold(at(10)); err == nil {
		t.Fatal("hold on a chat succeeded")
	}
}

func TestHandleAndWaitSeconds(t *testing.T) {
	s := New("s1", "default", WebChat, t0)
	if s.HandleSeconds(at(100)) != 0 || s.WaitSeconds(at(100)) != 0 {
		t.Fatal("unqueued session has handle or wait time")
	}
	must(t, s.Enqueue("support", "Support", 4, at(10)))
	if got := s.WaitSeconds(at(25)); got != 15 {
		t.Fatalf("WaitSeconds while waiting = %v", got)
	}
	must(t, s.Assign("ana", "Ana", at(40)))
	must(t, s.Connect(at(41)))
	if got := s.HandleSeconds(at(100)); got != 60 {
		t.Fatalf("HandleSeconds before wrap-up = %v, want 60", got)
	}
	must(t, s.End(PartyAgent, at(200)))
	must(t, s.Wrapup("resolved", "", "", at(230)))
	if got := s.HandleSeconds(at(999)); got != 190 {
		t.Fatalf("HandleSeconds = %v, want 190 (assigned to wrap-up)", got)
	}
	if got := s.WaitSeconds(at(999)); got != 30 {
		t.Fatalf("WaitSeconds = %v, want 30", got)
	}
}

func TestOutcomes(t *testing.T) {
	tests := []struct {
		name  string
		steps []string
		then  func(s *Session) error
		want  Outcome
	}{
		{"abandoned in queue", []string{"queue", "end_customer"}, nil, OutcomeAbandoned},
		{"abandoned while assigned", []string{"queue", "assign", "end_customer"}, nil, OutcomeAbandoned},
		{"connected, not wrapped", []string{"queue", "assign", "connect", "end_customer"}, nil, ""},
		{"wrapped defaults to success", []string{"queue", "assign", "connect", "end_customer", "wrapup"}, nil, OutcomeSuccess},
		{"wrap-up outcome wins", []string{"queue", "assign", "connect", "end_agent"},
			func(s *Session) error { return s.Wrapup("x", "", OutcomeNoAnswer, at(50)) }, OutcomeNoAnswer},
		{"abandoned kept by wrap-up", []string{"queue", "assign", "end_customer", "wrapup"}, nil, OutcomeAbandoned},
		{"escalated kept by wrap-up", []string{"queue", "assign", "connect"},
			func(s *Session) error {
				must(t, s.TransferToQueue("ana", "t2", "", "", at(10)))
				must(t, s.Assign("ben", "Ben", at(11)))
				must(t, s.Connect(at(12)))
				must(t, s.End(PartyAgent, at(13)))
				return s.Wrapup("x", "", "", at(14))
			}, OutcomeEscalated},
		{"no one available kept on abandon", []string{"queue"},
			func(s *Session) error {
				must(t, s.NoOneAvailable(at(10)))
				return s.End(PartyCustomer, at(11))
			}, OutcomeNoOneAvailable},
		{"deflected no one available", []string{"queue"},
			func(s *Session) error { return s.Deflect(DeflectNoOneAvailable, "email", "", at(10)) }, OutcomeNoOneAvailable},
		{"deflected after hours", []string{"queue", "deflect"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := steps(t, WebChat, tt.steps...)
			if tt.then != nil {
				must(t, tt.then(s))
			}
			if s.Outcome != tt.want {
				t.Fatalf("outcome = %q, want %q", s.Outcome, tt.want)
			}
		})
	}
}

func TestOpenNeedsWrapup(t *testing.T) {
	tests := []struct {
		fixture        string
		open, finished bool
		needs, wrapped bool
	}{
		{"scheduled", true, false, false, false},
		{"queued", true, false, false, false},
		{"connected", true, false, false, false},
		{"finished", true, true, true, false},
		{"wrapped", false, true, false, true},
		{"abandoned", false, true, false, false},
		{"deflected", false, true, false, false},
	}
	for _, tt := range tests {
		s := fixture(t, tt.fixture)
		if s.Open() != tt.open || s.Finished() != tt.finished || s.NeedsWrapup() != tt.needs || s.WrappedUp() != tt.wrapped {
			t.Errorf("%s: open %v finished %v needs %v wrapped %v", tt.fixture, s.Open(), s.Finished(), s.NeedsWrapup(), s.WrappedUp())
		}
	}
}

func TestWrapupTimeout(t *testing.T) {
	s := fixture(t, "finished")
	must(t, s.WrapupTimeout(at(100)))
	if s.WrapupCode != WrapupTimeoutCode || !s.WrappedAt.Equal(at(100)) || s.Open() {
		t.Fatalf("code %q wrapped %v open %v", s.WrapupCode, s.WrappedAt, s.Open())
	}
}

func TestCSATOverwrites(t *testing.T) {
	s := fixture(t, "wrapped")
	must(t, s.SetCSAT(2, "slow", at(100)))
	must(t, s.SetCSAT(4, "great after all", at(101)))
	if s.CSAT != 4 || s.CSATComment != "great after all" {
		t.Fatalf("csat %d %q", s.CSAT, s.CSATComment)
	}
}

func TestDeflect(t *testing.T) {
	s := fixture(t, "queued")
	must(t, s.Deflect("after_hours_message_only", "email", "We are closed.", at(10)))
	want := Deflection{Reason: "after_hours_message_only", Channel: "email", Message: "We are closed."}
	if s.Deflection != want || s.EndedBy != PartySystem || !s.EndedAt.Equal(at(10)) {
		t.Fatalf("deflection %+v by %q at %v", s.Deflection, s.EndedBy, s.EndedAt)
	}
}

func TestEndClosesEverything(t *testing.T) {
	s := fixture(t, "connected")
	must(t, s.SetCustomer("v1", Contact{Name: "Pat"}, at(4)))
	must(t, s.SetAgentDisconnected(true, at(5)))
	must(t, s.End(PartyAgent, at(10)))
	for _, p := range s.Participants {
		if !p.LeftAt.Equal(at(10)) {
			t.Fatalf("open participant after end: %+v", p)
		}
	}
	if s.Status != "" || s.Agent.ID != "ana" || s.EndedBy != PartyAgent {
		t.Fatalf("status %q agent %v by %q", s.Status, s.Agent, s.EndedBy)
	}
	if e := s.Journey[len(s.Journey)-1]; e.Event != EventEnded || e.Detail != "agent" {
		t.Fatalf("last event = %+v", e)
	}
}

func TestTimesNeverGoBackwards(t *testing.T) {
	s := fixture(t, "connected") // updated at 3s
	must(t, s.SetStatus(StatusNeedsHelp, t0))
	if e := lastEvent(t, s); !e.At.Equal(at(3)) || !s.UpdatedAt.Equal(at(3)) {
		t.Fatalf("event at %v updated %v, want clamped to %v", e.At, s.UpdatedAt, at(3))
	}
}

func TestOfferEventsAndPassed(t *testing.T) {
	s := fixture(t, "queued")
	must(t, s.OfferedReason("ana", "Ana Ruiz", "score 0.33 (load 0.33, language 0), runner-up ben 0.5, 2 eligible", at(5)))
	must(t, s.Declined("ana", at(6)))
	must(t, s.Offered("ben", "Ben", at(7)))
	must(t, s.Missed("ben", at(27)))
	must(t, s.Declined("ana", at(28)))
	if !reflect.DeepEqual(s.Passed, []string{"ana", "ben"}) {
		t.Fatalf("passed = %v", s.Passed)
	}
	if e := s.Journey[2]; e.Event != EventDeclined || e.AgentName != "Ana Ruiz" {
		t.Fatalf("declined event = %+v, want the name from the offer", e)
	}
}
