package sim

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/bench/erlang"
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
	// Notes explain missing predictions.
	Notes []string `json:"notes,omitempty"`
	// WallSeconds is how long the run took; Commands how many commands it
	// applied to the hub.
	WallSeconds float64 `json:"wall_seconds"`
	Commands    int     `json:"commands"`
}

// Input echoes the run's parameters, in seconds.
type Input struct {
	Agents      int     `json:"agents"`
	Rate        float64 `json:"rate"`
	Handle      float64 `json:"handle"`
	Patience    float64 `json:"patience"` // 0: none
	Duration    float64 `json:"duration"`
	Warmup      float64 `json:"warmup"`
	SLThreshold float64 `json:"sl_threshold"`
	Seed        uint64  `json:"seed"`
	// Load is the offered load λh in erlangs.
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

// Prediction is a model's prediction, named.
type Prediction struct {
	// Model is "erlang_c" or "erlang_a".
	Model string `json:"model"`
	erlang.Result
}

func (d *driver) report(wall time.Duration) *Report {
	cfg := d.cfg
	r := &Report{WallSeconds: wall.Seconds(), Commands: d.nDo}
	h, theta, t := cfg.Handle.Seconds(), cfg.Patience.Seconds(), cfg.SLThreshold.Seconds()
	r.Input = Input{Agents: cfg.Agents, Rate: cfg.Rate, Handle: h, Patience: theta,
		Duration: cfg.Duration.Seconds(), Warmup: cfg.Warmup.Seconds(), SLThreshold: t, Seed: cfg.Seed, Load: cfg.Rate * h}
	r.Simulated = d.m.measured(cfg.Agents)
	c, errC := erlang.ErlangC(cfg.Rate, h, cfg.Agents, t)
	switch {
	case errC == nil:
		r.ErlangC = &Prediction{Model: "erlang_c", Result: c}
	case errors.Is(errC, erlang.ErrUnstable):
		r.Notes = append(r.Notes, fmt.Sprintf("Erlang C: offered load %.4g erlangs ≥ %d agents, the queue grows without bound", cfg.Rate*h, cfg.Agents))
	default:
		r.Notes = append(r.Notes, "Erlang C: "+errC.Error())
	}
	if theta == 0 {
		r.Erlang, r.ErlangC = r.ErlangC, nil
		return r
	}
	a, err := erlang.ErlangA(cfg.Rate, h, cfg.Agents, t, theta)
	if err != nil {
		r.Notes = append(r.Notes, "Erlang A: "+err.Error())
		return r
	}
	r.Erlang = &Prediction{Model: "erlang_a", Result: a}
	return r
}

// measured turns the tallies into the report's figures.
func (m *meter) measured(agents int) Measured {
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
		f.BusyMin = math.Min(f.BusyMin, b/window)
		f.BusyMax = math.Max(f.BusyMax, b/window)
	}
	f.Jain = ratio(busy*busy, float64(agents)*sq)
	f.HandledMean = float64(a.answered) / float64(agents)
	out.Fairness = f
	out.Occupancy = busy / (float64(agents) * window)
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
	fmt.Fprintf(&b, "switchboard simulate: %d agents, rate %g/s, handle %g s, patience %s, seed %d\n",
		in.Agents, in.Rate, in.Handle, patience, in.Seed)
	fmt.Fprintf(&b, "offered load %.4g erlangs; measured %s after %s of warm-up (simulated time)\n\n",
		in.Load, seconds(in.Duration), seconds(in.Warmup))
	s := r.Simulated
	model, p := "prediction", (*Prediction)(nil)
	if r.Erlang != nil {
		p = r.Erlang
		model = map[string]string{"erlang_c": "Erlang C", "erlang_a": "Erlang A"}[p.Model]
	}
	extra := r.ErlangC != nil
	fmt.Fprintf(&b, "%-22s %-20s %-12s", "", "simulated", model)
	if extra {
		fmt.Fprintf(&b, " %-12s", "Erlang C")
	}
	b.WriteString("\n")
	row := func(name, sim string, f func(erlang.Result) string) {
		fmt.Fprintf(&b, "%-22s %-20s", name, sim)
		if p != nil {
			fmt.Fprintf(&b, " %-12s", f(p.Result))
		} else {
			fmt.Fprintf(&b, " %-12s", "—")
		}
		if extra {
			fmt.Fprintf(&b, " %-12s", f(r.ErlangC.Result))
		}
		b.WriteString("\n")
	}
	pct := func(x float64) string { return fmt.Sprintf("%.2f %%", 100*x) }
	sec := func(x float64) string { return fmt.Sprintf("%.3f s", x) }
	row(fmt.Sprintf("service level (%gs)", in.SLThreshold), fmt.Sprintf("%s ±%.2f", pct(s.ServiceLevel), 100*s.ServiceLevelCI95),
		func(e erlang.Result) string { return pct(e.ServiceLevel) })
	row("ASA", fmt.Sprintf("%s ±%.3f", sec(s.ASA), s.ASACI95), func(e erlang.Result) string { return sec(e.ASA) })
	row("abandon rate", pct(s.AbandonRate), func(e erlang.Result) string { return pct(e.AbandonRate) })
	row("occupancy", pct(s.Occupancy), func(e erlang.Result) string { return pct(e.Occupancy) })
	row("P(wait)", pct(s.ProbWait), func(e erlang.Result) string { return pct(e.ProbWait) })
	f := s.Fairness
	fmt.Fprintf(&b, "\narrivals %d, answered %d, abandoned %d (± are 95 %% intervals, batch means)\n",
		s.Arrivals, s.Answered, s.Abandoned)
	fmt.Fprintf(&b, "fairness: Jain index of busy time %.4f; per agent handled min %d / mean %.1f / max %d, occupancy min %s / max %s\n",
		f.Jain, f.HandledMin, f.HandledMean, f.HandledMax, pct(f.BusyMin), pct(f.BusyMax))
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	fmt.Fprintf(&b, "ran %.2f s wall, %d hub commands (%.0f/s); wrap-up time 0 (M/M/c)\n",
		r.WallSeconds, r.Commands, float64(r.Commands)/math.Max(r.WallSeconds, 1e-9))
	_, err := io.WriteString(w, b.String())
	return err
}
