// Command tracewait reads a Go execution trace of the server (taken with
// `curl HOST/debug/pprof/trace?seconds=5` from a server run with --pprof)
// and says what its goroutines waited for: how long each role's
// goroutines were runnable before they ran (waiting for a CPU), and where
// they were blocked and for how long (a commit, an fsync, the inbox).
// BENCHMARKS.md ("Where the 500/s tail comes from") was measured with it:
//
//	go run ./bench/tracewait trace.out   (from bench/tracewait: go run . FILE)
//
// It is its own module so that the server does not depend on the trace
// reader (golang.org/x/exp/trace).
package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"golang.org/x/exp/trace"
)

// role names a kind of goroutine by a function its stacks show.
type role struct {
	name  string
	frame string // a substring of a function name on the goroutine's stack
}

// defaultRoles are the server's goroutines that an offer waits on.
var defaultRoles = []role{
	{"hub loop", "hub.(*Hub).loop"},
	{"WAL writer", "LogWriter).flushLoop"},
	{"socket writer", "server.(*conn).writer"},
	{"socket reader", "server.(*Server).serveFrames"},
}

// waits is a set of durations.
type waits []time.Duration

// stat summarizes w: count, quantiles, and the time spent in waits over
// 2 and 5 ms (with their counts).
type stat struct {
	N              int
	P50, P99, Max  time.Duration
	Over2, Over5   time.Duration
	NOver2, NOver5 int
	Total          time.Duration
}

func (w waits) stat() stat {
	s := stat{N: len(w)}
	if len(w) == 0 {
		return s
	}
	d := slices.Clone(w)
	slices.Sort(d)
	q := func(p float64) time.Duration { return d[int(p*float64(len(d)-1))] }
	s.P50, s.P99, s.Max = q(.5), q(.99), d[len(d)-1]
	for _, x := range d {
		s.Total += x
		if x > 2*time.Millisecond {
			s.Over2 += x
			s.NOver2++
		}
		if x > 5*time.Millisecond {
			s.Over5 += x
			s.NOver5++
		}
	}
	return s
}

// report is what a trace says about each role.
type report struct {
	Span time.Duration
	// Runnable: per role, how long its goroutines were runnable before
	// they ran.
	Runnable map[string]waits
	// Blocked: per role and site (the blocking state and the first
	// non-runtime frames of the stack), how long they were blocked.
	Blocked map[string]map[string]waits
}

// goroutine is what the analysis keeps about one goroutine.
type goroutine struct {
	role       string
	runnableAt trace.Time
	blockedAt  trace.Time
	site       string
}

// analyze reads a trace and gathers the waits of the goroutines of roles.
// A goroutine takes the first role whose frame any of its stacks shows;
// the waits it had before its first such stack are not counted.
func analyze(r io.Reader, roles []role) (*report, error) {
	tr, err := trace.NewReader(r)
	if err != nil {
		return nil, err
	}
	rep := &report{Runnable: map[string]waits{}, Blocked: map[string]map[string]waits{}}
	gs := map[trace.GoID]*goroutine{}
	var first, last trace.Time
	for {
		ev, err := tr.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if first == 0 {
			first = ev.Time()
		}
		last = ev.Time()
		if ev.Kind() != trace.EventStateTransition {
			continue
		}
		st := ev.StateTransition()
		if st.Resource.Kind != trace.ResourceGoroutine {
			continue
		}
		id := st.Resource.Goroutine()
		g := gs[id]
		if g == nil {
			g = &goroutine{}
			gs[id] = g
		}
		if g.role == "" {
			g.role = roleOf(st.Stack, roles)
		}
		from, to := st.Goroutine()
		now := ev.Time()
		if g.role != "" && g.blockedAt != 0 && (from == trace.GoWaiting || from == trace.GoSyscall) {
			sites := rep.Blocked[g.role]
			if sites == nil {
				sites = map[string]waits{}
				rep.Blocked[g.role] = sites
			}
			sites[g.site] = append(sites[g.site], now.Sub(g.blockedAt))
			g.blockedAt = 0
		}
		switch to {
		case trace.GoRunnable:
			g.runnableAt = now
		case trace.GoRunning:
			if g.role != "" && g.runnableAt != 0 {
				rep.Runnable[g.role] = append(rep.Runnable[g.role], now.Sub(g.runnableAt))
			}
			g.runnableAt = 0
		case trace.GoWaiting, trace.GoSyscall:
			if g.role != "" {
				g.blockedAt, g.site = now, to.String()+" "+siteOf(st.Stack)
			}
		}
	}
	rep.Span = last.Sub(first)
	return rep, nil
}

// roleOf returns the first role whose frame stack shows, or "".
func roleOf(stack trace.Stack, roles []role) string {
	for fr := range stack.Frames() {
		for _, r := range roles {
			if strings.Contains(fr.Func, r.frame) {
				return r.name
			}
		}
	}
	return ""
}

// siteOf names where a goroutine blocked: its first three frames outside
// the runtime, sync and syscall packages, innermost first.
func siteOf(stack trace.Stack) string {
	var parts []string
	for fr := range stack.Frames() {
		f := fr.Func
		if strings.HasPrefix(f, "runtime.") || strings.HasPrefix(f, "sync.") || strings.HasPrefix(f, "internal/") ||
			strings.HasPrefix(f, "syscall.") {
			continue
		}
		parts = append(parts, f[strings.LastIndex(f, "/")+1:])
		if len(parts) == 3 {
			break
		}
	}
	return strings.Join(parts, " < ")
}

// write prints rep: per role, the runnable waits, then the top blocking
// sites by total time.
func (rep *report) write(w io.Writer, roles []role, top int) {
	fmt.Fprintf(w, "trace of %v\n", rep.Span.Round(time.Millisecond))
	line := func(what string, s stat) {
		fmt.Fprintf(w, "  %-60s n=%-7d p50=%-9v p99=%-9v max=%-9v >2ms %v in %d, >5ms %v in %d\n",
			what, s.N, s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond), s.Max.Round(time.Microsecond),
			s.Over2.Round(time.Millisecond), s.NOver2, s.Over5.Round(time.Millisecond), s.NOver5)
	}
	for _, r := range roles {
		fmt.Fprintf(w, "%s\n", r.name)
		line("runnable, waiting for a CPU", rep.Runnable[r.name].stat())
		type site struct {
			name string
			stat
		}
		var sites []site
		for k, w := range rep.Blocked[r.name] {
			sites = append(sites, site{k, w.stat()})
		}
		slices.SortFunc(sites, func(a, b site) int { return cmp.Compare(b.Total, a.Total) })
		for _, s := range sites[:min(top, len(sites))] {
			fmt.Fprintf(w, "  blocked %v in all (%.0f%% of the trace): %s\n", s.Total.Round(time.Millisecond),
				100*float64(s.Total)/float64(max(rep.Span, 1)), s.name)
			line("", s.stat)
		}
	}
}
