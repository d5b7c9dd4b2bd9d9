package router

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

func TestLanguageChoosesAgent(t *testing.T) {
	for _, tc := range []struct{ lang, want string }{
		{"es", "ana"},    // primary match 0 beats ben's 0.5
		{"en-US", "ben"}, // ben primary 0 beats ana secondary 0.25
		{"fr", "ana"},    // nobody matches: 0.5 each, tie to smallest id (both never worked)
		{"", "ana"},      // unknown language: same
	} {
		t.Run(tc.lang, func(t *testing.T) {
			g := newRig(t, Queue{ID: "q"})
			g.agent("ana", "es/en", 3, "q")
			g.agent("ben", "en", 3, "q")
			g.chat("s1", "q", tc.lang, t0)
			g.want(g.offers(), "s1>"+tc.want)
		})
	}
}

// Language is weighed, never a filter: with weight 0.5 a matching agent keeps
// getting chats until they carry half a capacity more than a non-matching one.
func TestLanguageAgainstLoad(t *testing.T) {
	g := newRig(t, Queue{ID: "q", AcceptMode: Auto})
	g.agent("ana", "es", 4, "q")
	g.agent("ben", "en", 4, "q")
	var got []string
	for i, when := range []float64{1, 2, 3, 4, 5, 6} {
		g.chat(string(rune('a'+i)), "q", "es", at(when))
		got = append(got, g.offers()...)
	}
	// ana: 0, .25, .5 → ties at 0.5 with ben's 0 + 0.5: ben idle longer (never
	// worked) takes the third... scores: ana 0.5 vs ben 0.5 → ben (never given work).
	g.want(got, "a>ana", "b>ana", "c>ben", "d>ana", "e>ben", "f>ana")
}

func TestExplanation(t *testing.T) {
	g := newRig(t, Queue{ID: "q"})
	g.agent("ana", "es/en", 3, "q")
	g.agent("ben", "en", 3, "q")
	g.agent("cy", "fr", 3, "q")
	g.chat("s1", "q", "en", t0)
	ds := g.r.Decisions()
	var d Decision
	for _, x := range ds {
		if x.Kind == Offered {
			d = x
		}
	}
	ex := d.Explain
	if d.Agent != "ben" || ex.Score != 0 || ex.RunnerUp != "ana" || ex.RunnerUpScore != 0.25 || ex.Eligible != 3 || ex.By != "session" {
		t.Fatalf("explanation %+v of %v", ex, d)
	}
}

func TestPriorityThenAge(t *testing.T) {
	g := newRig(t, Queue{ID: "q"})
	g.agent("ana", "en", 1, "q")
	g.ok(g.r.SetStatus("ana", presence.Away, t0))
	g.ok(g.r.Enqueue(Arrival{Session: "low-old", Queue: "q", Media: presence.Chat, Priority: 5}, at(1)))
	g.ok(g.r.Enqueue(Arrival{Session: "high", Queue: "q", Media: presence.Chat, Priority: 2}, at(2)))
	g.ok(g.r.Enqueue(Arrival{Session: "low-new", Queue: "q", Media: presence.Chat, Priority: 5}, at(3)))
	g.ok(g.r.Enqueue(Arrival{Session: "high2", Queue: "q", Media: presence.Chat, Priority: 2}, at(4)))
	g.want(g.r.Waiting(nil, "q", at(5)), "high", "high2", "low-old", "low-new")
	g.r.Decisions()
	g.ok(g.r.SetStatus("ana", presence.Available, at(5)))
	g.want(g.offers(), "high>ana")
}

func TestAgingRaisesPriority(t *testing.T) {
	g := newRig(t, Queue{ID: "q", Aging: 10 * time.Second})
	g.ok(g.r.Enqueue(Arrival{Session: "p5", Queue: "q", Media: presence.Chat, Priority: 5}, at(0)))
	g.ok(g.r.Enqueue(Arrival{Session: "p3", Queue: "q", Media: presence.Chat, Priority: 3}, at(15)))
	// at 16 s: p5 has aged one step (4) vs 3 → p3 first.
	g.want(g.r.Waiting(nil, "q", at(16)), "p3", "p5")
	// at 20 s: p5 aged two steps (3), ties with p3 and is older → first.
	g.want(g.r.Waiting(nil, "q", at(20)), "p5", "p3")
	g.agent("ana", "en", 1, "q")
	g.ok(g.r.SetStatus("ana", presence.Away, t0))
	g.r.Decisions()
	g.ok(g.r.SetStatus("ana", presence.Available, at(20)))
	g.want(g.offers(), "p5>ana")
}

