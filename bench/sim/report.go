package sim

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/bench/erlang"
	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
)

// Report is what a run measured and what the models predict for the same
// load. Its JSON is the output of `switchboard simulate --json`.
type Report struct {
	Input Input `json:"input"`
	// Simulated is what the hub did.
	Simulated Measured `json:"simulated"`
	// Erlang is the prediction of the model that matches the run: Erlang A
	// when patience is set, Erlang C otherwise. Nil when the model has no
	// steady state (Erlang C with offered load ≥ agents).
	Erlang *Prediction `json:"erlang"`
	// ErlangC is the Erlang C prediction beside Erlang A, when patience is
	// set and the load is stable: what the same staffing would give if no
	// one abandoned.
	ErlangC *Prediction `json:"erlang_c,omitempty"`
	// Approx is the Allen–Cunneen approximation of the M/G/c queue, when
	// handle times are not exponential and no one abandons: Erlang C's
	// waits scaled by (1 + cv²)/2. (Erlang C and A assume exponential
	// handle times.)
	Approx *Prediction `json:"approx,omitempty"`
	// Queues are the figures queue by queue, when the run has more than
	// one queue or its own teams.
	Queues []QueueReport `json:"queues,omitempty"`
	// Languages are the figures by visitor language, when visitors bring
	// one.
	Languages []LanguageReport `json:"languages,omitempty"`
	// Teams are the figures team by team, when the run has its own teams.
	Teams []TeamReport `json:"teams,omitempty"`
	// Media are the figures media by media, for a blended run
	// (Config.Media).
	Media []MediaReport `json:"media,omitempty"`
	// Staffing is the staffing search that chose Input.Agents, when the
	// run was one (Staff).
	Staffing *Staffing `json:"staffing,omitempty"`
	// Intervals are the figures interval by interval, when the arrival
	// rate follows a profile (Config.Profile).
	Intervals []IntervalReport `json:"intervals,omitempty"`
	// Offers are the manual offers' counts, with the manual accept mode.
	Offers *OfferStats `json:"offers,omitempty"`
	// History is the history the run replayed, with what its contacts
	// met there (History.Observe).
	History *HistoryReport `json:"history,omitempty"`
	// Notes explain missing predictions.
	Notes []string `json:"notes,omitempty"`
	// WallSeconds is how long the run took; Commands how many commands it
	// applied to the hub.
	WallSeconds float64 `json:"wall_seconds"`
	Commands    int     `json:"commands"`

	// For the HTML report: the fraction answered within k·T·waitSpan/
	// waitBins, simulated and predicted (nil without a prediction), and
	// the run's timeline with its step in seconds.
	within, withinModel []float64
	samples             []sample
	sampleEvery         float64
	// mediaWithin and mediaWithinModel are within and withinModel media by
	// media in a blended run, each in units of its own threshold (a nil
	// model where it has none).
	mediaWithin, mediaWithinModel [][]float64
	// shifts: the run's agents were on Config.Shifts (the table says why
	// contacts were left waiting).
	shifts bool
}

// Input echoes the run's parameters, in seconds.
type Input struct {
	Agents     int     `json:"agents"`
	Capacity   int     `json:"capacity"`
	Rate       float64 `json:"rate"`
	Handle     float64 `json:"handle"`
	HandleDist string  `json:"handle_dist"`
	HandleCV   float64 `json:"handle_cv"`
	Wrapup     float64 `json:"wrapup"` // after-contact work, 0: none
	// Accept is the accept mode, auto or manual; with manual, the mean
	// time to accept, the fraction of offers missed, the offer timeout,
	// the time an agent set away for missed offers takes to come back and
	// the misses in a row that set them away.
	Accept      string  `json:"accept"`
	AcceptDelay float64 `json:"accept_delay,omitempty"`
	AcceptDist  string  `json:"accept_dist,omitempty"` // exponential or constant
	Miss        float64 `json:"miss,omitempty"`
	// AgentMiss are the agents' own Miss, by agent (Config.AgentMiss,
	// spread over the agents), when they have their own.
	AgentMiss []float64 `json:"agent_miss,omitempty"`
	// Decline is the fraction of the offers answered that the agents
	// decline, after DeclineDelay on average.
	Decline      float64 `json:"decline,omitempty"`
	DeclineDelay float64 `json:"decline_delay,omitempty"`
	// AgentDecline are the agents' own Decline, as AgentMiss are theirs
	// (Config.AgentDecline).
	AgentDecline []float64 `json:"agent_decline,omitempty"`
	OfferTimeout float64   `json:"offer_timeout,omitempty"`
	BackAfter    float64   `json:"back_after,omitempty"`
	MissLimit    int       `json:"miss_limit,omitempty"`
	Patience     float64   `json:"patience"` // 0: none
	Duration     float64   `json:"duration"`
	Warmup       float64   `json:"warmup"`
	SLThreshold  float64   `json:"sl_threshold"`
	Seed         uint64    `json:"seed"`
	// Queues and Languages are the run's mix, when it has one (shares as
	// given, not normalized); its teams are in Report.Teams.
	Queues    []QueueShare    `json:"queues,omitempty"`
	Languages []LanguageShare `json:"languages,omitempty"`
	// Profile, Interval (seconds) and Schedule are the run's, when it has
	// a profile; Rate is then the profile's mean.
	Profile  []float64 `json:"profile,omitempty"`
	Interval float64   `json:"interval,omitempty"`
	Schedule []int     `json:"schedule,omitempty"`
	// Load is the offered load λh in erlangs, h the handle time plus
	// wrap-up; for a blended run, the sum of its media's loads in agents
	// (MediaReport.AgentLoad), and Capacity is 0: each media has its own.
	Load float64 `json:"offered_load"`
}

