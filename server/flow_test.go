package server

import (
	"strings"
	"testing"
	"time"
)

func offerID(m map[string]any) string { return str(m, "offer", "id") }

// TestChatFlow is the whole chat of DESIGN.md over real sockets: the offer
// goes to the agent whose language matches, a decline moves it on, accept,
// messages both ways, waiting for customer and back, needs help and join,
// the customer leaves (white card), wrap-up (gray card with the code).
func TestChatFlow(t *testing.T) {
	e := newEnv(t)
	ana, ben := e.available("ana"), e.available("ben")
	v, wel := e.visitor(map[string]any{"name": "Lucía Gómez", "language": "es-ES", "email": "lucia@example.com"})
	if str(wel, "visitor") == "" || str(wel, "secret") == "" || str(wel, "state") != "none" {
		t.Fatalf("visitor welcome %v", wel)
	}
	sid := str(v.ok(map[string]any{"type": "send", "text": "hola, mi pedido no llega"}), "session")
	if sid == "" {
		t.Fatal("no session in the ack of the first message")
	}
	if q := v.wait("queued", nil); get(q, "position") != float64(1) {
		t.Errorf("queued %v", q)
	}
	off := ana.wait("offer", nil) // ana: primary es
	if str(off, "offer", "session") != sid || str(off, "offer", "mode") != "manual" || str(off, "offer", "expires_at") == "" ||
		str(off, "card", "title") != "Web Chat" || str(off, "card", "color") != "blue" || str(off, "card", "icon") != "chat" {
		t.Fatalf("offer %v", off)
	}
	ana.ok(map[string]any{"type": "decline", "offer": offerID(off)})
	off = ben.wait("offer", nil)
	if ack := ben.ok(map[string]any{"type": "accept", "offer": offerID(off)}); str(ack, "session") != sid {
		t.Fatalf("accept ack %v", ack)
	}
	if j := v.wait("agent_joined", nil); str(j, "name") != "Ben" {
		t.Errorf("agent_joined %v", j)
	}
	ben.wait("card", func(m map[string]any) bool { return str(m, "card", "state_name") == "connected" })

	ben.ok(map[string]any{"type": "send", "session": sid, "text": "Hola Lucía, lo miro"})
	m := v.wait("message", func(m map[string]any) bool { return str(m, "message", "from", "kind") == "agent" })
	if str(m, "message", "text") != "Hola Lucía, lo miro" || str(m, "message", "from", "kind") != "agent" || str(m, "message", "from", "id") != "" {
		t.Fatalf("visitor got %v (agent ids must not leak)", m)
	}
	v.ok(map[string]any{"type": "send", "text": "gracias"})
	if m := ben.wait("message", func(m map[string]any) bool { return str(m, "message", "from", "kind") == "visitor" }); str(m, "message", "text") != "gracias" {
		t.Fatalf("agent got %v", m)
	}

	ben.ok(map[string]any{"type": "set_status", "session": sid, "status": "waiting_customer"})
	ben.wait("card", func(m map[string]any) bool { return str(m, "card", "status") == "waiting_customer" })
	v.ok(map[string]any{"type": "send", "text": "¿sigue ahí?"})
	ben.wait("card", func(m map[string]any) bool { return str(m, "card", "status") == "in_progress" })

	ben.ok(map[string]any{"type": "set_status", "session": sid, "status": "needs_help"})
	if nh := ana.wait("needs_help", nil); str(nh, "card", "session") != sid {
		t.Fatalf("needs_help %v", nh)
	}
	ana.ok(map[string]any{"type": "join", "session": sid})
	if j := v.wait("agent_joined", nil); str(j, "name") != "Ana" {
		t.Errorf("join told the visitor %v", j)
	}
	ben.wait("card", func(m map[string]any) bool {
		return str(m, "card", "status") == "in_progress" && len(get(m, "card", "agents").([]any)) == 2
	})

	v.ok(map[string]any{"type": "leave"})
	if end := v.wait("ended", nil); str(end, "by") != "customer" {
		t.Errorf("ended %v", end)
	}
	ben.wait("card", func(m map[string]any) bool {
		return str(m, "card", "color") == "white" && str(m, "card", "status_label") == "Ended by customer"
	})
	ben.refused(map[string]any{"type": "wrapup", "session": sid, "code": "not-a-code"}, "bad_request")
	ben.ok(map[string]any{"type": "wrapup", "session": sid, "code": "solved", "notes": "sent tracking link"})
	ben.wait("card", func(m map[string]any) bool {
		return str(m, "card", "color") == "gray" && str(m, "card", "status_label") == "solved" && str(m, "card", "wrapup_code") == "solved"
	})

	// The store answers the reads: card, transcript, metadata.
	if code, card := e.api("GET", "/v1/sessions/"+sid, ""); code != 200 || str(card, "color") != "gray" {
		t.Fatalf("GET session %d %v", code, card)
	}
	if code, tr := e.api("GET", "/v1/sessions/"+sid+"/transcript?format=text", ""); code != 200 || !strings.Contains(str(tr, "_raw"), "gracias") {
		t.Fatalf("transcript %d %v", code, tr)
	}
	code, md := e.api("GET", "/v1/sessions/"+sid+"/metadata", "")
	if code != 200 || get(md, "status") != float64(8) || str(md, "type") != "web_chat" {
		t.Fatalf("metadata %d %v", code, md)
	}
}

