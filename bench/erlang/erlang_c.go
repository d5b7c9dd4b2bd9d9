package erlang

import "math"

// ErlangC predicts an M/M/c queue: Poisson arrivals at rate lambda per
// second, exponential handle times with mean h seconds, c agents, and
// callers who never abandon. t is the service-level threshold in seconds.
//
// ServiceLevel is P(wait ≤ t); ASA is the mean wait of all arrivals (all are
// answered); AbandonRate is 0; Occupancy is A/c with A = lambda·h; ProbWait
// is the Erlang C probability C(c, A).
//
// The error wraps ErrInvalid for an input out of range and ErrUnstable when
// A ≥ c.
func ErlangC(lambda, h float64, c int, t float64) (Result, error) {
	if err := checkLoad(lambda, h, c, t); err != nil {
		return Result{}, err
	}
	a := lambda * h
	if err := checkStable(a, c); err != nil {
		return Result{}, err
	}
	return erlangCFromB(erlangB(c, a), c, a, h, t), nil
}

// erlangB returns the Erlang B blocking probability B(c, a) by the stable
// recursion B(k) = a·B(k−1) / (k + a·B(k−1)), B(0) = 1.
func erlangB(c int, a float64) float64 {
	b := 1.0
	for k := 1; k <= c; k++ {
		b = nextB(b, k, a)
	}
	return b
}

// nextB is one step of the Erlang B recursion: B(k, a) from B(k−1, a).
func nextB(b float64, k int, a float64) float64 {
	ab := a * b
	return ab / (float64(k) + ab)
}

// erlangCFromB finishes an Erlang C prediction given b = B(c, a) and a < c.
func erlangCFromB(b float64, c int, a, h, t float64) Result {
	fc := float64(c)
	pw := fc * b / (fc - a*(1-b))
	gap := fc - a
	return Result{
		ServiceLevel: 1 - pw*math.Exp(-gap*t/h),
		ASA:          pw * h / gap,
		AbandonRate:  0,
		Occupancy:    a / fc,
		ProbWait:     pw,
	}
}
