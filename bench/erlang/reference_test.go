package erlang

import (
	"math"
)

// The references below compute Erlang A from the birth–death chain, by a
// route independent of the offered-wait density ErlangA integrates.

// chain is the stationary distribution of the M/M/c+M birth–death chain,
// truncated where the probabilities fall below e^{−50} of the mode.
type chain struct {
	lambda, mu, gamma float64
	c                 int
	pi                []float64 // pi[n] = P(n contacts in the system)
}

func newChain(lambda, h float64, c int, theta float64) chain {
	ch := chain{lambda: lambda, mu: 1 / h, gamma: 1 / theta, c: c}
	logs := []float64{0}
	top := 0.0
	for n := 1; ; n++ {
		death := float64(min(n, c))*ch.mu + float64(max(n-c, 0))*ch.gamma
		l := logs[n-1] + math.Log(lambda/death)
		logs = append(logs, l)
		top = max(top, l)
		if n > c && l < top-50 && l < logs[n-1] {
			break
		}
	}
	sum := 0.0
	for _, l := range logs {
		sum += math.Exp(l - top)
	}
	ch.pi = make([]float64, len(logs))
	for n, l := range logs {
		ch.pi[n] = math.Exp(l-top) / sum
	}
	return ch
}

// probWait is P(N ≥ c), what an arrival sees (PASTA).
func (ch chain) probWait() float64 {
	p := 0.0
	for n := ch.c; n < len(ch.pi); n++ {
		p += ch.pi[n]
	}
	return p
}

// abandon is γ·E[queue]/λ: the abandonment flow over the arrival flow.
func (ch chain) abandon() float64 {
	q := 0.0
	for n := ch.c; n < len(ch.pi); n++ {
		q += float64(n-ch.c) * ch.pi[n]
	}
	return ch.gamma * q / ch.lambda
}

// tagged follows one arrival that finds k contacts ahead of it in the queue.
// While j are ahead it leaves that state at rate ν_j = cμ + (j+1)γ: a
// service start or an abandonment ahead (rate cμ + jγ) moves it forward, its
// own abandonment (γ) ends it. So P(answered | k) = Π_j (ν_j − γ)/ν_j, and
// given it is answered its wait is a sum of independent Exp(ν_j), j = 0..k.
// It returns the service level, ASA and abandonment over all arrivals.
func (ch chain) tagged(t float64) (sl, asa, pab float64) {
	cmu := float64(ch.c) * ch.mu
	kmax := len(ch.pi) - ch.c - 1
	within := hypoexpCDF(cmu, ch.gamma, kmax, t)
	answered, waitSum := 0.0, 0.0
	for n := 0; n < ch.c; n++ {
		answered += ch.pi[n]
		sl += ch.pi[n]
	}
	pServed, meanWait := 1.0, 0.0
	for k := 0; k <= kmax; k++ {
		nu := cmu + float64(k+1)*ch.gamma
		pServed *= (nu - ch.gamma) / nu
		meanWait += 1 / nu
		p := ch.pi[ch.c+k]
		answered += p * pServed
		waitSum += p * pServed * meanWait
		sl += p * pServed * within[k]
	}
	return sl, waitSum / answered, 1 - answered
}

// hypoexpCDF returns, for k = 0..kmax, P(Σ_{j=0}^{k} Exp(cmu + (j+1)γ) ≤ t),
// by uniformisation of the pure-death chain k → k−1 → … → done.
func hypoexpCDF(cmu, gamma float64, kmax int, t float64) []float64 {
	rate := cmu + float64(kmax+1)*gamma
	u := make([]float64, kmax+2) // u[j+1] = P(done within n steps | start j); u[0] = 1 is done
	u[0] = 1
	out := make([]float64, kmax+1)
	mean := rate * t
	steps := int(mean + 40*math.Sqrt(mean) + 50)
	for n := 0; n <= steps; n++ {
		lg, _ := math.Lgamma(float64(n + 1))
		w := math.Exp(float64(n)*math.Log(mean) - mean - lg) // Poisson(mean) weight of n steps
		if mean == 0 {
			w = float64(1 - min(n, 1))
		}
		for k := range out {
			out[k] += w * u[k+1]
		}
		for j := kmax; j >= 0; j-- {
			move := (cmu + float64(j+1)*gamma) / rate
			u[j+1] = move*u[j] + (1-move)*u[j+1]
		}
	}
	return out
}
