package sim

// kind is what an event does.
type kind uint8

const (
	evArrival kind = iota // the next contact arrives
	evEnd                 // an agent ends a chat and wraps it up
	evAbandon             // a waiting contact's patience runs out
)

// event is one scheduled event. Times are seconds of simulated time since
// the start; seq breaks ties in the order events were scheduled, so that a
// run is deterministic.
type event struct {
	at    float64
	seq   uint64
	kind  kind
	call  *call
	agent int
}

// eventHeap is a min-heap of events by (at, seq).
type eventHeap []event

func (h eventHeap) less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}

func (h *eventHeap) push(e event) {
	*h = append(*h, e)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *eventHeap) pop() event {
	s := *h
	e := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s[n] = event{}
	s = s[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && s.less(l, m) {
			m = l
		}
		if l+1 < n && s.less(l+1, m) {
			m = l + 1
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return e
}
