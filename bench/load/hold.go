package load

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A hold run (`switchboard bench --hold D`) measures what idle sockets
// cost: it reads the server's memory, connects the agents (hello, then
// presence available) and the visitors (hello only, so no chat starts),
// holds every socket for D, reads the server's memory again and closes.
// The difference over the sockets held is the server's cost per idle
// socket; the client's own cost per socket is measured as in a chat run.
// Above MaxSocketsPerProcess sockets the sockets are spread over worker
// processes, which report once their sockets are up and hold them until
// the parent closes their stdin.

func (c Config) holdDefaults() (Config, error) {
	switch {
	case c.Addr == "":
		return c, fmt.Errorf("%w: --addr is required", ErrConfig)
	case c.AdminKey == "" && c.Setup == nil:
		return c, fmt.Errorf("%w: --admin-key is required", ErrConfig)
	case c.Agents < 0 || c.Visitors < 0 || c.Rate < 0 || c.Capacity < 0:
		return c, fmt.Errorf("%w: negative agents, visitors, rate or capacity", ErrConfig)
	case c.Agents+c.Visitors < 1 && c.Setup == nil:
		return c, fmt.Errorf("%w: a hold run needs --agents or --visitors", ErrConfig)
	}
	if c.Rate == 0 {
		c.Rate = DefaultHoldRate
	}
	if c.Capacity == 0 {
		c.Capacity = DefaultCapacity
	}
	c.Languages = c.languages()
	return c, nil
}

// HoldStats is what a hold run measured. Server figures are read from
// its /metrics (Go collector and process collector) before the first
// socket and at the end of the hold; per-socket figures divide the
// difference by the sockets the client held.
type HoldStats struct {
	// Agents and Visitors are the sockets held (agents online, visitors
	// welcomed) when the server was measured.
	Agents   int64   `json:"agents"`
	Visitors int64   `json:"visitors"`
	HoldSec  float64 `json:"hold_s"`
	// ConnectSec is how long connecting every socket took.
	ConnectSec float64 `json:"connect_s"`
	// GCForced says the server collected garbage (through --server-pprof)
	// before each reading.
	GCForced bool       `json:"gc_forced"`
	Before   *ServerMem `json:"before,omitempty"`
	After    *ServerMem `json:"after,omitempty"`
	// Per idle socket on the server, in KiB: resident memory, Go heap in
	// use, goroutine stacks in use, and heap plus stacks; goroutines per
	// socket.
	RSSKiB        float64 `json:"server_rss_kib_per_socket"`
	HeapKiB       float64 `json:"server_heap_kib_per_socket"`
	StackKiB      float64 `json:"server_stack_kib_per_socket"`
	GoKiB         float64 `json:"server_go_kib_per_socket"`
	GoroutinesPer float64 `json:"server_goroutines_per_socket"`
}

// ServerMem is one reading of the server's memory from its /metrics.
type ServerMem struct {
	RSSMiB       float64 `json:"rss_mib"`
	HeapInuseMiB float64 `json:"heap_inuse_mib"`
	StackMiB     float64 `json:"stack_inuse_mib"`
	Goroutines   int64   `json:"goroutines"`
	// Sockets is the server's own count of open websockets.
	Sockets int64 `json:"sockets"`
}

// readServerMem reads the server's memory, after a garbage collection
// when pprofAddr is set.
func readServerMem(ctx context.Context, addr, pprofAddr string) (*ServerMem, error) {
	get := func(url string) ([]byte, error) { return httpGet(ctx, url, 30*time.Second) }
	if pprofAddr != "" {
		if _, err := get("http://" + pprofAddr + "/debug/pprof/heap?gc=1"); err != nil {
			return nil, fmt.Errorf("forcing a collection: %w", err)
		}
	}
	body, err := get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	m := &ServerMem{}
	const mib = 1 << 20
	for _, line := range strings.Split(string(body), "\n") {
		name, value, ok := metricLine(line)
		if !ok {
			continue
		}
		switch name {
		case "process_resident_memory_bytes":
			m.RSSMiB = value / mib
		case "go_memstats_heap_inuse_bytes":
			m.HeapInuseMiB = value / mib
		case "go_memstats_stack_inuse_bytes":
			m.StackMiB = value / mib
		case "go_goroutines":
			m.Goroutines = int64(value)
		case "switchboard_connections":
			m.Sockets += int64(value)
		}
	}
	return m, nil
}

