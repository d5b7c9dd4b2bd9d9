package erlang

import (
	"errors"
	"fmt"
	"math"
)

// Result is a model's steady-state prediction for one queue. Fractions are
// in [0, 1]; ASA is in seconds. Each model's doc says what each field means
// for it; the package doc defines them once for all.
type Result struct {
	// ServiceLevel is the fraction of all arrivals answered within T.
	ServiceLevel float64 `json:"service_level"`
	// ASA is the mean wait, in seconds, of answered contacts, zero waits
	// included.
	ASA float64 `json:"asa"`
	// AbandonRate is the fraction of all arrivals that abandon.
	AbandonRate float64 `json:"abandon_rate"`
	// Occupancy is the fraction of agent time spent handling contacts.
	Occupancy float64 `json:"occupancy"`
	// ProbWait is the probability that an arrival finds every agent busy.
	ProbWait float64 `json:"prob_wait"`
}

var (
	// ErrInvalid is wrapped by every error about an input out of range.
	ErrInvalid = errors.New("erlang: invalid input")
	// ErrUnstable is wrapped when a model without abandonment is asked
	// about an offered load A = λh of at least c erlangs: its queue grows
	// without bound and it has no steady state.
	ErrUnstable = errors.New("erlang: unstable, offered load ≥ agents")
)

// checkLoad validates the inputs common to every model.
func checkLoad(lambda, h float64, c int, t float64) error {
	switch {
	case !(lambda >= 0) || math.IsInf(lambda, 0):
		return fmt.Errorf("erlang: arrival rate %v, want finite ≥ 0: %w", lambda, ErrInvalid)
	case !(h > 0) || math.IsInf(h, 0):
		return fmt.Errorf("erlang: mean handle time %v, want finite > 0: %w", h, ErrInvalid)
	case c < 1:
		return fmt.Errorf("erlang: %d agents, want ≥ 1: %w", c, ErrInvalid)
	case !(t >= 0) || math.IsInf(t, 0):
		return fmt.Errorf("erlang: service-level threshold %v, want finite ≥ 0: %w", t, ErrInvalid)
	}
	return nil
}

// checkStable returns ErrUnstable, with the load, when a ≥ c.
func checkStable(a float64, c int) error {
	if a >= float64(c) {
		return fmt.Errorf("erlang: offered load %.6g erlangs on %d agents: %w", a, c, ErrUnstable)
	}
	return nil
}
