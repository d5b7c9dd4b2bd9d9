package router

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// CheckInvariants checks the router's state against its safety and progress
// rules by brute force and returns the first violation. It is slow (it scans
// everything); tests call it after every step, and with -tags invariants the
// router calls it after every settle and panics on a violation.
//
// The rules: every held slot belongs to exactly one pending offer or assigned
// session; a session is with at most one agent and offered at most once to
// each agent; waiting sets and pools hold exactly what they should, in order;
// counts are true; and no session that may take another offer waits while an
// agent is eligible for it.
func (r *Router) CheckInvariants(now time.Time) error {
	for _, id := range sortedKeys(r.agents) {
		if err := r.checkAgent(r.agents[id]); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(r.sessions) {
		if err := r.checkSession(r.sessions[id], now); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(r.queues) {
		if err := r.checkQueue(r.queues[id]); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkAgent: slots held = pending offers + non-idle assigned sessions; the
// agent is in exactly the pools it should be, under its current key.
func (r *Router) checkAgent(a *agentState) error {
	var want, wrap [presence.NumMedia]int
	held := 0
	for _, o := range a.offers {
		if r.offers[o.ID] != o || o.a != a {
			return fmt.Errorf("agent %s: stale offer %d", a.ID, o.ID)
		}
		want[o.Media]++
	}
	for _, s := range r.sessions {
		if s.agent != a {
			continue
		}
		held++
		if !s.idle {
			want[s.media]++
			if s.ended {
				wrap[s.media]++
			}
		}
	}
	if held != a.held {
		return fmt.Errorf("agent %s: holds %d sessions, counted %d", a.ID, held, a.held)
	}
	for m := presence.Media(0); m < presence.NumMedia; m++ {
		if a.Active(m) != want[m] || a.InWrapup(m) != wrap[m] {
			return fmt.Errorf("agent %s: %s active %d wrap-up %d, want %d and %d", a.ID, m, a.Active(m), a.InWrapup(m), want[m], wrap[m])
		}
		in := a.CanTake(m)
		if a.inPool[m] != in {
			return fmt.Errorf("agent %s: %s in pool %v, can take %v", a.ID, m, a.inPool[m], in)
		}
		n, d := a.Load(m)
		if in && a.key[m] != makePoolKey(n, d, a.LastWork(m), a.ID) {
			return fmt.Errorf("agent %s: %s stale pool key", a.ID, m)
		}
		for _, q := range a.queues {
			if got := q.pools[m].all.Has(a); got != in {
				return fmt.Errorf("agent %s: %s in pool of %s = %v, want %v", a.ID, m, q.cfg.ID, got, in)
			}
		}
	}
	return nil
}

// checkSession: offers are consistent; a waiting session is in its sets
// exactly when it should be; no eligible agent is left idle beside it.
func (r *Router) checkSession(s *sess, now time.Time) error {
	seen := map[*agentState]bool{}
	for _, o := range s.offers {
		if r.offers[o.ID] != o || o.s != s || seen[o.a] || o.a == s.agent {
			return fmt.Errorf("session %s: bad offer %d to %s", s.id, o.ID, o.Agent)
		}
		seen[o.a] = true
		if o.Direct != (s.agent != nil) {
			return fmt.Errorf("session %s: offer %d direct=%v with agent=%v", s.id, o.ID, o.Direct, s.agent != nil)
		}
	}
	waiting := s.agent == nil
	if waiting && s.ended {
		return fmt.Errorf("session %s: ended while waiting", s.id)
	}
	if s.agent != nil && r.agents[s.agent.ID] != s.agent {
		return fmt.Errorf("session %s: assigned to removed agent %s", s.id, s.agent.ID)
	}
	wantTree := waiting && len(s.offers) < s.q.cfg.offerLimit()
	if s.inTree != wantTree || r.classTree(s.q, s.media, s.prio).Has(s) != wantTree {
		return fmt.Errorf("session %s: in waiting tree %v, want %v", s.id, s.inTree, wantTree)
	}
	if r.allTree(s.q).Has(s) != waiting {
		return fmt.Errorf("session %s: in queue list %v, want %v", s.id, !waiting, waiting)
	}
	if !wantTree {
		return nil
	}
	for _, q := range r.sessionPools(s) {
		for _, a := range q.members {
			if a.CanTake(s.media) && eligible(a, s) {
				return fmt.Errorf("session %s waits while agent %s is eligible", s.id, a.ID)
			}
		}
	}
	return nil
}

// checkQueue: counts and member lists are true; class trees are ordered.
func (r *Router) checkQueue(q *queueState) error {
	online, avail, waiting := 0, 0, 0
	for _, a := range q.members {
		if !slices.Contains(a.queues, q) {
			return fmt.Errorf("queue %s: member %s does not list it", q.cfg.ID, a.ID)
		}
		if a.Status() != presence.Offline {
			online++
		}
		if a.Status() == presence.Available {
			avail++
		}
	}
	for _, s := range r.sessions {
		if s.q == q && s.agent == nil {
			waiting++
		}
	}
	if online != q.online || avail != q.available || waiting != q.nwaiting {
		return fmt.Errorf("queue %s: online %d/%d available %d/%d waiting %d/%d", q.cfg.ID,
			q.online, online, q.available, avail, q.nwaiting, waiting)
	}
	return nil
}

// bruteBestSession is bestSession by exhaustive search, for invariant
// checks: every session of the router, filtered by the rules, ordered by
// (effective priority, enqueue time, sequence).
func (r *Router) bruteBestSession(a *agentState, m presence.Media, now time.Time) *sess {
	var best *sess
	for _, s := range r.sessions {
		if !s.inTree || s.media != m || !eligible(a, s) || !r.canServe(a, s) {
			continue
		}
		if best == nil || compareWaiting(s, s.q.cfg.Aging, best, best.q.cfg.Aging, now) < 0 {
			best = s
		}
	}
	return best
}

// bruteBestAgent is bestAgent's choice (sticky aside) by exhaustive search.
func (r *Router) bruteBestAgent(s *sess) *agentState {
	lw := r.langWeight(s)
	var best candidate
	for _, a := range r.agents {
		if !a.CanTake(s.media) || !r.canServe(a, s) || !eligible(a, s) {
			continue
		}
		if c := r.score(a, s, lw); best.a == nil || c.better(&best, s.media) {
			best = c
		}
	}
	return best.a
}
