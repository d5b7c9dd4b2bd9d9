package hub

import (
	"sync"
	"time"
)

// Clock is the hub's source of time. The loop reads Now once per cycle and
// sleeps on At until its next deadline.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// At returns a channel that receives once the clock reaches deadline
	// (at once if it already has), and a function that releases the wait
	// when it is no longer needed. The channel has a buffer of one.
	At(deadline time.Time) (c <-chan struct{}, stop func())
}

// RealClock returns the wall clock.
func RealClock() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) At(deadline time.Time) (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	t := time.AfterFunc(time.Until(deadline), func() { c <- struct{}{} })
	return c, func() { t.Stop() }
}

// ManualClock is a Clock that moves only when told to: tests and the
// simulator run the hub on virtual time with it. It is safe for concurrent
// use.
type ManualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters map[*waiter]struct{}
}

type waiter struct {
	at time.Time
	c  chan struct{}
}

// NewManualClock returns a ManualClock reading t0.
func NewManualClock(t0 time.Time) *ManualClock {
	return &ManualClock{now: t0, waiters: map[*waiter]struct{}{}}
}

// Now returns the clock's time.
func (m *ManualClock) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// At implements Clock.
func (m *ManualClock) At(deadline time.Time) (<-chan struct{}, func()) {
	w := &waiter{at: deadline, c: make(chan struct{}, 1)}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !deadline.After(m.now) {
		w.c <- struct{}{}
		return w.c, func() {}
	}
	m.waiters[w] = struct{}{}
	return w.c, func() {
		m.mu.Lock()
		delete(m.waiters, w)
		m.mu.Unlock()
	}
}

// Advance moves the clock forward by d and wakes every wait whose deadline
// has come.
func (m *ManualClock) Advance(d time.Duration) { m.Set(m.Now().Add(d)) }

// Set moves the clock to t (never backwards) and wakes every wait whose
// deadline has come.
func (m *ManualClock) Set(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.After(m.now) {
		m.now = t
	}
	for w := range m.waiters {
		if !w.at.After(m.now) {
			w.c <- struct{}{}
			delete(m.waiters, w)
		}
	}
}

// Waiters returns how many waits are pending: a test can poll it to know
// the loop is asleep on a deadline.
func (m *ManualClock) Waiters() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.waiters)
}