// Measured holds the figures of the calls that arrived in the window (see
// the package doc for the definitions). The …CI95 fields are half-widths of
// 95 % confidence intervals by batch means.
type Measured struct {
	ServiceLevel     float64  `json:"service_level"`
	ServiceLevelCI95 float64  `json:"service_level_ci95"`
	ASA              float64  `json:"asa"`
	ASACI95          float64  `json:"asa_ci95"`
	AbandonRate      float64  `json:"abandon_rate"`
	Occupancy        float64  `json:"occupancy"`
	ProbWait         float64  `json:"prob_wait"`
	Arrivals         int      `json:"arrivals"`
	Answered         int      `json:"answered"`
	Abandoned        int      `json:"abandoned"`
	Fairness         Fairness `json:"fairness"`
	// With a schedule: OnShift is the agent-time on shift in the window and
	// Overtime that of agents past their shift finishing contacts, seconds;
	// occupancy is over both.
	OnShift  float64 `json:"on_shift,omitempty"`
	Overtime float64 `json:"overtime,omitempty"`
}

// Fairness is how evenly the work was spread over the agents in the window.
type Fairness struct {
	// Jain is Jain's index of busy time: 1 when every agent was equally
	// busy, 1/agents when one did everything.
	Jain float64 `json:"jain"`
	// HandledMin, HandledMean and HandledMax are calls answered per agent.
	HandledMin  int     `json:"handled_min"`
	HandledMean float64 `json:"handled_mean"`
	HandledMax  int     `json:"handled_max"`
	// BusyMin and BusyMax are the least and most busy agents' occupancy.
	BusyMin float64 `json:"busy_min"`
	BusyMax float64 `json:"busy_max"`
}

// Part is what a run measured for a part of its calls (one queue, one
// language), with the definitions of Measured.
type Part struct {
	ServiceLevel float64 `json:"service_level"`
	ASA          float64 `json:"asa"`
	AbandonRate  float64 `json:"abandon_rate"`
	Arrivals     int     `json:"arrivals"`
	Answered     int     `json:"answered"`
	Abandoned    int     `json:"abandoned"`
}

// QueueReport is one queue of a run.
type QueueReport struct {
	Name string `json:"name"`
	// Rate is its arrival rate, per second: its share of the run's.
	Rate float64 `json:"rate"`
	// Agents is how many agents serve it; Dedicated is set when they serve
	// no other queue, and then Erlang is the model's prediction for the
	// queue on its own (Erlang A with patience, else Erlang C).
	Agents    int         `json:"agents"`
	Dedicated bool        `json:"dedicated"`
	Simulated Part        `json:"simulated"`
	Erlang    *Prediction `json:"erlang,omitempty"`
	// Priority is its contacts' priority (1 most urgent). PriorityASA is
	// Cobham's mean wait for it, when the queues have different priorities
	// and one pool of agents serves them all, with exponential handle times
	// and no abandonment (erlang.PriorityASA).
	Priority    int      `json:"priority"`
	PriorityASA *float64 `json:"priority_asa,omitempty"`
}

// LanguageReport is one visitor language of a run.
type LanguageReport struct {
	Language string  `json:"language"`
	Rate     float64 `json:"rate"`
	// Speakers is how many agents speak it, as primary or secondary.
	Speakers  int  `json:"speakers"`
	Simulated Part `json:"simulated"`
	// Answered calls by the serving agent's language: it was the agent's
	// primary, a secondary, or one the agent does not speak.
	Primary   int `json:"primary"`
	Secondary int `json:"secondary"`
	Other     int `json:"other"`
	// MatchRate is the fraction of answered calls whose agent spoke the
	// visitor's language.
	MatchRate float64 `json:"match_rate"`
	// Observed is what its contacts met in a replayed history.
	Observed *ObservedLanguage `json:"observed,omitempty"`
}

// ObservedLanguage is what a replayed history's contacts of one language
// met, and, with the agents' profiles (History.Profiles), in whose
// language their agents answered them: the agent's primary, a secondary,
// or another; Unknown counts those answered by agents without a profile,
// left out of MatchRate.
type ObservedLanguage struct {
	Part
	Primary   int     `json:"primary,omitempty"`
	Secondary int     `json:"secondary,omitempty"`
	Other     int     `json:"other,omitempty"`
	Unknown   int     `json:"unknown,omitempty"`
	MatchRate float64 `json:"match_rate,omitempty"`
}

