package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/switchboardhq/switchboard/hub"
)

// httpFuzzRoutes are the API calls that take a body or a query, with the
// id or query the fuzzer's text fills in ("{}").
var httpFuzzRoutes = []struct{ method, path string }{
	{"PUT", "/v1/queues/{}"},
	{"PUT", "/v1/agents/{}"},
	{"POST", "/v1/agents/{}/token"},
	{"POST", "/v1/sessions"},
	{"POST", "/v1/sessions/{}/events"},
	{"GET", "/v1/sessions?{}"},
	{"GET", "/v1/sessions/{}"},
	{"GET", "/v1/sessions/{}/transcript?format=text"},
	{"GET", "/v1/queues/{}/waiting"},
	{"PATCH", "/v1/workspace"},
	{"PUT", "/v1/workspaces/{}"},
	{"DELETE", "/v1/queues/{}"},
	{"DELETE", "/v1/agents/{}"},
	{"GET", "/v1/agent-statuses?{}"},
}

var (
	fuzzSrvOnce sync.Once
	fuzzSrv     *Server
)

// FuzzHTTPBodies sends random bodies, ids and queries to every API route
// that reads them, as the admin (the most powerful caller): the answer is
// a success or a problem document with a code, never a 5xx or a panic, and
// the server keeps answering.
func FuzzHTTPBodies(f *testing.F) {
	seeds := []string{
		`{"name":"Support","accept_mode":"manual","languages":["en"]}`,
		`{"name":"Ana","queues":["support"],"capacity":{"chat":3,"voice":1},"languages":[{"tag":"es","level":"primary"}]}`,
		`{"media":"voice","queue":"support","contact":{"name":"Bo","phone":"+15550100"},"external_id":"c1"}`,
		`{"type":"hold","on":true}`,
		`{"widget_keys":["w2"],"allowed_origins":["https://shop.example"]}`,
		`{"name":"x","priority":1e309}`, `{"capacity":{"chat":-1}}`, `[]`, `null`, `{"a":`, "\x00\xff",
		`{"name":"` + strings.Repeat("é", 300) + `"}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), "support", s)
	}
	f.Add(uint8(5), "contact=email:a@b.c&state=3&queue=sales&limit=-4", "")
	f.Add(uint8(6), "../../etc/passwd", "")
	f.Add(uint8(13), "from=2026-11-20T00:00:00Z&to=2026-11-19&limit=0&cursor=9223372036854775807:ana&agent=ana", "")
	f.Add(uint8(13), "cursor=-1:&from=0001-01-01T00:00:00Z", "")
	f.Cleanup(func() {
		if fuzzSrv != nil {
			_ = fuzzSrv.Close()
		}
	})
	f.Fuzz(func(t *testing.T, route uint8, id, body string) {
		fuzzSrvOnce.Do(func() {
			srv, err := New(Config{AdminKey: testAdmin, Clock: hub.NewManualClock(t0)})
			if err != nil {
				t.Fatal(err)
			}
			fuzzSrv = srv
		})
		if fuzzSrv == nil {
			t.Skip("no server")
		}
		rt := httpFuzzRoutes[int(route)%len(httpFuzzRoutes)]
		target := strings.Replace(rt.path, "{}", id, 1)
		req, err := http.NewRequest(rt.method, "http://switchboard.test"+target, strings.NewReader(body))
		if err != nil || !strings.HasPrefix(req.URL.Path, "/v1/") {
			return // not a request a client could send
		}
		req.RemoteAddr = "192.0.2.1:1234"
		req.Header.Set("Authorization", "Bearer "+testAdmin)
		req.Header.Set("Switchboard-Workspace", "default")
		w := httptest.NewRecorder()
		fuzzSrv.Handler().ServeHTTP(w, req)
		if w.Code >= 500 && w.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s %s %q: %d %s", rt.method, target, body, w.Code, w.Body)
		}
		if w.Code >= 400 {
			var p map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p["code"] == nil || p["code"] == "" ||
				!strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
				t.Fatalf("%s %s %q: %d without a problem document: %s", rt.method, target, body, w.Code, w.Body)
			}
			if p["code"] == "internal" {
				t.Fatalf("%s %s %q: internal error: %s", rt.method, target, body, w.Body)
			}
		}
	})
}
