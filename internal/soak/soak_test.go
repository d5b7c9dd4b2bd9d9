// Package soak runs `switchboard bench` against a real server on a real
// Pebble store in waves, and checks that the server gives back what each wave
// took: after the load stops and the sockets close, its goroutines return to
// the count before the load, and the heap it keeps does not grow from wave to
// wave.
//
// It lives here rather than in server because bench/load imports server.
//
// Length: SWITCHBOARD_SOAK (a duration, default 8s) of arrivals in all,
// split into equal waves of about 30 s (at least 3). Skipped with -short.
// SWITCHBOARD_SOAK_PROFILE names a directory to write a heap profile to after
// each wave.
package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/bench/load"
	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/server"
)

const adminKey = "soak-admin"

// Thresholds. A default wave opens about 40 sockets (each a reader and a
// writer goroutine on the server, and buffers). The goroutine check breaks on
// one goroutine left per socket. The heap check, in the default run, breaks
// on about 8 KiB kept per socket (measured by planting a leak in the
// handler: 4 KiB passed, 8 KiB failed just, 16 KiB clearly), and in a run of
// minutes on a few hundred bytes kept per visitor (a 3 min run fails on the
// hub's visitor records, about 400 B each, which nothing forgets). The noise
// measured (no goroutine left; the live heap +0.06–0.14 MiB over the waves
// after the first, race builds included) stays inside them.
const (
	// goroutineSlack is how many goroutines above the pre-load count may
	// remain once a wave's sockets are closed.
	goroutineSlack = 3
	// settle is how long the sockets' goroutines get to end after a wave.
	settle = 10 * time.Second
	// grace replaces the visitors' and agents' reconnect grace and the
	// wrap-up timeout (30 s to 2 min by default), so that the sessions a
	// wave leaves behind (its agents gone mid-chat, say) end within seconds
	// and the figures after it are of a quiet server; quietWait bounds that.
	grace     = 2 * time.Second
	quietWait = 30 * time.Second
	// The first wave warms pools, caches and maps; the waves after it may
	// add to the live heap at most heapGrowth of what the first added, plus
	// heapFloor for a small heap's noise (a map grown a size).
	heapGrowth = 0.5
	heapFloor  = 256 << 10
	// perVisitorCache is also allowed per visitor after wave 1 for the
	// caches keyed by visitor or contact that are bounded but not full in a
	// soak: the server's per-visitor rate limiters and the hub's
	// sticky-routing contacts, LRUs of 100,000 entries each (about 360 B a
	// visitor together, measured with SWITCHBOARD_SOAK_PROFILE and pprof
	// -base).
	perVisitorCache = 400
)

func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak: skipped with -short")
	}
	total := 8 * time.Second
	if v := os.Getenv("SWITCHBOARD_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("SWITCHBOARD_SOAK=%q: want a duration such as 10m", v)
		}
		total = d
	}
	if os.Getenv("SWITCHBOARD_SOAK_PROFILE") != "" {
		runtime.MemProfileRate = 512 // fine enough to see a few bytes per visitor
	}
	waves := max(3, int(total/(30*time.Second)))
	waveLen := total / time.Duration(waves)

	addr := startServer(t)
	setup := prepare(t, addr, 8)
	base := steadyGoroutines()
	m0 := readHeap()
	t.Logf("before load: %d goroutines, %v", base, m0)

	var m1, mN heapFigures
	var later int64 // visitors after wave 1
	for w := 1; w <= waves; w++ {
		res := wave(t, addr, setup, w, waveLen)
		quiet := waitQuiet(t, addr, setup.APIKey)
		g := settleGoroutines(base, settle)
		m := readHeap()
		writeHeapProfile(t, w)
		t.Logf("wave %d: %d visitors, %d chats, %d messages, %d sockets at most, relay p99 %.1f ms, errors %v; no session open %v after it, then %d goroutines (%+d), %v",
			w, res.Visitors, res.Chats, res.Messages, res.SocketsMax, res.Relay.P99, res.Errors, quiet.Round(time.Millisecond), g, g-base, m)
		if g > base+goroutineSlack {
			t.Fatalf("wave %d: %d goroutines %v after the load stopped, %d before it (slack %d); goroutines:\n%s",
				w, g, settle, base, goroutineSlack, goroutineDump())
		}
		if w == 1 {
			m1 = m
		} else {
			later += res.Visitors
		}
		mN = m
	}
	grew := int64(mN.live) - int64(m1.live)
	allowed := int64(float64(int64(m1.live)-int64(m0.live))*heapGrowth) + heapFloor + later*perVisitorCache
	t.Logf("live heap: %.2f MiB before load, %.2f MiB after wave 1, %.2f MiB after wave %d: %+.2f MiB since wave 1 (allowed %.2f MiB: %.1f × wave 1's %+.2f MiB + 256 KiB + %d visitors × %d B)",
		mib(m0.live), mib(m1.live), mib(mN.live), waves, smib(grew), smib(allowed), heapGrowth, smib(int64(m1.live)-int64(m0.live)), later, perVisitorCache)
	if grew > allowed {
		t.Errorf("live heap grew by %.2f MiB from wave 1 to wave %d (allowed %.2f MiB); set SWITCHBOARD_SOAK_PROFILE=DIR and compare its profiles with go tool pprof -base",
			smib(grew), waves, smib(allowed))
	}
}