// TeamReport is one team of a run.
type TeamReport struct {
	Agents    int      `json:"agents"`
	Queues    []string `json:"queues"`
	Languages []string `json:"languages"`
	// Capacity is the team's own capacity by media, when it has one
	// (Team.Capacity).
	Capacity map[string]int `json:"capacity,omitempty"`
	// Expertise is what its agents have, when they have some
	// (Team.Expertise).
	Expertise []string `json:"expertise,omitempty"`
	// Occupancy is the team's busy agent-time over its agent-time in the
	// window; Handled the calls its agents answered there.
	Occupancy float64 `json:"occupancy"`
	Handled   int     `json:"handled"`
}

// Prediction is a model's prediction, named.
type Prediction struct {
	// Model is "erlang_c", "erlang_a" or "allen_cunneen".
	Model string `json:"model"`
	erlang.Result
}

// title is the model's name for people.
func (p *Prediction) title() string {
	return map[string]string{"erlang_c": "Erlang C", "erlang_a": "Erlang A", "allen_cunneen": "Allen–Cunneen"}[p.Model]
}

func (d *driver) report(wall time.Duration) *Report {
	cfg := d.cfg
	r := &Report{WallSeconds: wall.Seconds(), Commands: d.nDo}
	theta, t := cfg.Patience.Seconds(), cfg.SLThreshold.Seconds()
	h, cv := cfg.serviceTime()
	servers := cfg.slots()
	r.Input = Input{Agents: cfg.Agents, Capacity: cfg.Capacity, Rate: cfg.Rate, Handle: cfg.Handle.Seconds(), HandleDist: string(cfg.HandleDist), HandleCV: cfg.HandleCV,
		Wrapup: cfg.Wrapup.Seconds(), Patience: theta, Accept: string(cfg.Accept),
		Duration: cfg.Duration.Seconds(), Warmup: cfg.Warmup.Seconds(), SLThreshold: t, Seed: cfg.Seed, Load: cfg.Rate * h,
		Queues: cfg.Queues, Languages: cfg.Languages, Profile: cfg.Profile, Interval: cfg.Interval.Seconds(), Schedule: cfg.Schedule}
	// The slot-time worked in the window, by profile interval and in all:
	// every agent's all along, or the schedule's and the overtime after it.
	shift := d.shiftTimes()
	worked := make([]float64, len(shift))
	for k := range shift {
		worked[k] = (shift[k] + d.m.ivOvertime[k]) * float64(cfg.Capacity)
	}
	slotTime := float64(servers) * (d.w1 - d.w0)
	if cfg.rostered() {
		slotTime = sum(worked)
	}
	weights := d.m.weights
	if weights == nil {
		weights = slices.Repeat([]float64{float64(cfg.Capacity)}, cfg.Agents)
	} else { // agents of their own capacities: each counts their own slots
		worked = d.ownWorked(shift)
		slotTime = 0
		for i, w := range d.agentWorked() {
			slotTime += weights[i] * w
		}
	}
	r.Simulated = d.m.measured(weights, slotTime)
	if len(cfg.Shifts) > 0 { // the agents on shift in each interval, as a schedule
		r.Input.Schedule = make([]int, len(cfg.Profile))
		for k := range r.Input.Schedule {
			r.Input.Schedule[k] = cfg.onShift(k)
		}
	}
	if cfg.rostered() {
		r.Simulated.OnShift, r.Simulated.Overtime = sum(shift), sum(d.m.ivOvertime)
	}
	switch {
	case cfg.ownCapacities() && !cfg.blended():
		r.Notes = append(r.Notes, fmt.Sprintf("the models count each agent's own chat slots as that many agents (%d in all): a chat takes as long however many others its agent has", servers))
	case cfg.Capacity > 1:
		r.Notes = append(r.Notes, fmt.Sprintf("the models count each agent's %d chat slots as %d agents (%d in all): a chat takes as long however many others its agent has", cfg.Capacity, cfg.Capacity, servers))
	}
	d.reportParts(r)
	r.within, r.samples, r.sampleEvery = d.m.answeredWithin(), d.samples, d.sampleEvery
	if left := len(d.calls) - d.busy; len(cfg.Shifts) > 0 && left > 0 {
		r.shifts = true
		r.Notes = append(r.Notes, fmt.Sprintf("%d contacts were still waiting when the last shift ended: neither answered nor abandoned, they count against the service level", left))
	}
	if cfg.Accept == router.Manual {
		r.Input.AcceptDelay, r.Input.AcceptDist, r.Input.Miss = cfg.AcceptDelay.Seconds(), string(cfg.AcceptDist), cfg.Miss
		r.Input.AgentMiss, r.Input.AgentDecline = d.missRates, d.declineRates
		if cfg.Decline > 0 || d.declineRates != nil {
			r.Input.Decline, r.Input.DeclineDelay = cfg.Decline, cfg.DeclineDelay.Seconds()
		}
		r.Input.OfferTimeout, r.Input.BackAfter, r.Input.MissLimit = cfg.OfferTimeout.Seconds(), cfg.BackAfter.Seconds(), cfg.MissLimit
		offers := d.offers
		offers.Stranded = len(d.calls) - d.busy // still waiting
		r.Offers = &offers
		r.Notes = append(r.Notes, "agents accept offers by hand: the time to accept, offers that ring out and agents set away for them lengthen the waits, and the models know none of it")
	}
	if cfg.blended() {
		d.reportMedia(r, slotTime)
		if len(cfg.Profile) > 0 {
			d.reportIntervals(r, worked)
		}
		return r
	}
	if cfg.Wrapup > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("the models take handle plus wrap-up, %g s, as the time a contact holds its slot", h))
	}
	if !cfg.exponentialService() {
		what := fmt.Sprintf("these are %s with cv %g", cfg.HandleDist, cfg.HandleCV)
		if cfg.Wrapup > 0 {
			what = fmt.Sprintf("with wrap-up these have a cv of %.3g", cv)
		}
		r.Notes = append(r.Notes, "Erlang C and A assume exponential handle times (cv 1); "+what)
		if theta == 0 && len(cfg.Profile) == 0 {
			if a, err := erlang.AllenCunneen(cfg.Rate, h, servers, t, cv); err == nil {
				r.Approx = &Prediction{Model: "allen_cunneen", Result: a}
			}
		}
	}
	if len(cfg.Profile) > 0 {
		d.reportIntervals(r, worked)
		return r
	}
	c, errC := erlang.ErlangC(cfg.Rate, h, servers, t)
	switch {
	case errC == nil:
		r.ErlangC = &Prediction{Model: "erlang_c", Result: c}
	case errors.Is(errC, erlang.ErrUnstable):
		r.Notes = append(r.Notes, fmt.Sprintf("Erlang C: offered load %.4g erlangs ≥ %d agents, the queue grows without bound", cfg.Rate*h, servers))
	default:
		r.Notes = append(r.Notes, "Erlang C: "+errC.Error())
	}
	if theta == 0 {
		r.Erlang, r.ErlangC = r.ErlangC, nil
		return r
	}
	a, err := erlang.ErlangA(cfg.Rate, h, servers, t, theta)
	if err != nil {
		r.Notes = append(r.Notes, "Erlang A: "+err.Error())
		return r
	}
	r.Erlang = &Prediction{Model: "erlang_a", Result: a}
	return r
}