func TestAgentFreesUpTakesBestAcrossQueues(t *testing.T) {
	g := newRig(t, Queue{ID: "a"}, Queue{ID: "b"})
	g.ok(g.r.Enqueue(Arrival{Session: "a-old", Queue: "a", Media: presence.Chat, Priority: 4}, at(1)))
	g.ok(g.r.Enqueue(Arrival{Session: "b-urgent", Queue: "b", Media: presence.Chat, Priority: 1}, at(2)))
	g.ok(g.r.Enqueue(Arrival{Session: "b-old", Queue: "b", Media: presence.Chat, Priority: 4}, at(0)))
	g.agent("ana", "en", 2, "a", "b")
	g.want(g.offers(), "b-urgent>ana", "b-old>ana")
}

func TestRequeueKeepsPlace(t *testing.T) {
	g := newRig(t, Queue{ID: "q", AcceptMode: Auto})
	g.agent("ana", "en", 1, "q")
	g.chat("s1", "q", "en", at(1))
	g.chat("s2", "q", "en", at(2))
	g.chat("s3", "q", "en", at(3))
	g.want(g.offers(), "s1>ana")
	g.agent("ben", "en", 1, "q")
	g.want(g.offers(), "s2>ben")
	g.ok(g.r.SetStatus("ben", presence.Away, at(4)))
	g.ok(g.r.Requeue("s2", "", at(5)))
	// s2 entered at 2 s: it is ahead of s3 again; ben (away) is not offered.
	g.want(g.r.Waiting(nil, "q", at(6)), "s2", "s3")
	g.ok(g.r.End("s1", at(7)))
	g.ok(g.r.Wrapup("s1", at(8)))
	g.want(g.offers(), "s2>ana")
}

func TestDeclineAndTimeoutMoveOn(t *testing.T) {
	g := newRig(t, Queue{ID: "q", OfferTimeout: 10 * time.Second})
	g.agent("ana", "en", 2, "q")
	g.agent("ben", "en", 2, "q")
	g.agent("cy", "en", 2, "q")
	g.chat("s1", "q", "en", at(1))
	g.want(g.offers(), "s1>ana")
	g.ok(g.r.Decline(g.offerOf("s1", "ana"), "ana", at(2)))
	g.want(g.offers(), "s1>ben")
	g.r.Advance(at(12)) // ben's offer expires
	g.want(g.offers(), "s1>cy")
	if a := g.r.Agent("ben"); a.MissedInRow() != 1 || a.Status() != presence.Available {
		t.Fatalf("ben missed %d status %s", a.MissedInRow(), a.Status())
	}
	// Accepting an expired offer is refused with a conflict.
	o := g.offerOf("s1", "cy")
	if err := g.r.Accept(o, "cy", at(30)); !errors.Is(err, ErrConflict) {
		t.Fatalf("late accept: %v", err)
	}
	// Declined by everyone: it waits.
	g.want(g.offers())
	g.want(g.r.Waiting(nil, "q", at(31)), "s1")
}

func TestMissedOffersSetAway(t *testing.T) {
	g := newRig(t, Queue{ID: "q", OfferTimeout: 5 * time.Second})
	g.agent("ana", "en", 3, "q")
	for i, s := range []string{"s1", "s2", "s3"} {
		g.chat(s, "q", "en", at(float64(i*10)))
		g.r.Advance(at(float64(i*10 + 6)))
	}
	if a := g.r.Agent("ana"); a.Status() != presence.Away || a.Reason() != ReasonMissed {
		t.Fatalf("ana %s %q", a.Status(), a.Reason())
	}
	g.ok(g.r.CheckInvariants(at(40)))
}

