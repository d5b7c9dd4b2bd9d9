package hub

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/session"
)

func TestChatFlow(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{WrapupCodes: []string{"solved", "unsolved"}}, "ana")
	agent := th.sub(Filter{Agent: "ana"})
	sup := th.sub(Filter{Supervisor: true})
	vis := th.sub(Filter{Visitor: "v1"})

	rep := th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1",
		Contact: session.Contact{Name: "Vera Visitor", Language: "en"}, Text: "hello", ClientID: "c1"})
	if rep.Session == "" || rep.Message != "1" || rep.Card == nil || rep.Card.StatusLabel != session.LabelWaiting {
		t.Fatalf("start reply %+v", rep)
	}
	id := rep.Session
	if f := next(t, vis, FrameQueued); f.str("position") != "1" {
		t.Errorf("queued %v", f)
	}
	offer := next(t, agent, FrameOffer)
	if offer.str("offer", "session") != id || offer.str("offer", "mode") != "manual" || offer.str("card", "session") != id {
		t.Fatalf("offer %v", offer)
	}
	if offer.str("offer", "expires_at") != "2026-03-02T10:00:20.000Z" {
		t.Errorf("expires_at %q", offer.str("offer", "expires_at"))
	}

	if r := th.do(Accept{Agent: "ana", Offer: offerID(t, offer)}); r.Session != id {
		t.Fatalf("accept reply %+v", r)
	}
	card := nextCard(t, agent, func(f frame) bool { return f.str("card", "state_name") == "connected" })
	if card.str("card", "color") != "blue" || card.str("card", "agent", "id") != "ana" {
		t.Errorf("connected card %v", card)
	}
	nextCard(t, sup, func(f frame) bool { return f.str("card", "state_name") == "connected" })
	if f := next(t, vis, FrameAgentJoined); f.str("name") != "Ana" {
		t.Errorf("agent_joined %v", f)
	}

	// Messages both ways reach both sides; the visitor never sees agent ids.
	if r := th.do(Send{Session: id, From: Party{Kind: session.KindAgent, ID: "ana"}, Text: "hi, how can I help?"}); r.Message != "2" {
		t.Fatalf("agent send %+v", r)
	}
	if f := next(t, agent, FrameMessage); f.str("message", "text") != "hi, how can I help?" || f.str("message", "from", "id") != "ana" {
		t.Errorf("agent sees %v", f)
	}
	if f := next(t, vis, FrameMessage); f.str("message", "from", "name") != "Ana" || f.str("message", "from", "id") != "" {
		t.Errorf("visitor sees %v", f)
	}
	th.do(visitorSend(id, "my order is late"))
	if f := next(t, agent, FrameMessage); f.str("message", "text") != "my order is late" || f.str("message", "from", "kind") != "visitor" {
		t.Errorf("agent sees %v", f)
	}
	if f := next(t, vis, FrameMessage); f.str("message", "text") != "my order is late" {
		t.Errorf("visitor sees %v", f)
	}

	// A repeated client id appends nothing.
	if r := th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v2", Text: "x", ClientID: "k"}); r.Message != "1" {
		t.Fatalf("second session %+v", r)
	}
	s1 := th.do(Send{Session: id, From: Party{Kind: session.KindVisitor, ID: "v1"}, Text: "again", ClientID: "c9"})
	s2 := th.do(Send{Session: id, From: Party{Kind: session.KindVisitor, ID: "v1"}, Text: "again", ClientID: "c9"})
	if s1.Message != "4" || s2.Message != "4" || !s2.Duplicate || s1.Duplicate {
		t.Errorf("idempotent send: %+v %+v", s1, s2)
	}
	if got := len(th.store.Messages(id)); got != 4 {
		t.Errorf("stored messages %d, want 4", got)
	}

	// The visitor ends: white card "Ended by customer".
	th.do(End{Session: id, By: Party{Kind: session.KindVisitor, ID: "v1"}})
	if f := next(t, vis, FrameEnded); f.str("by") != "customer" {
		t.Errorf("ended %v", f)
	}
	card = nextCard(t, agent, func(f frame) bool { return f.str("card", "state_name") == "finished" })
	if card.str("card", "color") != "white" || card.str("card", "status_label") != session.LabelEndedByCustomer {
		t.Errorf("ended card %v", card)
	}

	// Wrap-up: a code the queue does not list is refused; then gray.
	if c := th.doErr(Wrapup{Agent: "ana", Session: id, Code: "nope"}); c != CodeBadRequest {
		t.Errorf("bad code: %q", c)
	}
	if c := th.doErr(Wrapup{Agent: "ben", Session: id, Code: "solved"}); c != CodeForbidden {
		t.Errorf("other agent: %q", c)
	}
	th.do(Wrapup{Agent: "ana", Session: id, Code: "solved", Notes: "refund sent"})
	card = nextCard(t, agent, func(f frame) bool { return f.str("card", "wrapup_code") != "" })
	if card.str("card", "color") != "gray" || card.str("card", "status_label") != "solved" {
		t.Errorf("wrapped card %v", card)
	}

	// The final record is durable.
	raw, ok := th.store.Get(KindSession, id)
	if !ok {
		t.Fatal("session not stored")
	}
	var stored session.Session
	if err := json.Unmarshal(raw, &stored); err != nil {
		t.Fatal(err)
	}
	if stored.WrapupCode != "solved" || stored.EndedBy != session.PartyCustomer || stored.MessageCount != 4 {
		t.Errorf("stored %+v", stored)
	}
	// The wrapped-up session left memory; the agent's slot is free again.
	if c := th.doErr(GetCard{Session: id}); c != CodeNotFound {
		t.Errorf("wrapped-up session still open: %q", c)
	}
}

