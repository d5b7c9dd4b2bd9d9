package router

import (
	"cmp"
	"strings"
	"time"

	"github.com/google/btree"
	"github.com/switchboardhq/switchboard/presence"
)

// poolKey is an agent's position in the pools of one media: load, then the
// time they were last given work (longest idle first), then id. It is a
// snapshot taken when the agent entered the pools, so that the agent can be
// found again after its load changed. The load is fixed-point (active <<
// 32 / capacity): capacities are at most presence.MaxCapacity, so distinct
// loads never collide, and comparing two integers is what the pools do most.
type poolKey struct {
	load uint64
	work int64 // Unix nanoseconds; 0 for never
	id   string
}

func makePoolKey(num, den int, work time.Time, id string) poolKey {
	k := poolKey{load: uint64(num) << 32 / uint64(den), id: id}
	if !work.IsZero() {
		k.work = work.UnixNano()
	}
	return k
}

func comparePoolKeys(a, b *poolKey) int {
	if a.load != b.load {
		return cmp.Compare(a.load, b.load)
	}
	if a.work != b.work {
		return cmp.Compare(a.work, b.work)
	}
	return strings.Compare(a.id, b.id)
}

// agentTree is an ordered set of agents by their pool key for one media.
type agentTree = btree.BTreeG[*agentState]

// pool holds the members of one queue that can take a session of one media
// now (available, free slot), ordered by pool key, once in all and once more
// in the index of their primary and of each secondary language.
type pool struct {
	media     presence.Media
	all       *agentTree
	primary   map[string]*agentTree
	secondary map[string]*agentTree
}

func (r *Router) newAgentTree(m presence.Media) *agentTree {
	return btree.NewWithFreeListG(8, func(a, b *agentState) bool {
		return comparePoolKeys(&a.key[m], &b.key[m]) < 0
	}, r.agentFree[m])
}

func (r *Router) newPool(m presence.Media) *pool {
	return &pool{media: m, all: r.newAgentTree(m),
		primary: map[string]*agentTree{}, secondary: map[string]*agentTree{}}
}

func (r *Router) langTree(idx map[string]*agentTree, lang string, m presence.Media) *agentTree {
	t := idx[lang]
	if t == nil {
		t = r.newAgentTree(m)
		idx[lang] = t
	}
	return t
}

func (r *Router) poolAdd(p *pool, a *agentState) {
	p.all.ReplaceOrInsert(a)
	if l := a.Languages.Primary; l != "" {
		r.langTree(p.primary, l, p.media).ReplaceOrInsert(a)
	}
	for _, l := range a.Languages.Secondary {
		r.langTree(p.secondary, l, p.media).ReplaceOrInsert(a)
	}
}

func poolRemove(p *pool, a *agentState) {
	p.all.Delete(a)
	if l := a.Languages.Primary; l != "" {
		if t := p.primary[l]; t != nil {
			t.Delete(a)
		}
	}
	for _, l := range a.Languages.Secondary {
		if t := p.secondary[l]; t != nil {
			t.Delete(a)
		}
	}
}

// unindex takes a out of every pool. Call it before changing what the pools
// are keyed or filed by beyond load, status and last work (languages,
// memberships), and sync after.
func (r *Router) unindex(a *agentState) {
	for m := presence.Media(0); m < presence.NumMedia; m++ {
		r.unfile(a, m)
	}
}

func (r *Router) unfile(a *agentState, m presence.Media) {
	if !a.inPool[m] {
		return
	}
	for _, q := range a.queues {
		poolRemove(q.pools[m], a)
	}
	a.inPool[m] = false
}

// sync puts a in the pools of every media it can take now, under its current
// key, touching only the media whose key or eligibility changed: most changes
// move one media's load, and re-filing the others would be wasted work.
func (r *Router) sync(a *agentState) {
	for m := presence.Media(0); m < presence.NumMedia; m++ {
		want := a.CanTake(m)
		n, d := a.Load(m)
		key := makePoolKey(n, d, a.LastWork(m), a.ID)
		if a.inPool[m] && want && a.key[m] == key {
			continue
		}
		r.unfile(a, m)
		if !want {
			continue
		}
		a.key[m] = key
		for _, q := range a.queues {
			r.poolAdd(q.pools[m], a)
		}
		a.inPool[m] = true
	}
}

// change runs fn on a (which may change its load, status or last work), then
// re-files a in its pools and marks it for routing.
func (r *Router) change(a *agentState, fn func()) {
	fn()
	r.sync(a)
	r.markAgent(a)
}
