package hub

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/poll"
	"github.com/switchboardhq/switchboard/router"
)

// stuckStore is a MemStore whose commits hang while stuck is set, like a
// disk that stopped answering.
type stuckStore struct {
	*MemStore
	stuck   atomic.Bool
	entered chan struct{}
	gate    chan struct{}
}

// runStuckHub runs a hub of cfg (on a manual clock) over a stuckStore
// until the test ends, and returns them with the hub's context.
func runStuckHub(t *testing.T, cfg Config) (*Hub, *stuckStore, context.Context) {
	t.Helper()
	st := &stuckStore{MemStore: NewMemStore(), entered: make(chan struct{}, 1), gate: make(chan struct{})}
	cfg.Clock, cfg.Store = NewManualClock(t0), st
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return h, st, ctx
}

func (s *stuckStore) Commit(b *Batch) error {
	if s.stuck.Load() {
		s.entered <- struct{}{}
		<-s.gate
	}
	return s.MemStore.Commit(b)
}

// TestStuckStoreRefusesWithUnavailable: while a commit hangs past
// StallTimeout, new commands are refused at once with unavailable (nothing
// piles up in the inbox), the hub reports not ready; when the store
// answers, the hung command is acknowledged and service resumes.
func TestStuckStoreRefusesWithUnavailable(t *testing.T) {
	h, st, ctx := runStuckHub(t, Config{InboxSize: 16, StallTimeout: 20 * time.Millisecond})
	put := func(id string) error {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_, err := h.Do(ctx, PutQueue{Spec: QueueSpec{Name: id, Queue: router.Queue{ID: id}}})
		return err
	}
	if err := put("q1"); err != nil {
		t.Fatal(err)
	}
	st.stuck.Store(true)
	hung := make(chan error, 1)
	go func() { hung <- put("q2") }()
	<-st.entered
	poll.Until(t, 5*time.Second, func() error {
		if h.Ready() {
			return errors.New("the hub does not see the stall")
		}
		return nil
	})

	for i := 0; i < 100; i++ { // far more than the inbox holds
		err := put("q3")
		if !errors.Is(err, ErrStalled) || CodeOf(err) != CodeUnavailable {
			t.Fatalf("command %d during the stall: %v, want unavailable (stalled)", i, err)
		}
		if err := h.Submit(PutQueue{Spec: QueueSpec{Name: "q4", Queue: router.Queue{ID: "q4"}}}, func(Reply, error) {
			t.Error("a refused Submit must not be answered")
		}); CodeOf(err) != CodeUnavailable {
			t.Fatalf("Submit during the stall: %v", err)
		}
	}
	if n := len(h.inbox); n != 0 {
		t.Fatalf("%d commands piled up in the inbox during the stall", n)
	}
	select {
	case err := <-hung:
		t.Fatalf("the hung command was answered (%v) before its commit returned", err)
	default:
	}

	st.stuck.Store(false)
	close(st.gate)
	if err := <-hung; err != nil {
		t.Fatalf("the hung command, once its commit returned: %v", err)
	}
	if !h.Ready() {
		t.Fatal("not ready after the store answered")
	}
	if err := put("q3"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"q1", "q2", "q3"} {
		if _, ok := st.Get(KindQueue, id); !ok {
			t.Errorf("queue %s not stored", id)
		}
	}
}

// TestSlowStoreInboxBounded: while a commit is slow (not yet taken for
// stuck), commands queue in the inbox up to InboxSize and the next ones
// are refused at once with rate_limited; the queued ones are all applied
// once the store answers.
func TestSlowStoreInboxBounded(t *testing.T) {
	const inbox = 8
	h, st, _ := runStuckHub(t, Config{InboxSize: inbox, StallTimeout: -1})
	q := func(id string) Command { return PutQueue{Spec: QueueSpec{Name: id, Queue: router.Queue{ID: id}}} }
	st.stuck.Store(true)
	answers := make(chan error, 2*inbox)
	if err := h.Submit(q("first"), func(_ Reply, err error) { answers <- err }); err != nil {
		t.Fatal(err)
	}
	<-st.entered // the loop is inside the slow commit
	queued, limited := 0, 0
	for i := 0; i < 10*inbox; i++ {
		err := h.Submit(q(fmt.Sprint("q", i)), func(_ Reply, err error) { answers <- err })
		switch {
		case err == nil:
			queued++
		case errors.Is(err, ErrInboxFull) && CodeOf(err) == CodeRateLimited:
			limited++
		default:
			t.Fatalf("submit %d: %v", i, err)
		}
	}
	if queued != inbox || limited != 9*inbox || len(h.inbox) != inbox {
		t.Fatalf("queued %d, rate limited %d, inbox %d: want %d queued, the rest limited", queued, limited, len(h.inbox), inbox)
	}
	st.stuck.Store(false)
	close(st.gate)
	for i := 0; i < 1+inbox; i++ {
		if err := <-answers; err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
	}
}
