package server

import (
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// limiter holds one token bucket per key (a visitor, an address, a widget
// key) in an LRU, so that a flood of distinct keys costs bounded memory.
type limiter struct {
	mu      sync.Mutex
	buckets *lru.Cache[string, *rate.Limiter]
	every   rate.Limit
	burst   int
}

// newLimiter allows perSecond events per key with bursts of burst, keeping
// at most keys buckets.
func newLimiter(perSecond float64, burst, keys int) *limiter {
	c, _ := lru.New[string, *rate.Limiter](keys)
	return &limiter{buckets: c, every: rate.Limit(perSecond), burst: burst}
}

// allow takes one token of key's bucket at now.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets.Get(key)
	if !ok {
		b = rate.NewLimiter(l.every, l.burst)
		l.buckets.Add(key, b)
	}
	return b.AllowN(now, 1)
}
