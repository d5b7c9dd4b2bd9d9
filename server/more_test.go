package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// A visitor whose socket is gone past the grace period has left: the chat
// ends as ended by the customer (white card). Coming back in time keeps it.
func TestVisitorGraceAndResume(t *testing.T) {
	e := newEnv(t)
	ben := e.available("ben")
	v, wel := e.visitor(map[string]any{"name": "Kai"})
	sid := str(v.ok(map[string]any{"type": "send", "text": "hi"}), "session")
	ben.ok(map[string]any{"type": "accept", "offer": offerID(ben.wait("offer", nil))})
	v.ok(map[string]any{"type": "page", "url": "https://shop.example/cart", "title": "Cart"})
	ben.ok(map[string]any{"type": "send", "session": sid, "text": "hello Kai"})

	// A reload: the socket drops and comes back with the resume secret; the
	// message sent while away is replayed.
	_ = v.ws.Close(websocket.StatusGoingAway, "reload")
	ben.ok(map[string]any{"type": "send", "session": sid, "text": "are you there?"})
	e.clock.Advance(10 * time.Second)
	v2 := e.dial("/v1/ws/visitor")
	v2.send(map[string]any{"type": "hello", "widget": "demo", "resume": map[string]any{
		"visitor": wel["visitor"], "secret": wel["secret"], "last_message": "2"}})
	if w := v2.wait("welcome", nil); str(w, "session") != sid || str(w, "state") != "connected" || w["secret"] != nil {
		t.Fatalf("resume welcome %v", w)
	}
	if m := v2.wait("message", nil); str(m, "message", "text") != "are you there?" {
		t.Fatalf("replayed %v", m)
	}
	e.clock.Advance(40 * time.Second) // past the first grace: nothing happens, they came back
	v2.ok(map[string]any{"type": "send", "text": "yes"})

	// Gone for good: the chat ends after the grace.
	_ = v2.ws.Close(websocket.StatusGoingAway, "closed tab")
	time.Sleep(50 * time.Millisecond) // let the server see the close before the clock moves
	e.clock.Advance(31 * time.Second)
	ben.wait("card", func(m map[string]any) bool {
		return str(m, "card", "color") == "white" && str(m, "card", "status_label") == "Ended by customer"
	})
	ben.ok(map[string]any{"type": "wrapup", "session": sid, "code": "solved"})
	// The page view is on the journey.
	_, card := e.api("GET", "/v1/sessions/"+sid, "")
	found := false
	for _, ev := range get(card, "journey").([]any) {
		if ev.(map[string]any)["event"] == "page" {
			found = true
		}
	}
	if !found {
		t.Errorf("no page event on the journey: %v", card)
	}
}

// A session that ends while waiting is abandoned: it leaves the queue and
// its card turns white, "Ended by customer".
func TestAbandonInQueueAndCSAT(t *testing.T) {
	e := newEnv(t)
	sam, _ := e.agent("sam")
	sam.ok(map[string]any{"type": "subscribe", "topics": []string{"sessions"}})
	ben, _ := e.agent("ben")
	ben.ok(map[string]any{"type": "presence", "status": "away"}) // online, not taking chats
	v, _ := e.visitor(nil)
	sid := str(v.ok(map[string]any{"type": "send", "text": "hello?"}), "session")
	v.ok(map[string]any{"type": "leave"})
	c := sam.wait("card", func(m map[string]any) bool {
		return str(m, "card", "session") == sid && str(m, "card", "color") == "white"
	})
	if str(c, "card", "outcome") != "abandoned" || str(c, "card", "status_label") != "Ended by customer" {
		t.Fatalf("abandoned card %v", c)
	}
	sam.wait("queue_stats", func(m map[string]any) bool {
		for _, q := range get(m, "queues").([]any) {
			if q := q.(map[string]any); q["id"] == "support" && q["waiting"] == float64(0) && q["abandoned"] == float64(1) {
				return true
			}
		}
		return false
	})
	v.ok(map[string]any{"type": "csat", "rating": 2, "comment": "nobody came"})
	_, md := e.api("GET", "/v1/sessions/"+sid+"/metadata", "")
	if get(md, "csat", "rating") != float64(2) {
		t.Fatalf("csat in metadata: %v", md)
	}
}

// smallSendBuffer gives accepted connections a 4 KiB kernel send buffer.
type smallSendBuffer struct{ net.Listener }

func (l smallSendBuffer) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

