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
	// Language is the language it brings, one of Config.Languages' (any
	// tag with the same base language): "" for none.
	Language string
	// Handle is how long its agent serves it once answered (> 0).
	Handle time.Duration
	// Patience is how long it waits for an agent to take it (to accept
	// its offer, in the manual mode) before leaving: 0 means as long as it
	// takes. An email never leaves.
	Patience time.Duration
}

// checkArrivals validates a replayed run's arrival times and sets what
// they make of the run: its window (Duration, up to the last arrival when
// 0, and no warm-up) and its Rate (their number over the window). It runs
// before the Rate is checked.
func (c *Config) checkArrivals() error {
	if len(c.Arrivals) == 0 {
		return nil
	}
	switch {
	case c.Rate != 0 || len(c.Profile) > 0 || len(c.Schedule) > 0:
		return fmt.Errorf("%w: a replay (arrivals) takes no rate, profile or schedule: the arrivals are the load", ErrConfig)
	case c.Warmup > 0:
		return fmt.Errorf("%w: a replay (arrivals) has no warm-up: every arrival counts", ErrConfig)
	case len(c.Queues) > 1:
		return fmt.Errorf("%w: a replay (arrivals) has one queue", ErrConfig)
	}
	for i, a := range c.Arrivals {
		switch {
		case a.At < 0 || i > 0 && a.At < c.Arrivals[i-1].At:
			return fmt.Errorf("%w: arrival %d at %v: arrivals come in order, from 0", ErrConfig, i+1, a.At)
		case a.Handle <= 0:
			return fmt.Errorf("%w: arrival %d has a handle time of %v (want > 0)", ErrConfig, i+1, a.Handle)
		case a.Patience < 0:
			return fmt.Errorf("%w: arrival %d has a patience of %v (want ≥ 0)", ErrConfig, i+1, a.Patience)
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
	c.Rate = float64(len(c.Arrivals)) / c.Duration.Seconds()
	return nil
}

// checkArrivalsMix checks that every arrival's media and language are the
// run's. It runs once the languages are normalized and the media defaulted.
func (c *Config) checkArrivalsMix() error {
	media := c.media()
	for i, a := range c.Arrivals {
		if _, _, err := c.arrivalMix(media, a); err != nil {
			return fmt.Errorf("arrival %d: %w", i+1, err)
		}
	}
	return nil
}

// arrivalMix returns a's media, an index into media (the run's), and its
// language, an index into Languages (-1 for none), or an error when
// either is not the run's.
func (c *Config) arrivalMix(media []MediaShare, a Arrival) (m, lang int, err error) {
	m = slices.IndexFunc(media, func(s MediaShare) bool { return s.Media == a.Media })
	if m < 0 {
		return 0, 0, fmt.Errorf("%w: a %s contact, not among the run's media", ErrConfig, a.Media)
	}
	if a.Language == "" {
		return m, -1, nil
	}
	tag, err := languageTag(a.Language)
	if err != nil {
		return 0, 0, err
	}
	if lang = slices.IndexFunc(c.Languages, func(l LanguageShare) bool { return l.Language == tag }); lang < 0 {
		return 0, 0, fmt.Errorf("%w: it speaks %q, not among the run's languages", ErrConfig, a.Language)
	}
	return m, lang, nil
}

// replay sets c up as arrival c.n of a replayed run (from 1): its media,
// language, handle time and patience.
func (d *driver) replay(c *call) {
	a := d.cfg.Arrivals[c.n-1]
	c.media, c.lang, _ = d.cfg.arrivalMix(d.media, a) // checked by checkArrivalsMix
	c.handle = a.Handle.Seconds()
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
