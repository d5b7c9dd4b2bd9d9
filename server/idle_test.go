package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboardhq/switchboard/internal/offstack"
	"github.com/switchboardhq/switchboard/internal/poll"
	"github.com/switchboardhq/switchboard/internal/race"
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

// A socket let in before Close is waited for, even when it is still being
// upgraded as Close begins. (Close once counted a socket only after its
// upgrade, so its wait could return first and the socket open after it: the
// race detector caught the count racing the wait in CI, when a test's last
// socket was still being accepted as its cleanup closed the server.)
func TestCloseWaitsForASocketBeingOpened(t *testing.T) {
	e := newEnv(t)
	entered, release := make(chan struct{}), make(chan struct{})
	var once, released sync.Once
	testHookOpen = func() { once.Do(func() { close(entered); <-release }) }
	t.Cleanup(func() { testHookOpen = nil })
	defer released.Do(func() { close(release) }) // before the server's cleanup, on failure too
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := strings.Replace(e.http.URL, "http", "ws", 1) + "/v1/ws/agent"
	ended := make(chan error, 1)
	go func() {
		ws, _, err := websocket.Dial(ctx, url, nil)
		if err == nil {
			_, _, err = ws.Read(ctx)
		}
		ended <- err
	}()
	<-entered
	closed := make(chan error, 1)
	go func() { closed <- e.srv.Close() }()
	select {
	case <-closed:
		t.Fatal("Close returned while a socket it had let in was still opening")
	case <-time.After(200 * time.Millisecond):
	}
	released.Do(func() { close(release) })
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	var ce websocket.CloseError
	if err := <-ended; !errors.As(err, &ce) || ce.Code != websocket.StatusGoingAway {
		t.Errorf("the socket let in before Close ended with %v, want 1001", err)
	}
}

