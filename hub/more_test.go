package hub

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
)

func TestAutoAccept(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{Queue: router.Queue{AcceptMode: router.Auto}}, "ana")
	agent := th.sub(Filter{Agent: "ana"})
	rep := th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1", Text: "hi"})
	if rep.Card.StateName != "connected" || rep.Card.Agent == nil || rep.Card.Agent.ID != "ana" {
		t.Errorf("card %+v", rep.Card)
	}
	if f := next(t, agent, FrameOffer); f.str("offer", "mode") != "auto" || f.str("card", "state_name") != "connected" {
		t.Errorf("offer %v", f)
	}
	if f := next(t, agent, FramePresence); f.str("load", "chat", "active") != "1" {
		t.Errorf("presence %v", f)
	}
}

func TestDeflection(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{Queue: router.Queue{DeflectNoAgents: true}, DeflectMessage: "We are closed; leave a message."})
	vis := th.sub(Filter{Visitor: "v1"})
	rep := th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1", Text: "hi"})
	if rep.Card.StateName != "deflected" || rep.Card.Outcome != session.OutcomeNoOneAvailable {
		t.Errorf("card %+v", rep.Card)
	}
	if f := next(t, vis, FrameDeflected); f.str("reason") != "no_one_available" || f.str("message") == "" {
		t.Errorf("deflected %v", f)
	}
	if c := th.doErr(GetCard{Session: rep.Session}); c != CodeNotFound {
		t.Errorf("deflected session still open: %q", c)
	}
	if _, ok := th.store.Get(KindSession, rep.Session); !ok {
		t.Error("deflected session not stored")
	}
}

func TestAbandonRevokesOffer(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{}, "ana")
	agent := th.sub(Filter{Agent: "ana"})
	id := th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1", Text: "hi"}).Session
	offer := next(t, agent, FrameOffer)
	th.do(End{Session: id, By: Party{Kind: session.KindVisitor, ID: "v1"}})
	if f := next(t, agent, FrameOfferRevoked); f.str("reason") != "abandoned" || f.str("offer") != offer.str("offer", "id") {
		t.Errorf("revoked %v", f)
	}
	if c := th.doErr(Accept{Agent: "ana", Offer: offerID(t, offer)}); c != CodeConflict {
		t.Errorf("accept after abandon: %q", c)
	}
}

func TestAgentDisconnectGrace(t *testing.T) {
	th := newTestHub(t, Config{Router: router.Config{Grace: 10 * time.Second}})
	th.setup(QueueSpec{}, "ana")
	sup := th.sub(Filter{Supervisor: true})
	agent := th.sub(Filter{Agent: "ana"})
	id := th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1", Text: "hi"}).Session
	th.do(Accept{Agent: "ana", Offer: offerID(t, next(t, agent, FrameOffer))})
	th.do(AgentDisconnect{Agent: "ana"})
	th.clock.Advance(10 * time.Second)
	f := next(t, agent, FramePresence)
	for f.str("status") == "available" {
		f = next(t, agent, FramePresence)
	}
	if f.str("status") != "offline" || f.str("reason") != "disconnected" {
		t.Errorf("presence %v", f)
	}
	card := nextCard(t, sup, func(f frame) bool { return f.str("card", "agent_disconnected") == "true" })
	if card.str("card", "status_label") != session.LabelAgentDisconnected {
		t.Errorf("card %v", card)
	}
	th.do(AgentConnect{Agent: "ana"})
	if c := th.do(GetCard{Session: id}).Card; c.AgentDisconnected || c.StateName != "connected" {
		t.Errorf("after reconnect %+v", c)
	}
}