// httpGet GETs url and returns its body (at most 32 MiB); an answer other
// than 200 is an error.
func httpGet(ctx context.Context, url string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 32<<20))
}

// metricLine splits one sample line of the Prometheus text format into
// its metric name (labels dropped) and value.
func metricLine(line string) (string, float64, bool) {
	name, v, ok := sampleLine(line)
	if j := strings.IndexAny(name, "{ "); j >= 0 {
		name = name[:j]
	}
	return name, v, ok
}

// sampleLine splits one sample line of the Prometheus text format into its
// series (the name with its labels) and value.
func sampleLine(line string) (string, float64, bool) {
	if line == "" || line[0] == '#' {
		return "", 0, false
	}
	i := strings.LastIndexByte(line, ' ')
	if i < 0 {
		return "", 0, false
	}
	v, err := strconv.ParseFloat(line[i+1:], 64)
	if err != nil {
		return "", 0, false
	}
	return line[:i], v, true
}

// holdStats derives the per-socket figures.
func holdStats(before, after *ServerMem, agents, visitors int64, hold, connect time.Duration, gc bool) *HoldStats {
	h := &HoldStats{Agents: agents, Visitors: visitors, HoldSec: hold.Seconds(), ConnectSec: connect.Seconds(),
		GCForced: gc, Before: before, After: after}
	n := float64(agents + visitors)
	if before == nil || after == nil || n == 0 {
		return h
	}
	h.RSSKiB = (after.RSSMiB - before.RSSMiB) * 1024 / n
	h.HeapKiB = (after.HeapInuseMiB - before.HeapInuseMiB) * 1024 / n
	h.StackKiB = (after.StackMiB - before.StackMiB) * 1024 / n
	h.GoKiB = h.HeapKiB + h.StackKiB
	h.GoroutinesPer = float64(after.Goroutines-before.Goroutines) / n
	return h
}

// hold is Run for a hold run.
func (r *runner) hold(ctx context.Context) (*Result, error) {
	cfg := r.cfg
	var before *ServerMem
	if cfg.Worker == 0 {
		var err error
		if before, err = readServerMem(ctx, cfg.Addr, cfg.ServerPprof); err != nil {
			r.fail("server_metrics")
		}
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	started := time.Now()
	sampDone := make(chan struct{})
	go r.sample(runCtx, started, sampDone)
	if err := r.connectAgents(runCtx, &wg); err != nil {
		stop()
		wg.Wait()
		<-sampDone
		return nil, err
	}
	agents := r.sockets.Load()
	r.connectVisitors(runCtx, &wg)
	connectTime := time.Since(started)
	held := r.sockets.Load()
	r.measureMemory(held)
	if cfg.held != nil {
		cfg.held(agents, held-agents)
	}
	heldAt := time.Now()
	if cfg.release != nil {
		select {
		case <-cfg.release:
		case <-ctx.Done():
		}
	} else {
		select {
		case <-time.After(cfg.Hold):
		case <-ctx.Done():
		}
	}
	var after *ServerMem
	if cfg.Worker == 0 {
		var err error
		if after, err = readServerMem(ctx, cfg.Addr, cfg.ServerPprof); err != nil {
			r.fail("server_metrics")
		}
	}
	holdTime := time.Since(heldAt)
	stop()
	wg.Wait()
	<-sampDone
	res := r.result(holdTime, connectTime)
	if connectTime > 0 {
		res.ConnectPerSec = float64(held) / connectTime.Seconds()
	}
	res.SocketsMax = max(res.SocketsMax, held)
	res.Rate = 0
	res.Hold = holdStats(before, after, agents, held-agents, holdTime, connectTime, cfg.ServerPprof != "")
	return res, nil
}

// connectVisitors opens cfg.Visitors idle visitor sockets at cfg.Rate per
// second, at most 200 connecting at once, and returns when each is up or
// failed.
func (r *runner) connectVisitors(ctx context.Context, wg *sync.WaitGroup) {
	cfg := r.cfg
	gap := time.Duration(float64(time.Second) / cfg.Rate)
	sem := make(chan struct{}, 200)
	var ready sync.WaitGroup
	next := time.Now()
	for i := 1; i <= cfg.Visitors; i++ {
		if d := time.Until(next); d > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(d):
			}
		}
		next = next.Add(gap)
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		v := &visitor{r: r, n: i, lang: cfg.Languages[i%len(cfg.Languages)]}
		ready.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			v.idle(ctx, func() {
				<-sem
				ready.Done()
			})
		}()
	}
	ready.Wait()
}

