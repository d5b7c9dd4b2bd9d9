package sim

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/presence"
)

// Span is a time an agent is on shift, from the start of the run: [From,
// To).
type Span struct {
	From, To time.Duration
}

// checkShifts validates Config.Shifts, once the profile is checked, and
// sets Agents and each interval's mean of agents on shift from them.
func (c *Config) checkShifts() error {
	if len(c.Shifts) == 0 {
		return nil
	}
	switch {
	case len(c.Arrivals) == 0 || len(c.Profile) == 0:
		return fmt.Errorf("%w: shifts go with a replay (arrivals) cut into intervals", ErrConfig)
	case len(c.Schedule) > 0:
		return fmt.Errorf("%w: shifts and a schedule: the shifts are the schedule", ErrConfig)
	case len(c.Teams) > 0 && c.InterleaveTeams:
		return fmt.Errorf("%w: shifts with interleaved teams: agent i's shift is Shifts[i], the agents team after team", ErrConfig)
	case len(c.Shifts) > MaxAgents:
		return fmt.Errorf("%w: shifts of %d agents (at most %d)", ErrConfig, len(c.Shifts), MaxAgents)
	case c.Agents == 0:
		c.Agents = len(c.Shifts)
	case c.Agents != len(c.Shifts):
		return fmt.Errorf("%w: agents %d, but shifts of %d", ErrConfig, c.Agents, len(c.Shifts))
	}
	for i, spans := range c.Shifts {
		for j, s := range spans {
			if s.From < 0 || s.To <= s.From || j > 0 && s.From < spans[j-1].To {
				return fmt.Errorf("%w: agent %d's shift %d, %v to %v: shifts run forward, one after the other, from 0", ErrConfig, i+1, j+1, s.From, s.To)
			}
		}
	}
	c.shiftMeans = meanOnShift(c.Shifts, nil, c.Interval.Seconds(), len(c.Profile))
	if !slices.ContainsFunc(c.shiftMeans, func(x float64) bool { return x > 0 }) {
		return fmt.Errorf("%w: the shifts put no agent on shift in the run", ErrConfig)
	}
	c.Shifts = slices.Clone(c.Shifts)
	return nil
}

// meanOnShift is, for each of the n intervals of length iv seconds from
// 0, the agent-time on shift in it over its length (none after the n);
// with weights, each agent's counts weights[i] times.
func meanOnShift(shifts [][]Span, weights []float64, iv float64, n int) []float64 {
	out := make([]float64, n)
	for i, spans := range shifts {
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		for _, s := range spans {
			for k, d := range intervalParts(s.From.Seconds(), math.Min(s.To.Seconds(), float64(n)*iv), iv, n) {
				out[k] += w * d / iv
			}
		}
	}
	return out
}

// rostered reports whether agents come on and off shift: a Schedule, or
// Shifts.
func (c *Config) rostered() bool { return len(c.Schedule) > 0 || len(c.Shifts) > 0 }

// offShift returns the parts of [lo, hi) outside spans.
func offShift(spans []Span, lo, hi float64) [][2]float64 {
	var out [][2]float64
	for _, s := range spans {
		from, to := s.From.Seconds(), s.To.Seconds()
		if to <= lo {
			continue
		}
		if from >= hi {
			break
		}
		if from > lo {
			out = append(out, [2]float64{lo, from})
		}
		lo = math.Max(lo, to)
		if lo >= hi {
			return out
		}
	}
	if lo < hi {
		out = append(out, [2]float64{lo, hi})
	}
	return out
}

// scheduleShifts schedules each agent's coming on and going off shift
// (Config.Shifts): off at 0 unless a shift starts then.
func (d *driver) scheduleShifts() {
	for i, spans := range d.cfg.Shifts {
		if len(spans) == 0 || spans[0].From > 0 {
			d.schedule(event{at: 0, kind: evOff, agent: i})
		}
		for _, s := range spans {
			if s.From > 0 {
				d.schedule(event{at: s.From.Seconds(), kind: evOn, agent: i})
			}
			d.schedule(event{at: s.To.Seconds(), kind: evOff, agent: i})
		}
	}
}

// setShift puts agent i on shift, available, or off it, away, finishing
// the contacts they have. An agent coming on shift takes what waits for
// it at once.
func (d *driver) setShift(i int, away bool) error {
	a := &d.agents[i]
	if away == a.away {
		return nil
	}
	status := presence.Available
	if away {
		status = presence.Away
	}
	if err := d.do(hub.SetPresence{Agent: a.id, Status: status}); err != nil {
		return err
	}
	a.away = away
	a.missedAway = a.missedAway && away // coming on shift, available
	return nil
}

