package router

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"pgregory.net/rapid"
)

// op is one random event. Index fields pick among what exists at that moment
// (modulo its count), so that a sequence replays identically.
type op struct {
	Kind  int
	I, J  int
	Media presence.Media
	Lang  string
	Prio  int
	Dt    time.Duration
}

const (
	opArrive = iota
	opAccept
	opDecline
	opAdvance
	opStatus
	opDisconnect
	opConnect
	opEnd
	opWrapup
	opRequeue
	opTransfer
	opIdle
	opCapacity
	opMembership
	opQueueMode
	numOps
)

var propQueues = []string{"auto", "bcast", "single"}
var propAgents = []string{"a1", "a2", "a3", "a4", "a5", "a6"}

func genOp(t *rapid.T) op {
	return op{
		Kind:  rapid.IntRange(0, numOps-1).Draw(t, "kind"),
		I:     rapid.IntRange(0, 1000).Draw(t, "i"),
		J:     rapid.IntRange(0, 1000).Draw(t, "j"),
		Media: presence.Media(rapid.IntRange(0, int(presence.NumMedia)-1).Draw(t, "media")),
		Lang:  rapid.SampledFrom([]string{"", "en", "es", "fr"}).Draw(t, "lang"),
		Prio:  rapid.IntRange(0, 8).Draw(t, "prio"),
		Dt:    time.Duration(rapid.IntRange(0, 40).Draw(t, "dt")) * time.Second,
	}
}

// world drives a router through ops and checks the rules after each.
type world struct {
	r        *Router
	now      time.Time
	next     int
	log      strings.Builder
	holder   map[string]string // session → agent, from decisions
	live     map[string]bool   // sessions the router must still know
	prevAct  map[string][presence.NumMedia]int
	lastKind int
	refused  map[string]bool // "session agent" pairs declined, missed or released
	fail     func(string, ...any)
}

func newWorld(fail func(string, ...any)) *world {
	w := &world{r: New(Config{MissLimit: 2}), now: t0, holder: map[string]string{},
		live: map[string]bool{}, prevAct: map[string][presence.NumMedia]int{}, refused: map[string]bool{}, fail: fail}
	must := func(err error) {
		if err != nil {
			fail("setup: %v", err)
		}
	}
	must(w.r.PutQueue(Queue{ID: "auto", AcceptMode: Auto, Aging: 30 * time.Second}, t0))
	must(w.r.PutQueue(Queue{ID: "bcast", OfferMode: Broadcast, MaxOffers: 2, OfferTimeout: 15 * time.Second}, t0))
	must(w.r.PutQueue(Queue{ID: "single", OfferTimeout: 10 * time.Second, Expertise: presence.NewExpertise("vip"),
		Steps: []Step{{After: 20 * time.Second, DropExpertise: true}, {After: 40 * time.Second, AddQueue: "auto"}}}, t0))
	langs := []presence.Languages{{Primary: "en"}, {Primary: "es", Secondary: []string{"en"}}, {Primary: "fr"}}
	for i, id := range propAgents {
		p := presence.Profile{ID: id, Name: id, Languages: langs[i%3], Capacity: presence.Capacity{1, 1 + i%3, 2}}
		if i%2 == 0 {
			p.Expertise = presence.NewExpertise("vip")
		}
		must(w.r.PutAgent(p, propQueues[:1+i%3], t0))
		must(w.r.Connect(id))
		must(w.r.SetStatus(id, presence.Available, t0))
	}
	w.absorb()
	return w
}

func (w *world) pick(n, i int) int { return i % n }

