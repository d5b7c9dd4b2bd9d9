package hub

import (
	"testing"
	"time"
)

// visitorsInMemory counts the visitor records the loop holds.
func (th *testHub) visitorsInMemory() int {
	th.t.Helper()
	n := 0
	th.do(probe(func(h *Hub) { n = len(h.visitors) }))
	return n
}

// probe runs fn on the loop.
type probe func(h *Hub)

func (p probe) apply(h *Hub, _ time.Time) (Reply, error) { p(h); return Reply{}, nil }

// TestIdleVisitorsLeaveMemory: a visitor with no socket and no open chat
// is forgotten after the commit (every visitor ever seen used to stay in
// memory), and comes back from the store on their next hello with the
// same secret; one with an open chat stays until the chat ends.
func TestIdleVisitorsLeaveMemory(t *testing.T) {
	th := newTestHub(t, Config{VisitorGrace: time.Minute})
	th.setup(QueueSpec{}, "ana")
	for i := 0; i < 100; i++ {
		id := "browse" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		th.do(VisitorHello{Visitor: id, SecretHash: "h-" + id, New: true})
		th.do(VisitorDisconnect{Visitor: id})
	}
	th.do(VisitorHello{Visitor: "chat", SecretHash: "h-chat", New: true})
	th.do(VisitorSend{Visitor: "chat", Text: "hello"})
	th.do(VisitorDisconnect{Visitor: "chat"})
	if n := th.visitorsInMemory(); n != 1 {
		t.Fatalf("%d visitors in memory, want 1 (the one whose chat is open)", n)
	}
	// A browser coming back resumes from the store; a wrong secret is still refused.
	if code := th.doErr(VisitorHello{Visitor: "browseaa", SecretHash: "wrong"}); code != CodeUnauthorized {
		t.Fatalf("wrong secret: %s", code)
	}
	th.do(VisitorHello{Visitor: "browseaa", SecretHash: "h-browseaa"})
	th.do(VisitorDisconnect{Visitor: "browseaa"})
	// The chat's visitor stays past their grace, then their chat ends and they go.
	th.clock.Advance(2 * time.Minute)
	th.do(probe(func(*Hub) {}))
	if n := th.visitorsInMemory(); n != 0 {
		t.Fatalf("%d visitors in memory after the chat ended", n)
	}
	rep := th.do(VisitorHello{Visitor: "chat", SecretHash: "h-chat"})
	if rep.State == "" {
		t.Fatalf("resume after the chat ended: %+v", rep)
	}
}
