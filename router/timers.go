package router

import "time"

type timerKind uint8

const (
	timerOffer timerKind = iota + 1
	timerGrace
	timerStep
)

// timer is a deadline in the router. Timers are never cancelled: when one
// fires, the router checks that what it was set for still holds (the offer is
// still pending, the agent still disconnected, the session still waiting).
type timer struct {
	at      time.Time
	kind    timerKind
	offer   OfferID
	agent   string
	session string
	seq     uint64 // session seq, so a recycled id is not confused
}

// timerHeap is a min-heap of timers by (at, kind, offer, agent, session). It
// is written out rather than built on container/heap so that pushing a timer
// does not box it (no allocation once the slice has grown).
type timerHeap []timer

func (h timerHeap) less(i, j int) bool {
	a, b := &h[i], &h[j]
	if c := a.at.Compare(b.at); c != 0 {
		return c < 0
	}
	if a.kind != b.kind {
		return a.kind < b.kind
	}
	if a.offer != b.offer {
		return a.offer < b.offer
	}
	if a.agent != b.agent {
		return a.agent < b.agent
	}
	return a.session < b.session
}

func (h *timerHeap) push(t timer) {
	*h = append(*h, t)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *timerHeap) pop() timer {
	s := *h
	t := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s[n] = timer{}
	s = s[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && s.less(l, m) {
			m = l
		}
		if l+1 < n && s.less(l+1, m) {
			m = l + 1
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return t
}

// NextDeadline returns the earliest time at which Advance has work to do.
func (r *Router) NextDeadline() (time.Time, bool) {
	if len(r.timers) == 0 {
		return time.Time{}, false
	}
	return r.timers[0].at, true
}

// Advance fires every timer due at or before now: offer expiries, disconnect
// graces and widening steps, in deadline order.
func (r *Router) Advance(now time.Time) {
	for len(r.timers) > 0 && !r.timers[0].at.After(now) {
		t := r.timers.pop()
		switch t.kind {
		case timerOffer:
			if o := r.offers[t.offer]; o != nil {
				r.expire(o, t.at)
			}
		case timerGrace:
			r.graceExpired(t.agent, t.at)
		case timerStep:
			r.stepDue(t, t.at)
		}
		r.settle(t.at)
	}
	r.settle(now)
}
