package load

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"
)

// TestHeapProfileAtPeak checks that SWITCHBOARD_BENCH_MEMPROFILE leaves a
// heap profile of the process named by its worker number, written when
// the client measured its memory at a new peak of sockets.
func TestHeapProfileAtPeak(t *testing.T) {
	prefix := t.TempDir() + "/bench"
	t.Setenv(HeapProfileEnv, prefix)
	r := &runner{cfg: Config{Worker: 3}}
	r.measureMemory(10) // under 50 sockets: not measured
	if _, err := os.Stat(prefix + ".worker3.heap.pprof"); !os.IsNotExist(err) {
		t.Fatalf("profile written for 10 sockets: %v", err)
	}
	r.measureMemory(60)
	f, err := os.Open(prefix + ".worker3.heap.pprof")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f) // a profile is a gzipped protocol buffer
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil || !bytes.Contains(b, []byte("inuse_space")) {
		t.Errorf("not a heap profile (%v): %.100q", err, b)
	}
	if r.kibPerSocket <= 0 {
		t.Errorf("kib per socket %v", r.kibPerSocket)
	}
}