func TestAutoAcceptAndEmail(t *testing.T) {
	e := newEnv(t)
	ben := e.available("ben")
	v, _ := e.visitor(map[string]any{"queue": "sales", "language": "en"})
	sid := str(v.ok(map[string]any{"type": "send", "text": "pricing?"}), "session")
	if off := ben.wait("offer", nil); str(off, "offer", "mode") != "auto" || str(off, "offer", "session") != sid {
		t.Fatalf("auto offer %v", off)
	}
	v.wait("agent_joined", nil)
	code, card := e.api("POST", "/v1/sessions", `{"channel":"email","queue":"sales","subject":"Invoice 42","contact":{"name":"Kim","email":"kim@example.com"}}`)
	if code != 201 || str(card, "icon") != "email" || str(card, "title") != "Invoice 42" {
		t.Fatalf("POST email %d %v", code, card)
	}
	off := ben.wait("offer", func(m map[string]any) bool { return str(m, "offer", "media") == "email" })
	if str(off, "offer", "mode") != "auto" || str(off, "offer", "expires_at") != "" {
		t.Fatalf("email must arrive without ringing: %v", off)
	}
	// In a manual queue too: email never rings (docs/protocol.md, offer.mode).
	code, card = e.api("POST", "/v1/sessions", `{"channel":"email","queue":"support","subject":"Refund","contact":{"name":"Lee","email":"lee@example.com"}}`)
	if code != 201 {
		t.Fatalf("POST email to support %d %v", code, card)
	}
	off = ben.wait("offer", func(m map[string]any) bool { return str(m, "offer", "session") == str(card, "session") })
	if str(off, "offer", "mode") != "auto" || str(off, "offer", "expires_at") != "" {
		t.Fatalf("email in a manual queue must arrive without ringing: %v", off)
	}
}

func TestOfferTimeoutThenAway(t *testing.T) {
	e := newEnv(t)
	ana, ben := e.available("ana"), e.available("ben")
	v, _ := e.visitor(map[string]any{"language": "es"})
	v.ok(map[string]any{"type": "send", "text": "hola"})
	ana.wait("offer", nil)
	e.clock.Advance(21 * time.Second) // default offer timeout 20 s
	if r := ana.wait("offer_revoked", nil); str(r, "reason") != "timeout" {
		t.Fatalf("revoked %v", r)
	}
	ben.wait("offer", nil)
	// Two more misses in a row set ana away.
	for i := 0; i < 2; i++ {
		v2, _ := e.visitor(map[string]any{"language": "es"})
		v2.ok(map[string]any{"type": "send", "text": "hola"})
		ana.wait("offer", nil)
		e.clock.Advance(21 * time.Second)
		ana.wait("offer_revoked", nil)
	}
	if p := ana.wait("presence", func(m map[string]any) bool { return str(m, "status") == "away" }); str(p, "reason") != "missed_offers" {
		t.Fatalf("presence %v", p)
	}
}

