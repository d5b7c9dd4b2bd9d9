package main

import (
	"bytes"
	"runtime/trace"
	"strings"
	"sync"
	"testing"
	"time"
)

// sleeper blocks on tick n times: the test's known waits.
//
//go:noinline
func sleeper(tick <-chan struct{}, n int, done func()) {
	defer done()
	for range n {
		<-tick
	}
}

// TestAnalyzeFindsKnownWaits traces a goroutine that blocks on a channel
// four times for 20 ms each, and checks that the analysis gives it its
// role, counts those waits at the right site, and times them.
func TestAnalyzeFindsKnownWaits(t *testing.T) {
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Fatal(err)
	}
	const n, d = 4, 20 * time.Millisecond
	tick := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go sleeper(tick, n, wg.Done)
	for range n {
		time.Sleep(d)
		tick <- struct{}{}
	}
	wg.Wait()
	trace.Stop()

	roles := []role{{"sleeper", "tracewait.sleeper"}}
	rep, err := analyze(&buf, roles)
	if err != nil {
		t.Fatal(err)
	}
	sites := rep.Blocked["sleeper"]
	var got waits
	for site, w := range sites {
		if strings.Contains(site, "tracewait.sleeper") && strings.HasPrefix(site, "Waiting") {
			got = append(got, w...)
		}
	}
	s := got.stat()
	// The first wait may begin before the goroutine's first stack named
	// its role, so it may be missed; the others may not.
	if s.N < n-1 || s.N > n {
		t.Fatalf("%d waits on the channel, want %d (sites %v)", s.N, n, sites)
	}
	// Each wait is the main goroutine's sleep (at least d) plus its wake.
	if s.P50 < d || s.Max > 50*d {
		t.Fatalf("waits p50 %v max %v, want about %v", s.P50, s.Max, d)
	}
	if rep.Span < time.Duration(n-1)*d {
		t.Fatalf("span %v, want at least %v", rep.Span, time.Duration(n-1)*d)
	}
	if len(rep.Runnable["sleeper"]) < n-1 {
		t.Fatalf("%d runnable waits, want at least %d", len(rep.Runnable["sleeper"]), n-1)
	}

	var out bytes.Buffer
	rep.write(&out, roles, 3)
	if !strings.Contains(out.String(), "tracewait.sleeper") || !strings.Contains(out.String(), "runnable, waiting for a CPU") {
		t.Fatalf("report:\n%s", out.String())
	}
}

// TestRoleFlag: -role takes NAME=FRAME and refuses anything else.
func TestRoleFlag(t *testing.T) {
	var r roleFlags
	if err := r.Set("hub=hub.(*Hub).loop"); err != nil || len(r) != 1 || r[0] != (role{"hub", "hub.(*Hub).loop"}) {
		t.Fatalf("%v %v", r, err)
	}
	for _, bad := range []string{"", "hub", "=x", "hub="} {
		if err := r.Set(bad); err == nil {
			t.Errorf("-role %q accepted", bad)
		}
	}
}

// TestAnalyzeRefusesWhatIsNotATrace: a file that is not a trace is an
// error, not an empty report.
func TestAnalyzeRefusesWhatIsNotATrace(t *testing.T) {
	if _, err := analyze(strings.NewReader("not a trace"), defaultRoles); err == nil {
		t.Fatal("no error")
	}
	if _, err := analyze(bytes.NewReader(nil), defaultRoles); err == nil {
		t.Fatal("no error for an empty file")
	}
}
