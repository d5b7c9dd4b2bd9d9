package sim

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Targets are what a staffing search must reach. A zero field sets no
// target; at least one must be set.
type Targets struct {
	// ServiceLevel: at least this fraction of arrivals answered within
	// Config.SLThreshold, in (0, 1).
	ServiceLevel float64 `json:"service_level,omitempty"`
	// ASA: a mean wait of answered contacts of at most this many seconds
	// (> 0).
	ASA float64 `json:"asa,omitempty"`
	// AbandonRate: at most this fraction of arrivals abandon, in (0, 1).
	AbandonRate float64 `json:"abandon_rate,omitempty"`
	// Occupancy: agents busy at most this fraction of their time, in
	// (0, 1]: a cap that keeps slack for breaks and bursts.
	Occupancy float64 `json:"occupancy,omitempty"`
	// Shrinkage is not a target but what turns the answer into a roster:
	// the share of the agents' paid time they are not available for
	// contacts (breaks, meetings, training, absence), in [0, 0.95]. The
	// search finds the agents available; Staffing.Scheduled is how many
	// to schedule so that that many are.
	Shrinkage float64 `json:"shrinkage,omitempty"`
}

// maxShrinkage bounds Targets.Shrinkage: past it a roster is mostly
// absent, and a typing error more likely than a plan.
const maxShrinkage = 0.95

// check returns an error naming the first target out of range.
func (tg Targets) check() error {
	switch {
	case !tg.any():
		return fmt.Errorf("%w: no staffing target (service level, ASA, abandon rate or occupancy)", ErrConfig)
	case !(tg.Shrinkage >= 0 && tg.Shrinkage <= maxShrinkage):
		return fmt.Errorf("%w: shrinkage %v (want a fraction in [0, %g], e.g. 0.3)", ErrConfig, tg.Shrinkage, maxShrinkage)
	case tg.ServiceLevel != 0 && !(tg.ServiceLevel > 0 && tg.ServiceLevel < 1):
		return fmt.Errorf("%w: service-level target %v (want a fraction in (0, 1), e.g. 0.8)", ErrConfig, tg.ServiceLevel)
	case tg.ASA != 0 && !(tg.ASA > 0 && !math.IsInf(tg.ASA, 0)):
		return fmt.Errorf("%w: ASA target %v (want > 0 seconds)", ErrConfig, tg.ASA)
	case tg.AbandonRate != 0 && !(tg.AbandonRate > 0 && tg.AbandonRate < 1):
		return fmt.Errorf("%w: abandon-rate target %v (want a fraction in (0, 1))", ErrConfig, tg.AbandonRate)
	case tg.Occupancy != 0 && !(tg.Occupancy > 0 && tg.Occupancy <= 1):
		return fmt.Errorf("%w: occupancy cap %v (want a fraction in (0, 1])", ErrConfig, tg.Occupancy)
	}
	return nil
}

// any reports whether tg sets a target (Shrinkage is not one).
func (tg Targets) any() bool {
	tg.Shrinkage = 0
	return tg != Targets{}
}

// scheduled is how many agents to schedule so that n are available at
// the targets' shrinkage: n / (1 − shrinkage), rounded up (a shrinkage
// that divides evenly is not pushed over by the float's last digit).
func (tg Targets) scheduled(n int) int {
	if n == 0 || tg.Shrinkage == 0 {
		return n
	}
	return int(math.Ceil(float64(n)/(1-tg.Shrinkage) - 1e-9))
}

// met reports whether figures reach every target.
func (tg Targets) met(sl, asa, abandon, occupancy float64) bool {
	return (tg.ServiceLevel == 0 || sl >= tg.ServiceLevel) &&
		(tg.ASA == 0 || asa <= tg.ASA) &&
		(tg.AbandonRate == 0 || abandon <= tg.AbandonRate) &&
		(tg.Occupancy == 0 || occupancy <= tg.Occupancy)
}

