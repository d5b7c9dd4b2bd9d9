package router

import (
	"fmt"
	"slices"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// offer proposes s to a: a manual offer holding one of a's slots until it is
// accepted, declined, expires or is revoked; or, in an auto queue and for
// email in any queue (never for a transfer), an assignment at once.
func (r *Router) offer(s *sess, a *agentState, ex Explanation, now time.Time) {
	direct := s.agent != nil
	auto := !direct && s.autoAccept()
	var err error
	r.change(a, func() {
		if err = a.Hold(s.media); err == nil && auto {
			a.GaveWork(s.media, now)
			a.Answered()
		}
	})
	if err != nil {
		panicInvariant("offer to an agent without a free slot: %v", err)
		return
	}
	s.q.offered++
	if auto {
		r.assign(s, a, now)
		r.emit(Decision{Kind: Assigned, Session: s.id, Agent: a.ID, Queue: s.q.cfg.ID, Media: s.media,
			Reason: ReasonAuto, Explain: ex})
		return
	}
	o := r.newOffer()
	*o = Offer{ID: r.nextOffer, Session: s.id, Agent: a.ID, Queue: s.q.cfg.ID, Media: s.media,
		Created: now, Expires: now.Add(s.q.cfg.offerTimeout()), Direct: direct, Explain: ex, s: s, a: a}
	if direct {
		o.From = s.agent.ID
	}
	r.nextOffer++
	r.offers[o.ID] = o
	s.offers = append(s.offers, o)
	a.offers = append(a.offers, o)
	r.timers.Push(timer{at: o.Expires, kind: timerOffer, offer: o.ID})
	if !direct && len(s.offers) >= s.q.cfg.offerLimit() {
		r.park(s)
	}
	r.emit(Decision{Kind: Offered, Session: s.id, Agent: a.ID, From: o.From, Queue: o.Queue, Media: s.media,
		Offer: o.ID, Expires: o.Expires, Explain: ex})
}

// autoAccept reports whether s is assigned without an offer: its queue
// accepts automatically, or it is an email. Asynchronous media arrive in
// the agent's open list with no ringing, whatever the queue's mode
// (DESIGN "Offers"; seeds: Zoom).
func (s *sess) autoAccept() bool {
	return s.media == presence.Email || s.q.cfg.acceptMode() == Auto
}

// assign gives waiting session s to a, whose slot is already held.
func (r *Router) assign(s *sess, a *agentState, now time.Time) {
	r.removeWaiting(s)
	s.agent = a
	a.held++
	s.q.answered++
	if now.Sub(s.enq) <= s.q.cfg.serviceLevel() {
		s.q.inSLA++
	}
}

// removeOffer forgets o and frees the slot it held.
func (r *Router) removeOffer(o *Offer) {
	delete(r.offers, o.ID)
	s, a := o.s, o.a
	s.offers = slices.DeleteFunc(s.offers, func(x *Offer) bool { return x == o })
	a.offers = slices.DeleteFunc(a.offers, func(x *Offer) bool { return x == o })
	r.change(a, func() { _ = a.Release(s.media) })
	r.freeOffer(o)
}

// newOffer and freeOffer recycle offers: making one allocates nothing in
// steady state. Callers never keep an *Offer (Offer and AgentOffers copy).
func (r *Router) newOffer() *Offer {
	if n := len(r.offerPool); n > 0 {
		o := r.offerPool[n-1]
		r.offerPool = r.offerPool[:n-1]
		return o
	}
	return new(Offer)
}

func (r *Router) freeOffer(o *Offer) {
	*o = Offer{}
	r.offerPool = append(r.offerPool, o)
}

// revoke withdraws o for reason. A plain offer's session goes back to
// looking for an agent; a transfer stays with its current agent.
func (r *Router) revoke(po *Offer, reason string) {
	o := *po // removeOffer recycles po
	r.removeOffer(po)
	r.emit(Decision{Kind: Revoked, Session: o.Session, Agent: o.Agent, Queue: o.Queue, Offer: o.ID, Media: o.Media, Reason: reason})
	s := o.s
	if reason == ReasonDeclined || reason == ReasonTimeout {
		s.excluded = append(s.excluded, o.Agent) // marked for this session, transfer or not
	}
	if o.Direct {
		if reason != ReasonAbandoned {
			r.emit(Decision{Kind: TransferRefused, Session: s.id, Agent: o.Agent, From: o.From, Reason: reason})
		}
		return
	}
	if r.sessions[s.id] == s && s.agent == nil {
		r.unpark(s)
		r.markSession(s)
	}
}

func (r *Router) revokeOffers(s *sess, reason string) {
	for len(s.offers) > 0 {
		r.revoke(s.offers[0], reason)
	}
}

func (r *Router) revokeAll(a *agentState, reason string) {
	for len(a.offers) > 0 {
		r.revoke(a.offers[0], reason)
	}
}

// pendingOffer returns the pending offer id to agent, or an error saying why
// it cannot be answered.
func (r *Router) pendingOffer(id OfferID, agent string, now time.Time) (*Offer, error) {
	o := r.offers[id]
	switch {
	case o == nil:
		return nil, fmt.Errorf("%w: offer %d is no longer pending", ErrConflict, id)
	case o.Agent != agent:
		return nil, fmt.Errorf("%w: offer %d", ErrNotFound, id)
	case !now.Before(o.Expires):
		r.expire(o, now)
		r.settle(now)
		return nil, fmt.Errorf("%w: offer %d expired", ErrConflict, id)
	}
	return o, nil
}

// Accept takes offer id for agent: the session is assigned to them (or, for a
// transfer, moves to them) and every other offer of it is revoked (taken).
func (r *Router) Accept(id OfferID, agent string, now time.Time) error {
	o, err := r.pendingOffer(id, agent, now)
	if err != nil {
		return err
	}
	s, a := o.s, o.a
	delete(r.offers, o.ID)
	s.offers = slices.DeleteFunc(s.offers, func(x *Offer) bool { return x == o })
	a.offers = slices.DeleteFunc(a.offers, func(x *Offer) bool { return x == o })
	oid, direct := o.ID, o.Direct
	r.freeOffer(o)
	r.change(a, func() {
		a.GaveWork(s.media, now)
		a.Answered()
	})
	if direct {
		from := s.agent
		r.releaseHeld(s)
		from.held--
		s.agent = a
		a.held++
		r.emit(Decision{Kind: TransferAccepted, Session: s.id, Agent: a.ID, From: from.ID, Offer: oid, Media: s.media})
	} else {
		r.revokeOffers(s, ReasonTaken)
		r.assign(s, a, now)
		r.emit(Decision{Kind: Assigned, Session: s.id, Agent: a.ID, Queue: s.q.cfg.ID, Offer: oid,
			Media: s.media, Reason: ReasonAccepted})
	}
	r.settle(now)
	return nil
}

// Decline refuses offer id for agent: they are not offered the session again
// and it moves on (a refused transfer stays with its current agent).
func (r *Router) Decline(id OfferID, agent string, now time.Time) error {
	o, err := r.pendingOffer(id, agent, now)
	if err != nil {
		return err
	}
	r.revoke(o, ReasonDeclined)
	r.settle(now)
	return nil
}

// expire handles an offer whose deadline passed: a miss for the agent, who is
// set away after MissLimit misses in a row (their other offers rerouted).
func (r *Router) expire(o *Offer, now time.Time) {
	a := o.a // o is recycled by revoke
	r.revoke(o, ReasonTimeout)
	var away bool
	r.setStatus(a, func() { away = a.Missed(r.cfg.missLimit()) })
	if away {
		r.emit(Decision{Kind: StatusChanged, Agent: a.ID, Status: a.Status(), Reason: ReasonMissed})
		r.revokeAll(a, ReasonRerouted)
	}
}

// Offer returns pending offer id.
func (r *Router) Offer(id OfferID) (Offer, bool) {
	o := r.offers[id]
	if o == nil {
		return Offer{}, false
	}
	return *o, true
}

// AgentOffers appends the pending offers to agent to dst, oldest first.
func (r *Router) AgentOffers(dst []Offer, agent string) []Offer {
	if a := r.agents[agent]; a != nil {
		for _, o := range a.offers {
			dst = append(dst, *o)
		}
	}
	return dst
}