// measured turns the tallies into the report's figures, with slotTime the
// agents' slot-time worked in the window, occupancy's denominator.
func (m *meter) measured(weights []float64, slotTime float64) Measured {
	a := &m.all
	out := Measured{
		ServiceLevel: ratio(float64(a.inT), float64(a.arrivals)),
		ASA:          ratio(a.waitSum, float64(a.answered)),
		AbandonRate:  ratio(float64(a.abandoned), float64(a.arrivals)),
		ProbWait:     ratio(float64(a.waited), float64(a.arrivals)),
		Arrivals:     a.arrivals, Answered: a.answered, Abandoned: a.abandoned,
	}
	out.ServiceLevelCI95 = m.halfWidth95(func(t *tally) (float64, bool) {
		return ratio(float64(t.inT), float64(t.arrivals)), t.arrivals > 0
	})
	out.ASACI95 = m.halfWidth95(func(t *tally) (float64, bool) {
		return ratio(t.waitSum, float64(t.answered)), t.answered > 0
	})
	window := m.w1 - m.w0
	var busy, sq float64
	f := Fairness{HandledMin: math.MaxInt, BusyMin: math.Inf(1)}
	for i, b := range m.busy {
		busy += b
		sq += b * b
		f.HandledMin = min(f.HandledMin, m.handled[i])
		f.HandledMax = max(f.HandledMax, m.handled[i])
		f.BusyMin = math.Min(f.BusyMin, b/window/weights[i])
		f.BusyMax = math.Max(f.BusyMax, b/window/weights[i])
	}
	f.Jain = ratio(busy*busy, float64(len(weights))*sq)
	f.HandledMean = float64(a.answered) / float64(len(weights))
	out.Fairness = f
	out.Occupancy = ratio(busy, slotTime)
	return out
}

