package sim

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/session"
)

// An OfferTally is what a history's documents say of their offers (the
// session metadata's "offers": each offer to an agent, how it ended and
// when). Unlike the status log's aways (MissEstimate), it is a count: the
// offers that rang out and the accepted offers' delays, as they were.
// Documents written before the server listed offers have none; a history
// of them has no tally.
type OfferTally struct {
	// Documents is how many of the replay's documents list their offers.
	Documents int `json:"documents"`
	// Offered is every offer; each ended accepted, declined, missed (rang
	// out), rerouted while it rang (its agent went: set away for missed
	// offers, or away or offline of their own) or otherwise withdrawn
	// (another agent took the contact, the contact left).
	Offered   int `json:"offered"`
	Accepted  int `json:"accepted"`
	Declined  int `json:"declined"`
	Missed    int `json:"missed"`
	Rerouted  int `json:"rerouted"`
	Withdrawn int `json:"withdrawn"`
	// Taken are the withdrawn offers another agent took the contact of
	// first: a broadcast's. Whether their agents would have let them ring
	// is not known, so under broadcast offers MissRate counts only the
	// rounds every agent let ring, and is low.
	Taken int `json:"taken,omitempty"`
	// MissRate is the fraction of the offers the agents had to answer
	// (accepted, declined, rang out or rerouted) that they did not take
	// and did not decline: rang out or rerouted. An agent set away for
	// missed offers has their other offers rerouted as they ring, which
	// they were letting ring too, as the replay's agents do. MissLow and
	// MissHigh are its 95 % range (Wilson's).
	MissRate float64 `json:"miss_rate"`
	MissLow  float64 `json:"miss_low"`
	MissHigh float64 `json:"miss_high"`
	// AcceptDelay is the accepted offers' mean time from the offer to the
	// accept, seconds; AcceptP50 and AcceptP90 its median and 90th
	// percentile, AcceptCV its coefficient of variation. An auto-accept
	// assignment is no offer, and has none.
	AcceptDelay float64 `json:"accept_delay"`
	AcceptP50   float64 `json:"accept_p50"`
	AcceptP90   float64 `json:"accept_p90"`
	AcceptCV    float64 `json:"accept_cv"`
	// ReplayedDelay and ReplayedMiss say the replay took the accept delay
	// (--accept-delay observed) and the miss rate (--miss observed) from
	// here; Miss is the Config.Miss the rate became (the accepts past the
	// offer timeout ring out too).
	ReplayedDelay bool    `json:"replayed_delay,omitempty"`
	ReplayedMiss  bool    `json:"replayed_miss,omitempty"`
	Miss          float64 `json:"miss,omitempty"`

	// DeclineRate is the fraction of the offers the agents answered
	// (accepted or declined) that they declined; DeclineDelay the
	// declined offers' mean time from the offer to the decline, seconds.
	DeclineRate  float64 `json:"decline_rate"`
	DeclineDelay float64 `json:"decline_delay"`
	// ReplayedDecline says the replay's agents declined at DeclineRate,
	// after DeclineDelay on average (--decline observed).
	ReplayedDecline bool `json:"replayed_decline,omitempty"`

	// ByAgent are the agents' own rates (AgentRates): how far apart the
	// agents were in letting offers ring.
	ByAgent *AgentRates `json:"by_agent,omitempty"`
	// DeclineByAgent are the agents' own shares of the offers they
	// answered that they declined, as ByAgent's (Replayed: --decline
	// observed replayed each agent's).
	DeclineByAgent *AgentRates `json:"decline_by_agent,omitempty"`

	delays, declines []float64
	agents           agentCounts // offers to answer, those not taken
	answered         agentCounts // offers answered, those declined
}

// agentCount is one agent's n offers and the k of them that count: of
// the offers to answer (accepted, declined, rang out, rerouted as they
// rang), those not taken (rang out, rerouted); of the offers answered
// (accepted, declined), those declined.
type agentCount struct{ n, k int }

// agentCounts are agents' counts, by agent.
type agentCounts map[string]*agentCount

// count counts one of agent's offers; k says if it is of the k.
func (cs agentCounts) count(agent string, k bool) {
	c := cs[agent]
	if c == nil {
		c = &agentCount{}
		cs[agent] = c
	}
	c.n++
	if k {
		c.k++
	}
}

// historyOffer is an offer of a document, read: its agent, its result,
// and the time from the offer to its end (accepted, declined, missed).
type historyOffer struct {
	agent, result, reason string
	took                  time.Duration
}

// add counts a document's offers.
func (t *OfferTally) add(offers []historyOffer) {
	if t.agents == nil {
		t.agents, t.answered = agentCounts{}, agentCounts{}
	}
	t.Documents++
	for _, o := range offers {
		t.Offered++
		answer, taken := true, true // an offer the agent had to answer; taken
		switch o.result {
		case session.OfferAccepted:
			t.Accepted++
			t.delays = append(t.delays, o.took.Seconds())
		case session.OfferDeclined:
			t.Declined++
			t.declines = append(t.declines, o.took.Seconds())
		case session.OfferMissed:
			t.Missed++
			taken = false
		case session.OfferWithdrawn:
			if o.reason == session.WithdrawnRerouted {
				t.Rerouted++
				taken = false
			} else {
				t.Withdrawn++
				answer = false
				if o.reason == session.WithdrawnTaken {
					t.Taken++
				}
			}
		}
		if !answer {
			continue
		}
		t.agents.count(o.agent, !taken)
		if taken {
			t.answered.count(o.agent, o.result == session.OfferDeclined)
		}
	}
}

