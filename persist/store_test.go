package persist

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"go.uber.org/zap/zaptest"
)

// TestRoundTrip writes one of every entity and reads each back, then
// deletes what can be deleted.
func TestRoundTrip(t *testing.T) {
	s := openMem(t)
	due := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	commit(t, s, func(b *Batch) {
		b.PutMeta("admin_key", []byte("hash"))
		b.PutWorkspace("acme", []byte(`{"name":"Acme"}`))
		b.PutCheckpoint("acme", []byte(`{"seq":7}`))
		b.PutQueue("acme", "support", []byte(`{"name":"Support"}`))
		b.PutAgent("acme", "ana", []byte(`{"name":"Ana"}`))
		b.PutToken("acme", []byte{0x00, 0xAB, 0x00}, "ana")
		b.PutSession("acme", "s1", []byte(`{"id":"s1"}`), true)
		b.AppendMessage("acme", "s1", 1, []byte("hello"))
		b.IndexContact("acme", "mail:a@b.c", "s1")
		b.PutExport("acme", due, "s1", []byte(`{"meta":1}`))
	})

	got, err := s.GetMeta("admin_key")
	wantValue(t, "GetMeta", got, err, "hash")
	got, err = s.GetWorkspace("acme")
	wantValue(t, "GetWorkspace", got, err, `{"name":"Acme"}`)
	got, err = s.GetCheckpoint("acme")
	wantValue(t, "GetCheckpoint", got, err, `{"seq":7}`)
	got, err = s.GetQueue("acme", "support")
	wantValue(t, "GetQueue", got, err, `{"name":"Support"}`)
	got, err = s.GetAgent("acme", "ana")
	wantValue(t, "GetAgent", got, err, `{"name":"Ana"}`)
	got, err = s.GetSession("acme", "s1")
	wantValue(t, "GetSession", got, err, `{"id":"s1"}`)
	ws, agent, err := s.AgentByToken([]byte{0x00, 0xAB, 0x00})
	if err != nil || ws != "acme" || agent != "ana" {
		t.Fatalf("AgentByToken = %q, %q, %v", ws, agent, err)
	}
	msgs, err := s.Messages("acme", "s1", 0, 0)
	if err != nil || len(msgs) != 1 || msgs[0].Seq != 1 || string(msgs[0].Value) != "hello" {
		t.Fatalf("Messages = %+v, %v", msgs, err)
	}
	ids, err := s.RecentByContact("acme", "mail:a@b.c", 10)
	if err != nil || !slices.Equal(ids, []string{"s1"}) {
		t.Fatalf("RecentByContact = %q, %v", ids, err)
	}
	var exports []string
	err = s.ScanExports("acme", func(d time.Time, id string, val []byte) error {
		if !d.Equal(due) {
			t.Errorf("due = %v, want %v", d, due)
		}
		exports = append(exports, id+"="+string(val))
		return nil
	})
	if err != nil || !slices.Equal(exports, []string{`s1={"meta":1}`}) {
		t.Fatalf("ScanExports = %q, %v", exports, err)
	}

	commit(t, s, func(b *Batch) {
		b.DeleteQueue("acme", "support")
		b.DeleteAgent("acme", "ana")
		b.DeleteToken([]byte{0x00, 0xAB, 0x00})
		b.UnindexContact("acme", "mail:a@b.c", "s1")
		b.DeleteExport("acme", due, "s1")
	})
	_, err = s.GetQueue("acme", "support")
	wantNotFound(t, "GetQueue after delete", err)
	_, err = s.GetAgent("acme", "ana")
	wantNotFound(t, "GetAgent after delete", err)
	_, _, err = s.AgentByToken([]byte{0x00, 0xAB, 0x00})
	wantNotFound(t, "AgentByToken after delete", err)
	if ids, err := s.RecentByContact("acme", "mail:a@b.c", 10); err != nil || len(ids) != 0 {
		t.Fatalf("RecentByContact after unindex = %q, %v", ids, err)
	}
	n := 0
	if err := s.ScanExports("acme", func(time.Time, string, []byte) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("ScanExports after delete: %d exports, %v", n, err)
	}
}

