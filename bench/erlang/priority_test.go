package erlang

import (
	"errors"
	"math"
	"testing"
)

func TestPriorityASA(t *testing.T) {
	c, _ := ErlangC(0.09, 100, 10, 20)
	// One class, or classes of one priority: Erlang C.
	for _, tc := range []struct {
		lambda []float64
		prio   []int
	}{{[]float64{0.09}, []int{3}}, {[]float64{0.03, 0.06}, []int{5, 5}}} {
		w, err := PriorityASA(tc.lambda, tc.prio, 100, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range w {
			if math.Abs(x-c.ASA) > 1e-9 {
				t.Errorf("%v at %v: %v, Erlang C %v", tc.lambda, tc.prio, w, c.ASA)
			}
		}
	}
	// Three classes: the urgent wait less, and the weighted mean is Erlang
	// C's (conservation).
	lambda := []float64{0.02, 0.03, 0.04}
	w, err := PriorityASA(lambda, []int{1, 4, 8}, 100, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !(w[0] < w[1] && w[1] < w[2]) {
		t.Errorf("waits %v not ordered by priority", w)
	}
	var mean float64
	for i := range w {
		mean += lambda[i] * w[i] / 0.09
	}
	if math.Abs(mean-c.ASA) > 1e-9*c.ASA {
		t.Errorf("weighted mean %v, Erlang C %v", mean, c.ASA)
	}
	if _, err := PriorityASA([]float64{0.1}, []int{1}, 100, 10); !errors.Is(err, ErrUnstable) {
		t.Errorf("overload: %v", err)
	}
	if _, err := PriorityASA([]float64{0.01}, []int{1, 2}, 100, 10); !errors.Is(err, ErrInvalid) {
		t.Errorf("mismatched: %v", err)
	}
}
