package server

import (
	"testing"

	"github.com/coder/websocket"
)

// TestNewChatLimitPerWidgetKey checks that the limit on new visitor
// sessions counts per widget key: a workspace with two keys (two sites)
// gets the allowance twice, and one key over its allowance is closed
// with 1013 and creates nothing.
func TestNewChatLimitPerWidgetKey(t *testing.T) {
	e := newEnv(t)
	e.srv.limits.widget = newLimiter(0, 1, 10) // one new session per key, never refilled
	if status, b := e.api("PATCH", "/v1/workspace", `{"widget_keys":["demo","demo-2"]}`); status/100 != 2 {
		t.Fatalf("PATCH widget keys: %d %v", status, b)
	}
	e.visitor(map[string]any{"widget": "demo"})
	over := e.dial("/v1/ws/visitor")
	over.send(map[string]any{"type": "hello", "widget": "demo"})
	if code := over.closeCode(); code != websocket.StatusTryAgainLater {
		t.Fatalf("second new chat on key demo: close %d, want 1013", code)
	}
	e.visitor(map[string]any{"widget": "demo-2"}) // the other key has its own allowance
	_, b := e.api("GET", "/v1/sessions?limit=100", "")
	items, _ := get(b, "items").([]any)
	if len(items) > 2 {
		t.Errorf("%d sessions after two welcomed visitors: %v", len(items), b)
	}
}
