package persist

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"
)

// TestMain fails the package when a test leaves goroutines behind: a Store
// that was not closed, or a Pebble goroutine that Close did not stop.
func TestMain(m *testing.M) {
	before := runtime.NumGoroutine()
	code := m.Run()
	removeFixtures()
	if code == 0 {
		if err := checkGoroutines(before); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// checkGoroutines polls until at most n goroutines run, for up to 5 s.
func checkGoroutines(n int) error {
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			return fmt.Errorf("persist: %d goroutines leaked:\n%s", runtime.NumGoroutine()-n, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}
