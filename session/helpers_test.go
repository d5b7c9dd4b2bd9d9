package session

import (
	"encoding/json"
	"time"
)

// t0 is the fixed creation time of every test session.
var t0 = time.Date(2025, 3, 1, 9, 42, 1, 0, time.UTC)

// at returns t0 plus sec seconds.
func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

// tb is what the helpers need of *testing.T and *rapid.T.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
}

// snapshot returns the session's stored form.
func snapshot(t tb, s *Session) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("marshal session: %v", err)
	}
	return string(b)
}

// must fails the test on err.
func must(t tb, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// fixtures build sessions in every state the package produces; each step is
// one second after the previous, starting at t0+1s. Voice, so that hold is
// legal.
var fixtures = map[string]func(t tb) *Session{
	"scheduled":  func(t tb) *Session { return New("s1", "default", VoiceInbound, t0) },
	"queued":     func(t tb) *Session { return steps(t, VoiceInbound, "queue") },
	"assigned":   func(t tb) *Session { return steps(t, VoiceInbound, "queue", "assign") },
	"connecting": func(t tb) *Session { return steps(t, VoiceInbound, "queue", "assign", "connecting") },
	"connected":  func(t tb) *Session { return steps(t, VoiceInbound, "queue", "assign", "connect") },
	"on_hold":    func(t tb) *Session { return steps(t, VoiceInbound, "queue", "assign", "connect", "hold") },
	"switching":  func(t tb) *Session { return steps(t, VoiceInbound, "queue", "assign", "connect", "transfer") },
	"requeued":   func(t tb) *Session { return steps(t, VoiceInbound, "queue", "assign", "connect", "requeue") },
	"finished":   func(t tb) *Session { return steps(t, VoiceInbound, "queue", "assign", "connect", "end_agent") },
	"abandoned":  func(t tb) *Session { return steps(t, VoiceInbound, "queue", "end_customer") },
	"wrapped": func(t tb) *Session {
		return steps(t, VoiceInbound, "queue", "assign", "connect", "end_agent", "wrapup")
	},
	"deflected": func(t tb) *Session { return steps(t, VoiceInbound, "queue", "deflect") },
}

// stepFuncs are the named steps the fixtures are made of.
var stepFuncs = map[string]func(s *Session, now time.Time) error{
	"queue":        func(s *Session, now time.Time) error { return s.Enqueue("support", "Support", 4, now) },
	"assign":       func(s *Session, now time.Time) error { return s.Assign("ana", "Ana Ruiz", now) },
	"connecting":   func(s *Session, now time.Time) error { return s.Connecting(now) },
	"connect":      func(s *Session, now time.Time) error { return s.Connect(now) },
	"hold":         func(s *Session, now time.Time) error { return s.Hold(now) },
	"transfer":     func(s *Session, now time.Time) error { return s.TransferToAgent("ana", "ben", "Ben Ode", "", now) },
	"requeue":      func(s *Session, now time.Time) error { return s.Requeue(now) },
	"end_agent":    func(s *Session, now time.Time) error { return s.End(PartyAgent, now) },
	"end_customer": func(s *Session, now time.Time) error { return s.End(PartyCustomer, now) },
	"wrapup":       func(s *Session, now time.Time) error { return s.Wrapup("resolved", "", "", now) },
	"deflect":      func(s *Session, now time.Time) error { return s.Deflect("after_hours_message_only", "email", "", now) },
}

// steps builds a session of channel ch by running the named steps.
func steps(t tb, ch Channel, names ...string) *Session {
	t.Helper()
	s := New("s1", "default", ch, t0)
	for i, n := range names {
		f, ok := stepFuncs[n]
		if !ok {
			t.Fatalf("no step %q", n)
		}
		must(t, f(s, at(float64(i+1))))
	}
	return s
}

// fixture returns a fresh session from the named fixture.
func fixture(t tb, name string) *Session {
	t.Helper()
	f, ok := fixtures[name]
	if !ok {
		t.Fatalf("no fixture %q", name)
	}
	return f(t)
}

// lastEvent returns the last journey event.
func lastEvent(t tb, s *Session) Event {
	t.Helper()
	if len(s.Journey) == 0 {
		t.Fatalf("empty journey")
	}
	return s.Journey[len(s.Journey)-1]
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// fullSession is a voice call that went through most of the lifecycle:
// offered, declined, assigned, connected, held, verified, annotated,
// transferred to another agent, ended by the customer, wrapped up and rated.
func fullSession(t tb) *Session {
	t.Helper()
	s := New("01JNQ8ZK3F", "default", VoiceInbound, t0)
	s.Subject = "Billing question"
	for _, f := range []func() error{
		func() error {
			return s.SetCustomer("v-77", Contact{Name: "Pat Doe", Email: "pat@example.com", Phone: "+1 222 333 4444", Country: "US", Language: "en"}, at(0.5))
		},
		func() error { return s.Enqueue("billing", "Billing", 3, at(1)) },
		func() error {
			return s.OfferedReason("ana", "Ana Ruiz", "score 0.25 (load 0.25, language 0); runner-up ben 0.5; 2 eligible", at(2))
		},
		func() error { return s.Declined("ana", at(4)) },
		func() error { return s.Offered("ben", "Ben Ode", at(5)) },
		func() error { return s.Assign("ben", "Ben Ode", at(6.5)) },
		func() error { return s.Connecting(at(7)) },
		func() error { return s.Connect(at(9)) },
		func() error { return s.Hold(at(60)) },
		func() error { return s.Unhold(at(83)) },
		func() error { return s.VerifyContact("pat@example.com", "", at(90)) },
		func() error {
			return s.Annotate(ptr("Wants a refund"), []string{"refund"}, nil, []string{"billing"}, at(95))
		},
		func() error { return s.TransferToAgent("ben", "cy", "Cy Lee", "refund approval", at(120)) },
		func() error { return s.TransferAccepted(at(130)) },
		func() error { return s.End(PartyCustomer, at(245)) },
		func() error { return s.Wrapup("refund_issued", "Refund of 20 EUR approved.", "", at(275)) },
		func() error { return s.SetCSAT(4, "Excelente trabajo. Me encanta mi agente.", at(300)) },
	} {
		must(t, f())
	}
	return s
}