func TestNotFound(t *testing.T) {
	s := openMem(t)
	for what, get := range map[string]func() ([]byte, error){
		"GetMeta":       func() ([]byte, error) { return s.GetMeta("x") },
		"GetWorkspace":  func() ([]byte, error) { return s.GetWorkspace("x") },
		"GetCheckpoint": func() ([]byte, error) { return s.GetCheckpoint("x") },
		"GetQueue":      func() ([]byte, error) { return s.GetQueue("x", "y") },
		"GetAgent":      func() ([]byte, error) { return s.GetAgent("x", "y") },
		"GetSession":    func() ([]byte, error) { return s.GetSession("x", "y") },
	} {
		_, err := get()
		wantNotFound(t, what, err)
	}
	_, _, err := s.AgentByToken([]byte("nope"))
	wantNotFound(t, "AgentByToken", err)
	if seq, err := s.LastMessageSeq("x", "y"); seq != 0 || err != nil {
		t.Fatalf("LastMessageSeq of no messages = %d, %v", seq, err)
	}
}

// TestValuesAreCopies checks that a value read back does not alias the
// caller's buffer or Pebble's, and that batch methods copy their arguments.
func TestValuesAreCopies(t *testing.T) {
	s := openMem(t)
	buf := []byte("first")
	commit(t, s, func(b *Batch) {
		b.PutQueue("ws", "q", buf)
		copy(buf, "XXXXX") // the batch holds its own copy
	})
	got, err := s.GetQueue("ws", "q")
	wantValue(t, "GetQueue", got, err, "first")
	got[0] = 'Y'
	again, err := s.GetQueue("ws", "q")
	wantValue(t, "GetQueue again", again, err, "first")
}

func TestEmptyValue(t *testing.T) {
	s := openMem(t)
	commit(t, s, func(b *Batch) { b.PutMeta("empty", nil) })
	got, err := s.GetMeta("empty")
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("GetMeta(empty) = %q (nil %v), %v; want empty, not nil", got, got == nil, err)
	}
}

