package erlang

import (
	"errors"
	"math"
	"math/big"
	"testing"
)

// near reports whether got is within tol of want.
func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol
}

// TestErlangCPublished checks published worked examples, to the precision
// they were published with.
func TestErlangCPublished(t *testing.T) {
	tests := []struct {
		name             string
		lambda, h, t     float64
		c                int
		pw, sl, asa      float64
		tolP, tolS, tolA float64
	}{
		// The Call Centre Helper worked example ("Erlang C formula – made
		// simple"): 100 calls in 30 minutes, 180 s handle time, A = 10
		// erlangs, answer within 20 s. Published: P(wait) 68.21%, 44.94%,
		// 28.53%, 17.41%; service level 39.9%, 64.0%, 79.6%, 88.8%; ASA
		// 122.8, 40.4, 17.1, 7.8 s.
		{"A10/c11", 100.0 / 1800, 180, 20, 11, 0.6821, 0.3897, 122.8, 5e-5, 5e-4, 0.05},
		{"A10/c12", 100.0 / 1800, 180, 20, 12, 0.4494, 0.6402, 40.4, 5e-5, 5e-4, 0.05},
		{"A10/c13", 100.0 / 1800, 180, 20, 13, 0.2853, 0.7956, 17.1, 5e-5, 5e-4, 0.05},
		{"A10/c14", 100.0 / 1800, 180, 20, 14, 0.1741, 0.8883, 7.8, 5e-5, 5e-4, 0.05},
		// The Maxima "erlang" package's examples: 0.2 calls/s, 240 s,
		// 55 agents (A = 48): E_C 0.2387, T_w 8.184 s, P(W ≤ 15 s) 0.8459.
		{"A48/c55", 0.2, 240, 15, 55, 0.2387, 0.8459, 8.184, 5e-5, 5e-5, 5e-4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ErlangC(tt.lambda, tt.h, tt.c, tt.t)
			if err != nil {
				t.Fatal(err)
			}
			if !near(r.ProbWait, tt.pw, tt.tolP) || !near(r.ServiceLevel, tt.sl, tt.tolS) || !near(r.ASA, tt.asa, tt.tolA) {
				t.Errorf("got P(wait) %.5f SL %.5f ASA %.4f, want %.4f %.4f %.4f", r.ProbWait, r.ServiceLevel, r.ASA, tt.pw, tt.sl, tt.asa)
			}
			if r.AbandonRate != 0 || !near(r.Occupancy, tt.lambda*tt.h/float64(tt.c), 1e-15) {
				t.Errorf("abandon %v occupancy %v", r.AbandonRate, r.Occupancy)
			}
		})
	}
}

// erlangCExact evaluates the textbook Erlang C formula in 512-bit floating
// point: an independent reference for the recursion.
func erlangCExact(c int, a float64) float64 {
	const prec = 512
	fa := new(big.Float).SetPrec(prec).SetFloat64(a)
	term := new(big.Float).SetPrec(prec).SetInt64(1) // a^k/k!
	sum := new(big.Float).SetPrec(prec)
	for k := 0; k < c; k++ {
		sum.Add(sum, term)
		term.Mul(term, fa)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(int64(k+1)))
	}
	// term = a^c/c!; top = term·c/(c−a)
	fc := new(big.Float).SetPrec(prec).SetInt64(int64(c))
	top := new(big.Float).SetPrec(prec).Mul(term, fc)
	top.Quo(top, new(big.Float).SetPrec(prec).Sub(fc, fa))
	den := new(big.Float).SetPrec(prec).Add(sum, top)
	v, _ := new(big.Float).SetPrec(prec).Quo(top, den).Float64()
	return v
}

