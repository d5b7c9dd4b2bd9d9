package export

import (
	"bytes"
	"errors"
	"slices"
	"time"

	"github.com/switchboardhq/switchboard/persist"
	"go.uber.org/zap"
)

// dueSlack: an export due within it counts as due now. The hub spaces the
// due times of its exports by nanoseconds to keep their keys unique (two in
// one cycle, or while a test clock stands still), which must not hold back
// an export meant for "now".
const dueSlack = time.Millisecond

// key names a session of a workspace.
type key struct{ ws, session string }

// held is a session whose last delivery failed.
type held struct {
	failures int
	until    time.Time // no delivery before
	// sent are the sinks that already have the document due at sentDue:
	// the next delivery of that document skips them.
	sentDue time.Time
	sent    []string
}

// scheduler is the state of the run goroutine.
type scheduler struct {
	known map[string]struct{} // workspaces to sweep
	busy  map[key]*job        // sessions with a delivery in flight
	// deferred are the newer exports due of busy sessions, as the job
	// that follows when the one in flight succeeds.
	deferred map[key]*job
	holds    map[key]*held
	// stale: the store may hold due exports nobody took; sweep soon.
	stale bool
	// full: the next sweep scans every workspace of the store (at start).
	full bool
	// wake is the earliest known future due or hold end (zero: none).
	wake      time.Time
	lastSweep time.Time
}

func newScheduler() scheduler {
	return scheduler{known: map[string]struct{}{}, busy: map[key]*job{}, deferred: map[key]*job{},
		holds: map[key]*held{}, stale: true, full: true}
}

// sweepAt is when the next sweep is due: at once when stale, at the wake
// time or after Config.Sweep otherwise, never before Config.SweepGap after
// the last.
func (s *scheduler) sweepAt(cfg *Config) time.Time {
	at := s.lastSweep.Add(cfg.Sweep)
	if !s.wake.IsZero() && s.wake.Before(at) {
		at = s.wake
	}
	if s.stale {
		at = s.lastSweep
	}
	return later(at, s.lastSweep.Add(cfg.SweepGap))
}

// run is the scheduler goroutine.
func (e *Exporter) run() {
	defer close(e.stopped)
	var (
		armed time.Time
		timer <-chan struct{}
		stop  = func() {}
	)
	defer func() { stop() }()
	for {
		if now := e.cfg.Clock.Now(); !e.sched.sweepAt(&e.cfg).After(now) {
			e.sweep(now)
		}
		if at := e.sched.sweepAt(&e.cfg); timer == nil || !at.Equal(armed) {
			stop()
			armed = at
			timer, stop = e.cfg.Clock.At(at)
		}
		select {
		case <-e.ctx.Done():
			return
		case a := <-e.in:
			e.announced(a)
		case r := <-e.done:
			e.finished(r)
		case <-e.kick:
			// Dropped calls may name workspaces not known yet.
			e.sched.stale, e.sched.full = true, true
		case <-timer:
			timer = nil
		}
	}
}

// announced takes an Export call: a due export goes to the pool at once
// when nothing else of the store may come first, else it waits for a sweep.
func (e *Exporter) announced(a announce) {
	s := &e.sched
	s.known[a.ws] = struct{}{}
	now := e.cfg.Clock.Now()
	if a.due.After(now.Add(dueSlack)) {
		s.wake = earliest(s.wake, a.due)
		return
	}
	k := key{a.ws, a.session}
	if s.busy[k] != nil {
		s.deferLater(k, a.due, a.doc)
		return
	}
	if s.sweepPending(now) {
		// The sweep may find older exports of this session, which must not
		// be delivered after this one: it takes them all.
		s.stale = true
		return
	}
	if h := s.holds[k]; h != nil {
		// Older exports of the session wait in the store: once the hold
		// ends, a sweep takes them with this one.
		if !h.until.After(now) {
			s.stale = true
		}
		return
	}
	e.submit(&job{key: k, doc: a.doc, due: a.due, dues: []time.Time{a.due}})
}

// submit gives j to the pool, or marks the store stale when the pool's
// queue is full.
func (e *Exporter) submit(j *job) bool {
	if h := e.sched.holds[j.key]; h != nil && h.sentDue.Equal(j.due) {
		j.skip = h.sent
	}
	if _, ok := e.pool.TrySubmit(func() { e.deliver(j) }); !ok {
		e.stats.dropped.Add(1)
		e.sched.stale = true
		return false
	}
	e.sched.busy[j.key] = j
	return true
}

