package session

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/switchboardhq/switchboard/presence"
)

// call is one lifecycle call with arguments drawn by rapid, some of them
// invalid on purpose.
type call func(t *rapid.T, s *Session, now time.Time) error

func agentID(t *rapid.T, label string) string {
	return rapid.SampledFrom([]string{"ana", "ben", "cy", ""}).Draw(t, label)
}

func pick[E any](t *rapid.T, label string, es ...E) E { return rapid.SampledFrom(es).Draw(t, label) }

var calls = map[string]call{
	"enqueue": func(t *rapid.T, s *Session, now time.Time) error {
		return s.Enqueue(pick(t, "queue", "support", "sales", ""), "Q", rapid.IntRange(-1, 9).Draw(t, "priority"), now)
	},
	"offered":          func(t *rapid.T, s *Session, now time.Time) error { return s.Offered(agentID(t, "agent"), "A", now) },
	"declined":         func(t *rapid.T, s *Session, now time.Time) error { return s.Declined(agentID(t, "agent"), now) },
	"missed":           func(t *rapid.T, s *Session, now time.Time) error { return s.Missed(agentID(t, "agent"), now) },
	"no_one_available": func(t *rapid.T, s *Session, now time.Time) error { return s.NoOneAvailable(now) },
	"assign":           func(t *rapid.T, s *Session, now time.Time) error { return s.Assign(agentID(t, "agent"), "A B", now) },
	"connecting":       func(t *rapid.T, s *Session, now time.Time) error { return s.Connecting(now) },
	"connect":          func(t *rapid.T, s *Session, now time.Time) error { return s.Connect(now) },
	"set_status": func(t *rapid.T, s *Session, now time.Time) error {
		return s.SetStatus(pick(t, "status", StatusInProgress, StatusWaitingCustomer, StatusNeedsHelp, "busy"), now)
	},
	"visitor_wrote": func(t *rapid.T, s *Session, now time.Time) error { return s.VisitorWrote(now) },
	"agent_wrote":   func(t *rapid.T, s *Session, now time.Time) error { return s.AgentWrote(now) },
	"join":          func(t *rapid.T, s *Session, now time.Time) error { return s.Join(agentID(t, "agent"), "J", now) },
	"leave":         func(t *rapid.T, s *Session, now time.Time) error { return s.Leave(agentID(t, "agent"), now) },
	"requeue":       func(t *rapid.T, s *Session, now time.Time) error { return s.Requeue(now) },
	"transfer_queue": func(t *rapid.T, s *Session, now time.Time) error {
		return s.TransferToQueue(agentID(t, "from"), pick(t, "queue", "tier2", ""), "T2", "", now)
	},
	"transfer_agent": func(t *rapid.T, s *Session, now time.Time) error {
		return s.TransferToAgent(agentID(t, "from"), agentID(t, "to"), "To", "", now)
	},
	"transfer_accepted": func(t *rapid.T, s *Session, now time.Time) error { return s.TransferAccepted(now) },
	"transfer_refused":  func(t *rapid.T, s *Session, now time.Time) error { return s.TransferRefused(now) },
	"hold":              func(t *rapid.T, s *Session, now time.Time) error { return s.Hold(now) },
	"unhold":            func(t *rapid.T, s *Session, now time.Time) error { return s.Unhold(now) },
	"end": func(t *rapid.T, s *Session, now time.Time) error {
		return s.End(pick(t, "by", PartyCustomer, PartyAgent, PartySystem, "bot"), now)
	},
	"wrapup": func(t *rapid.T, s *Session, now time.Time) error {
		return s.Wrapup(pick(t, "code", "resolved", ""), "", pick(t, "outcome", "", OutcomeNoAnswer, "great"), now)
	},
	"wrapup_timeout": func(t *rapid.T, s *Session, now time.Time) error { return s.WrapupTimeout(now) },
	"deflect": func(t *rapid.T, s *Session, now time.Time) error {
		return s.Deflect(pick(t, "reason", DeflectNoOneAvailable, "after_hours_message_only", ""), "email", "", now)
	},
	"csat": func(t *rapid.T, s *Session, now time.Time) error {
		return s.SetCSAT(rapid.IntRange(-1, 6).Draw(t, "rating"), "", now)
	},
	"annotate": func(t *rapid.T, s *Session, now time.Time) error {
		var notes *string
		if rapid.Bool().Draw(t, "set_notes") {
			notes = ptr(pick(t, "notes", "", "n", "\xff"))
		}
		add := []string{pick(t, "add", "vip", "billing", " ")}
		return s.Annotate(notes, add, []string{pick(t, "remove", "vip", "x")}, nil, now)
	},
	"verify": func(t *rapid.T, s *Session, now time.Time) error {
		return s.VerifyContact(pick(t, "email", "", "pat@x.io", "bad"), pick(t, "phone", "", "+1 222", "abc"), now)
	},
	"set_customer": func(t *rapid.T, s *Session, now time.Time) error {
		return s.SetCustomer(pick(t, "visitor", "", "v1"), Contact{Name: "Pat", Email: "pat@x.io"}, now)
	},
	"page": func(t *rapid.T, s *Session, now time.Time) error {
		return s.AddPage(pick(t, "url", "", "https://example.com/"), "", now)
	},
	"agent_disconnected": func(t *rapid.T, s *Session, now time.Time) error {
		return s.SetAgentDisconnected(rapid.Bool().Draw(t, "flag"), now)
	},
}

