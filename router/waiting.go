package router

import (
	"cmp"
	"strings"
	"time"

	"github.com/google/btree"
	"github.com/switchboardhq/switchboard/presence"
)

// sessionTree orders the waiting sessions of one priority class by original
// enqueue time, then arrival sequence.
type sessionTree = btree.BTreeG[*sess]

func lessSession(a, b *sess) bool {
	if c := a.enq.Compare(b.enq); c != 0 {
		return c < 0
	}
	if a.seq != b.seq {
		return a.seq < b.seq
	}
	return strings.Compare(a.id, b.id) < 0
}

// classes are the waiting sessions of one queue and media, one tree per base
// priority. Within a class the oldest session always has the highest
// effective priority (aging only raises it with waiting time), so the best
// session of the queue is the best of at most eight class heads.
type classes [MaxPriority]*sessionTree

func (r *Router) classTree(q *queueState, m presence.Media, prio int) *sessionTree {
	t := q.waiting[m][prio-1]
	if t == nil {
		t = btree.NewWithFreeListG(16, lessSession, r.sessFree)
		q.waiting[m][prio-1] = t
	}
	return t
}

// effectivePriority is the session's priority at now after aging: one step
// more urgent per q.Aging waited, never above MinPriority.
func effectivePriority(s *sess, aging time.Duration, now time.Time) int {
	p := s.prio
	if aging > 0 {
		if w := now.Sub(s.enq); w > 0 {
			p -= int(w / aging)
		}
	}
	return max(p, MinPriority)
}

// compareWaiting orders two waiting sessions of queues with aging a1, a2 at
// now: effective priority, then enqueue time, then sequence.
func compareWaiting(s1 *sess, a1 time.Duration, s2 *sess, a2 time.Duration, now time.Time) int {
	if c := cmp.Compare(effectivePriority(s1, a1, now), effectivePriority(s2, a2, now)); c != 0 {
		return c
	}
	if lessSession(s1, s2) {
		return -1
	}
	if lessSession(s2, s1) {
		return 1
	}
	return 0
}

// park takes s out of its waiting set (it has all the offers it may have, or
// is assigned); unpark puts it back in its place.
func (r *Router) park(s *sess) {
	if !s.inTree {
		return
	}
	r.classTree(s.q, s.media, s.prio).Delete(s)
	s.inTree = false
}

func (r *Router) unpark(s *sess) {
	if s.inTree || s.agent != nil || len(s.offers) >= s.q.cfg.offerLimit() {
		return
	}
	r.classTree(s.q, s.media, s.prio).ReplaceOrInsert(s)
	s.inTree = true
}
