package router

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// PutAgent creates or updates an agent: profile and queue memberships. A new
// agent is offline. Offers of queues the agent leaves are revoked (rerouted);
// sessions they hold stay with them.
func (r *Router) PutAgent(p presence.Profile, queues []string, now time.Time) error {
	for _, id := range queues {
		if r.queues[id] == nil {
			return fmt.Errorf("%w: queue %q", ErrNotFound, id)
		}
	}
	a := r.agents[p.ID]
	if a == nil {
		pa, err := presence.NewAgent(p)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		a = &agentState{Agent: pa}
		r.agents[p.ID] = a
	} else {
		r.unindex(a) // languages may change: leave the old language trees
		err := a.SetProfile(p)
		r.sync(a)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalid, err)
		}
	}
	r.setMembership(a, queues)
	r.settle(now)
	return nil
}

// setMembership makes a a member of exactly the queues ids (which exist).
func (r *Router) setMembership(a *agentState, ids []string) {
	r.unindex(a)
	r.countStatus(a, -1)
	for _, q := range a.queues {
		q.members = slices.DeleteFunc(q.members, func(x *agentState) bool { return x == a })
	}
	a.queues = a.queues[:0]
	for _, id := range ids {
		q := r.queues[id]
		if slices.Contains(a.queues, q) {
			continue
		}
		a.queues = append(a.queues, q)
		i, _ := slices.BinarySearchFunc(q.members, a.ID, func(x *agentState, id string) int { return strings.Compare(x.ID, id) })
		q.members = slices.Insert(q.members, i, a)
	}
	slices.SortFunc(a.queues, func(x, y *queueState) int { return strings.Compare(x.cfg.ID, y.cfg.ID) })
	r.countStatus(a, +1)
	for _, o := range slices.Clone(a.offers) {
		if !o.Direct && !r.canServe(a, o.s) {
			r.revoke(o, ReasonRerouted)
		}
	}
	r.sync(a)
	r.markAgent(a)
}

// canServe reports whether a may serve s through s's queue or a step of it.
func (r *Router) canServe(a *agentState, s *sess) bool {
	if slices.Contains(a.queues, s.q) {
		return true
	}
	for i := 0; i < s.stepsDone; i++ {
		if t := r.queues[s.q.cfg.Steps[i].AddQueue]; t != nil && slices.Contains(a.queues, t) {
			return true
		}
	}
	return false
}

func (r *Router) countStatus(a *agentState, delta int) {
	for _, q := range a.queues {
		if a.Status() != presence.Offline {
			q.online += delta
		}
		if a.Status() == presence.Available {
			q.available += delta
		}
	}
}

// DeleteAgent removes an agent. It fails with ErrInUse while they hold a
// session; their pending offers are revoked (rerouted).
func (r *Router) DeleteAgent(id string, now time.Time) error {
	a := r.agents[id]
	if a == nil {
		return fmt.Errorf("%w: agent %q", ErrNotFound, id)
	}
	if a.held > 0 {
		return fmt.Errorf("%w: agent %q holds %d sessions", ErrInUse, id, a.held)
	}
	r.revokeAll(a, ReasonRerouted)
	r.setMembership(a, nil)
	r.unindex(a)
	delete(r.agents, id)
	r.dirtyAgents = slices.DeleteFunc(r.dirtyAgents, func(x *agentState) bool { return x == a })
	r.settle(now)
	return nil
}

// Agent returns agent id's presence, for reading only.
func (r *Router) Agent(id string) *presence.Agent {
	if a := r.agents[id]; a != nil {
		return a.Agent
	}
	return nil
}

// AgentQueues returns the ids of the queues agent id is a member of.
func (r *Router) AgentQueues(id string) []string {
	a := r.agents[id]
	if a == nil {
		return nil
	}
	out := make([]string, len(a.queues))
	for i, q := range a.queues {
		out[i] = q.cfg.ID
	}
	return out
}

// SetStatus sets an agent's own status. Leaving available revokes their
// pending offers (rerouted); sessions they hold stay with them.
func (r *Router) SetStatus(id string, st presence.Status, now time.Time) error {
	a := r.agents[id]
	if a == nil {
		return fmt.Errorf("%w: agent %q", ErrNotFound, id)
	}
	if !st.Settable() {
		return fmt.Errorf("%w: status %s cannot be set", ErrInvalid, st)
	}
	r.setStatus(a, func() { _ = a.SetStatus(st) })
	if st != presence.Available {
		r.revokeAll(a, ReasonRerouted)
	}
	r.settle(now)
	return nil
}

// setStatus runs fn, which changes a's status, keeping counts and pools true.
func (r *Router) setStatus(a *agentState, fn func()) {
	r.countStatus(a, -1)
	r.change(a, fn)
	r.countStatus(a, +1)
}

// Connect counts a new socket of agent id and cancels any disconnect grace.
func (r *Router) Connect(id string) error {
	a := r.agents[id]
	if a == nil {
		return fmt.Errorf("%w: agent %q", ErrNotFound, id)
	}
	a.Connect()
	return nil
}

// Disconnect counts a socket of agent id gone. When it was the last one, the
// agent keeps their status for the grace period; then they go offline, their
// offers are revoked and re-routed, and sessions they hold stay with them.
func (r *Router) Disconnect(id string, now time.Time) error {
	a := r.agents[id]
	if a == nil {
		return fmt.Errorf("%w: agent %q", ErrNotFound, id)
	}
	if until := a.Disconnect(now, r.cfg.grace()); !until.IsZero() {
		r.timers.Push(timer{at: until, kind: timerGrace, agent: a.ID})
	}
	return nil
}

func (r *Router) graceExpired(id string, now time.Time) {
	a := r.agents[id]
	if a == nil || !a.GraceDue(now) {
		return
	}
	r.setStatus(a, func() { _ = a.SetStatusBy(presence.Offline, ReasonOffline) })
	r.emit(Decision{Kind: StatusChanged, Agent: a.ID, Status: presence.Offline, Reason: ReasonOffline})
	r.revokeAll(a, ReasonRerouted)
}
