package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboardhq/switchboard/hub"
)

// BenchmarkAckedSends measures acknowledged commands per second through real
// websockets with durable commits on a real disk (Pebble in b.TempDir(),
// every batch fsynced before its acks): 32 chats, agent and visitor of each
// sending chat messages as fast as acks come back, each socket keeping up to
// 8 commands in flight. It reports commands/s and the ack latency (send →
// ack) p50/p99, which includes the fsync.
func BenchmarkAckedSends(b *testing.B) {
	const chats, inflight = 32, 8
	srv, err := New(Config{DataDir: benchDir(b), AdminKey: testAdmin, NoDemo: false,
		Hub: hub.Config{InboxSize: 1 << 16}})
	if err != nil {
		b.Fatal(err)
	}
	srv.limits = limits{visitorHello: newLimiter(1e9, 1e9, 16), visitorMsg: newLimiter(1e9, 1e9, 16),
		addrFrames: newLimiter(1e9, 1e9, 16), widget: newLimiter(1e9, 1e9, 16),
		agentFrames: newLimiter(1e9, 1e9, 16), httpAddr: newLimiter(1e9, 1e9, 16)}
	hs := httptest.NewServer(srv.Handler())
	defer func() { hs.CloseClientConnections(); _ = srv.Close(); hs.Close() }()
	e := &env{t: &testing.T{}, srv: srv, http: hs}
	// Enough agents for the chats (demo agents hold 2–3 chats each).
	for i := 0; i < chats; i++ {
		e.api("PUT", fmt.Sprintf("/v1/agents/b%02d", i), `{"name":"Bench","queues":["sales"],"capacity":{"chat":1}}`)
	}
	type pair struct{ agent, visitor *rawClient }
	var pairs []pair
	ctx := context.Background()
	for i := 0; i < chats; i++ {
		_, tb := e.api("POST", fmt.Sprintf("/v1/agents/b%02d/token", i), "")
		ag := dialRaw(b, hs.URL, "/v1/ws/agent", map[string]any{"type": "hello", "token": tb["token"]}, nil)
		ag.call(ctx, map[string]any{"type": "presence", "status": "available"})
		vi := dialRaw(b, hs.URL, "/v1/ws/visitor", map[string]any{"type": "hello", "widget": "demo", "queue": "sales"}, nil)
		ack := vi.call(ctx, map[string]any{"type": "send", "text": "hello"})
		ag.session = ack["session"].(string)
		pairs = append(pairs, pair{ag, vi})
	}
	var mu sync.Mutex
	var lat []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/(2*chats) + 1
	start := time.Now()
	for _, p := range pairs {
		for _, c := range []*rawClient{p.agent, p.visitor} {
			wg.Add(1)
			go func(c *rawClient, session string) {
				defer wg.Done()
				ls := c.pump(ctx, per, inflight, session)
				mu.Lock()
				lat = append(lat, ls...)
				mu.Unlock()
			}(c, p.agent.session)
		}
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/el.Seconds(), "acked/s")
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
	reportHubCycles(b, srv)
}

// rawClient is a lean benchmark client: frames are matched to refs by a
// reader goroutine; chat message frames go to onMessage, when set,
// undecoded.
type rawClient struct {
	ws        *websocket.Conn
	cork      *cork
	mu        sync.Mutex
	waiting   map[string]chan map[string]any
	next      int
	session   string
	onMessage func(at time.Time, data []byte)
}

func dialRaw(b *testing.B, base, path string, hello map[string]any, onMessage func(time.Time, []byte)) *rawClient {
	// The client corks its connection too: a burst of sends is one write.
	ck := &cork{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		ck.w = nc
		return &corkedConn{Conn: nc, cork: ck}, nil
	}}
	ws, _, err := websocket.Dial(context.Background(), strings.Replace(base, "http", "ws", 1)+path,
		&websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		b.Fatal(err)
	}
	ws.SetReadLimit(1 << 20)
	c := &rawClient{ws: ws, cork: ck, waiting: map[string]chan map[string]any{}, onMessage: onMessage}
	hb, _ := json.Marshal(hello)
	_ = ws.Write(context.Background(), websocket.MessageText, hb)
	go c.read()
	return c
}

func (c *rawClient) read() {
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			return
		}
		if c.onMessage != nil && bytes.Contains(data, []byte(`"type":"message"`)) {
			c.onMessage(time.Now(), data)
			continue
		}
		ref := refOf(data)
		if ref == "" {
			continue
		}
		var m map[string]any
		if c.session == "" || !bytes.HasPrefix(data, []byte(`{"seq":`)) || bytes.Contains(data, []byte(`"type":"error"`)) {
			// Set-up calls and refusals are decoded whole; the acks of
			// the measured sends only need their ref (the client must
			// stay cheap: it shares the machine with the server).
			if json.Unmarshal(data, &m) != nil {
				continue
			}
		}
		c.mu.Lock()
		ch := c.waiting[ref]
		delete(c.waiting, ref)
		c.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

// refOf finds the ref of a hub frame without decoding it: acks put it
// right after the type, and refs here are decimal numbers.
func refOf(data []byte) string {
	i := bytes.Index(data, []byte(`"ref":"`))
	if i < 0 {
		return ""
	}
	rest := data[i+7:]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

func (c *rawClient) start(ctx context.Context, v map[string]any) chan map[string]any {
	ch := make(chan map[string]any, 1)
	c.mu.Lock()
	c.next++
	ref := strconv.Itoa(c.next)
	c.waiting[ref] = ch
	c.mu.Unlock()
	v["ref"] = ref
	data, _ := json.Marshal(v)
	_ = c.ws.Write(ctx, websocket.MessageText, data)
	return ch
}

func (c *rawClient) call(ctx context.Context, v map[string]any) map[string]any {
	select {
	case m := <-c.start(ctx, v):
		return m
	case <-time.After(10 * time.Second):
		return map[string]any{}
	}
}

// pump sends n chat messages keeping up to inflight unanswered, and returns
// each one's ack latency.
func (c *rawClient) pump(ctx context.Context, n, inflight int, session string) []time.Duration {
	type pending struct {
		ch chan map[string]any
		at time.Time
	}
	var q []pending
	out := make([]time.Duration, 0, n)
	for sent := 0; sent < n || len(q) > 0; {
		if sent < n && len(q) < inflight {
			c.cork.hold()
			for sent < n && len(q) < inflight {
				q = append(q, pending{c.start(ctx, map[string]any{"type": "send", "session": session, "text": "load"}), time.Now()})
				sent++
			}
			_ = c.cork.release()
		}
		select {
		case <-q[0].ch:
			out = append(out, time.Since(q[0].at))
		case <-time.After(10 * time.Second):
		}
		q = q[1:]
	}
	return out
}

// benchDir is the store directory: a real disk, or the in-memory store when
// SWITCHBOARD_BENCH_MEM is set (to tell fsync cost from the rest).
func benchDir(b *testing.B) string {
	if os.Getenv("SWITCHBOARD_BENCH_MEM") != "" {
		return ""
	}
	return b.TempDir()
}

// corkedConn is a client connection whose writes go through a cork.
type corkedConn struct {
	net.Conn
	cork *cork
}

func (c *corkedConn) Write(p []byte) (int, error) { return c.cork.Write(p) }
