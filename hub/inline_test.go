package hub

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/session"
)

// queued returns the frames waiting on s's channel (drain), and whether
// the channel is still open, without waiting.
func queued(s *Subscription) (frames []Frame, open bool) {
	frames = drain(s)
	select {
	case _, ok := <-s.C(): // drain stopped at its end: closed
		return frames, ok
	default:
		return frames, true
	}
}

func has(frames []Frame, typ string) bool {
	for _, f := range frames {
		if f.Type == typ {
			return true
		}
	}
	return false
}

func types(frames []Frame) (out []string) {
	for _, f := range frames {
		out = append(out, f.Type)
	}
	return out
}

// TestInlineHub follows an offer that times out through an inline hub: each
// command's frames are queued when Do returns, a deadline the clock passes
// fires in the next command's cycle, Close ends a subscription before it
// returns, and a failed commit stops the hub as it stops a running one.
func TestInlineHub(t *testing.T) {
	th := newTestHub(t, Config{Inline: true})
	if err := th.Run(context.Background()); err == nil {
		t.Fatal("Run accepted an inline hub")
	}
	if !th.Ready() {
		t.Fatal("an inline hub is not ready")
	}
	th.setup(QueueSpec{}, "ana", "ben")
	ana, ben := th.sub(Filter{Agent: "ana"}), th.sub(Filter{Agent: "ben"})
	id := th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1", Text: "hi"}).Session
	if got, _ := queued(ana); !has(got, FrameOffer) {
		t.Fatalf("ana has %v when StartSession returns, want an offer", types(got))
	}

	th.clock.Advance(21 * time.Second) // past the 20 s offer timeout
	if got, _ := queued(ana); len(got) > 0 {
		t.Fatalf("ana got %v with no command: nothing runs between commands", types(got))
	}
	card := th.do(GetCard{Session: id}).Card // its cycle fires the deadline first
	if got, _ := queued(ana); !has(got, FrameOfferRevoked) {
		t.Fatalf("ana has %v after the next command, want offer_revoked", types(got))
	}
	if got, _ := queued(ben); !has(got, FrameOffer) {
		t.Fatalf("ben has %v after the next command, want the offer", types(got))
	}
	if last := card.Journey[len(card.Journey)-1]; last.Event != "offered" || last.Agent != "ben" {
		t.Errorf("the card answered after the deadline ends with %+v, want the offer to ben", last)
	}

	ben.Close()
	if _, open := queued(ben); open || ben.Reason() != ReasonClosed {
		t.Fatalf("ben's subscription after Close: open %v, reason %q", open, ben.Reason())
	}

	th.store.FailWith(nil)
	_, err := th.Do(context.Background(), SetPresence{Agent: "ana", Status: 0})
	if err := isCode(err, CodeUnavailable); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(err, ErrFailed) {
		t.Errorf("error %v does not wrap ErrFailed", err)
	}
	select {
	case <-th.Stopped():
	default:
		t.Fatal("the inline hub did not stop when its commit failed")
	}
	if _, open := queued(ana); open || ana.Reason() != ReasonUnavailable {
		t.Errorf("ana's subscription after the failure: open %v, reason %q", open, ana.Reason())
	}
	if th.Ready() {
		t.Error("a failed inline hub is ready")
	}
	if code := th.doErr(GetCard{Session: id}); code != CodeUnavailable {
		t.Errorf("a command after the failure: %q, want unavailable", code)
	}
}
