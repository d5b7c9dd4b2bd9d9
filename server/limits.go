package server

// limits are the server's rate limits, per key. Every refusal is a
// rate_limited error frame or problem document; the socket stays open.
type limits struct {
	visitorHello *limiter // hellos per address
	visitorMsg   *limiter // frames per visitor
	addrFrames   *limiter // visitor frames per address
	widget       *limiter // new visitor sessions per widget key
	agentFrames  *limiter // frames per agent socket
	httpAddr     *limiter // HTTP API calls per address
}

func newLimits() limits {
	return limits{
		visitorHello: newLimiter(2, 20, 100_000),
		visitorMsg:   newLimiter(5, 20, 100_000),
		addrFrames:   newLimiter(50, 200, 100_000),
		widget:       newLimiter(200, 1000, 10_000),
		agentFrames:  newLimiter(100, 400, 100_000),
		httpAddr:     newLimiter(200, 1000, 100_000),
	}
}
