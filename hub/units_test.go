package hub

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/minheap"

	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
)

func TestTimerHeapOrder(t *testing.T) {
	seed := rand.Uint64()
	rng := rand.New(rand.NewPCG(seed, 0))
	h := minheap.New(lessTimer)
	for i := range 200 {
		h.Push(timer{at: t0.Add(time.Duration(rng.IntN(50)) * time.Second), session: string(rune('a' + i%26))})
	}
	prev := h.Pop()
	for h.Len() > 0 {
		tm := h.Pop()
		if tm.at.Before(prev.at) || (tm.at.Equal(prev.at) && tm.session < prev.session) {
			t.Fatalf("seed %d: %v after %v", seed, tm, prev)
		}
		prev = tm
	}
}

func TestDeclineMovesOn(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{}, "ana", "ben")
	ana := th.sub(Filter{Agent: "ana"})
	ben := th.sub(Filter{Agent: "ben"})
	id := th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1"}).Session
	if r := th.do(Decline{Agent: "ana", Offer: offerID(t, next(t, ana, FrameOffer))}); r.Session != id {
		t.Errorf("decline reply %+v", r)
	}
	if f := next(t, ben, FrameOffer); f.str("offer", "session") != id {
		t.Errorf("offer %v", f)
	}
	for _, f := range drain(ana) {
		if f.Type == FrameOfferRevoked {
			t.Errorf("offer_revoked sent for the agent's own decline: %s", f.JSON)
		}
	}
}

// TestRealClock runs an offer timeout on the wall clock.
func TestRealClock(t *testing.T) {
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	th := &testHub{Hub: h, t: t}
	done := make(chan error, 1)
	ctx, cancel := contextWithCancel()
	go func() { done <- h.Run(ctx) }()
	defer func() { cancel(); <-done }()
	th.setup(QueueSpec{Queue: router.Queue{OfferTimeout: 30 * time.Millisecond}}, "ana", "ben")
	ben := th.sub(Filter{Agent: "ben"})
	th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1"})
	next(t, ben, FrameOffer) // after ana's offer expired
}

func TestQueueRecord(t *testing.T) {
	th := newTestHub(t, Config{})
	hours, err := router.ParseHours(nil, map[string][]string{"mon": {"09:00-17:00"}, "tue": {"13:30-24:00", "08:00-12:00"}})
	if err != nil {
		t.Fatal(err)
	}
	th.setup(QueueSpec{Queue: router.Queue{ID: "sales"}, Name: "Sales"})
	w := 0.25
	th.do(PutQueue{Spec: QueueSpec{Name: "Support", WrapupCodes: []string{"ok"}, WrapupTimeout: time.Minute,
		Queue: router.Queue{ID: "support", Hours: hours, LanguageWeight: &w, OfferTimeout: 15 * time.Second,
			Steps: []router.Step{{After: time.Minute, AddQueue: "sales"}}}}})
	raw, ok := th.store.Get(KindQueue, "support")
	if !ok {
		t.Fatal("queue not stored")
	}
	var rec queueRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Name != "Support" || rec.OfferTimeout != 15 || rec.WrapupTimeout != 60 || *rec.LanguageWeight != 0.25 ||
		len(rec.Steps) != 1 || rec.Steps[0].AddQueue != "sales" || rec.Hours == nil ||
		rec.Hours.Days["tue"][0] != "08:00-12:00" || rec.Hours.Days["tue"][1] != "13:30-24:00" {
		t.Errorf("record %s", raw)
	}
	for _, bad := range []QueueSpec{
		{Queue: router.Queue{ID: "q"}, Name: "Q", WrapupCodes: []string{" "}},
		{Queue: router.Queue{ID: "q"}, Name: "Q", WrapupTimeout: -1},
		{Queue: router.Queue{ID: "q", Priority: 9}, Name: "Q"},
		{Queue: router.Queue{ID: "q", Steps: []router.Step{{AddQueue: "nope"}}}, Name: "Q"},
	} {
		if c := th.doErr(PutQueue{Spec: bad}); c != CodeBadRequest && c != CodeNotFound {
			t.Errorf("%+v: code %q", bad, c)
		}
	}
}

func TestCodeOf(t *testing.T) {
	for err, want := range map[error]Code{
		nil:                        "",
		router.ErrNotFound:         CodeNotFound,
		router.ErrInUse:            CodeConflict,
		session.ErrIllegal:         CodeConflict,
		session.ErrTooLong:         CodeBadRequest,
		errorf(CodeForbidden, "x"): CodeForbidden,
		ErrInjected:                CodeInternal,
		contextCanceledForTest():   CodeUnavailable,
	} {
		if got := CodeOf(err); got != want {
			t.Errorf("CodeOf(%v) = %q, want %q", err, got, want)
		}
	}
	if e := errorf(CodeConflict, "busy %d", 1); e.Error() != "hub: conflict: busy 1" {
		t.Errorf("Error() = %q", e.Error())
	}
}
