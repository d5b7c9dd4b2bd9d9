package persist

import (
	"slices"
	"testing"
	"time"
)

// TestStatusLog: agents' status changes come back in time order, then
// agent order, within [from, to), a page at a time after a page's last
// entry; another workspace's do not mix in, and putting the same agent
// at the same instant again keeps the last.
func TestStatusLog(t *testing.T) {
	s := openMem(t)
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	commit(t, s, func(b *Batch) {
		b.PutStatus("acme", at(10), "ben", []byte("away"))
		b.PutStatus("acme", at(0), "zoe", []byte("available"))
		b.PutStatus("acme", at(0), "ben", []byte("available"))
		b.PutStatus("acme", at(30), "ben\x00x", []byte("available"))
		b.PutStatus("acme", at(-5), "ann", []byte("offline"))
		b.PutStatus("acme2", at(5), "ben", []byte("other workspace"))
		b.PutAgent("acme", "ben", []byte("{}"))
	})
	commit(t, s, func(b *Batch) { b.PutStatus("acme", at(10), "ben", []byte("available")) })
	type entry struct {
		at    time.Time
		agent string
		val   string
	}
	read := func(from, to time.Time, after entry, limit int) []entry {
		t.Helper()
		var out []entry
		err := s.ScanStatuses("acme", from, to, after.at, after.agent, func(at time.Time, agent string, val []byte) error {
			out = append(out, entry{at, agent, string(val)})
			if len(out) == limit {
				return ErrStop
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	all := []entry{{at(-5), "ann", "offline"}, {at(0), "ben", "available"}, {at(0), "zoe", "available"},
		{at(10), "ben", "available"}, {at(30), "ben\x00x", "available"}}
	if got := read(time.Time{}, time.Time{}, entry{}, 0); !slices.Equal(got, all) {
		t.Errorf("all: %v, want %v", got, all)
	}
	if got := read(at(0), at(30), entry{}, 0); !slices.Equal(got, all[1:4]) {
		t.Errorf("[0, 30 min): %v", got)
	}
	var pages []entry
	for last := (entry{}); ; {
		page := read(at(0), time.Time{}, last, 2)
		pages = append(pages, page...)
		if len(page) < 2 {
			break
		}
		last = page[1]
	}
	if !slices.Equal(pages, all[1:]) {
		t.Errorf("pages of two from 0: %v", pages)
	}
	if got := read(at(0), at(0), entry{}, 0); len(got) != 0 {
		t.Errorf("an empty span: %v", got)
	}
	if got := read(at(0), at(20), all[4], 0); len(got) != 0 {
		t.Errorf("after the span: %v", got)
	}
	var agents int
	if err := s.ScanAgents("acme", func(string, []byte) error { agents++; return nil }); err != nil || agents != 1 {
		t.Errorf("agents scanned: %d, %v", agents, err)
	}
}
