package sim

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// survival is the Kaplan–Meier estimate of a history's patience from its
// contacts' waits: an abandon's wait is its patience (an event), an
// answered contact's only a lower bound of it (censored). Past the longest
// abandon it knows nothing, and the rest of the patience is exponential
// with the mean of the censored estimate (History.Patience).
type survival struct {
	at    []float64 // the abandons' distinct waits, ascending
	s     []float64 // the estimated chance to wait past each, non-increasing
	theta float64   // the tail's mean, seconds
}

// waited is one contact's wait, and whether it abandoned.
type waited struct {
	wait      float64
	abandoned bool
}

// newSurvival estimates the patience of contacts ws, with an exponential
// tail of mean theta past the longest abandon.
func newSurvival(ws []waited, theta float64) survival {
	ws = slices.Clone(ws)
	slices.SortFunc(ws, func(a, b waited) int { return cmp.Compare(a.wait, b.wait) })
	sv := survival{theta: theta}
	s := 1.0
	for i := 0; i < len(ws); {
		t, atRisk, events := ws[i].wait, len(ws)-i, 0
		for ; i < len(ws) && ws[i].wait == t; i++ {
			if ws[i].abandoned {
				events++
			}
		}
		if events > 0 {
			s *= 1 - float64(events)/float64(atRisk)
			sv.at, sv.s = append(sv.at, t), append(sv.s, s)
		}
	}
	return sv
}

// after is the index of the first abandon after w.
func (sv survival) after(w float64) int {
	return sort.Search(len(sv.at), func(i int) bool { return sv.at[i] > w })
}

// past is the estimated chance that a contact waits longer than w.
func (sv survival) past(w float64) float64 {
	if i := sv.after(w); i > 0 {
		return sv.s[i-1]
	}
	return 1
}

// draw is the patience of a contact that was answered after waiting w:
// drawn from the estimate given that it is longer than w.
func (sv survival) draw(w float64, rnd *rand.Rand) float64 {
	target := sv.past(w) * rnd.Float64()
	// The first abandon after w by which the chance to wait longer has
	// fallen to the target.
	lo := sv.after(w)
	if j := lo + sort.Search(len(sv.at)-lo, func(k int) bool { return sv.s[lo+k] <= target }); j < len(sv.at) {
		return sv.at[j]
	}
	tail := w
	if n := len(sv.at); n > 0 {
		tail = max(w, sv.at[n-1])
	}
	return tail + rnd.ExpFloat64()*sv.theta
}

// patienceRange is the 95 % confidence interval of a mean patience
// estimated from d abandons as all the waits over d (exponential patience,
// censored at the answered contacts' waits): 2·(all the waits)/θ is about
// χ² with 2d degrees of freedom, so θ lies between est·d/g(0.975) and
// est·d/g(0.025), g the quantiles of the gamma distribution of shape d.
func patienceRange(est float64, d int) (lo, hi float64) {
	if d < 1 || !(est > 0) {
		return 0, 0
	}
	return est * float64(d) / gammaQuantile(d, 0.975), est * float64(d) / gammaQuantile(d, 0.025)
}

// gammaQuantile is the p-quantile of the gamma distribution of integer
// shape d and scale 1: by bisection on its distribution function, which
// for an integer shape is the chance of at least d Poisson events by x.
// Past a thousand, the Wilson–Hilferty approximation (within 0.01 %).
func gammaQuantile(d int, p float64) float64 {
	n := float64(d)
	if d > 1000 {
		return wilsonHilferty(d, p)
	}
	cdf := func(x float64) float64 { // 1 − Σ_{k<d} e^−x x^k / k!, each term's log from the last's
		lt, lx := -x, math.Log(x)
		sum := math.Exp(lt)
		for k := 1; k < d; k++ {
			lt += lx - math.Log(float64(k))
			sum += math.Exp(lt)
		}
		return 1 - sum
	}
	lo, hi := 0.0, n+20*math.Sqrt(n)+50
	for range 100 {
		mid := (lo + hi) / 2
		if cdf(mid) < p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// wilsonHilferty is the p-quantile of the gamma distribution of shape d
// and scale 1 by the Wilson–Hilferty approximation.
func wilsonHilferty(d int, p float64) float64 {
	n := float64(d)
	return n * math.Pow(1-1/(9*n)+normalQuantile(p)/(3*math.Sqrt(n)), 3)
}

// normalQuantile is the p-quantile of the standard normal distribution.
func normalQuantile(p float64) float64 { return -math.Sqrt2 * math.Erfcinv(2*p) }