func TestOfferTimeoutGoesToNextAgent(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{}, "ana", "ben")
	ana := th.sub(Filter{Agent: "ana"})
	ben := th.sub(Filter{Agent: "ben"})
	id := th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1", Text: "hi"}).Session

	first := next(t, ana, FrameOffer) // ties go to the smallest id
	if first.str("offer", "session") != id {
		t.Fatalf("offer %v", first)
	}
	th.clock.Advance(19 * time.Second)
	th.clock.Advance(time.Second)
	if f := next(t, ana, FrameOfferRevoked); f.str("reason") != "timeout" || f.str("offer") != first.str("offer", "id") {
		t.Errorf("revoked %v", f)
	}
	second := next(t, ben, FrameOffer)
	if second.str("offer", "session") != id {
		t.Fatalf("second offer %v", second)
	}
	th.do(Accept{Agent: "ben", Offer: offerID(t, second)})
	card := th.do(GetCard{Session: id}).Card
	var events []string
	for _, e := range card.Journey {
		events = append(events, e.Event+":"+e.Agent)
	}
	want := []string{"routed:", "offered:ana", "missed:ana", "offered:ben", "assigned:ben", "connected:ben"}
	if len(events) != len(want) {
		t.Fatalf("journey %v, want %v", events, want)
	}
	for i := range want {
		if events[i] != want[i] {
			t.Fatalf("journey %v, want %v", events, want)
		}
	}
	if d := card.Journey[1].Detail; d == "" {
		t.Error("offer has no explanation")
	}
}

func TestWrapupTimeout(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{WrapupTimeout: 30 * time.Second}, "ana")
	agent := th.sub(Filter{Agent: "ana"})
	id := th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1", Text: "hi"}).Session
	th.do(Accept{Agent: "ana", Offer: offerID(t, next(t, agent, FrameOffer))})
	th.do(End{Session: id, By: Party{Kind: session.KindAgent, ID: "ana"}})
	card := nextCard(t, agent, func(f frame) bool { return f.str("card", "state_name") == "finished" })
	if card.str("card", "color") != "blue" || card.str("card", "status_label") != session.LabelWrapup {
		t.Errorf("agent-ended card %v", card)
	}
	th.clock.Advance(30 * time.Second)
	card = nextCard(t, agent, func(f frame) bool { return f.str("card", "wrapup_code") != "" })
	if card.str("card", "wrapup_code") != session.WrapupTimeoutCode || card.str("card", "color") != "gray" {
		t.Errorf("timed-out card %v", card)
	}
	// The slot is free: a new chat is offered to ana.
	th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v2", Text: "hi"})
	next(t, agent, FrameOffer)
}

func TestRefusals(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{}, "ana")
	for name, c := range map[string]struct {
		cmd  Command
		want Code
	}{
		"unknown queue":   {StartSession{Channel: session.WebChat, Queue: "nope"}, CodeNotFound},
		"unknown channel": {StartSession{Channel: "fax", Queue: "support"}, CodeBadRequest},
		"blank text":      {StartSession{Channel: session.WebChat, Queue: "support", Text: "  "}, CodeBadRequest},
		"queue no name":   {PutQueue{Spec: QueueSpec{}}, CodeBadRequest},
		"unknown agent":   {SetPresence{Agent: "zed"}, CodeNotFound},
		"busy status":     {SetPresence{Agent: "ana", Status: 3}, CodeBadRequest},
		"stale offer":     {Accept{Agent: "ana", Offer: 99}, CodeConflict},
		"unknown session": {End{Session: "x", By: Party{Kind: session.KindVisitor, ID: "v"}}, CodeNotFound},
	} {
		if got := th.doErr(c.cmd); got != c.want {
			t.Errorf("%s: code %q, want %q", name, got, c.want)
		}
	}
	id := th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1"}).Session
	if c := th.doErr(Send{Session: id, From: Party{Kind: session.KindVisitor, ID: "v2"}, Text: "x"}); c != CodeForbidden {
		t.Errorf("other visitor: %q", c)
	}
	if c := th.doErr(Send{Session: id, From: Party{Kind: session.KindAgent, ID: "ana"}, Text: "x"}); c != CodeForbidden {
		t.Errorf("agent not in session: %q", c)
	}
}