// A workspace's miss limit: one offer rung out sets the agent away at
// limit 1, and five are allowed at limit 5; limits outside 1..20 are
// refused and change nothing.
func TestSetMissLimit(t *testing.T) {
	for _, limit := range []int{1, 5} {
		g := newRig(t, Queue{ID: "q", OfferTimeout: 5 * time.Second})
		for _, bad := range []int{0, -1, MaxMissLimit + 1} {
			if err := g.r.SetMissLimit(bad); !errors.Is(err, ErrInvalid) {
				t.Fatalf("miss limit %d: %v", bad, err)
			}
		}
		g.ok(g.r.SetMissLimit(limit))
		if g.r.MissLimit() != limit {
			t.Fatalf("miss limit %d, set %d", g.r.MissLimit(), limit)
		}
		g.agent("ana", "en", 3, "q")
		for i := range limit {
			if a := g.r.Agent("ana"); a.Status() != presence.Available {
				t.Fatalf("limit %d: ana %s after %d misses", limit, a.Status(), i)
			}
			s := fmt.Sprintf("s%d", i)
			g.chat(s, "q", "en", at(float64(i*10)))
			g.r.Advance(at(float64(i*10 + 6)))
		}
		if a := g.r.Agent("ana"); a.Status() != presence.Away || a.Reason() != ReasonMissed || a.MissedInRow() != limit {
			t.Fatalf("limit %d: ana %s %q after %d misses", limit, a.Status(), a.Reason(), a.MissedInRow())
		}
		g.ok(g.r.CheckInvariants(at(float64(limit*10 + 10))))
	}
}

func TestBroadcastFirstAcceptWins(t *testing.T) {
	g := newRig(t, Queue{ID: "q", OfferMode: Broadcast, MaxOffers: 2})
	g.agent("ana", "en", 1, "q")
	g.agent("ben", "en", 1, "q")
	g.agent("cy", "en", 1, "q")
	g.chat("s1", "q", "en", at(1))
	g.want(g.offers(), "s1>ana", "s1>ben")
	g.ok(g.r.Accept(g.offerOf("s1", "ben"), "ben", at(2)))
	g.want(g.log(), "revoked session=s1 agent=ana offer=1 reason=taken", "assigned session=s1 agent=ben offer=2 reason=accepted")
	if err := g.r.Accept(1, "ana", at(3)); !errors.Is(err, ErrConflict) {
		t.Fatalf("second accept: %v", err)
	}
}

func TestAutoAcceptAssigns(t *testing.T) {
	g := newRig(t, Queue{ID: "q", AcceptMode: Auto})
	g.agent("ana", "en", 1, "q")
	g.chat("s1", "q", "en", at(1))
	if agent, _ := g.r.SessionAgent("s1"); agent != "ana" {
		t.Fatalf("s1 with %q", agent)
	}
}

// Email arrives without ringing in a manual queue, single or broadcast:
// assigned at once to one agent, while chats in the same queue are offered.
// Transferring it to an agent is still an offer they accept.
func TestEmailIsAssignedInManualQueues(t *testing.T) {
	for _, mode := range []OfferMode{Single, Broadcast} {
		g := newRig(t, Queue{ID: "q", AcceptMode: Manual, OfferMode: mode, MaxOffers: 2})
		g.agent("ana", "en", 1, "q")
		g.agent("ben", "en", 1, "q")
		g.chat("s1", "q", "en", at(1))
		g.ok(g.r.Enqueue(Arrival{Session: "m1", Queue: "q", Media: presence.Email}, at(2)))
		var got []string
		for _, d := range g.r.Decisions() {
			if d.Kind == Offered || d.Kind == Assigned {
				got = append(got, d.Kind.String()+" "+d.Session+">"+d.Agent+" "+string(d.Reason))
			}
		}
		want := []string{"offered s1>ana ", "assigned m1>ana auto"}
		if mode == Broadcast {
			want = []string{"offered s1>ana ", "offered s1>ben ", "assigned m1>ana auto"}
		}
		g.want(got, want...)
		if a, _ := g.r.SessionAgent("m1"); a != "ana" {
			t.Fatalf("%s: m1 with %q", mode, a)
		}
		g.ok(g.r.TransferTo("m1", "ben", at(3)))
		g.want(g.offers(), "m1>ben")
		g.ok(g.r.Accept(g.offerOf("m1", "ben"), "ben", at(4)))
		if a, _ := g.r.SessionAgent("m1"); a != "ben" {
			t.Fatalf("%s: transferred m1 with %q", mode, a)
		}
	}
}

