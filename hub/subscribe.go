package hub

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboardhq/switchboard/internal/fifo"
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
	// cause is when the command whose apply emitted the frame was handed
	// to the hub (a stamp), or 0: see Age.
	cause int64
}

// Age is how long ago the command that caused f was handed to the hub
// (Do or Submit: for a socket's frame, once it was read and decoded), and
// false for a frame no command caused directly (a timer's, a snapshot's,
// a queue's new places at the end of a cycle). It measures, from the
// moment the cause arrived, the hub's inbox, apply, the durable commit and
// the recipient's queue: the server's share of a push's latency.
func (f Frame) Age() (time.Duration, bool) {
	if f.cause == 0 {
		return 0, false
	}
	return time.Duration(stamp() - f.cause), true
}

// epoch is the origin of stamps: monotonic nanoseconds, never 0.
var epoch = time.Now()

func stamp() int64 { return int64(time.Since(epoch)) + 1 }

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
	// Wake, when set, makes the subscription a pulled one: its frames wait
	// in a queue that takes memory only for the frames waiting (it grows
	// up to Queue and shrinks when emptied) and are taken with Pop; C is
	// nil. The hub calls Wake whenever it queued frames or ended the
	// subscription, from its loop: Wake must return at once and not call
	// into the hub. A socket uses it to start its writer only when there is
	// something to write. Without Wake, frames come on C, a channel that
	// holds Queue frames (40 bytes each) from the start: 10 KiB at the
	// default queue for every subscriber, idle or not.
	Wake func()
}

// Subscription is a bounded stream of frames: on the channel C, or in a
// queue read with Pop when its filter has Wake. The hub closes C
// (or ends the queue) when the subscription ends; Reason then says why.
type Subscription struct {
	c      chan Frame // nil when pulled
	filter Filter
	h      *Hub
	closed atomic.Bool
	reason string // written by the loop before it closes c or ends q

	// A pulled subscription's queue, under mu.
	mu    sync.Mutex
	q     fifo.Queue[Frame]
	limit int
	ended bool

	// loop-owned
	mark uint64
	dead bool
}

// C returns the channel of frames. It is closed when the subscription ends.
// It is nil for a pulled subscription (Filter.Wake).
func (s *Subscription) C() <-chan Frame { return s.c }

// Reason returns why the subscription ended; it is valid once C is closed
// or Pop said the subscription ended.
func (s *Subscription) Reason() string { return s.reason }

// Pop appends up to max frames waiting in a pulled subscription
// (Filter.Wake) to dst, oldest first (max ≤ 0: all of
// them), and returns it. ok is false once the subscription ended and every frame queued
// before the end was popped; Reason then says why. Pop never waits: with
// nothing waiting it returns dst and true. Frames popped no longer count
// against the queue's bound. On a subscription with C it returns dst and
// true.
func (s *Subscription) Pop(dst []Frame, max int) (frames []Frame, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.q.Len() == 0 {
		return dst, !s.ended
	}
	return s.q.Pop(dst, max), true
}

// push queues f on a pulled subscription; false when the queue is full.
func (s *Subscription) push(f Frame) bool {
	s.mu.Lock()
	ok := s.q.Push(f, s.limit)
	s.mu.Unlock()
	if ok {
		s.filter.Wake()
	}
	return ok
}

// end ends a pulled subscription with reason: frames already queued stay
// to be popped.
func (s *Subscription) end(reason string) {
	s.mu.Lock()
	s.reason, s.ended = reason, true
	s.mu.Unlock()
	s.filter.Wake()
}

// Close ends the subscription. The hub stops sending to it and closes C
// soon after (on an inline hub, before Close returns); frames already
// queued may still be read. Close does not wait for a running hub's loop.
func (s *Subscription) Close() {
	if s.closed.Swap(true) {
		return
	}
	// Submitted like a command nobody waits for. Refused (a full inbox, a
	// stalled store), the hub drops s at the next event meant for it; a
	// stopped hub has ended it already.
	_ = s.h.Submit(unsubscribe{s}, func(Reply, error) {})
}

