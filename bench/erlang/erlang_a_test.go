package erlang

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

type aCase struct {
	lambda, h float64
	c         int
	t, theta  float64
}

// aCases span light and heavy load, short and long patience, one agent to
// a thousand, and overload (A ≥ c), which Erlang A allows.
var aCases = []aCase{
	{100.0 / 1800, 180, 11, 20, 60},    // A = 10
	{100.0 / 1800, 180, 14, 20, 300},   // A = 10
	{100.0 / 1800, 180, 8, 20, 120},    // A = 10, overloaded
	{0.2, 240, 55, 15, 180},            // A = 48
	{0.5, 1, 1, 0.5, 2},                // M/M/1+M
	{2, 1, 1, 1, 0.1},                  // M/M/1+M, overloaded, impatient
	{0.1, 100, 10, 20, 60},             // A = 10 = c
	{0.15, 100, 10, 20, 60},            // A = 15
	{0.3, 100, 10, 20, 1},              // very impatient
	{0.05, 100, 10, 5, 10000},          // very patient
	{95.0 / 180, 180, 100, 20, 90},     // A = 95
	{950.0 / 240, 240, 1000, 20, 120},  // A = 950
	{1100.0 / 240, 240, 1000, 30, 240}, // A = 1100
	{0.01, 100, 50, 10, 30},            // A = 1 ≪ c
}

// TestErlangAAgainstChain checks P(wait) and P(abandon) against the
// truncated birth–death chain, and service level and ASA against the
// tagged-customer chain.
func TestErlangAAgainstChain(t *testing.T) {
	for _, tc := range aCases {
		r, err := ErlangA(tc.lambda, tc.h, tc.c, tc.t, tc.theta)
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		ch := newChain(tc.lambda, tc.h, tc.c, tc.theta)
		pw, pab := ch.probWait(), ch.abandon()
		sl, asa, pab2 := ch.tagged(tc.t)
		if !near(pab, pab2, 1e-10) {
			t.Fatalf("%+v: references disagree on P(abandon): %v vs %v", tc, pab, pab2)
		}
		occ := tc.lambda * tc.h * (1 - pab) / float64(tc.c)
		if !near(r.ProbWait, pw, 1e-9) || !near(r.AbandonRate, pab, 1e-9) ||
			!near(r.ServiceLevel, sl, 1e-9) || !near(r.ASA, asa, 1e-8*max(1, asa)) ||
			!near(r.Occupancy, occ, 1e-9) {
			t.Errorf("%+v:\n got  %+v\n want {ServiceLevel:%v ASA:%v AbandonRate:%v Occupancy:%v ProbWait:%v}",
				tc, r, sl, asa, pab, occ, pw)
		}
	}
}

// TestErlangAHeavyOverloadPatient: with long patience in overload the queue
// settles around (λ − cμ)/γ = 10⁵ waiting contacts; ErlangA does not
// truncate, so it needs no more work than usual.
func TestErlangAHeavyOverloadPatient(t *testing.T) {
	lambda, h, c, theta := 0.2, 100.0, 10, 1e6
	r, err := ErlangA(lambda, h, c, 20, theta)
	if err != nil {
		t.Fatal(err)
	}
	ch := newChain(lambda, h, c, theta)
	if !near(r.ProbWait, ch.probWait(), 1e-9) || !near(r.AbandonRate, ch.abandon(), 1e-9) {
		t.Errorf("got %+v, chain P(wait) %v P(abandon) %v", r, ch.probWait(), ch.abandon())
	}
	if !near(r.Occupancy, 1, 1e-9) || !near(r.AbandonRate, 0.5, 1e-3) {
		t.Errorf("fluid limit: occupancy %v abandon %v, want ≈1 and ≈0.5", r.Occupancy, r.AbandonRate)
	}
}

