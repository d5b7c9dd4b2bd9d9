package load

import (
	"context"
	"encoding/json"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// Voice calls come in over the HTTP API, as a telephony system hands them
// to the hub: the bench's connector posts each call (POST /v1/sessions,
// channel voice_inbound) as a Poisson process; the hub offers it to an
// agent like a chat; the agent accepts; its softphone reports the call
// connected (POST /v1/sessions/{id}/events), and after an exponential talk
// time the caller hangs up (event ended, by customer); the agent wraps up.
// The softphone's events are posted by the agent's own process, so that a
// call posted by one worker and answered in another needs no message
// between them.
//
// With --patience a caller hangs up when no agent answered within a
// patience drawn for it (as for visitors: patienceOf): once it is up, the
// connector reads the call (GET /v1/sessions/{id}) and, if it still waits
// in the queue, posts its end by the customer, which the hub counts as
// abandoned. A call answered by one of this process's agents once its 201
// came back needs no read: the connector and the softphones share the
// call's state (one answered before, or in another process, is read).

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

// request sends body (JSON, nil for none) to path once over the next of
// the API clients (a refusal is counted, not retried: a retry would hide
// the server's latency) and returns the answer's body and whether it was
// a 2xx. Unless ctx ended, a failure is counted as "<what>_<problem code>"
// (or "<what>_http_<status>"), or by its transport error (errKind).
func (r *runner) request(ctx context.Context, method, path string, body any, what string) ([]byte, bool) {
	var raw []byte
	var err error
	if body != nil {
		raw, err = json.Marshal(body)
	}
	status, data := 0, []byte(nil)
	if err == nil {
		status, data, err = r.api.send(ctx, r.apiClients.pick(), method, path, raw)
	}
	switch {
	case err == nil && status/100 == 2:
		return data, true
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
	return nil, false
}

// ring posts cfg's calls (callsOf): cfg.Calls per second as a Poisson
// process until cfg.Duration has passed.
func (r *runner) ring(ctx context.Context, start time.Time) {
	for c := range callsOf(r.cfg) {
		if !sleepUntil(ctx, start.Add(c.at)) {
			return
		}
		r.posting.Add(1)
		r.bg.Go(func() {
			sid := r.placeCall(ctx, c.n)
			r.posting.Add(-1)
			if sid != "" && c.patience > 0 {
				r.wait(ctx, sid, c.patience)
			}
		})
	}
}

// placeCall posts call n and returns its session id ("" when refused):
// its contact name carries the time it was posted, for the offer's
// latency at the agent.
func (r *runner) placeCall(ctx context.Context, n int) string {
	sent := time.Now()
	queue := queueOf(r.cfg, callKind, n)
	r.countQueue(presence.Voice, queue)
	body := map[string]any{"channel": "voice_inbound", "queue": queue,
		"contact": map[string]any{"name": callStamp(r.cfg.Worker, n, sent), "phone": "+1555" + strconv.Itoa(1000000+n%9000000)}}
	return r.postSession(ctx, body, sent, "call_post", r.callPost, &r.callsPosted)
}

// postSession posts a new session, a call or an email, sent at sent: it
// times the POST on took and counts it in posted, and returns the
// session's id ("" when refused, counted under what).
func (r *runner) postSession(ctx context.Context, body map[string]any, sent time.Time, what string, took *Hist, posted *atomic.Int64) string {
	data, ok := r.request(ctx, http.MethodPost, "/v1/sessions", body, what)
	if !ok {
		return ""
	}
	took.Add(time.Since(sent))
	posted.Add(1)
	var card struct {
		Session string `json:"session"`
	}
	if json.Unmarshal(data, &card) != nil || card.Session == "" {
		r.fail(what + "_no_session")
		return ""
	}
	return card.Session
}

// What this process knows of a call with a patience it posted
// (r.callStates).
const (
	callWaiting int32 = iota
	callAnswered
	callHungUp
)

// wait is call sid's caller waiting for an agent for patience: then,
// unless an agent of this process answered it, the connector reads the
// call and hangs up if it still waits in the queue.
func (r *runner) wait(ctx context.Context, sid string, patience time.Duration) {
	st := new(atomic.Int32)
	r.callStates.Store(sid, st)
	defer r.callStates.Delete(sid)
	if !sleep(ctx, patience) {
		return
	}
	if !st.CompareAndSwap(callWaiting, callHungUp) {
		return // answered here
	}
	data, ok := r.request(ctx, http.MethodGet, "/v1/sessions/"+sid, nil, "call_read")
	var card struct {
		StateName string `json:"state_name"`
	}
	if !ok || json.Unmarshal(data, &card) != nil || card.StateName != "queued" && card.StateName != "requeued" {
		return // answered in another process (or unreadable: counted)
	}
	if r.event(ctx, sid, "ended") {
		r.callsAbandoned.Add(1)
	}
}

// claimAnswer reports whether an agent of this process that accepted call
// sid may report it connected: false when its caller hung up as it was
// answered (the hub then ends the call, and its wrap-up follows).
func (r *runner) claimAnswer(sid string) bool {
	st, ok := r.callStates.Load(sid)
	return !ok || st.(*atomic.Int32).CompareAndSwap(callWaiting, callAnswered)
}

// answered is an agent's softphone once the hub acknowledged its accept of
// call sid: it reports the call connected, and the caller hangs up after
// talk, the call's own talk time.
func (a *agent) answered(ctx context.Context, sid string, talk time.Duration) {
	r := a.r
	r.callsAnswered.Add(1)
	if !r.claimAnswer(sid) {
		return
	}
	r.bg.Go(func() {
		if r.event(ctx, sid, "connected") && sleep(ctx, talk) {
			r.event(ctx, sid, "ended")
		}
	})
}

// sleep waits for d and reports whether ctx is still going then.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// sleepUntil waits until t; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool { return sleep(ctx, time.Until(t)) }

// event posts a telephony event of call sid and times it.
func (r *runner) event(ctx context.Context, sid, ev string) bool {
	sent := time.Now()
	body := map[string]any{"event": ev}
	if ev == "ended" {
		body["by"] = "customer"
	}
	if _, ok := r.request(ctx, http.MethodPost, "/v1/sessions/"+sid+"/events", body, "call_"+ev); !ok {
		return false
	}
	r.callEvent.Add(time.Since(sent))
	return true
}

// callStamp is a call's contact name, carrying the time it was posted:
// "bc-<worker>-<n>-<unix nanoseconds>".
func callStamp(worker, n int, at time.Time) string { return stampAs("bc", worker, n, at) }
