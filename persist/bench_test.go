package persist

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Benchmarks run on a real directory (b.TempDir), so that Commit pays for a
// real fsync. Run: go test -run XXX -bench . ./persist
// BenchmarkRecoveryScan's 1,000,000-finished case is slow to set up and runs
// only with SWITCHBOARD_BENCH_LARGE=1.

// sessionValue is a session record of about 1 KiB, shaped like the hub's
// JSON (so that compression sees what it will see in production).
func sessionValue(i int) []byte {
	t := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * 1700 * time.Millisecond)
	ts := func(d time.Duration) string { return t.Add(d).Format("2006-01-02T15:04:05.000Z") }
	v := fmt.Appendf(nil, `{"id":"%016x","channel":"web_chat","state":5,"status":"in_progress","queue":"support",`+
		`"priority":%d,"created":%q,"queued":%q,"assigned":%q,"connected":%q,`+
		`"contact":{"name":"Visitor %d","email":"visitor%d@example.com","language":"en","country":"ES","verified":false},`+
		`"participants":[{"agent":"agent-%03d","role":"agent","joined":%q}],"tags":["billing","returning"],`+
		`"journey":[{"at":%q,"event":"routed","queue":"support"},`+
		`{"at":%q,"event":"offered","agent":"agent-%03d","score":0.%02d,"load":0.%02d,"language":0,"runner_up":"agent-%03d","eligible":%d},`+
		`{"at":%q,"event":"connected","agent":"agent-%03d"}],`+
		`"pages":["https://shop.example.com/cart","https://shop.example.com/help/returns"],`+
		`"notes":"Customer asks about the return of order %d; label sent."}`,
		i, 1+i%8, ts(0), ts(0), ts(3*time.Second), ts(9*time.Second),
		i, i, i%200, ts(9*time.Second),
		ts(0), ts(time.Second), i%200, i%100, (i*7)%100, (i+1)%200, 3+i%20,
		ts(9*time.Second), i%200, 100000+i)
	return v
}

// benchIDs makes n session ids that sort by creation, as the hub's do.
func benchID(i int) string { return fmt.Sprintf("%016x", i) }

// BenchmarkCommit measures group commit: one synced batch of n session puts
// (record and open-index entry) per iteration. commits/s is the loop's
// commit rate; ns/put is the cost of one session write in such a batch.
func BenchmarkCommit(b *testing.B) {
	vals := make([][]byte, 256)
	for i := range vals {
		vals[i] = sessionValue(i)
	}
	for _, n := range []int{1, 16, 256} {
		b.Run(fmt.Sprint("puts=", n), func(b *testing.B) {
			s := openBench(b, b.TempDir())
			batch := s.NewBatch()
			defer batch.Close()
			ids := make([]string, n*b.N)
			for i := range ids {
				ids[i] = benchID(i)
			}
			b.SetBytes(int64(n * len(vals[0])))
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				for j := range n {
					batch.PutSession("default", ids[i*n+j], vals[j%len(vals)], true)
				}
				if err := s.Commit(batch); err != nil {
					b.Fatal(err)
				}
			}
			elapsed := time.Since(start)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "commits/s")
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N*n), "ns/put")
		})
	}
}

// BenchmarkMessagesAppend appends ~200-byte chat messages, per commit one
// (a quiet hub) or 64 (a busy one).
func BenchmarkMessagesAppend(b *testing.B) {
	msg := []byte(`{"id":"m-000000000001","from":"visitor","at":"2026-03-01T09:00:00.000Z","text":"Hello, I would like to return the shoes from order 100017, they are a size too small."}`)
	for _, n := range []int{1, 64} {
		b.Run(fmt.Sprint("per_commit=", n), func(b *testing.B) {
			s := openBench(b, b.TempDir())
			batch := s.NewBatch()
			defer batch.Close()
			ids := make([]string, 512) // the chats that are going on
			for i := range ids {
				ids[i] = benchID(i)
			}
			b.SetBytes(int64(n * len(msg)))
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			seq := uint64(0)
			for i := range b.N {
				for range n {
					seq++
					batch.AppendMessage("default", ids[(i*n+int(seq))%len(ids)], seq, msg)
				}
				if err := s.Commit(batch); err != nil {
					b.Fatal(err)
				}
			}
			elapsed := time.Since(start)
			b.ReportMetric(float64(b.N*n)/elapsed.Seconds(), "msgs/s")
		})
	}
}

