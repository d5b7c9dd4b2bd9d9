package router

import (
	"slices"
	"time"

	"github.com/google/btree"
	"github.com/switchboardhq/switchboard/presence"
)

func (r *Router) markAgent(a *agentState) {
	if !a.dirty {
		a.dirty = true
		r.dirtyAgents = append(r.dirtyAgents, a)
	}
}

func (r *Router) markSession(s *sess) {
	if !s.dirty {
		s.dirty = true
		r.dirtySessions = append(r.dirtySessions, s)
	}
}

// settle routes every session and agent whose situation changed, until none
// is left: sessions first (each takes the best agent for it), then agents
// (each takes the best waiting session across its queues). Marks are
// processed in the order they were made, so the outcome is deterministic.
func (r *Router) settle(now time.Time) {
	i, j := 0, 0
	for i < len(r.dirtySessions) || j < len(r.dirtyAgents) {
		if i < len(r.dirtySessions) {
			s := r.dirtySessions[i]
			r.dirtySessions[i] = nil
			i++
			r.routeSession(s, now)
			continue
		}
		a := r.dirtyAgents[j]
		r.dirtyAgents[j] = nil
		j++
		r.routeAgent(a, now)
	}
	r.dirtySessions = r.dirtySessions[:0]
	r.dirtyAgents = r.dirtyAgents[:0]
	if invariantsOn {
		if err := r.CheckInvariants(now); err != nil {
			panicInvariant("%v", err)
		}
	}
}

// routeSession offers s to the best eligible agents until it has all the
// offers it may have, is assigned, or nobody eligible is left.
func (r *Router) routeSession(s *sess, now time.Time) {
	s.dirty = false
	for s.inTree && r.sessions[s.id] == s {
		c, ok := r.bestAgent(s)
		if invariantsOn && !c.explain.Sticky {
			if want := r.bruteBestAgent(s); want != c.a {
				panicInvariant("session %s went to %v, exhaustive search says %v", s.id, c.a, want)
			}
		}
		if !ok {
			return
		}
		r.offer(s, c.a, c.explain, now)
	}
}

// routeAgent gives an agent with free slots the best waiting sessions across
// its queues, media by media, until it is full or nothing fits.
func (r *Router) routeAgent(a *agentState, now time.Time) {
	a.dirty = false
	if r.agents[a.ID] != a {
		return
	}
	for m := presence.Media(0); m < presence.NumMedia; m++ {
		for a.CanTake(m) {
			s := r.bestSession(a, m, now)
			if invariantsOn {
				if want := r.bruteBestSession(a, m, now); want != s {
					panicInvariant("agent %s got session %v, exhaustive search says %v", a.ID, s, want)
				}
			}
			if s == nil {
				break
			}
			lw := r.langWeight(s)
			tier := a.Languages.Tier(s.lang).Factor()
			load := a.LoadFloat(m)
			r.offer(s, a, Explanation{Score: load + lw*tier, Load: load, LanguageTier: tier,
				LanguagePart: lw * tier, Eligible: r.poolSize(s), By: "agent"}, now)
		}
	}
}

// candidate is an agent with its score for one session.
type candidate struct {
	a     *agentState
	score float64
	load  float64
	tier  float64
}

// better reports whether c ranks before d: lower score, then longest idle,
// then smaller id.
func (c *candidate) better(d *candidate, m presence.Media) bool {
	if c.score != d.score {
		return c.score < d.score
	}
	if x := c.a.LastWork(m).Compare(d.a.LastWork(m)); x != 0 {
		return x < 0
	}
	return c.a.ID < d.a.ID
}

type choice struct {
	a       *agentState
	explain Explanation
}

// langWeight is the language weight for s after its steps.
func (r *Router) langWeight(s *sess) float64 {
	for i := 0; i < s.stepsDone; i++ {
		if s.q.cfg.Steps[i].DropLanguage {
			return 0
		}
	}
	return s.q.cfg.languageWeight()
}

