package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/router"
)

// TestManualAtOnceIsAuto: agents who accept every manual offer at once make
// the queue the one of auto accept: every call waits exactly as in the FIFO
// reference queue, and every offer made is accepted.
func TestManualAtOnceIsAuto(t *testing.T) {
	n := 4000
	if raceOn || testing.Short() {
		n = 1000
	}
	cfg := load(3, 0.9, n, 41)
	cfg.Patience = 60 * time.Second
	want := map[int]Call{}
	reference(t, cfg, func(c Call) { want[c.N] = c })
	cfg.Accept = router.Manual
	got := 0
	cfg.OnCall = func(c Call) {
		got++
		if w, ok := want[c.N]; !ok || w.Answered != c.Answered || math.Abs(w.Wait-c.Wait) > 1e-6 {
			t.Fatalf("call %d: hub %+v, reference %+v", c.N, c, w)
		}
	}
	r := run(t, cfg)
	if got != len(want) {
		t.Fatalf("hub resolved %d calls, reference %d", got, len(want))
	}
	o := r.Offers
	if o == nil || o.Offered == 0 || o.Missed != 0 || o.SetAway != 0 || o.Accepted != o.Offered {
		t.Fatalf("offers %+v", o)
	}
	if r.Input.Accept != "manual" || r.Input.OfferTimeout != 20 || r.Input.BackAfter != 60 {
		t.Errorf("input %+v", r.Input)
	}
}

// TestManualAcceptDelay: with free agents, a contact waits for its agent to
// accept. An exponential time to accept of mean 5 s, offers that ring for
// 20 s: a slower agent's offer runs out and the contact goes to the next,
// who draws afresh, so the mean wait is still 5 s (memorylessness) and the
// fraction answered within 20 s is that of the first draw, 1 − e^−4.
func TestManualAcceptDelay(t *testing.T) {
	n := 6000
	if raceOn || testing.Short() {
		n = 1500
	}
	cfg := load(20, 0.1, n, 42)
	cfg.Accept, cfg.AcceptDelay = router.Manual, 5*time.Second
	r := run(t, cfg)
	s := r.Simulated
	if s.Answered != s.Arrivals {
		t.Fatalf("%+v", s)
	}
	tol := 4 * 5 / math.Sqrt(float64(s.Answered))
	if math.Abs(s.ASA-5) > tol {
		t.Errorf("ASA %.3f s, want 5 ± %.3f", s.ASA, tol)
	}
	sl := 1 - math.Exp(-4)
	if tol := 4 * math.Sqrt(sl*(1-sl)/float64(s.Arrivals)); math.Abs(s.ServiceLevel-sl) > tol {
		t.Errorf("SL %.4f, want %.4f ± %.4f", s.ServiceLevel, sl, tol)
	}
	if o := r.Offers; o.Missed == 0 || o.Accepted+o.Missed != o.Offered {
		t.Errorf("offers %+v: some run out (1.8 %%), none is taken back", o)
	}
}

// TestManualMissesAreOfferedOn: agents accept at once or let the offer ring
// out (30 %, 10 s), and there are always free agents. Each contact is
// answered after as many whole timeouts as its offers rang out, by the
// first agent who accepts: the hub offers it on the moment one runs out.
// Agents the hub sets away for 3 missed in a row come back after 30 s, so
// that the work stays spread over all of them.
func TestManualMissesAreOfferedOn(t *testing.T) {
	n := 6000
	if raceOn || testing.Short() {
		n = 1500
	}
	cfg := load(40, 0.05, n, 43)
	cfg.Accept, cfg.Miss, cfg.OfferTimeout, cfg.BackAfter = router.Manual, 0.3, 10*time.Second, 30*time.Second
	answered, rang := 0, 0
	cfg.OnCall = func(c Call) {
		if !c.Answered {
			t.Fatalf("call %d abandoned without patience", c.N)
		}
		answered++
		// each timeout fires a microsecond late (tickAfter)
		k := math.Round(c.Wait / 10)
		if math.Abs(c.Wait-10*k) > 1e-4*(k+1) {
			t.Fatalf("call %d waited %.6f s, not a whole number of timeouts", c.N, c.Wait)
		}
		if k > 0 {
			rang++
		}
	}
	r := run(t, cfg)
	s, o := r.Simulated, r.Offers
	if s.Answered != s.Arrivals || o.SetAway == 0 || o.Accepted+o.Missed != o.Offered {
		t.Fatalf("simulated %+v, offers %+v: want every contact answered, and some agents set away", s, o)
	}
	if miss := float64(o.Missed) / float64(o.Offered); math.Abs(miss-0.3) > 4*math.Sqrt(0.3*0.7/float64(o.Offered)) {
		t.Errorf("%.4f of offers missed, want 0.3", miss)
	}
	if f := float64(rang) / float64(answered); math.Abs(f-0.3) > 4*math.Sqrt(0.3*0.7/float64(answered)) {
		t.Errorf("%.4f of contacts had an offer ring out, want 0.3", f)
	}
	if f := s.Fairness; float64(f.HandledMin) < 0.8*f.HandledMean {
		t.Errorf("fairness %+v: agents set away came back and took their share", f)
	}
	if o.Stranded != 0 {
		t.Errorf("%d contacts stranded with 40 agents", o.Stranded)
	}
}

