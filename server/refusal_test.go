package server

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestSocketRefusals(t *testing.T) {
	e := newEnv(t)
	t.Run("first frame not hello", func(t *testing.T) {
		c := e.dial("/v1/ws/agent")
		c.send(map[string]any{"type": "ping"})
		if code := c.closeCode(); code != closeBadHello {
			t.Fatalf("close %d", code)
		}
	})
	t.Run("no hello in time", func(t *testing.T) {
		c := e.dial("/v1/ws/visitor")
		if code := c.closeCode(); code != closeBadHello {
			t.Fatalf("close %d", code)
		}
	})
	t.Run("unknown token", func(t *testing.T) {
		c := e.dial("/v1/ws/agent")
		c.send(map[string]any{"type": "hello", "token": "nope"})
		if code := c.closeCode(); code != closeUnauthorized {
			t.Fatalf("close %d", code)
		}
	})
	t.Run("unknown widget", func(t *testing.T) {
		c := e.dial("/v1/ws/visitor")
		c.send(map[string]any{"type": "hello", "widget": "nope"})
		if code := c.closeCode(); code != closeUnauthorized {
			t.Fatalf("close %d", code)
		}
	})
	t.Run("wrong visitor secret", func(t *testing.T) {
		v, wel := e.visitor(nil)
		_ = v
		c := e.dial("/v1/ws/visitor")
		c.send(map[string]any{"type": "hello", "widget": "demo", "resume": map[string]any{"visitor": wel["visitor"], "secret": "guess"}})
		if code := c.closeCode(); code != closeUnauthorized {
			t.Fatalf("close %d", code)
		}
	})
	t.Run("frame too large", func(t *testing.T) {
		c, _ := e.agent("ben")
		c.send(map[string]any{"type": "send", "session": "x", "text": strings.Repeat("a", MaxFrame)})
		if code := c.closeCode(); code != websocket.StatusMessageTooBig {
			t.Fatalf("close %d", code)
		}
	})
	t.Run("binary frames", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hello := e.dial("/v1/ws/visitor") // a binary hello
		_ = hello.ws.Write(ctx, websocket.MessageBinary, []byte(`{"type":"hello","widget":"demo"}`))
		later, _ := e.agent("ben") // a binary frame after the hello
		_ = later.ws.Write(ctx, websocket.MessageBinary, []byte(`{"type":"ping"}`))
		for _, c := range []*client{hello, later} {
			if code := c.closeCode(); code != websocket.StatusUnsupportedData {
				t.Fatalf("close %d, want %d", code, websocket.StatusUnsupportedData)
			}
		}
	})
	t.Run("bad frames leave the socket usable", func(t *testing.T) {
		c, _ := e.agent("ben")
		c.refused(map[string]any{"type": "teleport"}, "bad_request")
		c.refused(map[string]any{"type": "presence", "status": "busy"}, "bad_request")
		c.refused(map[string]any{"type": "accept", "offer": "abc"}, "bad_request")
		c.refused(map[string]any{"type": "accept", "offer": "999"}, "conflict")
		c.refused(map[string]any{"type": "send", "session": "nope", "text": "x"}, "not_found")
		c.refused(map[string]any{"type": "send", "session": "x", "text": strings.Repeat("a", 5000)}, "bad_request")
		c.refused(map[string]any{"type": "transfer", "session": "x"}, "bad_request")
		c.refused(map[string]any{"type": "wrapup", "session": "x"}, "bad_request")
		// A member of the wrong kind: refused, and answered with the frame's ref.
		c.refused(map[string]any{"type": "presence", "status": 5}, "bad_request")
		c.refused(map[string]any{"type": "send", "session": "x", "text": []any{"a"}}, "bad_request")
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = c.ws.Write(ctx, websocket.MessageText, []byte("{not json"))
		c.wait("error", func(m map[string]any) bool { return m["code"] == "bad_request" })
		c.send(map[string]any{"type": "ping"})
		c.wait("pong", nil)
	})
	t.Run("visitor sees only their session", func(t *testing.T) {
		ben := e.available("ben")
		v1, _ := e.visitor(nil)
		sid := str(v1.ok(map[string]any{"type": "send", "text": "mine"}), "session")
		ben.ok(map[string]any{"type": "accept", "offer": offerID(ben.wait("offer", nil))})
		// ana is not in the session: she may not act on it.
		ana, _ := e.agent("ana")
		ana.refused(map[string]any{"type": "send", "session": sid, "text": "x"}, "forbidden")
		ana.refused(map[string]any{"type": "join", "session": sid}, "forbidden")
		ana.refused(map[string]any{"type": "end", "session": sid}, "forbidden")
		v2, _ := e.visitor(nil)
		v2.refused(map[string]any{"type": "csat", "rating": 4}, "not_found")
		v2.refused(map[string]any{"type": "csat", "rating": 9}, "bad_request")
	})
}