// A client that does not read is cut off with 1013 once its queue is full;
// the hub and everyone else go on.
func TestSlowConsumerIsCutOff(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// A client with a tiny receive buffer: it stalls the way a slow phone does.
	dialer := &net.Dialer{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(4096)
		}
		return c, err
	}}
	// The server side of the socket gets a small send buffer too, so that
	// the stall shows within kilobytes instead of the megabytes a loopback
	// socket autotunes to (which made the test depend on machine load).
	hs := httptest.NewUnstartedServer(e.srv.Handler())
	hs.Listener = smallSendBuffer{hs.Listener}
	hs.Start()
	defer func() { hs.CloseClientConnections(); hs.Close() }()
	ws, _, err := websocket.Dial(ctx, "ws"+hs.URL[4:]+"/v1/ws/agent", &websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	hello, _ := json.Marshal(map[string]any{"type": "hello", "token": e.srv.DemoTokens()["sam"]})
	_ = ws.Write(ctx, websocket.MessageText, hello)
	sub, _ := json.Marshal(map[string]any{"type": "subscribe", "topics": []string{"sessions"}})
	_ = ws.Write(ctx, websocket.MessageText, sub)
	// Flood the supervisor's view with cards while never reading, past what
	// the loopback socket buffers absorb (several MB).
	subject, name := strings.Repeat("s", 250), strings.Repeat("n", 120)
	e.srv.limits.httpAddr = newLimiter(1e6, 1e6, 16) // this test floods on purpose
	// Flood until the server cuts the socket: how much the kernel buffers
	// absorb first varies, so the flood is bounded by time, not by count.
	cut := func() bool { return testutil.ToFloat64(e.srv.metrics.closes.WithLabelValues("1013")) >= 1 }
	var refused atomic.Int32
	deadline := time.Now().Add(60 * time.Second)
	for !cut() {
		if time.Now().After(deadline) {
			var codes []string
			for _, c := range []string{"1000", "1001", "1008", "1009", "1013", "4400", "4401", "4409"} {
				if n := testutil.ToFloat64(e.srv.metrics.closes.WithLabelValues(c)); n > 0 {
					codes = append(codes, fmt.Sprintf("%s×%v", c, n))
				}
			}
			t.Fatalf("the server kept a consumer that does not read (closes: %v, frames: %v)", codes,
				testutil.ToFloat64(e.srv.metrics.frames.WithLabelValues("agent", "subscribe")))
		}
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 100 && !cut(); i++ {
					code, _ := e.apiAs(testAdmin, "POST", "/v1/sessions", `{"channel":"sms_inbound","queue":"support","subject":"`+subject+`","contact":{"name":"`+name+`","phone":"+1555"}}`)
					if code != 201 {
						refused.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		if n := refused.Load(); n > 0 {
			t.Fatalf("%d sessions refused", n)
		}
	}
	ben := e.available("ben") // the hub is fine
	ben.wait("offer", nil)
}

// An agent who reconnects with the resume token of a socket the server still
// holds replaces it (4409), and gets the messages they missed.
func TestAgentResumeReplacesStaleSocket(t *testing.T) {
	e := newEnv(t)
	ben, wel := e.agent("ben")
	ben.ok(map[string]any{"type": "presence", "status": "available"})
	v, _ := e.visitor(nil)
	sid := str(v.ok(map[string]any{"type": "send", "text": "one"}), "session")
	ben.ok(map[string]any{"type": "accept", "offer": offerID(ben.wait("offer", nil))})
	// The desktop's network hangs (it stops reading); the visitor goes on.
	v.ok(map[string]any{"type": "send", "text": "two"})
	v.ok(map[string]any{"type": "send", "text": "three"})
	ben2 := e.dial("/v1/ws/agent")
	ben2.send(map[string]any{"type": "hello", "token": e.srv.DemoTokens()["ben"],
		"resume": map[string]any{"token": wel["resume_token"], "last_message_ids": map[string]any{sid: "1"}}})
	w2 := ben2.wait("welcome", nil)
	if len(get(w2, "cards").([]any)) != 1 || str(w2, "resume_token") == str(wel, "resume_token") {
		t.Fatalf("resumed welcome %v", w2)
	}
	if m := ben2.wait("message", nil); str(m, "message", "text") != "two" {
		t.Fatalf("first replayed %v", m)
	}
	if m := ben2.wait("message", nil); str(m, "message", "text") != "three" {
		t.Fatalf("second replayed %v", m)
	}
	if code := ben.closeCode(); code != closeReplaced {
		t.Fatalf("stale socket closed with %d, want 4409", code)
	}
	ben2.ok(map[string]any{"type": "send", "session": sid, "text": "back"})
	// A token of another agent's socket replaces nothing.
	ana, awel := e.agent("ana")
	b3 := e.dial("/v1/ws/agent")
	b3.send(map[string]any{"type": "hello", "token": e.srv.DemoTokens()["ben"], "resume": map[string]any{"token": awel["resume_token"]}})
	b3.wait("welcome", nil)
	ana.send(map[string]any{"type": "ping"})
	ana.wait("pong", nil)
}

// A returning contact goes back to the agent who served them, when that
// agent is within the queue's sticky slack of the best; visitors waiting are
// told their place and expected wait, and told again when the line moves.
func TestStickyAndQueuedUpdates(t *testing.T) {
	e := newEnv(t)
	ana, ben := e.available("ana"), e.available("ben")
	v, _ := e.visitor(map[string]any{"language": "fr"}) // nobody speaks French: a tie on score
	sid := str(v.ok(map[string]any{"type": "send", "text": "bonjour"}), "session")
	first := ana // ties go to the smallest id when nobody worked yet
	off := first.wait("offer", nil)
	first.ok(map[string]any{"type": "accept", "offer": offerID(off)})
	first.ok(map[string]any{"type": "end", "session": sid})
	first.ok(map[string]any{"type": "wrapup", "session": sid, "code": "solved"})
	// Now ben has been idle longest and would win the tie; stickiness keeps
	// the returning visitor with ana.
	v.ok(map[string]any{"type": "send", "text": "encore moi"})
	off = ana.wait("offer", nil)
	if !strings.Contains(str(off, "card", "journey", "1", "detail"), "sticky") {
		ex := ""
		for _, j := range get(off, "card", "journey").([]any) {
			ex += " " + str(j.(map[string]any), "detail")
		}
		if !strings.Contains(ex, "sticky") {
			t.Fatalf("sticky offer without sticky in the explanation: %q", ex)
		}
	}
	ana.ok(map[string]any{"type": "decline", "offer": offerID(off)})
	ben.ok(map[string]any{"type": "accept", "offer": offerID(ben.wait("offer", nil))})

	// Queue positions and expected waits.
	ana.ok(map[string]any{"type": "presence", "status": "away"})
	ben.ok(map[string]any{"type": "presence", "status": "away"})
	var vs []*client
	for i := 0; i < 3; i++ {
		vi, _ := e.visitor(nil)
		vi.ok(map[string]any{"type": "send", "text": "hi"})
		q := vi.wait("queued", nil)
		if get(q, "position") != float64(i+1) || get(q, "expected_wait").(float64) <= 0 {
			t.Fatalf("visitor %d queued %v", i, q)
		}
		vs = append(vs, vi)
	}
	vs[0].ok(map[string]any{"type": "leave"}) // the first in line gives up: the others move up
	if q := vs[1].wait("queued", func(m map[string]any) bool { return get(m, "position") == float64(1) }); q == nil {
		t.Fatal("no update")
	}
	vs[2].wait("queued", func(m map[string]any) bool { return get(m, "position") == float64(2) })
}

// Recent conversations of a contact come from the contact index, newest first.
func TestRecentConversationsByContact(t *testing.T) {
	e := newEnv(t)
	v, wel := e.visitor(nil)
	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, str(v.ok(map[string]any{"type": "send", "text": "again"}), "session"))
		v.ok(map[string]any{"type": "leave"})
		e.clock.Advance(time.Second)
	}
	e.visitor(nil) // someone else
	code, b := e.api("GET", "/v1/sessions?contact=visitor:"+str(wel, "visitor")+"&limit=2", "")
	got := get(b, "sessions").([]any)
	if code != 200 || len(got) != 2 || str(got[0].(map[string]any), "session") != ids[2] || str(got[1].(map[string]any), "session") != ids[1] {
		t.Fatalf("recent %d %v (ids %v)", code, b, ids)
	}
}

