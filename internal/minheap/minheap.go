// Package minheap is a binary min-heap of values, shared by the router's
// deadlines, the hub's timers and the simulator's event queue.
//
// It is written out rather than built on container/heap so that pushing a
// value does not box it in an interface: once the slice has grown, Push and
// Pop allocate nothing (the router's zero-allocation decisions rely on it).
// A Heap is not safe for concurrent use.
package minheap

// Heap is a min-heap of T ordered by a less function. Create it with New.
type Heap[T any] struct {
	items []T
	less  func(a, b *T) bool
}

// New returns an empty heap ordered by less, which must be a strict weak
// order (ties broken by the caller for determinism).
func New[T any](less func(a, b *T) bool) Heap[T] { return Heap[T]{less: less} }

// Len returns the number of values in the heap.
func (h *Heap[T]) Len() int { return len(h.items) }

// Min returns the smallest value; the heap must not be empty.
func (h *Heap[T]) Min() *T { return &h.items[0] }

// Push adds x.
func (h *Heap[T]) Push(x T) {
	h.items = append(h.items, x)
	s := h.items
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(&s[i], &s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

// Pop removes and returns the smallest value; the heap must not be empty.
func (h *Heap[T]) Pop() T {
	s := h.items
	x := s[0]
	n := len(s) - 1
	s[0] = s[n]
	var zero T
	s[n] = zero // drop references held by the vacated slot
	s = s[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && h.less(&s[l], &s[m]) {
			m = l
		}
		if l+1 < n && h.less(&s[l+1], &s[m]) {
			m = l + 1
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	h.items = s
	return x
}
