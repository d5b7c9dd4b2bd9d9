package hub

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/fifo"
	"github.com/switchboardhq/switchboard/internal/poll"
	"github.com/switchboardhq/switchboard/session"
)

// popAll pops everything a pulled subscription holds, and whether it is
// still open.
func popAll(s *Subscription) ([]Frame, bool) { return s.Pop(nil, 0) }

// wakeOn is a Filter.Wake that signals ch (buffered) without waiting.
func wakeOn(ch chan struct{}) func() {
	return func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// A pulled subscription gets the same frames as a channel one, in order,
// and calls its Wake.
func TestPulledSubscriptionGetsFrames(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{})
	wake := make(chan struct{}, 1)
	pulled := th.sub(Filter{Supervisor: true, Wake: wakeOn(wake)})
	ch := th.sub(Filter{Supervisor: true})
	if pulled.C() != nil {
		t.Fatal("a pulled subscription has a channel")
	}
	for i := range 3 {
		th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: fmt.Sprint("v", i), Text: "hi"})
	}
	select {
	case <-wake:
	default:
		t.Fatal("no wake-up")
	}
	want := drain(ch)
	first, ok := pulled.Pop(nil, 1)
	rest, ok2 := popAll(pulled)
	got := append(first, rest...)
	if !ok || !ok2 || len(first) != 1 || len(got) != len(want) || len(want) == 0 {
		t.Fatalf("popped %d (first %d), want %d; open %v %v", len(got), len(first), len(want), ok, ok2)
	}
	for i := range want {
		if string(got[i].JSON) != string(want[i].JSON) {
			t.Fatalf("frame %d: %s, want %s", i, got[i].JSON, want[i].JSON)
		}
	}
	if more, ok := popAll(pulled); len(more) != 0 || !ok {
		t.Errorf("empty pop: %d frames, open %v", len(more), ok)
	}
	pulled.Close()
	waitEnded(t, pulled, ReasonClosed)
}

// A subscription with Filter.Wake is a pulled one: the hub calls Wake
// (from its loop) whenever it queued frames, and when it ended it.
func TestWakeSubscription(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{})
	var wakes atomic.Int32
	s := th.sub(Filter{Supervisor: true, Wake: func() { wakes.Add(1) }})
	if s.C() != nil {
		t.Fatal("a subscription with Wake has a channel")
	}
	th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1", Text: "hi"})
	n := wakes.Load()
	if n == 0 {
		t.Fatal("no wake-up for the frames queued")
	}
	if got, ok := popAll(s); !ok || len(got) == 0 {
		t.Fatalf("popped %d frames, open %v", len(got), ok)
	}
	s.Close()
	poll.Until(t, 5*time.Second, func() error {
		if wakes.Load() == n {
			return errors.New("no wake-up for the end")
		}
		return nil
	})
	waitEnded(t, s, ReasonClosed)
}

// A pulled subscription is cut off once Queue frames wait, like a channel
// one; frames queued before the cut may still be popped.
func TestPulledSlowConsumerIsCutOff(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{})
	wake := make(chan struct{}, 1)
	slow := th.sub(Filter{Supervisor: true, Queue: 2, Wake: wakeOn(wake)})
	for i := range 5 {
		th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: fmt.Sprint("v", i), Text: "hi"})
	}
	got, ok := popAll(slow)
	if len(got) != 2 {
		t.Errorf("slow subscriber got %d frames before the cut, want 2", len(got))
	}
	if ok {
		if got, ok = popAll(slow); ok || len(got) != 0 {
			t.Fatalf("still open after the cut (%d more frames)", len(got))
		}
	}
	if slow.Reason() != ReasonSlowConsumer {
		t.Errorf("reason %q", slow.Reason())
	}
}

// Popping frees the queue: a consumer that keeps up is never cut off,
// whatever the number of frames, and an emptied queue keeps little.
func TestPulledQueueBoundsWaitingFrames(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{})
	wake := make(chan struct{}, 1)
	s := th.sub(Filter{Supervisor: true, Queue: 3, Wake: wakeOn(wake)})
	n := 0
	for i := range 10 {
		th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: fmt.Sprint("v", i), Text: "hi"})
		for {
			got, ok := s.Pop(nil, 1)
			if !ok {
				t.Fatalf("cut off after %d frames: %s", n, s.Reason())
			}
			if len(got) == 0 {
				break
			}
			n++
		}
	}
	if n < 10 {
		t.Errorf("%d frames", n)
	}
	s.mu.Lock()
	c := s.q.Cap()
	s.mu.Unlock()
	if c > fifo.ShrinkAbove {
		t.Errorf("idle queue holds %d slots", c)
	}
}

func waitEnded(t *testing.T, s *Subscription, reason string) {
	t.Helper()
	poll.Until(t, 5*time.Second, func() error {
		if _, ok := popAll(s); ok {
			return errors.New("subscription not ended")
		}
		return nil
	})
	if s.Reason() != reason {
		t.Errorf("reason %q, want %q", s.Reason(), reason)
	}
}
