// Package poll is the tests' deadline helper (STYLE.md: poll with a
// deadline, never sleep and hope).
package poll

import (
	"testing"
	"time"
)

// Until calls fn until it returns nil, failing t with fn's last error when
// timeout passes first.
func Until(t testing.TB, timeout time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v", timeout, err)
		}
		time.Sleep(time.Millisecond)
	}
}