// machine drives one session through random calls at random times, which
// may go backwards.
type machine struct {
	s   *Session
	now time.Time
}

// TestLifecycleProperties checks, over random sequences of calls: no panic,
// a refused call returns a sentinel error and changes nothing, the state is
// always a known code this package produces, journey times never go
// backwards, and the structural invariants below hold after every step.
func TestLifecycleProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := &machine{now: t0}
		m.s = New("s1", "default", rapid.SampledFrom(Channels()).Draw(t, "channel"), t0)
		actions := map[string]func(*rapid.T){"": m.check}
		for name, c := range calls {
			actions[name] = func(t *rapid.T) { m.step(t, c) }
		}
		t.Repeat(actions)
	})
}

func (m *machine) step(t *rapid.T, c call) {
	m.now = m.now.Add(time.Duration(rapid.IntRange(-5000, 120000).Draw(t, "dt_ms")) * time.Millisecond)
	before := snapshot(t, m.s)
	err := c(t, m.s, m.now)
	if err == nil {
		return
	}
	if !errors.Is(err, ErrIllegal) && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrTooLong) && !errors.Is(err, ErrTooMany) {
		t.Fatalf("error without a sentinel: %v", err)
	}
	if after := snapshot(t, m.s); after != before {
		t.Fatalf("refused call (%v) changed the session:\nbefore %s\nafter  %s", err, before, after)
	}
}

var produced = []State{StateScheduled, StateQueued, StateAssigned, StateConnecting, StateSwitching,
	StateConnected, StateFinished, StateDeflected, StateRequeued}

func (m *machine) check(t *rapid.T) {
	s := m.s
	if err := s.Validate(); err != nil {
		t.Fatalf("invalid session: %v", err)
	}
	if !containsState(produced, s.State) {
		t.Fatalf("state %s is not produced by this package", s.State)
	}
	checkAgent(t, s)
	checkConversation(t, s)
	checkTimes(t, s, m.now)
	checkViews(t, s, m.now)
}

func containsState(states []State, st State) bool {
	for _, x := range states {
		if x == st {
			return true
		}
	}
	return false
}

// checkAgent: an assignee exactly while assigned, connecting, connected,
// switching, and kept or not after the end; at most one open assignee
// record, and it is the assignee's.
func checkAgent(t *rapid.T, s *Session) {
	withAgent := containsState([]State{StateAssigned, StateConnecting, StateConnected, StateSwitching}, s.State)
	if withAgent != (s.Agent.ID != "") && !s.Finished() {
		t.Fatalf("state %s with agent %q", s.State, s.Agent.ID)
	}
	open := 0
	for _, p := range s.Participants {
		if p.Kind == KindAgent && p.Role == RoleAssignee && p.LeftAt.IsZero() {
			open++
			if p.ID != s.Agent.ID {
				t.Fatalf("open assignee record %q, agent %q", p.ID, s.Agent.ID)
			}
		}
	}
	if open > 1 || (withAgent && open != 1) {
		t.Fatalf("%d open assignee records in state %s", open, s.State)
	}
	if (s.TransferTo.ID != "") != (s.State == StateSwitching) {
		t.Fatalf("transfer_to %q in state %s", s.TransferTo.ID, s.State)
	}
}

// checkConversation: a status only while connected or switching; hold only
// on voice while connected or switching.
func checkConversation(t *rapid.T, s *Session) {
	talking := s.State == StateConnected || s.State == StateSwitching
	if (s.Status != "") != talking {
		t.Fatalf("status %q in state %s", s.Status, s.State)
	}
	if s.OnHold && (!talking || s.Media != presence.Voice) {
		t.Fatalf("on hold in state %s on %s", s.State, s.Media)
	}
	if s.Finished() && s.EndedAt.IsZero() {
		t.Fatalf("finished without ended_at")
	}
}

// checkTimes: durations are never negative and nothing is later than
// UpdatedAt.
func checkTimes(t *rapid.T, s *Session, now time.Time) {
	if s.HandleSeconds(now) < 0 || s.WaitSeconds(now) < 0 || s.HoldTotal(now) < 0 {
		t.Fatalf("negative duration")
	}
	if n := len(s.Journey); n > 0 && s.Journey[n-1].At.After(s.UpdatedAt) {
		t.Fatalf("journey after updated_at")
	}
	for _, tt := range []time.Time{s.QueuedAt, s.AssignedAt, s.ConnectedAt, s.EndedAt, s.WrappedAt} {
		if tt.After(s.UpdatedAt) || (!tt.IsZero() && tt.Before(s.CreatedAt)) {
			t.Fatalf("time %v outside created..updated", tt)
		}
	}
}

// checkViews: the JSON round trip is exact and every view encodes.
func checkViews(t *rapid.T, s *Session, now time.Time) {
	if back := roundTrip(t, s); !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", back, s)
	}
	for _, v := range []any{s.Card(now), s.Metadata(now), s.VisitorView()} {
		if _, err := json.Marshal(v); err != nil {
			t.Fatalf("encode %T: %v", v, err)
		}
	}
}