func (w *world) sessionsWhere(f func(id, agent string) bool) []string {
	var out []string
	for id := range w.live {
		if f(id, w.holder[id]) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func (w *world) offers() []Offer {
	var out []Offer
	for _, a := range propAgents {
		out = w.r.AgentOffers(out, a)
	}
	return out
}

// apply runs o; errors from the router are fine (refusals) but must change
// nothing, which CheckInvariants and the accounting verify.
func (w *world) apply(o op) {
	r, now := w.r, w.now
	agent := propAgents[w.pick(len(propAgents), o.I)]
	fmt.Fprintf(&w.log, "op %d %d %d\n", o.Kind, o.I, o.J)
	switch o.Kind {
	case opArrive:
		w.next++
		id := fmt.Sprintf("s%03d", w.next)
		w.live[id] = true
		_ = r.Enqueue(Arrival{Session: id, Queue: propQueues[w.pick(3, o.I)], Media: o.Media,
			Language: o.Lang, Priority: o.Prio, Sticky: agent}, now)
	case opAccept, opDecline:
		if offs := w.offers(); len(offs) > 0 {
			of := offs[w.pick(len(offs), o.J)]
			if o.Kind == opAccept {
				_ = r.Accept(of.ID, of.Agent, now)
			} else {
				_ = r.Decline(of.ID, of.Agent, now)
			}
		}
	case opAdvance:
		w.now = now.Add(o.Dt)
		r.Advance(w.now)
	case opStatus:
		_ = r.SetStatus(agent, []presence.Status{presence.Available, presence.Away, presence.Offline}[o.J%3], now)
	case opDisconnect:
		_ = r.Disconnect(agent, now)
	case opConnect:
		_ = r.Connect(agent)
	case opEnd:
		if ids := w.sessionsWhere(func(string, string) bool { return true }); len(ids) > 0 {
			_ = r.End(ids[w.pick(len(ids), o.J)], now)
		}
	case opWrapup, opRequeue, opTransfer, opIdle:
		ids := w.sessionsWhere(func(_, a string) bool { return a != "" })
		if len(ids) == 0 {
			break
		}
		id := ids[w.pick(len(ids), o.J)]
		switch o.Kind {
		case opWrapup:
			_ = r.Wrapup(id, now)
		case opRequeue:
			prev := w.holder[id]
			if r.Requeue(id, propQueues[o.I%3], now) == nil {
				w.refused[id+" "+prev] = true
				delete(w.holder, id)
			}
		case opTransfer:
			_ = r.TransferTo(id, agent, now)
		case opIdle:
			_ = r.SetIdle(id, o.I%2 == 0, now)
		}
	case opCapacity, opMembership:
		a := r.Agent(agent)
		p := a.Profile
		qs := r.AgentQueues(agent)
		if o.Kind == opCapacity {
			p.Capacity[o.Media] = o.J % 4
		} else {
			qs = nil
			for i, q := range propQueues {
				if o.J&(1<<i) != 0 {
					qs = append(qs, q)
				}
			}
		}
		_ = r.PutAgent(p, qs, now)
	case opQueueMode:
		q, _ := r.Queue("bcast")
		q.OfferMode = []OfferMode{Single, Broadcast}[o.J%2]
		q.MaxOffers = 1 + o.I%3
		_ = r.PutQueue(q, now)
	}
	w.absorb()
}

// absorb reads the decisions into the log and the test's own view.
func (w *world) absorb() {
	for _, d := range w.r.Decisions() {
		fmt.Fprintln(&w.log, d.String())
		pair := d.Session + " " + d.Agent
		switch d.Kind {
		case Revoked:
			if d.Reason == ReasonDeclined || d.Reason == ReasonTimeout {
				w.refused[pair] = true
			}
		case Offered:
			if w.refused[pair] && d.From == "" {
				w.fail("%s offered again to %s, who refused it", d.Session, d.Agent)
			}
		case Assigned, TransferAccepted:
			if d.Reason == ReasonAuto && w.refused[pair] {
				w.fail("%s assigned to %s, who refused it", d.Session, d.Agent)
			}
			if prev := w.holder[d.Session]; prev != "" && d.Kind == Assigned {
				w.fail("%s assigned to %s while with %s", d.Session, d.Agent, prev)
			}
			w.holder[d.Session] = d.Agent
		case Deflected:
			delete(w.live, d.Session)
		}
	}
}

// check verifies the rules after a step.
func (w *world) check(fail func(string, ...any)) {
	if err := w.r.CheckInvariants(w.now); err != nil {
		fail("invariant: %v", err)
	}
	for id := range w.live {
		agent, known := w.r.SessionAgent(id)
		if !known {
			// The router forgets a session only when it ended while waiting
			// or was wrapped up; either way the test stops tracking it.
			delete(w.live, id)
			delete(w.holder, id)
			continue
		}
		if agent == "" {
			if prev := w.holder[id]; prev != "" {
				w.refused[id+" "+prev] = true // released: not offered back
			}
			delete(w.holder, id) // requeued
		} else if w.holder[id] != agent {
			fail("session %s with %q, decisions say %q", id, agent, w.holder[id])
		}
	}
	// No agent goes over capacity through routing: a count above capacity
	// (after a capacity cut or an idle chat coming back) never grows.
	for _, id := range propAgents {
		a := w.r.Agent(id)
		var act [presence.NumMedia]int
		for m := presence.Media(0); m < presence.NumMedia; m++ {
			act[m] = a.Active(m)
			if act[m] > a.Capacity[m] && act[m] > w.prevAct[id][m] && !w.idleCame(id) {
				fail("agent %s over capacity in %s: %d/%d (was %d)", id, m, act[m], a.Capacity[m], w.prevAct[id][m])
			}
		}
		w.prevAct[id] = act
	}
}

// idleCame reports whether the last op may legitimately have pushed an agent
// past capacity (an idle chat's visitor wrote again). The op log's last line
// tells.
func (w *world) idleCame(string) bool { return w.lastKind == opIdle }

func runOps(ops []op, fail func(string, ...any)) string {
	w := newWorld(fail)
	for i, o := range ops {
		w.fail = func(f string, args ...any) { fail("step %d (%+v): "+f, append([]any{i, o}, args...)...) }
		w.lastKind = o.Kind
		w.apply(o)
		w.check(func(f string, args ...any) { fail("step %d (%+v): "+f, append([]any{i, o}, args...)...) })
	}
	return w.log.String()
}

func TestPropertyRouting(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ops := rapid.SliceOfN(rapid.Custom(genOp), 1, 200).Draw(t, "ops")
		log1 := runOps(ops, t.Fatalf)
		log2 := runOps(ops, t.Fatalf)
		if log1 != log2 {
			t.Fatalf("same ops, different decisions:\n%s\n---\n%s", log1, log2)
		}
	})
}
