package persist

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"go.uber.org/zap/zaptest"
)

// walOp is an errorfs predicate: an operation of one of kinds on a
// write-ahead log file.
type walOp []errorfs.OpKind

func (p walOp) String() string { return fmt.Sprintf("(WAL %v)", []errorfs.OpKind(p)) }

func (p walOp) Evaluate(op errorfs.Op) bool {
	if filepath.Ext(op.Path) != ".log" {
		return false
	}
	for _, k := range p {
		if op.Kind == k {
			return true
		}
	}
	return false
}

// TestCommitFault injects a write error, then a sync error, into the
// write-ahead log during a commit: Commit fails, the store refuses all
// further use (so nothing of the failed batch can be read), and after a
// crash the reopened store holds every earlier commit and nothing of the
// failed one.
func TestCommitFault(t *testing.T) {
	for name, kind := range map[string]errorfs.OpKind{
		"write": errorfs.OpFileWrite,
		"sync":  errorfs.OpFileSyncData,
	} {
		t.Run(name, func(t *testing.T) {
			mem := vfs.NewCrashableMem()
			toggle := &errorfs.Toggle{Injector: errorfs.ErrInjected.If(walOp{kind})}
			s, err := Open("db", Options{FS: errorfs.Wrap(mem, toggle), Logger: zaptest.NewLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			commit(t, s, func(b *Batch) {
				b.PutSession("ws", "s1", []byte("acked"), true)
				b.AppendMessage("ws", "s1", 1, []byte("m1"))
			})

			toggle.On()
			b := s.NewBatch()
			defer b.Close()
			b.PutSession("ws", "s1", []byte("failed"), false)
			b.PutSession("ws", "s2", []byte("failed"), true)
			b.AppendMessage("ws", "s1", 2, []byte("m2"))
			err = s.Commit(b)
			if !errors.Is(err, ErrFailed) || !isInjected(err) {
				t.Fatalf("Commit with a %s fault: %v, want ErrFailed wrapping ErrInjected", name, err)
			}
			crashed := mem.CrashClone(vfs.CrashCloneCfg{}) // as if the machine died now

			// Nothing of the failed batch is visible: the store refuses.
			if _, err := s.GetSession("ws", "s2"); !errors.Is(err, ErrFailed) {
				t.Fatalf("read after failed commit: %v, want ErrFailed", err)
			}
			if err := s.ScanOpenSessions("ws", func(string, []byte) error { return nil }); !errors.Is(err, ErrFailed) {
				t.Fatalf("scan after failed commit: %v, want ErrFailed", err)
			}
			b.PutQueue("ws", "q", nil)
			if err := s.Commit(b); !errors.Is(err, ErrFailed) {
				t.Fatalf("commit after failed commit: %v, want ErrFailed", err)
			}
			toggle.Off()
			if err := s.Close(); err != nil {
				t.Fatalf("Close after failure: %v", err)
			}

			r := openOn(t, crashed, "db")
			got, err := r.GetSession("ws", "s1")
			wantValue(t, "acked session after crash", got, err, "acked")
			_, err = r.GetSession("ws", "s2")
			wantNotFound(t, "session of the failed batch", err)
			if last, err := r.LastMessageSeq("ws", "s1"); last != 1 || err != nil {
				t.Fatalf("last message after crash = %d, %v; want 1", last, err)
			}
			var open collect
			if err := r.ScanOpenSessions("ws", open.fn); err != nil || len(open.ids) != 1 || open.vals[0] != "acked" {
				t.Fatalf("open sessions after crash = %q %q, %v", open.ids, open.vals, err)
			}
		})
	}
}

// TestCommitFaultSweep fails the n-th write or sync of the write-ahead log,
// for every n a workload reaches, and checks the durability contract each
// time: every commit that returned nil survives a crash; the failing commit
// and all later calls return ErrFailed; nothing of the failing batch
// survives a crash that loses unsynced data.
func TestCommitFaultSweep(t *testing.T) {
	const commits = 12
	for n := int32(0); ; n++ {
		mem := vfs.NewCrashableMem()
		var armed atomic.Bool
		var left atomic.Int32
		left.Store(n)
		pred := walOp{errorfs.OpFileWrite, errorfs.OpFileSync, errorfs.OpFileSyncData}
		inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
			if armed.Load() && pred.Evaluate(op) && left.Add(-1) == -1 {
				return errorfs.ErrInjected
			}
			return nil
		})
		s, err := Open("db", Options{FS: errorfs.Wrap(mem, inj)})
		if err != nil {
			t.Fatal(err)
		}
		armed.Store(true)
		b := s.NewBatch()
		acked, failedAt := 0, -1
		var crashed *vfs.MemFS
		for i := range commits {
			b.PutSession("ws", sessionID(i), []byte("v"), true)
			b.AppendMessage("ws", sessionID(i), 1, []byte("m"))
			err := s.Commit(b)
			if err == nil {
				if failedAt >= 0 {
					t.Fatalf("n=%d: commit %d succeeded after commit %d failed", n, i, failedAt)
				}
				acked++
				continue
			}
			if !errors.Is(err, ErrFailed) {
				t.Fatalf("n=%d: commit %d: %v, want ErrFailed", n, i, err)
			}
			if failedAt < 0 {
				failedAt = i
				crashed = mem.CrashClone(vfs.CrashCloneCfg{})
			}
		}
		armed.Store(false)
		b.Close()
		if err := s.Close(); err != nil {
			t.Fatalf("n=%d: Close: %v", n, err)
		}
		if failedAt < 0 {
			if n == 0 {
				t.Fatal("the workload never writes the WAL")
			}
			t.Logf("swept %d fault positions", n)
			return
		}
		if failedAt != acked {
			t.Fatalf("n=%d: %d acked but commit %d failed first", n, acked, failedAt)
		}
		r, err := Open("db", Options{FS: crashed})
		if err != nil {
			t.Fatalf("n=%d: reopen after crash: %v", n, err)
		}
		var open collect
		err = r.ScanOpenSessions("ws", open.fn)
		r.Close()
		if err != nil || len(open.ids) != acked {
			t.Fatalf("n=%d: after crash %d open sessions (%v), want the %d acked", n, len(open.ids), err, acked)
		}
	}
}

