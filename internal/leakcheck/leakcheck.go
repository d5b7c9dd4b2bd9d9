// Package leakcheck fails a package's test run when goroutines outlive its
// tests (STYLE.md: "TestMain that fails on leaked goroutines"). Use it as
//
//	func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m, leakcheck.Config{})) }
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Config tunes Run. A zero field means the default documented on it.
type Config struct {
	// Slack is how many extra goroutines may remain (for example idle
	// net/http pollers that the package does not own): 0 means none.
	Slack int
	// After runs once the tests are done, before counting (fixture cleanup).
	After func()
	// Wait is how long leftover goroutines get to end: 0 means 5 s.
	Wait time.Duration
}

// Run runs m's tests and returns the exit code: 1 when they passed but more
// goroutines than before (plus Slack) are still running after Wait, with
// every goroutine's stack printed to stderr. Goroutines the runtime owns for
// the process's lifetime (the signal watcher that fuzzing or signal.Notify
// start) are not counted.
func Run(m *testing.M, cfg Config) int {
	if cfg.Wait <= 0 {
		cfg.Wait = 5 * time.Second
	}
	base := count()
	code := m.Run()
	if cfg.After != nil {
		cfg.After()
	}
	if code != 0 {
		return code
	}
	// The verdict is the last count the loop saw: a count taken after it
	// could catch a goroutine that only passes by (a timer's, the
	// runtime's), which the stacks printed next no longer show.
	deadline := time.Now().Add(cfg.Wait)
	n := count()
	for n > base+cfg.Slack && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		n = count()
	}
	if n > base+cfg.Slack {
		fmt.Fprintf(os.Stderr, "leaked goroutines: %d > %d\n%s\n", n, base+cfg.Slack, stacks())
		return 1
	}
	return code
}

func stacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

// count counts the running goroutines that are not the runtime's own.
func count() int {
	n := 0
	for _, g := range strings.Split(stacks(), "\n\n") {
		if strings.TrimSpace(g) != "" && !strings.Contains(g, "os/signal.signal_recv") {
			n++
		}
	}
	return n
}