// describe names the targets for people, with T the service-level
// threshold in seconds.
func (tg Targets) describe(t float64) string {
	var parts []string
	if tg.ServiceLevel > 0 {
		parts = append(parts, fmt.Sprintf("service level ≥ %g %% within %g s", 100*tg.ServiceLevel, t))
	}
	if tg.ASA > 0 {
		parts = append(parts, fmt.Sprintf("ASA ≤ %g s", tg.ASA))
	}
	if tg.AbandonRate > 0 {
		parts = append(parts, fmt.Sprintf("abandon rate ≤ %g %%", 100*tg.AbandonRate))
	}
	if tg.Occupancy > 0 {
		parts = append(parts, fmt.Sprintf("occupancy ≤ %g %%", 100*tg.Occupancy))
	}
	return strings.Join(parts, ", ")
}

// describeRun is describe for a run, blended or not: a blend's targets
// hold in every media, each within its own threshold.
func (tg Targets) describeRun(t float64, blended bool) string {
	if !blended {
		return tg.describe(t)
	}
	return strings.Replace(tg.describe(t), fmt.Sprintf("within %g s", t), "within its threshold", 1) + ", in every media (occupancy: over all)"
}

// Staffing is the answer of a staffing search: the fewest agents whose
// simulation reaches every target, beside the fewest the model says.
type Staffing struct {
	Targets Targets `json:"targets"`
	// Agents is the answer: its simulation reaches every target and that
	// of one agent fewer does not (or it is the fewest agents that can
	// serve the load at all).
	Agents int `json:"agents"`
	// Model names the queueing model ("erlang_c", or "erlang_a" with
	// patience) and ModelAgents is the fewest agents it says reach every
	// target: what a planner's Erlang calculator answers. 0 when it has no
	// answer up to the simulator's limit of agents.
	Model       string `json:"model"`
	ModelAgents int    `json:"model_agents"`
	// Blended is set for a blended run (Config.Media): the model has no
	// blended queue, so ModelAgents is the sum of dedicated teams, one
	// per media, each the model's fewest for that media alone
	// (MediaReport.Dedicated), the way channels are staffed apart.
	Blended bool `json:"blended,omitempty"`
	// Scheduled and ModelScheduled are Agents and ModelAgents as a
	// roster, when Targets.Shrinkage is set: the agents to schedule so
	// that that many are available, Agents / (1 − Shrinkage) rounded up.
	Scheduled      int `json:"scheduled,omitempty"`
	ModelScheduled int `json:"model_scheduled,omitempty"`
	// Tried are the simulations the search ran, by number of agents, all
	// on the same arrivals, handle times and patience (the same seed).
	Tried []Trial `json:"tried"`
}

// Trial is one simulation of a staffing search.
type Trial struct {
	Agents           int     `json:"agents"`
	ServiceLevel     float64 `json:"service_level"`
	ServiceLevelCI95 float64 `json:"service_level_ci95"`
	ASA              float64 `json:"asa"`
	AbandonRate      float64 `json:"abandon_rate"`
	Occupancy        float64 `json:"occupancy"`
	Meets            bool    `json:"meets"`
	// Model is the model's prediction for the same agents, nil when it has
	// none (Erlang C with offered load ≥ agents, or a blended run).
	Model *Prediction `json:"model,omitempty"`
	// Media are a blended run's figures media by media.
	Media []Part `json:"media,omitempty"`
}

