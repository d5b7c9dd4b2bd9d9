package erlang

import (
	"errors"
	"math"
	"testing"
)

func TestAgentsForPublished(t *testing.T) {
	// Call Centre Helper: A = 10, 80% within 20 s needs 14 agents
	// (13 give 79.6%).
	c, r, err := AgentsFor(100.0/1800, 180, 20, 0.8)
	if err != nil || c != 14 || !near(r.ServiceLevel, 0.8883, 1e-4) {
		t.Fatalf("AgentsFor = %d, %+v, %v; want 14 agents at SL 0.8883", c, r, err)
	}
}

// TestAgentsForMinimal: the answer meets the target and one agent fewer
// does not (or is unstable), and the result is ErlangC's.
func TestAgentsForMinimal(t *testing.T) {
	for _, a := range []float64{0.01, 0.5, 3.3, 10, 17.5, 48, 250, 999.5, 5000} {
		for _, target := range []float64{0.01, 0.5, 0.8, 0.95, 0.999999} {
			for _, tt := range []float64{0, 10, 60} {
				h := 180.0
				c, r, err := AgentsFor(a/h, h, tt, target)
				if err != nil {
					t.Fatal(err)
				}
				want, _ := ErlangC(a/h, h, c, tt)
				if r.ServiceLevel < target || math.Abs(r.ServiceLevel-want.ServiceLevel) > 1e-12 {
					t.Fatalf("A=%v target %v T=%v: c=%d %+v, ErlangC %+v", a, target, tt, c, r, want)
				}
				if below, err := ErlangC(a/h, h, c-1, tt); err == nil && below.ServiceLevel >= target {
					t.Fatalf("A=%v target %v T=%v: c=%d but %d suffice (%v)", a, target, tt, c, c-1, below.ServiceLevel)
				}
			}
		}
	}
}

func TestAgentsForErrors(t *testing.T) {
	for _, target := range []float64{0, 1, -0.5, 1.5, math.NaN()} {
		if _, _, err := AgentsFor(1, 1, 1, target); !errors.Is(err, ErrInvalid) {
			t.Errorf("target %v: err %v, want ErrInvalid", target, err)
		}
	}
	if _, _, err := AgentsFor(-1, 1, 1, 0.8); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative rate: err %v, want ErrInvalid", err)
	}
}
