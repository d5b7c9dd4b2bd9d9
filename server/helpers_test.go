package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboardhq/switchboard/hub"
	"go.uber.org/zap/zaptest"
)

const testAdmin = "test-admin-key"

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC) // a Monday, noon UTC

// env is a running server with its demo workspace, over real sockets.
type env struct {
	t     *testing.T
	srv   *Server
	http  *httptest.Server
	clock *hub.ManualClock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := hub.NewManualClock(t0)
	cfg := Config{AdminKey: testAdmin, Clock: clock, HelloTimeout: 2 * time.Second, WriteTimeout: time.Second}
	if os.Getenv("SWITCHBOARD_TEST_LOG") != "" {
		cfg.Logger = zaptest.NewLogger(t)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	e := &env{t: t, srv: srv, http: hs, clock: clock}
	t.Cleanup(func() {
		hs.CloseClientConnections()
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
		hs.Close()
	})
	return e
}

// client is a test websocket client that reads frames in the background.
type client struct {
	t      *testing.T
	ws     *websocket.Conn
	mu     sync.Mutex
	frames []map[string]any
	seen   int
	closed chan struct{}
	err    error
	refs   int
}

func (e *env) dial(path string) *client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, strings.Replace(e.http.URL, "http", "ws", 1)+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	ws.SetReadLimit(1 << 20)
	c := &client{t: e.t, ws: ws, closed: make(chan struct{})}
	go c.readLoop()
	e.t.Cleanup(func() { _ = ws.CloseNow() })
	return c
}

func (c *client) readLoop() {
	defer close(c.closed)
	var lastSeq float64
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			return
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			c.t.Errorf("frame is not JSON: %s", data)
			return
		}
		if seq, _ := m["seq"].(float64); seq != lastSeq+1 {
			c.t.Errorf("seq %v after %v: %s", m["seq"], lastSeq, data)
		} else {
			lastSeq = seq
		}
		if typ, ok := m["type"].(string); ok {
			seenTypes.Store(typ, true)
		}
		c.mu.Lock()
		c.frames = append(c.frames, m)
		c.mu.Unlock()
	}
}

func (c *client) send(v map[string]any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatal(err)
	}
}

// cmd sends v with a fresh ref and waits for its ack or error.
func (c *client) cmd(v map[string]any) map[string]any {
	c.t.Helper()
	c.refs++
	ref := fmt.Sprintf("r%d", c.refs)
	v["ref"] = ref
	c.send(v)
	return c.waitAny(func(m map[string]any) bool {
		return m["ref"] == ref && (m["type"] == "ack" || m["type"] == "error")
	}, "answer to "+ref)
}

// ok runs cmd and fails unless it was acknowledged.
func (c *client) ok(v map[string]any) map[string]any {
	c.t.Helper()
	m := c.cmd(v)
	if m["type"] != "ack" {
		c.t.Fatalf("%v refused: %v", v, m)
	}
	return m
}

// refused runs cmd and fails unless it was refused with code.
func (c *client) refused(v map[string]any, code string) {
	c.t.Helper()
	m := c.cmd(v)
	if m["type"] != "error" || m["code"] != code {
		c.t.Fatalf("%v: %v, want error %s", v, m, code)
	}
}

// wait returns the next unseen frame of type typ for which match holds
// (match may be nil), skipping others, within 5 s.
func (c *client) wait(typ string, match func(map[string]any) bool) map[string]any {
	c.t.Helper()
	return c.waitAny(func(m map[string]any) bool { return m["type"] == typ && (match == nil || match(m)) }, typ)
}

func (c *client) waitAny(match func(map[string]any) bool, what string) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		for i := c.seen; i < len(c.frames); i++ {
			if match(c.frames[i]) {
				m := c.frames[i]
				c.frames = append(c.frames[:i], c.frames[i+1:]...)
				c.mu.Unlock()
				return m
			}
		}
		err := c.err
		c.mu.Unlock()
		if err != nil {
			c.t.Fatalf("waiting for %s: socket closed: %v", what, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t.Fatalf("no %s within 5 s; frames: %v", what, c.frames)
	return nil
}

// closeCode waits for the socket to close and returns the close code.
func (c *client) closeCode() websocket.StatusCode {
	c.t.Helper()
	select {
	case <-c.closed:
	case <-time.After(5 * time.Second):
		c.t.Fatal("socket not closed")
	}
	return websocket.CloseStatus(c.err)
}

// agent connects agent id of the demo workspace and waits for welcome.
func (e *env) agent(id string) (*client, map[string]any) {
	e.t.Helper()
	c := e.dial("/v1/ws/agent")
	c.send(map[string]any{"type": "hello", "token": e.srv.DemoTokens()[id]})
	return c, c.wait("welcome", nil)
}

// available connects agent id and sets them available.
func (e *env) available(id string) *client {
	e.t.Helper()
	c, _ := e.agent(id)
	c.ok(map[string]any{"type": "presence", "status": "available"})
	return c
}

// visitor connects a visitor with hello fields extra.
func (e *env) visitor(extra map[string]any) (*client, map[string]any) {
	e.t.Helper()
	c := e.dial("/v1/ws/visitor")
	hello := map[string]any{"type": "hello", "widget": "demo"}
	for k, v := range extra {
		hello[k] = v
	}
	c.send(hello)
	return c, c.wait("welcome", nil)
}

// api calls the HTTP API with the admin key; it returns status and body.
func (e *env) api(method, path, body string) (int, map[string]any) {
	e.t.Helper()
	return e.apiAs(testAdmin, method, path, body)
}

func (e *env) apiAs(key, method, path, body string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.http.URL+path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	if m == nil {
		m = map[string]any{"_raw": string(data)}
	}
	return resp.StatusCode, m
}

// get returns a nested field of a frame: get(m, "card", "color").
func get(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

func str(m map[string]any, path ...string) string {
	s, _ := get(m, path...).(string)
	return s
}
