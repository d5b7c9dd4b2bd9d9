package session

import (
	"errors"
	"slices"
	"sort"
	"testing"
	"time"
)

// ops are every lifecycle call with fixed, valid arguments, and the fixtures
// in which each is legal. In every other fixture it must fail with
// ErrIllegal and leave the session unchanged.
var ops = []struct {
	name  string
	call  func(s *Session, now time.Time) error
	legal []string
}{
	{"enqueue", func(s *Session, now time.Time) error { return s.Enqueue("sales", "Sales", 3, now) },
		[]string{"scheduled", "queued", "requeued"}},
	{"offered", func(s *Session, now time.Time) error { return s.Offered("cy", "Cy", now) },
		[]string{"queued", "requeued", "switching"}},
	{"declined", func(s *Session, now time.Time) error { return s.Declined("cy", now) },
		[]string{"queued", "requeued", "switching"}},
	{"missed", func(s *Session, now time.Time) error { return s.Missed("cy", now) },
		[]string{"queued", "requeued", "switching"}},
	{"no_one_available", func(s *Session, now time.Time) error { return s.NoOneAvailable(now) },
		[]string{"queued", "requeued"}},
	{"assign", func(s *Session, now time.Time) error { return s.Assign("cy", "Cy", now) },
		[]string{"scheduled", "queued", "requeued"}},
	{"connecting", func(s *Session, now time.Time) error { return s.Connecting(now) },
		[]string{"assigned"}},
	{"connect", func(s *Session, now time.Time) error { return s.Connect(now) },
		[]string{"assigned", "connecting"}},
	{"set_status", func(s *Session, now time.Time) error { return s.SetStatus(StatusWaitingCustomer, now) },
		[]string{"connected", "on_hold"}},
	{"visitor_wrote", func(s *Session, now time.Time) error { return s.VisitorWrote(now) },
		[]string{"scheduled", "queued", "requeued", "assigned", "connecting", "connected", "on_hold", "switching"}},
	{"agent_wrote", func(s *Session, now time.Time) error { return s.AgentWrote(now) },
		[]string{"connected", "on_hold", "switching"}},
	{"join", func(s *Session, now time.Time) error { return s.Join("cy", "Cy", now) },
		[]string{"connected", "on_hold"}},
	{"leave", func(s *Session, now time.Time) error { return s.Leave("cy", now) },
		nil},
	{"requeue", func(s *Session, now time.Time) error { return s.Requeue(now) },
		[]string{"assigned", "connecting", "connected", "on_hold"}},
	{"transfer_queue", func(s *Session, now time.Time) error { return s.TransferToQueue("ana", "tier2", "Tier 2", "", now) },
		[]string{"assigned", "connecting", "connected", "on_hold"}},
	{"transfer_agent", func(s *Session, now time.Time) error { return s.TransferToAgent("ana", "cy", "Cy", "", now) },
		[]string{"connected", "on_hold"}},
	{"transfer_accepted", func(s *Session, now time.Time) error { return s.TransferAccepted(now) },
		[]string{"switching"}},
	{"transfer_refused", func(s *Session, now time.Time) error { return s.TransferRefused(now) },
		[]string{"switching"}},
	{"hold", func(s *Session, now time.Time) error { return s.Hold(now) },
		[]string{"connected", "switching"}},
	{"unhold", func(s *Session, now time.Time) error { return s.Unhold(now) },
		[]string{"on_hold"}},
	{"end", func(s *Session, now time.Time) error { return s.End(PartyCustomer, now) },
		[]string{"scheduled", "queued", "requeued", "assigned", "connecting", "connected", "on_hold", "switching"}},
	{"wrapup", func(s *Session, now time.Time) error { return s.Wrapup("sale", "", "", now) },
		[]string{"finished", "abandoned"}},
	{"wrapup_timeout", func(s *Session, now time.Time) error { return s.WrapupTimeout(now) },
		[]string{"finished", "abandoned"}},
	{"deflect", func(s *Session, now time.Time) error { return s.Deflect("max_wait", "", "", now) },
		[]string{"scheduled", "queued", "requeued"}},
	{"csat", func(s *Session, now time.Time) error { return s.SetCSAT(4, "", now) },
		[]string{"finished", "abandoned", "wrapped"}},
	{"set_customer", func(s *Session, now time.Time) error { return s.SetCustomer("v1", Contact{Name: "Pat"}, now) },
		[]string{"scheduled", "queued", "requeued", "assigned", "connecting", "connected", "on_hold", "switching"}},
	{"annotate", func(s *Session, now time.Time) error { return s.Annotate(ptr("n"), []string{"vip"}, nil, nil, now) },
		allFixtures()},
	{"verify_contact", func(s *Session, now time.Time) error { return s.VerifyContact("pat@example.com", "", now) },
		allFixtures()},
	{"add_page", func(s *Session, now time.Time) error { return s.AddPage("https://example.com/", "Home", now) },
		[]string{"scheduled", "queued", "requeued", "assigned", "connecting", "connected", "on_hold", "switching"}},
	{"agent_disconnected", func(s *Session, now time.Time) error { return s.SetAgentDisconnected(true, now) },
		[]string{"assigned", "connecting", "connected", "on_hold", "switching"}},
}