// needExpertise reports whether s still requires expertise after its steps.
func needExpertise(s *sess) bool {
	for i := 0; i < s.stepsDone; i++ {
		if s.q.cfg.Steps[i].DropExpertise {
			return false
		}
	}
	return true
}

// eligible reports whether a (known to be able to take s's media) may be
// offered s: not excluded, no offer of s pending with them, expertise held.
func eligible(a *agentState, s *sess) bool {
	if slices.Contains(s.excluded, a.ID) {
		return false
	}
	for _, o := range s.offers {
		if o.a == a {
			return false
		}
	}
	if needExpertise(s) {
		return a.Expertise.HasAll(s.expertise) && a.Expertise.HasAll(s.q.cfg.Expertise)
	}
	return true
}

// sessionPools appends the queues whose members may serve s now: its own and
// those its reached steps add.
func (r *Router) sessionPools(s *sess) []*queueState {
	qs := append(r.scratchQueues[:0], s.q)
	for i := 0; i < s.stepsDone; i++ {
		if t := r.queues[s.q.cfg.Steps[i].AddQueue]; t != nil && !slices.Contains(qs, t) {
			qs = append(qs, t)
		}
	}
	r.scratchQueues = qs
	return qs
}

func (r *Router) poolSize(s *sess) int {
	n := 0
	for _, q := range r.sessionPools(s) {
		n += q.pools[s.media].all.Len()
	}
	return n
}

// agentScan collects the first eligible agents of an ordered pool. It lives
// in the Router and its visit method is bound once, so scanning allocates
// nothing.
type agentScan struct {
	s     *sess
	found []*agentState
	want  int
	visit btree.ItemIteratorG[*agentState]
}

func (sc *agentScan) step(a *agentState) bool {
	if eligible(a, sc.s) && !slices.Contains(sc.found, a) {
		sc.found = append(sc.found, a)
	}
	return len(sc.found) < sc.want
}

// bestAgent chooses the agent for s: lowest score = load + language_weight ×
// language tier, ties to the longest idle then smallest id; the sticky agent
// of a returning contact wins when within the queue's sticky slack of the
// best. The explanation names the runner-up.
func (r *Router) bestAgent(s *sess) (choice, bool) {
	lw := r.langWeight(s)
	sc := &r.scan
	sc.s, sc.found, sc.want = s, sc.found[:0], 2
	eligibleN := 0
	for _, q := range r.sessionPools(s) {
		p := q.pools[s.media]
		eligibleN += p.all.Len()
		r.scanTree(p.all)
		if lw > 0 && s.lang != "" {
			r.scanTree(p.primary[s.lang])
			r.scanTree(p.secondary[s.lang])
		}
	}
	var best, second candidate
	for _, a := range sc.found {
		c := r.score(a, s, lw)
		switch {
		case best.a == nil || c.better(&best, s.media):
			best, second = c, best
		case second.a == nil || c.better(&second, s.media):
			second = c
		}
	}
	if best.a == nil {
		return choice{}, false
	}
	ex := Explanation{Score: best.score, Load: best.load, LanguageTier: best.tier,
		LanguagePart: lw * best.tier, Eligible: eligibleN, By: "session"}
	if st := r.stickyCandidate(s, lw); st.a != nil && st.a != best.a && st.score <= best.score+s.q.cfg.stickySlack() {
		second, best = best, st
		ex = Explanation{Score: st.score, Load: st.load, LanguageTier: st.tier, LanguagePart: lw * st.tier,
			Eligible: eligibleN, By: "session", Sticky: true}
	} else if st.a == best.a && st.a != nil {
		ex.Sticky = true
	}
	if second.a != nil {
		ex.RunnerUp, ex.RunnerUpScore = second.a.ID, second.score
	}
	return choice{a: best.a, explain: ex}, true
}

