package load

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboardhq/switchboard/internal/offstack"
	"github.com/switchboardhq/switchboard/internal/poll"
)

func TestFrameType(t *testing.T) {
	for _, c := range []struct {
		in, typ string
		ok      bool
	}{
		{`{"seq":12,"type":"card","card":{"session":"s","state_name":"finished"}}`, "card", true},
		{`{"seq":1,"type":"welcome"}`, "welcome", true},
		{`{"seq":7,"type":""}`, "", true},
		{`{"type":"card"}`, "", false},           // no seq: decoded
		{`{"seq":,"type":"card"}`, "", false},    // no digits
		{`{"seq":"1","type":"card"}`, "", false}, // not a number
		{`{"seq":1, "type":"card"}`, "", false},  // spaced
		{`{"seq":1,"ref":"x","type":"ack"}`, "", false},
		{`{"seq":1,"type":"a\"b"}`, "", false}, // an escape: decoded
		{`{"seq":1,"type":"card`, "", false},   // cut short
		{`{"seq":1`, "", false},
		{``, "", false},
	} {
		typ, ok := frameType([]byte(c.in))
		if typ != c.typ || ok != c.ok {
			t.Errorf("frameType(%s) = %q, %v; want %q, %v", c.in, typ, ok, c.typ, c.ok)
		}
	}
}

// TestSkipsOnRealFrames runs one chat through a real server on raw
// sockets and checks the bench's reading of every frame the server sent:
// each but a welcome begins with its seq and type (so frameType does not
// fall back to a decode), and each socket skips exactly what it never
// acts on. An agent reads the other party's messages, not its own echoed
// back, and a session's card only once it is finished and not yet wrapped
// up; a visitor reads the agent's messages and the chat's turns.
func TestSkipsOnRealFrames(t *testing.T) {
	addr := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, st := prepared(t, Config{Addr: addr, AdminKey: "k", Agents: 1, Rate: 1, Duration: time.Second})
	d := newDialer(addr)
	dial := func(path string) *websocket.Conn {
		ws, err := d.dial(ctx, path, false)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = ws.CloseNow() })
		return ws
	}
	write := func(ws *websocket.Conn, v any) {
		b, _ := json.Marshal(v)
		if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
	}
	type party struct {
		who   string
		ws    *websocket.Conn
		skip  func(string, []byte) bool
		reads func(*frame) bool // what the role acts on
	}
	agent := party{"agent", dial("/v1/ws/agent"), agentSkips, func(f *frame) bool {
		switch f.Type {
		case "welcome", "offer", "ack", "error", "offer_revoked":
			return true
		case "message":
			return f.chat() != nil && f.chat().From.Kind == "visitor"
		case "card":
			return f.Card.StateName == "finished" && f.Card.WrapupCode == ""
		}
		return false
	}}
	visitor := party{"visitor", dial("/v1/ws/visitor"), visitorSkips, func(f *frame) bool {
		switch f.Type {
		case "welcome", "agent_joined", "ended", "deflected", "error":
			return true
		case "message":
			return f.chat() != nil && f.chat().From.Kind == "agent"
		}
		return false
	}}
	var seen []string // "agent card skipped", "visitor message read", ...
	// next reads raw frames until one that until accepts, checking each.
	next := func(s party, until func(*frame) bool) *frame {
		for {
			_, b, err := s.ws.Read(ctx)
			if err != nil {
				t.Fatalf("%s: %v (seen %v)", s.who, err, seen)
			}
			var f frame
			if err := json.Unmarshal(b, &f); err != nil {
				t.Fatalf("%s: %s: %v", s.who, b, err)
			}
			typ, ok := frameType(b)
			if !ok && f.Type != "welcome" || ok && typ != f.Type {
				t.Fatalf("%s: frameType(%.80s) = %q, %v; the frame's type is %q", s.who, b, typ, ok, f.Type)
			}
			skipped := ok && s.skip(typ, b) // a welcome may begin otherwise, and is decoded
			if skipped == s.reads(&f) {
				t.Errorf("%s: skipped %v: %s", s.who, skipped, b)
			}
			seen = append(seen, fmt.Sprintf("%s %s skipped=%v", s.who, f.Type, skipped))
			if until(&f) {
				return &f
			}
		}
	}
	is := func(typ string) func(*frame) bool { return func(f *frame) bool { return f.Type == typ } }

	write(agent.ws, map[string]any{"type": "hello", "token": st.Agents[0].Token})
	next(agent, is("welcome"))
	write(agent.ws, map[string]any{"type": "presence", "status": "available"})
	next(agent, is("presence"))

	write(visitor.ws, map[string]any{"type": "hello", "widget": st.widgetKey(0), "queue": QueueID, "name": "Ana"})
	write(visitor.ws, map[string]any{"type": "send", "text": "hello"})
	next(visitor, is("welcome"))

	offer := next(agent, is("offer"))
	var o offerInfo
	if err := json.Unmarshal(offer.Offer, &o); err != nil || o.ID == "" {
		t.Fatalf("offer %s: %v", offer.Offer, err)
	}
	write(agent.ws, map[string]any{"type": "accept", "offer": o.ID, "ref": "a1"})
	next(visitor, is("agent_joined"))
	write(agent.ws, map[string]any{"type": "send", "session": o.Session, "text": "hi", "ref": "m1"})
	next(visitor, func(f *frame) bool { return f.chat() != nil && f.chat().From.Kind == "agent" })
	write(visitor.ws, map[string]any{"type": "send", "text": "thanks"})
	next(agent, func(f *frame) bool {
		return f.chat() != nil && f.chat().From.Kind == "visitor" && f.chat().Text == "thanks"
	})
	write(visitor.ws, map[string]any{"type": "leave"})
	next(visitor, is("ended"))
	fin := next(agent, func(f *frame) bool { return f.Type == "card" && f.Card.StateName == "finished" })
	if fin.Card.Session != o.Session || fin.Card.WrapupCode != "" {
		t.Fatalf("finished card %+v", fin.Card)
	}
	write(agent.ws, map[string]any{"type": "wrapup", "session": o.Session, "code": "done", "ref": "w1"})
	next(agent, func(f *frame) bool { return f.Type == "card" && f.Card.WrapupCode == "done" })
	// Each rule was exercised both ways.
	for _, want := range []string{"agent card skipped=true", "agent card skipped=false", "agent message skipped=true",
		"agent message skipped=false", "visitor message skipped=true", "visitor message skipped=false", "agent presence skipped=true"} {
		if !slices.Contains(seen, want) {
			t.Errorf("no %q in %v", want, seen)
		}
	}
	t.Logf("frames: %v", seen)
}

