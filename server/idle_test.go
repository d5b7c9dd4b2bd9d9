package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/coder/websocket"
)

// Idle sockets have no goroutine watching for shutdown: their writer does.
// Server.Close still closes every one with 1001 at once.
func TestShutdownClosesIdleSockets(t *testing.T) {
	e := newEnv(t)
	ag := e.available("ana")
	v, _ := e.visitor(nil)
	done := make(chan error, 1)
	go func() { done <- e.srv.Close() }()
	for name, c := range map[string]*client{"agent": ag, "visitor": v} {
		if code := c.closeCode(); code != websocket.StatusGoingAway {
			t.Errorf("%s closed with %v, want 1001", name, code)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A socket route returns to net/http once the connection is hijacked; a
// panic before that still reaches net/http, in its own goroutine.
func TestDetachedPanicBeforeHijack(t *testing.T) {
	e := newEnv(t)
	h := e.srv.detached(func(http.ResponseWriter, *http.Request) { panic("boom") })
	defer func() {
		if p := recover(); p != "boom" {
			t.Errorf("recovered %v, want boom", p)
		}
	}()
	h(httptest.NewRecorder(), httptest.NewRequest("GET", "/v1/ws/agent", nil))
	t.Error("no panic")
}

// A refusal written before any hijack reaches the client: ServeHTTP waits
// for the handler when it does not hijack.
func TestDetachedWithoutHijack(t *testing.T) {
	e := newEnv(t)
	h := e.srv.detached(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	rec := httptest.NewRecorder()
	h(rec, httptest.NewRequest("GET", "/v1/ws/agent", nil))
	if rec.Code != http.StatusTeapot {
		t.Errorf("status %d", rec.Code)
	}
}