// Subscribe registers a subscription with filter f. It goes through the
// inbox like a command, so it fails like Do (rate_limited, unavailable).
func (h *Hub) Subscribe(ctx context.Context, f Filter) (*Subscription, error) {
	s := h.newSubscription(f)
	if _, err := h.Do(ctx, subscribe{s}); err != nil {
		return nil, err
	}
	return s, nil
}

// SubscribeQueued is Subscribe without the wait: the subscription is
// queued in the inbox like Submit's commands, so it takes effect before
// any command the caller submits after it (Do, Submit) and misses none of
// their frames. A caller whose next step is a command anyway (a visitor's
// hello) saves a loop cycle, with the wait for its commit. The error is a
// refusal at once (busy, failed, stopped). A supervisor feed, which the
// hub may refuse only when it applies it, must go through Subscribe.
func (h *Hub) SubscribeQueued(f Filter) (*Subscription, error) {
	if f.Supervisor {
		return nil, errorf(CodeBadRequest, "a supervisor feed is subscribed with Subscribe")
	}
	s := h.newSubscription(f)
	if err := h.Submit(subscribe{s}, func(Reply, error) {}); err != nil {
		return nil, err
	}
	return s, nil
}

func (h *Hub) newSubscription(f Filter) *Subscription {
	n := f.Queue
	if n <= 0 {
		n = h.cfg.SubscriberQueue
	}
	s := &Subscription{filter: f, h: h, limit: n}
	if f.Wake == nil {
		s.c = make(chan Frame, n)
	}
	return s
}

type subscribe struct{ s *Subscription }

func (c subscribe) apply(h *Hub, _ time.Time) (Reply, error) {
	s := c.s
	if s.filter.Supervisor && s.filter.For != "" && !h.isSupervisor(s.filter.For) {
		return Reply{}, errorf(CodeForbidden, "subscribe is for supervisors")
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
	if s.c == nil {
		if !s.push(f) {
			h.cutOff(s)
		}
		return
	}
	select {
	case s.c <- f:
	default:
		h.cutOff(s)
	}
}

// cutOff ends s, whose queue is full, as a slow consumer.
func (h *Hub) cutOff(s *Subscription) {
	h.cfg.Logger.Info("subscriber cut off", zapReason(ReasonSlowConsumer), zapAgent(s.filter.Agent))
	h.endSub(s, ReasonSlowConsumer)
}

// endSub closes s with reason; sweepSubs later removes it from the indexes.
func (h *Hub) endSub(s *Subscription, reason string) {
	if s.dead {
		return
	}
	s.dead = true
	if s.c == nil {
		s.end(reason)
	} else {
		s.reason = reason
		close(s.c)
	}
	h.deadSubs = append(h.deadSubs, s)
}

// isSupervisor reports whether agent id exists and is a supervisor.
func (h *Hub) isSupervisor(id string) bool {
	a := h.agents[id]
	return a != nil && a.profile.Role == presence.RoleSupervisor
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
		} else if !h.isSupervisor(id) {
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

// sweepSubs removes the subscriptions ended since the last sweep from the
// indexes they are in: only their own agent's and visitor's lists (and the
// supervisors'), so that a socket closing costs the same with 15,000 open.
func (h *Hub) sweepSubs() {
	if len(h.deadSubs) == 0 {
		return
	}
	supervisors := false
	for _, s := range h.deadSubs {
		pruneSubs(h.subsByAgent, s.filter.Agent)
		pruneSubs(h.subsByVisitor, s.filter.Visitor)
		supervisors = supervisors || s.filter.Supervisor
	}
	if supervisors {
		h.supervisors = aliveSubs(h.supervisors)
	}
	clear(h.deadSubs)
	h.deadSubs = h.deadSubs[:0]
}

// pruneSubs drops the ended subscriptions of index[key] (no key: none),
// and the key once none is left.
func pruneSubs(index map[string][]*Subscription, key string) {
	if key == "" {
		return
	}
	if list := aliveSubs(index[key]); len(list) == 0 {
		delete(index, key)
	} else {
		index[key] = list
	}
}

// aliveSubs drops the ended subscriptions of list, in place.
func aliveSubs(list []*Subscription) []*Subscription {
	out := list[:0]
	for _, s := range list {
		if !s.dead {
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
