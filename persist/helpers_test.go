package persist

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"go.uber.org/zap/zaptest"
)

// openMem opens a store on a fresh in-memory file system and closes it when
// the test ends.
func openMem(t testing.TB) *Store {
	t.Helper()
	return openOn(t, vfs.NewMem(), "db")
}

// openOn opens the store in dir on fs and closes it when the test ends.
func openOn(t testing.TB, fs vfs.FS, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{FS: fs, Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// commit fills one batch with fill and commits it.
func commit(t testing.TB, s *Store, fill func(b *Batch)) {
	t.Helper()
	b := s.NewBatch()
	defer b.Close()
	fill(b)
	if err := s.Commit(b); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

// wantValue checks that get returns want.
func wantValue(t testing.TB, what string, got []byte, err error, want string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !bytes.Equal(got, []byte(want)) {
		t.Fatalf("%s = %q, want %q", what, got, want)
	}
}

// wantNotFound checks that err is ErrNotFound.
func wantNotFound(t testing.TB, what string, err error) {
	t.Helper()
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("%s: err = %v, want ErrNotFound", what, err)
	}
}

// collect gathers a scan's ids and values.
type collect struct {
	ids  []string
	vals []string
}

func (c *collect) fn(id string, val []byte) error {
	c.ids = append(c.ids, id)
	c.vals = append(c.vals, string(val))
	return nil
}
