package persist

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestOpenIndex follows sessions through their life: open sessions are in
// the index recovery scans, a finished one leaves it, a reopened one (a
// recovered session) comes back, and records stay readable throughout.
func TestOpenIndex(t *testing.T) {
	s := openMem(t)
	for i := range 10 {
		commit(t, s, func(b *Batch) { b.PutSession("ws", sessionID(i), []byte(fmt.Sprint("v", i)), true) })
	}
	commit(t, s, func(b *Batch) {
		for _, i := range []int{1, 3, 4, 8} {
			b.PutSession("ws", sessionID(i), []byte(fmt.Sprint("done", i)), false)
		}
		b.PutSession("other", sessionID(0), []byte("elsewhere"), true)
	})
	wantOpen := func(want ...int) {
		t.Helper()
		var got collect
		if err := s.ScanOpenSessions("ws", got.fn); err != nil {
			t.Fatal(err)
		}
		var ids, vals []string
		for _, i := range want {
			ids = append(ids, sessionID(i))
			vals = append(vals, fmt.Sprint("v", i))
		}
		if !slices.Equal(got.ids, ids) || !slices.Equal(got.vals, vals) {
			t.Fatalf("open sessions = %q %q, want %q %q", got.ids, got.vals, ids, vals)
		}
	}
	wantOpen(0, 2, 5, 6, 7, 9)

	got, err := s.GetSession("ws", sessionID(3))
	wantValue(t, "finished session", got, err, "done3")

	// Writing a finished session again (CSAT after wrap-up) keeps it out;
	// a session that comes back to life is open again.
	commit(t, s, func(b *Batch) {
		b.PutSession("ws", sessionID(3), []byte("done3+csat"), false)
		b.PutSession("ws", sessionID(4), []byte("v4"), true)
	})
	wantOpen(0, 2, 4, 5, 6, 7, 9)
}

// TestScanOpenSessionsSkipsFinished checks that recovery never reads the
// finished sessions' records: with thousands of them between the open ones,
// the scan visits only the open ones.
func TestScanOpenSessionsSkipsFinished(t *testing.T) {
	s := openMem(t)
	b := s.NewBatch()
	defer b.Close()
	for i := range 5000 {
		b.PutSession("ws", sessionID(i), []byte("record"), i%1000 == 0)
	}
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	var got collect
	if err := s.ScanOpenSessions("ws", got.fn); err != nil {
		t.Fatal(err)
	}
	want := []string{sessionID(0), sessionID(1000), sessionID(2000), sessionID(3000), sessionID(4000)}
	if !slices.Equal(got.ids, want) {
		t.Fatalf("open = %q, want %q", got.ids, want)
	}
}

func TestScanQueuesAndAgentsInOrder(t *testing.T) {
	s := openMem(t)
	ids := []string{"b", "a", "a\x00", "ab", "", "z"}
	commit(t, s, func(b *Batch) {
		for _, id := range ids {
			b.PutQueue("ws", id, []byte("q"+id))
			b.PutAgent("ws", id, []byte("a"+id))
		}
		b.PutQueue("ws2", "other", nil) // another workspace: not listed
		b.PutQueue("w", "other", nil)   // a workspace id that prefixes "ws"
	})
	want := slices.Clone(ids)
	slices.Sort(want)
	var q, a collect
	if err := s.ScanQueues("ws", q.fn); err != nil {
		t.Fatal(err)
	}
	if err := s.ScanAgents("ws", a.fn); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(q.ids, want) || !slices.Equal(a.ids, want) {
		t.Fatalf("queues %q, agents %q, want %q", q.ids, a.ids, want)
	}
	if q.vals[1] != "qa" || a.vals[1] != "aa" {
		t.Fatalf("values %q %q", q.vals, a.vals)
	}
}

