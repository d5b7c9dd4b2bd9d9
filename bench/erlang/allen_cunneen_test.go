package erlang

import (
	"errors"
	"math"
	"testing"
)

func TestAllenCunneenIsErlangCAtCV1(t *testing.T) {
	for _, tc := range []struct {
		lambda, h float64
		c         int
	}{{0.5, 100, 60}, {0.02, 100, 3}, {2, 30, 70}} {
		want, err := ErlangC(tc.lambda, tc.h, tc.c, 20)
		if err != nil {
			t.Fatal(err)
		}
		got, err := AllenCunneen(tc.lambda, tc.h, tc.c, 20, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range [][2]float64{{got.ASA, want.ASA}, {got.ServiceLevel, want.ServiceLevel}, {got.ProbWait, want.ProbWait}, {got.Occupancy, want.Occupancy}} {
			if math.Abs(f[0]-f[1]) > 1e-12*math.Max(1, f[1]) {
				t.Errorf("λ=%v h=%v c=%d: Allen–Cunneen at cv 1 %+v, Erlang C %+v", tc.lambda, tc.h, tc.c, got, want)
				break
			}
		}
	}
}

func TestAllenCunneenScalesTheWait(t *testing.T) {
	c, _ := ErlangC(0.09, 100, 10, 20)
	for _, cv := range []float64{0, 0.5, 2} {
		r, err := AllenCunneen(0.09, 100, 10, 20, cv)
		if err != nil {
			t.Fatal(err)
		}
		scale := (1 + cv*cv) / 2
		if math.Abs(r.ASA-c.ASA*scale) > 1e-12 || r.ProbWait != c.ProbWait || r.Occupancy != c.Occupancy {
			t.Errorf("cv %v: %+v against Erlang C %+v", cv, r, c)
		}
		// Shorter waits (cv < 1) give a better service level, longer a worse.
		if (cv < 1) != (r.ServiceLevel > c.ServiceLevel) {
			t.Errorf("cv %v: service level %v, Erlang C %v", cv, r.ServiceLevel, c.ServiceLevel)
		}
	}
}

func TestAllenCunneenRefuses(t *testing.T) {
	if _, err := AllenCunneen(1, 100, 10, 20, 1); !errors.Is(err, ErrUnstable) {
		t.Errorf("overload: %v", err)
	}
	for _, cv := range []float64{-1, math.NaN(), math.Inf(1)} {
		if _, err := AllenCunneen(0.05, 100, 10, 20, cv); !errors.Is(err, ErrInvalid) {
			t.Errorf("cv %v: %v", cv, err)
		}
	}
}
