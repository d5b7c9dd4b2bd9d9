package export

import (
	"math/rand/v2"
	"time"
)

// backoff is the wait before try n+1 after n failures (n ≥ 1): base doubled
// n-1 times, capped at max, then jittered to a uniform value in [d/2, d] so
// that exports failing together do not retry together.
func backoff(n int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	if half := d / 2; half > 0 {
		d = half + rand.N(half+1)
	}
	return d
}