func TestScanWorkspaces(t *testing.T) {
	s := openMem(t)
	commit(t, s, func(b *Batch) {
		for _, ws := range []string{"b", "a", "a\x00b", "ab"} {
			b.PutWorkspace(ws, []byte("rec-"+ws))
			b.PutQueue(ws, "q", nil)
			b.PutSession(ws, "s", nil, true)
		}
		b.PutQueue("no-record", "q", nil) // data but no record: not listed
		b.PutMeta("m", nil)
		b.PutToken("a", []byte("t"), "x")
	})
	var got collect
	if err := s.ScanWorkspaces(got.fn); err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "a\x00b", "ab", "b"}
	if !slices.Equal(got.ids, want) || got.vals[2] != "rec-ab" {
		t.Fatalf("workspaces %q %q, want %q", got.ids, got.vals, want)
	}
}

func TestScanSessionsPaging(t *testing.T) {
	s := openMem(t)
	const n = 25
	commit(t, s, func(b *Batch) {
		for i := range n {
			b.PutSession("ws", sessionID(i), []byte{byte(i)}, i%3 == 0)
		}
		b.PutSession("ws2", sessionID(0), nil, true)
	})
	for _, reverse := range []bool{false, true} {
		var all []string
		page := Page{Limit: 10, Reverse: reverse}
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			var got collect
			next, err := s.ScanSessions("ws", page, got.fn)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, got.ids...)
			if next == "" {
				break
			}
			if next != got.ids[len(got.ids)-1] {
				t.Fatalf("next = %q, want the last id of the page", next)
			}
			page.After = next
		}
		var want []string
		for i := range n {
			want = append(want, sessionID(i))
		}
		if reverse {
			slices.Reverse(want)
		}
		if !slices.Equal(all, want) {
			t.Fatalf("reverse=%v: pages gave %d ids %q, want %q", reverse, len(all), all, want)
		}
	}
	// A limit that ends exactly at the last session says there is no more.
	if next, err := s.ScanSessions("ws", Page{Limit: n}, func(string, []byte) error { return nil }); next != "" || err != nil {
		t.Fatalf("full page: next %q, %v", next, err)
	}
}

func TestRecentByContact(t *testing.T) {
	s := openMem(t)
	for i := range 30 {
		commit(t, s, func(b *Batch) {
			b.IndexContact("ws", "mail:ana@x", sessionID(i))
			if i%2 == 0 {
				b.IndexContact("ws", "mail:ana@x.org", sessionID(i)) // a contact key the first prefixes
			}
			b.IndexContact("ws2", "mail:ana@x", sessionID(100+i))
		})
	}
	got, err := s.RecentByContact("ws", "mail:ana@x", 5)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{sessionID(29), sessionID(28), sessionID(27), sessionID(26), sessionID(25)}
	if !slices.Equal(got, want) {
		t.Fatalf("recent = %q, want %q", got, want)
	}
	all, err := s.RecentByContact("ws", "mail:ana@x", 0)
	if err != nil || len(all) != 30 || all[29] != sessionID(0) {
		t.Fatalf("all recent: %d ids, %v", len(all), err)
	}
	if none, err := s.RecentByContact("ws", "mail:nobody", 5); err != nil || len(none) != 0 {
		t.Fatalf("unknown contact: %q, %v", none, err)
	}
}

