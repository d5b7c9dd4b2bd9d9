package sim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Bounds of a profile.
const (
	maxIntervals    = 1000
	minInterval     = 60 // seconds
	defaultInterval = 1800
)

// checkProfile validates the profile and the schedule and fills Rate,
// Interval and Agents from them (copies: the caller's slices are not
// changed).
func (c *Config) checkProfile() error {
	if len(c.Profile) == 0 {
		switch {
		case len(c.Schedule) > 0:
			return fmt.Errorf("%w: a schedule needs a profile (its intervals)", ErrConfig)
		case c.Interval != 0:
			return fmt.Errorf("%w: an interval needs a profile", ErrConfig)
		}
		return nil
	}
	switch {
	case len(c.Profile) > maxIntervals:
		return fmt.Errorf("%w: %d profile intervals (at most %d)", ErrConfig, len(c.Profile), maxIntervals)
	case c.Rate != 0:
		return fmt.Errorf("%w: rate %v with a profile: the profile gives the rates", ErrConfig, c.Rate)
	case c.Interval == 0:
		c.Interval = defaultInterval * time.Second
	case c.Interval.Seconds() < minInterval:
		return fmt.Errorf("%w: interval %v (at least a minute)", ErrConfig, c.Interval)
	}
	var sum float64
	for k, r := range c.Profile {
		if !(r >= 0) || math.IsInf(r, 0) {
			return fmt.Errorf("%w: profile interval %d rate %v (want ≥ 0 per second)", ErrConfig, k+1, r)
		}
		sum += r
	}
	if sum == 0 {
		return fmt.Errorf("%w: the profile has no arrivals (every rate 0)", ErrConfig)
	}
	c.Profile = slices.Clone(c.Profile)
	c.Rate = sum / float64(len(c.Profile))
	if len(c.Schedule) == 0 {
		return nil
	}
	switch {
	case len(c.Schedule) != len(c.Profile):
		return fmt.Errorf("%w: a schedule of %d intervals for a profile of %d", ErrConfig, len(c.Schedule), len(c.Profile))
	case len(c.Teams) > 0:
		return fmt.Errorf("%w: a schedule with teams: the schedule puts agents 1 to n on shift, whatever their team", ErrConfig)
	}
	most := 0
	for k, n := range c.Schedule {
		if n < 0 || n > MaxAgents {
			return fmt.Errorf("%w: schedule interval %d has %d agents (0..%d)", ErrConfig, k+1, n, MaxAgents)
		}
		most = max(most, n)
	}
	switch {
	case most == 0:
		return fmt.Errorf("%w: the schedule puts no agent on shift", ErrConfig)
	case c.Agents == 0:
		c.Agents = most
	case c.Agents != most:
		return fmt.Errorf("%w: agents %d, but the schedule has at most %d on shift", ErrConfig, c.Agents, most)
	}
	c.Schedule = slices.Clone(c.Schedule)
	return nil
}

// onShift is how many agents are on shift in profile interval k.
func (c *Config) onShift(k int) int {
	switch {
	case len(c.shiftMeans) > 0:
		return int(math.Round(c.shiftMeans[k]))
	case len(c.Schedule) == 0:
		return c.Agents
	}
	return c.Schedule[k]
}

// interval returns the number g of the interval that holds time t (from
// 0), its index in the profile and its end.
func (d *driver) interval(t float64) (g, k int, end float64) {
	g, end = intervalOf(t, d.cfg.Interval.Seconds())
	return g, g % len(d.cfg.Profile), end
}

// intervalOf returns the number g of the interval of length iv that holds
// time t (from 0), and its end.
func intervalOf(t, iv float64) (g int, end float64) {
	g = int(math.Floor(t / iv))
	for float64(g+1)*iv <= t { // t/iv rounded down across a boundary
		g++
	}
	return g, float64(g+1) * iv
}