func TestBroadcastOneWinner(t *testing.T) {
	e := newEnv(t)
	if code, q := e.api("PUT", "/v1/queues/vip", `{"name":"VIP","offer_mode":"broadcast","max_offers":2}`); code != 200 || str(q, "offer_mode") != "broadcast" {
		t.Fatalf("PUT queue %d %v", code, q)
	}
	for _, a := range []string{"ana", "ben"} {
		if code, r := e.api("PUT", "/v1/agents/"+a, `{"name":"`+a+`","queues":["vip"],"capacity":{"chat":2}}`); code != 200 {
			t.Fatalf("PUT agent %d %v", code, r)
		}
	}
	ana, ben := e.available("ana"), e.available("ben")
	v, _ := e.visitor(map[string]any{"queue": "vip"})
	v.ok(map[string]any{"type": "send", "text": "hi"})
	oa, ob := ana.wait("offer", nil), ben.wait("offer", nil)
	ben.ok(map[string]any{"type": "accept", "offer": offerID(ob)})
	if r := ana.wait("offer_revoked", nil); str(r, "reason") != "taken" || str(r, "offer") != offerID(oa) {
		t.Fatalf("loser got %v", r)
	}
	ana.refused(map[string]any{"type": "accept", "offer": offerID(oa)}, "conflict")
}

func TestTransferAndRelease(t *testing.T) {
	e := newEnv(t)
	ana, ben := e.available("ana"), e.available("ben")
	v, _ := e.visitor(map[string]any{"language": "en"})
	sid := str(v.ok(map[string]any{"type": "send", "text": "hello"}), "session")
	ben.ok(map[string]any{"type": "accept", "offer": offerID(ben.wait("offer", nil))})
	v.wait("agent_joined", nil)
	ben.ok(map[string]any{"type": "transfer", "session": sid, "agent": "ana", "note": "Spanish invoice"})
	off := ana.wait("offer", nil)
	ana.ok(map[string]any{"type": "accept", "offer": offerID(off)})
	if l := v.wait("agent_left", nil); str(l, "name") != "Ben" {
		t.Errorf("agent_left %v", l)
	}
	if j := v.wait("agent_joined", nil); str(j, "name") != "Ana" {
		t.Errorf("agent_joined %v", j)
	}
	ana.wait("card", func(m map[string]any) bool { return str(m, "card", "agent", "id") == "ana" })
	// ben no longer acts on it.
	ben.refused(map[string]any{"type": "send", "session": sid, "text": "x"}, "forbidden")
	// Release: back to the queue; ana is not offered it again, ben is.
	ana.ok(map[string]any{"type": "release", "session": sid})
	off = ben.wait("offer", nil)
	if str(off, "offer", "session") != sid {
		t.Fatalf("released session offered %v", off)
	}
	ana.refused(map[string]any{"type": "transfer", "session": sid, "queue": "sales"}, "forbidden")
}

func TestVoiceOverHTTPWithHold(t *testing.T) {
	e := newEnv(t)
	ben := e.available("ben")
	code, card := e.api("POST", "/v1/sessions", `{"channel":"voice_inbound","queue":"support","contact":{"phone":"+34600000000"}}`)
	if code != 201 || str(card, "icon") != "call" {
		t.Fatalf("POST voice %d %v", code, card)
	}
	sid := str(card, "session")
	ben.ok(map[string]any{"type": "accept", "offer": offerID(ben.wait("offer", nil))})
	for _, ev := range []string{"connected", "hold"} {
		if code, r := e.api("POST", "/v1/sessions/"+sid+"/events", `{"event":"`+ev+`"}`); code != 200 {
			t.Fatalf("event %s: %d %v", ev, code, r)
		}
	}
	e.clock.Advance(12 * time.Second)
	e.api("POST", "/v1/sessions/"+sid+"/events", `{"event":"unhold"}`)
	e.api("POST", "/v1/sessions/"+sid+"/events", `{"event":"ended","by":"customer"}`)
	ben.wait("card", func(m map[string]any) bool { return str(m, "card", "color") == "white" })
	ben.ok(map[string]any{"type": "wrapup", "session": sid, "code": "solved"})
	_, md := e.api("GET", "/v1/sessions/"+sid+"/metadata", "")
	if get(md, "hold_time") != float64(12) {
		t.Fatalf("hold time in metadata: %v", md)
	}
	if code, r := e.api("POST", "/v1/sessions/"+sid+"/events", `{"event":"teleport"}`); code != 400 && code != 404 {
		t.Fatalf("bad event %d %v", code, r)
	}
}