// finished takes a delivery's result: done, or held for a while.
func (e *Exporter) finished(r result) {
	s := &e.sched
	k := r.job.key
	delete(s.busy, k)
	next := s.deferred[k]
	delete(s.deferred, k)
	defer func() { e.stats.held.Store(int64(len(s.holds))) }()
	if r.err == nil {
		delete(s.holds, k)
		e.stats.delivered.Add(1)
		if next != nil && !s.sweepPending(e.cfg.Clock.Now()) {
			e.submit(next)
		} else if next != nil {
			s.stale = true
		}
		return
	}
	e.stats.failed.Add(1)
	h := s.holds[k]
	if h == nil {
		h = &held{}
		s.holds[k] = h
	}
	h.failures++
	d := backoff(h.failures, e.cfg.Hold, e.cfg.MaxHold)
	if r.permanent {
		d = e.cfg.MaxHold
	}
	h.until = e.cfg.Clock.Now().Add(d)
	h.sentDue, h.sent = r.job.due, r.sent
	s.wake = earliest(s.wake, h.until)
	if e.warn.allow() {
		log := e.cfg.Logger.Warn
		if r.permanent {
			log = e.cfg.Logger.Error
		}
		log("metadata export failed; it stays pending", zap.String("workspace", k.ws), zap.String("session", k.session),
			zap.Int("failures", h.failures), zap.Duration("next_in", d), zap.Bool("permanent", r.permanent), zap.Error(r.err))
	}
}

// sweep scans the pending exports due by now, in due order, and submits one
// delivery per session that is neither in flight nor held, with its newest
// document. It also learns the next future due.
func (e *Exporter) sweep(now time.Time) {
	s := &e.sched
	s.lastSweep, s.stale, s.wake = now, false, time.Time{}
	e.stats.sweeps.Add(1)
	for _, h := range s.holds {
		if h.until.After(now) {
			s.wake = earliest(s.wake, h.until)
		}
	}
	sw := sweeping{e: e, now: now, jobs: map[key]*job{}, room: e.cfg.Workers + e.cfg.QueueSize - len(s.busy)}
	var err error
	if s.full {
		err = e.cfg.Store.ScanAllExports(func(ws string, due time.Time, id string, val []byte) error {
			s.known[ws] = struct{}{}
			sw.visit(ws, due, id, val)
			return nil
		})
		s.full = err != nil
	} else {
		for ws := range s.known {
			err = e.cfg.Store.ScanExports(ws, func(due time.Time, id string, val []byte) error {
				if !sw.visit(ws, due, id, val) {
					return persist.ErrStop // the rest is due later
				}
				return nil
			})
			if err != nil {
				break
			}
		}
	}
	if err != nil && !errors.Is(err, persist.ErrClosed) {
		s.stale = true
		e.cfg.Logger.Error("scanning pending exports", zap.Error(err))
	}
	for _, j := range sw.order {
		if !e.submit(j) {
			break
		}
	}
	for k, h := range s.holds {
		if !h.until.After(now) && s.busy[k] == nil {
			delete(s.holds, k) // its exports are gone
		}
	}
	e.stats.held.Store(int64(len(s.holds)))
}

// sweeping is one sweep's collection of jobs.
type sweeping struct {
	e     *Exporter
	now   time.Time
	jobs  map[key]*job
	order []*job
	room  int // deliveries the pool can still take
}

// visit takes one pending export; it returns false for one due later.
func (sw *sweeping) visit(ws string, due time.Time, id string, val []byte) bool {
	s := &sw.e.sched
	if due.After(sw.now.Add(dueSlack)) {
		s.wake = earliest(s.wake, due)
		return false
	}
	k := key{ws, id}
	if s.busy[k] != nil {
		s.deferLater(k, due, val)
		return true
	}
	if h := s.holds[k]; h != nil && h.until.After(sw.now) {
		return true
	}
	j := sw.jobs[k]
	if j == nil {
		if len(sw.order) >= sw.room {
			s.stale = true
			return true
		}
		j = &job{key: k}
		sw.jobs[k] = j
		sw.order = append(sw.order, j)
	}
	// Due order: this export is the session's newest so far.
	j.due, j.doc = due, bytes.Clone(val)
	j.dues = append(j.dues, due)
	return true
}

// deferLater adds the export of k due at due to the job that follows the
// one in flight, when it is newer than that one. An older or equal one is
// in it already, or superseded by it: a sweep may read an export from the
// store before its announcement comes, and following the delivery with it
// would send the same document twice. doc is copied when kept.
func (s *scheduler) deferLater(k key, due time.Time, doc []byte) {
	if b := s.busy[k]; b != nil && !due.After(b.due) {
		return
	}
	j := s.deferred[k]
	if j == nil {
		j = &job{key: k}
		s.deferred[k] = j
	}
	if slices.ContainsFunc(j.dues, due.Equal) {
		return
	}
	j.dues = append(j.dues, due)
	if due.After(j.due) {
		j.due, j.doc = due, bytes.Clone(doc)
	}
}

// sweepPending reports whether a sweep is due at now: until it runs, the
// store may hold due exports the scheduler does not know of.
func (s *scheduler) sweepPending(now time.Time) bool {
	return s.stale || (!s.wake.IsZero() && !s.wake.After(now))
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