// shiftTimes returns, for each profile interval, the agent-time on shift
// inside the measured window (agents on shift × time), over every cycle;
// nil without a profile.
func (d *driver) shiftTimes() []float64 {
	cfg := d.cfg
	if len(cfg.Profile) == 0 {
		return nil
	}
	iv, n := cfg.Interval.Seconds(), len(cfg.Profile)
	out := make([]float64, n)
	if len(cfg.Shifts) > 0 { // a replay's: its window is its intervals
		for k, m := range meanOnShift(cfg.Shifts, nil, iv, n) {
			out[k] = m * iv
		}
		return out
	}
	for g := int(d.w0 / iv); float64(g)*iv < d.w1; g++ {
		lo, hi := math.Max(float64(g)*iv, d.w0), math.Min(float64(g+1)*iv, d.w1)
		if hi > lo {
			out[g%n] += (hi - lo) * float64(cfg.onShift(g%n))
		}
	}
	return out
}

// nextArrival returns the time of the arrival after one at from: the next
// of a replay's Arrivals; or a Poisson process of the run's rate, or of
// the profile's rate in each interval (an exponential amount of the
// rate's integral, walked over the intervals).
func (d *driver) nextArrival(from float64) float64 {
	if len(d.cfg.Arrivals) > 0 {
		return d.nextReplayed()
	}
	if len(d.cfg.Profile) == 0 {
		return from + d.exp(d.arrivals, 1/d.cfg.Rate)
	}
	need := d.arrivals.ExpFloat64()
	t := from
	for {
		_, k, end := d.interval(t)
		r := d.cfg.Profile[k]
		if r > 0 && need <= r*(end-t) {
			return t + need/r
		}
		need -= r * (end - t)
		t = end
	}
}

// shift puts the agents of interval g's schedule on shift, available, and
// the others away, then schedules the next interval's shift. An agent
// coming on shift takes what waits for it at once.
func (d *driver) shift(g int) error {
	k := g % len(d.cfg.Profile)
	n := d.cfg.onShift(k)
	d.setClock()
	for i := range d.agents {
		if err := d.setShift(i, i >= n); err != nil {
			return err
		}
	}
	// After the window, shifts go on while contacts wait: those that came
	// in a closed interval at the end are served when it next opens.
	if next := float64(g+1) * d.cfg.Interval.Seconds(); next < d.w1 || len(d.calls) > d.busy {
		d.schedule(event{at: next, kind: evShift, agent: g + 1})
	}
	return nil
}

// IntervalReport is one interval of a profile, over every cycle of the
// measured window.
type IntervalReport struct {
	// Start is when the interval starts, seconds into the cycle. Clock is
	// that time on a replayed history's clock (RFC 3339, with the offset
	// of the day): across a change to or from daylight-saving time, it is
	// not Start from midnight.
	Start float64 `json:"start"`
	Clock string  `json:"clock,omitempty"`
	// Rate is its arrival rate per second and Agents the agents on shift.
	Rate   float64 `json:"rate"`
	Agents int     `json:"agents"`
	// Simulated are the figures of the contacts that arrived in it.
	// Occupancy is the busy slot-time in it over the slot-time worked in
	// it: on shift, and past the shift finishing contacts (Overtime).
	Simulated Part    `json:"simulated"`
	Occupancy float64 `json:"occupancy"`
	// Observed is what the contacts that arrived in it met in a replayed
	// history, and AgentsSeen how many agents the history shows working
	// in it (History.Working; absent when none).
	Observed   *Part `json:"observed,omitempty"`
	AgentsSeen int   `json:"agents_seen,omitempty"`
	// AgentsAvailable is how many agents the history's status log shows
	// available in it, on average (History.Available; with --statuses).
	AgentsAvailable float64 `json:"agents_available,omitempty"`
	// Overtime is the agent-time, seconds, of agents off shift in it
	// finishing contacts they took on shift, over every cycle of the
	// window; with a schedule only.
	Overtime float64 `json:"overtime,omitempty"`
	// Erlang is the model for the interval on its own, as if its rate and
	// agents held steady (the stationary independent period-by-period
	// approximation of workforce planning): Erlang C, or A with patience.
	// Nil when the model has no steady state.
	Erlang *Prediction `json:"erlang,omitempty"`
	// Staffing is the interval's own staffing search, when the schedule
	// came from one (StaffProfile).
	Staffing *Staffing `json:"staffing,omitempty"`
	// Media are its contacts media by media, in a blended run, each
	// within its own threshold.
	Media []IntervalMedia `json:"media,omitempty"`
}

