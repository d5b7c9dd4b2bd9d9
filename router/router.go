package router

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/btree"
	"github.com/switchboardhq/switchboard/internal/minheap"
	"github.com/switchboardhq/switchboard/presence"
)

// OfferID identifies an offer. IDs rise by one per offer made; the caller
// chooses where they start (SetNextOfferID) so that they stay unique across
// restarts.
type OfferID uint64

// Offer is one session proposed to one agent.
type Offer struct {
	ID      OfferID
	Session string
	Agent   string
	Queue   string
	Media   presence.Media
	Created time.Time
	Expires time.Time
	// Direct is set for a transfer to this agent by From; refusing it
	// returns the session to From.
	Direct  bool
	From    string
	Explain Explanation

	s *sess
	a *agentState
}

// agentState is an agent as the router keeps it.
type agentState struct {
	*presence.Agent
	queues []*queueState // sorted by id
	inPool [presence.NumMedia]bool
	key    [presence.NumMedia]poolKey
	offers []*Offer // pending offers to this agent, oldest first
	held   int      // sessions assigned to this agent (connected or in wrap-up)
	dirty  bool
}

// queueState is a queue with its pools of agents and its waiting sessions.
type queueState struct {
	cfg      Queue
	members  []*agentState // sorted by id
	pools    [presence.NumMedia]*pool
	waiting  [presence.NumMedia]classes
	nwaiting int // sessions waiting in the queue (with or without offers)
	// overflowFrom are the queues whose steps add this queue's members.
	overflowFrom []*queueState
	all          *sessionTree // every waiting session, by enqueue time
	online       int          // members not offline
	available    int          // members whose set status is available
	visit        uint64
	offered      int
	answered     int
	abandoned    int
	inSLA        int
}

// sess is a session as the router keeps it, from arrival to the end of its
// wrap-up.
type sess struct {
	id        string
	q         *queueState
	media     presence.Media
	prio      int
	enq       time.Time
	seq       uint64
	lang      string
	expertise presence.Expertise
	sticky    string
	offers    []*Offer
	excluded  []string // agents who declined, missed or released it
	agent     *agentState
	idle      bool
	ended     bool
	inTree    bool
	dirty     bool
	stepsDone int
}

// Router is the matching engine of one workspace. Create it with New.
type Router struct {
	cfg       Config
	queues    map[string]*queueState
	agents    map[string]*agentState
	sessions  map[string]*sess
	offers    map[OfferID]*Offer
	agentFree [presence.NumMedia]*btree.FreeListG[*agentState]
	sessFree  *btree.FreeListG[*sess]

	nextOffer OfferID
	seq       uint64
	visit     uint64
	timers    minheap.Heap[timer]
	out       []Decision

	offerPool     []*Offer
	sessPool      []*sess
	dirtyAgents   []*agentState
	dirtySessions []*sess
	scratchQueues []*queueState
	headScratch   []*sess
	scan          agentScan
	sscan         sessionScan
}

// New returns an empty router.
func New(cfg Config) *Router {
	r := &Router{
		cfg:       cfg,
		queues:    map[string]*queueState{},
		agents:    map[string]*agentState{},
		sessions:  map[string]*sess{},
		offers:    map[OfferID]*Offer{},
		sessFree:  btree.NewFreeListG[*sess](1024),
		nextOffer: 1,
		timers:    minheap.New(lessTimer),
	}
	for m := range r.agentFree {
		r.agentFree[m] = btree.NewFreeListG[*agentState](1024)
	}
	r.scan.visit = r.scan.step
	r.sscan.visit = r.sscan.step
	return r
}

// Decisions returns what the router decided since the last call, in order.
// The slice is reused: it is valid until the next call into the router.
func (r *Router) Decisions() []Decision {
	out := r.out
	r.out = r.out[:0]
	return out
}

func (r *Router) emit(d Decision) { r.out = append(r.out, d) }

// SetNextOfferID sets the id of the next offer (at least 1).
func (r *Router) SetNextOfferID(id OfferID) { r.nextOffer = max(id, 1) }

