package server

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"runtime"
	rtmetrics "runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboardhq/switchboard/hub"
)

// BenchmarkRelay measures the one-way latency of chat messages from a
// visitor's socket to the agent's socket at a fixed offered rate, through
// real websockets and durable commits on a real disk (Pebble in
// b.TempDir(), every batch fsynced before anything leaves).
//
// 5,000 chats (5,000 visitor sockets, 1,667 agent sockets of chat capacity
// 3, auto accept) are set up first; then b.N visitor messages are sent open
// loop, a Poisson process at SWITCHBOARD_RELAY_RATE messages per second
// (default 20,000), spread round robin over the visitors: 4 per second
// each, under the server's per-visitor limit of 5. Each message carries
// the time it was due to leave; the agent's reader takes the latency when
// the message frame arrives, so a client that falls behind counts against
// the server, not for it. Agents do not answer: the relayed rate is the
// offered rate.
//
// The server's per-address limits are lifted (every client here is
// 127.0.0.1); the per-visitor and per-agent frame limits stay.
//
//	go test -run XXX -bench Relay -benchtime 400000x ./server
func BenchmarkRelay(b *testing.B) {
	const chats, perAgent = 5000, 3
	rate := 20000.0
	if s := os.Getenv("SWITCHBOARD_RELAY_RATE"); s != "" {
		if r, err := strconv.ParseFloat(s, 64); err == nil && r > 0 {
			rate = r
		}
	}
	srv, err := New(Config{DataDir: benchDir(b), AdminKey: testAdmin, MaxVisitorsPerAddr: -1,
		Hub: hub.Config{InboxSize: 1 << 16}})
	if err != nil {
		b.Fatal(err)
	}
	lifted := newLimiter(1e9, 1e9, 16)
	srv.limits.visitorHello, srv.limits.addrFrames, srv.limits.widget, srv.limits.httpAddr = lifted, lifted, lifted, lifted
	hs := httptest.NewServer(srv.Handler())
	defer func() { hs.CloseClientConnections(); _ = srv.Close(); hs.Close() }()
	e := &env{t: &testing.T{}, srv: srv, http: hs}
	ctx := context.Background()

	var (
		mu  sync.Mutex
		lat []time.Duration
	)
	agents := make([]*rawClient, (chats+perAgent-1)/perAgent)
	parallel(len(agents), 32, func(i int) {
		id := fmt.Sprintf("r%04d", i)
		e.api("PUT", "/v1/agents/"+id, `{"name":"Relay","queues":["sales"],"capacity":{"chat":3}}`)
		_, tb := e.api("POST", "/v1/agents/"+id+"/token", "")
		c := dialRaw(b, hs.URL, "/v1/ws/agent", map[string]any{"type": "hello", "token": tb["token"]},
			func(at time.Time, data []byte) {
				if due, ok := dueOf(data); ok {
					mu.Lock()
					lat = append(lat, at.Sub(due))
					mu.Unlock()
				}
			})
		c.call(ctx, map[string]any{"type": "presence", "status": "available"})
		agents[i] = c
	})
	visitors := make([]*rawClient, chats)
	var unassigned atomic.Int64
	parallel(chats, 32, func(i int) {
		c := dialRaw(b, hs.URL, "/v1/ws/visitor", map[string]any{"type": "hello", "widget": "demo", "queue": "sales"}, nil)
		if ack := c.call(ctx, map[string]any{"type": "send", "text": "hello"}); ack["session"] == nil {
			unassigned.Add(1)
		}
		visitors[i] = c
	})
	if n := unassigned.Load(); n > 0 {
		b.Fatalf("%d visitors got no session", n)
	}
	lat = lat[:0]
	runtime.GC()

	// Open-loop sender: a few goroutines share the rate; each message
	// names its due time in the text.
	const senders = 4
	b.ReportAllocs()
	schedBefore := readSched()
	stopProfile := relayProfile(b)
	cpuBefore := processCPU()
	ioBefore := processIO()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	var sent atomic.Int64
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			due := start
			buf := make([]byte, 0, 96)
			for n := g; n < b.N; n += senders {
				due = due.Add(time.Duration(rng.ExpFloat64() / (rate / senders) * float64(time.Second)))
				if d := time.Until(due); d > 0 {
					time.Sleep(d)
				}
				buf = append(buf[:0], `{"type":"send","text":"due `...)
				buf = strconv.AppendInt(buf, due.UnixNano(), 10)
				buf = append(buf, `"}`...)
				if err := visitors[n%chats].ws.Write(ctx, websocket.MessageText, buf); err != nil {
					return
				}
				sent.Add(1)
			}
		}()
	}
	wg.Wait()
	sendEnd := time.Since(start)
	// Wait for the last messages to arrive (at most 5 s).
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(lat)
		mu.Unlock()
		if int64(n) >= sent.Load() {
			break
		}
	}
	b.StopTimer()
	cpu := processCPU() - cpuBefore
	io := processIO()
	stopProfile()
	mu.Lock()
	got := slices.Clone(lat)
	mu.Unlock()
	slices.Sort(got)
	b.ReportMetric(float64(sent.Load())/sendEnd.Seconds(), "sent/s")
	b.ReportMetric(float64(len(got))/float64(max(sent.Load(), 1)), "delivered")
	if len(got) > 0 {
		q := func(p float64) float64 {
			return float64(got[min(len(got)-1, int(p*float64(len(got))))].Microseconds()) / 1000
		}
		b.ReportMetric(q(0.5), "p50-ms")
		b.ReportMetric(q(0.9), "p90-ms")
		b.ReportMetric(q(0.99), "p99-ms")
		b.ReportMetric(float64(got[len(got)-1].Microseconds())/1000, "max-ms")
	}
	reportHubCycles(b, srv)
	// CPU time of the whole process (server and clients) per message.
	b.ReportMetric(float64(cpu.Microseconds())/float64(max(sent.Load(), 1)), "cpu-us/msg")
	// Read and write syscalls of the whole process per message (Linux).
	if io.ok && ioBefore.ok {
		n := float64(max(sent.Load(), 1))
		b.ReportMetric(float64(io.reads-ioBefore.reads)/n, "reads/msg")
		b.ReportMetric(float64(io.writes-ioBefore.writes)/n, "writes/msg")
	}
	// How long runnable goroutines waited for a core, and GC cycles: the
	// client shares this process and its 2 cores with the server.
	schedAfter := readSched()
	b.ReportMetric(schedAfter.quantile(schedBefore, 0.99)*1000, "sched-p99-ms")
	b.ReportMetric(float64(schedAfter.gcs-schedBefore.gcs), "gcs")
	for _, c := range append(agents, visitors...) {
		_ = c.ws.CloseNow()
	}
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ioCounts are the read and write syscalls a process has made.
type ioCounts struct {
	reads, writes int64
	ok            bool
}