// IntervalMedia is one media's contacts that arrived in one interval.
type IntervalMedia struct {
	Media     string `json:"media"`
	Simulated Part   `json:"simulated"`
	// Erlang is the model for this media in this interval on its own, in a
	// run of one media (Erlang C, or A with patience); nil in a blend.
	Erlang *Prediction `json:"erlang,omitempty"`
}

// reportIntervals fills r's intervals, with worked the slot-time worked
// in each: on shift and overtime.
func (d *driver) reportIntervals(r *Report, worked []float64) {
	cfg := d.cfg
	iv := cfg.Interval.Seconds()
	if cfg.rostered() {
		r.Notes = append(r.Notes, "occupancy is of the agents' time worked: on shift, and after it finishing contacts (overtime); fairness is over the whole window, whatever each agent's shifts")
	}
	theta, t := cfg.Patience.Seconds(), cfg.SLThreshold.Seconds()
	h, _ := cfg.serviceTime()
	for k, rate := range cfg.Profile {
		ir := IntervalReport{Start: float64(k) * iv, Rate: rate, Agents: cfg.onShift(k),
			Simulated: d.m.intervals[k].part(), Occupancy: ratio(d.m.ivBusy[k], worked[k]), Overtime: d.m.ivOvertime[k]}
		if ir.Agents > 0 && !cfg.blended() {
			if p, err := model(rate, h, cfg.slotsOnShift(k), t, theta); err == nil {
				ir.Erlang = p
			}
		}
		for j, m := range cfg.Media {
			im := IntervalMedia{Media: m.Media.String(), Simulated: d.m.ivMedia[k*len(cfg.Media)+j].part()}
			if len(cfg.Media) == 1 && ir.Agents > 0 {
				im.Erlang, _ = cfg.mediaModelAt(j, ir.Agents, rate)
				ir.Erlang = im.Erlang
			}
			ir.Media = append(ir.Media, im)
		}
		r.Intervals = append(r.Intervals, ir)
	}
	if len(cfg.Media) <= 1 {
		r.Notes = append(r.Notes, "the arrival rate follows a profile: the models are per interval, each as if its rate and agents held steady")
	}
}