// TestManualStranded: two agents who miss most offers. A contact both
// missed is offered to neither again (DESIGN.md, Routing) and waits for
// good; the report counts those left waiting at the end.
func TestManualStranded(t *testing.T) {
	cfg := load(2, 0.3, 300, 44)
	cfg.Accept, cfg.Miss = router.Manual, 0.8
	r := run(t, cfg)
	o := r.Offers
	sm := r.Simulated
	if unresolved := sm.Arrivals - sm.Answered - sm.Abandoned; o.Stranded == 0 || o.Stranded < unresolved {
		t.Fatalf("offers %+v, simulated %+v: the contacts left waiting are stranded", o, sm)
	}
	var table bytes.Buffer
	if err := r.WriteTable(&table); err != nil || !strings.Contains(table.String(), "contacts were left waiting") {
		t.Errorf("table (%v):\n%s", err, table.String())
	}
}

// TestManualRefused: the manual fields need the manual mode, and each is
// bounded; the command line says which flag is wrong.
func TestManualRefused(t *testing.T) {
	base := load(3, 0.5, 100, 1)
	for name, mod := range map[string]func(*Config){
		"delay without manual":            func(c *Config) { c.AcceptDelay = time.Second },
		"miss without manual":             func(c *Config) { c.Miss = 0.1 },
		"timeout without manual":          func(c *Config) { c.OfferTimeout = time.Second },
		"back without manual":             func(c *Config) { c.BackAfter = time.Second },
		"bad mode":                        func(c *Config) { c.Accept = "maybe" },
		"miss 1":                          func(c *Config) { c.Accept, c.Miss = router.Manual, 1 },
		"miss negative":                   func(c *Config) { c.Accept, c.Miss = router.Manual, -0.1 },
		"miss NaN":                        func(c *Config) { c.Accept, c.Miss = router.Manual, math.NaN() },
		"delay negative":                  func(c *Config) { c.Accept, c.AcceptDelay = router.Manual, -time.Second },
		"timeout too long":                func(c *Config) { c.Accept, c.OfferTimeout = router.Manual, 25*time.Hour },
		"agents' declines without manual": func(c *Config) { c.AgentDecline = []float64{0.1} },
		"agents' misses empty":            func(c *Config) { c.Accept, c.AgentMiss = router.Manual, []float64{} },
		"agents' misses by id, too few": func(c *Config) {
			c.Accept, c.AgentIDs, c.AgentMiss = router.Manual, []string{"a", "b", "c"}, []float64{0.1}
		},
		"agents' declines over 99 %": func(c *Config) { c.Accept, c.AgentDecline = router.Manual, []float64{0.1, 1} },
		"agents' declines NaN":       func(c *Config) { c.Accept, c.AgentDecline = router.Manual, []float64{math.NaN()} },
		"agents' declines empty":     func(c *Config) { c.Accept, c.AgentDecline = router.Manual, []float64{} },
		"agents' misses and declines": func(c *Config) {
			c.Accept, c.AgentMiss, c.AgentDecline = router.Manual, []float64{0.1, 0.2}, []float64{0.1}
		},
	} {
		cfg := base
		mod(&cfg)
		if _, err := cfg.withDefaults(); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, args := range [][]string{
		{"--accept", "maybe"},
		{"--accept-delay", "5"},
		{"--accept", "manual", "--miss", "100%"},
		{"--accept", "manual", "--miss", "x"},
		{"--accept", "manual", "--offer-timeout", "-1"},
		{"--accept", "manual", "--back-after", "-3"},
		{"--accept-dist", "constant"},
		{"--accept", "manual", "--accept-dist", "uniform"},
	} {
		var out, errb bytes.Buffer
		full := append([]string{"--agents", "3", "--rate", "0.02", "--handle", "90", "--quiet"}, args...)
		if code := Main(full, &out, &errb); code != 2 || out.Len() > 0 || errb.Len() == 0 {
			t.Errorf("%q: exit %d, stderr %q", args, code, errb.String())
		}
	}
	var out, errb bytes.Buffer
	code := Main([]string{"--agents", "3", "--rate", "0.02", "--handle", "90", "--accept", "manual", "--accept-delay", "4",
		"--miss", "5%", "--offer-timeout", "15", "--back-after", "45", "--duration", "20000", "--json", "--quiet"}, &out, &errb)
	var r Report
	if err := json.Unmarshal(out.Bytes(), &r); code != 0 || err != nil {
		t.Fatalf("exit %d (%v): %s", code, err, errb.String())
	}
	if in := r.Input; in.Accept != "manual" || in.AcceptDelay != 4 || in.Miss != 0.05 || in.OfferTimeout != 15 || in.BackAfter != 45 || r.Offers == nil {
		t.Errorf("input %+v, offers %+v", in, r.Offers)
	}
	out.Reset()
	if code := Main([]string{"--agents", "3", "--rate", "0.02", "--handle", "90", "--accept", "manual", "--duration", "20000", "--quiet"}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "manual accept:") || !strings.Contains(out.String(), "offers (warm-up included):") {
		t.Errorf("table (exit %d):\n%s", code, out.String())
	}
	// Accepted always after 4 s: none within 3 s; drawn with a mean of 4 s,
	// fewer than half once some wait for an agent.
	for dist, within := range map[string][2]float64{"constant": {0, 0}, "exponential": {0.15, 0.65}} {
		out.Reset()
		if code := Main([]string{"--agents", "3", "--rate", "0.02", "--handle", "90", "--accept", "manual", "--accept-delay", "4", "--accept-dist", dist,
			"--sl-threshold", "3", "--duration", "20000", "--json", "--quiet"}, &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d: %s", dist, code, errb.String())
		}
		var r Report
		if err := json.Unmarshal(out.Bytes(), &r); err != nil || r.Input.AcceptDist != dist ||
			r.Simulated.ServiceLevel < within[0] || r.Simulated.ServiceLevel > within[1] {
			t.Errorf("%s: accept %q, within 3 s %v (%v)", dist, r.Input.AcceptDist, r.Simulated.ServiceLevel, err)
		}
	}
}
