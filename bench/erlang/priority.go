package erlang

import (
	"fmt"
	"math"
)

// PriorityASA predicts the mean wait of each class of an M/M/c queue with
// non-preemptive priorities: Poisson arrivals of class i at rate lambda[i]
// per second, one exponential handle time of mean h seconds for every
// class, c agents, and callers who never abandon. A free agent takes the
// waiting caller of the most urgent class (the lowest prio[i]), the
// earliest among equals; a call in service is never interrupted. Classes
// of equal prio form one class.
//
// It is Cobham's formula: with ρ_k = λ_k·h/c and σ_k the sum of ρ over the
// classes at least as urgent as k,
//
//	W_k = C(c, A)·h/c / ((1 − σ_{k−1})·(1 − σ_k))
//
// where C(c, A) is Erlang C's probability of waiting for the total load
// A = Σλ·h and σ_{k−1} sums the strictly more urgent classes. The mean of
// W_k weighted by λ_k is Erlang C's ASA: priorities move waiting between
// classes, they do not remove any.
//
// The error wraps ErrInvalid for an input out of range (the slices must
// have the same length, at least 1) and ErrUnstable when A ≥ c.
func PriorityASA(lambda []float64, prio []int, h float64, c int) ([]float64, error) {
	if len(lambda) == 0 || len(lambda) != len(prio) {
		return nil, fmt.Errorf("erlang: %d rates and %d priorities: %w", len(lambda), len(prio), ErrInvalid)
	}
	var total float64
	for _, l := range lambda {
		if err := checkLoad(l, h, c, 0); err != nil {
			return nil, err
		}
		total += l
	}
	a := total * h
	if err := checkStable(a, c); err != nil {
		return nil, err
	}
	pw := erlangCFromB(erlangB(c, a), c, a, h, 0).ProbWait
	w0 := pw * h / float64(c)
	out := make([]float64, len(lambda))
	for k := range lambda {
		var before, upTo float64 // σ of the strictly more urgent, and of those at least as urgent
		for i := range lambda {
			rho := lambda[i] * h / float64(c)
			if prio[i] < prio[k] {
				before += rho
			}
			if prio[i] <= prio[k] {
				upTo += rho
			}
		}
		out[k] = w0 / ((1 - before) * (1 - math.Min(upTo, 1)))
	}
	return out, nil
}
