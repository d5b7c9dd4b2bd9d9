package export

import "time"

// Clock is the exporter's source of time; hub.Clock satisfies it, so the
// server drives the exporter and the hubs with one clock (tests move it by
// hand).
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// At returns a channel that receives once the clock reaches deadline
	// (at once if it already has), and a function that releases the wait.
	At(deadline time.Time) (c <-chan struct{}, stop func())
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) At(deadline time.Time) (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	t := time.AfterFunc(time.Until(deadline), func() { c <- struct{}{} })
	return c, func() { t.Stop() }
}
