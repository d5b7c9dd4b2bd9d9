package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestVisitorSocketsCappedPerAddress: one address may hold at most
// MaxVisitorsPerAddr visitor sockets; the next is refused with 429 before
// any hub work, and a closed socket frees its place.
func TestVisitorSocketsCappedPerAddress(t *testing.T) {
	e := newEnvWith(t, Config{MaxVisitorsPerAddr: 3})
	var open []*client
	for i := 0; i < 3; i++ {
		v, _ := e.visitor(nil)
		open = append(open, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	url := strings.Replace(e.http.URL, "http", "ws", 1) + "/v1/ws/visitor"
	_, resp, err := websocket.Dial(ctx, url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("fourth visitor socket from one address: err %v, response %v; want 429", err, resp)
	}
	// The agents' sockets are not counted.
	e.agent("ana")

	_ = open[0].ws.Close(websocket.StatusNormalClosure, "bye")
	deadline := time.Now().Add(5 * time.Second)
	for {
		ws, resp, err := websocket.Dial(ctx, url, nil)
		if err == nil {
			_ = ws.CloseNow()
			break
		}
		if resp == nil || resp.StatusCode != http.StatusTooManyRequests || time.Now().After(deadline) {
			t.Fatalf("after one visitor left: %v %v", err, resp)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestAPICallsPerAddr: an address may make APICallsPerAddr API calls a
// second with bursts of five times as many; past them a call is refused
// with 429 rate_limited before anything is done, and a negative setting
// lifts the limit. The clock is the test's, so no token comes back.
func TestAPICallsPerAddr(t *testing.T) {
	e := newEnvWith(t, Config{APICallsPerAddr: 4})
	for i := range 20 {
		if code, _ := e.api("PUT", "/v1/queues/q"+strconv.Itoa(i), `{"name":"Q"}`); code != 200 {
			t.Fatalf("call %d of a burst of 20: %d", i+1, code)
		}
	}
	code, p := e.api("PUT", "/v1/queues/q20", `{"name":"Q"}`)
	if code != http.StatusTooManyRequests || p["code"] != "rate_limited" {
		t.Fatalf("21st call: %d %v, want 429 rate_limited", code, p)
	}
	if code, _ := e.api("GET", "/v1/queues/q20", ""); code != http.StatusTooManyRequests {
		t.Fatalf("22nd call: %d", code)
	}
	e.clock.Advance(time.Second) // four more tokens
	if code, _ := e.api("GET", "/v1/queues/q20", ""); code != http.StatusNotFound {
		t.Fatalf("after a second: %d, want 404 (the refused PUT changed nothing)", code)
	}

	free := newEnvWith(t, Config{APICallsPerAddr: -1})
	for i := range 1200 { // past the default's burst of 1,000
		if code, _ := free.api("GET", "/v1/queues", ""); code != 200 {
			t.Fatalf("call %d without a limit: %d", i+1, code)
		}
	}
}