// scanTree adds up to sc.want more eligible agents of t (in pool order) to
// the scan, counting from the agents it already holds for this tree.
func (r *Router) scanTree(t *agentTree) {
	if t == nil || t.Len() == 0 {
		return
	}
	sc := &r.scan
	base := len(sc.found)
	sc.want = base + 2
	t.Ascend(sc.visit)
}

func (r *Router) score(a *agentState, s *sess, lw float64) candidate {
	load := a.LoadFloat(s.media)
	tier := a.Languages.Tier(s.lang).Factor()
	return candidate{a: a, score: load + lw*tier, load: load, tier: tier}
}

// stickyCandidate returns the last agent of s's contact when they may take
// it now, scored; zero otherwise.
func (r *Router) stickyCandidate(s *sess, lw float64) candidate {
	if s.sticky == "" {
		return candidate{}
	}
	a := r.agents[s.sticky]
	if a == nil || !a.CanTake(s.media) || !r.canServe(a, s) || !eligible(a, s) {
		return candidate{}
	}
	return r.score(a, s, lw)
}

// sessionScan finds the first session of a class tree that an agent may take.
type sessionScan struct {
	a      *agentState
	q      *queueState
	before time.Time // overflow: only sessions enqueued at or before this
	limit  bool
	found  *sess
	visit  btree.ItemIteratorG[*sess]
}

func (sc *sessionScan) step(s *sess) bool {
	if sc.limit && s.enq.After(sc.before) {
		return false
	}
	if !eligible(sc.a, s) || sc.limit && !sc.canServe(s) {
		return true
	}
	sc.found = s
	return false
}

// canServe is canServe for an overflow scan: some reached step of s adds one
// of the agent's queues.
func (sc *sessionScan) canServe(s *sess) bool {
	for i := 0; i < s.stepsDone; i++ {
		for _, q := range sc.a.queues {
			if q.cfg.ID == s.q.cfg.Steps[i].AddQueue {
				return true
			}
		}
	}
	return false
}

// bestSession returns the best waiting session of media m that a may take:
// across a's queues and the queues whose reached steps add one of them, the
// lowest effective priority, then the oldest.
func (r *Router) bestSession(a *agentState, m presence.Media, now time.Time) *sess {
	r.visit++
	var best *sess
	consider := func(q *queueState, limit bool, before time.Time) {
		sc := &r.sscan
		sc.a, sc.q, sc.limit, sc.before = a, q, limit, before
		for _, t := range q.waiting[m] {
			if t == nil || t.Len() == 0 {
				continue
			}
			sc.found = nil
			t.Ascend(sc.visit)
			if s := sc.found; s != nil && (best == nil ||
				compareWaiting(s, s.q.cfg.Aging, best, best.q.cfg.Aging, now) < 0) {
				best = s
			}
		}
	}
	for _, q := range a.queues {
		q.visit = r.visit
		consider(q, false, time.Time{})
	}
	for _, q := range a.queues {
		for _, src := range q.overflowFrom {
			if src.visit == r.visit {
				continue
			}
			src.visit = r.visit
			if after, ok := overflowAfter(src, a); ok {
				consider(src, true, now.Add(-after))
			}
		}
	}
	return best
}

// overflowAfter is the shortest wait after which src's steps add one of a's
// queues.
func overflowAfter(src *queueState, a *agentState) (time.Duration, bool) {
	for _, st := range src.cfg.Steps {
		for _, q := range a.queues {
			if q.cfg.ID == st.AddQueue {
				return st.After, true
			}
		}
	}
	return 0, false
}

func (r *Router) allTree(q *queueState) *sessionTree {
	if q.all == nil {
		q.all = btree.NewWithFreeListG(16, lessSession, r.sessFree)
	}
	return q.all
}

// longestWait is how long the oldest waiting session of q has waited.
func (r *Router) longestWait(q *queueState, now time.Time) time.Duration {
	if s, ok := r.allTree(q).Min(); ok {
		return now.Sub(s.enq)
	}
	return 0
}
