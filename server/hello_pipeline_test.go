package server

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/internal/poll"
)

// TestVisitorHelloPipelinesTheFirstMessage: a new visitor's first message,
// sent right behind the hello, is read and handed to the hub while the
// hello's commit is still on the disk (it does not wait for the welcome);
// the client still gets the welcome first (seq 1), then the message's ack,
// and the chat is offered.
func TestVisitorHelloPipelinesTheFirstMessage(t *testing.T) {
	fs := newStallFS()
	// StallTimeout -1: commands queue behind the hung commit rather than
	// being refused, as behind a slow one.
	e := newEnvWith(t, Config{FS: fs, DataDir: "data", Hub: hub.Config{StallTimeout: -1}})
	ana := e.available("ana")
	if n := e.framesRead("visitor", "send"); n != 0 {
		t.Fatalf("%v visitor sends counted before any was sent", n)
	}

	unstick := fs.stick(t)
	v := e.dial("/v1/ws/visitor")
	v.send(map[string]any{"type": "hello", "widget": "demo"})
	v.send(map[string]any{"type": "send", "text": "hello, I need help", "ref": "first"})
	fs.waitHung(t) // the hello's commit
	e.waitFramesRead("visitor", "send", 1, "the first message, while the hello's commit hangs")
	v.mu.Lock()
	early := len(v.frames)
	v.mu.Unlock()
	if early != 0 {
		t.Fatalf("%d frames before the hello was committed", early)
	}

	unstick()
	ack := v.waitAny(func(m map[string]any) bool { return m["ref"] == "first" }, "answer to the first message")
	if ack["type"] != "ack" || str(ack, "session") == "" {
		t.Fatalf("first message: %v", ack)
	}
	v.mu.Lock()
	first := v.frames[0]
	v.mu.Unlock()
	if first["type"] != "welcome" || first["seq"] != float64(1) {
		t.Fatalf("first frame %v, want the welcome with seq 1", first)
	}
	offer := ana.wait("offer", nil)
	if got := str(offer, "offer", "session"); got != str(ack, "session") {
		t.Fatalf("offer for %q, want the new chat %q", got, str(ack, "session"))
	}
}

// TestVisitorHelloRefusedAppliesNothingBehind: frames a new visitor sends
// right behind a hello the hub refuses change nothing; the socket closes
// with 4400 (a bad hello: retrying it cannot help).
func TestVisitorHelloRefusedAppliesNothingBehind(t *testing.T) {
	e := newEnv(t)
	e.available("ana")
	behind := []map[string]any{
		// Answered at once, without the hub: their answers wait behind
		// the hello's and must not go out when it is refused.
		{"type": "ping", "ref": "p1"},
		{"type": "teleport", "ref": "t1"},
		{"type": "page", "url": "https://shop.example/cart"},
		{"type": "send", "text": "hello?", "ref": "s1"},
		{"type": "typing"},
		{"type": "send", "text": "anyone?", "ref": "s2"},
		{"type": "csat", "rating": 4},
		{"type": "leave"},
	}
	for _, tc := range []struct {
		name   string
		hello  map[string]any
		reason string // the close reason's start
	}{
		{"unknown queue", map[string]any{"queue": "nope"}, `unknown queue "nope"`},
		// Its name is quoted in the close reason, clipped to fit the
		// close frame (a longer reason would turn the close into 1011):
		// 128 bytes, the longest queue a hello may name.
		{"unknown queue with a long name", map[string]any{"queue": strings.Repeat("ü", 64)}, `unknown queue "üü`},
		{"name too long", map[string]any{"name": strings.Repeat("n", 1000)}, ""},
	} {
		before := azState(t, e.srv)
		c := e.dial("/v1/ws/visitor")
		hello := map[string]any{"type": "hello", "widget": "demo"}
		for k, v := range tc.hello {
			hello[k] = v
		}
		c.send(hello)
		for _, f := range behind {
			_ = c.ws.Write(t.Context(), websocket.MessageText, encode(f))
		}
		if code := c.closeCode(); code != closeBadHello {
			t.Errorf("%s: close %d, want 4400", tc.name, code)
		}
		var ce websocket.CloseError
		if errors.As(c.err, &ce) && !strings.HasPrefix(ce.Reason, tc.reason) {
			t.Errorf("%s: close reason %q, want it to start with %q", tc.name, ce.Reason, tc.reason)
		}
		c.mu.Lock()
		frames := c.frames
		c.mu.Unlock()
		if len(frames) != 0 {
			t.Errorf("%s: frames sent on a refused hello: %v", tc.name, frames)
		}
		// The frames behind the hello are answered (refused) in the hub
		// after it; wait for the socket's end before comparing.
		e.waitVisitorSockets(0)
		if ch := azChanged(before, azState(t, e.srv)); len(ch) != 0 {
			t.Errorf("%s: refused hello, yet changed %v", tc.name, ch)
		}
	}
	// The hub never had those visitors: their sockets' ends send it no
	// disconnect.
	if n := testutil.ToFloat64(e.srv.metrics.hub.commands.WithLabelValues("default", "VisitorDisconnect", "not_found")); n != 0 {
		t.Errorf("%v disconnects of visitors whose hello was refused", n)
	}
}

