package sim

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/leakcheck"

	"github.com/switchboardhq/switchboard/bench/erlang"
)

// TestMain fails the run when goroutines outlive the tests.
func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m, leakcheck.Config{})) }

// long reports whether the long statistical runs were asked for
// (SWITCHBOARD_SIM_LONG=1): minutes of hub time.
func long() bool { return os.Getenv("SWITCHBOARD_SIM_LONG") == "1" }

// load returns a Config of c agents at occupancy rho with handle time 100 s,
// measuring about n arrivals after a warm-up of a tenth of that.
func load(c int, rho float64, n int, seed uint64) Config {
	h := 100.0
	rate := rho * float64(c) / h
	return Config{Agents: c, Rate: rate, Handle: seconds(h), Duration: seconds(float64(n) / rate),
		SLThreshold: 20 * time.Second, Seed: seed}
}

func run(t testing.TB, cfg Config) *Report {
	t.Helper()
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func relErr(got, want float64) float64 { return math.Abs(got-want) / want }

// TestMatchesReference checks that the hub is, call by call, the FIFO
// M/M/c(+M) queue: on the same random streams every call waits exactly as
// long, and abandons or not, as in the textbook queue. With that, what the
// reference measures over tens of millions of calls (TestReferenceMatches
// Erlang) is what the hub would.
func TestMatchesReference(t *testing.T) {
	n := 10000
	if raceOn || testing.Short() {
		n = 1500
	}
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"c=2 rho=0.7", load(2, 0.7, n, 1)},
		{"c=3 rho=0.9", load(3, 0.9, n, 2)},
		{"c=8 rho=0.95 patience", func() Config { c := load(8, 0.95, n, 3); c.Patience = 60 * time.Second; return c }()},
		{"c=4 overload patience", func() Config { c := load(4, 1.3, n, 4); c.Patience = 30 * time.Second; return c }()},
		{"c=3 rho=0.9 lognormal cv=2", func() Config { c := load(3, 0.9, n, 5); c.HandleDist, c.HandleCV = Lognormal, 2; return c }()},
		{"c=3 rho=0.9 wrap-up", func() Config { c := load(3, 0.9, n, 7); c.Handle, c.Wrapup = 70*time.Second, 30*time.Second; return c }()},
		{"c=6 rho=0.95 lognormal wrap-up patience", func() Config {
			c := load(6, 0.95, n, 8)
			c.HandleDist, c.HandleCV, c.Handle, c.Wrapup, c.Patience = Lognormal, 1.5, 85*time.Second, 15*time.Second, 60*time.Second
			return c
		}()},
		{"c=5 rho=0.95 constant patience", func() Config {
			c := load(5, 0.95, n, 6)
			c.HandleDist, c.Patience = Constant, 60*time.Second
			return c
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := map[int]Call{}
			reference(t, tc.cfg, func(c Call) { want[c.N] = c })
			got := 0
			cfg := tc.cfg
			cfg.OnCall = func(c Call) {
				got++
				w, ok := want[c.N]
				switch {
				case !ok:
					t.Fatalf("call %d: not in the reference", c.N)
				case w.Answered != c.Answered || math.Abs(w.Wait-c.Wait) > 1e-6 || w.Counted != c.Counted:
					t.Fatalf("call %d: hub %+v, reference %+v", c.N, c, w)
				case c.Answered == (c.Agent == ""):
					t.Fatalf("call %d: answered %v by %q", c.N, c.Answered, c.Agent)
				}
			}
			r := run(t, cfg)
			if got != len(want) {
				t.Fatalf("hub resolved %d calls, reference %d", got, len(want))
			}
			if r.Simulated.Arrivals < n*8/10 {
				t.Errorf("only %d arrivals counted", r.Simulated.Arrivals)
			}
		})
	}
}

