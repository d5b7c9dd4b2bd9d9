package hub

import (
	"context"

	"sync/atomic"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// Reasons a subscription is closed, read with Subscription.Reason.
const (
	ReasonSlowConsumer = "slow consumer" // its queue was full: close 1013
	ReasonClosed       = "closed"        // Close was called
	ReasonShutdown     = "shutting down" // the hub stopped: close 1013
	ReasonUnavailable  = "unavailable"   // the hub failed: close 1013
	ReasonRoleChanged  = "role changed"  // a supervisor feed's agent is no longer one: close 1013
	ReasonRevoked      = "agent removed" // the agent was deleted: close 4401
)

// Frame is one encoded event: a JSON object without "seq". JSON is shared
// by every recipient of the event and must not be modified.
type Frame struct {
	Type string
	JSON []byte
}

// Filter says which events a subscription receives. Fields combine.
type Filter struct {
	// Agent: the agent's own offers and offer revocations, the cards and
	// messages of the sessions they take part in, and their presence.
	Agent string
	// Supervisor: every card of the workspace and queue statistics.
	Supervisor bool
	// For is the agent a Supervisor feed is for: Subscribe refuses it
	// (forbidden) unless they are a supervisor, and the feed ends
	// (ReasonRoleChanged) when they stop being one.
	For string
	// Visitor: the visitor frames of this visitor's sessions (queued,
	// agent_joined, message with visitor-safe senders, ended, deflected).
	// Subscribe before starting the session to miss nothing.
	Visitor string
	// Queue is how many frames may wait before the subscription is cut
	// off as a slow consumer: 0 means Config.SubscriberQueue.
	Queue int
}

// Subscription is a bounded stream of frames. The hub closes C when the
// subscription ends; Reason then says why.
type Subscription struct {
	c      chan Frame
	filter Filter
	h      *Hub
	closed atomic.Bool
	reason string // written by the loop before it closes c
	// loop-owned
	mark uint64
	dead bool
}

// C returns the channel of frames. It is closed when the subscription ends.
func (s *Subscription) C() <-chan Frame { return s.c }

// Reason returns why the subscription ended; it is valid once C is closed.
func (s *Subscription) Reason() string { return s.reason }

// Close ends the subscription. The hub stops sending to it and closes C
// soon after; frames already queued may still be read. Close does not wait.
func (s *Subscription) Close() {
	if s.closed.Swap(true) {
		return
	}
	select {
	case s.h.inbox <- &request{cmd: unsubscribe{s}}:
	default: // the loop drops it at the next event meant for it
	}
}

// Subscribe registers a subscription with filter f. It goes through the
// inbox like a command, so it fails like Do (rate_limited, unavailable).
func (h *Hub) Subscribe(ctx context.Context, f Filter) (*Subscription, error) {
	n := f.Queue
	if n <= 0 {
		n = h.cfg.SubscriberQueue
	}
	s := &Subscription{c: make(chan Frame, n), filter: f, h: h}
	if _, err := h.Do(ctx, subscribe{s}); err != nil {
		return nil, err
	}
	return s, nil
}

type subscribe struct{ s *Subscription }

func (c subscribe) apply(h *Hub, _ time.Time) (Reply, error) {
	s := c.s
	if s.filter.Supervisor && s.filter.For != "" {
		if a := h.agents[s.filter.For]; a == nil || a.profile.Role != presence.RoleSupervisor {
			return Reply{}, errorf(CodeForbidden, "subscribe is for supervisors")
		}
	}
	if s.filter.Agent != "" {
		h.subsByAgent[s.filter.Agent] = append(h.subsByAgent[s.filter.Agent], s)
	}
	if s.filter.Supervisor {
		h.supervisors = append(h.supervisors, s)
	}
	if s.filter.Visitor != "" {
		h.subsByVisitor[s.filter.Visitor] = append(h.subsByVisitor[s.filter.Visitor], s)
	}
	return Reply{}, nil
}

type unsubscribe struct{ s *Subscription }

func (c unsubscribe) apply(h *Hub, _ time.Time) (Reply, error) {
	h.endSub(c.s, ReasonClosed)
	h.sweepSubs()
	return Reply{}, nil
}

// send queues f for s unless s already got this event (mark) or is gone. A
// full queue cuts s off; the loop never waits.
func (h *Hub) send(s *Subscription, f Frame) {
	if s.dead || s.mark == h.mark {
		return
	}
	s.mark = h.mark
	if s.closed.Load() {
		h.endSub(s, ReasonClosed)
		return
	}
	select {
	case s.c <- f:
	default:
		h.cfg.Logger.Info("subscriber cut off", zapReason(ReasonSlowConsumer), zapAgent(s.filter.Agent))
		h.endSub(s, ReasonSlowConsumer)
	}
}

// endSub closes s with reason; sweepSubs later removes it from the indexes.
func (h *Hub) endSub(s *Subscription, reason string) {
	if s.dead {
		return
	}
	s.dead = true
	s.reason = reason
	close(s.c)
	h.deadSubs++
}

// agentChanged ends the subscriptions an agent's new profile no longer
// allows: their supervisor feeds when they are no longer a supervisor, and
// all of them when they were deleted (gone).
func (h *Hub) agentChanged(id string, gone bool) {
	for _, s := range h.supervisors {
		if s.filter.For != id {
			continue
		}
		if gone {
			h.endSub(s, ReasonRevoked)
		} else if a := h.agents[id]; a == nil || a.profile.Role != presence.RoleSupervisor {
			h.endSub(s, ReasonRoleChanged)
		}
	}
	if gone {
		for _, s := range h.subsByAgent[id] {
			h.endSub(s, ReasonRevoked)
		}
	}
	h.sweepSubs()
}

// sweepSubs removes dead subscriptions from the indexes.
func (h *Hub) sweepSubs() {
	if h.deadSubs == 0 {
		return
	}
	h.deadSubs = 0
	alive := func(s *Subscription) bool { return !s.dead }
	for k, list := range h.subsByAgent {
		if list = filterSubs(list, alive); len(list) == 0 {
			delete(h.subsByAgent, k)
		} else {
			h.subsByAgent[k] = list
		}
	}
	for k, list := range h.subsByVisitor {
		if list = filterSubs(list, alive); len(list) == 0 {
			delete(h.subsByVisitor, k)
		} else {
			h.subsByVisitor[k] = list
		}
	}
	h.supervisors = filterSubs(h.supervisors, alive)
}

func filterSubs(list []*Subscription, keep func(*Subscription) bool) []*Subscription {
	out := list[:0]
	for _, s := range list {
		if keep(s) {
			out = append(out, s)
		}
	}
	clear(list[len(out):])
	return out
}

// endAllSubs closes every subscription with reason.
func (h *Hub) endAllSubs(reason string) {
	for _, list := range h.subsByAgent {
		for _, s := range list {
			h.endSub(s, reason)
		}
	}
	for _, list := range h.subsByVisitor {
		for _, s := range list {
			h.endSub(s, reason)
		}
	}
	for _, s := range h.supervisors {
		h.endSub(s, reason)
	}
	h.sweepSubs()
}
