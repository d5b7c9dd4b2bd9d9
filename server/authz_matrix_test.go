package server

// The authorization matrix (issue #7): every HTTP endpoint with every kind
// of credential, every agent frame and every visitor frame with every role
// that might try it, and the answer each must get. A refusal must also
// change nothing: each refused cell compares the stored state of every
// workspace before and after. TestAuthzMatrixIsExhaustive fails when a frame
// type the server dispatches (or docs/protocol.md lists), or a route it
// serves, has no row here, so that nothing new skips this table.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/persist"
	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
)

// ---- discovery: what the server dispatches, serves and documents ----

// azDispatched returns the frame types the methods of recv in file switch
// on (every string case of a switch on <frame>.Type).
func azDispatched(t *testing.T, file, recv string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv == nil || len(fn.Recv.List) != 1 || fn.Body == nil {
			continue
		}
		rt := fn.Recv.List[0].Type
		if st, ok := rt.(*ast.StarExpr); ok {
			rt = st.X
		}
		if id, ok := rt.(*ast.Ident); !ok || id.Name != recv {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			sw, ok := n.(*ast.SwitchStmt)
			if !ok {
				return true
			}
			if sel, ok := sw.Tag.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Type" {
				return true
			}
			for _, st := range sw.Body.List {
				for _, e := range st.(*ast.CaseClause).List {
					if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						if s, err := strconv.Unquote(lit.Value); err == nil {
							seen[s] = true
						}
					}
				}
			}
			return true
		})
	}
	out := slices.Sorted(maps.Keys(seen))
	if len(out) == 0 {
		t.Fatalf("found no frame types dispatched by %s in %s: did the dispatch move?", recv, file)
	}
	return out
}

// azDocFrames returns the client→hub frame types of a socket section of
// docs/protocol.md ("Agent socket", "Visitor socket").
func azDocFrames(t *testing.T, section string) []string {
	t.Helper()
	data, err := os.ReadFile("../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i := strings.Index(doc, "\n## "+section+"\n")
	if i < 0 {
		t.Fatalf("docs/protocol.md has no section %q", section)
	}
	doc = doc[i:]
	if j := strings.Index(doc, "Hub → client"); j >= 0 {
		doc = doc[:j]
	}
	var out []string
	tick := regexp.MustCompile("`([a-z_]+)`")
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.SplitN(line, "|", 3)[1]
		for _, m := range tick.FindAllStringSubmatch(first, -1) {
			out = append(out, m[1])
		}
	}
	if len(out) == 0 {
		t.Fatalf("no client frames in docs/protocol.md section %q", section)
	}
	return out
}

// azRoutes returns the HTTP API routes ("METHOD /v1/...") that routes.go
// registers, less the sockets (their own matrices below).
func azRoutes(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "routes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		p, _ := strconv.Unquote(lit.Value)
		if method, path, ok := strings.Cut(p, " "); ok && method != "" && strings.HasPrefix(path, "/v1/") &&
			!strings.HasPrefix(path, "/v1/ws/") {
			out = append(out, p)
		}
		return true
	})
	if len(out) == 0 {
		t.Fatal("found no routes in routes.go")
	}
	return out
}

// azDocRoutes returns the endpoints of the HTTP API table of
// docs/protocol.md, without query strings.
func azDocRoutes(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i := strings.Index(doc, "\n## HTTP API\n")
	if i < 0 {
		t.Fatal("docs/protocol.md has no HTTP API section")
	}
	doc = doc[i+1:]
	if j := strings.Index(doc, "\n## "); j >= 0 {
		doc = doc[:j]
	}
	var out []string
	for _, m := range regexp.MustCompile("`((?:GET|PUT|POST|PATCH|DELETE) /v1/[^`?]*)").FindAllStringSubmatch(doc, -1) {
		out = append(out, m[1])
	}
	if len(out) == 0 {
		t.Fatal("no endpoints in docs/protocol.md's HTTP API section")
	}
	return out
}

// TestAuthzMatrixIsExhaustive fails when a frame type or a route has no row
// in the matrices of this file.
func TestAuthzMatrixIsExhaustive(t *testing.T) {
	agentRows, visitorRows := map[string]bool{}, map[string]bool{}
	for _, r := range azAgentMatrix {
		agentRows[r.typ] = true
	}
	for _, r := range azVisitorMatrix {
		visitorRows[r.typ] = true
	}
	check := func(what string, rows map[string]bool, served, documented []string) {
		known := map[string]bool{"hello": true} // the first frame, read by Server.hello
		for _, typ := range append(served, documented...) {
			known[typ] = true
		}
		for _, typ := range slices.Sorted(maps.Keys(known)) {
			if !rows[typ] {
				t.Errorf("%s frame %q (served or documented) has no row in the authorization matrix", what, typ)
			}
		}
		for _, typ := range slices.Sorted(maps.Keys(rows)) {
			if !known[typ] {
				t.Errorf("%s matrix row %q is a frame the server neither serves nor documents", what, typ)
			}
		}
	}
	check("agent", agentRows, azDispatched(t, "agent_ws.go", "agentConn"), azDocFrames(t, "Agent socket"))
	check("visitor", visitorRows, azDispatched(t, "visitor_ws.go", "visitorConn"), azDocFrames(t, "Visitor socket"))

	httpRows := map[string]bool{}
	for _, r := range azHTTPMatrix {
		httpRows[r.route] = true
	}
	for _, rt := range append(azRoutes(t), azDocRoutes(t)...) {
		if !httpRows[rt] {
			t.Errorf("endpoint %q has no row in the authorization matrix (server/authz_matrix_test.go)", rt)
		}
	}
}

// ---- shared helpers ----

// azDial opens a socket with extra request headers (Origin). The client
// reports to t.
func (e *env) azDial(t *testing.T, path string, hdr http.Header) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, strings.Replace(e.http.URL, "http", "ws", 1)+path,
		&websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(1 << 20)
	c := &client{t: t, ws: ws, closed: make(chan struct{})}
	go c.readLoop()
	t.Cleanup(func() { _ = ws.CloseNow() })
	return c
}

// azAgent connects an agent by token and waits for welcome.
func (e *env) azAgent(t *testing.T, token string) *client {
	t.Helper()
	c := e.azDial(t, "/v1/ws/agent", nil)
	c.send(map[string]any{"type": "hello", "token": token})
	c.wait("welcome", nil)
	return c
}

// azAlive fails unless c still answers a ping.
func azAlive(t *testing.T, c *client, what string) {
	t.Helper()
	c.send(map[string]any{"type": "ping"})
	if c.waitAny(func(m map[string]any) bool { return m["type"] == "pong" }, "pong after "+what) == nil {
		t.Errorf("%s: socket no longer usable", what)
	}
}

