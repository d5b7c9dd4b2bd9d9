// Package fifo is a bounded first-in first-out queue that takes memory only
// for what waits in it: the hub's pulled subscriptions and the server's
// socket writers use it, so that 15,000 idle sockets hold no buffers
// (a channel would hold its whole bound from the start).
//
// A Queue is not safe for concurrent use: its owner guards it.
package fifo

// ShrinkAbove is the capacity above which an emptied queue gives its
// buffer back to the heap rather than keeping it for the next values: an
// idle queue holds at most this many slots.
const ShrinkAbove = 16

// Queue is a FIFO of T. The zero value is an empty queue.
type Queue[T any] struct {
	q    []T // q[head:] wait
	head int
}

// Len returns how many values wait.
func (q *Queue[T]) Len() int { return len(q.q) - q.head }

// Cap returns how many slots the queue holds (waiting or not).
func (q *Queue[T]) Cap() int { return cap(q.q) }

// Push appends v unless limit values already wait; it reports whether it
// did.
func (q *Queue[T]) Push(v T, limit int) bool {
	if q.Len() >= limit {
		return false
	}
	if len(q.q) == cap(q.q) && q.head > 0 { // slide instead of growing
		n := copy(q.q, q.q[q.head:])
		clear(q.q[n:])
		q.q, q.head = q.q[:n], 0
	}
	q.q = append(q.q, v)
	return true
}

// Pop appends up to max waiting values to dst, oldest first (max ≤ 0: all
// of them), and returns dst.
func (q *Queue[T]) Pop(dst []T, max int) []T {
	n := q.Len()
	if max > 0 && max < n {
		n = max
	}
	popped := q.q[q.head : q.head+n]
	dst = append(dst, popped...)
	clear(popped)
	q.advance(n)
	return dst
}

// PopOne returns the oldest waiting value, if any.
func (q *Queue[T]) PopOne() (v T, ok bool) {
	if q.Len() == 0 {
		return v, false
	}
	v = q.q[q.head]
	clear(q.q[q.head : q.head+1])
	q.advance(1)
	return v, true
}

// advance moves the head past n popped values; an emptied queue starts
// over, giving a large buffer back.
func (q *Queue[T]) advance(n int) {
	if q.head += n; q.head < len(q.q) {
		return
	}
	q.head = 0
	if cap(q.q) > ShrinkAbove {
		q.q = nil
	} else {
		q.q = q.q[:0]
	}
}
