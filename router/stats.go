package router

import (
	"fmt"
	"slices"
	"time"
)

// QueueStats are a queue's live figures.
type QueueStats struct {
	Waiting         int
	LongestWait     time.Duration
	AgentsAvailable int // members whose set status is available
	AgentsOnline    int // members not offline
	AgentsFree      [3]int
	Offered         int // offers and auto assignments made
	Answered        int // sessions assigned to an agent
	Abandoned       int // sessions that ended while waiting
	// ServiceLevel is the share of answered sessions answered within the
	// queue's service-level time (1 when none was answered yet).
	ServiceLevel float64
}

// Stats returns queue id's figures at now.
func (r *Router) Stats(id string, now time.Time) (QueueStats, bool) {
	q := r.queues[id]
	if q == nil {
		return QueueStats{}, false
	}
	st := QueueStats{Waiting: q.nwaiting, LongestWait: r.longestWait(q, now),
		AgentsAvailable: q.available, AgentsOnline: q.online, Offered: q.offered,
		Answered: q.answered, Abandoned: q.abandoned, ServiceLevel: 1}
	for m, p := range q.pools {
		st.AgentsFree[m] = p.all.Len()
	}
	if q.answered > 0 {
		st.ServiceLevel = float64(q.inSLA) / float64(q.answered)
	}
	return st, true
}

// MaxPosition caps Position: past it the exact place costs more than it is
// worth to a visitor.
const MaxPosition = 10000

// Position returns how many sessions of the same queue and media are ahead
// of waiting session id (0: it is next), capped at MaxPosition, and false if
// the session is not waiting.
func (r *Router) Position(id string, now time.Time) (int, bool) {
	s := r.sessions[id]
	if s == nil || s.agent != nil || s.ended {
		return 0, false
	}
	n := 0
	for _, t := range s.q.waiting[s.media] {
		if t == nil {
			continue
		}
		t.Ascend(func(x *sess) bool {
			if x == s || n >= MaxPosition || compareWaiting(x, s.q.cfg.Aging, s, s.q.cfg.Aging, now) >= 0 {
				return false
			}
			n++
			return true
		})
	}
	return min(n, MaxPosition), true
}

// Waiting appends the ids of queue id's waiting sessions to dst in routing
// order at now (effective priority, then enqueue time).
func (r *Router) Waiting(dst []string, id string, now time.Time) []string {
	q := r.queues[id]
	if q == nil {
		return dst
	}
	var all []*sess
	r.allTree(q).Ascend(func(s *sess) bool { all = append(all, s); return true })
	sortWaiting(all, now)
	for _, s := range all {
		dst = append(dst, s.id)
	}
	return dst
}

func sortWaiting(all []*sess, now time.Time) {
	slices.SortStableFunc(all, func(a, b *sess) int {
		return compareWaiting(a, a.q.cfg.Aging, b, b.q.cfg.Aging, now)
	})
}

// Sessions returns the number of sessions the router holds (waiting,
// assigned or in wrap-up).
func (r *Router) Sessions() int { return len(r.sessions) }

func (s *sess) String() string { return fmt.Sprintf("%s(q=%s p=%d)", s.id, s.q.cfg.ID, s.prio) }

// Head appends to dst the ids of the first n sessions in line in queue id at
// now, in routing order (effective priority, then enqueue time). Sessions
// whose offers are all out (being offered) are not in line. Within a
// priority class the oldest session also ranks first, so the first n of the
// queue are among the first n of each class: Head reads at most n sessions
// per class, whatever the length of the queue.
func (r *Router) Head(dst []string, id string, n int, now time.Time) []string {
	q := r.queues[id]
	if q == nil || n <= 0 {
		return dst
	}
	cand := r.headScratch[:0]
	for m := range q.waiting {
		for _, t := range q.waiting[m] {
			if t == nil {
				continue
			}
			k := 0
			t.Ascend(func(s *sess) bool {
				cand = append(cand, s)
				k++
				return k < n
			})
		}
	}
	sortWaiting(cand, now)
	for i, s := range cand {
		if i == n {
			break
		}
		dst = append(dst, s.id)
	}
	clear(cand)
	r.headScratch = cand[:0]
	return dst
}