// TestErlangAToErlangC: as patience grows without bound Erlang A tends to
// Erlang C, and +Inf is Erlang C exactly.
func TestErlangAToErlangC(t *testing.T) {
	for _, tc := range []aCase{
		{100.0 / 1800, 180, 11, 20, 0}, {100.0 / 1800, 180, 14, 20, 0},
		{0.2, 240, 55, 15, 0}, {0.5, 1, 1, 0.5, 0}, {950.0 / 240, 240, 1000, 20, 0},
	} {
		want, err := ErlangC(tc.lambda, tc.h, tc.c, tc.t)
		if err != nil {
			t.Fatal(err)
		}
		prev := math.Inf(1)
		for _, k := range []float64{1e2, 1e4, 1e6, 1e8} {
			r, err := ErlangA(tc.lambda, tc.h, tc.c, tc.t, k*tc.h)
			if err != nil {
				t.Fatal(err)
			}
			d := max(math.Abs(r.ProbWait-want.ProbWait), math.Abs(r.ServiceLevel-want.ServiceLevel),
				math.Abs(r.ASA-want.ASA)/max(1, want.ASA), r.AbandonRate, math.Abs(r.Occupancy-want.Occupancy))
			if d > prev {
				t.Errorf("%+v θ=%g·h: distance to Erlang C grew to %v from %v", tc, k, d, prev)
			}
			prev = d
		}
		if prev > 1e-6 {
			t.Errorf("%+v: θ = 1e8·h is %v from Erlang C", tc, prev)
		}
		r, err := ErlangA(tc.lambda, tc.h, tc.c, tc.t, math.Inf(1))
		if err != nil || r != want {
			t.Errorf("%+v θ=+Inf: %+v, %v; want %+v", tc, r, err, want)
		}
	}
	if _, err := ErlangA(1, 10, 10, 0, math.Inf(1)); !errors.Is(err, ErrUnstable) {
		t.Errorf("θ=+Inf, A = c: err %v, want ErrUnstable", err)
	}
}

// TestErlangAToErlangB: as patience shrinks to nothing, whoever would wait
// leaves at once: the Erlang B loss system.
func TestErlangAToErlangB(t *testing.T) {
	for _, tc := range aCases {
		b := erlangB(tc.c, tc.lambda*tc.h)
		r, err := ErlangA(tc.lambda, tc.h, tc.c, tc.t, 1e-9*tc.h)
		if err != nil {
			t.Fatal(err)
		}
		if !near(r.ProbWait, b, 1e-6) || !near(r.AbandonRate, b, 1e-6) || !near(r.ServiceLevel, 1-b, 1e-6) {
			t.Errorf("%+v: %+v, want Erlang B %v", tc, r, b)
		}
	}
}

// TestErlangAMonotone: more agents mean less waiting, fewer abandons and a
// higher service level; more patience means fewer abandons, more waiting
// and a longer ASA.
func TestErlangAMonotone(t *testing.T) {
	for _, a := range []float64{0.7, 10, 48, 950} {
		prev := Result{ProbWait: 2, AbandonRate: 2, ASA: math.Inf(1), ServiceLevel: -1}
		for c := max(1, int(a*0.7)); c < int(a)+60; c++ {
			r, err := ErlangA(a/180, 180, c, 20, 90)
			if err != nil {
				t.Fatal(err)
			}
			if r.ProbWait > prev.ProbWait || r.AbandonRate > prev.AbandonRate ||
				r.ASA > prev.ASA || r.ServiceLevel < prev.ServiceLevel {
				t.Fatalf("A=%v c=%d: %+v after %+v", a, c, r, prev)
			}
			prev = r
		}
	}
	for _, tc := range aCases {
		prev := Result{AbandonRate: 2}
		for theta := 0.01 * tc.h; theta < 1e7*tc.h; theta *= 1.7 {
			r, err := ErlangA(tc.lambda, tc.h, tc.c, tc.t, theta)
			if err != nil {
				t.Fatal(err)
			}
			// Slack for rounding: in overload the abandonment settles at
			// 1 − c/A and further patience changes it by less than an ulp.
			const eps = 1e-13
			if r.AbandonRate > prev.AbandonRate+eps || r.ProbWait < prev.ProbWait-eps || r.ASA < prev.ASA*(1-eps) {
				t.Fatalf("%+v θ=%v: %+v after %+v", tc, theta, r, prev)
			}
			prev = r
		}
	}
}

