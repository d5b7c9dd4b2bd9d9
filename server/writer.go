package server

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/internal/fifo"
)

// A socket's writer goroutine runs only while there is something to write:
// an idle socket then costs no writer stack nor g (issue 6: Go heap and
// stacks per idle socket from 20.4 to 15.6 KiB, medians of 3 runs of
// `switchboard bench --hold` with 15,000 sockets). Whatever gives the
// writer something to look at (send, attach, close, the hub through
// Filter.Wake) calls wake, which starts a writer unless one runs; the
// writer writes until it finds nothing, then parks: it exits, unless a
// wake came since its last look at the inbox, in which case it looks
// again. Both happen under qmu, so a wake racing with the writer's exit
// either makes it look again or starts the next writer: none is lost, and
// at most one writer runs at a time.

// writerState is where a socket's writer is (under conn.qmu).
type writerState uint8

const (
	writerIdle    writerState = iota // no writer goroutine: wake starts one
	writerRunning                    // a writer runs and has looked since the last wake
	writerWoken                      // a writer runs and was woken since its last look
	writerGone                       // the socket is done: nothing starts a writer again
)

// wake makes the writer look at the inbox, starting it if it is not
// running. It never waits: it is the Filter.Wake of the socket's
// subscriptions, called from the hub's loop.
func (c *conn) wake() {
	c.qmu.Lock()
	c.unlockWaking()
}

// unlockWaking records a wake, releases qmu (which the caller holds) and
// starts the writer if none runs.
func (c *conn) unlockWaking() {
	start := c.wakeLocked()
	c.qmu.Unlock()
	if start {
		go c.writer()
	}
}

// wakeLocked records a wake (under qmu) and reports whether the caller
// must start the writer.
func (c *conn) wakeLocked() bool {
	switch c.wstate {
	case writerIdle:
		c.wstate = writerRunning
		return true
	case writerRunning:
		c.wstate = writerWoken
	}
	return false
}

// park ends the writer's run when nothing woke it since its last look at
// the inbox; otherwise the writer must look again.
func (c *conn) park() (exit bool) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.wstate == writerWoken {
		c.wstate = writerRunning
		return false
	}
	c.wstate = writerIdle
	return true
}

// take returns the oldest queued frame, or nil, and the subscriptions
// attached since the last call. It is the writer's look at the inbox: the
// wakes before it are answered by what it and the writer's next pops see.
func (c *conn) take(subs []*hub.Subscription) ([]byte, []*hub.Subscription) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.wstate == writerWoken {
		c.wstate = writerRunning
	}
	if len(c.attached) > 0 {
		subs = append(subs, c.attached...)
		c.attached = nil
	}
	f, _ := c.queue.PopOne()
	return f, subs
}

// writer writes what waits, corked bursts of it, until it finds nothing
// (it parks) or the socket is done (it stops for good).
func (c *conn) writer() {
	w := &c.w
	for {
		f, stop := w.next()
		switch {
		case stop:
			w.stop()
			return
		case f == nil:
			w.idle()
			if c.park() {
				return
			}
		case !w.burst(f):
			w.stop()
			return
		}
	}
}

// sockWriter is the state of a socket's writer, kept between its runs.
type sockWriter struct {
	c      *conn
	seq    uint64
	buf    *[]byte // the frame with its seq; pooled, held during a burst
	subs   []*hub.Subscription
	events []hub.Frame // scratch for Pop
	watch  writeWatch
}

// frameBufs are the sockets' frame buffers: a writer's, held while it
// writes a burst, and a reader's, held from a frame's first bytes to its
// decode (conn.read; the library's Read allocated one a frame).
var frameBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// putFrameBuf gives buf back to frameBufs, unless a frame larger than any
// a client may send grew it.
func putFrameBuf(buf *[]byte) {
	if cap(*buf) <= MaxFrame {
		*buf = (*buf)[:0]
		frameBufs.Put(buf)
	}
}

// burst writes f and every frame ready after it (up to maxCorked bytes)
// with one write. false means the socket is done.
func (w *sockWriter) burst(f []byte) bool {
	cork := w.c.cfg.Cork
	cork.hold()
	ok := w.write(f)
	stop := false
	for ok && cork.size() < maxCorked {
		if f, stop = w.next(); f == nil {
			break
		}
		ok = w.write(f)
	}
	return w.timed(cork.release) && ok && !stop
}

