package sim

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Defaults of Config fields.
const (
	DefaultDuration    = 24 * time.Hour
	DefaultSLThreshold = 20 * time.Second
	// maxAgents bounds the hub's agent table: the simulator's agents are
	// real hub agents, each with a subscription.
	maxAgents = 10000
)

// ErrConfig is wrapped by every error about a Config field out of range.
var ErrConfig = errors.New("sim: bad config")

// Config is one simulation. A zero field means the default documented on
// it. Times are durations of simulated time.
type Config struct {
	// Agents is the number of agents, c (required, 1..10000).
	Agents int
	// Rate is the arrival rate λ, contacts per second (required, > 0).
	Rate float64
	// Handle is the mean handle time h (required, > 0).
	Handle time.Duration
	// Patience is the mean patience θ: 0 means contacts never abandon.
	Patience time.Duration
	// Duration is the measured window: 0 means DefaultDuration (a day).
	Duration time.Duration
	// Warmup is simulated before the window and not counted: 0 means a
	// tenth of Duration; negative means none.
	Warmup time.Duration
	// SLThreshold is T in "answered within T": 0 means DefaultSLThreshold.
	SLThreshold time.Duration
	// Seed seeds every random draw: the same Config gives the same Report.
	Seed uint64
	// Progress, when set, is called from Run's goroutine about every
	// ProgressEvery of wall time, and once at the end.
	Progress func(Progress)
	// ProgressEvery: 0 means a second.
	ProgressEvery time.Duration
	// OnCall, when set, is called from Run's goroutine with every call,
	// warm-up included, once it is answered or abandons: for tests and
	// analyses beyond the Report.
	OnCall func(Call)
}

// Call is one contact's fate. Times are seconds of simulated time since the
// start of the run.
type Call struct {
	// N is the arrival's number, from 1.
	N int
	// Arrive is when it entered the queue.
	Arrive float64
	// Wait is how long it waited: until an agent took it, or until it
	// abandoned.
	Wait float64
	// Answered is false for an abandon.
	Answered bool
	// Agent is the agent who took it, "" for an abandon.
	Agent string
	// Counted is set for arrivals inside the measured window.
	Counted bool
}

// Progress is how far a run has come.
type Progress struct {
	// Simulated and Total are the simulated time done and to do (warm-up
	// included).
	Simulated, Total time.Duration
	// Arrivals so far, warm-up included.
	Arrivals int
	// Events applied to the hub so far.
	Events int
	// Elapsed is the wall time since Run started.
	Elapsed time.Duration
}

// withDefaults returns c with zero fields defaulted, or an error naming
// the first field out of range.
func (c Config) withDefaults() (Config, error) {
	switch {
	case c.Agents < 1 || c.Agents > maxAgents:
		return c, fmt.Errorf("%w: agents %d (1..%d)", ErrConfig, c.Agents, maxAgents)
	case !(c.Rate > 0) || math.IsInf(c.Rate, 0):
		return c, fmt.Errorf("%w: rate %v (want > 0 per second)", ErrConfig, c.Rate)
	case c.Handle <= 0:
		return c, fmt.Errorf("%w: handle %v (want > 0)", ErrConfig, c.Handle)
	case c.Patience < 0:
		return c, fmt.Errorf("%w: patience %v (want ≥ 0)", ErrConfig, c.Patience)
	case c.Duration < 0:
		return c, fmt.Errorf("%w: duration %v (want ≥ 0)", ErrConfig, c.Duration)
	case c.SLThreshold < 0:
		return c, fmt.Errorf("%w: sl threshold %v (want ≥ 0)", ErrConfig, c.SLThreshold)
	}
	if c.Duration == 0 {
		c.Duration = DefaultDuration
	}
	switch {
	case c.Warmup == 0:
		c.Warmup = c.Duration / 10
	case c.Warmup < 0:
		c.Warmup = 0
	}
	if c.SLThreshold == 0 {
		c.SLThreshold = DefaultSLThreshold
	}
	if c.ProgressEvery <= 0 {
		c.ProgressEvery = time.Second
	}
	return c, nil
}