// TestReferenceMatchesErlang pins the reference queue to Erlang C within
// 1–2 % over millions of arrivals (a fraction of a second each), and to
// Erlang A with patience within 5 %.
func TestReferenceMatchesErlang(t *testing.T) {
	scale := 1.0
	if raceOn || testing.Short() {
		scale = 0.1
	}
	for _, tc := range []struct {
		c   int
		rho float64
		n   float64
	}{
		{2, 0.70, 1e6}, {10, 0.70, 3e6}, {2, 0.85, 3e6}, {2, 0.90, 6e6}, {20, 0.90, 10e6}, {2, 0.95, 16e6},
	} {
		cfg := load(tc.c, tc.rho, int(tc.n*scale), 7)
		got := referenceC(cfg)
		want, err := erlang.ErlangC(cfg.Rate, cfg.Handle.Seconds(), cfg.Agents, cfg.SLThreshold.Seconds())
		if err != nil {
			t.Fatal(err)
		}
		tol := 0.02 / math.Sqrt(scale)
		if e := relErr(got.ASA, want.ASA); e > tol {
			t.Errorf("c=%d rho=%.2f: reference ASA %.4g, Erlang C %.4g (%.1f %% off, %.0f arrivals)", tc.c, tc.rho, got.ASA, want.ASA, 100*e, tc.n*scale)
		}
		if e := relErr(got.ServiceLevel, want.ServiceLevel); e > tol/2 {
			t.Errorf("c=%d rho=%.2f: reference SL %.4g, Erlang C %.4g", tc.c, tc.rho, got.ServiceLevel, want.ServiceLevel)
		}
		if e := relErr(got.Occupancy, want.Occupancy); e > tol/2 {
			t.Errorf("c=%d rho=%.2f: reference occupancy %.4g, Erlang C %.4g", tc.c, tc.rho, got.Occupancy, want.Occupancy)
		}
	}
	// Erlang A: the event-driven reference, shorter.
	cfg := load(10, 1.0, int(400000*scale), 8)
	cfg.Patience = 120 * time.Second
	var arrivals, answered, inT, aband int
	var waits float64
	reference(t, cfg, func(c Call) {
		if !c.Counted {
			return
		}
		arrivals++
		if !c.Answered {
			aband++
			return
		}
		answered++
		waits += c.Wait
		if c.Wait <= 20 {
			inT++
		}
	})
	want, err := erlang.ErlangA(cfg.Rate, cfg.Handle.Seconds(), cfg.Agents, 20, cfg.Patience.Seconds())
	if err != nil {
		t.Fatal(err)
	}
	got := erlang.Result{ServiceLevel: float64(inT) / float64(arrivals), ASA: waits / float64(answered),
		AbandonRate: float64(aband) / float64(arrivals)}
	checkClose(t, "reference vs Erlang A", got, want, 0.05/math.Sqrt(scale), true)
}

