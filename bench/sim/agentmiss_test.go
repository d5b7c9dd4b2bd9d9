package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/router"
)

// counts draws each agent's offers: n offers, each not taken with its
// agent's rate.
func counts(rnd *rand.Rand, rates []float64, n int) map[string]*agentCount {
	out := map[string]*agentCount{}
	for i, p := range rates {
		c := &agentCount{n: n}
		for range n {
			if rnd.Float64() < p {
				c.k++
			}
		}
		out[fmt.Sprintf("a%02d", i)] = c
	}
	return out
}

// TestAgentRates: agents alike get the pooled rate, the difference of
// their counts being chance; agents apart keep their own, shrunk a little
// toward the pooled rate, the less the more offers they had.
func TestAgentRates(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	alike := agentRates(counts(rnd, slices.Repeat([]float64{0.2}, 40), 50))
	if alike.Agents != 40 || alike.Spread > 0.03 || alike.Max-alike.Min > 0.05 || math.Abs(alike.Median-0.2) > 0.03 {
		t.Errorf("40 agents alike at 20 %%, 50 offers each: %+v", alike)
	}
	truth := append(slices.Repeat([]float64{0.05}, 20), slices.Repeat([]float64{0.5}, 20)...)
	c := counts(rnd, truth, 100)
	apart := agentRates(c)
	if apart.Spread < 0.15 {
		t.Errorf("agents at 5 and 50 %%: spread %v", apart.Spread)
	}
	for i, p := range truth {
		id := fmt.Sprintf("a%02d", i)
		raw := float64(c[id].k) / 100
		got := apart.rates[id]
		if math.Abs(got-p) > 0.15 { // 3 sd of 100 offers at 50 %
			t.Errorf("%s: %v, truth %v", id, got, p)
		}
		// shrunk: between the agent's own share and the pooled rate
		if lo, hi := min(raw, apart.pooled), max(raw, apart.pooled); got < lo-1e-12 || got > hi+1e-12 {
			t.Errorf("%s: %v, not between its own %v and the pooled %v", id, got, raw, apart.pooled)
		}
	}
	// Too little to tell agents apart: one agent, or no offer not taken.
	for name, c := range map[string]map[string]*agentCount{
		"one agent":   {"ana": {n: 10, k: 3}},
		"none missed": {"ana": {n: 10}, "ben": {n: 4}},
		"all missed":  {"ana": {n: 10, k: 10}, "ben": {n: 4, k: 4}},
	} {
		r := agentRates(c)
		if r.Spread != 0 || r.Min != r.Max || r.Min != r.pooled {
			t.Errorf("%s: %+v", name, r)
		}
	}
	// The replay's agents: by id, the pooled rate for one with no offer;
	// without ids, spread over them in proportion.
	two := &AgentRates{pooled: 0.25, rates: map[string]float64{"ana": 0.5, "ben": 0}}
	if got := two.forAgents([]string{"ben", "cy", "ana"}); !slices.Equal(got, []float64{0, 0.25, 0.5}) {
		t.Errorf("by id: %v", got)
	}
	if ids := two.ids(); !slices.Equal(ids, []string{"ana", "ben"}) {
		t.Errorf("the day's agents: %v", ids)
	}
	spread, none := spreadRates(two.forAgents(two.ids()), nil, 10, 1)
	if n := len(slices.DeleteFunc(slices.Clone(spread), func(x float64) bool { return x == 0 })); n != 5 || slices.Max(spread) != 0.5 || none != nil {
		t.Errorf("two agents' rates over 10: %v, %v", spread, none)
	}
	if again, _ := spreadRates([]float64{0, 0.5}, nil, 10, 2); slices.Equal(spread, again) {
		t.Errorf("the order does not depend on the seed: %v", spread)
	}
	// Both rates: each of the run's agents takes one of the day's agents'
	// pair, in proportion; declines alone spread as misses do.
	day := [][2]float64{{0.6, 0.05}, {0, 0.4}, {0, 0}, {0.6, 0.3}}
	var miss, decline []float64
	for _, p := range day {
		miss, decline = append(miss, p[0]), append(decline, p[1])
	}
	m, d := spreadRates(miss, decline, 8, 3)
	got := map[[2]float64]int{}
	for i := range m {
		got[[2]float64{m[i], d[i]}]++
	}
	for _, p := range day {
		if got[p] != 2 {
			t.Errorf("the day's pairs over 8 agents: %v, want two of each of %v", got, day)
		}
	}
	if m, d := spreadRates(nil, decline, 8, 3); m != nil || len(d) != 8 || slices.Max(d) != 0.4 || slices.Min(d) != 0 {
		t.Errorf("declines alone: %v, %v", m, d)
	}
	// A day of 64: every fourth agent misses, every fifth declines (20,
	// 40 and 60 both), each rate a little apart from the next as shrunk
	// counts are. Over fewer or more agents, each kind keeps its share
	// within one: 60 agents get 15 who miss and 11 or 12 who decline.
	miss, decline = nil, nil
	for g := 1; g <= 64; g++ {
		jitter := float64(rnd.IntN(100)) / 1e4
		mr, dr := jitter, jitter
		if g%4 == 0 {
			mr = 0.6 + jitter
		}
		if g%5 == 0 {
			dr = 0.7 + jitter
		}
		miss, decline = append(miss, mr), append(decline, dr)
	}
	for _, n := range []int{60, 40, 128} {
		m, d := spreadRates(miss, decline, n, 9)
		var misses, declines, both int
		for i := range m {
			misses += b2i(m[i] > 0.3)
			declines += b2i(d[i] > 0.3)
			both += b2i(m[i] > 0.3 && d[i] > 0.3)
		}
		share := func(k int) float64 { return float64(k*n) / 64 }
		for _, c := range []struct {
			what string
			got  int
			want float64
		}{{"miss", misses, share(16)}, {"decline", declines, share(12)}, {"do both", both, share(3)}} {
			if math.Abs(float64(c.got)-c.want) >= 1 {
				t.Errorf("over %d agents: %d %s, want %.4g", n, c.got, c.what, c.want)
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestAgentMissInTheRun: one agent of ten lets most offers ring and the
// others none: the hub sets only that one away, again and again, and the
// offers that ring out are theirs. Declines send the contact on at once,
// and no agent is set away for them.
func TestAgentMissInTheRun(t *testing.T) {
	n := 3000
	if raceOn || testing.Short() {
		n = 800
	}
	cfg := load(10, 0.5, n, 44)
	cfg.Accept, cfg.AcceptDelay, cfg.AcceptDist, cfg.OfferTimeout, cfg.BackAfter = router.Manual, time.Second, Constant, 10*time.Second, 30*time.Second
	cfg.AgentMiss = append(slices.Repeat([]float64{0}, 9), 0.9)
	away := map[string]int{}
	cfg.OnMissedAway = func(agent string, _ float64, back bool) {
		if !back {
			away[agent]++
		}
	}
	r := run(t, cfg)
	o := r.Offers
	if len(away) != 1 || o.SetAway < 10 || len(r.Input.AgentMiss) != 10 || slices.Max(r.Input.AgentMiss) != 0.9 {
		t.Fatalf("set away %v, offers %+v, agents' misses %v: want one agent set away often", away, o, r.Input.AgentMiss)
	}
	for a := range away {
		if i := slices.Index(r.Input.AgentMiss, 0.9); a != fmt.Sprintf("a%05d", i+1) {
			t.Errorf("%s set away, but agent %d misses", a, i+1)
		}
	}
	// Only their offers ring out, 3 in a row before each away.
	if o.Missed < 3*o.SetAway {
		t.Errorf("offers %+v: fewer rang out than 3 for each away", o)
	}

	base := load(10, 0.5, n, 45)
	base.Accept, base.AcceptDelay, base.AcceptDist = router.Manual, time.Second, Constant
	none := run(t, base).Simulated
	base.Decline, base.DeclineDelay = 0.3, 2*time.Second
	r = run(t, base)
	o, s := r.Offers, r.Simulated
	if f := float64(o.Declined) / float64(o.Declined+o.Accepted); math.Abs(f-0.3) > 4*math.Sqrt(0.3*0.7/float64(o.Declined+o.Accepted)) {
		t.Errorf("%.4f of offers answered declined, want 0.3 (%+v)", f, o)
	}
	if o.Missed != 0 || o.SetAway != 0 || s.Answered != s.Arrivals || r.Input.Decline != 0.3 || r.Input.DeclineDelay != 2 {
		t.Errorf("declines: offers %+v, simulated %+v, input %+v", o, s, r.Input)
	}
	// Each decline adds its 2 s and the next offer's accept; a contact is
	// declined 0.3/0.7 times on average: about 0.43 × 3 s more.
	if d := s.ASA - none.ASA; d < 0.9 || d > 2 {
		t.Errorf("ASA %v s with declines, %v without", s.ASA, none.ASA)
	}

	// One agent of ten declines nearly every offer, the others none: that
	// agent answers few contacts, and nobody is set away. The same share
	// of declines spread over all leaves the agents' work even.
	base.Decline, base.AgentDecline = 0, append(slices.Repeat([]float64{0}, 9), 0.9)
	r = run(t, base)
	o, f := r.Offers, r.Simulated.Fairness
	if o.Declined == 0 || o.SetAway != 0 || len(r.Input.AgentDecline) != 10 || slices.Max(r.Input.AgentDecline) != 0.9 || r.Input.DeclineDelay != 2 {
		t.Fatalf("one agent declines: offers %+v, input %+v", o, r.Input)
	}
	// Offered whenever idle, they take a tenth of their offers: about half
	// as many contacts as the others.
	if 10*f.HandledMin > 7*f.HandledMax {
		t.Errorf("the agent who declines 90 %% answered %d, the busiest %d", f.HandledMin, f.HandledMax)
	}
	base.AgentDecline, base.Decline = nil, float64(o.Declined)/float64(o.Declined+o.Accepted)
	if even := run(t, base).Simulated.Fairness; 10*even.HandledMin < 8*even.HandledMax {
		t.Errorf("declines spread over all: the agents answered %d to %d", even.HandledMin, even.HandledMax)
	}
}
