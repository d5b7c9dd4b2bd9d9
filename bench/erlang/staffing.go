package erlang

import (
	"fmt"
	"math"
)

// AgentsFor returns the smallest number of agents c whose Erlang C service
// level, P(wait ≤ t), is at least targetSL for arrivals at rate lambda per
// second and mean handle time h seconds, with that c's prediction.
//
// targetSL must lie in (0, 1); the error wraps ErrInvalid otherwise or for
// another input out of range. The search starts at the smallest stable c,
// ⌊A⌋ + 1 with A = lambda·h, and costs one Erlang B recursion step per agent
// up to the answer, so it is O(c) in all.
func AgentsFor(lambda, h, t, targetSL float64) (int, Result, error) {
	if err := checkLoad(lambda, h, 1, t); err != nil {
		return 0, Result{}, err
	}
	if !(targetSL > 0 && targetSL < 1) {
		return 0, Result{}, fmt.Errorf("erlang: service-level target %v, want in (0, 1): %w", targetSL, ErrInvalid)
	}
	a := lambda * h
	first := math.Floor(a) + 1
	if first > math.MaxInt32 {
		return 0, Result{}, fmt.Errorf("erlang: offered load %.6g erlangs is too large to staff: %w", a, ErrInvalid)
	}
	c := int(first)
	b := erlangB(c, a)
	for {
		r := erlangCFromB(b, c, a, h, t)
		if r.ServiceLevel >= targetSL {
			return c, r, nil
		}
		c++
		b = nextB(b, c, a)
	}
}