// stop closes the subscriptions, marks the writer gone and gives the
// buffer back.
func (w *sockWriter) stop() {
	for _, s := range w.subs {
		s.Close()
	}
	w.subs = nil
	// Subscriptions attached after the writer's last look.
	c := w.c
	c.qmu.Lock()
	c.wstate = writerGone
	late := c.attached
	c.attached = nil
	c.qmu.Unlock()
	for _, s := range late {
		s.Close()
	}
	w.idle()
	if w.watch.t != nil {
		w.watch.t.Stop()
	}
}

// idle gives the frame buffer back while the writer is parked.
func (w *sockWriter) idle() {
	if w.buf != nil {
		putFrameBuf(w.buf)
	}
	w.buf = nil
	if cap(w.events) > fifo.ShrinkAbove {
		w.events = nil
	}
}

// next returns the next frame to write, or nil when nothing is ready:
// frames queued by the reader (acks, welcome) before events that were
// already waiting, so an ack never trails its effects by much; both
// streams keep their own order. stop means the socket is done.
func (w *sockWriter) next() (frame []byte, stop bool) {
	c := w.c
	select {
	case <-c.done:
		return nil, true
	default:
	}
	var f []byte
	if f, w.subs = c.take(w.subs); f != nil {
		return f, false
	}
	for _, s := range w.subs {
		var ok bool
		w.events, ok = s.Pop(w.events[:0], 1)
		if len(w.events) > 0 {
			ev := w.events[0]
			w.events[0] = hub.Frame{}
			if age, ok := ev.Age(); ok && c.cfg.Pushed != nil {
				c.cfg.Pushed(ev.Type, age)
			}
			return ev.JSON, false
		}
		if !ok {
			c.subEnded(s)
			return nil, true
		}
	}
	return nil, false
}

// write adds one frame with the next seq to the corked connection.
func (w *sockWriter) write(frame []byte) bool {
	c := w.c
	if w.buf == nil {
		w.buf = frameBufs.Get().(*[]byte)
	}
	w.seq++
	*w.buf = withSeq((*w.buf)[:0], w.seq, frame)
	// Corked: the frame only collects; the cork's release writes, timed.
	if c.ws.Write(context.Background(), websocket.MessageText, *w.buf) != nil {
		c.close(websocket.StatusTryAgainLater, "write failed")
		return false
	}
	return true
}

// timed runs fn, the cork's release, under the write timeout. The timeout is ours,
// not a context on Write: when it fires, the close is recorded as 1013
// before anything tears the connection down (with a context, the library
// closes the connection itself and the reader may record the failure
// first as something else).
func (w *sockWriter) timed(fn func() error) bool {
	w.watch.start(w.c)
	err := fn()
	w.watch.end()
	if err != nil {
		w.c.close(websocket.StatusTryAgainLater, "write failed")
		return false
	}
	return true
}

// writeWatch closes the socket with 1013 when a write outlives the write
// timeout. One timer serves every write of the socket. (A write under way
// when the server shuts down is cut by the 1001 close of every open
// socket, Server.Close.)
type writeWatch struct {
	mu       sync.Mutex
	c        *conn
	t        *time.Timer
	watching bool
	deadline time.Time
}

func (ww *writeWatch) start(c *conn) {
	ww.mu.Lock()
	defer ww.mu.Unlock()
	ww.c, ww.watching = c, true
	ww.deadline = time.Now().Add(c.cfg.WriteTimeout)
	if ww.t == nil {
		ww.t = time.AfterFunc(c.cfg.WriteTimeout, ww.check)
	} else {
		ww.t.Reset(c.cfg.WriteTimeout)
	}
}

func (ww *writeWatch) end() {
	ww.mu.Lock()
	ww.watching = false
	ww.t.Stop()
	ww.mu.Unlock()
}

// check runs on the timer: it may fire late, for a write already over, or
// early, for a later write that reset the deadline.
func (ww *writeWatch) check() {
	ww.mu.Lock()
	defer ww.mu.Unlock()
	if !ww.watching {
		return
	}
	if d := time.Until(ww.deadline); d > 0 {
		ww.t.Reset(d)
		return
	}
	ww.c.close(websocket.StatusTryAgainLater, "slow consumer: write timed out")
}
