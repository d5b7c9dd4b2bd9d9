package hub

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/poll"

	"github.com/switchboardhq/switchboard/session"
)

func TestCommitFailureFailsTheHub(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{}, "ana")
	agent := th.sub(Filter{Agent: "ana"})
	commits := th.store.Commits()
	th.store.FailWith(nil)

	_, err := th.Do(context.Background(), StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1", Text: "hi"})
	if err := isCode(err, CodeUnavailable); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(err, ErrFailed) {
		t.Errorf("error %v does not wrap ErrFailed", err)
	}
	// No event of the failed batch went out: the agent's subscription is
	// closed with no offer in it.
	for _, f := range drainClosed(t, agent) {
		if f.Type == FrameOffer {
			t.Errorf("offer released after a failed commit: %s", f.JSON)
		}
	}
	if agent.Reason() != ReasonUnavailable {
		t.Errorf("reason %q", agent.Reason())
	}
	select {
	case err := <-th.done:
		if !errors.Is(err, ErrFailed) || !errors.Is(err, ErrInjected) {
			t.Errorf("Run returned %v", err)
		}
		th.done <- err // for Cleanup
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	// Everything later is refused, at once.
	_, err = th.Do(context.Background(), SetPresence{Agent: "ana", Status: 0})
	if err := isCode(err, CodeUnavailable); err != nil {
		t.Error(err)
	}
	if th.store.Commits() != commits {
		t.Errorf("commits %d, want %d", th.store.Commits(), commits)
	}
}

// drainClosed reads s until it is closed and returns what it held.
func drainClosed(t *testing.T, s *Subscription) []Frame {
	t.Helper()
	var out []Frame
	timeout := time.After(5 * time.Second)
	for {
		select {
		case f, ok := <-s.C():
			if !ok {
				return out
			}
			out = append(out, f)
		case <-timeout:
			t.Fatal("subscription not closed")
		}
	}
}

func TestSlowConsumerIsCutOff(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{})
	slow := th.sub(Filter{Supervisor: true, Queue: 2})
	fast := th.sub(Filter{Supervisor: true, Queue: 1000})
	for i := range 5 {
		th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: fmt.Sprint("v", i), Text: "hi"})
	}
	if n := len(drainClosed(t, slow)); n != 2 {
		t.Errorf("slow subscriber got %d frames before the cut, want 2", n)
	}
	if slow.Reason() != ReasonSlowConsumer {
		t.Errorf("reason %q", slow.Reason())
	}
	// The loop goes on and the others lose nothing.
	th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v9", Text: "hi"})
	cards := 0
	for _, f := range drain(fast) {
		if f.Type == FrameCard {
			cards++
		}
	}
	if cards != 6 {
		t.Errorf("fast subscriber got %d cards, want 6", cards)
	}
}

func TestFullInboxAnswersAtOnce(t *testing.T) {
	h, err := New(Config{InboxSize: 1, Clock: NewManualClock(t0)}) // not running: nothing drains the inbox
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := h.Do(ctx, GetCard{Session: "x"})
		first <- err
	}()
	poll.Until(t, 5*time.Second, func() error {
		if len(h.inbox) != 1 {
			return errNotYet
		}
		return nil
	})
	start := time.Now()
	_, err = h.Do(context.Background(), GetCard{Session: "y"})
	if err := isCode(err, CodeRateLimited); err != nil {
		t.Error(err)
	}
	if !errors.Is(err, ErrInboxFull) {
		t.Errorf("%v does not wrap ErrInboxFull", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("full inbox answered after %v", d)
	}
	cancel()
	if err := isCode(<-first, CodeUnavailable); err != nil {
		t.Error(err)
	}
}

func TestEventEncodedOnce(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{}, "ana")
	agent := th.sub(Filter{Agent: "ana"})
	sup1 := th.sub(Filter{Supervisor: true})
	sup2 := th.sub(Filter{Supervisor: true, Agent: "ana"}) // both roles: one copy
	id := th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1", Text: "hi"}).Session
	th.do(Accept{Agent: "ana", Offer: offerID(t, next(t, agent, FrameOffer))})
	th.do(GetCard{Session: id}) // a barrier: everything before it was released

	last := func(s *Subscription) Frame {
		var card Frame
		n := 0
		for _, f := range drain(s) {
			if f.Type == FrameCard {
				card = f
				n++
			}
		}
		if n == 0 {
			t.Fatal("no card")
		}
		return card
	}
	a, b, c := last(agent), last(sup1), last(sup2)
	if &a.JSON[0] != &b.JSON[0] || &b.JSON[0] != &c.JSON[0] {
		t.Error("the same card was encoded more than once")
	}
}

func TestShutdownAndClose(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{}, "ana")
	closed := th.sub(Filter{Agent: "ana"})
	open := th.sub(Filter{Agent: "ana"})
	closed.Close()
	drainClosed(t, closed)
	if closed.Reason() != ReasonClosed {
		t.Errorf("reason %q", closed.Reason())
	}
	th.stop()
	drainClosed(t, open)
	if open.Reason() != ReasonShutdown {
		t.Errorf("reason %q", open.Reason())
	}
	_, err := th.Do(context.Background(), GetCard{Session: "x"})
	if err := isCode(err, CodeUnavailable); err != nil {
		t.Error(err)
	}
	if !errors.Is(err, ErrStopped) {
		t.Errorf("%v does not wrap ErrStopped", err)
	}
}

// panicky is a command with a bug.
type panicky struct{}

func (panicky) apply(*Hub, time.Time) (Reply, error) { panic("bug") }

func TestPanicFailsTheHub(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{}, "ana")
	commits := th.store.Commits()
	if c := th.doErr(panicky{}); c != CodeInternal {
		t.Errorf("panicking command: %q", c)
	}
	if c := th.doErr(GetCard{Session: "x"}); c != CodeUnavailable {
		t.Errorf("after the panic: %q", c)
	}
	if err := <-th.done; !errors.Is(err, ErrFailed) {
		t.Errorf("Run returned %v", err)
	} else {
		th.done <- err
	}
	if th.store.Commits() != commits {
		t.Error("a panicking cycle was committed")
	}
}