// WriteTable writes r as a readable table: the simulation beside the
// prediction.
func (r *Report) WriteTable(w io.Writer) error {
	in := r.Input
	var b strings.Builder
	patience := "none"
	if in.Patience > 0 {
		patience = fmt.Sprintf("%g s", in.Patience)
	}
	handle := fmt.Sprintf("%g s", in.Handle)
	if in.HandleDist != "" && in.HandleDist != string(Exponential) {
		handle += fmt.Sprintf(" (%s, cv %g)", in.HandleDist, in.HandleCV)
	}
	if in.Wrapup > 0 {
		handle += fmt.Sprintf(" + wrap-up %g s", in.Wrapup)
	}
	if len(r.Media) > 0 {
		handle = "by media (below)"
		if in.HandleDist != "" && in.HandleDist != string(Exponential) {
			handle += fmt.Sprintf(", %s with cv %g", in.HandleDist, in.HandleCV)
		}
	}
	agents := fmt.Sprintf("%d agents", in.Agents)
	if in.Capacity > 1 {
		agents += fmt.Sprintf(" × %d chats", in.Capacity)
	}
	rate := fmt.Sprintf("rate %.4g/s", in.Rate)
	if len(in.Profile) > 0 {
		rate = fmt.Sprintf("a profile of %d intervals of %s (mean rate %.4g/s)", len(in.Profile), seconds(in.Interval), in.Rate)
	}
	writeWrapped(&b, "switchboard simulate: ", fmt.Sprintf("%s, %s, handle %s, patience %s, seed %d",
		agents, rate, handle, patience, in.Seed), noteWidth)
	if r.History != nil {
		r.History.write(&b)
	}
	if r.Staffing != nil {
		r.Staffing.write(&b, in.SLThreshold, r.Media)
	}
	if in.Accept == string(router.Manual) {
		accept := fmt.Sprintf("%g s to accept on average", in.AcceptDelay)
		if in.AcceptDist == string(Constant) {
			accept = fmt.Sprintf("%g s to accept, always", in.AcceptDelay)
		}
		own := func(rates []float64) string {
			return fmt.Sprintf("%.4g to %.4g %%, %.4g %% on average", 100*slices.Min(rates), 100*slices.Max(rates), 100*sum(rates)/float64(len(rates)))
		}
		missed := fmt.Sprintf("%.4g %% of offers missed", 100*in.Miss)
		if len(in.AgentMiss) > 0 {
			missed = fmt.Sprintf("each agent misses their own share of offers (%s)", own(in.AgentMiss))
		}
		switch {
		case len(in.AgentDecline) > 0:
			missed += fmt.Sprintf(", each declines their own share of the rest (%s) after %g s on average", own(in.AgentDecline), in.DeclineDelay)
		case in.Decline > 0:
			missed += fmt.Sprintf(", %.4g %% of the rest declined after %g s on average", 100*in.Decline, in.DeclineDelay)
		}
		fmt.Fprintf(&b, "manual accept: %s, %s, offers ring %g s, an agent set away for %d missed in a row is back after %.4g s\n",
			accept, missed, in.OfferTimeout, in.MissLimit, in.BackAfter)
	}
	load := "erlangs"
	if len(r.Media) > 0 {
		load = "agents of work (a contact counts 1/capacity of its media)"
	}
	fmt.Fprintf(&b, "offered load %.4g %s; measured %s after %s of warm-up (simulated time)\n\n",
		in.Load, load, seconds(in.Duration).Round(time.Millisecond), seconds(in.Warmup).Round(time.Millisecond))
	s := r.Simulated
	model, p := "prediction", (*Prediction)(nil)
	if r.Erlang != nil {
		p = r.Erlang
		model = p.title()
	}
	extra := r.ErlangC != nil
	fmt.Fprintf(&b, "%-22s %-20s", "", "simulated")
	if r.History != nil {
		fmt.Fprintf(&b, " %-12s", "observed")
	}
	fmt.Fprintf(&b, " %-12s", model)
	if extra {
		fmt.Fprintf(&b, " %-12s", "Erlang C")
	}
	if r.Approx != nil {
		fmt.Fprintf(&b, " %-12s", r.Approx.title())
	}
	b.WriteString("\n")
	row := func(name, sim, observed string, f func(erlang.Result) string) {
		fmt.Fprintf(&b, "%-22s %-20s", name, sim)
		if r.History != nil {
			fmt.Fprintf(&b, " %-12s", observed)
		}
		if p != nil {
			fmt.Fprintf(&b, " %-12s", f(p.Result))
		} else {
			fmt.Fprintf(&b, " %-12s", "—")
		}
		if extra {
			fmt.Fprintf(&b, " %-12s", f(r.ErlangC.Result))
		}
		if r.Approx != nil {
			fmt.Fprintf(&b, " %-12s", f(r.Approx.Result))
		}
		b.WriteString("\n")
	}
	pct := func(x float64) string { return fmt.Sprintf("%.2f %%", 100*x) }
	sec := func(x float64) string { return fmt.Sprintf("%.3f s", x) }
	slName := fmt.Sprintf("service level (%gs)", in.SLThreshold)
	if len(r.Media) > 0 {
		slName = "service level (own T)"
	}
	var seen Part // observed in a history
	if r.History != nil {
		seen = r.History.Observed
	}
	row(slName, fmt.Sprintf("%s ±%.2f", pct(s.ServiceLevel), 100*s.ServiceLevelCI95), pct(seen.ServiceLevel),
		func(e erlang.Result) string { return pct(e.ServiceLevel) })
	row("ASA", fmt.Sprintf("%s ±%.3f", sec(s.ASA), s.ASACI95), sec(seen.ASA), func(e erlang.Result) string { return sec(e.ASA) })
	row("abandon rate", pct(s.AbandonRate), pct(seen.AbandonRate), func(e erlang.Result) string { return pct(e.AbandonRate) })
	seenOcc := "—" // not in the documents: with a status log only
	if r.History != nil && r.History.Statuses > 0 {
		seenOcc = pct(r.History.Occupancy)
	}
	row("occupancy", pct(s.Occupancy), seenOcc, func(e erlang.Result) string { return pct(e.Occupancy) })
	row("P(wait)", pct(s.ProbWait), "—", func(e erlang.Result) string { return pct(e.ProbWait) })
	f := s.Fairness
	fmt.Fprintf(&b, "\narrivals %d, answered %d, abandoned %d (± are 95 %% intervals, batch means)\n",
		s.Arrivals, s.Answered, s.Abandoned)
	if r.History != nil {
		missing := "occupancy and P(wait) are not in the documents"
		if r.History.Statuses > 0 {
			missing = "occupancy from the status log; P(wait) is not in the documents"
		}
		fmt.Fprintf(&b, "observed in the history: answered %d, abandoned %d (%s)\n", seen.Answered, seen.Abandoned, missing)
	}
	if o := r.Offers; o != nil {
		declined := ""
		if o.Declined > 0 {
			declined = fmt.Sprintf(", %d declined", o.Declined)
		}
		fmt.Fprintf(&b, "offers (warm-up included): %d made, %d accepted, %d rang out (%s)%s; agents set away for missed offers %s\n",
			o.Offered, o.Accepted, o.Missed, pct(ratio(float64(o.Missed), float64(o.Offered))), declined, times(o.SetAway))
		if o.Stranded > 0 && !r.shifts {
			fmt.Fprintf(&b, "%d contacts were left waiting: every agent had missed them, and a missed contact is not offered to its agent again\n", o.Stranded)
		}
	}
	fmt.Fprintf(&b, "fairness: Jain index of busy time %.4f; per agent handled min %d / mean %.1f / max %d, occupancy min %s / max %s\n",
		f.Jain, f.HandledMin, f.HandledMean, f.HandledMax, pct(f.BusyMin), pct(f.BusyMax))
	if s.OnShift > 0 {
		fmt.Fprintf(&b, "shifts: %.1f agent-hours on shift, and %.2f (%s) after them finishing contacts\n",
			s.OnShift/3600, s.Overtime/3600, pct(ratio(s.Overtime, s.OnShift)))
	}
	if len(r.Queues) > 0 {
		fmt.Fprintf(&b, "\n%-16s %-9s %-7s %-18s %-18s %-9s %s\n", "queue", "rate/s", "agents", "service level", "ASA", "abandon", "model for the queue alone")
		for _, q := range r.Queues {
			sl, asa := pct(q.Simulated.ServiceLevel), sec(q.Simulated.ASA)
			if q.Erlang != nil {
				sl += " (" + pct(q.Erlang.ServiceLevel) + ")"
				asa += " (" + sec(q.Erlang.ASA) + ")"
			}
			alone := "—, shares agents"
			if q.Dedicated { // a blend's, or a roster's: no model of its own
				alone = "—"
			}
			switch {
			case q.Erlang != nil:
				alone = q.Erlang.title() + " in ( )"
			case q.PriorityASA != nil:
				asa += " (" + sec(*q.PriorityASA) + ")"
				alone = "Cobham's priority ASA in ( )"
			}
			if q.Priority != router.DefaultPriority {
				alone += fmt.Sprintf("; priority %d", q.Priority)
			}
			fmt.Fprintf(&b, "%-16s %-9.4g %-7d %-18s %-18s %-9s %s\n", q.Name, q.Rate, q.Agents, sl, asa, pct(q.Simulated.AbandonRate), alone)
		}
	}
	if len(r.Languages) > 0 {
		fmt.Fprintf(&b, "\n%-10s %-9s %-9s %-10s %-10s %-14s %s\n", "language", "rate/s", "speakers", "SL", "ASA", "in language", "primary / secondary / other")
		for _, l := range r.Languages {
			fmt.Fprintf(&b, "%-10s %-9.4g %-9d %-10s %-10s %-14s %d / %d / %d\n", l.Language, l.Rate, l.Speakers,
				pct(l.Simulated.ServiceLevel), sec(l.Simulated.ASA), pct(l.MatchRate), l.Primary, l.Secondary, l.Other)
			if o := l.Observed; o != nil {
				match, tiers := "", ""
				if o.Primary+o.Secondary+o.Other > 0 {
					match, tiers = pct(o.MatchRate), fmt.Sprintf("%d / %d / %d", o.Primary, o.Secondary, o.Other)
				}
				if o.Unknown > 0 {
					tiers += fmt.Sprintf(" (%d by agents without a profile)", o.Unknown)
				}
				fmt.Fprintf(&b, "%-10s %-9s %-9s %-10s %-10s %-14s %s\n", "", "(observed)", "", pct(o.ServiceLevel), sec(o.ASA), match, strings.TrimSpace(tiers))
			}
		}
	}
	if len(r.Media) > 0 {
		writeMedia(&b, r.Media)
	}
	if len(r.Teams) > 0 {
		own := slices.ContainsFunc(r.Teams, func(t TeamReport) bool { return t.Capacity != nil })
		capacity := func(t TeamReport) string {
			if !own {
				return ""
			}
			var parts []string
			for m := range presence.NumMedia {
				if n, ok := t.Capacity[m.String()]; ok {
					parts = append(parts, fmt.Sprintf("%s %d", m, n))
				}
			}
			return fmt.Sprintf("%-22s ", cmp.Or(strings.Join(parts, ", "), "the media's"))
		}
		skilled := slices.ContainsFunc(r.Teams, func(t TeamReport) bool { return len(t.Expertise) > 0 })
		expertise := func(t TeamReport) string {
			if !skilled {
				return ""
			}
			return fmt.Sprintf("%-16s ", cmp.Or(strings.Join(t.Expertise, ","), "-"))
		}
		head := ""
		if own {
			head = fmt.Sprintf("%-22s ", "capacity")
		}
		if skilled {
			head += fmt.Sprintf("%-16s ", "expertise")
		}
		fmt.Fprintf(&b, "\n%-7s %-24s %-14s %s%-10s %s\n", "agents", "queues", "languages", head, "occupancy", "handled")
		for _, tm := range r.Teams {
			fmt.Fprintf(&b, "%-7d %-24s %-14s %s%s%-10s %d\n", tm.Agents, strings.Join(tm.Queues, ","), strings.Join(tm.Languages, ","), capacity(tm), expertise(tm), pct(tm.Occupancy), tm.Handled)
		}
	}
	if len(r.Intervals) > 0 {
		writeIntervals(&b, r.Intervals)
	}
	for _, n := range r.Notes {
		writeWrapped(&b, "note: ", n, noteWidth)
	}
	fmt.Fprintf(&b, "ran %.2f s wall, %d hub commands (%.0f/s)\n",
		r.WallSeconds, r.Commands, float64(r.Commands)/math.Max(r.WallSeconds, 1e-9))
	_, err := io.WriteString(w, b.String())
	return err
}