func TestHTTPRefusals(t *testing.T) {
	e := newEnv(t)
	tok := e.srv.DemoTokens()["ben"]
	e.api("POST", "/v1/sessions", `{"channel":"sms_inbound","queue":"support","contact":{"phone":"+1555"}}`) // support is in use
	for _, tc := range []struct {
		key, method, path, body string
		status                  int
		code                    string
	}{
		{"", "GET", "/v1/queues", "", 401, "unauthorized"},
		{"wrong", "GET", "/v1/queues", "", 401, "unauthorized"},
		{tok, "PUT", "/v1/queues/x", `{"name":"X"}`, 403, "forbidden"},
		{tok, "GET", "/v1/workspaces", "", 403, "forbidden"},
		{testAdmin, "PUT", "/v1/queues/x", `{"name":"X","bogus":1}`, 400, "bad_request"},
		{testAdmin, "PUT", "/v1/queues/x", `{"name":""}`, 400, "bad_request"},
		{testAdmin, "PUT", "/v1/queues/bad%20id", `{"name":"X"}`, 400, "bad_request"},
		{testAdmin, "PUT", "/v1/agents/zed", `{"name":"Zed","queues":["nope"]}`, 404, "not_found"},
		{testAdmin, "PUT", "/v1/agents/zed", `{"name":"Zed","capacity":{"fax":1}}`, 400, "bad_request"},
		{testAdmin, "POST", "/v1/sessions", `{"channel":"web_chat","queue":"support"}`, 400, "bad_request"},
		{testAdmin, "POST", "/v1/sessions", `{"channel":"carrier_pigeon","queue":"support"}`, 400, "bad_request"},
		{testAdmin, "POST", "/v1/sessions", `{"channel":"sms_inbound","queue":"nope"}`, 404, "not_found"},
		{testAdmin, "GET", "/v1/sessions/nope", "", 404, "not_found"},
		{testAdmin, "GET", "/v1/nothing", "", 404, "not_found"},
		{testAdmin, "DELETE", "/v1/queues/support", "", 409, "conflict"},
		{testAdmin, "PUT", "/v1/queues/x", strings.Repeat(" ", 2<<20), 413, "too_large"},
	} {
		status, body := e.apiAs(tc.key, tc.method, tc.path, tc.body)
		if status != tc.status || str(body, "code") != tc.code {
			t.Errorf("%s %s as %.6q: %d %v, want %d %s", tc.method, tc.path, tc.key, status, body, tc.status, tc.code)
		}
	}
	// Agents read themselves; supervisors read everyone.
	if status, _ := e.apiAs(tok, "GET", "/v1/agents/ben", ""); status != 200 {
		t.Errorf("ben reads himself: %d", status)
	}
	if status, _ := e.apiAs(tok, "GET", "/v1/agents/ana", ""); status != 403 {
		t.Errorf("ben reads ana: %d", status)
	}
	if status, _ := e.apiAs(e.srv.DemoTokens()["sam"], "GET", "/v1/agents/ana", ""); status != 200 {
		t.Errorf("sam reads ana: %d", status)
	}
}

