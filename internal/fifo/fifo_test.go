package fifo

import (
	"os"
	"testing"

	"github.com/switchboardhq/switchboard/internal/leakcheck"
)

func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m, leakcheck.Config{})) }

// TestQueue checks order, the bound, popping in parts and that an emptied
// queue above ShrinkAbove gives its buffer back.
func TestQueue(t *testing.T) {
	var q Queue[int]
	for i := 0; i < 100; i++ {
		if !q.Push(i, 100) {
			t.Fatalf("push %d refused under the limit", i)
		}
	}
	if q.Push(100, 100) || q.Len() != 100 {
		t.Fatalf("push past the limit accepted (len %d)", q.Len())
	}
	if v, ok := q.PopOne(); !ok || v != 0 {
		t.Fatalf("PopOne = %d %v", v, ok)
	}
	got := q.Pop(nil, 9)
	if len(got) != 9 || got[0] != 1 || got[8] != 9 {
		t.Fatalf("Pop(9) = %v", got)
	}
	for i := 100; i < 110; i++ { // slides over the popped head
		if !q.Push(i, 100) {
			t.Fatalf("push %d after pops refused", i)
		}
	}
	got = q.Pop(got[:0], 0)
	if len(got) != 100 || got[0] != 10 || got[99] != 109 {
		t.Fatalf("Pop(all) = %d values from %d to %d", len(got), got[0], got[len(got)-1])
	}
	if q.Len() != 0 || cap(q.q) != 0 {
		t.Fatalf("emptied queue keeps len %d cap %d", q.Len(), cap(q.q))
	}
	if _, ok := q.PopOne(); ok {
		t.Fatal("PopOne on an empty queue")
	}
	q.Push(1, 4)
	q.PopOne()
	if cap(q.q) == 0 || cap(q.q) > ShrinkAbove {
		t.Fatalf("a small emptied queue should keep its buffer: cap %d", cap(q.q))
	}
}
