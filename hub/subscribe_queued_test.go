package hub

import (
	"context"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
)

// SubscribeQueued returns while the loop is busy (here: a commit that
// hangs), where Subscribe waits for it; the subscription still takes effect
// before the commands submitted after it, and gets their frames.
func TestSubscribeQueuedDoesNotWait(t *testing.T) {
	h, st, ctx := runStuckHub(t, Config{StallTimeout: -1})
	if _, err := h.Do(ctx, PutQueue{Spec: QueueSpec{Name: "Support", Queue: router.Queue{ID: "support"}}}); err != nil {
		t.Fatal(err)
	}
	st.stuck.Store(true)
	answered := make(chan error, 2)
	if err := h.Submit(PutQueue{Spec: QueueSpec{Name: "Sales", Queue: router.Queue{ID: "sales"}}},
		func(_ Reply, err error) { answered <- err }); err != nil {
		t.Fatal(err)
	}
	<-st.entered // the loop hangs in the commit

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := h.Subscribe(short, Filter{Visitor: "v0"}); CodeOf(err) != CodeUnavailable {
		t.Fatalf("Subscribe behind a hung commit: %v, want it to wait and time out", err)
	}
	s, err := h.SubscribeQueued(Filter{Visitor: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := h.Submit(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1", Text: "hi"},
		func(_ Reply, err error) { answered <- err }); err != nil {
		t.Fatal(err)
	}
	st.stuck.Store(false)
	st.gate <- struct{}{}
	for range 2 {
		if err := <-answered; err != nil {
			t.Fatal(err)
		}
	}
	next(t, s, FrameQueued) // the session the visitor started after subscribing

	if _, err := h.SubscribeQueued(Filter{Supervisor: true, For: "sam"}); CodeOf(err) != CodeBadRequest {
		t.Errorf("a queued supervisor feed: %v", err)
	}
}