// waitVisitorSockets waits until n visitor sockets are open: a socket is
// counted until its handler, with its final hub command, is done.
func (e *env) waitVisitorSockets(n float64) {
	e.t.Helper()
	poll.Until(e.t, 5*time.Second, func() error {
		if got := testutil.ToFloat64(e.srv.metrics.conns.WithLabelValues("visitor")); got != n {
			return fmt.Errorf("%v visitor sockets, want %v", got, n)
		}
		return nil
	})
}

func TestClipReason(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"short", "short"},
		{strings.Repeat("a", 123), strings.Repeat("a", 123)},
		{strings.Repeat("a", 124), strings.Repeat("a", 123)},
		// ü is 2 bytes: 61 of them are 122 bytes, and the 62nd would
		// end past 123.
		{strings.Repeat("ü", 100), strings.Repeat("ü", 61)},
		{"a" + strings.Repeat("ü", 100), "a" + strings.Repeat("ü", 61)},
	} {
		if got := clipReason(tc.in); got != tc.want {
			t.Errorf("clipReason(%d bytes) = %d bytes %q, want %d bytes", len(tc.in), len(got), got, len(tc.want))
		}
	}
}

// TestVisitorHelloRefusedAnswersNothingBehind: frames the server answers
// at once (ping, a bad frame) behind a hello that waits in the hub get no
// answer when the hub refuses the hello: the client sees the close alone,
// never a pong or an error without a welcome.
func TestVisitorHelloRefusedAnswersNothingBehind(t *testing.T) {
	fs := newStallFS()
	e := newEnvWith(t, Config{FS: fs, DataDir: "data", Hub: hub.Config{StallTimeout: -1}})
	ana := e.available("ana")

	// Another client's write holds the hub in a commit, so the hello
	// waits in the inbox while the frames behind it are read.
	unstick := fs.stick(t)
	ana.send(map[string]any{"type": "presence", "status": "away", "ref": "away"})
	fs.waitHung(t)
	v := e.dial("/v1/ws/visitor")
	v.send(map[string]any{"type": "hello", "widget": "demo", "queue": "nope"})
	v.send(map[string]any{"type": "ping", "ref": "p1"})
	v.send(map[string]any{"type": "teleport", "ref": "t1"})
	e.waitFramesRead("visitor", "ping", 1, "the ping behind the hello")
	poll.Until(t, 5*time.Second, func() error { // the bad frame right behind it, refused as read
		if n := testutil.ToFloat64(e.srv.metrics.refusals.WithLabelValues("bad_request")); n < 1 {
			return errors.New("the bad frame behind the hello was not read")
		}
		return nil
	})

	unstick()
	if code := v.closeCode(); code != closeBadHello {
		t.Fatalf("close %d, want 4400", code)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.frames) != 0 {
		t.Fatalf("frames sent on a refused hello: %v", v.frames)
	}
}

// framesRead is the count of client frames of kind and type the server
// has read (switchboard_frames_received_total), read from the registry:
// the /metrics page waits up to 2 s for each hub, so it is slow while a
// commit hangs.
func (e *env) framesRead(kind, typ string) float64 {
	return testutil.ToFloat64(e.srv.metrics.frames.WithLabelValues(kind, typ))
}

// waitFramesRead waits until n frames of kind and type have been read.
func (e *env) waitFramesRead(kind, typ string, n float64, what string) {
	e.t.Helper()
	poll.Until(e.t, 5*time.Second, func() error {
		if got := e.framesRead(kind, typ); got < n {
			return fmt.Errorf("%s: %v read, want %v", what, got, n)
		}
		return nil
	})
}
