package persist

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMessagesOrderAndPaging appends messages out of order across many
// batches, with sequences past one byte and past 2^32, and reads them back
// in sequence order, in pages, and after any sequence.
func TestMessagesOrderAndPaging(t *testing.T) {
	s := openMem(t)
	var seqs []uint64
	for i := uint64(1); i <= 1000; i++ {
		seqs = append(seqs, i)
	}
	seqs = append(seqs, 1<<32, 1<<40)
	shuffled := append([]uint64(nil), seqs...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) {
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	})
	b := s.NewBatch()
	defer b.Close()
	for i, seq := range shuffled {
		b.AppendMessage("ws", "s1", seq, []byte(fmt.Sprint("m", seq)))
		b.AppendMessage("ws", "s10", seq, []byte("other session")) // a session id that s1 prefixes
		if i%37 == 0 {
			if err := s.Commit(b); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}

	all, err := s.Messages("ws", "s1", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(seqs) {
		t.Fatalf("%d messages, want %d", len(all), len(seqs))
	}
	for i, m := range all {
		if m.Seq != seqs[i] || string(m.Value) != fmt.Sprint("m", seqs[i]) {
			t.Fatalf("message %d = %d %q, want %d", i, m.Seq, m.Value, seqs[i])
		}
	}

	// Page through with afterSeq, 64 at a time, as a resuming client would.
	var after uint64
	n := 0
	for {
		page, err := s.Messages("ws", "s1", after, 64)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 64 {
			t.Fatalf("page of %d", len(page))
		}
		for _, m := range page {
			if m.Seq != seqs[n] {
				t.Fatalf("paged message %d has seq %d, want %d", n, m.Seq, seqs[n])
			}
			n++
		}
		after = page[len(page)-1].Seq
	}
	if n != len(seqs) {
		t.Fatalf("paging saw %d messages, want %d", n, len(seqs))
	}

	if got, _ := s.Messages("ws", "s1", 998, 0); len(got) != 4 || got[0].Seq != 999 {
		t.Fatalf("after 998: %d messages, first %v", len(got), got)
	}
	if got, _ := s.Messages("ws", "s1", math.MaxUint64, 0); len(got) != 0 {
		t.Fatalf("after MaxUint64: %d messages", len(got))
	}
	if last, err := s.LastMessageSeq("ws", "s1"); last != 1<<40 || err != nil {
		t.Fatalf("LastMessageSeq = %d, %v", last, err)
	}
	// Values of one page do not overlap: appending to one leaves the next.
	page, _ := s.Messages("ws", "s1", 0, 2)
	_ = append(page[0].Value, "XXXX"...)
	if string(page[1].Value) != "m2" {
		t.Fatalf("message values alias: %q", page[1].Value)
	}
}