// wave runs the bench harness against addr for d of arrivals, on the shared
// workspace, and returns what it measured. Every wave has the same seed, so
// the same shape: what differs between them is what the server kept.
func wave(t *testing.T, addr string, setup *load.Setup, w int, d time.Duration) *load.Result {
	t.Helper()
	st := *setup
	res, err := load.Run(context.Background(), load.Config{Addr: addr, Setup: &st, Rate: 12, Duration: d,
		Drain: 6 * time.Second, ChatLength: time.Second, MessageGap: 150 * time.Millisecond,
		AcceptDelay: 20 * time.Millisecond, Patience: 4 * time.Second, Languages: []string{"en", "es"},
		Seed: 1})
	if err != nil {
		t.Fatalf("wave %d: %v", w, err)
	}
	if res.Chats < 5 || res.Messages < 5 {
		t.Fatalf("wave %d drove too little to mean anything: chats %d, messages %d, errors %v",
			w, res.Chats, res.Messages, res.Errors)
	}
	return res
}

// waitQuiet waits until the workspace has no open session (waiting, in
// progress or in wrap-up) and returns how long that took; a session still
// open after quietWait with every socket gone fails t: it is a leak too.
func waitQuiet(t *testing.T, addr, key string) time.Duration {
	t.Helper()
	start := time.Now()
	var st struct {
		OpenSessions int `json:"open_sessions"`
	}
	for {
		call(t, addr, key, http.MethodGet, "/v1/stats", nil, &st)
		if st.OpenSessions == 0 {
			return time.Since(start)
		}
		if time.Since(start) > quietWait {
			t.Fatalf("%d sessions still open %v after the load stopped", st.OpenSessions, quietWait)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startServer runs a real server on a Pebble store in a temporary directory
// behind a loopback listener, and returns its address.
func startServer(t *testing.T) string {
	t.Helper()
	srv, err := server.New(server.Config{DataDir: t.TempDir(), AdminKey: adminKey, NoDemo: true, ExportDelay: -1,
		Hub: hub.Config{VisitorGrace: grace, Router: router.Config{Grace: grace}}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		hs.CloseClientConnections()
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
		hs.Close()
	})
	return strings.TrimPrefix(hs.URL, "http://")
}

// prepare creates what every wave shares, as `switchboard bench` would: a
// workspace with a widget key, the bench queue, and agents with tokens.
// Waves reuse it so that the server's standing state (one hub) is the same
// before and after each.
func prepare(t *testing.T, addr string, agents int) *load.Setup {
	t.Helper()
	st := &load.Setup{Workspace: "soak", WidgetKeys: []string{"soak-widget"}}
	var created struct {
		APIKey string `json:"api_key"`
	}
	call(t, addr, adminKey, http.MethodPut, "/v1/workspaces/soak",
		map[string]any{"name": "soak", "widget_keys": st.WidgetKeys}, &created)
	st.APIKey = created.APIKey
	call(t, addr, st.APIKey, http.MethodPut, "/v1/queues/"+load.QueueID,
		map[string]any{"name": "Bench", "accept_mode": "manual", "offer_mode": "single", "wrapup_timeout": grace.Seconds()}, nil)
	for i := range agents {
		id := fmt.Sprintf("agent-%02d", i+1)
		call(t, addr, st.APIKey, http.MethodPut, "/v1/agents/"+id, map[string]any{"name": id, "queues": []string{load.QueueID},
			"languages": map[string]any{"primary": []string{"en", "es"}[i%2]}, "capacity": map[string]int{"chat": 3}}, nil)
		var tok struct {
			Token string `json:"token"`
		}
		call(t, addr, st.APIKey, http.MethodPost, "/v1/agents/"+id+"/token", nil, &tok)
		st.Agents = append(st.Agents, load.AgentCred{ID: id, Token: tok.Token})
	}
	return st
}

// call sends body as JSON with key and decodes a 2xx answer into out.
func call(t *testing.T, addr, key, method, path string, body, out any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, err := http.NewRequest(method, "http://"+addr+path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %s: %s", method, path, resp.Status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
}

// settleGoroutines closes idle HTTP connections and waits up to wait for the
// goroutine count to fall to want or below; it returns the count then.
func settleGoroutines(want int, wait time.Duration) int {
	deadline := time.Now().Add(wait)
	for {
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		n := runtime.NumGoroutine()
		if n <= want || !time.Now().Before(deadline) {
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// steadyGoroutines closes idle HTTP connections and returns the goroutine
// count once it has held still for 200 ms (the server's side of a closed
// connection takes a moment to end), or after 2 s.
func steadyGoroutines() int {
	deadline := time.Now().Add(2 * time.Second)
	n, still := -1, 0
	for still < 10 && time.Now().Before(deadline) {
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		m := runtime.NumGoroutine()
		if m == n {
			still++
		} else {
			n, still = m, 0
		}
		time.Sleep(20 * time.Millisecond)
	}
	return n
}

// heapFigures are the heap after collection: live bytes without Pebble's,
// Pebble's manually managed buffers when they are on the Go heap, and the
// in-use spans (everything).
type heapFigures struct{ live, pebble, inuse uint64 }

func (h heapFigures) String() string {
	return fmt.Sprintf("live heap %.2f MiB (+ Pebble's %.2f MiB; in use %.2f MiB)", mib(h.live), mib(h.pebble), mib(h.inuse))
}

// profileRate samples every allocation of Pebble's manual buffers (memtable
// arenas of 256 KiB and up, cache blocks) with near certainty, so that
// pebbleBytes sees them all.
const profileRate = 4 << 10

func init() { runtime.MemProfileRate = profileRate }

// readHeap collects (three times: the heap profile is up to two cycles
// behind) and reads the heap. Pebble's memtables and block cache live
// outside the Go heap except in cgo-less builds and, chosen at random at
// start, half of race builds; there a memtable that doubles (256 KiB up to
// 16 MiB) would read as a leak, so their bytes are taken out of live.
func readHeap() heapFigures {
	for range 3 {
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	p := min(pebbleBytes(), ms.HeapAlloc)
	return heapFigures{live: ms.HeapAlloc - p, pebble: p, inuse: ms.HeapInuse}
}

// pebbleBytes estimates the live bytes allocated by Pebble's manual.New,
// from the heap profile, scaled up for sampling as pprof does.
func pebbleBytes() uint64 {
	n, _ := runtime.MemProfile(nil, true)
	recs := make([]runtime.MemProfileRecord, n+64)
	n, ok := runtime.MemProfile(recs, true)
	if !ok {
		return 0 // the profile grew between the calls: count nothing
	}
	rate := float64(runtime.MemProfileRate)
	var sum float64
	for _, r := range recs[:n] {
		if r.InUseBytes() == 0 || r.AllocObjects == 0 || !fromPebbleManual(r.Stack()) {
			continue
		}
		avg := float64(r.AllocBytes) / float64(r.AllocObjects)
		sum += float64(r.InUseBytes()) / (1 - math.Exp(-avg/rate))
	}
	return uint64(sum)
}

func fromPebbleManual(stack []uintptr) bool {
	frames := runtime.CallersFrames(stack)
	for {
		f, more := frames.Next()
		if strings.HasSuffix(f.Function, "pebble/v2/internal/manual.New") {
			return true
		}
		if !more {
			return false
		}
	}
}

// writeHeapProfile writes heap-wave<w>.pb.gz to $SWITCHBOARD_SOAK_PROFILE,
// when set, to compare waves with `go tool pprof -base`.
func writeHeapProfile(t *testing.T, w int) {
	dir := os.Getenv("SWITCHBOARD_SOAK_PROFILE")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("heap-wave%d.pb.gz", w)))
	if err == nil {
		err = pprof.WriteHeapProfile(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		t.Errorf("heap profile: %v", err)
	}
}

// goroutineDump lists the goroutines grouped by stack, with counts.
func goroutineDump() string {
	var b strings.Builder
	_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
	return b.String()
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }
func smib(n int64) float64 { return float64(n) / (1 << 20) }