// azSnapshot is the stored state of workspace ws, the hub's view of its
// queues and agents, and its agents' token hashes: what a refused call
// must leave alone.
func azSnapshot(t *testing.T, s *Server, ws string) string {
	t.Helper()
	w := s.workspace(ws)
	if w == nil {
		return "<no workspace>"
	}
	var b strings.Builder
	s.mu.RLock()
	b.Write(encode(*w.rec()))
	s.mu.RUnlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var agents []hub.AgentView
	for _, cmd := range []hub.Command{hub.ListQueues{}, hub.ListAgents{}} {
		rep, err := w.hub.Do(ctx, cmd)
		if err != nil {
			t.Fatalf("snapshot of %s: %v", ws, err)
		}
		if v, ok := rep.Data.([]hub.AgentView); ok {
			agents = v
		}
		b.Write(encode(rep.Data))
	}
	for _, a := range agents {
		h, _ := s.store.GetMeta(tokenMeta(ws, a.ID))
		b.WriteString("\ntoken " + a.ID + "=" + string(h))
	}
	_, err := s.store.ScanSessions(ws, persist.Page{}, func(id string, val []byte) error {
		b.WriteString("\nsession " + id + " ")
		b.Write(val)
		return s.store.ScanMessages(ws, id, 0, func(seq uint64, val []byte) error {
			b.WriteString("\nmessage " + strconv.FormatUint(seq, 10) + " ")
			b.Write(val)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// azState snapshots every workspace.
func azState(t *testing.T, s *Server) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, id := range s.workspaceIDs() {
		out[id] = azSnapshot(t, s, id)
	}
	return out
}

// azChanged returns the workspaces whose state differs (added, removed or
// changed), sorted.
func azChanged(before, after map[string]string) []string {
	var out []string
	for id, v := range before {
		if after[id] != v {
			out = append(out, id)
		}
	}
	for id := range after {
		if _, ok := before[id]; !ok {
			out = append(out, id+" (new)")
		}
	}
	sort.Strings(out)
	return out
}

// azFill replaces the "$name" values of a frame template.
func azFill(tmpl map[string]any, vars map[string]string) map[string]any {
	out := make(map[string]any, len(tmpl))
	for k, v := range tmpl {
		switch x := v.(type) {
		case string:
			if strings.HasPrefix(x, "$") {
				v = vars[x[1:]]
			}
		case map[string]any:
			v = azFill(x, vars)
		}
		out[k] = v
	}
	return out
}

// azAnswer sends frame (with a ref) and returns "ack", "pong" or the error
// code it got.
func azAnswer(t *testing.T, c *client, frame map[string]any) (string, map[string]any) {
	t.Helper()
	if frame["type"] == "ping" {
		c.send(frame)
		c.wait("pong", nil)
		return "pong", nil
	}
	m := c.cmd(frame)
	if m["type"] == "ack" {
		return "ack", m
	}
	return str(m, "code"), m
}

// ---- HTTP ----

// azCred is one way of calling the HTTP API.
type azCred struct {
	name string
	ws   string // the workspace it acts on ("" none)
	set  func(*http.Request)
}

// The credential columns of azHTTPMatrix, in order.
var azCredNames = []string{
	"none", "basic", "unknown", "visitor-secret", "widget-key", // not credentials
	"agent", "supervisor", "api-key", "admin+ws", // of the workspace under test (acme)
	"admin", "other-api-key", "other-api-key+ws", "other-agent", "other-supervisor", // of other workspaces
	"admin+no-such-ws",
}

// azHTTPRow is one endpoint tried with every credential.
type azHTTPRow struct {
	route              string // the route pattern it exercises (routes.go)
	method, path, body string
	// want is the expected status per credential (azCredNames order): a
	// refusal's status also fixes its problem code; "2xx" is 200 or 201.
	want string
	// global: the call changes the set of workspaces (admin only).
	global bool
	// setup runs before every cell (in-process, not rate limited).
	setup func(t *testing.T, e *env)
	// check looks further at a successful answer.
	check func(t *testing.T, c azCred, body map[string]any, ids azIDs)
}

// azIDs are the ids of the HTTP matrix's fixtures.
type azIDs struct{ own, other string } // zoe's session, a session zoe never saw

func azEnsureQueue(id string) func(*testing.T, *env) {
	return func(t *testing.T, e *env) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := e.srv.workspace("acme").hub.Do(ctx, hub.PutQueue{Spec: hub.QueueSpec{Name: "Temp " + id,
			Queue: router.Queue{ID: id, AcceptMode: router.Manual, OfferMode: router.Single}}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func azEnsureAgent(id string) func(*testing.T, *env) {
	return func(t *testing.T, e *env) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := e.srv.workspace("acme").hub.Do(ctx, hub.PutAgent{Profile: presence.Profile{ID: id, Name: "Temp " + id,
			Role: presence.RoleAgent, Capacity: defaultCapacity}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// azSessionsList checks that an agent lists only their own sessions and
// everyone else of acme all of them.
func azSessionsList(t *testing.T, c azCred, body map[string]any, ids azIDs) {
	if c.ws != "acme" {
		return
	}
	var got []string
	list, _ := get(body, "sessions").([]any)
	for _, x := range list {
		got = append(got, str(x.(map[string]any), "session"))
	}
	if !slices.Contains(got, ids.own) {
		t.Errorf("%s: sessions list %v lacks the own session %s", c.name, got, ids.own)
	}
	switch listed := slices.Contains(got, ids.other); {
	case c.name == "agent" && listed:
		t.Errorf("agent: sessions list %v shows %s, a session they never took part in", got, ids.other)
	case c.name != "agent" && !listed:
		t.Errorf("%s: sessions list %v lacks %s", c.name, got, ids.other)
	}
}

// azWorkspaceIsOwn checks that the workspace answered is the caller's.
func azWorkspaceIsOwn(t *testing.T, c azCred, body map[string]any, _ azIDs) {
	if id := str(body, "id"); id != c.ws {
		t.Errorf("%s: answered workspace %q, want %q", c.name, id, c.ws)
	}
}

// azStatusesOfTheAgent: an agent reads their own status changes only.
func azStatusesOfTheAgent(t *testing.T, c azCred, body map[string]any, _ azIDs) {
	list, _ := body["statuses"].([]any)
	for _, v := range list {
		if a := str(v.(map[string]any), "agent"); c.name == "agent" && a != "zoe" {
			t.Errorf("%s: read %s's status changes", c.name, a)
		}
	}
}

// azHTTPMatrix: every endpoint, with the expected status per credential in
// the column order of azCredNames (none basic unknown visitor-secret
// widget-key, then acme's agent supervisor api-key admin+ws, then admin
// other-api-key other-api-key+ws other-agent other-supervisor, then
// admin+no-such-ws).
var azHTTPMatrix = []azHTTPRow{
	{route: "PUT /v1/queues/{id}", method: "PUT", path: "/v1/queues/put-q", body: `{"name":"Put Q"}`,
		want: "401 401 401 401 401  403 403 200 200  200 200 200 403 403  404"},
	{route: "GET /v1/queues", method: "GET", path: "/v1/queues",
		want: "401 401 401 401 401  200 200 200 200  200 200 200 200 200  404"},
	{route: "GET /v1/queues/{id}", method: "GET", path: "/v1/queues/acme-help",
		want: "401 401 401 401 401  200 200 200 200  404 404 404 404 404  404"},
	{route: "DELETE /v1/queues/{id}", method: "DELETE", path: "/v1/queues/del-q", setup: azEnsureQueue("del-q"),
		want: "401 401 401 401 401  403 403 204 204  404 404 404 403 403  404"},
	{route: "GET /v1/queues/{id}/waiting", method: "GET", path: "/v1/queues/acme-help/waiting",
		want: "401 401 401 401 401  200 200 200 200  404 404 404 404 404  404"},
	{route: "PUT /v1/agents/{id}", method: "PUT", path: "/v1/agents/put-agent", body: `{"name":"Put Agent","role":"supervisor"}`,
		want: "401 401 401 401 401  403 403 200 200  200 200 200 403 403  404"},
	{route: "GET /v1/agents", method: "GET", path: "/v1/agents",
		want: "401 401 401 401 401  403 200 200 200  200 200 200 403 200  404"},
	{route: "GET /v1/agents/{id}", method: "GET", path: "/v1/agents/zoe", // the agent themselves
		want: "401 401 401 401 401  200 200 200 200  404 404 404 403 404  404"},
	{route: "GET /v1/agents/{id}", method: "GET", path: "/v1/agents/sue", // someone else
		want: "401 401 401 401 401  403 200 200 200  404 404 404 403 404  404"},
	{route: "DELETE /v1/agents/{id}", method: "DELETE", path: "/v1/agents/del-agent", setup: azEnsureAgent("del-agent"),
		want: "401 401 401 401 401  403 403 204 204  404 404 404 403 403  404"},
	{route: "POST /v1/agents/{id}/token", method: "POST", path: "/v1/agents/tok-agent/token",
		want: "401 401 401 401 401  403 403 200 200  404 404 404 403 403  404"},
	{route: "POST /v1/sessions", method: "POST", path: "/v1/sessions",
		body: `{"channel":"sms_inbound","queue":"acme-help","contact":{"phone":"+15550199"}}`,
		want: "401 401 401 401 401  403 403 201 201  404 404 404 403 403  404"},
	{route: "POST /v1/sessions/{id}/events", method: "POST", path: "/v1/sessions/$other/events",
		body: `{"event":"message","by":"customer","text":"injected"}`,
		want: "401 401 401 401 401  403 403 200 200  404 404 404 403 403  404"},
	{route: "GET /v1/sessions", method: "GET", path: "/v1/sessions", check: azSessionsList,
		want: "401 401 401 401 401  200 200 200 200  200 200 200 200 200  404"},
	{route: "GET /v1/sessions", method: "GET", path: "/v1/sessions?contact=visitor:nobody", // a contact zoe does not serve
		want: "401 401 401 401 401  403 200 200 200  200 200 200 403 200  404"},
	{route: "GET /v1/sessions/{id}", method: "GET", path: "/v1/sessions/$own",
		want: "401 401 401 401 401  200 200 200 200  404 404 404 404 404  404"},
	{route: "GET /v1/sessions/{id}", method: "GET", path: "/v1/sessions/$other",
		want: "401 401 401 401 401  403 200 200 200  404 404 404 404 404  404"},
	{route: "GET /v1/sessions/{id}/transcript", method: "GET", path: "/v1/sessions/$other/transcript",
		want: "401 401 401 401 401  403 200 200 200  404 404 404 404 404  404"},
	{route: "GET /v1/sessions/{id}/transcript", method: "GET", path: "/v1/sessions/$other/transcript?format=text",
		want: "401 401 401 401 401  403 200 200 200  404 404 404 404 404  404"},
	{route: "GET /v1/sessions/{id}/metadata", method: "GET", path: "/v1/sessions/$other/metadata",
		want: "401 401 401 401 401  403 200 200 200  404 404 404 404 404  404"},
	{route: "GET /v1/stats", method: "GET", path: "/v1/stats",
		want: "401 401 401 401 401  200 200 200 200  200 200 200 200 200  404"},
	{route: "GET /v1/agent-statuses", method: "GET", path: "/v1/agent-statuses", check: azStatusesOfTheAgent,
		want: "401 401 401 401 401  200 200 200 200  200 200 200 200 200  404"},
	{route: "GET /v1/agent-statuses", method: "GET", path: "/v1/agent-statuses?agent=sue", // someone else's
		want: "401 401 401 401 401  403 200 200 200  200 200 200 403 200  404"},
	{route: "GET /v1/workspace", method: "GET", path: "/v1/workspace", check: azWorkspaceIsOwn,
		want: "401 401 401 401 401  403 403 200 200  200 200 200 403 403  404"},
	{route: "PATCH /v1/workspace", method: "PATCH", path: "/v1/workspace", body: `{"name":"Renamed"}`, check: azWorkspaceIsOwn,
		want: "401 401 401 401 401  403 403 200 200  200 200 200 403 403  404"},
	{route: "PUT /v1/workspaces/{id}", method: "PUT", path: "/v1/workspaces/scratch", body: `{"name":"Scratch"}`, global: true,
		want: "401 401 401 401 401  403 403 403 2xx  2xx 403 403 403 403  2xx"},
	{route: "GET /v1/workspaces", method: "GET", path: "/v1/workspaces", global: true,
		want: "401 401 401 401 401  403 403 403 200  200 403 403 403 403  200"},
	// No such endpoint: not_found for everyone, before authentication.
	{route: "/v1/", method: "GET", path: "/v1/nothing",
		want: "404 404 404 404 404  404 404 404 404  404 404 404 404 404  404"},
	{route: "/v1/", method: "POST", path: "/v1/queues", body: `{"name":"X"}`,
		want: "404 404 404 404 404  404 404 404 404  404 404 404 404 404  404"},
}

var azStatusCode = map[int]string{400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
	409: "conflict", 413: "too_large", 429: "rate_limited"}

// azCall makes one HTTP call.
func azCall(t *testing.T, e *env, method, path, body string, set func(*http.Request)) (int, http.Header, map[string]any, string) {
	t.Helper()
	req, _ := http.NewRequest(method, e.http.URL+path, strings.NewReader(body))
	if set != nil {
		set(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	return resp.StatusCode, resp.Header, m, string(data)
}

func TestAuthzHTTPMatrix(t *testing.T) {
	e := newEnv(t)
	admin := func(method, path, body string) map[string]any {
		t.Helper()
		status, b := e.api(method, path, body)
		if status/100 != 2 {
			t.Fatalf("%s %s: %d %v", method, path, status, b)
		}
		return b
	}
	acmeKey := str(admin("PUT", "/v1/workspaces/acme",
		`{"name":"Acme","widget_keys":["acme-widget"],"allowed_origins":["https://shop.acme.test"]}`), "api_key")
	globexKey := str(admin("PUT", "/v1/workspaces/globex", `{"name":"Globex","widget_keys":["globex-widget"]}`), "api_key")
	acme := func(method, path, body string) map[string]any {
		t.Helper()
		status, b := e.apiAs(acmeKey, method, path, body)
		if status/100 != 2 {
			t.Fatalf("%s %s: %d %v", method, path, status, b)
		}
		return b
	}
	acme("PUT", "/v1/queues/acme-help", `{"name":"Acme Help Desk","accept_mode":"manual"}`)
	acme("PUT", "/v1/agents/zoe", `{"name":"Zoe Acmeson","queues":["acme-help"],"capacity":{"chat":2}}`)
	acme("PUT", "/v1/agents/sue", `{"name":"Sue Acmesup","role":"supervisor"}`)
	acme("PUT", "/v1/agents/tok-agent", `{"name":"Token Target"}`)
	zoeTok := str(acme("POST", "/v1/agents/zoe/token", ""), "token")
	sueTok := str(acme("POST", "/v1/agents/sue/token", ""), "token")

	// Zoe takes one session; another waits, never hers.
	zoe := e.azAgent(t, zoeTok)
	zoe.ok(map[string]any{"type": "presence", "status": "available"})
	var ids azIDs
	ids.own = str(acme("POST", "/v1/sessions", `{"channel":"sms_inbound","queue":"acme-help","contact":{"name":"Carla Own","phone":"+15550101"}}`), "session")
	zoe.ok(map[string]any{"type": "accept", "offer": offerID(zoe.wait("offer", nil))})
	zoe.ok(map[string]any{"type": "presence", "status": "away"})
	ids.other = str(acme("POST", "/v1/sessions", `{"channel":"sms_inbound","queue":"acme-help","contact":{"name":"Olga Other","phone":"+15550102"}}`), "session")
	if ids.own == "" || ids.other == "" || ids.own == ids.other {
		t.Fatalf("sessions %+v", ids)
	}
	// A visitor of acme, for their secret.
	v := e.azDial(t, "/v1/ws/visitor", nil)
	v.send(map[string]any{"type": "hello", "widget": "acme-widget"})
	visitorSecret := str(v.wait("welcome", nil), "secret")

	bearerOf := func(tok string, hdr ...string) func(*http.Request) {
		return func(r *http.Request) {
			r.Header.Set("Authorization", "Bearer "+tok)
			for i := 0; i+1 < len(hdr); i += 2 {
				r.Header.Set(hdr[i], hdr[i+1])
			}
		}
	}
	creds := []azCred{
		{"none", "", nil},
		{"basic", "", func(r *http.Request) {
			r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("admin:"+testAdmin)))
		}},
		{"unknown", "", bearerOf("not-a-credential")},
		{"visitor-secret", "", bearerOf(visitorSecret)},
		{"widget-key", "", bearerOf("acme-widget")},
		{"agent", "acme", bearerOf(zoeTok)},
		{"supervisor", "acme", bearerOf(sueTok)},
		{"api-key", "acme", bearerOf(acmeKey)},
		{"admin+ws", "acme", bearerOf(testAdmin, "Switchboard-Workspace", "acme")},
		{"admin", "default", bearerOf(testAdmin)},
		{"other-api-key", "globex", bearerOf(globexKey)},
		{"other-api-key+ws", "globex", bearerOf(globexKey, "Switchboard-Workspace", "acme")}, // the header is the admin's only
		{"other-agent", "default", bearerOf(e.srv.DemoTokens()["ben"])},
		{"other-supervisor", "default", bearerOf(e.srv.DemoTokens()["sam"])},
		{"admin+no-such-ws", "nowhere", bearerOf(testAdmin, "Switchboard-Workspace", "nowhere")},
	}
	for i, c := range creds {
		if c.name != azCredNames[i] {
			t.Fatalf("credential %d is %s, the matrix says %s", i, c.name, azCredNames[i])
		}
	}
	// What no other workspace's caller may ever read.
	secrets := []string{"acme-help", "Acme Help Desk", "Zoe Acmeson", "Sue Acmesup", "Carla Own", "Olga Other",
		"acme-widget", "shop.acme.test", ids.own, ids.other}

	cells := 0
	for _, row := range azHTTPMatrix {
		want := strings.Fields(row.want)
		if len(want) != len(creds) {
			t.Fatalf("%s %s: %d expectations for %d credentials", row.method, row.path, len(want), len(creds))
		}
		path := strings.NewReplacer("$own", ids.own, "$other", ids.other).Replace(row.path)
		for i, c := range creds {
			cells++
			name := row.method + " " + path + " as " + c.name
			if row.setup != nil {
				row.setup(t, e)
			}
			before := azState(t, e.srv)
			status, hdr, body, raw := azCall(t, e, row.method, path, row.body, c.set)
			after := azState(t, e.srv)
			ok := status/100 == 2
			switch w := want[i]; {
			case w == "2xx":
				if !ok {
					t.Errorf("%s: %d %s, want 2xx", name, status, raw)
				}
			case w != strconv.Itoa(status):
				t.Errorf("%s: %d %s, want %s", name, status, raw, w)
			case !ok:
				if code := azStatusCode[status]; str(body, "code") != code ||
					!strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") {
					t.Errorf("%s: %d %s %q, want a problem document with code %s", name, status, raw, hdr.Get("Content-Type"), code)
				}
			}
			// A refusal changes nothing; a success changes only the
			// caller's own workspace (or the set of them, for the admin).
			for _, ws := range azChanged(before, after) {
				if !ok || !(ws == c.ws || row.global) {
					t.Errorf("%s (answered %d) changed workspace %s", name, status, ws)
				}
			}
			if ok && c.ws != "acme" && !row.global {
				for _, s := range secrets {
					if strings.Contains(raw, s) {
						t.Errorf("%s: a caller of workspace %s reads %q of acme: %s", name, c.ws, s, raw)
					}
				}
			}
			if ok && row.check != nil && body != nil {
				row.check(t, c, body, ids)
			}
		}
	}
	t.Logf("HTTP matrix: %d endpoint rows × %d credentials = %d cells", len(azHTTPMatrix), len(creds), cells)

	// The operations endpoints are public (PROTOCOL.md "Endpoints").
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if status, _, _, raw := azCall(t, e, "GET", p, "", nil); status != 200 {
			t.Errorf("GET %s without credentials: %d %s", p, status, raw)
		}
	}
}

// A widget key names the workspace a visitor chats with: no workspace may
// take one that another has (it would capture that workspace's visitors:
// widgetWorkspace picks the first match in id order).
func TestAuthzWidgetKeysStayWithTheirWorkspace(t *testing.T) {
	e := newEnv(t)
	_, b := e.api("PUT", "/v1/workspaces/acme", `{"name":"Acme","widget_keys":["acme-widget"]}`)
	acmeKey := str(b, "api_key")
	before := azState(t, e.srv)
	if status, b := e.apiAs(acmeKey, "PATCH", "/v1/workspace", `{"widget_keys":["acme-widget","demo"]}`); status != 409 || str(b, "code") != "conflict" {
		t.Errorf("acme takes the default workspace's widget key: %d %v, want 409 conflict", status, b)
	}
	if status, b := e.api("PUT", "/v1/workspaces/aaa", `{"name":"AAA","widget_keys":["demo"]}`); status != 409 || str(b, "code") != "conflict" {
		t.Errorf("a new workspace with the default workspace's widget key: %d %v, want 409 conflict", status, b)
	}
	if status, b := e.api("PUT", "/v1/workspaces/acme", `{"widget_keys":["demo"]}`); status != 409 || str(b, "code") != "conflict" {
		t.Errorf("admin update of acme to the default workspace's widget key: %d %v, want 409 conflict", status, b)
	}
	if ch := azChanged(before, azState(t, e.srv)); len(ch) != 0 {
		t.Errorf("refused widget key changes changed %v", ch)
	}
	// The key still leads to the default workspace.
	v, _ := e.visitor(nil)
	sid := str(v.ok(map[string]any{"type": "send", "text": "hi"}), "session")
	if _, err := e.srv.store.GetSession("default", sid); err != nil {
		t.Errorf("visitor of widget key demo: session %s not in the default workspace: %v", sid, err)
	}
	// A workspace may still change its own keys.
	if status, b := e.apiAs(acmeKey, "PATCH", "/v1/workspace", `{"widget_keys":["acme-widget","acme-2"]}`); status != 200 {
		t.Errorf("acme changes its own keys: %d %v", status, b)
	}
}

// An agent reads a contact's conversations (GET /v1/sessions?contact=) while
// serving them, wrap-up included, and not once the conversation is over
// (docs/protocol.md: "an agent may read it while serving the contact").
func TestAuthzContactHistoryOnlyWhileServing(t *testing.T) {
	e := newEnv(t)
	ben := e.available("ben")
	v, wel := e.visitor(nil)
	first := str(v.ok(map[string]any{"type": "send", "text": "first"}), "session")
	ben.ok(map[string]any{"type": "accept", "offer": offerID(ben.wait("offer", nil))})
	path := "/v1/sessions?contact=visitor:" + str(wel, "visitor")
	reads := func(who string, want int, when string) {
		t.Helper()
		if code, b := e.apiAs(e.srv.DemoTokens()[who], "GET", path, ""); code != want {
			t.Errorf("%s reads the contact's conversations %s: %d %v, want %d", who, when, code, b, want)
		}
	}
	reads("ben", 200, "while serving")
	reads("ana", 403, "never having served them")
	ben.ok(map[string]any{"type": "end", "session": first})
	reads("ben", 200, "in wrap-up")
	ben.ok(map[string]any{"type": "wrapup", "session": first, "code": "solved"})
	ben.ok(map[string]any{"type": "presence", "status": "away"})
	reads("ben", 403, "after wrap-up")
	ana := e.available("ana")
	v.ok(map[string]any{"type": "send", "text": "second, for ana"})
	ana.ok(map[string]any{"type": "accept", "offer": offerID(ana.wait("offer", nil))})
	reads("ana", 200, "while serving")
	reads("ben", 403, "while ana serves them")
}

// A supervisor demoted to agent keeps the supervisor-only subscribe on the
// socket opened before (agentConn.super is read once, at hello); a new
// socket is refused. Reproducer of a hole reported with issue #7, not fixed
// here (server/agent_ws.go is being reworked): remove the Skip with the fix.
func TestAuthzDemotedSupervisorLosesSubscribe(t *testing.T) {
	e := newEnv(t)
	sam, _ := e.agent("sam")
	if code, b := e.api("PUT", "/v1/agents/sam", `{"name":"Sam Lee","role":"agent","queues":["support"]}`); code != 200 {
		t.Fatalf("demote sam: %d %v", code, b)
	}
	sam.refused(map[string]any{"type": "subscribe", "topics": []string{"sessions"}}, "forbidden")
}

// TestAuthzRoleChangesEndFeeds: a supervisor already watching the
// workspace loses the feed (the socket closes with 1013, to reconnect with
// the new role) when demoted; a deleted agent's socket closes with 4401.
func TestAuthzRoleChangesEndFeeds(t *testing.T) {
	e := newEnv(t)
	sam, _ := e.agent("sam")
	sam.ok(map[string]any{"type": "subscribe", "topics": []string{"sessions"}})
	if code, b := e.api("PUT", "/v1/agents/sam", `{"name":"Sam Lee","role":"agent","queues":["support"]}`); code != 200 {
		t.Fatalf("demote sam: %d %v", code, b)
	}
	if code := sam.closeCode(); code != websocket.StatusTryAgainLater {
		t.Fatalf("demoted supervisor's socket closed with %v, want 1013", code)
	}
	if _, w := e.agent("sam"); w["type"] != "welcome" {
		t.Fatalf("sam reconnects as an agent: %v", w)
	}
	e.api("PUT", "/v1/agents/zed", `{"name":"Zed","queues":["support"]}`)
	_, tb := e.api("POST", "/v1/agents/zed/token", "")
	zed := e.dial("/v1/ws/agent")
	zed.send(map[string]any{"type": "hello", "token": tb["token"]})
	zed.wait("welcome", nil)
	if code, b := e.api("DELETE", "/v1/agents/zed", ""); code != 200 && code != 204 {
		t.Fatalf("delete zed: %d %v", code, b)
	}
	if code := zed.closeCode(); code != 4401 {
		t.Fatalf("deleted agent's socket closed with %v, want 4401", code)
	}
}

// ---- agent socket ----

// azAgentRow is one frame type tried by every role on the agent socket.
type azAgentRow struct {
	typ   string
	frame map[string]any // "$session", "$offer" and "$token" are filled in per column
	// want per column: "ack", "pong", an error code, or "" (not tried).
	owner, agent, super, otherWS, unknown string
}

// The columns: owner is ben, the session's agent (the offer is his too);
// agent is ana, an agent of the same workspace who takes no part in it;
// super is sam, a supervisor not in it; otherWS is zoe, an agent of another
// workspace naming the default workspace's ids; unknown is ana naming ids
// that exist nowhere. The session is a chat assigned to ben; the offer a
// pending offer to ben.
var azAgentMatrix = []azAgentRow{
	{typ: "hello", frame: map[string]any{"token": "$token"}, // again, on an open socket: no switching identity
		owner: "bad_request", agent: "bad_request", super: "bad_request", otherWS: "bad_request", unknown: "bad_request"},
	{typ: "presence", frame: map[string]any{"status": "away"}, // only ever the sender's own
		owner: "", agent: "ack", super: "ack", otherWS: "ack", unknown: "ack"},
	{typ: "accept", frame: map[string]any{"offer": "$offer"},
		owner: "", agent: "not_found", super: "not_found", otherWS: "conflict", unknown: "conflict"},
	{typ: "decline", frame: map[string]any{"offer": "$offer", "reason": "mine now"},
		owner: "", agent: "not_found", super: "not_found", otherWS: "conflict", unknown: "conflict"},
	{typ: "send", frame: map[string]any{"session": "$session", "text": "$text"},
		owner: "ack", agent: "forbidden", super: "forbidden", otherWS: "not_found", unknown: "not_found"},
	{typ: "typing", frame: map[string]any{"session": "$session"},
		owner: "ack", agent: "forbidden", super: "forbidden", otherWS: "not_found", unknown: "not_found"},
	{typ: "set_status", frame: map[string]any{"session": "$session", "status": "in_progress"},
		owner: "ack", agent: "forbidden", super: "forbidden", otherWS: "not_found", unknown: "not_found"},
	{typ: "annotate", frame: map[string]any{"session": "$session", "notes": "intruder", "add_tags": []string{"intruder"}},
		owner: "ack", agent: "forbidden", super: "forbidden", otherWS: "not_found", unknown: "not_found"},
	{typ: "verify_contact", frame: map[string]any{"session": "$session", "email": "intruder@example.com"},
		owner: "", agent: "forbidden", super: "forbidden", otherWS: "not_found", unknown: "not_found"},
	{typ: "transfer", frame: map[string]any{"session": "$session", "queue": "sales"},
		owner: "", agent: "forbidden", super: "forbidden", otherWS: "not_found", unknown: "not_found"},
	{typ: "release", frame: map[string]any{"session": "$session"},
		owner: "", agent: "forbidden", super: "forbidden", otherWS: "not_found", unknown: "not_found"},
	{typ: "hold", frame: map[string]any{"session": "$session"},
		owner: "", agent: "forbidden", super: "forbidden", otherWS: "not_found", unknown: "not_found"},
	{typ: "unhold", frame: map[string]any{"session": "$session"},
		owner: "", agent: "forbidden", super: "forbidden", otherWS: "not_found", unknown: "not_found"},
	{typ: "end", frame: map[string]any{"session": "$session"},
		owner: "", agent: "forbidden", super: "forbidden", otherWS: "not_found", unknown: "not_found"},
	{typ: "wrapup", frame: map[string]any{"session": "$session", "code": "solved"},
		owner: "", agent: "forbidden", super: "forbidden", otherWS: "not_found", unknown: "not_found"},
	// join after every other session row: a supervisor may join any session
	// (and then acts in it); an agent only one that needs help.
	{typ: "join", frame: map[string]any{"session": "$session"},
		owner: "", agent: "forbidden", super: "ack", otherWS: "not_found", unknown: "not_found"},
	{typ: "subscribe", frame: map[string]any{"topics": []string{"queues", "agents", "sessions"}},
		owner: "forbidden", agent: "forbidden", super: "ack", otherWS: "forbidden", unknown: "forbidden"},
	{typ: "ping", frame: map[string]any{},
		owner: "pong", agent: "pong", super: "pong", otherWS: "pong", unknown: "pong"},
}

func TestAuthzAgentSocketMatrix(t *testing.T) {
	e := newEnv(t)
	_, b := e.api("PUT", "/v1/workspaces/acme", `{"name":"Acme","widget_keys":["acme-widget"],"allowed_origins":["https://shop.acme.test"]}`)
	acmeKey := str(b, "api_key")
	e.apiAs(acmeKey, "PUT", "/v1/queues/acme-help", `{"name":"Acme Help Desk"}`)
	e.apiAs(acmeKey, "PUT", "/v1/agents/zoe", `{"name":"Zoe Acmeson","queues":["acme-help"]}`)
	_, b = e.apiAs(acmeKey, "POST", "/v1/agents/zoe/token", "")
	zoeTok := str(b, "token")

	// ben takes v1's chat and has v2's offer pending.
	ben, benWel := e.agent("ben")
	ben.ok(map[string]any{"type": "presence", "status": "available"})
	v1, _ := e.visitor(nil)
	sess := str(v1.ok(map[string]any{"type": "send", "text": "hello"}), "session")
	ben.ok(map[string]any{"type": "accept", "offer": offerID(ben.wait("offer", nil))})
	v2, _ := e.visitor(nil)
	v2.ok(map[string]any{"type": "send", "text": "me too"})
	offer := offerID(ben.wait("offer", nil))
	ana, _ := e.agent("ana")
	sam, _ := e.agent("sam")
	zoe := e.azAgent(t, zoeTok)

	cols := []struct {
		name string
		c    *client
		vars map[string]string
		want func(azAgentRow) string
	}{
		{"owner", ben, map[string]string{"session": sess, "offer": offer}, func(r azAgentRow) string { return r.owner }},
		{"agent", ana, map[string]string{"session": sess, "offer": offer}, func(r azAgentRow) string { return r.agent }},
		{"supervisor", sam, map[string]string{"session": sess, "offer": offer}, func(r azAgentRow) string { return r.super }},
		{"other-workspace", zoe, map[string]string{"session": sess, "offer": offer}, func(r azAgentRow) string { return r.otherWS }},
		{"unknown-ids", ana, map[string]string{"session": "ffffffffffffffff", "offer": "424242"}, func(r azAgentRow) string { return r.unknown }},
	}
	cells := 0
	for _, col := range cols {
		col.vars["token"], col.vars["text"] = e.srv.DemoTokens()["sam"], "intruder"
		if col.name == "owner" {
			col.vars["text"] = "from the owner"
		}
		for _, row := range azAgentMatrix {
			want := col.want(row)
			if want == "" {
				continue
			}
			cells++
			frame := azFill(row.frame, col.vars)
			frame["type"] = row.typ
			name := row.typ + " by " + col.name
			before := azState(t, e.srv)
			got, m := azAnswer(t, col.c, frame)
			if got != want {
				t.Errorf("%s: %s %v, want %s", name, got, m, want)
			}
			if got != "ack" && got != "pong" {
				if ch := azChanged(before, azState(t, e.srv)); len(ch) != 0 {
					t.Errorf("%s: refused, yet changed %v", name, ch)
				}
				azAlive(t, col.c, name)
			}
		}
	}
	// Visitor frames (as a widget sends them: no session) on the agent
	// socket: not agent commands.
	for _, row := range azVisitorMatrix {
		cells++
		frame := azFill(row.frame, map[string]string{"visitor": "x", "secret": "x"})
		delete(frame, "session")
		frame["type"] = row.typ
		before := azState(t, e.srv)
		got, m := azAnswer(t, ana, frame)
		if got != row.onAgentSocket {
			t.Errorf("visitor frame %s on the agent socket: %s %v, want %s", row.typ, got, m, row.onAgentSocket)
		}
		if got != "pong" {
			if ch := azChanged(before, azState(t, e.srv)); len(ch) != 0 {
				t.Errorf("visitor frame %s on the agent socket changed %v", row.typ, ch)
			}
			azAlive(t, ana, "visitor frame "+row.typ)
		}
	}
	// Nothing the refused frames carried reached the session's people.
	for _, c := range []*client{ben, v1} {
		c.mu.Lock()
		for _, m := range c.frames {
			if (m["type"] == "message" && str(m, "message", "text") == "intruder") ||
				(m["type"] == "typing" && slices.Contains([]string{"ana", "zoe"}, str(m, "from", "id"))) {
				t.Errorf("a refused frame reached a participant: %v", m)
			}
		}
		c.mu.Unlock()
	}
	t.Logf("agent socket matrix: %d frame rows, %d cells, plus %d visitor frames on the agent socket",
		len(azAgentMatrix), cells-len(azVisitorMatrix), len(azVisitorMatrix))

	// Every frame type before hello closes the socket with 4400.
	types := append(azDispatched(t, "agent_ws.go", "agentConn"), azDocFrames(t, "Agent socket")...)
	slices.Sort(types)
	for _, typ := range slices.Compact(types) {
		if typ == "hello" {
			continue
		}
		c := e.azDial(t, "/v1/ws/agent", nil)
		frame := map[string]any{"type": typ, "session": sess, "offer": offer}
		c.send(frame)
		if code := c.closeCode(); code != closeBadHello {
			t.Errorf("%s before hello: close %d, want 4400", typ, code)
		}
	}

	// hello with what is not an agent token, or from a foreign origin.
	gone := func() string { // the token of an agent deleted since
		e.apiAs(acmeKey, "PUT", "/v1/agents/gone", `{"name":"Gone"}`)
		_, b := e.apiAs(acmeKey, "POST", "/v1/agents/gone/token", "")
		e.apiAs(acmeKey, "DELETE", "/v1/agents/gone", "")
		return str(b, "token")
	}()
	_, vwel := e.visitor(nil)
	for _, tc := range []azHello{
		{"no token", map[string]any{}, "", closeUnauthorized},
		{"unknown token", map[string]any{"token": "not-a-token"}, "", closeUnauthorized},
		{"admin key", map[string]any{"token": testAdmin}, "", closeUnauthorized},
		{"API key", map[string]any{"token": acmeKey}, "", closeUnauthorized},
		{"widget key", map[string]any{"token": "demo"}, "", closeUnauthorized},
		{"visitor secret", map[string]any{"token": str(vwel, "secret")}, "", closeUnauthorized},
		{"visitor hello", map[string]any{"widget": "demo"}, "", closeUnauthorized},
		{"deleted agent's token", map[string]any{"token": gone}, "", closeUnauthorized},
		{"foreign origin", map[string]any{"token": e.srv.DemoTokens()["ana"]}, "https://evil.example", websocket.StatusPolicyViolation},
		{"another workspace's origin", map[string]any{"token": e.srv.DemoTokens()["ana"]}, "https://shop.acme.test", websocket.StatusPolicyViolation},
		{"own workspace's origin", map[string]any{"token": zoeTok}, "https://shop.acme.test", 0},
	} {
		cells++
		e.azTryHello(t, "agent", tc)
	}
	e.azMalformedHello(t, "agent", `{"type":"hello","token":`)

	// Resuming with someone else's resume token neither replaces their
	// socket nor replays their session's messages.
	ana2 := e.azDial(t, "/v1/ws/agent", nil)
	ana2.send(map[string]any{"type": "hello", "token": e.srv.DemoTokens()["ana"], "resume": map[string]any{
		"token": str(benWel, "resume_token"), "last_message_ids": map[string]any{sess: "0"}}})
	ana2.wait("welcome", nil)
	azAlive(t, ana2, "resume with ben's token")
	azAlive(t, ben, "ana resumed with ben's resume token")
	ana2.mu.Lock()
	for _, m := range ana2.frames {
		if m["type"] == "message" {
			t.Errorf("ana resumed with ben's session in last_message_ids and got %v", m)
		}
	}
	ana2.mu.Unlock()
}

// ---- visitor socket ----

// azVisitorRow is one visitor frame type: sent by a visitor naming another
// visitor's session, and sent on the agent socket.
type azVisitorRow struct {
	typ   string
	frame map[string]any // "$session" (another visitor's), "$visitor", "$secret" (theirs)
	// otherVisitor: the answer to a visitor (without a chat of their own)
	// whose frame names another visitor's session; the other session must
	// not change either way.
	otherVisitor string
	// onAgentSocket: the answer on the agent socket.
	onAgentSocket string
}

var azVisitorMatrix = []azVisitorRow{
	{typ: "typing", frame: map[string]any{"session": "$session"}, otherVisitor: "not_found", onAgentSocket: "bad_request"},
	{typ: "leave", frame: map[string]any{"session": "$session"}, otherVisitor: "conflict", onAgentSocket: "bad_request"},
	{typ: "csat", frame: map[string]any{"session": "$session", "rating": 1, "comment": "spite"}, otherVisitor: "not_found", onAgentSocket: "bad_request"},
	{typ: "page", frame: map[string]any{"session": "$session", "url": "https://evil.example/"}, otherVisitor: "ack", onAgentSocket: "bad_request"},
	// last: it starts the sender's own chat (the ack names it, not $session).
	{typ: "send", frame: map[string]any{"session": "$session", "text": "not yours"}, otherVisitor: "ack", onAgentSocket: "bad_request"},
	{typ: "ping", frame: map[string]any{}, otherVisitor: "pong", onAgentSocket: "pong"},
	// hello again, even with the other visitor's own secret: no switching.
	{typ: "hello", frame: map[string]any{"widget": "demo", "resume": map[string]any{"visitor": "$visitor", "secret": "$secret"}},
		otherVisitor: "bad_request", onAgentSocket: "bad_request"},
}

func TestAuthzVisitorSocketMatrix(t *testing.T) {
	e := newEnv(t)
	v1, wel := e.visitor(nil)
	sess := str(v1.ok(map[string]any{"type": "send", "text": "mine"}), "session")
	vars := map[string]string{"session": sess, "visitor": str(wel, "visitor"), "secret": str(wel, "secret")}
	mine := func() string { return azSnapshot(t, e.srv, "default") }

	// Another visitor names v1's session in every visitor frame.
	v2, _ := e.visitor(nil)
	for _, row := range azVisitorMatrix {
		frame := azFill(row.frame, vars)
		frame["type"] = row.typ
		name := row.typ + " naming another visitor's session"
		sessBefore, _ := e.srv.store.GetSession("default", sess)
		before := mine()
		got, m := azAnswer(t, v2, frame)
		if got != row.otherVisitor {
			t.Errorf("%s: %s %v, want %s", name, got, m, row.otherVisitor)
		}
		if got == "ack" && str(m, "session") == sess {
			t.Errorf("%s: acted on the other visitor's session: %v", name, m)
		}
		if sessAfter, _ := e.srv.store.GetSession("default", sess); string(sessAfter) != string(sessBefore) {
			t.Errorf("%s: the other visitor's session changed", name)
		}
		if got != "ack" && got != "pong" {
			if mine() != before {
				t.Errorf("%s: refused, yet the workspace changed", name)
			}
			azAlive(t, v2, name)
		}
	}
	// Agent frames on the visitor socket: not visitor commands.
	v3, _ := e.visitor(nil)
	n := 0
	for _, row := range azAgentMatrix {
		if slices.ContainsFunc(azVisitorMatrix, func(r azVisitorRow) bool { return r.typ == row.typ }) {
			continue // the visitor's own frame of that name: above
		}
		n++
		frame := azFill(row.frame, map[string]string{"session": sess, "offer": "1", "token": e.srv.DemoTokens()["sam"]})
		frame["type"] = row.typ
		before := mine()
		if got, m := azAnswer(t, v3, frame); got != "bad_request" {
			t.Errorf("agent frame %s on the visitor socket: %s %v, want bad_request", row.typ, got, m)
		}
		if mine() != before {
			t.Errorf("agent frame %s on the visitor socket changed the workspace", row.typ)
		}
	}
	azAlive(t, v3, "agent frames on the visitor socket")
	v1.mu.Lock()
	for _, m := range v1.frames {
		if m["type"] == "message" && str(m, "message", "text") != "mine" || m["type"] == "typing" || m["type"] == "ended" {
			t.Errorf("another visitor's frame reached v1: %v", m)
		}
	}
	v1.mu.Unlock()
	t.Logf("visitor socket matrix: %d frame rows, %d agent frames on the visitor socket", len(azVisitorMatrix), n)

	// Every frame type before hello closes the socket with 4400.
	types := append(azDispatched(t, "visitor_ws.go", "visitorConn"), azDocFrames(t, "Visitor socket")...)
	slices.Sort(types)
	for _, typ := range slices.Compact(types) {
		if typ == "hello" {
			continue
		}
		c := e.azDial(t, "/v1/ws/visitor", nil)
		frame := map[string]any{}
		if i := slices.IndexFunc(azVisitorMatrix, func(r azVisitorRow) bool { return r.typ == typ }); i >= 0 {
			frame = azFill(azVisitorMatrix[i].frame, vars)
		}
		frame["type"] = typ
		c.send(frame)
		if code := c.closeCode(); code != closeBadHello {
			t.Errorf("%s before hello: close %d, want 4400", typ, code)
		}
	}
}

// The visitor hello with everything that is not the workspace's widget key,
// another visitor's id or secret, or from a foreign origin. (Own env: the
// server allows 20 visitor hellos per address at once.)
func TestAuthzVisitorHelloMatrix(t *testing.T) {
	e := newEnv(t)
	_, b := e.api("PUT", "/v1/workspaces/acme", `{"name":"Acme","widget_keys":["acme-widget"],"allowed_origins":["https://shop.acme.test"]}`)
	acmeKey := str(b, "api_key")
	v1, wel1 := e.visitor(nil)
	sess := str(v1.ok(map[string]any{"type": "send", "text": "mine"}), "session")
	_, wel2 := e.visitor(nil)
	id1, secret1, secret2 := str(wel1, "visitor"), str(wel1, "secret"), str(wel2, "secret")
	resume := func(visitor, secret string) map[string]any {
		return map[string]any{"visitor": visitor, "secret": secret}
	}
	for _, tc := range []azHello{
		{"no widget key", map[string]any{}, "", closeUnauthorized},
		{"unknown widget key", map[string]any{"widget": "nope"}, "", closeUnauthorized},
		{"API key as widget key", map[string]any{"widget": acmeKey}, "", closeUnauthorized},
		{"admin key as widget key", map[string]any{"widget": testAdmin}, "", closeUnauthorized},
		{"agent token as widget key", map[string]any{"widget": e.srv.DemoTokens()["ben"]}, "", closeUnauthorized},
		{"visitor secret as widget key", map[string]any{"widget": secret1}, "", closeUnauthorized},
		{"agent hello", map[string]any{"token": e.srv.DemoTokens()["ben"]}, "", closeUnauthorized},
		{"another visitor's secret", map[string]any{"widget": "demo", "resume": resume(id1, secret2)}, "", closeUnauthorized},
		{"a guessed secret", map[string]any{"widget": "demo", "resume": resume(id1, "guess")}, "", closeUnauthorized},
		{"no secret", map[string]any{"widget": "demo", "resume": resume(id1, "")}, "", closeUnauthorized},
		{"the right secret, another workspace's widget key", map[string]any{"widget": "acme-widget", "resume": resume(id1, secret1)}, "", closeUnauthorized},
		{"foreign origin", map[string]any{"widget": "demo"}, "https://evil.example", websocket.StatusPolicyViolation},
		{"another workspace's origin", map[string]any{"widget": "demo"}, "https://shop.acme.test", websocket.StatusPolicyViolation},
		{"own workspace's origin", map[string]any{"widget": "acme-widget"}, "https://shop.acme.test", 0},
	} {
		before := azState(t, e.srv)
		if !e.azTryHello(t, "visitor", tc) {
			continue
		}
		if ch := azChanged(before, azState(t, e.srv)); len(ch) != 0 {
			t.Errorf("visitor hello, %s: refused, yet changed %v", tc.name, ch)
		}
	}
	e.azMalformedHello(t, "visitor", `{"type":"hello","widget":`)
	// The visitor whose secret was tried is undisturbed, and resumes with it.
	azAlive(t, v1, "others tried v1's id")
	v1b := e.azDial(t, "/v1/ws/visitor", nil)
	v1b.send(map[string]any{"type": "hello", "widget": "demo", "resume": resume(id1, secret1)})
	if w := v1b.wait("welcome", nil); str(w, "visitor") != id1 || str(w, "session") != sess || w["secret"] != nil {
		t.Errorf("resume with the right secret: %v", w)
	}
	// A visitor hello on the agent socket is no agent.
	a := e.azDial(t, "/v1/ws/agent", nil)
	a.send(map[string]any{"type": "hello", "widget": "demo", "resume": resume(id1, secret1)})
	if code := a.closeCode(); code != closeUnauthorized {
		t.Errorf("visitor hello on the agent socket: close %d, want 4401", code)
	}
}

// azHello is one hello tried on a socket: want is the close code expected,
// 0 a welcome.
type azHello struct {
	name   string
	hello  map[string]any
	origin string
	want   websocket.StatusCode
}

// azTryHello sends tc's hello on a fresh socket of kind (agent, visitor)
// and checks the answer; it reports whether the hello was to be refused.
func (e *env) azTryHello(t *testing.T, kind string, tc azHello) bool {
	t.Helper()
	var hdr http.Header
	if tc.origin != "" {
		hdr = http.Header{"Origin": {tc.origin}}
	}
	c := e.azDial(t, "/v1/ws/"+kind, hdr)
	tc.hello["type"] = "hello"
	c.send(tc.hello)
	if tc.want == 0 {
		c.wait("welcome", nil)
		return false
	}
	if code := c.closeCode(); code != tc.want {
		t.Errorf("%s hello, %s: close %d, want %d", kind, tc.name, code, tc.want)
	}
	return true
}

// azMalformedHello sends a hello cut short on a socket of kind: 4400.
func (e *env) azMalformedHello(t *testing.T, kind, hello string) {
	t.Helper()
	c := e.azDial(t, "/v1/ws/"+kind, nil)
	_ = c.ws.Write(context.Background(), websocket.MessageText, []byte(hello))
	if code := c.closeCode(); code != closeBadHello {
		t.Errorf("%s: malformed hello: close %d, want 4400", kind, code)
	}
}