// A chat waiting for the customer past the queue's idle_release stops
// counting against the agent's capacity until the visitor writes again.
func TestIdleRelease(t *testing.T) {
	e := newEnv(t)
	e.api("PUT", "/v1/queues/idle", `{"name":"Idle","idle_release":60}`)
	e.api("PUT", "/v1/agents/ben", `{"name":"Ben","queues":["idle"],"capacity":{"chat":1}}`)
	ben := e.available("ben")
	v1, _ := e.visitor(map[string]any{"queue": "idle"})
	sid := str(v1.ok(map[string]any{"type": "send", "text": "first"}), "session")
	ben.ok(map[string]any{"type": "accept", "offer": offerID(ben.wait("offer", nil))})
	v2, _ := e.visitor(map[string]any{"queue": "idle"})
	sid2 := str(v2.ok(map[string]any{"type": "send", "text": "second"}), "session")
	ben.ok(map[string]any{"type": "set_status", "session": sid, "status": "waiting_customer"})
	e.clock.Advance(59 * time.Second)
	v2.wait("queued", nil)
	e.clock.Advance(2 * time.Second) // past idle_release: the slot frees
	if off := ben.wait("offer", nil); str(off, "offer", "session") != sid2 {
		t.Fatalf("offer %v", off)
	}
	v1.ok(map[string]any{"type": "send", "text": "I'm back"}) // counts again, even past capacity
	ben.wait("presence", func(m map[string]any) bool {
		return get(m, "load", "chat", "active") == float64(2)
	})
}

