package router

import (
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// Arrival describes a session entering a queue.
type Arrival struct {
	Session string
	Queue   string
	Media   presence.Media
	// Priority 1 (most urgent) to 8: 0 means the queue's.
	Priority int
	// Language is the session's BCP 47 language tag ("" unknown).
	Language  string
	Expertise []string
	// Sticky is the agent who last served this contact ("" none).
	Sticky string
	// EnqueuedAt is the original enqueue time; zero means now. A session that
	// comes back keeps its place by giving its first enqueue time.
	EnqueuedAt time.Time
	// Seq orders sessions enqueued at the same instant; 0 means the next.
	Seq uint64
	// Restore skips deflection: the session is being rebuilt from storage.
	Restore bool
	// Excluded are agents never to offer the session to (they declined,
	// missed or released it before): set when rebuilding from storage.
	Excluded []string
}

// Enqueue puts a session in its queue and routes it. It is refused when the
// session is already known, the queue unknown or the media invalid. A session
// the queue deflects is not kept: a Deflected decision says why.
func (r *Router) Enqueue(in Arrival, now time.Time) error {
	q := r.queues[in.Queue]
	switch {
	case in.Session == "":
		return fmt.Errorf("%w: empty session id", ErrInvalid)
	case r.sessions[in.Session] != nil:
		return fmt.Errorf("%w: session %q already routed", ErrConflict, in.Session)
	case q == nil:
		return fmt.Errorf("%w: queue %q", ErrNotFound, in.Queue)
	case !in.Media.Valid():
		return fmt.Errorf("%w: media %d", ErrInvalid, in.Media)
	case in.Priority < 0 || in.Priority > MaxPriority:
		return fmt.Errorf("%w: priority %d (1..8)", ErrInvalid, in.Priority)
	}
	if !in.Restore {
		if reason := r.deflection(q, now); reason != "" {
			r.emit(Decision{Kind: Deflected, Session: in.Session, Queue: q.cfg.ID, Reason: reason})
			return nil
		}
	}
	s := r.newSession(in, q, now)
	r.sessions[s.id] = s
	r.addWaiting(s, now)
	if q.online == 0 {
		r.emit(Decision{Kind: NoOneAvailable, Session: s.id, Queue: q.cfg.ID, Reason: ReasonNoOne})
	}
	r.settle(now)
	return nil
}

func (r *Router) newSession(in Arrival, q *queueState, now time.Time) *sess {
	s := r.allocSession()
	*s = sess{id: in.Session, q: q, media: in.Media, prio: in.Priority, enq: in.EnqueuedAt,
		seq: in.Seq, lang: presence.BaseLanguage(in.Language), sticky: in.Sticky,
		excluded: append(s.excluded[:0], in.Excluded...), offers: s.offers[:0]}
	if len(in.Expertise) > 0 {
		s.expertise = presence.NewExpertise(in.Expertise...)
	}
	if s.prio == 0 {
		s.prio = q.cfg.priority()
	}
	if s.enq.IsZero() {
		s.enq = now
	}
	if s.seq == 0 {
		r.seq++
		s.seq = r.seq
	} else {
		r.seq = max(r.seq, s.seq)
	}
	return s
}

// deflection returns why q refuses a new session now, or "".
func (r *Router) deflection(q *queueState, now time.Time) string {
	switch {
	case !q.cfg.Hours.Open(now):
		return ReasonAfterHours
	case q.cfg.MaxWaiting > 0 && q.nwaiting >= q.cfg.MaxWaiting:
		return ReasonMaxWaiting
	case q.cfg.MaxWait > 0 && r.longestWait(q, now) >= q.cfg.MaxWait:
		return ReasonMaxWait
	case q.cfg.DeflectNoAgents && q.online == 0:
		return ReasonNoOne
	}
	return ""
}

// addWaiting makes s a waiting session of its queue, with timers for the
// steps still ahead of it.
func (r *Router) addWaiting(s *sess, now time.Time) {
	s.q.nwaiting++
	r.allTree(s.q).ReplaceOrInsert(s)
	r.scheduleSteps(s, now)
	r.emit(Decision{Kind: Queued, Session: s.id, Queue: s.q.cfg.ID, Media: s.media})
	r.unpark(s)
	r.markSession(s)
}

// scheduleSteps counts the steps of s's queue that s has already passed at
// now and arms a timer for each one still ahead. Timers armed earlier stay
// harmless: stepDue counts against the queue's current steps.
func (r *Router) scheduleSteps(s *sess, now time.Time) {
	s.stepsDone = 0
	for i, st := range s.q.cfg.Steps {
		at := s.enq.Add(st.After)
		if !at.After(now) {
			s.stepsDone = i + 1
			continue
		}
		r.timers.Push(timer{at: at, kind: timerStep, session: s.id, seq: s.seq})
	}
}

// removeWaiting takes s out of its queue's waiting sets.
func (r *Router) removeWaiting(s *sess) {
	r.park(s)
	if _, ok := r.allTree(s.q).Delete(s); ok {
		s.q.nwaiting--
	}
}

func (r *Router) stepDue(t timer, now time.Time) {
	s := r.sessions[t.session]
	if s == nil || s.seq != t.seq || s.agent != nil || s.ended {
		return
	}
	done := 0
	for i, st := range s.q.cfg.Steps {
		if !s.enq.Add(st.After).After(now) {
			done = i + 1
		}
	}
	for s.stepsDone < done {
		s.stepsDone++
		r.emit(Decision{Kind: Widened, Session: s.id, Queue: s.q.cfg.ID, Step: s.stepsDone})
	}
	r.markSession(s)
}

// End ends a session. A waiting session leaves its queue (abandoned: its
// offers are revoked). An assigned session goes to wrap-up: its slot stays
// held (after_call_work for voice) until Wrapup.
func (r *Router) End(id string, now time.Time) error {
	s := r.sessions[id]
	switch {
	case s == nil:
		return fmt.Errorf("%w: session %q", ErrNotFound, id)
	case s.ended:
		return fmt.Errorf("%w: session %q already ended", ErrConflict, id)
	}
	if s.agent == nil {
		r.revokeOffers(s, ReasonAbandoned)
		r.removeWaiting(s)
		s.q.abandoned++
		r.dropSession(s)
		r.settle(now)
		return nil
	}
	r.revokeOffers(s, ReasonAbandoned) // a transfer in flight
	s.ended = true
	if !s.idle {
		a := s.agent
		r.change(a, func() { _ = a.BeginWrapup(s.media) })
	}
	r.settle(now)
	return nil
}

// Wrapup completes the wrap-up of an ended session: the agent's slot frees
// and routing runs. The router forgets the session.
func (r *Router) Wrapup(id string, now time.Time) error {
	s := r.sessions[id]
	switch {
	case s == nil:
		return fmt.Errorf("%w: session %q", ErrNotFound, id)
	case !s.ended:
		return fmt.Errorf("%w: session %q has not ended", ErrConflict, id)
	}
	a := s.agent
	if !s.idle {
		r.change(a, func() { _ = a.EndWrapup(s.media) })
	}
	a.held--
	r.dropSession(s)
	r.settle(now)
	return nil
}

// dropSession forgets s and recycles it. Nothing may keep s afterwards:
// timers refer to sessions by id and sequence, offers are gone, and a stale
// dirty mark only routes whatever session reuses the struct.
func (r *Router) dropSession(s *sess) {
	delete(r.sessions, s.id)
	clear(s.excluded)
	*s = sess{excluded: s.excluded[:0], offers: s.offers[:0]}
	r.sessPool = append(r.sessPool, s)
}

func (r *Router) allocSession() *sess {
	if n := len(r.sessPool); n > 0 {
		s := r.sessPool[n-1]
		r.sessPool = r.sessPool[:n-1]
		return s
	}
	return new(sess)
}

// Requeue sends an assigned session back to a queue (release: its own queue,
// toQueue ""; transfer to a queue: toQueue). It keeps its original enqueue
// time, so its place; the releasing agent's slot frees and they are not
// offered it again.
func (r *Router) Requeue(id, toQueue string, now time.Time) error {
	s := r.sessions[id]
	switch {
	case s == nil:
		return fmt.Errorf("%w: session %q", ErrNotFound, id)
	case s.agent == nil || s.ended:
		return fmt.Errorf("%w: session %q is not with an agent", ErrConflict, id)
	}
	q := s.q
	if toQueue != "" {
		if q = r.queues[toQueue]; q == nil {
			return fmt.Errorf("%w: queue %q", ErrNotFound, toQueue)
		}
	}
	r.revokeOffers(s, ReasonRerouted)
	a := s.agent
	r.releaseHeld(s)
	a.held--
	s.excluded = append(s.excluded, a.ID)
	s.agent, s.q = nil, q
	r.addWaiting(s, now)
	r.settle(now)
	return nil
}

// releaseHeld frees the slot s holds with its agent (none when idle).
func (r *Router) releaseHeld(s *sess) {
	a := s.agent
	if s.idle {
		s.idle = false
		return
	}
	r.change(a, func() { _ = a.Release(s.media) })
}

// SetIdle marks an assigned chat idle (waiting for the customer past the
// queue's idle_release): it stops counting against the agent's capacity. When
// the visitor writes again, SetIdle(false) counts it again, even past capacity.
func (r *Router) SetIdle(id string, idle bool, now time.Time) error {
	s := r.sessions[id]
	switch {
	case s == nil:
		return fmt.Errorf("%w: session %q", ErrNotFound, id)
	case s.agent == nil || s.ended:
		return fmt.Errorf("%w: session %q is not with an agent", ErrConflict, id)
	case s.idle == idle:
		return nil
	}
	a := s.agent
	r.change(a, func() {
		if idle {
			_ = a.Release(s.media)
		} else {
			a.Force(s.media)
		}
	})
	s.idle = idle
	r.settle(now)
	return nil
}

// TransferTo offers an assigned session directly to agent to (from its
// current agent). Accepting moves it; refusing or letting the offer expire
// leaves it with its current agent.
func (r *Router) TransferTo(id, to string, now time.Time) error {
	s := r.sessions[id]
	a := r.agents[to]
	switch {
	case s == nil:
		return fmt.Errorf("%w: session %q", ErrNotFound, id)
	case a == nil:
		return fmt.Errorf("%w: agent %q", ErrNotFound, to)
	case s.agent == nil || s.ended:
		return fmt.Errorf("%w: session %q is not with an agent", ErrConflict, id)
	case s.agent == a:
		return fmt.Errorf("%w: session %q is already with %q", ErrConflict, id, to)
	case len(s.offers) > 0:
		return fmt.Errorf("%w: session %q has a transfer in flight", ErrConflict, id)
	case !a.CanTake(s.media):
		return fmt.Errorf("%w: agent %q cannot take a %s session now", ErrConflict, to, s.media)
	}
	r.offer(s, a, Explanation{By: "transfer"}, now)
	r.settle(now)
	return nil
}

// SessionAgent returns the agent a session is assigned to ("" if waiting) and
// whether the router knows the session.
func (r *Router) SessionAgent(id string) (string, bool) {
	s := r.sessions[id]
	if s == nil {
		return "", false
	}
	if s.agent == nil {
		return "", true
	}
	return s.agent.ID, true
}

// Restore rebuilds an assigned session from storage: it holds a slot of
// agent even past capacity (stored state wins), and is in wrap-up when ended.
func (r *Router) Restore(in Arrival, agent string, ended, idle bool, now time.Time) error {
	q, a := r.queues[in.Queue], r.agents[agent]
	switch {
	case q == nil:
		return fmt.Errorf("%w: queue %q", ErrNotFound, in.Queue)
	case a == nil:
		return fmt.Errorf("%w: agent %q", ErrNotFound, agent)
	case r.sessions[in.Session] != nil:
		return fmt.Errorf("%w: session %q already routed", ErrConflict, in.Session)
	}
	s := r.newSession(in, q, now)
	s.agent, s.ended, s.idle = a, ended, idle
	a.held++
	r.sessions[s.id] = s
	if !idle {
		r.change(a, func() {
			a.Force(s.media)
			if ended {
				_ = a.BeginWrapup(s.media)
			}
		})
	}
	return nil
}