func TestDeflection(t *testing.T) {
	e := newEnv(t)
	// t0 is a Monday: open only on Sundays.
	e.api("PUT", "/v1/queues/weekend", `{"name":"Weekend","business_hours":{"tz":"UTC","days":{"sun":["09:00-17:00"]}},"deflect_message":"We are closed"}`)
	v, _ := e.visitor(map[string]any{"queue": "weekend"})
	v.ok(map[string]any{"type": "send", "text": "anyone?"})
	if d := v.wait("deflected", nil); str(d, "reason") != "after_hours_message_only" || str(d, "message") != "We are closed" {
		t.Fatalf("deflected %v", d)
	}
	e.api("PUT", "/v1/queues/tiny", `{"name":"Tiny","max_waiting":1}`)
	v1, _ := e.visitor(map[string]any{"queue": "tiny"})
	v1.ok(map[string]any{"type": "send", "text": "first"})
	v2, _ := e.visitor(map[string]any{"queue": "tiny"})
	v2.ok(map[string]any{"type": "send", "text": "second"})
	if d := v2.wait("deflected", nil); str(d, "reason") != "max_waiting" {
		t.Fatalf("deflected %v", d)
	}
}

func TestPriorityOrder(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for _, p := range []string{"6", "2", "6", "1"} {
		_, card := e.api("POST", "/v1/sessions", `{"channel":"sms_inbound","queue":"support","priority":`+p+`,"contact":{"phone":"+1555"}}`)
		ids = append(ids, str(card, "session"))
		e.clock.Advance(time.Second)
	}
	_, wl := e.api("GET", "/v1/queues/support/waiting", "")
	if got := get(wl, "sessions").([]any); len(got) != 4 || got[0] != ids[3] || got[1] != ids[1] || got[2] != ids[0] || got[3] != ids[2] {
		t.Fatalf("waiting order %v, ids %v", got, ids)
	}
	ben := e.available("ben") // capacity 2 chats: takes the two most urgent
	got := []string{str(ben.wait("offer", nil), "offer", "session"), str(ben.wait("offer", nil), "offer", "session")}
	if got[0] != ids[3] || got[1] != ids[1] {
		t.Fatalf("offered %v, want priority 1 (%s) then 2 (%s)", got, ids[3], ids[1])
	}
}

func TestSupervisorSeesQueues(t *testing.T) {
	e := newEnv(t)
	ben := e.available("ben")
	ben.refused(map[string]any{"type": "subscribe", "topics": []string{"queues"}}, "forbidden")
	sam, _ := e.agent("sam")
	sam.ok(map[string]any{"type": "subscribe", "topics": []string{"queues", "agents", "sessions"}})
	sam.wait("queue_stats", nil)
	sam.wait("agent_status", func(m map[string]any) bool { return str(m, "agent", "id") == "ben" })
	ben.ok(map[string]any{"type": "presence", "status": "away"})
	v, _ := e.visitor(map[string]any{})
	v.ok(map[string]any{"type": "send", "text": "hi"})
	st := sam.wait("queue_stats", func(m map[string]any) bool {
		for _, q := range get(m, "queues").([]any) {
			if q := q.(map[string]any); q["id"] == "support" && q["waiting"] == float64(1) {
				return true
			}
		}
		return false
	})
	if st == nil {
		t.Fatal("no stats")
	}
	sam.wait("card", func(m map[string]any) bool { return str(m, "card", "status_label") == "Waiting" })
	// A supervisor may join any session.
	ben.ok(map[string]any{"type": "presence", "status": "available"})
	off := ben.wait("offer", nil)
	ben.ok(map[string]any{"type": "accept", "offer": offerID(off)})
	sam.ok(map[string]any{"type": "join", "session": str(off, "offer", "session")})
}