// BenchmarkRecoveryScan times ScanOpenSessions over 100,000 open sessions
// on a freshly opened store (cold block cache; the fixture is flushed and
// compacted, as a long-running store is), beside finished sessions that
// recovery must not decode. Layout "tail" puts the finished sessions before
// the open ones, as time does (a session finishes minutes after it starts);
// "mixed" spreads them evenly between the open ones, the worst case, where
// every data block holds open sessions. It reports bytes stored per session
// and the time to open the store.
func BenchmarkRecoveryScan(b *testing.B) {
	const open = 100_000
	type config struct {
		finished int
		mixed    bool
	}
	configs := []config{{0, false}, {100_000, false}, {100_000, true}}
	if os.Getenv("SWITCHBOARD_BENCH_LARGE") != "" {
		configs = append(configs, config{1_000_000, false}, config{1_000_000, true})
	}
	for _, c := range configs {
		layout := "tail"
		if c.mixed {
			layout = "mixed"
		}
		b.Run(fmt.Sprintf("open=%d/finished=%d/layout=%s", open, c.finished, layout), func(b *testing.B) {
			dir, perSession := recoveryFixture(b, open, c.finished, c.mixed)
			b.ReportAllocs()
			var opening time.Duration
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				t0 := time.Now()
				s, err := Open(dir, Options{})
				if err != nil {
					b.Fatal(err)
				}
				opening += time.Since(t0)
				b.StartTimer()
				n := 0
				err = s.ScanOpenSessions("default", func(id string, val []byte) error {
					n++
					return nil
				})
				b.StopTimer()
				if err != nil || n != open {
					b.Fatalf("scan: %d sessions, %v", n, err)
				}
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(open)*float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
			b.ReportMetric(perSession.table, "table-B/session")
			b.ReportMetric(perSession.disk, "disk-B/session")
			b.ReportMetric(float64(opening.Microseconds())/1000/float64(b.N), "open-ms")
		})
	}
}

var fixtures = struct {
	sync.Mutex
	root string
	dirs map[string]sizes
}{dirs: map[string]sizes{}}

// sizes is what a fixture stores per session: in tables, and in its whole
// directory (which adds the write-ahead logs Pebble keeps for recycling, a
// fixed amount of at most MemTableStopWritesThreshold+1 logs).
type sizes struct {
	table, disk float64
}

// recoveryFixture writes (once per process) a store with open and finished
// sessions, finished first or mixed in id order, flushed and compacted, and
// returns its directory and what it stores per session.
func recoveryFixture(b *testing.B, open, finished int, mixed bool) (string, sizes) {
	fixtures.Lock()
	defer fixtures.Unlock()
	if fixtures.root == "" {
		root, err := os.MkdirTemp("", "persist-bench-")
		if err != nil {
			b.Fatal(err)
		}
		fixtures.root = root
	}
	dir := filepath.Join(fixtures.root, fmt.Sprintf("o%d-f%d-m%v", open, finished, mixed))
	if per, ok := fixtures.dirs[dir]; ok {
		return dir, per
	}
	t0 := time.Now()
	s, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	batch := s.NewBatch()
	total := open + finished
	every := total / open // mixed: one open session in every `every`
	for i := range total {
		isOpen := i >= finished
		if mixed {
			isOpen = i%every == 0
		}
		batch.PutSession("default", benchID(i), sessionValue(i), isOpen)
		if batch.Len() >= 2000 {
			if err := s.Commit(batch); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := s.Commit(batch); err != nil {
		b.Fatal(err)
	}
	batch.Close()
	// Settle the tables as a long-running store has them: flushed and
	// compacted into the bottom level.
	if err := s.db.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := s.db.Compact(context.Background(), []byte{0}, []byte{0xFF}, true); err != nil {
		b.Fatal(err)
	}
	usage, err := s.DiskUsage()
	if err != nil {
		b.Fatal(err)
	}
	tables := s.db.Metrics().Table.Local.LiveSize
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	per := sizes{table: float64(tables) / float64(total), disk: float64(usage) / float64(total)}
	fixtures.dirs[dir] = per
	b.Logf("fixture: %d sessions (value %d bytes) written in %v: tables %d bytes, directory %d bytes",
		total, len(sessionValue(0)), time.Since(t0).Round(time.Millisecond), tables, usage)
	return dir, per
}

// removeFixtures deletes the recovery fixtures; TestMain calls it.
func removeFixtures() {
	fixtures.Lock()
	defer fixtures.Unlock()
	if fixtures.root != "" {
		os.RemoveAll(fixtures.root)
	}
}

// BenchmarkGetSession reads a finished session through the cache and, with
// the cache off, from Pebble.
func BenchmarkGetSession(b *testing.B) {
	for _, c := range []struct {
		name string
		size int
	}{{"cached", 0}, {"uncached", -1}} {
		b.Run(c.name, func(b *testing.B) {
			s, err := Open(b.TempDir(), Options{SessionCacheSize: c.size})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			batch := s.NewBatch()
			for i := range 1000 {
				batch.PutSession("default", benchID(i), sessionValue(i), false)
			}
			if err := s.Commit(batch); err != nil {
				b.Fatal(err)
			}
			batch.Close()
			ids := make([]string, 1000)
			for i := range ids {
				ids[i] = benchID(i)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := s.GetSession("default", ids[i%len(ids)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// openBench opens a store in dir for a benchmark and closes it at the end.
func openBench(b *testing.B, dir string) *Store {
	b.Helper()
	s, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := s.Close(); err != nil {
			b.Error(err)
		}
	})
	return s
}