// reportParts fills r's queues, languages and teams.
func (d *driver) reportParts(r *Report) {
	cfg := d.cfg
	teams := cfg.teams()
	theta, t := cfg.Patience.Seconds(), cfg.SLThreshold.Seconds()
	h, _ := cfg.serviceTime()
	// Which teams serve which queue, and whether a queue's teams serve it
	// alone.
	serves := func(tm Team, q string) bool { return len(tm.Queues) == 0 || slices.Contains(tm.Queues, q) }
	pooled := true
	if len(cfg.Queues) > 1 || len(cfg.Teams) > 0 {
		for qi, q := range d.queues {
			qr := QueueReport{Name: q, Rate: cfg.Rate * share(d.queueCum, qi), Dedicated: true,
				Simulated: d.m.queues[qi].part()}
			slots := 0
			for ti, tm := range teams {
				if !serves(tm, q) {
					pooled = false
					continue
				}
				qr.Agents += tm.Agents
				slots += tm.Agents * cfg.capacity(ti, d.media[0])
				if len(tm.Queues) != 1 && len(d.queues) > 1 {
					qr.Dedicated = false
				}
			}
			if qr.Dedicated && !cfg.blended() && len(cfg.Shifts) == 0 { // a roster's team is not on all along
				if p, err := model(qr.Rate, h, slots, t, theta); err == nil {
					qr.Erlang = p
				} else {
					r.Notes = append(r.Notes, fmt.Sprintf("queue %s: %v", q, err))
				}
			}
			qr.Priority = router.DefaultPriority
			if qi < len(cfg.Queues) && cfg.Queues[qi].Priority > 0 {
				qr.Priority = cfg.Queues[qi].Priority
			}
			r.Queues = append(r.Queues, qr)
		}
	}
	if pooled && len(r.Queues) > 1 && theta == 0 && cfg.exponentialService() && !cfg.blended() {
		lambda, prio := make([]float64, len(r.Queues)), make([]int, len(r.Queues))
		for i, q := range r.Queues {
			lambda[i], prio[i] = q.Rate, q.Priority
		}
		if slices.ContainsFunc(prio, func(p int) bool { return p != prio[0] }) {
			if w, err := erlang.PriorityASA(lambda, prio, h, cfg.slots()); err == nil {
				for i := range r.Queues {
					r.Queues[i].PriorityASA = &w[i]
				}
			}
		}
	}
	if !pooled {
		r.Notes = append(r.Notes, "the run-wide prediction pools the load: every agent taking every contact; the teams do not")
	}
	for li, l := range cfg.Languages {
		lt := d.m.langs[li]
		lr := LanguageReport{Language: l.Language, Rate: cfg.Rate * share(d.langCum, li), Simulated: lt.part(),
			Primary: lt.byTier[presence.TierPrimary], Secondary: lt.byTier[presence.TierSecondary], Other: lt.byTier[presence.TierNone]}
		lr.MatchRate = ratio(float64(lr.Primary+lr.Secondary), float64(lt.answered))
		for _, tm := range teams {
			if slices.Contains(tm.Languages, l.Language) {
				lr.Speakers += tm.Agents
			}
		}
		r.Languages = append(r.Languages, lr)
	}
	if len(cfg.Teams) == 0 {
		return
	}
	window := d.w1 - d.w0
	var worked []float64 // each agent's, counted one by one
	if d.m.weights != nil {
		worked = d.agentWorked()
	}
	for ti, tm := range teams {
		tr := TeamReport{Agents: tm.Agents, Queues: tm.Queues, Languages: tm.Languages, Expertise: tm.Expertise}
		if tm.Capacity != nil {
			tr.Capacity = map[string]int{}
			for _, m := range d.media {
				tr.Capacity[m.Media.String()] = tm.Capacity[m.Media]
			}
		}
		if tr.Queues == nil {
			tr.Queues = d.queues
		}
		if tr.Languages == nil {
			tr.Languages = []string{}
		}
		var busy float64
		for i, a := range d.agents {
			if a.team == ti {
				busy += d.m.busy[i]
				tr.Handled += d.m.handled[i]
			}
		}
		slotTime := float64(tm.Agents*cfg.Capacity) * window
		if d.m.weights != nil {
			slotTime = 0
			for i, a := range d.agents {
				if a.team == ti {
					slotTime += d.m.weights[i] * worked[i]
				}
			}
		}
		tr.Occupancy = ratio(busy, slotTime)
		r.Teams = append(r.Teams, tr)
	}
}