// TestOpenFault checks that a disk that fails at Open gives an error, not a
// panic or a half-open store.
func TestOpenFault(t *testing.T) {
	fs := errorfs.Wrap(vfs.NewMem(), errorfs.ErrInjected.If(errorfs.Writes))
	s, err := Open("db", Options{FS: fs, Logger: zaptest.NewLogger(t)})
	if err == nil {
		s.Close()
		t.Fatal("Open on a failing disk succeeded")
	}
	if !isInjected(err) {
		t.Fatalf("Open: %v, want ErrInjected", err)
	}
}

// isInjected reports whether err carries errorfs.ErrInjected. errors.Is does
// not match it once an injector has set its predicate (ErrInjected.If), so
// compare the label.
func isInjected(err error) bool {
	var le errorfs.LabelledError
	return errors.As(err, &le) && le.Label == errorfs.ErrInjected.Label
}

// TestCommitFaultConcurrent fails the WAL while several hub loops commit in a
// loop: no commit hangs, each returns nil or ErrFailed, and every loop sees
// the failure.
func TestCommitFaultConcurrent(t *testing.T) {
	mem := vfs.NewCrashableMem()
	toggle := &errorfs.Toggle{Injector: errorfs.ErrInjected.If(walOp{errorfs.OpFileSyncData})}
	s, err := Open("db", Options{FS: errorfs.Wrap(mem, toggle)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const loops, maxCommits = 8, 100000 // the failure comes long before
	var started, wg sync.WaitGroup
	var sawFailure atomic.Int32
	started.Add(loops)
	for l := range loops {
		wg.Go(func() {
			b := s.NewBatch()
			defer b.Close()
			started.Done()
			for i := range maxCommits {
				b.PutSession(fmt.Sprint("ws", l), sessionID(i), []byte("v"), true)
				if err := s.Commit(b); err != nil {
					if !errors.Is(err, ErrFailed) {
						t.Errorf("commit: %v, want nil or ErrFailed", err)
					}
					sawFailure.Add(1)
					return
				}
			}
		})
	}
	started.Wait()
	toggle.On()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("commits hang after a WAL failure")
	}
	if n := sawFailure.Load(); n != loops {
		t.Fatalf("%d loops saw the failure, want all %d", n, loops)
	}
}
