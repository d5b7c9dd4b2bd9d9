package sim

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
)

// A MissEstimate is what a manual-accept day's status log says of the
// offers its agents let ring out. The documents do not say which offers
// rang out; the log says how often an agent let Limit ring out in a row,
// because the hub then set them away (reason missed_offers).
//
// If each offer rings out with chance p, on its own, an agent's count of
// misses in a row starts at 0 and ends either with an accept (the offer
// taken) or at Limit misses (the away; coming back available starts it
// again at 0). Each such run ends in an away with chance p^Limit, so
// there are p^Limit/(1−p^Limit) aways for each offer accepted, and
//
//	p = (Aways / (Answered + Aways))^(1/Limit)
//
// where Answered is the contacts answered through an offer (chats and
// calls; emails are assigned without one). Low and High are its 95 %
// range, from the exact (Garwood) range of a Poisson count of Aways. With
// Limit 3, a miss rate of 5 % sets an agent away about once every 8,000
// offers taken, so the log of a small day says little, and the range
// shows it.
//
// What the model leaves out: an offer revoked while it rang (its contact
// abandoned, or was taken by someone else) is neither an accept nor a
// miss; an agent who sets themselves available also starts the count
// again.
type MissEstimate struct {
	// Aways is how many times in the window the log shows the hub setting
	// an agent away for missed offers, after Limit in a row; Answered is
	// the contacts answered through an offer.
	Aways    int `json:"aways"`
	Answered int `json:"answered"`
	Limit    int `json:"limit"`
	// Limits counts the aways by the misses in a row they came after,
	// when the log has more than one limit (the workspace's miss_limit
	// changed in the window): Limit is then the most common, and the
	// estimate takes every away as if it came at Limit.
	Limits map[int]int `json:"limits,omitempty"`
	// Rate is the estimated fraction of offers that rang out, Low and
	// High its 95 % range.
	Rate float64 `json:"rate"`
	Low  float64 `json:"low"`
	High float64 `json:"high"`
	// BackAfter is how long, on average, an agent set away took to set
	// themselves available again, seconds, over Backs of the aways (those
	// that ended in available, not offline); 0 when none did.
	BackAfter float64 `json:"back_after,omitempty"`
	Backs     int     `json:"backs,omitempty"`
	// Replayed says the replay's agents missed offers at Rate
	// (--miss observed); Miss is the fraction of offers they let ring out
	// besides their accept delays past the offer timeout (Config.Miss).
	Replayed bool    `json:"replayed,omitempty"`
	Miss     float64 `json:"miss,omitempty"`
	// Counted says --miss observed took the documents' count of the
	// offers that rang out (OfferTally) instead: the estimate is only
	// shown beside it.
	Counted bool `json:"counted,omitempty"`
}

// EstimateMisses is what the history's status log (Statuses) says of the
// offers its agents let ring out: the aways for missed offers in the
// window, against the contacts answered through an offer.
func (h *History) EstimateMisses() MissEstimate {
	e := MissEstimate{}
	limits := map[int]int{}
	for _, c := range h.past {
		if c.answered && h.Media[c.media].Media != presence.Email {
			e.Answered++
		}
	}
	away := map[string]time.Time{} // agent → since when the hub had them away
	var back time.Duration
	for _, s := range h.Statuses {
		if at, ok := away[s.Agent]; ok {
			delete(away, s.Agent)
			if s.Status == "available" {
				back += s.At.Sub(at)
				e.Backs++
			}
		}
		if h.missedAwayIn(s) {
			e.Aways++
			away[s.Agent] = s.At
			l := cmp.Or(s.MissLimit, router.DefaultMissLimit)
			limits[l]++
			if limits[l] >= limits[e.Limit] { // ties: the later
				e.Limit = l
			}
		}
	}
	e.Limit = cmp.Or(e.Limit, router.DefaultMissLimit)
	if len(limits) > 1 {
		e.Limits = limits
	}
	if e.Backs > 0 {
		e.BackAfter = back.Seconds() / float64(e.Backs)
	}
	e.Rate, e.Low, e.High = missRate(e.Aways, e.Answered, e.Limit)
	return e
}

// missRate is the fraction of offers that rang out, and its 95 % range,
// when aways runs of limit misses in a row ended in an away for answered
// offers taken (MissEstimate).
func missRate(aways, answered, limit int) (rate, lo, hi float64) {
	if aways+answered == 0 || limit < 1 {
		return 0, 0, 0
	}
	p := func(w float64) float64 { return math.Pow(w/(float64(answered)+w), 1/float64(limit)) }
	if aways > 0 {
		lo = p(gammaQuantile(aways, 0.025))
	}
	return p(float64(aways)), lo, p(gammaQuantile(aways+1, 0.975))
}

// replayMiss is the Config.Miss that has a replay's offers ring out at
// rate: an accept delay past the offer timeout rings out too, so the
// misses are what is left.
func replayMiss(rate float64, delay, timeout time.Duration, dist HandleDist) float64 {
	q := 0.0 // the chance that an accept comes too late
	switch {
	case delay <= 0:
	case dist == Constant:
		if delay >= timeout {
			q = 1
		}
	default:
		q = math.Exp(-timeout.Seconds() / delay.Seconds())
	}
	if q >= 1 || rate <= q {
		return 0
	}
	return min((rate-q)/(1-q), MaxMiss)
}

// countedText ends an estimate's text when the replay took the documents'
// count instead (MissEstimate.Counted).
const countedText = " (the replay takes the documents' count instead)"

// text says what the log gave and what the replay made of it.
func (e *MissEstimate) text() string {
	offers := fmt.Sprintf("%d contacts answered through an offer", e.Answered)
	if e.Aways == 0 {
		t := fmt.Sprintf("no away for missed offers in the log: fewer than %.3g %% of offers rang out (95 %%), over %s", 100*e.High, offers)
		switch {
		case e.Counted:
			t += countedText
		case e.Replayed:
			t += "; the replay's agents let none ring out (--miss observed)"
		}
		return t
	}
	t := fmt.Sprintf("about %.3g %% of offers rang out (95 %% between %.3g and %.3g %%), from the aways after %d in a row over %s",
		100*e.Rate, 100*e.Low, 100*e.High, e.Limit, offers)
	if len(e.Limits) > 1 {
		var ls []string
		for _, l := range slices.Sorted(maps.Keys(e.Limits)) {
			ls = append(ls, fmt.Sprintf("%d in a row %s", l, times(e.Limits[l])))
		}
		t += fmt.Sprintf(" (the log's aways came after %s: the estimate takes them all at %d, the most common)",
			strings.Join(ls, ", "), e.Limit)
	}
	if e.Backs > 0 {
		t += fmt.Sprintf("; agents came back after %.3g s on average", e.BackAfter)
	}
	switch {
	case e.Counted:
		t += countedText
	case !e.Replayed:
		t += " (--miss observed replays them)"
	case e.Miss < e.Rate:
		t += fmt.Sprintf("; the replay's agents let %.3g %% ring out, and accepts past the offer timeout the rest (--miss observed)", 100*e.Miss)
	default:
		t += "; the replay's agents let as many ring out (--miss observed)"
	}
	return t
}
