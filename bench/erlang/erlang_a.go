package erlang

import (
	"fmt"
	"math"
	"slices"
)

// ErlangA predicts an M/M/c+M queue (Palm's model): Poisson arrivals at rate
// lambda per second, exponential handle times with mean h seconds, c agents,
// and callers who abandon after an exponential patience with mean patience
// seconds if no agent has taken them. t is the service-level threshold in
// seconds.
//
// ServiceLevel is (contacts answered within t) / (all arrivals); ASA is the
// mean wait of answered contacts, zero waits included; AbandonRate is the
// fraction of arrivals that abandon; Occupancy is λ·(1 − AbandonRate)·h / c;
// ProbWait is the probability that an arrival finds every agent busy. The
// package doc gives the formulas and the method.
//
// The model is stable at any load, so A = lambda·h ≥ c is fine. A patience
// of +Inf means callers never abandon: the result is ErlangC's, including
// its ErrUnstable when A ≥ c. Otherwise the error wraps ErrInvalid for an
// input out of range.
func ErlangA(lambda, h float64, c int, t, patience float64) (Result, error) {
	if err := checkLoad(lambda, h, c, t); err != nil {
		return Result{}, err
	}
	if !(patience > 0) {
		return Result{}, fmt.Errorf("erlang: mean patience %v, want > 0: %w", patience, ErrInvalid)
	}
	if math.IsInf(patience, 1) {
		return ErlangC(lambda, h, c, t)
	}
	a := lambda * h
	if lambda == 0 {
		return Result{ServiceLevel: 1}, nil
	}
	gamma := 1 / patience
	if math.IsInf(gamma, 1) {
		return erlangLoss(c, a), nil
	}
	m := newAbandonModel(lambda, float64(c)/h, gamma)
	return m.result(c, a, t), nil
}

// erlangLoss is the limit of zero patience: whoever would wait leaves at
// once, which is the Erlang B loss system.
func erlangLoss(c int, a float64) Result {
	b := erlangB(c, a)
	return Result{
		ServiceLevel: 1 - b,
		AbandonRate:  b,
		Occupancy:    a * (1 - b) / float64(c),
		ProbWait:     b,
	}
}

// abandonModel is an M/M/c+M queue with rates per second: arrivals lambda,
// total service cmu = c/h when every agent is busy, abandonment gamma = 1/θ
// per waiting contact. newAbandonModel fills in the rest.
//
// The integrals are taken in u = x − mode, the offered wait measured from
// the peak of φ, and φ is evaluated as φ(mode+u) − φ(mode) in a form free of
// cancellation. In overload with long patience the mode lies at x ≈ 10⁸ s
// while φ(x) ≈ 10⁹; evaluated directly, φ(x) − φ(mode) carries rounding
// noise of 10⁻⁷, which keeps the quadrature's error estimate above its
// tolerance: about 1% of random inputs then ran to the panel limit.
type abandonModel struct {
	lambda, cmu, gamma float64
	// mode is the offered wait x* at which φ peaks: ln(λ/cμ)/γ in
	// overload, else 0.
	mode float64
	// rate is λ·e^{−γ·mode}, the arrival rate that still joins the queue
	// at the mode: cμ in overload, else λ.
	rate float64
	// peak is φ(mode).
	peak float64
}

func newAbandonModel(lambda, cmu, gamma float64) abandonModel {
	m := abandonModel{lambda: lambda, cmu: cmu, gamma: gamma, rate: lambda}
	if lambda > cmu {
		eps := (lambda - cmu) / cmu
		m.mode = math.Log1p(eps) / gamma
		m.rate = cmu
		m.peak = cmu / gamma * (eps - math.Log1p(eps))
	}
	return m
}

// Indices into the moments computed by abandonModel.values, each a
// function of the offered wait x scaled by e^{−φ(mode)}:
const (
	mAll     = iota // e^φ: density of the offered wait, unnormalised
	mAbandon        // e^φ·(1 − e^{−γx}): ... and the caller abandons
	mServed         // e^ψ = e^φ·e^{−γx}: ... and the caller is answered
	mServedT        // e^ψ for x ≤ T, else 0
	mServedX        // x·e^ψ: for the mean wait of answered callers
)

// logP is φ(mode+u) − φ(mode), concave in u and at most 0:
//
//	(rate/γ)·(1 − e^{−γu}) − cμ·u = −(rate/γ)·(e^{−γu} − 1 + γu) + (rate − cμ)·u.
func (m abandonModel) logP(u float64) float64 {
	return -m.rate/m.gamma*expm1Plus(m.gamma*u) + (m.rate-m.cmu)*u
}