// Staff finds the fewest agents whose simulation of cfg reaches every
// target, and returns the Report of that simulation with the search in its
// Staffing field.
//
// cfg is a run as for Run, with Agents left 0 (the search sets it) and no
// Teams (a search over several teams' sizes has no single answer). Every
// trial runs on cfg's seed, so the agent counts are compared on the same
// arrivals, handle times and patience (common random numbers), and a
// trial's figures are exactly those Run gives for that many agents.
//
// The search starts where the model (Erlang C, or Erlang A with patience)
// says, then steps down or up with doubling steps and halves the last
// step: a handful of runs, O(log) of the distance from the model's answer.
// Without patience it never tries fewer agents than can serve the load
// (offered load < agents × capacity). It fails when no count up to 10,000
// agents reaches the targets, when ctx ends, or as Run fails.
//
// Trials may run in parallel (one agent fewer than the model's answer
// starts beside it when there is more than one CPU); cfg.Progress is then
// called from their goroutines, one call at a time, with Progress.Trial
// set. cfg.OnCall is not called. The report is a function of cfg and tg
// alone: a speculative trial the search did not ask about is left out.
func Staff(ctx context.Context, cfg Config, tg Targets) (*Report, error) {
	if len(cfg.Profile) > 0 {
		return nil, fmt.Errorf("%w: staffing targets with a profile: use StaffProfile", ErrConfig)
	}
	full, err := staffable(cfg, tg)
	if err != nil {
		return nil, err
	}
	theta, t := full.Patience.Seconds(), full.SLThreshold.Seconds()
	st := &Staffing{Targets: tg, Model: "erlang_c"}
	if theta > 0 {
		st.Model = "erlang_a"
	}
	// The model's answer, and the fewest agents that can serve the load:
	// for a blended run, the sum of dedicated teams', one per media, and
	// the most any media needs alone.
	var predict func(c int) *Prediction
	var lo int
	var dedicated []int
	if full.blended() {
		predict = func(c int) *Prediction {
			if len(full.Media) > 1 {
				return nil // no model of the blend
			}
			p, _ := full.mediaModel(0, c)
			return p
		}
		st.Blended = true
		answered := true
		for i := range full.Media {
			rate, h, k, mt, mtheta := full.mediaQueue(i)
			mlo, n := fewestByModel(tg, rate, h, k, mt, mtheta)
			lo = max(lo, mlo)
			dedicated = append(dedicated, n)
			st.ModelAgents += n
			answered = answered && n > 0
		}
		if !answered {
			st.ModelAgents = 0
		}
	} else {
		h, _ := full.serviceTime()
		k := full.Capacity
		predict = func(c int) *Prediction {
			p, err := model(full.Rate, h, c*k, t, theta)
			if err != nil {
				return nil
			}
			return p
		}
		lo, st.ModelAgents = fewestByModel(tg, full.Rate, h, k, t, theta)
	}
	if lo > MaxAgents {
		return nil, fmt.Errorf("%w: the offered load needs more than %d agents", ErrConfig, MaxAgents)
	}
	start := st.ModelAgents
	if start == 0 {
		start = lo
	}

	// Each trial runs in its own goroutine; the search waits for the ones
	// it asks about. With more than one CPU, asking about the model's
	// answer also starts one agent fewer, the usual next question, so the
	// common two-run search takes the wall time of one. A run the search
	// did not need is cancelled when it ends.
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	var mu sync.Mutex // guards reports, st.Tried and the progress callback
	reports := map[int]*Report{}
	progress := cfg.Progress
	simulate := func(c, n int) (bool, error) {
		run := cfg
		run.Agents, run.OnCall = c, nil
		if progress != nil {
			run.Progress = func(p Progress) {
				p.Trial = n
				mu.Lock()
				defer mu.Unlock()
				progress(p)
			}
		}
		r, err := Run(ctx, run)
		if err != nil {
			return false, err
		}
		s := r.Simulated
		ok := r.meets(tg)
		tr := Trial{Agents: c, ServiceLevel: s.ServiceLevel, ServiceLevelCI95: s.ServiceLevelCI95,
			ASA: s.ASA, AbandonRate: s.AbandonRate, Occupancy: s.Occupancy, Meets: ok, Model: predict(c)}
		for _, m := range r.Media {
			tr.Media = append(tr.Media, m.Simulated)
		}
		mu.Lock()
		defer mu.Unlock()
		reports[c] = r
		st.Tried = append(st.Tried, tr)
		return ok, nil
	}
	type trial struct {
		done chan struct{}
		ok   bool
		err  error
	}
	trials := map[int]*trial{} // the search's goroutine only
	asked := map[int]bool{}    // likewise
	launch := func(c int) *trial {
		if tr := trials[c]; tr != nil {
			return tr
		}
		tr := &trial{done: make(chan struct{})}
		trials[c] = tr
		n := len(trials)
		wg.Go(func() {
			defer close(tr.done)
			tr.ok, tr.err = simulate(c, n)
		})
		return tr
	}
	meets := func(c int) (bool, error) {
		asked[c] = true
		tr := launch(c)
		if c == start && c > lo && runtime.GOMAXPROCS(0) > 1 {
			launch(c - 1)
		}
		<-tr.done
		return tr.ok, tr.err
	}
	c, err := searchFewest(lo, MaxAgents, start, meets)
	if err != nil {
		return nil, err
	}
	if c == 0 {
		return nil, fmt.Errorf("sim: no staffing up to %d agents reaches %s", MaxAgents, tg.describeRun(t, full.blended()))
	}
	cancel()
	wg.Wait()
	// Only what the search asked: a speculative run it did not need may or
	// may not have finished, and the report is a function of cfg alone.
	st.Tried = slices.DeleteFunc(st.Tried, func(tr Trial) bool { return !asked[tr.Agents] })
	slices.SortFunc(st.Tried, func(a, b Trial) int { return a.Agents - b.Agents })
	st.Agents = c
	if tg.Shrinkage > 0 {
		st.Scheduled, st.ModelScheduled = tg.scheduled(c), tg.scheduled(st.ModelAgents)
	}
	r := reports[c]
	r.Staffing = st
	for i := range r.Media {
		r.Media[i].Dedicated = dedicated[i]
	}
	return r, nil
}

