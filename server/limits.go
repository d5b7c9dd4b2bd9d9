package server

import "sync"

// limits are the server's rate limits, per key. Every refusal is a
// rate_limited error frame or problem document; the socket stays open.
type limits struct {
	visitorHello *limiter // hellos per address
	visitorMsg   *limiter // frames per visitor
	addrFrames   *limiter // visitor frames per address
	widget       *limiter // new visitor sessions per widget key (each site its own allowance)
	agentFrames  *limiter // frames per agent socket
	httpAddr     *limiter // HTTP API calls per address; nil: no limit
}

// DefaultAPICallsPerAddr is the default limit of HTTP API calls per second
// from one address, with bursts of five times as many: a telephony or
// email connector making three calls per contact stays under it up to
// about 65 contacts a second.
const DefaultAPICallsPerAddr = 200

// DefaultMaxVisitorsPerAddr is the default cap on visitor sockets open at
// once from one address: generous for an office behind one NAT address,
// small against one client opening chats by the thousand.
const DefaultMaxVisitorsPerAddr = 50

// openCount counts what is open per key (visitor sockets per address),
// with a cap.
type openCount struct {
	mu  sync.Mutex
	n   map[string]int
	max int
}

func newOpenCount(max int) *openCount {
	if max == 0 {
		max = DefaultMaxVisitorsPerAddr
	}
	return &openCount{n: map[string]int{}, max: max}
}

// acquire counts one more for key, unless key is at the cap.
func (o *openCount) acquire(key string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.max > 0 && o.n[key] >= o.max {
		return false
	}
	o.n[key]++
	return true
}

// release counts one less for key.
func (o *openCount) release(key string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n[key]--; o.n[key] <= 0 {
		delete(o.n, key)
	}
}

// newLimits builds the limits, with apiPerAddr API calls per second per
// address (0: DefaultAPICallsPerAddr; negative: no limit).
func newLimits(apiPerAddr int) limits {
	if apiPerAddr == 0 {
		apiPerAddr = DefaultAPICallsPerAddr
	}
	var api *limiter
	if apiPerAddr > 0 {
		api = newLimiter(float64(apiPerAddr), 5*apiPerAddr, 100_000)
	}
	return limits{
		visitorHello: newLimiter(2, 20, 100_000),
		visitorMsg:   newLimiter(5, 20, 100_000),
		addrFrames:   newLimiter(50, 200, 100_000),
		widget:       newLimiter(200, 1000, 10_000),
		agentFrames:  newLimiter(100, 400, 100_000),
		httpAddr:     api,
	}
}
