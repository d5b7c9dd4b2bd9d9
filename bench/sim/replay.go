package sim

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// An Arrival is one contact of a replayed run (Config.Arrivals): what the
// simulator would otherwise draw, given.
type Arrival struct {
	// At is its arrival, from the start of the run.
	At time.Duration
	// Media is its media, one of the run's: chat in a run without
	// Config.Media.
	Media presence.Media
	// Queue is the queue it arrives in, one of Config.Queues' names: ""
	// in a run of one queue.
	Queue string
	// Language is the language it brings, one of Config.Languages' (any
	// tag with the same base language): "" for none.
	Language string
	// Handle is how long its agent serves it once answered (> 0).
	Handle time.Duration
	// Wrapup is its agent's after-contact work once it ends, before the
	// slot is free: 0 is its media's (MediaShare.Wrapup, or
	// Config.Wrapup).
	Wrapup time.Duration
	// Patience is how long it waits for an agent to take it (to accept
	// its offer, in the manual mode) before leaving: 0 means as long as it
	// takes. An email never leaves.
	Patience time.Duration
	// Expertise is what it requires of its agent itself, beside its
	// queue's (QueueShare.Expertise): nil means nothing.
	Expertise []string
}

// checkArrivals validates a replayed run's arrival times and sets what
// they make of the run: its window (Duration, up to the last arrival when
// 0, and no warm-up) and its Rate (their number over the window); or,
// with an Interval, its Profile: the window cut into intervals, whole, and
// the arrivals' rate in each. It runs before the profile and the rate are
// checked.
func (c *Config) checkArrivals() error {
	if len(c.Arrivals) == 0 {
		return nil
	}
	switch {
	case c.Rate != 0 || len(c.Profile) > 0:
		return fmt.Errorf("%w: a replay (arrivals) takes no rate or profile: the arrivals are the load", ErrConfig)
	case c.Warmup > 0:
		return fmt.Errorf("%w: a replay (arrivals) has no warm-up: every arrival counts", ErrConfig)
	case len(c.Schedule) > 0 && c.Interval == 0:
		return fmt.Errorf("%w: a replay's schedule needs an interval", ErrConfig)
	}
	for i, a := range c.Arrivals {
		switch {
		case a.At < 0 || i > 0 && a.At < c.Arrivals[i-1].At:
			return fmt.Errorf("%w: arrival %d at %v: arrivals come in order, from 0", ErrConfig, i+1, a.At)
		case a.Handle <= 0:
			return fmt.Errorf("%w: arrival %d has a handle time of %v (want > 0)", ErrConfig, i+1, a.Handle)
		case a.Patience < 0:
			return fmt.Errorf("%w: arrival %d has a patience of %v (want ≥ 0)", ErrConfig, i+1, a.Patience)
		case a.Wrapup < 0 || a.Wrapup > maxDelay:
			return fmt.Errorf("%w: arrival %d has a wrap-up of %v (0 to %v)", ErrConfig, i+1, a.Wrapup, maxDelay)
		}
	}
	last := c.Arrivals[len(c.Arrivals)-1].At
	switch {
	case c.Duration == 0:
		c.Duration = last + 1
	case c.Duration <= last:
		return fmt.Errorf("%w: duration %v ends before the last arrival, at %v", ErrConfig, c.Duration, last)
	}
	c.Warmup = -1
	if c.Interval == 0 {
		c.Rate = float64(len(c.Arrivals)) / c.Duration.Seconds()
		return nil
	}
	if c.Interval.Seconds() < minInterval {
		return fmt.Errorf("%w: interval %v (at least a minute)", ErrConfig, c.Interval)
	}
	n := (c.Duration + c.Interval - 1) / c.Interval
	if n > maxIntervals {
		return fmt.Errorf("%w: a replay of %v is %d intervals of %v (at most %d)", ErrConfig, c.Duration, n, c.Interval, maxIntervals)
	}
	c.Duration = n * c.Interval
	c.Profile = ArrivalProfile(c.Arrivals, c.Interval)
	c.Profile = append(c.Profile, make([]float64, int(n)-len(c.Profile))...) // the intervals after the last arrival
	return nil
}

// ArrivalProfile is the arrivals' rate, per second, in each interval of
// length iv from 0 to the last arrival's: what a replay cut into intervals
// takes as its profile.
func ArrivalProfile(arrivals []Arrival, iv time.Duration) []float64 {
	if len(arrivals) == 0 || iv <= 0 {
		return nil
	}
	out := make([]float64, arrivals[len(arrivals)-1].At/iv+1)
	for _, a := range arrivals {
		out[a.At/iv]++
	}
	for k := range out {
		out[k] /= iv.Seconds()
	}
	return out
}

// checkArrivalsMix checks that every arrival's media, queue and language
// are the run's. It runs once the queues and languages are checked and the
// media defaulted.
func (c *Config) checkArrivalsMix() error {
	media := c.media()
	for i, a := range c.Arrivals {
		if _, _, _, err := c.arrivalMix(media, a); err != nil {
			return fmt.Errorf("arrival %d: %w", i+1, err)
		}
	}
	return nil
}

// arrivalMix returns a's media, an index into media (the run's), its
// queue, an index into Queues (0 with none), and its language, an index
// into Languages (-1 for none), or an error when one is not the run's.
func (c *Config) arrivalMix(media []MediaShare, a Arrival) (m, q, lang int, err error) {
	m = slices.IndexFunc(media, func(s MediaShare) bool { return s.Media == a.Media })
	if m < 0 {
		return 0, 0, 0, fmt.Errorf("%w: a %s contact, not among the run's media", ErrConfig, a.Media)
	}
	switch {
	case a.Queue == "" && len(c.Queues) > 1:
		return 0, 0, 0, fmt.Errorf("%w: no queue, in a run of %d queues", ErrConfig, len(c.Queues))
	case a.Queue != "":
		if q = slices.IndexFunc(c.Queues, func(s QueueShare) bool { return s.Name == a.Queue }); q < 0 {
			return 0, 0, 0, fmt.Errorf("%w: queue %q, not among the run's queues", ErrConfig, a.Queue)
		}
	}
	if a.Language == "" {
		return m, q, -1, nil
	}
	tag, err := languageTag(a.Language)
	if err != nil {
		return 0, 0, 0, err
	}
	if lang = slices.IndexFunc(c.Languages, func(l LanguageShare) bool { return l.Language == tag }); lang < 0 {
		return 0, 0, 0, fmt.Errorf("%w: it speaks %q, not among the run's languages", ErrConfig, a.Language)
	}
	return m, q, lang, nil
}

// replay sets c up as arrival c.n of a replayed run (from 1): its media,
// queue, language, handle time and patience.
func (d *driver) replay(c *call) {
	a := d.cfg.Arrivals[c.n-1]
	c.media, c.queue, c.lang, _ = d.cfg.arrivalMix(d.media, a) // checked by checkArrivalsMix
	c.handle, c.wrapup = a.Handle.Seconds(), d.media[c.media].Wrapup.Seconds()
	if a.Wrapup > 0 {
		c.wrapup = a.Wrapup.Seconds()
	}
	if d.media[c.media].abandons() {
		c.patience = a.Patience.Seconds()
	}
}

// nextReplayed is the time of a replayed run's next arrival, after the
// d.nextVis done: +Inf after the last.
func (d *driver) nextReplayed() float64 {
	if int(d.nextVis) >= len(d.cfg.Arrivals) {
		return math.Inf(1)
	}
	return d.cfg.Arrivals[d.nextVis].At.Seconds()
}