func allFixtures() []string {
	names := make([]string, 0, len(fixtures))
	for n := range fixtures {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TestTransitionMatrix runs every call in every fixture: legal ones succeed
// and stamp UpdatedAt; illegal ones return ErrIllegal and change nothing.
func TestTransitionMatrix(t *testing.T) {
	now := at(100)
	for _, op := range ops {
		for _, fx := range allFixtures() {
			t.Run(op.name+"/"+fx, func(t *testing.T) {
				s := fixture(t, fx)
				before := snapshot(t, s)
				err := op.call(s, now)
				if slices.Contains(op.legal, fx) {
					must(t, err)
					if !s.UpdatedAt.Equal(now) {
						t.Errorf("UpdatedAt = %v, want %v", s.UpdatedAt, now)
					}
					must(t, s.Validate())
					return
				}
				if !errors.Is(err, ErrIllegal) {
					t.Fatalf("err = %v, want ErrIllegal", err)
				}
				if after := snapshot(t, s); after != before {
					t.Fatalf("illegal call changed the session:\nbefore %s\nafter  %s", before, after)
				}
			})
		}
	}
}

// TestTransitionResults checks the state each legal transition leads to and
// the journey event it appends.
func TestTransitionResults(t *testing.T) {
	tests := []struct {
		op, from  string
		wantState State
		wantEvent string
	}{
		{"enqueue", "scheduled", StateQueued, EventRouted},
		{"enqueue", "requeued", StateRequeued, EventRouted},
		{"offered", "queued", StateQueued, EventOffered},
		{"declined", "queued", StateQueued, EventDeclined},
		{"missed", "requeued", StateRequeued, EventMissed},
		{"no_one_available", "queued", StateQueued, EventNoOneAvailable},
		{"assign", "queued", StateAssigned, EventAssigned},
		{"assign", "scheduled", StateAssigned, EventAssigned},
		{"connecting", "assigned", StateConnecting, EventConnecting},
		{"connect", "assigned", StateConnected, EventConnected},
		{"connect", "connecting", StateConnected, EventConnected},
		{"set_status", "connected", StateConnected, EventStatus},
		{"join", "connected", StateConnected, EventJoined},
		{"requeue", "connected", StateRequeued, EventRequeued},
		{"transfer_queue", "connected", StateRequeued, EventTransfer},
		{"transfer_agent", "connected", StateSwitching, EventTransfer},
		{"transfer_accepted", "switching", StateConnected, EventTransferAccepted},
		{"transfer_refused", "switching", StateConnected, EventTransferRefused},
		{"hold", "connected", StateConnected, EventHold},
		{"unhold", "on_hold", StateConnected, EventUnhold},
		{"end", "connected", StateFinished, EventEnded},
		{"end", "queued", StateFinished, EventAbandoned},
		{"wrapup", "finished", StateFinished, EventWrappedUp},
		{"deflect", "queued", StateDeflected, EventDeflected},
		{"csat", "wrapped", StateFinished, EventCSAT},
		{"verify_contact", "connected", StateConnected, EventVerified},
		{"add_page", "queued", StateQueued, EventPage},
		{"agent_disconnected", "connected", StateConnected, EventAgentDisconnected},
	}
	for _, tt := range tests {
		t.Run(tt.op+"/"+tt.from, func(t *testing.T) {
			s := fixture(t, tt.from)
			must(t, opByName(t, tt.op)(s, at(100)))
			if s.State != tt.wantState {
				t.Errorf("state = %s, want %s", s.State, tt.wantState)
			}
			if e := lastEvent(t, s); e.Event != tt.wantEvent || !e.At.Equal(at(100)) {
				t.Errorf("last event = %+v, want %s at %v", e, tt.wantEvent, at(100))
			}
		})
	}
}

func opByName(t *testing.T, name string) func(*Session, time.Time) error {
	t.Helper()
	for _, op := range ops {
		if op.name == name {
			return op.call
		}
	}
	t.Fatalf("no op %q", name)
	return nil
}

// TestInvalidArguments checks refusals for bad arguments in legal states:
// the right sentinel, and nothing changed.
func TestInvalidArguments(t *testing.T) {
	long := func(n int) string { return string(make([]byte, n+1)) }
	tests := []struct {
		name, from string
		call       func(s *Session, now time.Time) error
		want       error
	}{
		{"enqueue empty queue", "scheduled", func(s *Session, n time.Time) error { return s.Enqueue("", "", 1, n) }, ErrInvalid},
		{"enqueue priority 0", "scheduled", func(s *Session, n time.Time) error { return s.Enqueue("q", "", 0, n) }, ErrInvalid},
		{"enqueue priority 9", "scheduled", func(s *Session, n time.Time) error { return s.Enqueue("q", "", 9, n) }, ErrInvalid},
		{"offered empty agent", "queued", func(s *Session, n time.Time) error { return s.Offered("", "", n) }, ErrInvalid},
		{"assign empty agent", "queued", func(s *Session, n time.Time) error { return s.Assign("", "", n) }, ErrInvalid},
		{"set unknown status", "connected", func(s *Session, n time.Time) error { return s.SetStatus("busy", n) }, ErrInvalid},
		{"join twice", "connected", func(s *Session, n time.Time) error { return s.Join("ana", "Ana", n) }, ErrIllegal},
		{"leave assignee", "connected", func(s *Session, n time.Time) error { return s.Leave("ana", n) }, ErrIllegal},
		{"transfer to assignee", "connected", func(s *Session, n time.Time) error { return s.TransferToAgent("ana", "ana", "", "", n) }, ErrInvalid},
		{"transfer empty queue", "connected", func(s *Session, n time.Time) error { return s.TransferToQueue("ana", "", "", "", n) }, ErrInvalid},
		{"transfer long note", "connected", func(s *Session, n time.Time) error {
			return s.TransferToQueue("ana", "q", "", long(MaxCommentLen), n)
		}, ErrTooLong},
		{"hold twice", "on_hold", func(s *Session, n time.Time) error { return s.Hold(n) }, ErrIllegal},
		{"unhold not on hold", "connected", func(s *Session, n time.Time) error { return s.Unhold(n) }, ErrIllegal},
		{"end by nobody", "connected", func(s *Session, n time.Time) error { return s.End("bot", n) }, ErrInvalid},
		{"wrapup twice", "wrapped", func(s *Session, n time.Time) error { return s.Wrapup("again", "", "", n) }, ErrIllegal},
		{"wrapup empty code", "finished", func(s *Session, n time.Time) error { return s.Wrapup(" ", "", "", n) }, ErrInvalid},
		{"wrapup bad outcome", "finished", func(s *Session, n time.Time) error { return s.Wrapup("x", "", "great", n) }, ErrInvalid},
		{"wrapup long notes", "finished", func(s *Session, n time.Time) error { return s.Wrapup("x", long(MaxNotesLen), "", n) }, ErrTooLong},
		{"deflect no reason", "queued", func(s *Session, n time.Time) error { return s.Deflect("", "", "", n) }, ErrInvalid},
		{"csat 0", "finished", func(s *Session, n time.Time) error { return s.SetCSAT(0, "", n) }, ErrInvalid},
		{"csat 5", "finished", func(s *Session, n time.Time) error { return s.SetCSAT(5, "", n) }, ErrInvalid},
		{"csat long comment", "finished", func(s *Session, n time.Time) error { return s.SetCSAT(3, long(MaxCommentLen), n) }, ErrTooLong},
		{"annotate long notes", "connected", func(s *Session, n time.Time) error {
			return s.Annotate(ptr(long(MaxNotesLen)), []string{"a"}, nil, nil, n)
		}, ErrTooLong},
		{"annotate blank tag", "connected", func(s *Session, n time.Time) error { return s.Annotate(nil, []string{" "}, nil, nil, n) }, ErrInvalid},
		{"annotate bad utf8", "connected", func(s *Session, n time.Time) error { return s.Annotate(ptr("\xff"), nil, nil, nil, n) }, ErrInvalid},
		{"verify nothing", "connected", func(s *Session, n time.Time) error { return s.VerifyContact("", " ", n) }, ErrInvalid},
		{"verify bad email", "connected", func(s *Session, n time.Time) error { return s.VerifyContact("pat", "", n) }, ErrInvalid},
		{"verify bad phone", "connected", func(s *Session, n time.Time) error { return s.VerifyContact("", "call me", n) }, ErrInvalid},
		{"page without url", "queued", func(s *Session, n time.Time) error { return s.AddPage("", "", n) }, ErrInvalid},
		{"page long url", "queued", func(s *Session, n time.Time) error { return s.AddPage(long(MaxURLLen), "", n) }, ErrTooLong},
		{"customer long name", "queued", func(s *Session, n time.Time) error {
			return s.SetCustomer("v", Contact{Name: long(MaxNameLen)}, n)
		}, ErrTooLong},
		{"disconnect without agent", "queued", func(s *Session, n time.Time) error { return s.SetAgentDisconnected(true, n) }, ErrIllegal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixture(t, tt.from)
			before := snapshot(t, s)
			err := tt.call(s, at(100))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if after := snapshot(t, s); after != before {
				t.Fatalf("refused call changed the session:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func TestErrorNamesOperationAndState(t *testing.T) {
	s := fixture(t, "finished")
	err := s.End(PartyAgent, at(100))
	if want := "end s1 in state finished: session: illegal transition"; err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}