// TestErlangAProperties checks identities every result must satisfy over
// random inputs from a printed seed.
func TestErlangAProperties(t *testing.T) {
	seed := uint64(20260214)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	logU := func(lo, hi float64) float64 { return math.Exp(math.Log(lo) + rng.Float64()*math.Log(hi/lo)) }
	for i := range 3000 {
		c := 1 + rng.IntN(1500)
		h := logU(1, 1000)
		lambda := logU(1e-3, 3) * float64(c) / h
		tt := logU(1e-3, 1e3) * h
		theta := logU(1e-4, 1e6) * h
		r, err := ErlangA(lambda, h, c, tt, theta)
		if err != nil {
			t.Fatalf("#%d ErlangA(%v, %v, %d, %v, %v): %v", i, lambda, h, c, tt, theta, err)
		}
		eps := 1e-12
		ok := r.ProbWait >= 0 && r.ProbWait <= 1 &&
			r.AbandonRate >= 0 && r.AbandonRate <= r.ProbWait+eps &&
			r.ServiceLevel >= 1-r.ProbWait-eps && r.ServiceLevel <= 1-r.AbandonRate+eps &&
			r.ASA >= 0 && !math.IsInf(r.ASA, 0) &&
			r.Occupancy >= 0 && r.Occupancy <= 1+eps &&
			near(r.Occupancy, lambda*h*(1-r.AbandonRate)/float64(c), 1e-12)
		if !ok {
			t.Fatalf("#%d ErlangA(%v, %v, %d, %v, %v) = %+v", i, lambda, h, c, tt, theta, r)
		}
		m := newAbandonModel(lambda, float64(c)/h, 1/theta)
		if _, n := m.integrate(tt); n > maxPanels/4 {
			t.Errorf("#%d ErlangA(%v, %v, %d, %v, %v): %d quadrature panels", i, lambda, h, c, tt, theta, n)
		}
	}
}

// TestErlangAIdleAndErrors covers zero load and inputs out of range.
func TestErlangAIdleAndErrors(t *testing.T) {
	if r, err := ErlangA(0, 30, 3, 10, 60); err != nil || r != (Result{ServiceLevel: 1}) {
		t.Errorf("idle: %+v, %v", r, err)
	}
	for _, theta := range []float64{0, -1, math.NaN(), math.Inf(-1)} {
		if _, err := ErlangA(1, 1, 2, 0, theta); !errors.Is(err, ErrInvalid) {
			t.Errorf("θ=%v: err %v, want ErrInvalid", theta, err)
		}
	}
	if _, err := ErlangA(1, 1, 0, 0, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("c=0: err %v, want ErrInvalid", err)
	}
	r, err := ErlangA(5, 1, 3, 0, 1e-320) // γ = +Inf
	if b := erlangB(3, 5); err != nil || r.ProbWait != b || r.AbandonRate != b {
		t.Errorf("zero patience: %+v, %v; want Erlang B %v", r, err, b)
	}
}

// TestPanelsUsed keeps the quadrature's adaptivity in check: the cases
// above must converge well inside maxPanels.
func TestPanelsUsed(t *testing.T) {
	for _, tc := range aCases {
		m := newAbandonModel(tc.lambda, float64(tc.c)/tc.h, 1/tc.theta)
		_, n := m.integrate(tc.t)
		t.Logf("%+v: %d panels", tc, n)
		if n > maxPanels/4 {
			t.Errorf("%+v: %d panels", tc, n)
		}
	}
}

// TestErlangARandomAgainstChain compares ErlangA with both chain references
// on random small systems from a printed seed.
func TestErlangARandomAgainstChain(t *testing.T) {
	seed := uint64(7)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	logU := func(lo, hi float64) float64 { return math.Exp(math.Log(lo) + rng.Float64()*math.Log(hi/lo)) }
	for i := range 150 {
		tc := aCase{c: 1 + rng.IntN(40), h: logU(1, 600)}
		tc.lambda = logU(0.05, 2.5) * float64(tc.c) / tc.h
		tc.t = logU(1e-3, 3) * tc.h
		tc.theta = logU(1e-2, 20) * tc.h
		r, err := ErlangA(tc.lambda, tc.h, tc.c, tc.t, tc.theta)
		if err != nil {
			t.Fatal(err)
		}
		ch := newChain(tc.lambda, tc.h, tc.c, tc.theta)
		sl, asa, pab := ch.tagged(tc.t)
		if !near(r.ProbWait, ch.probWait(), 1e-9) || !near(r.AbandonRate, pab, 1e-9) ||
			!near(r.ServiceLevel, sl, 1e-9) || !near(r.ASA, asa, 1e-8*max(1, asa)) {
			t.Errorf("#%d %+v:\n got  %+v\n want SL %v ASA %v abandon %v P(wait) %v", i, tc, r, sl, asa, pab, ch.probWait())
		}
	}
}
