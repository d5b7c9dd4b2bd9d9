package router

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// t0 is a Monday 10:00 UTC.
var t0 = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

func ptr[T any](v T) *T { return &v }

type rig struct {
	t *testing.T
	r *Router
}

func newRig(t *testing.T, queues ...Queue) *rig {
	t.Helper()
	g := &rig{t: t, r: New(Config{})}
	for _, q := range queues {
		g.ok(g.r.PutQueue(q, t0))
	}
	g.r.Decisions()
	return g
}

func (g *rig) ok(err error) {
	g.t.Helper()
	if err != nil {
		g.t.Fatal(err)
	}
	if err := g.r.CheckInvariants(t0); err != nil {
		g.t.Fatal(err)
	}
}

// agent adds an available, connected agent: lang "es/en" is primary es,
// secondary en; capacity chat and voice 1, email 5.
func (g *rig) agent(id, lang string, chat int, queues ...string) {
	g.t.Helper()
	prim, sec, _ := strings.Cut(lang, "/")
	var l presence.Languages
	l.Primary = prim
	if sec != "" {
		l.Secondary = strings.Split(sec, ",")
	}
	g.ok(g.r.PutAgent(presence.Profile{ID: id, Name: id, Languages: l,
		Capacity: presence.Capacity{1, chat, 5}}, queues, t0))
	g.ok(g.r.Connect(id))
	g.ok(g.r.SetStatus(id, presence.Available, t0))
}

func (g *rig) chat(id, queue, lang string, when time.Time) {
	g.t.Helper()
	g.ok(g.r.Enqueue(Arrival{Session: id, Queue: queue, Media: presence.Chat, Language: lang}, when))
}

// log returns the decisions since the last call, one line each.
func (g *rig) log() []string {
	var out []string
	for _, d := range g.r.Decisions() {
		out = append(out, d.String())
	}
	return out
}

// offers returns "session>agent" for every Offered or auto Assigned decision.
func (g *rig) offers() []string {
	var out []string
	for _, d := range g.r.Decisions() {
		if d.Kind == Offered || (d.Kind == Assigned && d.Reason == ReasonAuto) {
			out = append(out, d.Session+">"+d.Agent)
		}
	}
	return out
}

func (g *rig) want(got []string, want ...string) {
	g.t.Helper()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		g.t.Fatalf("got  %q\nwant %q", got, want)
	}
}

// offerOf returns the pending offer of session to agent.
func (g *rig) offerOf(session, agent string) OfferID {
	g.t.Helper()
	for _, o := range g.r.AgentOffers(nil, agent) {
		if o.Session == session {
			return o.ID
		}
	}
	g.t.Fatalf("no offer of %s to %s", session, agent)
	return 0
}