func TestWorkspacesAndKeys(t *testing.T) {
	e := newEnv(t)
	code, body := e.api("PUT", "/v1/workspaces/acme", `{"name":"Acme","widget_keys":["acme-widget"],"allowed_origins":["https://shop.acme.test"]}`)
	key := str(body, "api_key")
	if code != 201 || key == "" {
		t.Fatalf("create workspace %d %v", code, body)
	}
	// The API key acts on its own workspace only.
	if code, _ := e.apiAs(key, "PUT", "/v1/queues/help", `{"name":"Help"}`); code != 200 {
		t.Fatalf("queue in acme: %d", code)
	}
	if _, b := e.apiAs(key, "GET", "/v1/queues", ""); len(get(b, "queues").([]any)) != 1 {
		t.Fatalf("acme queues %v", b)
	}
	if code, b := e.apiAs(key, "PATCH", "/v1/workspace", `{"name":"Acme Inc"}`); code != 200 || str(b, "name") != "Acme Inc" {
		t.Fatalf("patch %d %v", code, b)
	}
	if code, b := e.apiAs(key, "POST", "/v1/agents/nobody/token", ""); code != 404 {
		t.Fatalf("token for unknown agent %d %v", code, b)
	}
	e.apiAs(key, "PUT", "/v1/agents/zoe", `{"name":"Zoe","queues":["help"]}`)
	_, tb := e.apiAs(key, "POST", "/v1/agents/zoe/token", "")
	c := e.dial("/v1/ws/agent")
	c.send(map[string]any{"type": "hello", "token": str(tb, "token")})
	if w := c.wait("welcome", nil); str(w, "agent", "id") != "zoe" {
		t.Fatalf("welcome %v", w)
	}
	// A new token replaces the old one.
	e.apiAs(key, "POST", "/v1/agents/zoe/token", "")
	c2 := e.dial("/v1/ws/agent")
	c2.send(map[string]any{"type": "hello", "token": str(tb, "token")})
	if code := c2.closeCode(); code != closeUnauthorized {
		t.Fatalf("old token: close %d", code)
	}
	if code, b := e.api("GET", "/v1/workspaces", ""); code != 200 || len(get(b, "workspaces").([]any)) != 2 {
		t.Fatalf("list %d %v", code, b)
	}
}

// TestWorkspaceSettingsWhileInUse: a workspace's settings change while its
// key authenticates requests, its widget key opens visitor sockets and its
// settings are read (run with -race: the settings are swapped whole, never
// written in place).
func TestWorkspaceSettingsWhileInUse(t *testing.T) {
	e := newEnv(t)
	_, created := e.api("PUT", "/v1/workspaces/acme", `{"name":"Acme","widget_keys":["acme-widget"]}`)
	key := str(created, "api_key")
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if code, body := e.apiAs(key, "GET", "/v1/workspace", ""); code != 200 || str(body, "id") != "acme" {
					t.Errorf("GET /v1/workspace: %d %v", code, body)
					return
				}
			}
		})
	}
	for i := range 30 {
		body := fmt.Sprintf(`{"name":"Acme %d","allowed_origins":["https://%d.acme.test"],"miss_limit":%d,"status_retention":"%dd"}`, i, i, 1+i%5, 1+i)
		if code, b := e.apiAs(key, "PATCH", "/v1/workspace", body); code != 200 || str(b, "name") != fmt.Sprintf("Acme %d", i) {
			t.Fatalf("PATCH %d: %d %v", i, code, b)
		}
	}
	close(done)
	wg.Wait()
	if _, b := e.apiAs(key, "GET", "/v1/workspace", ""); str(b, "name") != "Acme 29" || b["miss_limit"] != 5.0 || str(b, "status_retention") != "30d" {
		t.Errorf("the last settings: %v", b)
	}
}
