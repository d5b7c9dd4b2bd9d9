package server

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboardhq/switchboard/internal/poll"
)

// openConns returns the server's sockets not yet closed.
func (e *env) openConns() []*conn {
	ss := &e.srv.sockets
	ss.mu.Lock()
	defer ss.mu.Unlock()
	var out []*conn
	for c := range ss.open {
		out = append(out, c)
	}
	return out
}

// goroutinesIn counts the goroutines whose stack shows fn.
func goroutinesIn(fn string) int {
	buf := make([]byte, 4<<20)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, fn) {
			n++
		}
	}
	return n
}

// rawHello dials path without a reading goroutine of the client's own,
// says hello and reads up to welcome: the client then holds no goroutine
// for the socket, so every goroutine the socket adds is the server's.
func (e *env) rawHello(path string, hello map[string]any) *websocket.Conn {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+e.http.URL[4:]+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = ws.CloseNow() })
	b, _ := json.Marshal(hello)
	if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
		e.t.Fatal(err)
	}
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			e.t.Fatalf("waiting for welcome: %v", err)
		}
		if strings.Contains(string(data), `"type":"welcome"`) {
			return ws
		}
	}
}

// An idle socket has no writer goroutine: only its reader, blocked on the
// connection (issue 6). The writer ran (welcome, then the hub's events)
// and exited once it found nothing left to write. With a writer parked
// per socket, each socket would hold two goroutines.
func TestIdleSocketsHaveNoWriter(t *testing.T) {
	e := newEnv(t)
	e.srv.limits.visitorHello = newLimiter(1e6, 1e6, 16) // many visitors from one address
	e.srv.visitorsOpen = newOpenCount(-1)
	const visitors = 40
	sockets := visitors + 3
	settled := func() error {
		if n := goroutinesIn("server.(*conn).writer"); n > 0 {
			return fmt.Errorf("%d writer goroutines running", n)
		}
		return nil
	}
	poll.Until(t, 5*time.Second, settled)
	runtime.GC()
	base := runtime.NumGoroutine()
	for _, a := range []string{"ana", "ben", "sam"} {
		e.rawHello("/v1/ws/agent", map[string]any{"type": "hello", "token": e.srv.DemoTokens()[a]})
	}
	var last *websocket.Conn
	for range visitors {
		last = e.rawHello("/v1/ws/visitor", map[string]any{"type": "hello", "widget": "demo"})
	}
	// A chat: its ack goes out through send, its events (queued, offers)
	// through the hub's Filter.Wake; the writers they start exit too.
	if err := last.Write(context.Background(), websocket.MessageText, []byte(`{"type":"send","text":"hi","ref":"1"}`)); err != nil {
		t.Fatal(err)
	}
	for {
		_, data, err := last.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), `"ref":"1"`) {
			break
		}
	}
	poll.Until(t, 5*time.Second, settled)
	// Goroutines per socket: 1 (the reader) now, 2 with a parked writer.
	// A few stray ones (net/http's, timers') are tolerated.
	var per float64
	poll.Until(t, 5*time.Second, func() error {
		per = float64(runtime.NumGoroutine()-base) / float64(sockets)
		if per > 1.25 {
			return fmt.Errorf("%.2f goroutines per idle socket (%d sockets), want about 1", per, sockets)
		}
		return nil
	})
	if n := len(e.openConns()); n != sockets {
		t.Errorf("%d sockets registered, want %d", n, sockets)
	}
	t.Logf("%.2f goroutines per idle socket", per)
}

// A wake racing with the writer's exit is never lost: frames sent by
// several goroutines with tiny gaps, so that the writer often finds
// nothing and exits just as the next one comes, all arrive, in each
// sender's order and with contiguous seqs (the client checks seq).
func TestWakeRacingWriterExitIsNotLost(t *testing.T) {
	e := newEnvWith(t, Config{SocketQueue: 1 << 16})
	v, _ := e.visitor(nil)
	conns := e.openConns()
	if len(conns) != 1 {
		t.Fatalf("%d sockets open", len(conns))
	}
	c := conns[0]
	const senders, each = 8, 1000
	var wg sync.WaitGroup
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				c.send(fmt.Appendf(nil, `{"type":"pong","g":%d,"i":%d}`, g, i))
				switch i % 4 { // gaps from none to tens of microseconds
				case 1:
					runtime.Gosched()
				case 2:
					time.Sleep(time.Duration(i%50) * time.Microsecond)
				case 3:
					for spin := 0; spin < (i%7)*200; spin++ {
						_ = spin
					}
				}
			}
		}()
	}
	wg.Wait()
	next := make([]float64, senders)
	for range senders * each {
		m := v.wait("pong", nil)
		g, i := int(m["g"].(float64)), m["i"].(float64)
		if i != next[g] {
			t.Fatalf("sender %d: frame %v, want %v", g, i, next[g])
		}
		next[g]++
	}
	// Rounds in lockstep: every wake matters, as no later frame would
	// carry a lost one out.
	for round := range 200 {
		for g := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for spin := 0; spin < (round*7+g*13)%100*50; spin++ {
					_ = spin
				}
				c.send(fmt.Appendf(nil, `{"type":"pong","round":%d}`, round))
			}()
		}
		wg.Wait()
		for range 2 {
			if m := v.wait("pong", nil); m["round"] != float64(round) {
				t.Fatalf("round %d: %v", round, m)
			}
		}
	}
	poll.Until(t, 5*time.Second, func() error {
		if n := goroutinesIn("server.(*conn).writer"); n > 0 {
			return fmt.Errorf("%d writer goroutines still running", n)
		}
		return nil
	})
}

// A socket accepted while the server shuts down, after it closed the open
// ones, is closed with 1001 too.
func TestSocketOpenedDuringShutdownIsClosed(t *testing.T) {
	e := newEnv(t)
	e.srv.sockets.closeAll() // what Close does first, past the refusal of new sockets
	c := e.dial("/v1/ws/agent")
	if code := c.closeCode(); code != websocket.StatusGoingAway {
		t.Errorf("closed with %v, want 1001", code)
	}
	if n := len(e.openConns()); n != 0 {
		t.Errorf("%d sockets registered", n)
	}
}

// The writer's states, step by step: a wake after the writer's last look
// at the inbox makes it look again instead of exiting; a wake after it
// exited starts the next writer; nothing starts one once the socket is
// done. (The racing test above hits the first case only now and then.)
func TestWakeAfterLastLook(t *testing.T) {
	c := &conn{wstate: writerRunning}
	wake := func() bool {
		c.qmu.Lock()
		defer c.qmu.Unlock()
		return c.wakeLocked()
	}
	c.take(nil) // the writer looks: nothing
	if wake() {
		t.Fatal("a wake started a second writer")
	}
	if c.park() {
		t.Fatal("the writer exited with a wake unanswered")
	}
	c.take(nil) // it looks again: nothing
	if !c.park() {
		t.Fatal("the writer did not exit with nothing to do")
	}
	if !wake() {
		t.Fatal("a wake after the writer exited started none")
	}
	if wake() {
		t.Fatal("a second wake started a second writer")
	}
	c.take(nil) // one look answers both wakes
	if !c.park() {
		t.Fatal("the writer did not exit after answering the wakes")
	}
	c.wstate = writerGone
	if wake() {
		t.Fatal("a wake started a writer for a closed socket")
	}
}