// idle opens the visitor's socket, says hello without a message (no chat
// starts) and holds the socket until ctx ends. ready is called once: at
// the welcome, or when the socket failed before it.
func (v *visitor) idle(ctx context.Context, ready func()) {
	r := v.r
	start := time.Now()
	ws, err := r.dialer.dial(ctx, "/v1/ws/visitor", true)
	if err != nil {
		r.fail(errKind("visitor_dial", err))
		ready()
		return
	}
	defer func() { _ = ws.CloseNow() }()
	s := &sock{ws: ws, r: r, skip: reads("", "welcome", "error")}
	if err := s.send(ctx, v.hello(start)); err != nil {
		r.fail(errKind("visitor_hello", err))
		ready()
		return
	}
	welcomed := false
	err = s.serve(ctx, func(f *frame) bool {
		switch {
		case f.Type == "welcome" && !welcomed:
			welcomed = true
			r.connect.Add(f.at.Sub(start))
			r.sockets.Add(1)
			ready()
		case f.Type == "error":
			r.fail("visitor_error_" + f.Code)
		}
		return false
	})
	switch {
	case !welcomed:
		r.fail(errKind("visitor_hello", err))
		ready()
	case ctx.Err() == nil:
		r.fail(errKind("visitor_read", err))
	}
	if welcomed {
		r.sockets.Add(-1)
	}
}

