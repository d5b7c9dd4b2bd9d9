package erlang

import (
	"math"
	"testing"
)

// poly integrates x^k for k < nMoments·... one power per component.
type poly struct{ base int }

func (p poly) values(x float64, _ bool) moments {
	var v moments
	for k := range v {
		v[k] = math.Pow(x, float64(p.base+k))
	}
	return v
}

// TestGaussKronrodExact checks the tabulated nodes and weights: the
// 15-point Kronrod rule is exact for polynomials up to degree 22 and the
// 7-point Gauss rule up to degree 13, so their difference vanishes there.
func TestGaussKronrodExact(t *testing.T) {
	for base := 0; base <= 22; base += nMoments {
		est, errs := gk15(poly{base}, -0.5, 1.5, false)
		for k := range est {
			deg := base + k
			if deg > 22 {
				continue
			}
			want := (math.Pow(1.5, float64(deg+1)) - math.Pow(-0.5, float64(deg+1))) / float64(deg+1)
			if !near(est[k], want, 1e-14*max(1, math.Abs(want))) {
				t.Errorf("∫x^%d: Kronrod %v, want %v", deg, est[k], want)
			}
			if deg <= 13 && errs[k] > 1e-14*max(1, math.Abs(want)) {
				t.Errorf("∫x^%d: Gauss differs by %v", deg, errs[k])
			}
		}
	}
}

func TestExpm1Plus(t *testing.T) {
	for _, v := range []float64{-0.7, -0.5, -0.49, -1e-3, -1e-9, 0, 1e-12, 1e-5, 0.1, 0.49, 0.5, 3, 800} {
		// e^{−v} − 1 + v = Σ_{k≥2} (−v)^k/k!, summed to convergence
		want, term := 0.0, 1.0
		for k := 1; k < 200; k++ {
			term *= -v / float64(k)
			if k >= 2 {
				want += term
			}
			if math.Abs(term) < 1e-300 || math.IsInf(term, 0) {
				break
			}
		}
		if math.Abs(v) > 1 {
			want = math.Expm1(-v) + v
		}
		if got := expm1Plus(v); !near(got, want, 1e-15*math.Abs(want)) {
			t.Errorf("expm1Plus(%v) = %v, want %v", v, got, want)
		}
	}
}