// metricsPage returns the server's /metrics page.
func (e *env) metricsPage() string {
	e.t.Helper()
	resp, err := http.Get(e.http.URL + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(body)
}

// /metrics exposes the hub's measurements and the queues' live figures.
func TestMetricsExposed(t *testing.T) {
	e := newEnv(t)
	v, _ := e.visitor(nil)
	v.ok(map[string]any{"type": "send", "text": "hi"})
	e.apiAs("wrong", "GET", "/v1/queues", "") // a refusal
	bad := e.dial("/v1/ws/agent")             // a socket the server closes
	bad.send(map[string]any{"type": "hello", "token": "wrong"})
	bad.closeCode()
	body := e.metricsPage()
	for _, want := range []string{
		`switchboard_commands_total{code="",command="VisitorSend",workspace="default"} 1`,
		`switchboard_queue_waiting{queue="support",workspace="default"} 1`,
		`switchboard_commit_seconds_count{workspace="default"}`,
		`switchboard_routing_decisions_total{kind="queued",reason="",workspace="default"} 1`,
		`switchboard_connections{kind="visitor"} 1`,
		`# TYPE go_sched_latencies_seconds histogram`, // the scheduler's waits
		`# TYPE process_cpu_seconds_total counter`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Every switchboard_ series the operations guide and the dashboard name
	// is one the server exports.
	for _, doc := range []string{"../docs/operations.md", "../docs/grafana-dashboard.json"} {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range regexp.MustCompile(`switchboard_[a-z_]+`).FindAllString(string(text), -1) {
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_count"), "_")
			if !strings.Contains(body, "# TYPE "+base+" ") {
				t.Errorf("%s names %s, which /metrics does not export", doc, name)
			}
		}
	}
}

// Each frame a command caused is timed from the command reaching the hub
// to the recipient's writer taking it: the offer a visitor's first message
// caused, on the agent's socket, and the visitor's own queued frame.
func TestPushLatencyMetric(t *testing.T) {
	e := newEnv(t)
	ben := e.available("ben")
	v, _ := e.visitor(nil)
	v.ok(map[string]any{"type": "send", "text": "hi"})
	ben.wait("offer", nil)
	body := e.metricsPage()
	values := map[string]float64{}
	for _, line := range strings.Split(body, "\n") {
		if name, val, ok := strings.Cut(line, " "); ok && strings.HasPrefix(name, "switchboard_push_latency_seconds") {
			f, err := strconv.ParseFloat(val, 64)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			values[name] = f
		}
	}
	for _, series := range []string{`{kind="agent",type="offer"}`, `{kind="visitor",type="queued"}`} {
		n, sum := values["switchboard_push_latency_seconds_count"+series], values["switchboard_push_latency_seconds_sum"+series]
		if n != 1 || sum <= 0 || sum > 5 {
			t.Errorf("%s: count %v, sum %v s; want one, timed", series, n, sum)
		}
		if inf := values[`switchboard_push_latency_seconds_bucket`+strings.TrimSuffix(series, "}")+`,le="+Inf"}`]; inf != 1 {
			t.Errorf("%s: +Inf bucket %v", series, inf)
		}
	}
}

// An agent serving a contact reads that contact's earlier conversations
// (the info panel's recent conversations); other agents may not.
func TestRecentConversationsForTheServingAgent(t *testing.T) {
	e := newEnv(t)
	ben := e.available("ben")
	v, _ := e.visitor(nil)
	first := str(v.ok(map[string]any{"type": "send", "text": "first"}), "session")
	v.ok(map[string]any{"type": "leave"}) // abandoned before anyone took it
	v.ok(map[string]any{"type": "send", "text": "second"})
	off := ben.wait("offer", func(m map[string]any) bool { return str(m, "offer", "session") != first })
	key := str(off, "card", "contact_key")
	if !strings.HasPrefix(key, "visitor:") {
		t.Fatalf("card contact_key %q", key)
	}
	ben.ok(map[string]any{"type": "accept", "offer": offerID(off)})
	code, b := e.apiAs(e.srv.DemoTokens()["ben"], "GET", "/v1/sessions?contact="+key, "")
	if code != 200 || len(get(b, "sessions").([]any)) != 2 {
		t.Fatalf("serving agent: %d %v", code, b)
	}
	if code, _ := e.apiAs(e.srv.DemoTokens()["ana"], "GET", "/v1/sessions?contact="+key, ""); code != 403 {
		t.Fatalf("another agent: %d", code)
	}
}
