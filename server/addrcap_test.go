package server

import (
	"context"
	"net/http"
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
