package erlang

import "math"

// Gauss–Kronrod 7–15 nodes and weights on [−1, 1] (QUADPACK qk15): the
// 15-point Kronrod rule gives the estimate, its embedded 7-point Gauss rule
// the error. Only the nodes ≥ 0 are listed; the rules are symmetric.
// TestGaussKronrodExact checks them against polynomials.
var (
	gkNodes = [8]float64{
		0.991455371120812639206854697526329,
		0.949107912342758524526189684047851,
		0.864864423359769072789712788640926,
		0.741531185599394439863864773280788,
		0.586087235467691130294144845693013,
		0.405845151377397166906606412076961,
		0.207784955007898467600689403773245,
		0.000000000000000000000000000000000,
	}
	gkWeights = [8]float64{
		0.022935322010529224963732008058970,
		0.063092092629978553290700663189204,
		0.104790010322250183839876322541518,
		0.140653259715525918745189590510238,
		0.169004726639267902826583426598550,
		0.190350578064785409913256402421014,
		0.204432940075298892414161999234649,
		0.209482141084727828012999174891714,
	}
	// gaussWeights[i] weights gkNodes[2i+1], the 7-point Gauss nodes.
	gaussWeights = [4]float64{
		0.129484966168869693270611432679082,
		0.279705391489276667901467771423780,
		0.381830050505118944950369775488975,
		0.417959183673469387755102040816327,
	}
)

// nMoments is the number of integrals computed together; see abandonModel.
const nMoments = 5

// moments holds one value per integrand of abandonModel.values.
type moments [nMoments]float64

// integrand evaluates several functions of x at once; inT reports whether x
// lies in the service-level window [0, T].
type integrand interface {
	values(x float64, inT bool) moments
}

// gk15 integrates f over [a, b] and returns the Kronrod estimate and the
// absolute difference from the Gauss estimate, per component.
func gk15[F integrand](f F, a, b float64, inT bool) (est, err moments) {
	mid, half := (a+b)/2, (b-a)/2
	var gauss moments
	for i, x := range gkNodes {
		pts := [2]float64{mid - half*x, mid + half*x}
		n := 2
		if x == 0 {
			n = 1
		}
		for _, p := range pts[:n] {
			v := f.values(p, inT)
			for k := range v {
				est[k] += gkWeights[i] * v[k]
				if i%2 == 1 {
					gauss[k] += gaussWeights[i/2] * v[k]
				}
			}
		}
	}
	for k := range est {
		est[k] *= half
		err[k] = math.Abs(est[k] - gauss[k]*half)
	}
	return est, err
}

// maxPanels bounds the adaptive subdivision. Erlang A calls converge in 6
// to 23 panels over 3000 random inputs spanning c ≤ 1500, A/c from 0.001 to
// 3 and θ/h from 1e−4 to 1e6 (TestErlangAProperties fails above 32); the
// bound only stops a pathological input from looping.
const maxPanels = 128

// quadRelTol is the relative accuracy asked of every component.
const quadRelTol = 1e-12

type panel struct {
	a, b     float64
	inT      bool
	est, err moments
}

// adaptive integrates f over consecutive panels split at the sorted
// breakpoints, bisecting the panel with the worst error relative to
// tolerance until every component's summed error is within quadRelTol of
// its summed estimate. Points of brks at or below t are in the service-level
// window. It returns the totals and the number of panels used.
func adaptive[F integrand](f F, brks []float64, t float64) (moments, int) {
	var ps [maxPanels]panel
	n := 0
	for i := 0; i+1 < len(brks); i++ {
		if brks[i+1] > brks[i] {
			p := panel{a: brks[i], b: brks[i+1], inT: brks[i+1] <= t}
			p.est, p.err = gk15(f, p.a, p.b, p.inT)
			ps[n] = p
			n++
		}
	}
	for {
		var sum, errs moments
		for _, p := range ps[:n] {
			for k := range sum {
				sum[k] += p.est[k]
				errs[k] += p.err[k]
			}
		}
		worst, ok := worstPanel(ps[:n], sum, errs)
		if ok || n == maxPanels {
			return sum, n
		}
		p := ps[worst]
		m := (p.a + p.b) / 2
		left := panel{a: p.a, b: m, inT: p.inT}
		right := panel{a: m, b: p.b, inT: p.inT}
		left.est, left.err = gk15(f, left.a, left.b, left.inT)
		right.est, right.err = gk15(f, right.a, right.b, right.inT)
		ps[worst], ps[n] = left, right
		n++
	}
}

// worstPanel reports whether every component has converged and, if not,
// the panel contributing most error relative to tolerance.
func worstPanel(ps []panel, sum, errs moments) (int, bool) {
	var tol moments
	done := true
	for k := range sum {
		tol[k] = quadRelTol*math.Abs(sum[k]) + math.SmallestNonzeroFloat64
		if errs[k] > tol[k] {
			done = false
		}
	}
	if done {
		return 0, true
	}
	worst, worstScore := 0, -1.0
	for i, p := range ps {
		score := 0.0
		for k := range p.err {
			score = max(score, p.err[k]/tol[k])
		}
		if score > worstScore {
			worst, worstScore = i, score
		}
	}
	return worst, false
}