// model is the prediction for one queue of c agents: Erlang A with
// patience, Erlang C without.
func model(rate, h float64, c int, t, theta float64) (*Prediction, error) {
	if theta > 0 {
		a, err := erlang.ErlangA(rate, h, c, t, theta)
		if err != nil {
			return nil, err
		}
		return &Prediction{Model: "erlang_a", Result: a}, nil
	}
	p, err := erlang.ErlangC(rate, h, c, t)
	if err != nil {
		return nil, err
	}
	return &Prediction{Model: "erlang_c", Result: p}, nil
}

// share is choice i's normalized share from cumulative shares.
func share(cum []float64, i int) float64 {
	if i == 0 {
		return cum[0]
	}
	return cum[i] - cum[i-1]
}

// part turns a tally into a Part.
func (a *tally) part() Part {
	return Part{ServiceLevel: ratio(float64(a.inT), float64(a.arrivals)), ASA: ratio(a.waitSum, float64(a.answered)),
		AbandonRate: ratio(float64(a.abandoned), float64(a.arrivals)),
		Arrivals:    a.arrivals, Answered: a.answered, Abandoned: a.abandoned}
}

// withinModel is the prediction of r's answeredWithin curve: the fraction
// answered within each threshold, by Allen–Cunneen when r has it, else by
// r's Erlang model; nil when r has neither.
func (d *driver) withinModel(r *Report) []float64 {
	cfg := d.cfg
	theta, c := cfg.Patience.Seconds(), cfg.slots()
	h, cv := cfg.serviceTime()
	at := modelAt(cfg.Rate, h, c, theta)
	switch {
	case r.Approx != nil:
		at = func(t float64) (erlang.Result, error) { return erlang.AllenCunneen(cfg.Rate, h, c, t, cv) }
	case r.Erlang == nil:
		return nil
	}
	return curve(at, cfg.SLThreshold.Seconds())
}

