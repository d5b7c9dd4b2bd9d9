package hub

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// cycle is the scratch state of one loop cycle, reused from cycle to cycle.
type cycle struct {
	now      time.Time
	reqs     []*request
	replies  []Reply
	errs     []error
	events   []outEvent
	arena    []string
	sessions []*sessState // changed this cycle: to store
	agents   []*agentInfo // changed this cycle: to store
	queues   []*queueInfo // changed this cycle: to store
	visitors []*visitorInfo
	deleted  []Entity
	messages []Message
	exports  []*sessState // metadata to export at commit (export.go)
	statuses []StatusChange
	// touched since the last flush: cards and presence to send
	touchedSessions []*sessState
	touchedAgents   []*agentInfo
	statsQueues     []string
	// moved are queues whose line moved this cycle (a session left it):
	// their waiting visitors are told their new place.
	moved       []string
	waitScratch []string
	// idleVisitors may be forgotten after the commit (dropIdleVisitors).
	idleVisitors []string
}

func (c *cycle) movedQueue(q string) {
	for _, x := range c.moved {
		if x == q {
			return
		}
	}
	c.moved = append(c.moved, q)
}

func (c *cycle) reset() {
	clear(c.reqs)
	clear(c.replies)
	clear(c.errs)
	clear(c.events)
	clear(c.arena)
	clear(c.sessions)
	clear(c.agents)
	clear(c.queues)
	clear(c.messages)
	clear(c.visitors)
	clear(c.deleted)
	clear(c.exports)
	clear(c.statuses)
	c.visitors, c.deleted, c.exports, c.statuses = c.visitors[:0], c.deleted[:0], c.exports[:0], c.statuses[:0]
	c.reqs, c.replies, c.errs, c.events, c.arena = c.reqs[:0], c.replies[:0], c.errs[:0], c.events[:0], c.arena[:0]
	c.sessions, c.agents, c.queues, c.messages = c.sessions[:0], c.agents[:0], c.queues[:0], c.messages[:0]
	c.statsQueues = c.statsQueues[:0]
	c.moved = c.moved[:0]
	c.idleVisitors = c.idleVisitors[:0]
}

// loop is the hub's goroutine: it waits for commands or the next deadline,
// then runs a cycle.
func (h *Hub) loop(ctx context.Context) error {
	var (
		armed  time.Time
		wake   <-chan struct{}
		cancel = func() {}
	)
	defer func() { cancel() }()
	for {
		if next, ok := h.nextDeadline(); !ok {
			cancel()
			armed, wake, cancel = time.Time{}, nil, func() {}
		} else if !next.Equal(armed) || wake == nil {
			cancel()
			armed = next
			wake, cancel = h.cfg.Clock.At(next)
		}
		c := &h.cyc
		select {
		case <-ctx.Done():
			return nil
		case req := <-h.inbox:
			c.reqs = append(c.reqs, req)
			h.popMore()
		case <-wake:
			wake = nil
		}
		if err := h.runCycle(); err != nil {
			return err
		}
	}
}

// popMore moves up to MaxBatch-1 more waiting commands into the cycle
// without blocking.
func (h *Hub) popMore() {
	c := &h.cyc
	for len(c.reqs) < h.cfg.MaxBatch {
		select {
		case req := <-h.inbox:
			c.reqs = append(c.reqs, req)
		default:
			return
		}
	}
}

// nextDeadline is the earliest deadline of the router and the hub's timers.
func (h *Hub) nextDeadline() (time.Time, bool) {
	next, ok := h.r.NextDeadline()
	if h.timers.Len() > 0 && (!ok || h.timers.Min().at.Before(next)) {
		next, ok = h.timers.Min().at, true
	}
	return next, ok
}

// runCycle fires due timers, applies the cycle's commands, commits, and then
// releases events and answers; or, when a command panics or the commit
// fails, fails the hub.
func (h *Hub) runCycle() error {
	c := &h.cyc
	defer c.reset()
	cycleStart := time.Now()
	c.now = h.cfg.Clock.Now()
	if p := h.guard(func() { h.advance(c.now) }); p != nil {
		return h.fail(nil, fmt.Errorf("timers panicked: %v", p))
	}
	for _, req := range c.reqs {
		var (
			rep Reply
			err error
		)
		h.cause = req.at
		if p := h.guard(func() { rep, err = h.applyOne(req.cmd, c.now) }); p != nil {
			return h.fail(req, fmt.Errorf("%T panicked: %v", req.cmd, p))
		}
		c.replies = append(c.replies, rep)
		c.errs = append(c.errs, err)
	}
	h.cause = 0
	h.flushStats()
	for _, q := range c.moved {
		h.requeueNotices(q, c.now)
	}
	applied := time.Now() // wall time: measurements, never decisions
	if err := h.commit(); err != nil {
		return h.fail(nil, fmt.Errorf("commit: %w", err))
	}
	h.cfg.Observer.Cycle(len(c.reqs), applied.Sub(cycleStart), time.Since(applied))
	h.handExports()
	h.dropIdleVisitors()
	h.release() // before the replies: a caller finds its events queued
	for i, req := range c.reqs {
		h.answer(req, c.replies[i], c.errs[i])
	}
	return nil
}

// guard runs fn and returns what it panicked with, if it did.
func (h *Hub) guard(fn func()) (p any) {
	defer func() { p = recover() }()
	fn()
	return nil
}

// fail marks the hub failed: memory may now hold changes the store does
// not, so nothing more may be acknowledged. Every command of the cycle is
// answered unavailable (culprit, a command that panicked, internal) and the
// cycle's events are dropped. It returns the error Run returns.
func (h *Hub) fail(culprit *request, cause error) error {
	h.failed.Store(true)
	h.cfg.Logger.Error("the hub failed and refuses everything from now", zap.Error(cause))
	refusal := &Error{Code: CodeUnavailable, Message: "the workspace is unavailable", Err: ErrFailed}
	for _, req := range h.cyc.reqs {
		if req == culprit {
			h.answer(req, Reply{}, &Error{Code: CodeInternal, Message: "internal error", Err: ErrFailed})
			continue
		}
		h.answer(req, Reply{}, refusal)
	}
	return fmt.Errorf("%w: %w", ErrFailed, cause)
}

// applyOne applies one command, then turns what it caused into events.
func (h *Hub) applyOne(cmd Command, now time.Time) (Reply, error) {
	rep, err := cmd.apply(h, now)
	h.settle(now)
	if err != nil {
		e := asError(err)
		h.cfg.Observer.Command(commandName(cmd), CodeOf(e))
		return Reply{}, e
	}
	h.cfg.Observer.Command(commandName(cmd), "")
	return rep, nil
}

// advance fires every timer due at now: the router's, then the hub's.
func (h *Hub) advance(now time.Time) {
	for {
		next, ok := h.nextDeadline()
		if !ok || next.After(now) {
			return
		}
		if rn, rok := h.r.NextDeadline(); rok && !rn.After(next) {
			h.r.Advance(next)
		} else {
			h.fireTimer(h.timers.Pop(), next)
		}
		h.settle(next)
	}
}