// finish computes the rates and the delays' figures.
func (t *OfferTally) finish() {
	t.MissRate, t.MissLow, t.MissHigh = wilson(t.Missed+t.Rerouted, t.Accepted+t.Declined+t.Missed+t.Rerouted)
	if t.Accepted+t.Declined > 0 {
		t.DeclineRate = float64(t.Declined) / float64(t.Accepted+t.Declined)
	}
	if len(t.declines) > 0 {
		t.DeclineDelay = round3(sum(t.declines) / float64(len(t.declines)))
	}
	if len(t.agents) > 0 {
		t.ByAgent = agentRates(t.agents)
	}
	if len(t.answered) > 0 {
		t.DeclineByAgent = agentRates(t.answered)
	}
	if len(t.delays) == 0 {
		return
	}
	slices.Sort(t.delays)
	t.AcceptDelay = round3(sum(t.delays) / float64(len(t.delays)))
	t.AcceptP50, t.AcceptP90 = round3(quantileSorted(t.delays, 0.5)), round3(quantileSorted(t.delays, 0.9))
	t.AcceptCV = round3(cv(t.delays))
}

// quantileSorted is the q quantile of sorted xs (the nearest rank).
func quantileSorted(xs []float64, q float64) float64 {
	k := int(math.Ceil(q*float64(len(xs)))) - 1
	return xs[min(max(k, 0), len(xs)-1)]
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// wilson is k out of n as a fraction, with its 95 % range (the Wilson
// score interval); zeros when n is 0.
func wilson(k, n int) (p, lo, hi float64) {
	if n == 0 {
		return 0, 0, 0
	}
	z := normalQuantile(0.975)
	nf := float64(n)
	p = float64(k) / nf
	d := 1 + z*z/nf
	c := (p + z*z/(2*nf)) / d
	h := z / d * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf))
	return p, max(c-h, 0), min(c+h, 1)
}

// text says what the documents' offers gave and what the replay made of
// them.
func (t *OfferTally) text() string {
	s := fmt.Sprintf("%d offers in %d documents: %d accepted", t.Offered, t.Documents, t.Accepted)
	if t.Accepted > 0 {
		s += fmt.Sprintf(" after %.3g s on average (median %.3g, p90 %.3g)", t.AcceptDelay, t.AcceptP50, t.AcceptP90)
	}
	s += fmt.Sprintf(", %d rang out and %s: %.3g %% not taken (95 %% between %.3g and %.3g %%); %d declined",
		t.Missed, counted(t.Rerouted, "was rerouted as it rang (its agent went)", "were rerouted as they rang (their agent went)"), 100*t.MissRate, 100*t.MissLow, 100*t.MissHigh, t.Declined)
	if t.Declined > 0 {
		s += fmt.Sprintf(" (%.3g %% of those answered, after %.3g s on average)", 100*t.DeclineRate, t.DeclineDelay)
	}
	s += fmt.Sprintf(", %d withdrawn (taken by another, the contact left)", t.Withdrawn)
	for _, by := range []struct {
		r    *AgentRates
		what string
		any  bool // an offer of the kind at all
	}{{t.ByAgent, "let offers ring", true}, {t.DeclineByAgent, "declined", t.Declined > 0}} {
		switch r := by.r; {
		case r == nil || r.Agents < 2 || !by.any:
		case r.Spread > 0:
			s += fmt.Sprintf("; the %d agents %s apart (ρ %.3g): their own rates from %.3g to %.3g %%, median %.3g %%",
				r.Agents, by.what, r.Spread, 100*r.Min, 100*r.Max, 100*r.Median)
		default:
			s += fmt.Sprintf("; the %d agents %s alike, as far as chance tells (ρ 0)", r.Agents, by.what)
		}
	}
	var took []string
	if t.ReplayedDelay {
		took = append(took, "accept after the observed mean (--accept-delay observed)")
	}
	switch {
	case !t.ReplayedMiss:
	case t.ByAgent != nil && t.ByAgent.Replayed:
		took = append(took, "let offers ring out each at their own rate (--miss observed)")
	case t.Miss < t.MissRate:
		took = append(took, fmt.Sprintf("let %.3g %% ring out, and accepts past the offer timeout the rest (--miss observed)", 100*t.Miss))
	default:
		took = append(took, "let as many ring out (--miss observed)")
	}
	switch {
	case !t.ReplayedDecline:
	case t.DeclineByAgent != nil && t.DeclineByAgent.Replayed:
		took = append(took, "decline each their own share of those they answer (--decline observed)")
	default:
		took = append(took, fmt.Sprintf("decline %.3g %% of those they answer (--decline observed)", 100*t.DeclineRate))
	}
	if len(took) > 0 {
		s += "; the replay's agents " + strings.Join(took, " and ")
	}
	if t.Taken > 0 {
		s += "; " + counted(t.Taken, "offer was a broadcast's that another agent took first", "offers were a broadcast's that another agent took first") +
			": whether the agents offered them would have let them ring is not known, so the rate not taken counts only the rounds every agent let ring, and is low (give such a day --miss)"
	}
	return s
}
