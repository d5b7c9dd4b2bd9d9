package load

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Voice calls come in over the HTTP API, as a telephony system hands them
// to the hub: the bench's connector posts each call (POST /v1/sessions,
// channel voice_inbound) as a Poisson process; the hub offers it to an
// agent like a chat; the agent accepts; its softphone reports the call
// connected (POST /v1/sessions/{id}/events), and after an exponential talk
// time the caller hangs up (event ended, by customer); the agent wraps up.
// The softphone's events are posted by the agent's own process, so that a
// call posted by one worker and answered in another needs no message
// between them. Calls do not abandon: --patience is the visitors'.

// callClients are the HTTP clients of the connector and the softphones:
// keep-alive connections, spread over loopback source addresses when the
// server is local, since the server allows 200 API calls per second per
// address.
type callClients struct {
	clients []*http.Client
	mu      sync.Mutex
	next    int
}

// apiCallsPerAddr is the most API calls per second the bench sends from
// one source address: under the server's 200, with room for bursts.
const apiCallsPerAddr = 150

// newCallClients builds clients for about perSecond API calls per second
// to addr.
func newCallClients(addr string, perSecond float64) *callClients {
	n := 1
	host, _, err := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	local := err == nil && (host == "localhost" || (ip != nil && ip.IsLoopback() && ip.To4() != nil))
	if local {
		n = max(1, int(math.Ceil(perSecond/apiCallsPerAddr)))
	}
	cc := &callClients{}
	for i := range n {
		tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}
		if local {
			nd := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 2, byte(i/250), byte(1+i%250))}, Timeout: 10 * time.Second}
			tr.DialContext = nd.DialContext
		}
		cc.clients = append(cc.clients, &http.Client{Transport: tr, Timeout: 30 * time.Second})
	}
	return cc
}

// pick returns the next client, round robin.
func (cc *callClients) pick() *http.Client {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.next++
	return cc.clients[cc.next%len(cc.clients)]
}

// close drops the clients' idle connections.
func (cc *callClients) close() {
	for _, c := range cc.clients {
		c.CloseIdleConnections()
	}
}

// post sends body to path with the workspace's API key, once (a refusal is
// counted, not retried: a retry would hide the server's latency), and
// decodes a 2xx answer into out. kind names the error when it fails:
// "<kind>_<problem code>" for a problem document, "<kind>_<transport
// error>" otherwise.
func (r *runner) post(ctx context.Context, path string, body, out any) (ok bool, kind string) {
	raw, err := json.Marshal(body)
	if err != nil {
		return false, "marshal"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.api.base+path, bytes.NewReader(raw))
	if err != nil {
		return false, "request"
	}
	req.Header.Set("Authorization", "Bearer "+r.api.key)
	req.Header.Set("Content-Type", "application/json")
	if r.api.workspace != "" {
		req.Header.Set("Switchboard-Workspace", r.api.workspace)
	}
	resp, err := r.apiClients.pick().Do(req)
	if err != nil {
		return false, errKind("", err)[1:]
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return false, errKind("", err)[1:]
	}
	if resp.StatusCode/100 != 2 {
		var p struct {
			Code string `json:"code"`
		}
		if json.Unmarshal(data, &p) != nil || p.Code == "" {
			return false, "http_" + strconv.Itoa(resp.StatusCode)
		}
		return false, p.Code
	}
	if out != nil && json.Unmarshal(data, out) != nil {
		return false, "bad_answer"
	}
	return true, ""
}

// ring posts calls as a Poisson process at cfg.Calls per second until
// cfg.Duration has passed.
func (r *runner) ring(ctx context.Context, start time.Time) {
	cfg := r.cfg
	rng := rand.New(rand.NewPCG(cfg.Seed^0x63616c6c, uint64(cfg.Worker)+1))
	poisson(ctx, rng, cfg.Calls, cfg.Duration, start, func(n int) {
		r.callsPosting.Add(1)
		r.bg.Add(1)
		go func() {
			defer r.bg.Done()
			defer r.callsPosting.Add(-1)
			r.placeCall(ctx, n)
		}()
	})
}

// placeCall posts call n: its contact name carries the time it was posted,
// for the offer's latency at the agent.
func (r *runner) placeCall(ctx context.Context, n int) {
	sent := time.Now()
	body := map[string]any{"channel": "voice_inbound", "queue": QueueID,
		"contact": map[string]any{"name": callStamp(r.cfg.Worker, n, sent), "phone": "+1555" + strconv.Itoa(1000000+n%9000000)}}
	ok, kind := r.post(ctx, "/v1/sessions", body, nil)
	if !ok {
		if ctx.Err() == nil {
			r.fail("call_post_" + kind)
		}
		return
	}
	r.callPost.Add(time.Since(sent))
	r.callsPosted.Add(1)
}

// answered is an agent's softphone once the hub acknowledged its accept of
// call sid: it reports the call connected, and the caller hangs up after a
// talk time drawn from the agent's generator.
func (a *agent) answered(ctx context.Context, sid string) {
	r := a.r
	r.callsAnswered.Add(1)
	a.mu.Lock()
	talk := time.Duration(a.rng.ExpFloat64() * float64(r.cfg.CallLength))
	a.mu.Unlock()
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		if !r.event(ctx, sid, "connected") {
			return
		}
		t := time.NewTimer(talk)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.event(ctx, sid, "ended")
	}()
}

// event posts a telephony event of call sid and times it.
func (r *runner) event(ctx context.Context, sid, ev string) bool {
	sent := time.Now()
	body := map[string]any{"event": ev}
	if ev == "ended" {
		body["by"] = "customer"
	}
	ok, kind := r.post(ctx, "/v1/sessions/"+sid+"/events", body, nil)
	if !ok {
		if ctx.Err() == nil {
			r.fail("call_" + ev + "_" + kind)
		}
		return false
	}
	r.callEvent.Add(time.Since(sent))
	return true
}

// callStamp is a call's contact name, carrying the time it was posted:
// "bc-<worker>-<n>-<unix nanoseconds>".
func callStamp(worker, n int, at time.Time) string {
	return "bc" + stamp(worker, n, at)[2:]
}