// NextOfferID returns the id the next offer will get.
func (r *Router) NextOfferID() OfferID { return r.nextOffer }

// PutQueue creates or replaces a queue's routing configuration, then routes
// its waiting sessions again under the new rules. A step's AddQueue must name
// an existing queue.
func (r *Router) PutQueue(cfg Queue, now time.Time) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	for _, s := range cfg.Steps {
		if s.AddQueue != "" && r.queues[s.AddQueue] == nil {
			return fmt.Errorf("%w: step adds unknown queue %q", ErrNotFound, s.AddQueue)
		}
	}
	cfg.Expertise = presence.NewExpertise(cfg.Expertise...)
	q := r.queues[cfg.ID]
	if q == nil {
		q = &queueState{}
		for m := range q.pools {
			q.pools[m] = r.newPool(presence.Media(m))
		}
		r.queues[cfg.ID] = q
	} else {
		r.unlinkOverflow(q)
	}
	oldLimit := q.cfg.offerLimit()
	q.cfg = cfg
	r.linkOverflow(q)
	r.requeueAll(q, oldLimit, now)
	r.settle(now)
	return nil
}

func (r *Router) linkOverflow(q *queueState) {
	for _, st := range q.cfg.Steps {
		if t := r.queues[st.AddQueue]; t != nil && !slices.Contains(t.overflowFrom, q) {
			t.overflowFrom = append(t.overflowFrom, q)
			slices.SortFunc(t.overflowFrom, func(a, b *queueState) int { return strings.Compare(a.cfg.ID, b.cfg.ID) })
		}
	}
}

func (r *Router) unlinkOverflow(q *queueState) {
	for _, st := range q.cfg.Steps {
		if t := r.queues[st.AddQueue]; t != nil {
			t.overflowFrom = slices.DeleteFunc(t.overflowFrom, func(x *queueState) bool { return x == q })
		}
	}
}

// requeueAll re-checks every waiting session of q after a change of rules:
// parked state follows the new offer limit and every one is routed again.
func (r *Router) requeueAll(q *queueState, oldLimit int, now time.Time) {
	for _, s := range r.queueSessions(q) {
		if s.agent != nil {
			continue
		}
		r.scheduleSteps(s, now) // the steps changed: count them again
		if oldLimit != q.cfg.offerLimit() {
			r.park(s)
			r.unpark(s)
		}
		r.markSession(s)
	}
}

// queueSessions returns q's waiting sessions in id order (deterministic).
func (r *Router) queueSessions(q *queueState) []*sess {
	var out []*sess
	for _, s := range r.sessions {
		if s.q == q && s.agent == nil && !s.ended {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b *sess) int { return strings.Compare(a.id, b.id) })
	return out
}

// DeleteQueue removes a queue. It fails with ErrInUse while sessions wait in
// it or another queue's steps name it; members simply lose the membership.
func (r *Router) DeleteQueue(id string, now time.Time) error {
	q := r.queues[id]
	if q == nil {
		return fmt.Errorf("%w: queue %q", ErrNotFound, id)
	}
	for _, s := range r.sessions {
		if s.q == q {
			return fmt.Errorf("%w: queue %q has sessions", ErrInUse, id)
		}
	}
	if len(q.overflowFrom) > 0 {
		return fmt.Errorf("%w: queue %q is a step of queue %q", ErrInUse, id, q.overflowFrom[0].cfg.ID)
	}
	for _, a := range slices.Clone(q.members) {
		ids := make([]string, 0, len(a.queues))
		for _, aq := range a.queues {
			if aq != q {
				ids = append(ids, aq.cfg.ID)
			}
		}
		r.setMembership(a, ids)
	}
	r.unlinkOverflow(q)
	delete(r.queues, id)
	r.settle(now)
	return nil
}

// Queue returns the configuration of queue id.
func (r *Router) Queue(id string) (Queue, bool) {
	q := r.queues[id]
	if q == nil {
		return Queue{}, false
	}
	return q.cfg, true
}
