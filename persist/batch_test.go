package persist

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

func TestBatchLenResetReuse(t *testing.T) {
	s := openMem(t)
	b := s.NewBatch()
	defer b.Close()
	if b.Len() != 0 {
		t.Fatalf("new batch Len = %d", b.Len())
	}
	if err := s.Commit(b); err != nil {
		t.Fatalf("empty commit: %v", err)
	}
	b.PutQueue("ws", "q", []byte("v"))
	b.PutSession("ws", "s", []byte("v"), true) // a record and its index entry
	if b.Len() != 3 || b.Size() == 0 {
		t.Fatalf("Len = %d, Size = %d; want 3 writes", b.Len(), b.Size())
	}
	b.Reset()
	if b.Len() != 0 {
		t.Fatalf("Len after Reset = %d", b.Len())
	}
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	_, err := s.GetQueue("ws", "q")
	wantNotFound(t, "queue of a reset batch", err)

	// Commit leaves the batch empty and ready for the next cycle.
	for i := range 3 {
		b.PutQueue("ws", fmt.Sprint("q", i), []byte("v"))
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
		if b.Len() != 0 {
			t.Fatalf("Len after commit = %d", b.Len())
		}
	}
	var q collect
	if err := s.ScanQueues("ws", q.fn); err != nil || len(q.ids) != 3 {
		t.Fatalf("queues %q, %v", q.ids, err)
	}
}

func TestCommitForeignBatch(t *testing.T) {
	s1, s2 := openMem(t), openMem(t)
	b := s1.NewBatch()
	defer b.Close()
	b.PutQueue("ws", "q", nil)
	if err := s2.Commit(b); err == nil {
		t.Fatal("commit of another store's batch succeeded")
	}
}

// TestBatchAtomic checks that a batch is applied whole: a reader racing with
// commits of two keys always sees both or neither at the same version.
func TestBatchAtomic(t *testing.T) {
	s := openMem(t)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		b := s.NewBatch()
		defer b.Close()
		defer close(done)
		for i := range 300 {
			v := []byte(fmt.Sprint(i))
			b.PutQueue("ws", "a", v)
			b.PutQueue("ws", "b", v)
			if err := s.Commit(b); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for {
		select {
		case <-done:
			wg.Wait()
			return
		default:
		}
		var q collect
		if err := s.ScanQueues("ws", q.fn); err != nil {
			t.Fatal(err)
		}
		if len(q.ids) == 1 || (len(q.ids) == 2 && q.vals[0] != q.vals[1]) {
			t.Fatalf("torn batch: %q %q", q.ids, q.vals)
		}
	}
}

// TestConcurrentUse runs several hub-like writers, each with its own
// workspace and batch, against readers, under -race.
func TestConcurrentUse(t *testing.T) {
	s := openMem(t)
	const writers, cycles = 4, 50
	var wg sync.WaitGroup
	for w := range writers {
		ws := fmt.Sprint("ws", w)
		wg.Go(func() {
			b := s.NewBatch()
			defer b.Close()
			for c := range cycles {
				id := sessionID(c)
				b.PutSession(ws, id, []byte(id), c%2 == 0)
				b.AppendMessage(ws, id, 1, []byte("hi"))
				b.IndexContact(ws, "c", id)
				b.PutCheckpoint(ws, []byte(id))
				if err := s.Commit(b); err != nil {
					t.Error(err)
					return
				}
			}
		})
		wg.Go(func() {
			for c := range cycles {
				if _, err := s.GetSession(ws, sessionID(c)); err != nil && !errors.Is(err, ErrNotFound) {
					t.Error(err)
				}
				if _, err := s.RecentByContact(ws, "c", 3); err != nil {
					t.Error(err)
				}
				if err := s.ScanOpenSessions(ws, func(string, []byte) error { return nil }); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for w := range writers {
		ws := fmt.Sprint("ws", w)
		var open collect
		if err := s.ScanOpenSessions(ws, open.fn); err != nil || len(open.ids) != cycles/2 {
			t.Fatalf("%s: %d open sessions, %v", ws, len(open.ids), err)
		}
	}
}

// TestNewBatchAfterClose checks that a batch made after Close is harmless:
// its commit returns ErrClosed.
func TestNewBatchAfterClose(t *testing.T) {
	s, err := Open("db", Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b := s.NewBatch()
	b.PutQueue("ws", "q", nil)
	if err := s.Commit(b); !errors.Is(err, ErrClosed) {
		t.Fatalf("Commit after Close: %v", err)
	}
	b.Close()
}

// TestBatchAllocs pins the hot path: filling a reused batch allocates
// nothing (keys are built in the batch's scratch buffer, values copied into
// Pebble's batch buffer).
func TestBatchAllocs(t *testing.T) {
	s := openMem(t)
	b := s.NewBatch()
	defer b.Close()
	val := make([]byte, 1024)
	due := time.Unix(1_700_000_000, 0)
	fill := func() {
		for i := range 16 {
			id := sessionIDs[i]
			b.PutSession("default", id, val, i%2 == 0)
			b.AppendMessage("default", id, uint64(i+1), val[:200])
			b.IndexContact("default", "mail:ana@example.com", id)
		}
		b.PutCheckpoint("default", val[:64])
		b.PutExport("default", due, sessionIDs[0], val[:512])
		b.PutToken("default", val[:32], "ana")
		b.Reset()
	}
	fill() // grow the buffers once
	if n := testing.AllocsPerRun(100, fill); n != 0 {
		t.Fatalf("filling a reused batch allocates %.1f times, want 0", n)
	}
}

var sessionIDs = func() []string {
	ids := make([]string, 16)
	for i := range ids {
		ids[i] = sessionID(i)
	}
	return ids
}()