// fewestByModel returns the fewest agents that can serve a load of rate
// contacts a second, each holding one of an agent's k slots for h seconds
// on average (all of them when no one abandons: the slots must exceed the
// load), and the fewest the model (Erlang C, or A with patience θ) says
// reach tg with threshold t, 0 when none up to MaxAgents does.
func fewestByModel(tg Targets, rate, h float64, k int, t, theta float64) (lo, agents int) {
	lo = 1
	if theta == 0 {
		lo = int(math.Floor(rate*h/float64(k))) + 1
	}
	for c := lo; c <= MaxAgents; c++ {
		p, err := model(rate, h, c*k, t, theta)
		if err == nil && tg.met(p.ServiceLevel, p.ASA, p.AbandonRate, p.Occupancy) {
			return lo, c
		}
	}
	return lo, 0
}

// meets reports whether r's figures reach tg: for a blended run, the
// service level (each within its own threshold), ASA and abandon targets
// hold for every media, and the occupancy cap for the agents' whole time.
func (r *Report) meets(tg Targets) bool {
	s := r.Simulated
	if len(r.Media) == 0 {
		return tg.met(s.ServiceLevel, s.ASA, s.AbandonRate, s.Occupancy)
	}
	for _, m := range r.Media {
		if !tg.met(m.Simulated.ServiceLevel, m.Simulated.ASA, m.Simulated.AbandonRate, 0) {
			return false
		}
	}
	return tg.met(1, 0, 0, s.Occupancy)
}

// staffable checks a search's targets and config, which has no Agents
// (the search sets them) and no Teams, and returns the config with its
// defaults for one agent.
func staffable(cfg Config, tg Targets) (Config, error) {
	if err := tg.check(); err != nil {
		return cfg, err
	}
	switch {
	case cfg.Agents != 0:
		return cfg, fmt.Errorf("%w: agents %d with staffing targets: the search sets the agents", ErrConfig, cfg.Agents)
	case len(cfg.Teams) > 0:
		return cfg, fmt.Errorf("%w: staffing targets with teams: the search sizes one pool of agents", ErrConfig)
	}
	cfg.Agents = 1
	return cfg.withDefaults()
}