// processIO reads this process's syscall counts from /proc/self/io.
func processIO() ioCounts {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return ioCounts{}
	}
	var c ioCounts
	for line := range strings.Lines(string(data)) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ": ")
		n, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "syscr":
			c.reads = n
		case "syscw":
			c.writes, c.ok = n, true
		}
	}
	return c
}

// relayProfile profiles the timed part, leaving the set-up out: a CPU
// profile when SWITCHBOARD_RELAY_CPUPROFILE names a file, and heap
// profiles NAME.before and NAME.after when SWITCHBOARD_RELAY_MEMPROFILE
// does (go tool pprof -base NAME.before … NAME.after shows what the timed
// part allocated; run with -test.memprofilerate).
func relayProfile(b *testing.B) (stop func()) {
	heap := func(name string) {
		f, err := os.Create(name)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		runtime.GC() // the profile shows the state as of the last GC
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			b.Fatal(err)
		}
	}
	mem := os.Getenv("SWITCHBOARD_RELAY_MEMPROFILE")
	if mem != "" {
		heap(mem + ".before")
	}
	name := os.Getenv("SWITCHBOARD_RELAY_CPUPROFILE")
	var f *os.File
	if name != "" {
		var err error
		if f, err = os.Create(name); err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
	}
	return func() {
		if f != nil {
			pprof.StopCPUProfile()
			_ = f.Close()
		}
		if mem != "" {
			heap(mem + ".after")
		}
	}
}

// dueOf reads the due time out of a relayed message's text ("due <ns>").
func dueOf(data []byte) (time.Time, bool) {
	i := bytes.Index(data, []byte(`"due `))
	if i < 0 {
		return time.Time{}, false
	}
	rest := data[i+5:]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return time.Time{}, false
	}
	ns, err := strconv.ParseInt(string(rest[:j]), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, ns), true
}

// parallel runs fn(0..n-1) on at most width goroutines.
func parallel(n, width int, fn func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, width)
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}

// schedStats is a reading of the runtime's scheduling latency histogram
// and GC count.
type schedStats struct {
	counts  []uint64
	buckets []float64
	gcs     uint64
}

func readSched() schedStats {
	ms := []rtmetrics.Sample{{Name: "/sched/latencies:seconds"}, {Name: "/gc/cycles/total:gc-cycles"}}
	rtmetrics.Read(ms)
	h := ms[0].Value.Float64Histogram()
	return schedStats{counts: slices.Clone(h.Counts), buckets: h.Buckets, gcs: ms[1].Value.Uint64()}
}

// quantile is the upper bound of the bucket holding quantile q of the
// latencies recorded since before.
func (s schedStats) quantile(before schedStats, q float64) float64 {
	var total uint64
	for i := range s.counts {
		total += s.counts[i] - before.counts[i]
	}
	var seen uint64
	for i := range s.counts {
		seen += s.counts[i] - before.counts[i]
		if float64(seen) >= q*float64(total) {
			return s.buckets[i+1]
		}
	}
	return 0
}
