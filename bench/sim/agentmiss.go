package sim

import (
	"cmp"
	"maps"
	"math/rand/v2"
	"slices"
)

// AgentRates are the agents' own rates of offers not taken (rang out, or
// rerouted as they rang), from a history's documents. Some agents let
// many offers ring and others none; an agent who lets many ring is set
// away often (the workspace's miss_limit in a row), which the one pooled
// rate, drawn for every offer on its own, does not make happen. (The same
// estimate gives the agents' own shares of declines among the offers they
// answered.)
//
// An agent's raw share rests on their own few offers, and two agents
// alike differ by chance. So each rate is the agent's count shrunk toward
// the pooled rate by as much as the agents' differences are chance: the
// counts are taken as beta-binomial, the beta's spread estimated from the
// analysis of variance of the offers' outcomes (the intraclass
// correlation ρ, Spread). With ρ 0 every agent has the pooled rate; with
// ρ near 1 each keeps their own share.
type AgentRates struct {
	// Agents is how many agents had an offer to answer (for declines: had
	// answered one).
	Agents int `json:"agents"`
	// Spread is ρ: the share of the outcomes' variance that lies between
	// agents (0: the agents alike, as the one pooled rate has them).
	Spread float64 `json:"spread"`
	// Min, Median and Max are the agents' rates, shrunk.
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
	// Replayed says the replay's agents let offers ring (--miss observed),
	// or declined (--decline observed), at these rates.
	Replayed bool `json:"replayed,omitempty"`

	pooled float64
	rates  map[string]float64 // by agent
}

// agentRates estimates the agents' own rates from their counts.
func agentRates(counts agentCounts) *AgentRates {
	var n, k, sq float64
	for _, c := range counts {
		n += float64(c.n)
		k += float64(c.k)
		sq += float64(c.n) * float64(c.n)
	}
	m := float64(len(counts))
	r := &AgentRates{Agents: len(counts), rates: make(map[string]float64, len(counts))}
	if n == 0 {
		return r
	}
	p := k / n
	r.pooled = p
	if m >= 2 && n > m && p > 0 && p < 1 {
		var between, within float64
		for _, c := range counts {
			pi := float64(c.k) / float64(c.n)
			between += float64(c.n) * (pi - p) * (pi - p)
			within += float64(c.k) * (1 - pi)
		}
		msb, msw := between/(m-1), within/(n-m)
		n0 := (n - sq/n) / (m - 1)
		if d := msb + (n0-1)*msw; d > 0 {
			r.Spread = min(max((msb-msw)/d, 0), 0.999)
		}
	}
	sorted := make([]float64, 0, len(counts))
	for id, c := range counts {
		rate := p
		if r.Spread > 0 {
			s := (1 - r.Spread) / r.Spread // the beta's α+β: the pooled rate's weight, in offers
			rate = (float64(c.k) + s*p) / (float64(c.n) + s)
		}
		r.rates[id] = rate
		sorted = append(sorted, rate)
	}
	slices.Sort(sorted)
	r.Min, r.Max = sorted[0], sorted[len(sorted)-1]
	r.Median = quantileSorted(sorted, 0.5)
	return r
}

// ids are the agents the rates are of, in order.
func (r *AgentRates) ids() []string {
	return slices.Sorted(maps.Keys(r.rates))
}

// forAgents returns the rates for Config.AgentMiss or AgentDecline: each
// agent of ids (the roster's, or the day's) their own, and the pooled
// rate for one without an offer in the documents.
func (r *AgentRates) forAgents(ids []string) []float64 {
	out := make([]float64, len(ids))
	for i, id := range ids {
		rate, ok := r.rates[id]
		if !ok {
			rate = r.pooled
		}
		out[i] = rate
	}
	return out
}

// spreadRates gives n agents the rates of another set of agents (the
// day's: miss and decline, either nil, else of one length), spread over
// them in an order drawn with seed: as many of them let many offers ring,
// or decline many, in proportion, wherever they sit in the agents' order.
// Each of the n takes one of the day's agents' both rates.
//
// The n take the day's agents evenly along an order, so a run of that
// order keeps its share of the n (within one). The order puts the agents
// above the mean miss rate after those below, and within each, those
// above the mean decline share after those below: the agents who miss
// more, and those who decline more, are each runs of it.
func spreadRates(miss, decline []float64, n int, seed uint64) (missOut, declineOut []float64) {
	rate := func(rates []float64, i int) float64 {
		if rates == nil {
			return 0
		}
		return rates[i]
	}
	mean := func(rates []float64) float64 {
		if len(rates) == 0 {
			return 0
		}
		return sum(rates) / float64(len(rates))
	}
	missMean, declineMean := mean(miss), mean(decline)
	above := func(a, b int, rates []float64, mean float64) int { // those below first
		switch x, y := rate(rates, a) > mean, rate(rates, b) > mean; {
		case x == y:
			return 0
		case y:
			return -1
		}
		return 1
	}
	m := max(len(miss), len(decline))
	day := make([]int, m) // the day's agents, in that order
	for i := range day {
		day[i] = i
	}
	slices.SortStableFunc(day, func(a, b int) int {
		return cmp.Or(above(a, b, miss, missMean), above(a, b, decline, declineMean),
			cmp.Compare(rate(miss, a), rate(miss, b)), cmp.Compare(rate(decline, a), rate(decline, b)))
	})
	if miss != nil {
		missOut = make([]float64, n)
	}
	if decline != nil {
		declineOut = make([]float64, n)
	}
	for j, i := range rand.New(rand.NewPCG(seed, 0x6d69737365)).Perm(n) {
		k := day[min((2*j+1)*m/(2*n), m-1)]
		if miss != nil {
			missOut[i] = miss[k]
		}
		if decline != nil {
			declineOut[i] = decline[k]
		}
	}
	return missOut, declineOut
}