// searchFewest returns the smallest c in [lo, hi] for which meets(c) holds,
// assuming meets is false below some count and true from it on, starting
// at start (clamped to [lo, hi]), or 0 when meets(hi) is false. From start
// it steps away by 1, 2, 4, … until meets changes, then halves the gap, so
// it calls meets O(log |answer − start|) times, never twice for one c. If
// meets is not monotone (a noisy simulation), the answer still holds
// meets(c) and, unless c is lo, not meets(c−1).
func searchFewest(lo, hi, start int, meets func(c int) (bool, error)) (int, error) {
	start = min(max(start, lo), hi)
	ok, err := meets(start)
	if err != nil {
		return 0, err
	}
	good, bad := 0, lo-1 // meets(good); not meets(bad), or bad below lo
	if ok {
		good = start
		for step := 1; ; step *= 2 {
			c := max(good-step, lo)
			if c == good {
				return good, nil // good == lo
			}
			if ok, err = meets(c); err != nil {
				return 0, err
			}
			if !ok {
				bad = c
				break
			}
			good = c
		}
	} else {
		bad = start
		for step := 1; ; step *= 2 {
			c := min(bad+step, hi)
			if c == bad {
				return 0, nil // bad == hi
			}
			if ok, err = meets(c); err != nil {
				return 0, err
			}
			if ok {
				good = c
				break
			}
			bad = c
		}
	}
	for good-bad > 1 {
		mid := bad + (good-bad)/2
		if ok, err = meets(mid); err != nil {
			return 0, err
		}
		if ok {
			good = mid
		} else {
			bad = mid
		}
	}
	return good, nil
}

// modelTitle names what gave ModelAgents: the model, or for a blend
// dedicated teams by the model.
func (st *Staffing) modelTitle() string {
	title := (&Prediction{Model: st.Model}).title()
	if st.Blended {
		return "dedicated teams by " + title
	}
	return title
}

// write adds the search to a report's table, with t the service-level
// threshold in seconds.
func (st *Staffing) write(b *strings.Builder, t float64, media []MediaReport) {
	title := st.modelTitle()
	model := "no answer"
	if st.ModelAgents > 0 {
		model = fmt.Sprintf("%d agents", st.ModelAgents)
	}
	column := (&Prediction{Model: st.Model}).title() + ": SL / ASA / abandon"
	what := st.Targets.describeRun(t, st.Blended)
	if st.Blended {
		var teams, names []string
		for _, m := range media {
			teams = append(teams, fmt.Sprintf("%s %d", m.Media, m.Dedicated))
			names = append(names, m.Media)
		}
		if st.ModelAgents > 0 {
			model += " (" + strings.Join(teams, " + ") + ")"
		}
		column = "SL by media: " + strings.Join(names, " / ")
	}
	fmt.Fprintf(b, "staffing: the fewest agents for %s\n", what)
	fmt.Fprintf(b, "  simulated: %d agents; %s: %s (%d simulations, all on the same arrivals)\n", st.Agents, title, model, len(st.Tried))
	if st.Targets.Shrinkage > 0 {
		roster := "no answer"
		if st.ModelScheduled > 0 {
			roster = fmt.Sprintf("%d", st.ModelScheduled)
		}
		fmt.Fprintf(b, "  to schedule at %g %% shrinkage: %d agents (%s: %s)\n", 100*st.Targets.Shrinkage, st.Scheduled, title, roster)
	}
	b.WriteString("\n")
	fmt.Fprintf(b, "  %-7s %-18s %-11s %-9s %-10s %-28s %s\n", "agents", "service level", "ASA", "abandon", "occupancy", column, "meets")
	for _, tr := range st.Tried {
		m := "—"
		if tr.Model != nil {
			m = fmt.Sprintf("%.2f %% / %.1f s / %.2f %%", 100*tr.Model.ServiceLevel, tr.Model.ASA, 100*tr.Model.AbandonRate)
		}
		if len(tr.Media) > 0 {
			var sl []string
			for _, p := range tr.Media {
				sl = append(sl, fmt.Sprintf("%.1f %%", 100*p.ServiceLevel))
			}
			m = strings.Join(sl, " / ")
		}
		meets := "no"
		if tr.Meets {
			meets = "yes"
		}
		fmt.Fprintf(b, "  %-7d %-18s %-11s %-9s %-10s %-28s %s\n", tr.Agents,
			fmt.Sprintf("%.2f %% ±%.2f", 100*tr.ServiceLevel, 100*tr.ServiceLevelCI95), fmt.Sprintf("%.1f s", tr.ASA),
			fmt.Sprintf("%.2f %%", 100*tr.AbandonRate), fmt.Sprintf("%.2f %%", 100*tr.Occupancy), m, meets)
	}
	b.WriteString("\nthe simulation of the answer:\n")
}