// TestErlangCAgainstExact compares the stable recursion with the direct
// formula over small and large systems, light and heavy loads.
func TestErlangCAgainstExact(t *testing.T) {
	cases := []struct {
		c int
		a float64
	}{
		{1, 0.5}, {2, 1.9}, {11, 10}, {12, 10}, {13, 10}, {20, 17.5}, {20, 19.99},
		{55, 48}, {100, 20}, {100, 95}, {500, 480}, {1000, 950}, {1000, 999}, {1000, 10},
	}
	for _, tc := range cases {
		r, err := ErlangC(tc.a, 1, tc.c, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := erlangCExact(tc.c, tc.a)
		if !near(r.ProbWait, want, 1e-12*max(want, 1e-300)) && !near(r.ProbWait, want, 1e-300) {
			t.Errorf("C(%d, %v) = %.16g, want %.16g", tc.c, tc.a, r.ProbWait, want)
		}
		if r.ServiceLevel != 1-r.ProbWait {
			t.Errorf("C(%d, %v): SL at T=0 is %v, want 1 − C", tc.c, tc.a, r.ServiceLevel)
		}
	}
}

// TestErlangC20Agents pins a 20-agent, 17.5-erlang queue (180 s handle
// time, 20 s threshold). The figures come from the exact formula evaluated
// in rational arithmetic, not from a publication: P(wait) 0.463156,
// SL 0.649175, ASA 33.3472 s.
func TestErlangC20Agents(t *testing.T) {
	r, err := ErlangC(17.5/180, 180, 20, 20)
	if err != nil {
		t.Fatal(err)
	}
	pw := erlangCExact(20, 17.5)
	if !near(r.ProbWait, pw, 1e-13) {
		t.Fatalf("P(wait) %.10f, exact %.10f", r.ProbWait, pw)
	}
	if !near(r.ProbWait, 0.463156, 5e-7) || !near(r.ServiceLevel, 0.649175, 5e-7) || !near(r.ASA, 33.3472, 5e-5) {
		t.Errorf("got %+v, want P(wait) 0.463156 SL 0.649175 ASA 33.3472", r)
	}
	wantASA := pw * 180 / 2.5
	wantSL := 1 - pw*math.Exp(-2.5*20/180)
	if !near(r.ASA, wantASA, 1e-9) || !near(r.ServiceLevel, wantSL, 1e-12) {
		t.Errorf("ASA %v SL %v, want %v %v", r.ASA, r.ServiceLevel, wantASA, wantSL)
	}
}

// TestErlangCMonotone: more agents never raise the wait probability or the
// ASA, nor lower the service level.
func TestErlangCMonotone(t *testing.T) {
	for _, a := range []float64{0.3, 4.2, 10, 87.5, 950} {
		prev := Result{ProbWait: 2, ASA: math.Inf(1), ServiceLevel: -1}
		for c := int(a) + 1; c < int(a)+80; c++ {
			r, err := ErlangC(a/100, 100, c, 15)
			if err != nil {
				t.Fatal(err)
			}
			if r.ProbWait > prev.ProbWait || r.ASA > prev.ASA || r.ServiceLevel < prev.ServiceLevel {
				t.Fatalf("A=%v c=%d: %+v after %+v", a, c, r, prev)
			}
			prev = r
		}
	}
}

func TestErlangCErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	invalid := []struct {
		lambda, h float64
		c         int
		t         float64
	}{
		{-1, 1, 1, 0}, {nan, 1, 1, 0}, {inf, 1, 1, 0},
		{1, 0, 1, 0}, {1, -1, 1, 0}, {1, nan, 1, 0}, {1, inf, 1, 0},
		{0.5, 1, 0, 0}, {0.5, 1, -3, 0},
		{0.5, 1, 1, -1}, {0.5, 1, 1, nan}, {0.5, 1, 1, inf},
	}
	for _, in := range invalid {
		if _, err := ErlangC(in.lambda, in.h, in.c, in.t); !errors.Is(err, ErrInvalid) {
			t.Errorf("ErlangC%v: err %v, want ErrInvalid", in, err)
		}
	}
	for _, c := range []int{1, 9, 10} {
		if _, err := ErlangC(1, 10, c, 0); !errors.Is(err, ErrUnstable) {
			t.Errorf("A=10 c=%d: err %v, want ErrUnstable", c, err)
		}
	}
}

// TestErlangCIdle: no arrivals is a valid, trivial queue.
func TestErlangCIdle(t *testing.T) {
	r, err := ErlangC(0, 30, 3, 10)
	if err != nil {
		t.Fatal(err)
	}
	if r != (Result{ServiceLevel: 1}) {
		t.Fatalf("idle queue: %+v", r)
	}
}