func TestScanExportsDueOrder(t *testing.T) {
	s := openMem(t)
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	type export struct {
		ws  string
		due time.Time
		id  string
	}
	puts := []export{
		{"ws", base.Add(15 * time.Minute), "s1"},
		{"ws", base.Add(-time.Hour), "s9"},
		{"ws", base.Add(15 * time.Minute), "s0"}, // same due: session order
		{"ws", base.Add(time.Nanosecond), "s5"},
		{"a", base.Add(time.Hour), "x"},
		{"a", base, "y"},
	}
	commit(t, s, func(b *Batch) {
		for _, e := range puts {
			b.PutExport(e.ws, e.due, e.id, []byte(e.id))
		}
	})
	var got []export
	err := s.ScanExports("ws", func(due time.Time, id string, val []byte) error {
		if string(val) != id {
			t.Errorf("value %q for %q", val, id)
		}
		got = append(got, export{"ws", due, id})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []export{puts[1], puts[3], puts[2], puts[0]}
	if !slices.EqualFunc(got, want, func(a, b export) bool { return a.id == b.id && a.due.Equal(b.due) }) {
		t.Fatalf("exports %v, want %v", got, want)
	}
	got = nil
	err = s.ScanAllExports(func(ws string, due time.Time, id string, _ []byte) error {
		got = append(got, export{ws, due, id})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want = []export{puts[5], puts[4], puts[1], puts[3], puts[2], puts[0]}
	if !slices.EqualFunc(got, want, func(a, b export) bool { return a.ws == b.ws && a.id == b.id && a.due.Equal(b.due) }) {
		t.Fatalf("all exports %v, want %v", got, want)
	}
}

// TestScanStop checks the callback contract: ErrStop ends a scan with nil,
// any other error ends it and comes back unchanged.
func TestScanStop(t *testing.T) {
	s := openMem(t)
	commit(t, s, func(b *Batch) {
		for i := range 5 {
			b.PutQueue("ws", sessionID(i), nil)
			b.PutSession("ws", sessionID(i), nil, true)
			b.PutWorkspace(sessionID(i), nil)
			b.PutExport("ws", time.Unix(int64(i), 0), "s", nil)
		}
	})
	boom := errors.New("boom")
	scans := map[string]func(fn func() error) error{
		"ScanQueues": func(fn func() error) error {
			return s.ScanQueues("ws", func(string, []byte) error { return fn() })
		},
		"ScanOpenSessions": func(fn func() error) error {
			return s.ScanOpenSessions("ws", func(string, []byte) error { return fn() })
		},
		"ScanSessions": func(fn func() error) error {
			_, err := s.ScanSessions("ws", Page{}, func(string, []byte) error { return fn() })
			return err
		},
		"ScanWorkspaces": func(fn func() error) error {
			return s.ScanWorkspaces(func(string, []byte) error { return fn() })
		},
		"ScanAllExports": func(fn func() error) error {
			return s.ScanAllExports(func(string, time.Time, string, []byte) error { return fn() })
		},
		"ScanMessages": func(fn func() error) error {
			commit(t, s, func(b *Batch) {
				for i := range 5 {
					b.AppendMessage("ws", "s", uint64(i+1), nil)
				}
			})
			return s.ScanMessages("ws", "s", 0, func(uint64, []byte) error { return fn() })
		},
	}
	for name, scan := range scans {
		for _, c := range []struct {
			ret, want error
		}{{ErrStop, nil}, {boom, boom}, {fmt.Errorf("wrapped: %w", ErrStop), nil}} {
			calls := 0
			err := scan(func() error {
				calls++
				if calls == 2 {
					return c.ret
				}
				return nil
			})
			if err != c.want || calls != 2 {
				t.Errorf("%s returning %v: err %v after %d calls, want %v after 2", name, c.ret, err, calls, c.want)
			}
		}
	}
}

// TestScanOpenSessionsMissingRecord checks that an open-index entry without
// its record (which PutSession cannot produce) is reported, not skipped.
func TestScanOpenSessionsMissingRecord(t *testing.T) {
	s := openMem(t)
	commit(t, s, func(b *Batch) {
		b.PutSession("ws", sessionID(1), []byte("v"), true)
		b.PutSession("ws", sessionID(3), []byte("v"), true)
	})
	if err := s.db.Set(keyOpen(nil, "ws", sessionID(2)), nil, nil); err != nil {
		t.Fatal(err)
	}
	err := s.ScanOpenSessions("ws", func(string, []byte) error { return nil })
	if err == nil {
		t.Fatal("scan over an index entry with no record succeeded")
	}
}