// writeIntervals adds the intervals to a report's table.
func writeIntervals(b *strings.Builder, ivs []IntervalReport) {
	staffed := slices.ContainsFunc(ivs, func(iv IntervalReport) bool { return iv.Staffing != nil })
	k := slices.IndexFunc(ivs, func(iv IntervalReport) bool { return iv.Staffing != nil && iv.Staffing.Scheduled > 0 })
	rostered := k >= 0
	model := ""
	if staffed {
		model = "model's agents"
	}
	if rostered { // the simulation's agents as a roster
		model += fmt.Sprintf("  to schedule (agents ÷ %.4g)", 1-ivs[k].Staffing.Targets.Shrinkage)
	}
	byMedia := len(ivs) > 0 && len(ivs[0].Media) > 1
	if byMedia {
		model = joinSome("SL by media (each its T)", model)
	}
	observed := slices.ContainsFunc(ivs, func(iv IntervalReport) bool { return iv.Observed != nil })
	seenSL := ""
	if observed {
		seenSL = fmt.Sprintf("%-11s %-11s ", "observed SL", "agents seen")
	}
	avail := slices.ContainsFunc(ivs, func(iv IntervalReport) bool { return iv.AgentsAvailable > 0 })
	if avail {
		seenSL += fmt.Sprintf("%-9s ", "available")
	}
	// A day with no model in any interval (a blend's) has no model column.
	modelled := slices.ContainsFunc(ivs, func(iv IntervalReport) bool { return iv.Erlang != nil })
	slHead, asaHead, w := "service level (model)", "ASA (model)", 22
	if !modelled {
		slHead, asaHead, w = "service level", "ASA", 13
	}
	labels := intervalLabels(ivs)
	lw := 9
	for _, l := range labels {
		lw = max(lw, len(l))
	}
	fmt.Fprintf(b, "\n%-*s %-9s %-7s %-*s %s%-*s %-9s %-10s %s\n", lw, "interval", "rate/s", "agents", w, slHead, seenSL, w, asaHead, "abandon", "occupancy", model)
	for k, iv := range ivs {
		sl := fmt.Sprintf("%.2f %%", 100*iv.Simulated.ServiceLevel)
		asa := fmt.Sprintf("%.1f s", iv.Simulated.ASA)
		switch {
		case iv.Erlang != nil:
			sl += fmt.Sprintf(" (%.2f %%)", 100*iv.Erlang.ServiceLevel)
			asa += fmt.Sprintf(" (%.1f s)", iv.Erlang.ASA)
		case modelled:
			sl += " (—)"
			asa += " (—)"
		}
		if iv.Simulated.Arrivals == 0 {
			sl, asa = "—", "—"
		}
		var bySL, agents string
		if byMedia {
			var parts []string
			for _, im := range iv.Media {
				sl := "—"
				if im.Simulated.Arrivals > 0 {
					sl = fmt.Sprintf("%.1f %%", 100*im.Simulated.ServiceLevel)
				}
				parts = append(parts, im.Media+" "+sl)
			}
			bySL = strings.Join(parts, ", ")
		}
		var roster string
		if iv.Staffing != nil {
			agents = strconv.Itoa(iv.Staffing.ModelAgents)
			if rostered {
				agents, roster = fmt.Sprintf("%-14s", agents), strconv.Itoa(iv.Staffing.Scheduled)
			}
		}
		m := joinSome(bySL, agents, roster)
		if observed {
			seenSL = fmt.Sprintf("%-11s %-11d ", "—", iv.AgentsSeen)
			if o := iv.Observed; o != nil && o.Arrivals > 0 {
				seenSL = fmt.Sprintf("%-11s %-11d ", fmt.Sprintf("%.2f %%", 100*o.ServiceLevel), iv.AgentsSeen)
			}
		}
		if avail {
			seenSL += fmt.Sprintf("%-9.4g ", iv.AgentsAvailable)
		}
		fmt.Fprintf(b, "%-*s %-9.4g %-7d %-*s %s%-*s %-9s %-10s %s\n", lw, labels[k], iv.Rate, iv.Agents,
			w, sl, seenSL, w, asa, fmt.Sprintf("%.2f %%", 100*iv.Simulated.AbandonRate), fmt.Sprintf("%.2f %%", 100*iv.Occupancy), m)
	}
}

// joinSome joins the columns that are not empty, two spaces apart.
func joinSome(cols ...string) string {
	return strings.Join(slices.DeleteFunc(cols, func(c string) bool { return c == "" }), "  ")
}

// intervalLabels are the intervals' starts as the table shows them:
// clockLabel of Start; or, in a replayed history, the wall clock of Clock,
// its day counted in calendar days from the first interval's, and its
// offset from UTC on the first interval after a change of it (to or from
// daylight-saving time: an hour skipped, or one that comes twice).
func intervalLabels(ivs []IntervalReport) []string {
	out := make([]string, len(ivs))
	var first, prev time.Time
	for k, iv := range ivs {
		t, err := time.Parse(time.RFC3339, iv.Clock)
		if err != nil { // no clock: not a history's
			out[k] = clockLabel(int(iv.Start))
			continue
		}
		if first.IsZero() {
			first, prev = t, t
		}
		l := t.Format("15:04")
		if day := calendarDays(first, t); day > 0 {
			l = fmt.Sprintf("d%d %s", day+1, l)
		}
		_, off := t.Zone()
		if _, before := prev.Zone(); off != before {
			l += " " + t.Format("Z07:00")
		}
		out[k], prev = l, t
	}
	return out
}

// calendarDays is how many calendar days b's date is after a's, each on
// its own clock.
func calendarDays(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return int(time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC).Sub(time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)) / (24 * time.Hour))
}

// clockLabel is an interval's start, seconds into the cycle, as hh:mm,
// with its day after the first one (a replay of several days): "d2 08:30".
func clockLabel(start int) string {
	day, s := start/86400, start%86400
	l := fmt.Sprintf("%02d:%02d", s/3600, s%3600/60)
	if day > 0 {
		l = fmt.Sprintf("d%d %s", day+1, l)
	}
	return l
}