// TestReopenOnDisk writes every kind of record to a real directory, closes
// the store, opens it again and finds everything.
func TestReopenOnDisk(t *testing.T) {
	dir := t.TempDir()
	due := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, err := Open(dir, Options{Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	commit(t, s, func(b *Batch) {
		b.PutMeta("admin_key", []byte("hash"))
		b.PutWorkspace("acme", []byte("ws"))
		b.PutCheckpoint("acme", []byte("ck"))
		b.PutQueue("acme", "q1", []byte("queue"))
		b.PutAgent("acme", "a1", []byte("agent"))
		b.PutToken("acme", []byte("tok"), "a1")
		b.PutExport("acme", due, "s0", []byte("export"))
	})
	for i := range 50 {
		id := sessionID(i)
		commit(t, s, func(b *Batch) {
			b.PutSession("acme", id, []byte("v-"+id), i%2 == 0)
			b.AppendMessage("acme", id, 1, []byte("m1"))
			b.AppendMessage("acme", id, 2, []byte("m2"))
			b.IndexContact("acme", "c", id)
		})
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openOn(t, vfs.Default, dir)
	for what, c := range map[string]struct {
		get  func() ([]byte, error)
		want string
	}{
		"meta":       {func() ([]byte, error) { return s.GetMeta("admin_key") }, "hash"},
		"workspace":  {func() ([]byte, error) { return s.GetWorkspace("acme") }, "ws"},
		"checkpoint": {func() ([]byte, error) { return s.GetCheckpoint("acme") }, "ck"},
		"queue":      {func() ([]byte, error) { return s.GetQueue("acme", "q1") }, "queue"},
		"agent":      {func() ([]byte, error) { return s.GetAgent("acme", "a1") }, "agent"},
		"session":    {func() ([]byte, error) { return s.GetSession("acme", sessionID(49)) }, "v-" + sessionID(49)},
	} {
		got, err := c.get()
		wantValue(t, what, got, err, c.want)
	}
	if ws, a, err := s.AgentByToken([]byte("tok")); err != nil || ws != "acme" || a != "a1" {
		t.Fatalf("AgentByToken = %q %q %v", ws, a, err)
	}
	var open collect
	if err := s.ScanOpenSessions("acme", open.fn); err != nil {
		t.Fatal(err)
	}
	if len(open.ids) != 25 || open.ids[0] != sessionID(0) || open.ids[24] != sessionID(48) {
		t.Fatalf("open sessions after reopen: %d, %q…", len(open.ids), open.ids[:min(3, len(open.ids))])
	}
	if seq, err := s.LastMessageSeq("acme", sessionID(7)); seq != 2 || err != nil {
		t.Fatalf("LastMessageSeq = %d, %v", seq, err)
	}
	if ids, err := s.RecentByContact("acme", "c", 3); err != nil || !slices.Equal(ids, []string{sessionID(49), sessionID(48), sessionID(47)}) {
		t.Fatalf("RecentByContact = %q, %v", ids, err)
	}
	n := 0
	if err := s.ScanExports("acme", func(time.Time, string, []byte) error { n++; return nil }); err != nil || n != 1 {
		t.Fatalf("exports after reopen: %d, %v", n, err)
	}
}

// sessionID makes ids that sort by i, as the hub's do by creation time.
func sessionID(i int) string {
	return "s" + string(binary.BigEndian.AppendUint32(nil, uint32(i)))
}

// TestClosed checks that every kind of call after Close returns ErrClosed.
func TestClosed(t *testing.T) {
	s, err := Open("db", Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	b := s.NewBatch()
	b.PutQueue("ws", "q", []byte("v"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	nop := func(string, []byte) error { return nil }
	calls := map[string]func() error{
		"Close":  s.Close,
		"Commit": func() error { return s.Commit(b) },
		"GetQueue": func() error {
			_, err := s.GetQueue("ws", "q")
			return err
		},
		"GetSession": func() error {
			_, err := s.GetSession("ws", "s")
			return err
		},
		"AgentByToken": func() error {
			_, _, err := s.AgentByToken([]byte("t"))
			return err
		},
		"Messages": func() error {
			_, err := s.Messages("ws", "s", 0, 0)
			return err
		},
		"LastMessageSeq": func() error {
			_, err := s.LastMessageSeq("ws", "s")
			return err
		},
		"RecentByContact": func() error {
			_, err := s.RecentByContact("ws", "c", 1)
			return err
		},
		"ScanWorkspaces":   func() error { return s.ScanWorkspaces(nop) },
		"ScanQueues":       func() error { return s.ScanQueues("ws", nop) },
		"ScanOpenSessions": func() error { return s.ScanOpenSessions("ws", nop) },
		"ScanSessions": func() error {
			_, err := s.ScanSessions("ws", Page{}, nop)
			return err
		},
		"ScanAllExports": func() error {
			return s.ScanAllExports(func(string, time.Time, string, []byte) error { return nil })
		},
		"DiskUsage": func() error {
			_, err := s.DiskUsage()
			return err
		},
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
}

// TestCloseWaitsForScan checks that Close waits for a scan in flight, and
// that a read started inside the scan's callback after Close began gets
// ErrClosed instead of deadlocking.
func TestCloseWaitsForScan(t *testing.T) {
	s, err := Open("db", Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	commit(t, s, func(b *Batch) { b.PutQueue("ws", "q", []byte("v")) })
	inScan, closed := make(chan struct{}), make(chan error)
	var nested error
	go func() {
		<-inScan
		closed <- s.Close()
	}()
	err = s.ScanQueues("ws", func(string, []byte) error {
		close(inScan)
		// Wait until Close has begun: it marks the store closed at once.
		for !isClosing(s) {
			time.Sleep(time.Millisecond)
		}
		_, nested = s.GetQueue("ws", "q")
		return nil
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if !errors.Is(nested, ErrClosed) {
		t.Fatalf("read during Close: %v, want ErrClosed", nested)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func isClosing(s *Store) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func TestSchemaVersionChecked(t *testing.T) {
	fs := vfs.NewMem()
	db, err := pebble.Open("db", &pebble.Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Set(keySchema, binary.BigEndian.AppendUint32(nil, SchemaVersion+1), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err := Open("db", Options{FS: fs}); err == nil {
		s.Close()
		t.Fatal("Open of a store of another schema version succeeded")
	}
}

func TestOptionsValidated(t *testing.T) {
	for _, o := range []Options{
		{FS: vfs.NewMem(), CacheSize: -1},
		{FS: vfs.NewMem(), MemTableSize: 8 << 30},
	} {
		if s, err := Open("db", o); err == nil {
			s.Close()
			t.Errorf("Open(%+v) succeeded", o)
		}
	}
}

func TestDiskUsage(t *testing.T) {
	s := openMem(t)
	before, err := s.DiskUsage()
	if err != nil {
		t.Fatal(err)
	}
	commit(t, s, func(b *Batch) { b.PutQueue("ws", "q", make([]byte, 64<<10)) })
	after, err := s.DiskUsage()
	if err != nil || after < before+64<<10 {
		t.Fatalf("DiskUsage %d -> %d, %v; want it to grow by the 64 KiB written", before, after, err)
	}
}
