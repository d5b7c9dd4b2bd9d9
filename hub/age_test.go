package hub

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/session"
)

// A frame a command emits carries how long ago the command reached the
// hub; one a timer emits carries nothing.
func TestFrameAge(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{}, "ana", "ben")
	ana := th.sub(Filter{Agent: "ana"})
	ben := th.sub(Filter{Agent: "ben"})

	before := time.Now()
	th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1", Text: "hi"})
	offer := nextRaw(t, ana, FrameOffer)
	age, ok := offer.Age()
	if !ok || age <= 0 || age > time.Since(before) {
		t.Fatalf("offer caused by StartSession: age %v, %v; at most %v", age, ok, time.Since(before))
	}
	// The age grows with the frame's wait.
	time.Sleep(5 * time.Millisecond)
	if later, _ := offer.Age(); later < age+5*time.Millisecond {
		t.Errorf("age %v, 5 ms later %v", age, later)
	}

	// The offer times out: the revocation and the next offer are the
	// timer's.
	th.clock.Advance(20 * time.Second)
	if f := nextRaw(t, ana, FrameOfferRevoked); func() bool { _, ok := f.Age(); return ok }() {
		t.Error("the timer's revocation has an age")
	}
	if f := nextRaw(t, ben, FrameOffer); func() bool { _, ok := f.Age(); return ok }() {
		t.Error("the timer's second offer has an age")
	}
	// A snapshot frame is no command's.
	if _, ok := (Frame{Type: FrameCard}).Age(); ok {
		t.Error("a frame made outside the loop has an age")
	}
}
