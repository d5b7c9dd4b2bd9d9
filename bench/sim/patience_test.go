package sim

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// TestSurvival: the Kaplan–Meier estimate of patience from five waits,
// worked out by hand, and the draws of an answered contact's patience
// given how long it waited.
func TestSurvival(t *testing.T) {
	// Abandons at 10, 30 and 40; answered at 20 and 30. At risk: 5 at 10,
	// 3 at 30 (the answer at 30 was still waiting), 1 at 40.
	sv := newSurvival([]waited{{40, true}, {20, false}, {30, true}, {10, true}, {30, false}}, 50)
	for w, want := range map[float64]float64{0: 1, 9.9: 1, 10: 0.8, 25: 0.8, 30: 0.8 * 2 / 3, 39: 0.8 * 2 / 3, 40: 0, 99: 0} {
		if got := sv.past(w); math.Abs(got-want) > 1e-12 {
			t.Errorf("past(%g) = %g, want %g", w, got, want)
		}
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	counts := map[float64]int{}
	const n = 30000
	for range n {
		counts[sv.draw(20, rnd)]++
	}
	// Past 20 (0.8): at 30 with 0.8/3 of it, at 40 with the rest.
	if len(counts) != 2 || math.Abs(float64(counts[30])/n-1.0/3) > 0.01 {
		t.Errorf("patience of a contact answered at 20: %v", counts)
	}
	// Past the longest abandon, the tail is exponential of mean 50.
	var sum float64
	for range n {
		p := sv.draw(45, rnd)
		if p < 45 {
			t.Fatalf("a contact answered at 45 would have waited %g", p)
		}
		sum += p - 45
	}
	if m := sum / n; math.Abs(m-50) > 2 {
		t.Errorf("the tail's mean %g, want 50", m)
	}
	if p := newSurvival(nil, 50).draw(5, rnd); p < 5 {
		t.Errorf("no contact at all: %g", p)
	}
}

// TestObservedPatience: callers who hang up after about a minute (not
// exponential: lognormal, cv 0.3) call on a day of 62 agents; the day is
// replayed with 56. The truth is the same callers on 56 agents. Drawing
// the answered callers' patience from the day's abandons (Kaplan–Meier)
// comes closer to it than drawing it exponential.
func TestObservedPatience(t *testing.T) {
	n := 8000
	if raceOn || testing.Short() {
		n = 3000
	}
	rnd := rand.New(rand.NewPCG(7, 7))
	const rate, handle, patience, pcv = 0.5, 120.0, 60.0, 0.3
	mu, sigma := LognormalParams(patience, pcv)
	var arrivals []Arrival
	at := 0.0
	for range n {
		at += rnd.ExpFloat64() / rate
		arrivals = append(arrivals, Arrival{At: seconds(at), Media: presence.Chat, Handle: seconds(rnd.ExpFloat64() * handle),
			Patience: seconds(math.Exp(mu + sigma*rnd.NormFloat64()))})
	}
	day := Config{Agents: 62, Arrivals: arrivals, Handle: seconds(handle), Patience: seconds(patience),
		SLThreshold: 20 * time.Second, Seed: 1}
	dir, r0, _ := simulatedHistory(t, day, day0.Add(8*time.Hour))
	day.Agents = 56
	truth := run(t, day).Simulated
	replay := func(observed bool, agents int) Measured {
		t.Helper()
		h, err := ReadHistory(dir, HistoryOptions{Seed: 1, ExponentialPatience: !observed})
		if err != nil {
			t.Fatal(err)
		}
		return run(t, h.Config(Config{Agents: agents, SLThreshold: 20 * time.Second, Seed: 1})).Simulated
	}
	exp, obs := replay(false, 56), replay(true, 56)
	t.Logf("the day on 62: %.2f %% abandoned, SL %.2f %%; on 56: truth %.2f %% / SL %.2f %% / ASA %.2f s, "+
		"replayed exponential %.2f %% / %.2f %% / %.2f s, observed %.2f %% / %.2f %% / %.2f s",
		100*r0.Simulated.AbandonRate, 100*r0.Simulated.ServiceLevel, 100*truth.AbandonRate, 100*truth.ServiceLevel, truth.ASA,
		100*exp.AbandonRate, 100*exp.ServiceLevel, exp.ASA, 100*obs.AbandonRate, 100*obs.ServiceLevel, obs.ASA)
	if e, o := math.Abs(exp.AbandonRate-truth.AbandonRate), math.Abs(obs.AbandonRate-truth.AbandonRate); o >= e || o > 0.2*truth.AbandonRate {
		t.Errorf("abandon rate off the truth's by %.4f replayed observed, %.4f exponential", o, e)
	}
	if e, o := math.Abs(exp.ASA-truth.ASA), math.Abs(obs.ASA-truth.ASA); o >= e || o > 0.15*truth.ASA || math.Abs(obs.ServiceLevel-truth.ServiceLevel) > 0.05 {
		t.Errorf("ASA off the truth's by %.2f s replayed observed, %.2f s exponential; SL %.4f against %.4f", o, e, obs.ServiceLevel, truth.ServiceLevel)
	}
	// The command line: the observed draw is the default, and
	// --patience-dist exponential the other replay above.
	for _, c := range []struct {
		args  []string
		want  Measured
		table string
	}{
		{nil, obs, "drawn from the abandons' own distribution"},
		{[]string{"--patience-dist", "observed"}, obs, "drawn from the abandons' own distribution"},
		{[]string{"--patience-dist", "exponential"}, exp, "drawn exponential"},
	} {
		args := append([]string{"--history", dir, "--agents", "56", "--quiet"}, c.args...)
		r, _ := simulateMain(t, append(args, "--json")...)
		if r.History.ObservedPatience != (c.want == obs) || r.Simulated.Abandoned != c.want.Abandoned || r.Simulated.ASA != c.want.ASA {
			t.Errorf("%v: %+v, abandoned %d, ASA %g; want %d, %g", c.args, r.History, r.Simulated.Abandoned, r.Simulated.ASA, c.want.Abandoned, c.want.ASA)
		}
		if _, table := simulateMain(t, args...); !strings.Contains(strings.Join(strings.Fields(table), " "), c.table) {
			t.Errorf("%v: the table does not say how patience was drawn (%q):\n%s", c.args, c.table, table)
		}
	}
	for _, args := range [][]string{{"--history", dir, "--agents", "56", "--patience-dist", "weibull"},
		{"--agents", "5", "--rate", "1", "--handle", "3", "--patience-dist", "observed"}} {
		var out, errs bytes.Buffer
		if code := Main(args, &out, &errs); code != 2 || !strings.Contains(errs.String(), "--patience-dist") {
			t.Errorf("%v: exit %d, %s", args, code, errs.String())
		}
	}
	// The day itself replays as it was either way.
	for _, observed := range []bool{false, true} {
		if p := replay(observed, 62); p.Abandoned != r0.Simulated.Abandoned {
			t.Errorf("the day replayed (observed %v): %d abandoned, the day %d", observed, p.Abandoned, r0.Simulated.Abandoned)
		}
	}
}

// TestPatienceRange: from one abandon, the mean patience is known within a
// factor of about a hundred and fifty (−ln 0.025 and −ln 0.975 are the
// gamma quantiles of shape 1, by hand); from many, within 1.96/√d of the
// estimate either way. The exact quantiles meet the approximation at a
// thousand.
func TestPatienceRange(t *testing.T) {
	lo, hi := patienceRange(10, 1)
	if want := 10 / -math.Log(0.025); math.Abs(lo-want) > 1e-6 {
		t.Errorf("one abandon: low %g, want %g", lo, want)
	}
	if want := 10 / -math.Log(0.975); math.Abs(hi-want) > 1e-4 {
		t.Errorf("one abandon: high %g, want %g", hi, want)
	}
	// χ² quantiles from the tables: 2d = 20 → 9.591 and 34.170.
	if lo, hi := patienceRange(1, 10); math.Abs(lo-20/34.170) > 1e-3 || math.Abs(hi-20/9.591) > 1e-3 {
		t.Errorf("ten abandons: %g to %g, want %g to %g", lo, hi, 20/34.170, 20/9.591)
	}
	for _, d := range []int{400, 5000, 100000} {
		lo, hi := patienceRange(60, d)
		if w := 1.96 / math.Sqrt(float64(d)); math.Abs(lo/60-(1-w)) > 0.25*w || math.Abs(hi/60-(1+w)) > 0.25*w {
			t.Errorf("%d abandons: %g to %g around 60, want about ±%.3g", d, lo, hi, w)
		}
	}
	for _, p := range []float64{0.025, 0.975} {
		if exact, approx := gammaQuantile(1000, p), wilsonHilferty(1000, p); math.Abs(approx-exact) > 1e-4*exact {
			t.Errorf("shape 1000 at %g: %g exactly, %g approximated", p, exact, approx)
		}
	}
	for x, want := range map[float64]string{4.7123: "4.71", 352.4: "352", 8107.3: "8110", 0.012345: "0.0123", 65.81: "65.8", 0: "0"} {
		if got := sig3(x); got != want {
			t.Errorf("sig3(%g) = %s, want %s", x, got, want)
		}
	}
	if lo, hi := patienceRange(10, 0); lo != 0 || hi != 0 {
		t.Errorf("no abandon: %g to %g", lo, hi)
	}
}

// TestGivenPatience: a day staffed so well that few contacts abandoned
// says little of their patience: the report says how little, and
// --patience gives it. Replayed on fewer agents with the true mean given,
// the day meets the truth (the same contacts, their true patience, on as
// few agents); a day on which none abandoned replays with a patience only
// when one is given.
func TestGivenPatience(t *testing.T) {
	n := 6000
	if raceOn || testing.Short() {
		n = 3000
	}
	rnd := rand.New(rand.NewPCG(3, 3))
	const rate, handle, patience = 0.15, 100.0, 60.0
	var arrivals []Arrival
	at := 0.0
	for range n {
		at += rnd.ExpFloat64() / rate
		arrivals = append(arrivals, Arrival{At: seconds(at), Media: presence.Chat, Handle: seconds(rnd.ExpFloat64() * handle),
			Patience: seconds(rnd.ExpFloat64() * patience)})
	}
	day := Config{Agents: 24, Arrivals: arrivals, Handle: seconds(handle), Patience: seconds(patience), SLThreshold: 20 * time.Second, Seed: 1}
	dir, r0, _ := simulatedHistory(t, day, day0.Add(8*time.Hour))
	day.Agents = 18
	truth := run(t, day).Simulated
	replay := func(given time.Duration) (*History, Measured) {
		t.Helper()
		h, err := ReadHistory(dir, HistoryOptions{Seed: 1, Patience: given})
		if err != nil {
			t.Fatal(err)
		}
		return h, run(t, h.Config(Config{Agents: 18, SLThreshold: 20 * time.Second, Seed: 1})).Simulated
	}
	h, est := replay(0)
	_, given := replay(seconds(patience))
	lo, hi := patienceRange(h.Patience.Seconds(), h.Abandons)
	t.Logf("the day on 24: %d abandoned, patience estimated %v (95 %% %.3g to %.3g s); on 18: truth %.2f %% abandoned / ASA %.2f s, "+
		"replayed on the estimate %.2f %% / %.2f s, on the true mean given %.2f %% / %.2f s",
		r0.Simulated.Abandoned, h.Patience, lo, hi, 100*truth.AbandonRate, truth.ASA, 100*est.AbandonRate, est.ASA, 100*given.AbandonRate, given.ASA)
	if h.Abandons != r0.Simulated.Abandoned || h.Abandons > 30 || hi < 2*lo {
		t.Fatalf("the day: %d abandons (the run %d), 95 %% %g to %g s: want a few, and a wide range", h.Abandons, r0.Simulated.Abandoned, lo, hi)
	}
	if math.Abs(given.AbandonRate-truth.AbandonRate) > 0.15*truth.AbandonRate || math.Abs(given.ASA-truth.ASA) > 0.1*truth.ASA {
		t.Errorf("with the true mean given: %.4f abandoned, ASA %.2f s; the truth %.4f, %.2f s", given.AbandonRate, given.ASA, truth.AbandonRate, truth.ASA)
	}
	// The command line: the report says how little the abandons tell, and
	// what was given.
	r, table := simulateMain(t, "--history", dir, "--agents", "18", "--json", "--quiet")
	if r.History.PatienceLow != lo || r.History.PatienceHigh != hi || r.History.PatienceGiven != 0 || !r.History.ObservedPatience {
		t.Errorf("the estimate's report: %+v", r.History)
	}
	_, table = simulateMain(t, "--history", dir, "--agents", "18", "--quiet")
	if line := strings.Join(strings.Fields(table), " "); !strings.Contains(line, fmt.Sprintf("estimated from %d abandons (95 %% between %s and %s s if exponential), too few abandons to know it well (--patience S gives it)", h.Abandons, sig3(lo), sig3(hi))) {
		t.Errorf("the table does not say how little the abandons tell:\n%s", table)
	}
	r, _ = simulateMain(t, "--history", dir, "--agents", "18", "--patience", "60", "--json", "--quiet")
	if r.History.PatienceGiven != 60 || r.History.ObservedPatience || r.Simulated.Abandoned != given.Abandoned || r.Simulated.ASA != given.ASA || r.Erlang.AbandonRate == 0 {
		t.Errorf("--patience 60: %+v, abandoned %d, ASA %g; want %d, %g", r.History, r.Simulated.Abandoned, r.Simulated.ASA, given.Abandoned, given.ASA)
	}
	if _, table = simulateMain(t, "--history", dir, "--agents", "18", "--patience", "60", "--quiet"); !strings.Contains(strings.Join(strings.Fields(table), " "), "patience 60 s on average as given (--patience), answered contacts' drawn exponential past their wait; the history estimated") {
		t.Errorf("the table does not say the patience was given:\n%s", table)
	}
	for _, args := range [][]string{{"--patience", "-1"}, {"--patience", "NaN"}, {"--patience", "60", "--patience-dist", "observed"}} {
		var out, errs bytes.Buffer
		if code := Main(append([]string{"--history", dir, "--agents", "18"}, args...), &out, &errs); code != 2 || !strings.Contains(errs.String(), "--patience") {
			t.Errorf("%v: exit %d, %s", args, code, errs.String())
		}
	}

	// A day on which no one abandoned.
	patient := slices.Clone(arrivals[:1000])
	for i := range patient {
		patient[i].Patience = 0
	}
	dir, _, _ = simulatedHistory(t, Config{Agents: 24, Arrivals: patient, Handle: seconds(handle), SLThreshold: 20 * time.Second, Seed: 1}, day0.Add(8*time.Hour))
	r, table = simulateMain(t, "--history", dir, "--agents", "12", "--quiet", "--json")
	if r.History.Abandons != 0 || r.Simulated.Abandoned != 0 {
		t.Errorf("no abandon, no patience: %+v, replay abandoned %d", r.History, r.Simulated.Abandoned)
	}
	if _, table = simulateMain(t, "--history", dir, "--agents", "12", "--quiet"); !strings.Contains(strings.Join(strings.Fields(table), " "), "no contact abandoned: contacts wait as long as it takes (--patience S gives them a patience)") {
		t.Errorf("the table does not say that no one abandoned:\n%s", table)
	}
	if r, _ = simulateMain(t, "--history", dir, "--agents", "12", "--patience", "60", "--quiet", "--json"); r.Simulated.Abandoned == 0 || r.History.PatienceGiven != 60 {
		t.Errorf("no abandon, a patience given: %+v, replay abandoned %d", r.History, r.Simulated.Abandoned)
	}
	if _, table = simulateMain(t, "--history", dir, "--agents", "12", "--patience", "60", "--quiet"); !strings.Contains(strings.Join(strings.Fields(table), " "), "patience 60 s on average as given (--patience), answered contacts' drawn exponential past their wait; no contact abandoned in the history") {
		t.Errorf("the table does not say the patience was given to a day without abandons:\n%s", table)
	}
}