func TestDeflection(t *testing.T) {
	hours, err := ParseHours(time.UTC, map[string][]string{"mon": {"09:00-17:00"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		q      Queue
		online bool
		fill   int
		when   float64
		want   string
	}{
		{"open", Queue{ID: "q", Hours: hours}, true, 0, 0, ""},
		{"after hours", Queue{ID: "q", Hours: hours}, true, 0, 8 * 3600, ReasonAfterHours},
		{"max waiting", Queue{ID: "q", MaxWaiting: 2}, false, 2, 0, ReasonMaxWaiting},
		{"max wait", Queue{ID: "q", MaxWait: time.Minute}, false, 1, 61, ReasonMaxWait},
		{"no one online", Queue{ID: "q", DeflectNoAgents: true}, false, 0, 0, ReasonNoOne},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newRig(t, tc.q)
			if tc.online {
				g.agent("ana", "en", 0, "q")
			}
			for i := 0; i < tc.fill; i++ {
				g.chat(string(rune('a'+i)), "q", "en", t0)
			}
			g.r.Decisions()
			g.chat("new", "q", "en", at(tc.when))
			var got string
			for _, d := range g.r.Decisions() {
				if d.Kind == Deflected {
					got = d.Reason
				}
			}
			if got != tc.want {
				t.Fatalf("deflection %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNoOneAvailableWaits(t *testing.T) {
	g := newRig(t, Queue{ID: "q"})
	g.chat("s1", "q", "en", t0)
	g.want(g.log(), "queued session=s1 agent=", "no_one_available session=s1 agent= reason=no_one_available")
	g.agent("ana", "en", 1, "q")
	g.want(g.offers(), "s1>ana")
}

func TestStepsWiden(t *testing.T) {
	g := newRig(t, Queue{ID: "overflow"})
	g.ok(g.r.PutQueue(Queue{ID: "q", Expertise: presence.NewExpertise("billing"), Steps: []Step{
		{After: 30 * time.Second, DropExpertise: true},
		{After: 60 * time.Second, AddQueue: "overflow"},
	}}, t0))
	g.agent("ana", "en", 1, "q")        // member, no billing expertise
	g.agent("ovo", "en", 1, "overflow") // overflow only
	g.chat("s1", "q", "en", t0)
	g.want(g.offers())
	g.r.Advance(at(30))
	g.want(g.offers(), "s1>ana")
	g.ok(g.r.Decline(g.offerOf("s1", "ana"), "ana", at(31)))
	g.want(g.offers())
	g.r.Advance(at(60))
	g.want(g.offers(), "s1>ovo")
}

// TestStepsChangedWhileWaiting: a queue's steps replaced while sessions
// wait past some of them are counted again against the new steps (fewer
// steps once made a waiting session read past the end of its queue's
// steps and panic; found by the hub's command fuzzer).
func TestStepsChangedWhileWaiting(t *testing.T) {
	g := newRig(t, Queue{ID: "overflow"})
	g.ok(g.r.PutQueue(Queue{ID: "q", Steps: []Step{{After: 30 * time.Second, AddQueue: "overflow"}}}, t0))
	g.agent("ovo", "en", 1, "overflow")
	g.ok(g.r.SetStatus("ovo", presence.Away, t0))
	g.chat("s1", "q", "en", t0)
	g.r.Advance(at(31))                        // widened to overflow; nobody available there
	g.ok(g.r.PutQueue(Queue{ID: "q"}, at(32))) // no steps any more
	g.ok(g.r.SetStatus("ovo", presence.Available, at(33)))
	g.want(g.offers()) // s1 is no longer overflow's to take
	g.ok(g.r.PutQueue(Queue{ID: "q", Steps: []Step{{After: 40 * time.Second, AddQueue: "overflow"}}}, at(34)))
	g.want(g.offers())
	g.r.Advance(at(40)) // the new step's own timer
	g.want(g.offers(), "s1>ovo")
}

func TestOverflowAgentPullsWidenedSession(t *testing.T) {
	g := newRig(t, Queue{ID: "overflow"})
	g.ok(g.r.PutQueue(Queue{ID: "q", Steps: []Step{{After: 60 * time.Second, AddQueue: "overflow"}}}, t0))
	g.agent("ovo", "en", 1, "overflow")
	g.ok(g.r.SetStatus("ovo", presence.Away, t0))
	g.chat("young", "q", "en", at(50))
	g.chat("old", "q", "en", at(0))
	g.r.Advance(at(70))
	g.r.Decisions()
	g.ok(g.r.SetStatus("ovo", presence.Available, at(70)))
	g.want(g.offers(), "old>ovo") // "young" has waited only 20 s
}

func TestDropLanguage(t *testing.T) {
	g := newRig(t, Queue{ID: "q", LanguageWeight: ptr(10.0), Steps: []Step{{After: 10 * time.Second, DropLanguage: true}}})
	g.agent("ana", "es", 2, "q")
	g.agent("ben", "en", 2, "q")
	g.chat("s1", "q", "es", t0)
	g.want(g.offers(), "s1>ana")
}

func TestStickyWithinSlack(t *testing.T) {
	g := newRig(t, Queue{ID: "q", AcceptMode: Auto, StickySlack: ptr(0.4)})
	g.agent("ana", "en", 3, "q")
	g.agent("ben", "en", 3, "q")
	g.chat("busy", "q", "en", t0) // ana takes it: load 1/3
	g.want(g.offers(), "busy>ana")
	g.ok(g.r.Enqueue(Arrival{Session: "back", Queue: "q", Media: presence.Chat, Language: "en", Sticky: "ana"}, at(1)))
	g.want(g.offers(), "back>ana") // 0.33 ≤ 0 + 0.4
	g.ok(g.r.Enqueue(Arrival{Session: "back2", Queue: "q", Media: presence.Chat, Language: "en", Sticky: "ana"}, at(2)))
	g.want(g.offers(), "back2>ben") // 0.67 > 0 + 0.4
}

func TestVoiceIsExclusiveEmailNeverBlocks(t *testing.T) {
	g := newRig(t, Queue{ID: "q", AcceptMode: Auto})
	g.agent("ana", "en", 3, "q")
	g.ok(g.r.Enqueue(Arrival{Session: "call", Queue: "q", Media: presence.Voice}, at(1)))
	g.ok(g.r.Enqueue(Arrival{Session: "chat", Queue: "q", Media: presence.Chat}, at(2)))
	g.ok(g.r.Enqueue(Arrival{Session: "mail", Queue: "q", Media: presence.Email}, at(3)))
	g.want(g.offers(), "call>ana", "mail>ana")
	if st := g.r.Agent("ana").Effective(); st != presence.Available {
		t.Fatalf("ana %s (email slots free)", st)
	}
	g.ok(g.r.End("call", at(4)))
	if st := g.r.Agent("ana").Effective(); st != presence.AfterCallWork {
		t.Fatalf("ana %s, want after_call_work", st)
	}
	g.ok(g.r.Wrapup("call", at(5)))
	g.want(g.offers(), "chat>ana")
}

func TestGraceThenOffline(t *testing.T) {
	g := newRig(t, Queue{ID: "q", OfferTimeout: time.Minute})
	g.agent("ana", "en", 2, "q")
	g.agent("ben", "en", 2, "q")
	g.chat("s1", "q", "en", t0)
	g.want(g.offers(), "s1>ana")
	g.ok(g.r.Disconnect("ana", at(1)))
	g.r.Advance(at(10))
	g.want(g.offers()) // still in grace (and the offer still rings)
	g.ok(g.r.Connect("ana"))
	g.ok(g.r.Disconnect("ana", at(12)))
	g.r.Advance(at(42))
	g.want(g.log(), "status_changed session= agent=ana reason=disconnected status=offline",
		"revoked session=s1 agent=ana offer=1 reason=rerouted",
		"offered session=s1 agent=ben offer=2 score=0.000 runner_up= eligible=1")
}

func TestTransferToAgent(t *testing.T) {
	g := newRig(t, Queue{ID: "q", AcceptMode: Auto})
	g.agent("ana", "en", 1, "q")
	g.agent("ben", "en", 1)
	g.chat("s1", "q", "en", t0)
	g.ok(g.r.TransferTo("s1", "ben", at(1)))
	g.ok(g.r.Decline(g.offerOf("s1", "ben"), "ben", at(2)))
	if a, _ := g.r.SessionAgent("s1"); a != "ana" {
		t.Fatalf("refused transfer: with %s", a)
	}
	g.ok(g.r.TransferTo("s1", "ben", at(3)))
	g.ok(g.r.Accept(g.offerOf("s1", "ben"), "ben", at(4)))
	if a, _ := g.r.SessionAgent("s1"); a != "ben" {
		t.Fatalf("accepted transfer: with %s", a)
	}
	if g.r.Agent("ana").Active(presence.Chat) != 0 {
		t.Fatal("ana still holds the slot")
	}
}

func TestIdleReleaseFreesCapacity(t *testing.T) {
	g := newRig(t, Queue{ID: "q", AcceptMode: Auto})
	g.agent("ana", "en", 1, "q")
	g.chat("s1", "q", "en", at(0))
	g.chat("s2", "q", "en", at(1))
	g.want(g.offers(), "s1>ana")
	g.ok(g.r.SetIdle("s1", true, at(2)))
	g.want(g.offers(), "s2>ana")
	g.ok(g.r.SetIdle("s1", false, at(3))) // the visitor wrote: counts again, past capacity
	if n := g.r.Agent("ana").Active(presence.Chat); n != 2 {
		t.Fatalf("active %d", n)
	}
	g.chat("s3", "q", "en", at(4))
	g.want(g.offers())
}

func TestAbandonRevokesOffers(t *testing.T) {
	g := newRig(t, Queue{ID: "q", OfferMode: Broadcast})
	g.agent("ana", "en", 1, "q")
	g.agent("ben", "en", 1, "q")
	g.chat("s1", "q", "en", t0)
	g.r.Decisions()
	g.ok(g.r.End("s1", at(1)))
	g.want(g.log(), "revoked session=s1 agent=ana offer=1 reason=abandoned", "revoked session=s1 agent=ben offer=2 reason=abandoned")
	if st, _ := g.r.Stats("q", at(1)); st.Abandoned != 1 || st.Waiting != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	g := newRig(t, Queue{ID: "q"})
	g.agent("ana", "en", 1, "q")
	for name, err := range map[string]error{
		"unknown queue":   g.r.Enqueue(Arrival{Session: "x", Queue: "nope", Media: presence.Chat}, t0),
		"bad media":       g.r.Enqueue(Arrival{Session: "x", Queue: "q", Media: 9}, t0),
		"bad priority":    g.r.Enqueue(Arrival{Session: "x", Queue: "q", Media: presence.Chat, Priority: 9}, t0),
		"empty id":        g.r.Enqueue(Arrival{Queue: "q", Media: presence.Chat}, t0),
		"bad status":      g.r.SetStatus("ana", presence.Busy, t0),
		"unknown agent":   g.r.SetStatus("zed", presence.Available, t0),
		"bad queue":       g.r.PutQueue(Queue{ID: "q2", Priority: 12}, t0),
		"step to unknown": g.r.PutQueue(Queue{ID: "q3", Steps: []Step{{AddQueue: "nope"}}}, t0),
		"bad capacity":    g.r.PutAgent(presence.Profile{ID: "x", Capacity: presence.Capacity{-1}}, nil, t0),
		"agent in queue":  g.r.PutAgent(presence.Profile{ID: "x"}, []string{"nope"}, t0),
		"accept unknown":  g.r.Accept(99, "ana", t0),
		"end unknown":     g.r.End("nope", t0),
		"wrapup waiting":  g.r.Wrapup("nope", t0),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if g.r.Sessions() != 0 || len(g.r.agents) != 1 || len(g.r.queues) != 1 {
		t.Fatal("state changed")
	}
	g.ok(g.r.CheckInvariants(t0))
}

// Head is the first n of Waiting, for sessions in line, however long the
// queue and whatever their priorities and aging.
func TestHeadIsTheStartOfTheLine(t *testing.T) {
	g := newRig(t, Queue{ID: "q", Aging: 7 * time.Second})
	for i := 0; i < 60; i++ {
		g.ok(g.r.Enqueue(Arrival{Session: fmt.Sprintf("s%02d", i), Queue: "q", Media: presence.Media(i % 3),
			Priority: 1 + (i*5)%8}, at(float64(i))))
	}
	now := at(100)
	all := g.r.Waiting(nil, "q", now)
	for _, n := range []int{0, 1, 5, 17, 60, 100} {
		want := all[:min(n, len(all))]
		if got := g.r.Head(nil, "q", n, now); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("Head(%d) = %v, want %v", n, got, want)
		}
	}
}