// checkClose fails when service level or ASA (and abandonment, with
// abandons set) is further than tol, relative, from the model.
func checkClose(t testing.TB, name string, got, want erlang.Result, tol float64, abandons bool) {
	t.Helper()
	var bad []string
	for _, f := range []struct {
		what      string
		got, want float64
	}{
		{"service level", got.ServiceLevel, want.ServiceLevel},
		{"ASA", got.ASA, want.ASA},
		{"abandon rate", got.AbandonRate, want.AbandonRate},
	} {
		if f.what == "abandon rate" && !abandons {
			continue
		}
		if e := relErr(f.got, f.want); e > tol {
			bad = append(bad, fmt.Sprintf("%s %.4g, model %.4g (%.1f %% off)", f.what, f.got, f.want, 100*e))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%s, tolerance %.1f %%: %s", name, 100*tol, strings.Join(bad, "; "))
	}
}

// TestHubMatchesErlang measures the hub itself against the models, with
// no reference in between. Each check's sample is sized so that the
// estimate's own standard error is about 2 % of the value or less (the
// relative variance of the mean wait of M/M/2 is about 9,000/n at 70 %
// occupancy and 60,000/n at 90 %, from batch means over repeated runs), so
// a 5 % tolerance is a real test, not luck. The hub takes some 100 µs of CPU
// per call, so by default this runs 70 % (200,000 calls, ~20 s); 90 % and
// 95 % (1.5 and 5 million calls, minutes) run with SWITCHBOARD_SIM_LONG=1,
// and TestMatchesReference with TestReferenceMatchesErlang cover them by
// default.
func TestHubMatchesErlang(t *testing.T) {
	if raceOn || testing.Short() {
		t.Skip("hundreds of thousands of hub calls: not with -race or -short")
	}
	type check struct {
		c        int
		rho      float64
		n        int
		patience time.Duration
		tol      float64
	}
	checks := []check{{c: 2, rho: 0.7, n: 200000, tol: 0.05}}
	if long() {
		checks = append(checks,
			check{c: 2, rho: 0.9, n: 1500000, tol: 0.05},
			check{c: 2, rho: 0.95, n: 5000000, tol: 0.05},
			check{c: 10, rho: 0.95, n: 300000, patience: 300 * time.Second, tol: 0.10},
		)
	}
	for _, ck := range checks {
		cfg := load(ck.c, ck.rho, ck.n, 11)
		cfg.Patience = ck.patience
		r := run(t, cfg)
		name := fmt.Sprintf("c=%d rho=%.2f patience=%v (%d arrivals)", ck.c, ck.rho, ck.patience, r.Simulated.Arrivals)
		s := r.Simulated
		got := erlang.Result{ServiceLevel: s.ServiceLevel, ASA: s.ASA, AbandonRate: s.AbandonRate, Occupancy: s.Occupancy}
		checkClose(t, name, got, r.Erlang.Result, ck.tol, ck.patience > 0)
		if e := relErr(s.Occupancy, r.Erlang.Occupancy); e > 0.02 {
			t.Errorf("%s: occupancy %.4f, model %.4f", name, s.Occupancy, r.Erlang.Occupancy)
		}
		t.Logf("%s: SL %.4f±%.4f (model %.4f), ASA %.3f±%.3f (model %.3f), abandon %.4f (model %.4f), %.1f s",
			name, s.ServiceLevel, s.ServiceLevelCI95, r.Erlang.ServiceLevel, s.ASA, s.ASACI95, r.Erlang.ASA,
			s.AbandonRate, r.Erlang.AbandonRate, r.WallSeconds)
	}
}

// TestErlangAWithHub checks the hub against Erlang A, roughly (10 %), on a
// sample that fits the default run.
func TestErlangAWithHub(t *testing.T) {
	n := 50000
	if raceOn || testing.Short() {
		n = 3000
	}
	cfg := load(10, 1.0, n, 12)
	cfg.Patience = 120 * time.Second
	r := run(t, cfg)
	if r.Erlang == nil || r.Erlang.Model != "erlang_a" || r.ErlangC != nil {
		t.Fatalf("predictions %+v %+v %v", r.Erlang, r.ErlangC, r.Notes)
	}
	s := r.Simulated
	got := erlang.Result{ServiceLevel: s.ServiceLevel, ASA: s.ASA, AbandonRate: s.AbandonRate}
	tol := 0.10
	if n < 10000 {
		tol = 0.35
	}
	checkClose(t, "hub vs Erlang A", got, r.Erlang.Result, tol, true)
	if s.Abandoned == 0 || s.Answered+s.Abandoned != s.Arrivals {
		t.Errorf("arrivals %d = answered %d + abandoned %d?", s.Arrivals, s.Answered, s.Abandoned)
	}
}

// TestReferenceMatchesPollaczekKhinchine: with one agent, Allen–Cunneen is
// the Pollaczek–Khinchine formula of M/G/1, exact for any handle-time
// distribution; the reference queue with constant and lognormal handle
// times must match it within 2 % over a million arrivals.
func TestReferenceMatchesPollaczekKhinchine(t *testing.T) {
	// No shorter sample under -race: the reference is cheap, and the
	// lognormal's long tail needs the million calls.
	for _, tc := range []struct {
		dist HandleDist
		cv   float64
		rho  float64
	}{{Constant, 0, 0.8}, {Lognormal, 0.5, 0.8}, {Lognormal, 1.5, 0.7}} {
		cfg := load(1, tc.rho, 2e6, 9)
		cfg.HandleDist, cfg.HandleCV = tc.dist, tc.cv
		got := referenceC(cfg)
		want, err := erlang.AllenCunneen(cfg.Rate, cfg.Handle.Seconds(), 1, cfg.SLThreshold.Seconds(), tc.cv)
		if err != nil {
			t.Fatal(err)
		}
		if e := relErr(got.ASA, want.ASA); e > 0.02 {
			t.Errorf("M/G/1 %s cv %g at %.0f %%: reference ASA %.3f s, Pollaczek–Khinchine %.3f s (%.1f %% off)",
				tc.dist, tc.cv, 100*tc.rho, got.ASA, want.ASA, 100*e)
		}
	}
}
