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

// lessTimer orders timers by (at, kind, offer, agent, session): a total
// order, so that timers due at the same instant fire deterministically.
func lessTimer(a, b *timer) bool {
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

// NextDeadline returns the earliest time at which Advance has work to do.
func (r *Router) NextDeadline() (time.Time, bool) {
	if r.timers.Len() == 0 {
		return time.Time{}, false
	}
	return r.timers.Min().at, true
}

// Advance fires every timer due at or before now: offer expiries, disconnect
// graces and widening steps, in deadline order.
func (r *Router) Advance(now time.Time) {
	for r.timers.Len() > 0 && !r.timers.Min().at.After(now) {
		t := r.timers.Pop()
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