// runHoldWorkers is runWorkers for a hold run: the workers connect their
// share of the sockets and say so on stdout ("held AGENTS VISITORS"); once
// all have, the sockets are held for cfg.Hold, the server is read, and
// closing the workers' stdin releases them.
func runHoldWorkers(ctx context.Context, cfg Config, n int, stderr io.Writer) (*Result, error) {
	cfg, setup, proc, total, err := prepareWorkers(ctx, cfg, n)
	if err != nil {
		return nil, err
	}
	before, err := readServerMem(ctx, cfg.Addr, cfg.ServerPprof)
	if err != nil {
		total.Errors["server_metrics"]++
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ws := make([]*holdWorker, n)
	started := time.Now()
	for i := range n {
		spec := specFor(cfg, setup, i, n)
		spec.Hold, spec.Visitors = cfg.Hold, share(cfg.Visitors, i, n)
		if ws[i], err = startHoldWorker(ctx, spec, stderr); err != nil {
			return nil, err
		}
	}
	defer func() {
		for _, w := range ws {
			if w != nil {
				w.stop()
			}
		}
	}()
	var agents, visitors int64
	for i, w := range ws {
		a, v, err := w.held()
		if err != nil {
			return nil, fmt.Errorf("worker %d: %w", i+1, err)
		}
		agents, visitors = agents+a, visitors+v
	}
	connectTime := time.Since(started)
	fmt.Fprintf(stderr, "switchboard bench: %d agents and %d visitors held in %.1f s\n", agents, visitors, connectTime.Seconds())
	heldAt := time.Now()
	select {
	case <-time.After(cfg.Hold):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	after, err := readServerMem(ctx, cfg.Addr, cfg.ServerPprof)
	if err != nil {
		total.Errors["server_metrics"]++
	}
	holdTime := time.Since(heldAt)
	for i, w := range ws {
		res, err := w.result()
		if err != nil {
			return nil, fmt.Errorf("worker %d: %w", i+1, err)
		}
		total.merge(res)
	}
	total.Server = proc.stats()
	total.finish()
	total.Rate = 0
	total.DurationSec = holdTime.Seconds()
	total.AgentConnectSec = connectTime.Seconds()
	total.ConnectPerSec = float64(agents+visitors) / connectTime.Seconds()
	total.Hold = holdStats(before, after, agents, visitors, holdTime, connectTime, cfg.ServerPprof != "")
	return total, nil
}

// writeTable writes the hold figures for WriteTable.
func (h *HoldStats) writeTable(b *strings.Builder) {
	fmt.Fprintf(b, "\nhold: %d agents + %d visitors idle for %.1f s (connected in %.1f s)\n", h.Agents, h.Visitors, h.HoldSec, h.ConnectSec)
	if h.Before == nil || h.After == nil {
		b.WriteString("server memory: not read (see errors)\n")
		return
	}
	gc := "no forced GC"
	if h.GCForced {
		gc = "after a forced GC"
	}
	fmt.Fprintf(b, "%-22s %10s %10s %12s %11s %8s\n", "server ("+gc+")", "RSS MiB", "heap MiB", "stacks MiB", "goroutines", "sockets")
	for _, row := range []struct {
		name string
		m    *ServerMem
	}{{"before", h.Before}, {"after", h.After}} {
		m := row.m
		fmt.Fprintf(b, "%-22s %10.1f %10.1f %12.1f %11d %8d\n", row.name, m.RSSMiB, m.HeapInuseMiB, m.StackMiB, m.Goroutines, m.Sockets)
	}
	fmt.Fprintf(b, "per idle socket: RSS %.1f KiB, Go heap %.1f KiB + stacks %.1f KiB = %.1f KiB, %.2f goroutines\n",
		h.RSSKiB, h.HeapKiB, h.StackKiB, h.GoKiB, h.GoroutinesPer)
}

// share is worker i's share of n things over workers.
func share(n, i, workers int) int {
	s := n / workers
	if i < n%workers {
		s++
	}
	return s
}

// holdWorker is a worker process of a hold run.
type holdWorker struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
	done  bool
}

func startHoldWorker(ctx context.Context, spec workerSpec, stderr io.Writer) (*holdWorker, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "bench", "--worker")
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("worker %d: %w", spec.Worker, err)
	}
	w := &holdWorker{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	if err := json.NewEncoder(stdin).Encode(spec); err != nil {
		w.stop()
		return nil, fmt.Errorf("worker %d: %w", spec.Worker, err)
	}
	return w, nil
}

// held waits for the worker's "held AGENTS VISITORS" line.
func (w *holdWorker) held() (agents, visitors int64, err error) {
	line, err := w.out.ReadString('\n')
	if err != nil {
		return 0, 0, fmt.Errorf("before its sockets were up: %w", err)
	}
	if _, err := fmt.Sscanf(line, "held %d %d\n", &agents, &visitors); err != nil {
		return 0, 0, fmt.Errorf("unexpected line %q", line)
	}
	return agents, visitors, nil
}

// result releases the worker and reads its Result.
func (w *holdWorker) result() (*Result, error) {
	w.stdin.Close()
	res := &Result{}
	if err := json.NewDecoder(w.out).Decode(res); err != nil {
		w.stop()
		return nil, fmt.Errorf("decoding its result: %w", err)
	}
	w.done = true
	if err := w.cmd.Wait(); err != nil {
		return nil, err
	}
	return res, nil
}

// stop kills the worker and waits for it, unless result already did.
func (w *holdWorker) stop() {
	if w.done {
		return
	}
	w.done = true
	_ = w.cmd.Process.Kill()
	w.stdin.Close()
	_, _ = io.Copy(io.Discard, w.out)
	_ = w.cmd.Wait()
}