// modelAt is the model (model) of a queue as a function of the threshold.
func modelAt(rate, h float64, c int, theta float64) func(t float64) (erlang.Result, error) {
	return func(t float64) (erlang.Result, error) {
		p, err := model(rate, h, c, t, theta)
		if err != nil {
			return erlang.Result{}, err
		}
		return p.Result, nil
	}
}

// curve is a model's answeredWithin curve: at(t)'s service level for t
// from 0 to waitSpan·T; nil if the model has none.
func curve(at func(t float64) (erlang.Result, error), T float64) []float64 {
	out := make([]float64, waitBins+1)
	for k := range out {
		p, err := at(float64(k) * T * waitSpan / waitBins)
		if err != nil {
			return nil
		}
		out[k] = p.ServiceLevel
	}
	return out
}

// OfferStats counts the manual offers of a run (Config.Accept manual), warm-up
// included.
type OfferStats struct {
	// Offered is how many offers the hub made, Accepted how many the
	// agents took, Missed how many rang out (the hub then offered the
	// contact to another agent); the rest were taken back when the
	// contact abandoned.
	Offered  int `json:"offered"`
	Accepted int `json:"accepted"`
	Missed   int `json:"missed"`
	// Declined is how many the agents declined (Config.Decline): the hub
	// offered the contact to the next agent at once.
	Declined int `json:"declined"`
	// SetAway is how many times the hub set an agent away for missed
	// offers in a row.
	SetAway int `json:"set_away"`
	// Stranded is how many contacts still waited when the run ended, with
	// no patience to leave: every agent who could take them had let an
	// offer of theirs ring out, and the router offers a contact no more to
	// an agent who declined or missed it.
	Stranded int `json:"stranded"`
}

// noteWidth is where a note's lines wrap, in columns.
const noteWidth = 100

// writeWrapped writes prefix and text, wrapped at width columns between
// words, its further lines indented under the text's start. A word longer
// than the line gets a line of its own.
func writeWrapped(b *strings.Builder, prefix, text string, width int) {
	b.WriteString(prefix)
	col, indent := len(prefix), strings.Repeat(" ", len(prefix))
	for i, w := range strings.Fields(text) {
		if n := utf8.RuneCountInString(w); i > 0 && col+1+n > width {
			b.WriteString("\n" + indent + w)
			col = len(indent) + n
		} else {
			if i > 0 {
				b.WriteByte(' ')
				col++
			}
			b.WriteString(w)
			col += n
		}
	}
	b.WriteByte('\n')
}

// sum is the sum of xs.
func sum(xs []float64) (total float64) {
	for _, x := range xs {
		total += x
	}
	return total
}

// times is how many times something happened, in words: "once", "3 times".
func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

// counted is n with the word for one or for many: "1 agent", "2 agents",
// "1 was".
func counted(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
