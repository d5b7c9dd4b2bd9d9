package load

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
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

// apiCallsPerAddr is the most API calls per second the bench sends from
// one source address: under the server's default of 200, with room for
// bursts.
const apiCallsPerAddr = 150

// newCallClients builds the HTTP clients of the connector and the
// softphones for about perSecond API calls per second to addr:
// keep-alive connections, spread over loopback source addresses (in
// 127.2.0.0/16, apart from the visitors') when the server is local.
func newCallClients(addr string, perSecond float64) *pool {
	n, local := 1, loopback(addr)
	if local {
		n = max(1, int(math.Ceil(perSecond/apiCallsPerAddr)))
	}
	p := &pool{}
	for i := range n {
		tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}
		if local {
			nd := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 2, byte(i/250), byte(1+i%250))}, Timeout: 10 * time.Second}
			tr.DialContext = nd.DialContext
		}
		p.clients = append(p.clients, &http.Client{Transport: tr, Timeout: 30 * time.Second})
	}
	return p
}

// post sends body to path once over the next of the calls' clients (a
// refusal is counted, not retried: a retry would hide the server's
// latency) and reports whether it got a 2xx. Unless ctx ended, a failure
// is counted as "<what>_<problem code>" (or "<what>_http_<status>"), or
// by its transport error (errKind).
func (r *runner) post(ctx context.Context, path string, body any, what string) bool {
	raw, err := json.Marshal(body)
	status, data := 0, []byte(nil)
	if err == nil {
		status, data, err = r.api.send(ctx, r.apiClients.pick(), http.MethodPost, path, raw)
	}
	switch {
	case err == nil && status/100 == 2:
		return true
	case ctx.Err() != nil:
	case err != nil:
		r.fail(errKind(what, err))
	default:
		var p struct {
			Code string `json:"code"`
		}
		if json.Unmarshal(data, &p) != nil || p.Code == "" {
			p.Code = "http_" + strconv.Itoa(status)
		}
		r.fail(what + "_" + p.Code)
	}
	return false
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
	if !r.post(ctx, "/v1/sessions", body, "call_post") {
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
	if !r.post(ctx, "/v1/sessions/"+sid+"/events", body, "call_"+ev) {
		return false
	}
	r.callEvent.Add(time.Since(sent))
	return true
}

// callStamp is a call's contact name, carrying the time it was posted:
// "bc-<worker>-<n>-<unix nanoseconds>".
func callStamp(worker, n int, at time.Time) string { return stampAs("bc", worker, n, at) }
