package sim

import (
	"bytes"
	"math"
	"math/rand/v2"
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
	sigma2 := math.Log(1 + pcv*pcv)
	mu := math.Log(patience) - sigma2/2
	var arrivals []Arrival
	at := 0.0
	for range n {
		at += rnd.ExpFloat64() / rate
		arrivals = append(arrivals, Arrival{At: seconds(at), Media: presence.Chat, Handle: seconds(rnd.ExpFloat64() * handle),
			Patience: seconds(math.Exp(mu + math.Sqrt(sigma2)*rnd.NormFloat64()))})
	}
	day := Config{Agents: 62, Arrivals: arrivals, Handle: seconds(handle), Patience: seconds(patience),
		SLThreshold: 20 * time.Second, Seed: 1}
	dir, r0, _ := simulatedHistory(t, day, day0.Add(8*time.Hour))
	day.Agents = 56
	truth := run(t, day).Simulated
	replay := func(observed bool, agents int) Measured {
		t.Helper()
		h, err := ReadHistory(dir, HistoryOptions{Seed: 1, ObservedPatience: observed})
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
	// The command line: --patience-dist observed is the replay above.
	r, table := simulateMain(t, "--history", dir, "--agents", "56", "--patience-dist", "observed", "--json", "--quiet")
	if !r.History.ObservedPatience || r.Simulated.Abandoned != obs.Abandoned || r.Simulated.ASA != obs.ASA {
		t.Errorf("--patience-dist observed: %+v, abandoned %d, ASA %g; want %d, %g", r.History, r.Simulated.Abandoned, r.Simulated.ASA, obs.Abandoned, obs.ASA)
	}
	if _, table = simulateMain(t, "--history", dir, "--agents", "56", "--patience-dist", "observed", "--quiet"); !strings.Contains(strings.Join(strings.Fields(table), " "), "drawn from the abandons' own distribution") {
		t.Errorf("the table does not say how patience was drawn:\n%s", table)
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