// TestServeKeepsTheReaderStackSmall: a frame's decode and what the socket
// does about it run off the reader's stack, so a deep handler leaves each
// socket's reader goroutine as small as a shallow one does. Sockets served
// by a handler that needs 8 KiB of stack, against sockets whose handler
// needs none: the readers' stacks differ by under 1 KiB a socket (they
// differ by 4 KiB or more when the handler runs on the reader).
func TestServeKeepsTheReaderStackSmall(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(w, req, nil)
		if err != nil {
			return
		}
		defer func() { _ = c.CloseNow() }()
		if c.Write(req.Context(), websocket.MessageText, []byte(`{"seq":1,"type":"welcome"}`)) == nil {
			_, _, _ = c.Read(req.Context()) // until the client closes
		}
	}))
	defer hs.Close()
	d := newDialer(strings.TrimPrefix(hs.URL, "http://"))
	defer d.close()
	const n = 1000
	settle := func(most int) { // until at most most goroutines run
		poll.Until(t, 10*time.Second, func() error {
			if g := runtime.NumGoroutine(); g > most {
				return fmt.Errorf("%d goroutines, want %d at most", g, most)
			}
			return nil
		})
	}
	stackPerSocket := func(act func()) float64 {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		defer func() { cancel(); wg.Wait() }()
		r := &runner{errors: map[string]int64{}}
		base := runtime.NumGoroutine()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		acted := make(chan struct{}, n)
		for range n {
			ws, err := d.dial(ctx, "/", true)
			if err != nil {
				t.Fatal(err)
			}
			s := &sock{ws: ws, r: r}
			wg.Go(func() {
				defer func() { _ = ws.CloseNow() }()
				_ = s.serve(ctx, func(*frame) bool { act(); acted <- struct{}{}; return false })
			})
		}
		for range n {
			<-acted
		}
		settle(base + 2*n) // each socket's reader and server side, and no handler still on its way out
		runtime.GC()
		runtime.GC() // stacks shrink in a collection
		runtime.ReadMemStats(&after)
		cancel()
		wg.Wait()
		settle(base) // the server's side of the sockets gone too
		return float64(after.StackInuse) - float64(before.StackInuse)
	}
	shallow := stackPerSocket(func() {})
	deep := stackPerSocket(func() { burnStack(64) })
	if perSocket := (deep - shallow) / n; perSocket > 1024 {
		t.Errorf("a deep handler costs each reader %.0f bytes more stack (shallow %.0f, deep %.0f bytes a socket)",
			perSocket, shallow/n, deep/n)
	}
}

// burnStack calls itself depth times, with 128 bytes of frame each.
//
//go:noinline
func burnStack(depth int) byte {
	var b [128]byte
	b[depth%len(b)] = byte(depth)
	if depth == 0 {
		return b[0]
	}
	return burnStack(depth-1) + b[depth%len(b)]
}

// BenchmarkOffStack hands a call that needs about 5 KiB of stack to
// offstack.Call, against making it in place.
func BenchmarkOffStack(b *testing.B) {
	b.Run("handed-over", func(b *testing.B) {
		for b.Loop() {
			_ = offstack.Call(func() byte { return burnStack(40) })
		}
	})
	b.Run("in-place", func(b *testing.B) {
		for b.Loop() {
			_ = burnStack(40)
		}
	})
}
