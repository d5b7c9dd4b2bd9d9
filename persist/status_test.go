package persist

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"go.uber.org/zap/zaptest"
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

// TestAgentStatusLog: one agent's status changes come back in time order
// within [from, to), without the other agents', a page at a time after a
// page's last entry in the time-ordered log's order.
func TestAgentStatusLog(t *testing.T) {
	s := openMem(t)
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	commit(t, s, func(b *Batch) {
		for m := range 10 {
			for _, a := range []string{"ann", "ben", "ben\x00x", "cy"} {
				b.PutStatus("acme", at(m), a, []byte(a+" "+strconv.Itoa(m)))
			}
		}
		b.PutStatus("acme2", at(5), "ben", []byte("other workspace"))
	})
	commit(t, s, func(b *Batch) { b.PutStatus("acme", at(3), "ben", []byte("ben 3 again")) })
	read := func(agent string, from, to, after time.Time, afterAgent string) []string {
		t.Helper()
		var out []string
		err := s.ScanAgentStatuses("acme", agent, from, to, after, afterAgent, func(at time.Time, val []byte) error {
			out = append(out, at.Sub(t0).String()+" "+string(val))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	var z time.Time
	got := read("ben", z, z, z, "")
	if len(got) != 10 || got[0] != "0s ben 0" || got[3] != "3m0s ben 3 again" || got[9] != "9m0s ben 9" {
		t.Errorf("ben's: %v", got)
	}
	if got := read("ben", at(2), at(4), z, ""); !slices.Equal(got, []string{"2m0s ben 2", "3m0s ben 3 again"}) {
		t.Errorf("ben's from 2 to 4: %v", got)
	}
	// After ann's entry at 5 comes ben's at 5; after ben's or cy's, ben's at 6.
	for _, c := range []struct {
		after string
		first string
	}{{"ann", "5m0s ben 5"}, {"ben", "6m0s ben 6"}, {"ben\x00x", "6m0s ben 6"}} {
		if got := read("ben", at(1), at(8), at(5), c.after); len(got) == 0 || got[0] != c.first {
			t.Errorf("ben's after %q at 5: %v", c.after, got)
		}
	}
	if got := read("ben", at(1), at(8), at(9), "ann"); len(got) != 0 {
		t.Errorf("ben's after the span: %v", got)
	}
	if got := read("dee", z, z, z, ""); len(got) != 0 {
		t.Errorf("an agent with no log: %v", got)
	}
	// The two orders hold the same entries.
	var inTime []string
	if err := s.ScanStatuses("acme", z, z, z, "", func(at time.Time, agent string, val []byte) error {
		if agent == "ben\x00x" {
			inTime = append(inTime, at.Sub(t0).String()+" "+string(val))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := read("ben\x00x", z, z, z, ""); !slices.Equal(got, inTime) || len(got) != 10 {
		t.Errorf("ben\\x00x by agent %v, in time %v", got, inTime)
	}
}

// TestPruneStatuses: pruning removes a workspace's changes before a time
// from both orders, a chunk per commit, and nothing else.
func TestPruneStatuses(t *testing.T) {
	s := openMem(t)
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	const agents, changes = 7, 1500 // 10,500 entries: three chunks
	commit(t, s, func(b *Batch) {
		for i := range changes {
			for a := range agents {
				b.PutStatus("acme", t0.Add(time.Duration(i)*time.Second), "a"+strconv.Itoa(a), []byte("x"))
			}
		}
		b.PutStatus("acme2", t0, "a0", []byte("other workspace"))
	})
	count := func(ws, agent string) (inTime, byAgent int) {
		t.Helper()
		var z time.Time
		if err := s.ScanStatuses(ws, z, z, z, "", func(time.Time, string, []byte) error { inTime++; return nil }); err != nil {
			t.Fatal(err)
		}
		if err := s.ScanAgentStatuses(ws, agent, z, z, z, "", func(time.Time, []byte) error { byAgent++; return nil }); err != nil {
			t.Fatal(err)
		}
		return inTime, byAgent
	}
	cut := t0.Add(1234 * time.Second)
	n, err := s.PruneStatuses("acme", cut)
	if err != nil || n != 1234*agents {
		t.Fatalf("pruned %d, %v; want %d", n, err, 1234*agents)
	}
	if inTime, byAgent := count("acme", "a3"); inTime != (changes-1234)*agents || byAgent != changes-1234 {
		t.Errorf("left: %d in time, %d of a3; want %d, %d", inTime, byAgent, (changes-1234)*agents, changes-1234)
	}
	first := time.Time{}
	_ = s.ScanAgentStatuses("acme", "a6", time.Time{}, time.Time{}, time.Time{}, "", func(at time.Time, _ []byte) error {
		first = at
		return ErrStop
	})
	if !first.Equal(cut) {
		t.Errorf("a6's first change left %v, want %v", first, cut)
	}
	if inTime, byAgent := count("acme2", "a0"); inTime != 1 || byAgent != 1 {
		t.Errorf("the other workspace's: %d, %d", inTime, byAgent)
	}
	if n, err := s.PruneStatuses("acme", cut); n != 0 || err != nil {
		t.Errorf("pruning again: %d, %v", n, err)
	}
}

// TestSchemaUpgradeIndexesStatuses: a store of schema 1, which kept the
// status log in time order only, is indexed by agent when opened, and
// says it is of schema 2; so is one whose upgrade was cut off midway.
func TestSchemaUpgradeIndexesStatuses(t *testing.T) {
	fs := vfs.NewMem()
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	s, err := Open("db", Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	commit(t, s, func(b *Batch) {
		for i := range 100 {
			b.PutStatus("acme", t0.Add(time.Duration(i)*time.Second), "a"+strconv.Itoa(i%3), []byte(strconv.Itoa(i)))
		}
		b.PutStatus("beta", t0, "a1", []byte("beta"))
		b.PutAgent("acme", "a1", []byte("{}"))
	})
	// Back to schema 1: no by-agent index (one entry of it left, as if an
	// upgrade was cut off), version 1.
	downgrade := func(keep int) {
		t.Helper()
		for _, ws := range []string{"acme", "beta"} {
			lo := appendTable(nil, ws, subByAgent)
			if keep > 0 {
				lo = keyAgentStatus(nil, ws, "a0", t0.Add(time.Duration(keep)*time.Second))
			}
			if err := s.db.DeleteRange(lo, prefixEnd(appendTable(nil, ws, subByAgent)), pebble.Sync); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.db.Set(keySchema, binary.BigEndian.AppendUint32(nil, 1), pebble.Sync); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for _, keep := range []int{0, 10} {
		downgrade(keep)
		if s, err = Open("db", Options{FS: fs, Logger: zaptest.NewLogger(t)}); err != nil {
			t.Fatalf("Open of schema 1: %v", err)
		}
		var vals []string
		err := s.ScanAgentStatuses("acme", "a1", time.Time{}, time.Time{}, time.Time{}, "", func(_ time.Time, v []byte) error {
			vals = append(vals, string(v))
			return nil
		})
		if err != nil || len(vals) != 33 || vals[0] != "1" || vals[32] != "97" {
			t.Errorf("a1's changes after the upgrade: %v, %v", vals, err)
		}
		n := 0
		_ = s.ScanAgentStatuses("beta", "a1", time.Time{}, time.Time{}, time.Time{}, "", func(time.Time, []byte) error { n++; return nil })
		v, closer, err := s.db.Get(keySchema)
		if err != nil || binary.BigEndian.Uint32(v) != SchemaVersion || n != 1 {
			t.Errorf("after the upgrade: version %x (%v), %d of beta's", v, err, n)
		}
		if err == nil {
			closer.Close()
		}
	}
	s.Close()
}

// BenchmarkAgentStatuses reads one agent's day from a workspace's log of
// 1,000 agents × 50 changes: by agent (the 'h' index, what GET
// /v1/agent-statuses?agent= does) against a scan of the whole day in time
// order keeping the agent's (what it did before the index).
func BenchmarkAgentStatuses(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	logDay(b, s, benchDay)
	from, to := benchDay, benchDay.Add(24*time.Hour)
	for _, c := range []struct {
		name string
		read func(agent string, fn func()) error
	}{
		{"by_agent", func(agent string, fn func()) error {
			return s.ScanAgentStatuses("acme", agent, from, to, time.Time{}, "", func(time.Time, []byte) error { fn(); return nil })
		}},
		{"scan_filtered", func(agent string, fn func()) error {
			return s.ScanStatuses("acme", from, to, time.Time{}, "", func(_ time.Time, id string, _ []byte) error {
				if id == agent {
					fn()
				}
				return nil
			})
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				n := 0
				if err := c.read(fmt.Sprintf("agent-%04d", i%dayAgents), func() { n++ }); err != nil || n != dayChanges {
					b.Fatalf("%d changes, %v", n, err)
				}
			}
		})
	}
}

// BenchmarkPruneStatuses removes a day of 1,000 agents × 50 changes, both
// orders, as the server's retention does; the time is per change removed.
func BenchmarkPruneStatuses(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	for day := 0; b.Loop(); day++ {
		b.StopTimer()
		start := benchDay.Add(time.Duration(day) * 24 * time.Hour)
		logDay(b, s, start)
		b.StartTimer()
		if n, err := s.PruneStatuses("acme", start.Add(24*time.Hour)); err != nil || n != dayAgents*dayChanges {
			b.Fatalf("pruned %d, %v", n, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*dayAgents*dayChanges), "ns/change")
}

// A benchmark's day of status changes: dayAgents agents change status
// dayChanges times each, one change a second from benchDay.
const dayAgents, dayChanges = 1000, 50

var benchDay = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

// logDay logs a day of status changes in workspace acme from start, a
// commit per round of the agents.
func logDay(b *testing.B, s *Store, start time.Time) {
	val := []byte(`{"agent":"agent-0000","at":"2026-11-20T08:58:03.114Z","status":"away","reason":"lunch"}`)
	for i := range dayChanges {
		bt := s.NewBatch()
		for a := range dayAgents {
			bt.PutStatus("acme", start.Add(time.Duration(i*dayAgents+a)*time.Second), fmt.Sprintf("agent-%04d", a), val)
		}
		if err := s.Commit(bt); err != nil {
			b.Fatal(err)
		}
		bt.Close()
	}
}
