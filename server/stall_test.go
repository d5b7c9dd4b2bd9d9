package server

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/switchboardhq/switchboard/hub"
)

// stallFS is an in-memory filesystem whose syncs hang while stuck: a disk
// that stopped answering.
type stallFS struct {
	vfs.FS
	stuck   atomic.Bool
	mu      sync.Mutex
	gate    chan struct{}
	entered chan struct{}
}

type stallFile struct {
	vfs.File
	fs *stallFS
}

func (fs *stallFS) wait() {
	if !fs.stuck.Load() {
		return
	}
	select {
	case fs.entered <- struct{}{}:
	default:
	}
	fs.mu.Lock()
	g := fs.gate
	fs.mu.Unlock()
	<-g
}

// newStallFS returns an in-memory stallFS, answering until stuck.
func newStallFS() *stallFS {
	return &stallFS{FS: vfs.NewMem(), gate: make(chan struct{}), entered: make(chan struct{}, 1)}
}

// stick makes every sync hang from now on, until unstick (called once,
// at cleanup too, should the test stop early: before the server closes).
func (fs *stallFS) stick(t *testing.T) (unstick func()) {
	unstick = sync.OnceFunc(func() {
		fs.stuck.Store(false)
		fs.mu.Lock()
		close(fs.gate)
		fs.mu.Unlock()
	})
	t.Cleanup(unstick)
	fs.stuck.Store(true)
	return unstick
}

// waitHung waits until a sync hangs (a commit reached the stuck disk).
func (fs *stallFS) waitHung(t *testing.T) {
	t.Helper()
	select {
	case <-fs.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("no commit reached the disk")
	}
}

func (f stallFile) Sync() error                  { f.fs.wait(); return f.File.Sync() }
func (f stallFile) SyncData() error              { f.fs.wait(); return f.File.SyncData() }
func (f stallFile) SyncTo(n int64) (bool, error) { f.fs.wait(); return f.File.SyncTo(n) }
func (fs *stallFS) wrap(f vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return nil, err
	}
	return stallFile{File: f, fs: fs}, nil
}
func (fs *stallFS) Create(name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	return fs.wrap(fs.FS.Create(name, c))
}
func (fs *stallFS) OpenReadWrite(name string, c vfs.DiskWriteCategory, o ...vfs.OpenOption) (vfs.File, error) {
	return fs.wrap(fs.FS.OpenReadWrite(name, c, o...))
}
func (fs *stallFS) ReuseForWrite(old, name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	return fs.wrap(fs.FS.ReuseForWrite(old, name, c))
}

// TestStuckDiskRefusesWithUnavailable: when the disk stops answering, a
// visitor's and an agent's commands are refused at once with unavailable
// (none is acknowledged, nothing piles up), /readyz says 503; when the disk
// answers again the command caught in the hung commit is acknowledged and
// service resumes.
func TestStuckDiskRefusesWithUnavailable(t *testing.T) {
	fs := newStallFS()
	e := newEnvWith(t, Config{FS: fs, DataDir: "data", Hub: hub.Config{StallTimeout: 50 * time.Millisecond}})
	ana := e.available("ana")
	v, _ := e.visitor(nil)
	sid := str(v.ok(map[string]any{"type": "send", "text": "hello"}), "session")
	ana.ok(map[string]any{"type": "accept", "offer": offerID(ana.wait("offer", nil))})

	unstick := fs.stick(t)
	v.send(map[string]any{"type": "send", "text": "caught in the hung commit", "ref": "hung"})
	fs.waitHung(t)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if code, _ := e.api("GET", "/readyz", ""); code == 503 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("/readyz still ready while the disk hangs")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for i := 0; i < 20; i++ {
		ana.refused(map[string]any{"type": "send", "session": sid, "text": "refused"}, "unavailable")
		// The visitor's answers wait behind the hung send's: one
		// socket's commands are answered in order.
		if i < 5 { // within the visitor's rate limit
			v.send(map[string]any{"type": "send", "text": "refused", "ref": fmt.Sprint("v", i)})
		}
	}
	if code, _ := e.api("PUT", "/v1/agents/newbie", `{"name":"New","queues":["support"]}`); code != 503 {
		t.Fatalf("HTTP write during the stall: %d, want 503", code)
	}

	unstick()
	if m := v.waitAny(func(m map[string]any) bool { return m["ref"] == "hung" }, "answer to the hung send"); m["type"] != "ack" {
		t.Fatalf("the command caught in the hung commit: %v", m)
	}
	for i := 0; i < 5; i++ {
		ref := fmt.Sprint("v", i)
		if m := v.waitAny(func(m map[string]any) bool { return m["ref"] == ref }, ref); m["code"] != "unavailable" {
			t.Fatalf("visitor send during the stall: %v", m)
		}
	}
	m := ana.wait("message", func(m map[string]any) bool { return str(m, "message", "text") == "caught in the hung commit" })
	if m == nil {
		t.Fatal("no message")
	}
	ana.ok(map[string]any{"type": "send", "session": sid, "text": "back"})
	if code, _ := e.api("GET", "/readyz", ""); code != 200 {
		t.Fatalf("/readyz after the disk answered: %d", code)
	}
	// Refused messages were not stored.
	_, tr := e.api("GET", "/v1/sessions/"+sid+"/transcript", "")
	for _, msg := range tr["messages"].([]any) {
		if msg.(map[string]any)["text"] == "refused" {
			t.Fatalf("a refused message was stored: %v", tr)
		}
	}
}