// Shifts are the agents' shifts in the history's window by its status log
// (Statuses; an agent is on shift while available), for Config.Shifts:
// one agent per agent of the log available in the window, in the order
// their first shift in it starts (then by id).
func (h *History) Shifts() [][]Span {
	byAgent := h.shiftsByAgent(h.ReplaysMissed)
	agents := shiftOrder(byAgent)
	out := make([][]Span, len(agents))
	for i, a := range agents {
		out[i] = byAgent[a]
	}
	return out
}

// shiftOrder is the agents of byAgent in the order their first shift
// starts, then by id.
func shiftOrder(byAgent map[string][]Span) []string {
	return slices.SortedFunc(maps.Keys(byAgent), func(a, b string) int {
		return cmp.Or(cmp.Compare(byAgent[a][0].From, byAgent[b][0].From), strings.Compare(a, b))
	})
}

// shiftsByAgent are the status log's shifts in the history's window, by
// agent id. With replaysMissed, an agent's away for missed offers does
// not end their shift, nor does their coming back start one: the replay
// sets its agents away for its own misses.
func (h *History) shiftsByAgent(replaysMissed bool) map[string][]Span {
	byAgent := map[string][]Span{}
	window := h.End.Sub(h.Start)
	add := func(agent string, from, to time.Time) {
		if s := (Span{From: max(from.Sub(h.Start), 0), To: min(to.Sub(h.Start), window)}); s.From < s.To {
			byAgent[agent] = append(byAgent[agent], s)
		}
	}
	since := map[string]time.Time{}
	folded := map[string]bool{} // on shift through an away for missed offers
	for _, e := range h.Statuses {
		t, on := since[e.Agent]
		switch {
		case replaysMissed && on && e.missedAway():
			folded[e.Agent] = true
			continue
		case folded[e.Agent] && e.Status == "available":
			delete(folded, e.Agent)
			continue
		}
		delete(folded, e.Agent)
		if on {
			add(e.Agent, t, e.At)
			delete(since, e.Agent)
		}
		if e.Status == "available" {
			since[e.Agent] = e.At
		}
	}
	for a, t := range since {
		add(a, t, h.End)
	}
	return byAgent
}

// missedAways is how many times in the window the status log shows the
// hub setting an agent away for missed offers.
func (h *History) missedAways() int {
	n := 0
	for _, e := range h.Statuses {
		if h.missedAwayIn(e) {
			n++
		}
	}
	return n
}

// missedAwayIn says e is the hub setting an agent away for missed offers
// within the history's window.
func (h *History) missedAwayIn(e StatusChange) bool {
	return e.missedAway() && !e.At.Before(h.Start) && e.At.Before(h.End)
}

// occupancy is what the agents' shifts by the status log (shiftsByAgent)
// and the documents say the agents' occupancy was: their busy time (each
// answered contact from its assignment to its wrap-up) over the time they
// worked (on shift, and past it holding contacts). With capacity, it is a
// single media's: each contact holds one of an agent's capacity(agent)
// slots. Without (nil), a blend's: an agent is busy while holding any
// contact.
func (h *History) occupancy(shifts map[string][]Span, capacity func(agent string) int) float64 {
	window := h.End.Sub(h.Start)
	clip := func(s Span) Span { return Span{From: max(s.From, 0), To: min(s.To, window)} }
	busySpans := map[string][]Span{}
	var slotTime time.Duration
	for _, w := range h.work {
		s := clip(Span{From: w.from, To: w.to})
		if s.To > s.From {
			busySpans[w.agent] = append(busySpans[w.agent], s)
			slotTime += s.To - s.From
		}
	}
	var busy, worked time.Duration
	var slots float64 // the slot-time worked
	add := func(a string, d time.Duration) {
		worked += d
		if capacity != nil {
			slots += float64(capacity(a)) * d.Seconds()
		}
	}
	for a, spans := range busySpans {
		busy += unionLength(spans)
		add(a, unionLength(append(slices.Clone(spans), shifts[a]...)))
	}
	for a, spans := range shifts {
		if busySpans[a] == nil {
			add(a, unionLength(spans))
		}
	}
	if capacity != nil {
		return ratio(slotTime.Seconds(), slots)
	}
	return ratio(busy.Seconds(), worked.Seconds())
}

// unionLength is how long the spans cover, counting overlaps once.
func unionLength(spans []Span) time.Duration {
	slices.SortFunc(spans, func(a, b Span) int { return cmp.Compare(a.From, b.From) })
	var total, end time.Duration
	for i, s := range spans {
		if i == 0 || s.From > end {
			total += s.To - s.From
			end = s.To
			continue
		}
		if s.To > end {
			total += s.To - end
			end = s.To
		}
	}
	return total
}
