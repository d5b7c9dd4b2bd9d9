package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/leakcheck"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
)

// TestMain fails the run when goroutines outlive the tests.
func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m, leakcheck.Config{})) }

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// testHub is a running hub on a manual clock with a MemStore; or, with
// cfg.Inline, a hub that runs each command on the test's goroutine.
type testHub struct {
	*Hub
	t     testing.TB
	clock *ManualClock
	store *MemStore
	done  chan error
	stop  context.CancelFunc
}

func newTestHub(t testing.TB, cfg Config) *testHub {
	t.Helper()
	th := &testHub{t: t, clock: NewManualClock(t0), store: NewMemStore(), done: make(chan error, 1)}
	cfg.Clock, cfg.Store = th.clock, th.store
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	th.Hub = h
	if cfg.Inline {
		th.stop = func() {}
		close(th.done)
		return th
	}
	ctx, cancel := context.WithCancel(context.Background())
	th.stop = cancel
	go func() { th.done <- h.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-th.done:
		case <-time.After(5 * time.Second):
			t.Error("hub did not stop")
		}
	})
	return th
}

// do runs cmd and fails the test on error.
func (th *testHub) do(cmd Command) Reply {
	th.t.Helper()
	rep, err := th.Do(context.Background(), cmd)
	if err != nil {
		th.t.Fatalf("%T: %v", cmd, err)
	}
	return rep
}

// doErr runs cmd and returns its error code.
func (th *testHub) doErr(cmd Command) Code {
	th.t.Helper()
	_, err := th.Do(context.Background(), cmd)
	return CodeOf(err)
}

func (th *testHub) sub(f Filter) *Subscription {
	th.t.Helper()
	s, err := th.Subscribe(context.Background(), f)
	if err != nil {
		th.t.Fatal(err)
	}
	th.t.Cleanup(s.Close)
	return s
}

// setup puts queue "support" (manual, single) and the given agents, each
// connected and available with chat capacity 2.
func (th *testHub) setup(spec QueueSpec, agents ...string) {
	th.t.Helper()
	if spec.ID == "" {
		spec.ID = "support"
	}
	if spec.Name == "" {
		spec.Name = "Support"
	}
	th.do(PutQueue{Spec: spec})
	for _, a := range agents {
		name := strings.ToUpper(a[:1]) + a[1:] + " Example"
		th.do(PutAgent{Profile: presence.Profile{ID: a, Name: name, Languages: presence.Languages{Primary: "en"},
			Capacity: presence.Capacity{presence.Voice: 1, presence.Chat: 2, presence.Email: 2}}, Queues: []string{spec.ID}})
		th.do(AgentConnect{Agent: a})
		th.do(SetPresence{Agent: a, Status: presence.Available})
	}
}

// frame is a decoded frame for assertions.
type frame map[string]any

func (f frame) str(path ...string) string {
	var v any = map[string]any(f)
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[p]
	}
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmt.Sprint(x)
	case bool:
		return fmt.Sprint(x)
	}
	return ""
}

// next returns the next frame of type typ on s, skipping others, or fails
// after a deadline.
func next(t testing.TB, s *Subscription, typ string) frame {
	t.Helper()
	f := nextRaw(t, s, typ)
	var out frame
	if err := json.Unmarshal(f.JSON, &out); err != nil {
		t.Fatalf("frame %s: %v", f.JSON, err)
	}
	if out.str("type") != typ {
		t.Fatalf("frame type %q, JSON %s", f.Type, f.JSON)
	}
	return out
}

// nextRaw is next without the decoding.
func nextRaw(t testing.TB, s *Subscription, typ string) Frame {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case f, ok := <-s.C():
			if !ok {
				t.Fatalf("subscription closed (%s) waiting for %s", s.Reason(), typ)
			}
			if f.Type == typ {
				return f
			}
		case <-timeout:
			t.Fatalf("no %s frame", typ)
		}
	}
}

// nextCard returns the next card frame on s for which ok is true.
func nextCard(t testing.TB, s *Subscription, ok func(frame) bool) frame {
	t.Helper()
	for {
		f := next(t, s, FrameCard)
		if ok(f) {
			return f
		}
	}
}

// drain returns the frames queued on s now.
func drain(s *Subscription) []Frame {
	var out []Frame
	for {
		select {
		case f, ok := <-s.C():
			if !ok {
				return out
			}
			out = append(out, f)
		default:
			return out
		}
	}
}

func offerID(t testing.TB, f frame) router.OfferID {
	t.Helper()
	id, err := ParseOfferID(f.str("offer", "id"))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func visitorSend(id, text string) Send {
	return Send{Session: id, From: Party{Kind: session.KindVisitor, ID: "v1"}, Text: text}
}

func isCode(err error, c Code) error {
	if got := CodeOf(err); got != c {
		return fmt.Errorf("code %q, want %q (%v)", got, c, err)
	}
	return nil
}

var errNotYet = errors.New("not yet")

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

func contextCanceledForTest() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx.Err()
}