// StaffProfile staffs a profile interval by interval, then runs the day on
// that schedule. Each interval with arrivals is staffed by Staff on its own
// rate, as if it held steady (the stationary independent period-by-period
// approach of workforce planning, with the simulation deciding instead of
// Erlang C); closed intervals get no agents. The Report is the run of cfg
// with the schedule found, where the rate changes from interval to
// interval: its Intervals show whether each interval's staffing still
// reaches the targets once a busy interval spills into the next, with each
// interval's search in IntervalReport.Staffing.
//
// cfg has a Profile, or Arrivals and an Interval (a replay, whose profile
// is the arrivals' rate in each interval), and no Agents, Schedule or
// Teams. Every search runs for cfg.Duration of simulated time (a
// replay's, for DefaultDuration, on draws), and so does the day's run.
func StaffProfile(ctx context.Context, cfg Config, tg Targets) (*Report, error) {
	switch {
	case len(cfg.Profile) == 0 && (len(cfg.Arrivals) == 0 || cfg.Interval == 0):
		return nil, fmt.Errorf("%w: StaffProfile needs a profile, or a replay cut into intervals", ErrConfig)
	case len(cfg.Schedule) > 0:
		return nil, fmt.Errorf("%w: a schedule with staffing targets: the search makes the schedule", ErrConfig)
	}
	full, err := staffable(cfg, tg)
	if err != nil {
		return nil, err
	}
	plans := make([]*Staffing, len(full.Profile))
	schedule := make([]int, len(full.Profile))
	progress := cfg.Progress
	for k, rate := range full.Profile {
		if rate == 0 {
			continue
		}
		one := cfg
		one.Profile, one.Interval, one.Rate = nil, 0, rate
		if len(cfg.Arrivals) > 0 {
			// A replay's interval is staffed on draws at the arrivals'
			// rate there, for the default window.
			one.Arrivals, one.Duration = nil, 0
		}
		if progress != nil {
			one.Progress = func(p Progress) {
				p.Interval = k + 1
				progress(p)
			}
		}
		r, err := Staff(ctx, one, tg)
		if err != nil {
			return nil, fmt.Errorf("interval %d: %w", k+1, err)
		}
		plans[k], schedule[k] = r.Staffing, r.Staffing.Agents
	}
	day := cfg
	day.Schedule = schedule
	r, err := Run(ctx, day)
	if err != nil {
		return nil, err
	}
	for k := range r.Intervals {
		r.Intervals[k].Staffing = plans[k]
	}
	r.Notes = append(r.Notes, fmt.Sprintf("the schedule staffs each interval on its own, simulated as if its rate held steady, for %s; the run above has the rate change from interval to interval",
		tg.describeRun(r.Input.SLThreshold, cfg.blended())))
	if tg.Shrinkage > 0 {
		r.Notes = append(r.Notes, rosterNote(plans, tg.Shrinkage, r.Input.Interval))
	}
	return r, nil
}

// rosterNote sums a staffed day's intervals as a roster at shrinkage:
// agent-hours available and to schedule, the simulation's and the model's,
// with interval the intervals' length in seconds.
func rosterNote(plans []*Staffing, shrinkage, interval float64) string {
	var avail, sched, modelAvail, modelSched int
	title, answered := "", true
	for _, st := range plans {
		if st == nil {
			continue
		}
		avail, sched = avail+st.Agents, sched+st.Scheduled
		modelAvail, modelSched = modelAvail+st.ModelAgents, modelSched+st.ModelScheduled
		answered = answered && st.ModelAgents > 0
		title = st.modelTitle()
	}
	hours := func(n int) string { return strconv.FormatFloat(float64(n)*interval/3600, 'f', -1, 64) }
	model := "no answer in some interval"
	if answered {
		model = fmt.Sprintf("%s for %s", hours(modelSched), hours(modelAvail))
	}
	return fmt.Sprintf("at %g %% shrinkage, the roster is %s agent-hours for the %s available (%s: %s)",
		100*shrinkage, hours(sched), hours(avail), title, model)
}
