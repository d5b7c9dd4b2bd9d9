package minheap

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestHeapSortsAndAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	h := New(func(a, b *int) bool { return *a < *b })
	var want []int
	for i := 0; i < 1000; i++ {
		v := rng.IntN(100)
		h.Push(v)
		want = append(want, v)
		if i%3 == 0 { // interleave pops
			slices.Sort(want)
			if got := h.Pop(); got != want[0] {
				t.Fatalf("pop %d, want %d", got, want[0])
			}
			want = want[1:]
		}
	}
	slices.Sort(want)
	for _, w := range want {
		if *h.Min() != w || h.Pop() != w {
			t.Fatal("out of order")
		}
	}
	if h.Len() != 0 {
		t.Fatal("not empty")
	}
	if n := testing.AllocsPerRun(100, func() { h.Push(1); h.Pop() }); n != 0 {
		t.Fatalf("%v allocs per push+pop", n)
	}
}