// logQ is ψ(mode+u) − φ(mode) with ψ(x) = φ(x) − γx, also concave.
func (m abandonModel) logQ(u float64) float64 {
	return m.logP(u) - m.gamma*(m.mode+u)
}

// expm1Plus returns e^{−v} − 1 + v without cancellation for small |v|.
func expm1Plus(v float64) float64 {
	if math.Abs(v) >= 0.5 {
		return math.Expm1(-v) + v
	}
	// Σ_{k≥2} (−v)^k/k!; 20 terms reach below 1e−17 relative for |v| < 0.5.
	term, sum := v*v/2, 0.0
	for k := 3; k <= 22; k++ {
		sum += term
		term *= -v / float64(k)
	}
	return sum
}

// values implements integrand at u = x − mode.
func (m abandonModel) values(u float64, inT bool) moments {
	x := m.mode + u
	p := math.Exp(m.logP(u))
	q := p * math.Exp(-m.gamma*x)
	v := moments{mAll: p, mAbandon: p * -math.Expm1(-m.gamma*x), mServed: q, mServedX: x * q}
	if inT {
		v[mServedT] = q
	}
	return v
}

// servedMode returns, as u = x − mode, the maximum over x ≥ 0 of ψ, where
// λe^{−γx} = cμ + γ.
func (m abandonModel) servedMode() float64 {
	if m.lambda <= m.cmu+m.gamma {
		return -m.mode
	}
	return -math.Log1p(m.gamma/m.cmu) / m.gamma
}

// windowSpan is how far, in natural-log units, an integrand may fall below
// its peak before the window cuts it off: e^{−60} ≈ 1e−26.
const windowSpan = 60

// reach walks from the maximum at u0 by doubling steps, in direction dir
// (±1), until logP (or logQ if served) has fallen windowSpan below its
// value at u0 or x has reached 0, and returns that point.
func (m abandonModel) reach(u0, dir float64, served bool) float64 {
	f := m.logP
	if served {
		f = m.logQ
	}
	top := f(u0)
	d := 1 / (m.lambda + m.cmu + m.gamma)
	for range 2100 {
		u := u0 + dir*d
		if u <= -m.mode {
			return -m.mode
		}
		if f(u) < top-windowSpan {
			return u
		}
		d *= 2
	}
	return u0 + dir*d
}

// integrate returns the integrals of values over x ∈ [0, ∞), cut to the
// window where they matter, and the number of quadrature panels used.
func (m abandonModel) integrate(t float64) (moments, int) {
	us := m.servedMode()
	lo := min(m.reach(0, -1, false), m.reach(us, -1, true))
	hi := max(m.reach(0, 1, false), m.reach(us, 1, true))
	ut := min(max(t-m.mode, lo), hi)
	brks := [5]float64{lo, us, 0, ut, hi}
	slices.Sort(brks[:])
	return adaptive(m, brks[:], t-m.mode)
}

// result computes the Erlang A prediction; see the package doc.
func (m abandonModel) result(c int, a, t float64) Result {
	in, _ := m.integrate(t)
	// P(wait) = 1 / (1 + (1/B(c−1, A)) / (λ∫e^φ)), in logs.
	logQueue := math.Log(m.lambda) + m.peak + math.Log(in[mAll])
	pw := 1 / (1 + math.Exp(logInvB(c-1, a)-logQueue))
	pab := pw * in[mAbandon] / in[mAll]
	return Result{
		ServiceLevel: (1 - pw) + pw*in[mServedT]/in[mAll],
		ASA:          pw * in[mServedX] / in[mAll] / (1 - pab),
		AbandonRate:  pab,
		Occupancy:    a * (1 - pab) / float64(c),
		ProbWait:     pw,
	}
}

// logInvB returns ln(1/B(n, a)) for a > 0. 1/B obeys r(k) = 1 + (k/a)·r(k−1),
// r(0) = 1, and grows like n!/a^n when a ≪ n, so r is carried as m·e^s with
// m rescaled before it can overflow.
func logInvB(n int, a float64) float64 {
	const (
		scale    = 1e-200
		logScale = 460.51701859880913680 // −ln(scale)
	)
	r, s, one := 1.0, 0.0, 1.0 // r·e^s = 1/B(k); one = e^{−s}
	for k := 1; k <= n; k++ {
		r = one + float64(k)/a*r
		if r > 1/scale {
			r *= scale
			s += logScale
			one *= scale
		}
	}
	return math.Log(r) + s
}
