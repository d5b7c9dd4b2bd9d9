package persist

import (
	"fmt"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

func TestSessionCache(t *testing.T) {
	s := openMem(t)
	commit(t, s, func(b *Batch) { b.PutSession("ws", "s1", []byte("v1"), false) })
	got, err := s.GetSession("ws", "s1")
	wantValue(t, "first read", got, err, "v1")
	if s.cache.len() != 1 {
		t.Fatalf("cache holds %d records after a read, want 1", s.cache.len())
	}
	got[0] = 'X' // the caller's copy, not the cache's
	got, err = s.GetSession("ws", "s1")
	wantValue(t, "cached read", got, err, "v1")

	commit(t, s, func(b *Batch) { b.PutSession("ws", "s1", []byte("v2"), false) })
	if s.cache.len() != 0 {
		t.Fatal("commit of a session left it in the cache")
	}
	got, err = s.GetSession("ws", "s1")
	wantValue(t, "read after commit", got, err, "v2")
}

func TestSessionCacheDisabled(t *testing.T) {
	s, err := Open("db", Options{FS: vfs.NewMem(), SessionCacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.cache != nil {
		t.Fatal("cache enabled with SessionCacheSize -1")
	}
	commit(t, s, func(b *Batch) { b.PutSession("ws", "s1", []byte("v1"), false) })
	got, err := s.GetSession("ws", "s1")
	wantValue(t, "GetSession", got, err, "v1")
}

// TestSessionCacheCoherent races readers against a writer that rewrites the
// same sessions, then checks that every session reads back as last written:
// no stale value survives in the cache.
func TestSessionCacheCoherent(t *testing.T) {
	s, err := Open("db", Options{FS: vfs.NewMem(), SessionCacheSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const sessions, rounds = 4, 200
	var wg sync.WaitGroup
	wg.Go(func() {
		b := s.NewBatch()
		defer b.Close()
		for r := range rounds {
			for i := range sessions {
				b.PutSession("ws", sessionID(i), []byte(fmt.Sprint(r)), false)
			}
			if err := s.Commit(b); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for range 3 {
		wg.Go(func() {
			for r := range rounds * 2 {
				_, _ = s.GetSession("ws", sessionID(r%sessions))
			}
		})
	}
	wg.Wait()
	for i := range sessions {
		got, err := s.GetSession("ws", sessionID(i))
		wantValue(t, "final read", got, err, fmt.Sprint(rounds-1))
	}
}
