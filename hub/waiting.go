package hub

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/switchboardhq/switchboard/session"
)

// stickyContacts is how many contacts' last agents the hub remembers for
// sticky routing.
const stickyContacts = 100_000

// defaultHandle is the handle time assumed for a queue's expected wait
// before any of its sessions was wrapped up.
const defaultHandle = 180 * time.Second

// maxQueuedUpdates bounds the waiting visitors told their new place when a
// queue moves: past it, only the first ones in line are told (the others'
// place changes little and they heard it when they entered).
const maxQueuedUpdates = 200

// waitInfo is what the hub learns of a queue to predict waits.
type waitInfo struct {
	handle time.Duration // moving average of handle time
}

// lastAgents returns the sticky-routing memory, creating it on first use.
func (h *Hub) lastAgents() *lru.Cache[string, string] {
	if h.sticky == nil {
		h.sticky, _ = lru.New[string, string](stickyContacts)
	}
	return h.sticky
}

// stickyAgent returns the agent who last served the contact of s ("" none).
func (h *Hub) stickyAgent(s *sessState) string {
	key := s.contactKey()
	if key == "" {
		return ""
	}
	a, _ := h.lastAgents().Get(key)
	return a
}

// rememberAgent records that agent serves s's contact.
func (h *Hub) rememberAgent(s *sessState, agent string) {
	if key := s.contactKey(); key != "" && agent != "" {
		h.lastAgents().Add(key, agent)
	}
}

// learnHandle folds a wrapped-up session's handle time into its queue's
// average (exponentially weighted, 1/8 per session).
func (h *Hub) learnHandle(s *sessState, now time.Time) {
	q := s.Queue.ID
	d := time.Duration(s.HandleSeconds(now) * float64(time.Second))
	if q == "" || d <= 0 {
		return
	}
	if h.waits == nil {
		h.waits = map[string]*waitInfo{}
	}
	w := h.waits[q]
	if w == nil {
		h.waits[q] = &waitInfo{handle: d}
		return
	}
	w.handle += (d - w.handle) / 8
}

// expectedWait estimates how long a session at position pos (1 = next)
// will wait: pos handle times shared by the queue's online agents.
func (h *Hub) expectedWait(queue string, pos int, now time.Time) float64 {
	handle := defaultHandle
	if w := h.waits[queue]; w != nil {
		handle = w.handle
	}
	agents := 1
	if st, ok := h.r.Stats(queue, now); ok && st.AgentsOnline > 0 {
		agents = st.AgentsOnline
	}
	return (time.Duration(pos) * handle / time.Duration(agents)).Seconds()
}

// emitQueued tells the visitor of s their place in the queue and the
// expected wait.
func (h *Hub) emitQueued(s *sessState, now time.Time) {
	t := target{visitor: s.VisitorID}
	if !h.wanted(t) {
		return
	}
	pos, ok := h.r.Position(s.ID, now)
	if !ok {
		return
	}
	h.emit(FrameQueued, queuedFrame{Type: FrameQueued, Position: pos + 1,
		ExpectedWait: h.expectedWait(s.Queue.ID, pos+1, now)}, t)
}

// requeueNotices tells the first visitors still in line in queue their new
// place, after the queue moved. It reads only the head of the line (the
// router's Head), never the whole queue: this runs in the loop every cycle
// a line moves.
func (h *Hub) requeueNotices(queue string, now time.Time) {
	ids := h.r.Head(h.cyc.waitScratch[:0], queue, maxQueuedUpdates, now)
	h.cyc.waitScratch = ids
	for _, id := range ids {
		if s := h.sessions[id]; s != nil && s.VisitorID != "" && s.State != session.StateFinished {
			h.emitQueued(s, now)
		}
	}
}