// Sockets that open while the server closes are either refused (503) or
// closed with 1001, and Close does not wait out its timeout for them.
func TestShutdownWhileSocketsOpen(t *testing.T) {
	e := newEnv(t)
	url := strings.Replace(e.http.URL, "http", "ws", 1) + "/v1/ws/agent"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var (
		opened  atomic.Int64
		stop    = make(chan struct{})
		dialers sync.WaitGroup
		readers sync.WaitGroup
		ends    = make(chan error, 10000)
	)
	for range 6 {
		dialers.Add(1)
		go func() {
			defer dialers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				ws, resp, err := websocket.Dial(ctx, url, nil)
				if err != nil {
					if resp != nil && resp.StatusCode != http.StatusServiceUnavailable {
						t.Errorf("a socket opened as the server closes: %v, want 503", err)
					}
					continue
				}
				opened.Add(1)
				readers.Add(1)
				go func() { // a client reads, and so answers the close handshake
					defer readers.Done()
					_, _, err := ws.Read(ctx)
					ends <- err
				}()
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	close(stop)
	dialers.Wait()
	readers.Wait()
	close(ends)
	if opened.Load() == 0 {
		t.Fatal("no socket opened before the server closed")
	}
	if took >= 5*time.Second {
		t.Errorf("Close took %v: it waited out its timeout for sockets it never closed", took)
	}
	for err := range ends {
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.StatusGoingAway {
			t.Errorf("a socket open at shutdown ended with %v, want 1001", err)
		}
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

// A workspace created as the server closes is not started after Close's
// wait: its hub would run on, unwaited for, over a closed store.
func TestNoHubStartsAfterClose(t *testing.T) {
	e := newEnv(t)
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	err := e.srv.startWorkspace(workspaceRecord{ID: "late", Name: "late"})
	if !errors.Is(err, errShuttingDown) {
		t.Fatalf("starting a workspace after Close: %v, want errShuttingDown", err)
	}
	if e.srv.workspace("late") != nil {
		t.Error("the workspace started after Close is registered")
	}
}

// An idle socket's goroutine keeps a 4 KiB stack, whatever it did before
// it went idle. It parks in the websocket library's read with too much of
// its stack in use for a collection to shrink 8 KiB back to 4, so nothing
// it runs may go past 4 KiB: the upgrade and the hello run on a goroutine
// of their own (internal/offstack), and a frame's decode is hand-written
// (frameDecoder). Before those, every idle visitor socket held 8 KiB of
// stack, and so did every socket that had sent a frame.
func TestIdleSocketsKeepSmallStacks(t *testing.T) {
	e := newEnv(t)
	e.srv.limits.visitorHello = newLimiter(1e6, 1e6, 16) // many visitors from one address
	e.srv.limits.addrFrames = newLimiter(1e6, 1e6, 16)
	e.srv.limits.agentFrames = newLimiter(1e6, 1e6, 16) // many sockets of one agent
	e.srv.visitorsOpen = newOpenCount(-1)
	const n = 300
	visitorFrames := []string{`{"type":"typing"}`, `{"type":"page","url":"https://shop.example.com/a","title":"A","ref":"p"}`,
		`{"type":"nonesuch","ref":"x"}`, `{"type":"send","text":"Hello, is anyone there?","ref":"s"}`}
	agentFrames := []string{`{"type":"presence","status":"available","ref":"p"}`, `{"type":"typing","session":"nonesuch"}`,
		`{"type":"send","session":"nonesuch","text":"Hi!","ref":"s"}`, `{"type":"nonesuch","ref":"x"}`}
	limit := 6 * 1024.0 // 8 KiB before
	if race.Enabled {
		limit *= 2
	}
	for _, c := range []struct {
		name   string
		path   string
		hello  map[string]any
		frames []string
	}{
		{"idle visitor", "/v1/ws/visitor", map[string]any{"type": "hello", "widget": "demo"}, nil},
		{"visitor after frames", "/v1/ws/visitor", map[string]any{"type": "hello", "widget": "demo"}, visitorFrames},
		{"agent after commands", "/v1/ws/agent", map[string]any{"type": "hello", "token": e.srv.DemoTokens()["ana"]},
			agentFrames},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range n {
			ws := e.rawHello(c.path, c.hello)
			rawFrames(t, ws, c.frames)
		}
		poll.Until(t, 5*time.Second, func() error {
			if w := goroutinesIn("server.(*conn).writer"); w > 0 {
				return fmt.Errorf("%d writer goroutines running", w)
			}
			return nil
		})
		runtime.GC()
		runtime.GC() // stacks shrink in a collection
		runtime.ReadMemStats(&after)
		per := float64(after.StackInuse-before.StackInuse) / n
		t.Logf("%s: %.0f bytes of stack per socket", c.name, per)
		if per > limit {
			t.Errorf("%s: %.0f bytes of stack per socket, want under %.0f", c.name, per, limit)
		}
	}
}

// rawFrames sends frames on ws, then a ping, and reads until the ping's
// answer: the frames before it have been handled.
func rawFrames(t *testing.T, ws *websocket.Conn, frames []string) {
	t.Helper()
	if len(frames) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, f := range append(frames, `{"type":"ping","ref":"last"}`) {
		if err := ws.Write(ctx, websocket.MessageText, []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for the ping's answer: %v", err)
		}
		if strings.Contains(string(data), `"ref":"last"`) {
			return
		}
	}
}

// A panic in a socket's hello still releases the socket: Close, which
// waits for every socket opened, returns, and the panic goes on up with
// the stack it happened on.
func TestAPanicInTheHelloReleasesTheSocket(t *testing.T) {
	e := newEnv(t)
	raised := make(chan any, 1)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { raised <- recover() }()
		e.srv.openWithHello(w, r, "visitor", func(*conn) bool { panic("boom") })
	}))
	defer hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if ws, _, err := websocket.Dial(ctx, "ws"+hs.URL[4:], nil); err == nil {
		defer func() { _ = ws.CloseNow() }()
	}
	if p, ok := (<-raised).(*offstack.Panic); !ok || p.Value != "boom" {
		t.Errorf("raised %#v", p)
	}
	closed := make(chan error, 1)
	go func() { closed <- e.srv.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Error(err)
		}
	case <-ctx.Done():
		t.Fatal("Close still waits for the socket whose hello panicked")
	}
}
