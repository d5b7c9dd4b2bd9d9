package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/internal/fifo"
	"go.uber.org/zap"
)

// Close codes of PROTOCOL.md beyond the standard ones.
const (
	closeBadHello     websocket.StatusCode = 4400
	closeUnauthorized websocket.StatusCode = 4401
	closeReplaced     websocket.StatusCode = 4409
)

// connConfig tunes a socket. Zero fields mean the defaults documented here.
type connConfig struct {
	// Queue is how many frames may wait for the writer: 0 means 256.
	Queue int
	// WriteTimeout bounds one write: 0 means 10 s.
	WriteTimeout time.Duration
	// OnClose, if set, is called once with the code the server closes with.
	OnClose func(websocket.StatusCode)
	// Cork is the connection's cork (required): the writer sends every
	// frame that is ready with one write.
	Cork *cork
	// Closing, if set, closes the socket with 1001 once it is closed (the
	// server shuts down). The writer watches it, so that an idle socket
	// costs no goroutine of its own for it.
	Closing <-chan struct{}
}

// conn is one websocket with its writer goroutine. Everything sent to the
// client goes through the writer, which numbers frames (seq) and is the only
// goroutine writing to the socket.
//
// An idle socket is kept small (issue 6: 15,000 idle sockets in one
// process): the writer's queue and the subscriptions' queues take memory
// only for the frames waiting, not for their bound, and the writer's
// frame buffer is pooled between bursts. The writer waits on one channel,
// wake, which send, attach and the hub (Filter.Notify) signal.
type conn struct {
	ws   *websocket.Conn
	log  *zap.Logger
	cfg  connConfig
	wake chan struct{} // buffer of one: the writer has something to look at
	done chan struct{}

	// The writer's inbox: frames from send, oldest first (queue[head:]),
	// and subscriptions attached and not yet taken by the writer (none
	// once the writer is gone).
	qmu        sync.Mutex
	queue      fifo.Queue[[]byte]
	attached   []*hub.Subscription
	writerGone bool

	// The answers pipeline (submit, answer): replies to the client's
	// commands go out in the order the commands were read, while up to
	// cap(inflight) of them are in the hub at once.
	pmu      sync.Mutex
	pending  []*pendingAnswer
	inflight chan struct{}

	once        sync.Once
	closeCode   websocket.StatusCode
	closeReason string
	writerDone  chan struct{}
}

func newConn(ws *websocket.Conn, log *zap.Logger, cfg connConfig) *conn {
	if cfg.Queue <= 0 {
		cfg.Queue = 256
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	ws.SetReadLimit(MaxFrame)
	c := &conn{ws: ws, log: log, cfg: cfg, wake: make(chan struct{}, 1), inflight: make(chan struct{}, pipelineDepth),
		done: make(chan struct{}), writerDone: make(chan struct{})}
	go c.writer()
	return c
}

// notify is the Filter.Notify of the socket's subscriptions: the hub wakes
// the writer through it.
func (c *conn) notify() chan<- struct{} { return c.wake }

// signal wakes the writer without waiting.
func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// send queues a frame (JSON object without seq). A full queue means the
// client does not keep up: it is closed with 1013 and may resume.
func (c *conn) send(frame []byte) {
	select {
	case <-c.done:
		return
	default:
	}
	c.qmu.Lock()
	ok := c.queue.Push(frame, c.cfg.Queue)
	c.qmu.Unlock()
	if !ok {
		c.close(websocket.StatusTryAgainLater, "slow consumer")
		return
	}
	c.signal()
}

// take returns the oldest queued frame, or nil, and the subscriptions
// attached since the last call.
func (c *conn) take(subs []*hub.Subscription) ([]byte, []*hub.Subscription) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if len(c.attached) > 0 {
		subs = append(subs, c.attached...)
		c.attached = nil
	}
	f, _ := c.queue.PopOne()
	return f, subs
}

// pipelineDepth is how many of one socket's commands may be in the hub at
// once: a client may send commands without waiting for their acks, and the
// socket's reader stops reading (TCP pushes back) past this many.
const pipelineDepth = 32

// pendingAnswer is the answer to one command read from the socket: ready
// once known; frame is nil when nothing is sent (a command without ref).
type pendingAnswer struct {
	frame []byte
	ready bool
}

// answer sends frame (nil: nothing) once every answer to an earlier
// command has been sent.
func (c *conn) answer(frame []byte) {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	if len(c.pending) == 0 {
		if frame != nil {
			c.send(frame)
		}
		return
	}
	c.pending = append(c.pending, &pendingAnswer{frame: frame, ready: true})
}

// submit hands cmd to h without waiting for it; answerOf turns the hub's
// reply into the frame sent back (nil: nothing), in command order. It
// blocks while pipelineDepth commands are already in the hub.
func (c *conn) submit(h *hub.Hub, cmd hub.Command, answerOf func(hub.Reply, error) []byte) {
	select {
	case c.inflight <- struct{}{}:
	case <-c.done:
		return
	case <-h.Stopped():
		c.answer(answerOf(hub.Reply{}, &hub.Error{Code: hub.CodeUnavailable, Message: "the workspace is unavailable"}))
		return
	}
	p := &pendingAnswer{}
	c.pmu.Lock()
	c.pending = append(c.pending, p)
	c.pmu.Unlock()
	if err := h.Submit(cmd, func(rep hub.Reply, err error) { c.complete(p, answerOf(rep, err)) }); err != nil {
		c.complete(p, answerOf(hub.Reply{}, err))
	}
}

// complete records p's frame and sends every answer now ready at the head
// of the line. It is called from the hub's loop: it never blocks (send
// closes a socket whose queue is full).
func (c *conn) complete(p *pendingAnswer, frame []byte) {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	p.frame, p.ready = frame, true
	<-c.inflight
	n := 0
	for ; n < len(c.pending) && c.pending[n].ready; n++ {
		if f := c.pending[n].frame; f != nil {
			c.send(f)
		}
		c.pending[n] = nil
	}
	if n > 0 {
		c.pending = append(c.pending[:0], c.pending[n:]...)
	}
}

// settle waits until every command submitted has been answered, so that a
// handler that sends frames itself (a snapshot) sends them after the acks
// of earlier commands. It gives up when the socket or the hub closes.
func (c *conn) settle(h *hub.Hub) {
	held := 0
	defer func() {
		for ; held > 0; held-- {
			<-c.inflight
		}
	}()
	for held < cap(c.inflight) {
		select {
		case c.inflight <- struct{}{}:
			held++
		case <-c.done:
			return
		case <-h.Stopped():
			return
		}
	}
}

// attach makes the writer forward the frames of s, a subscription made
// with Filter.Notify set to c.notify() (a subscription with a channel
// would never wake the writer: attaching one is a bug).
func (c *conn) attach(s *hub.Subscription) {
	if s.C() != nil {
		panic("server: attach needs a subscription with Notify: c.notify()")
	}
	c.qmu.Lock()
	if c.writerGone {
		c.qmu.Unlock()
		s.Close()
		return
	}
	c.attached = append(c.attached, s)
	c.qmu.Unlock()
	c.signal()
}

// close closes the socket with code and reason, once: the first caller's
// code is the one the client (and the metrics) see. It does not wait. The
// websocket library serializes the close frame after any frame being
// written, and gives up after its own handshake timeout.
func (c *conn) close(code websocket.StatusCode, reason string) {
	c.once.Do(func() {
		c.closeCode, c.closeReason = code, reason
		c.log.Debug("closing socket", zap.Int("code", int(code)), zap.String("reason", reason))
		if c.cfg.OnClose != nil {
			c.cfg.OnClose(code)
		}
		close(c.done)
		go func() { _ = c.ws.Close(code, reason) }()
	})
}

func (c *conn) writer() {
	defer close(c.writerDone)
	w := &sockWriter{c: c}
	defer w.stop()
	cork := c.cfg.Cork
	for {
		f, stop := w.next(true)
		if stop {
			return
		}
		cork.hold()
		ok := w.write(f)
		for ok && cork.size() < maxCorked {
			if f, stop = w.next(false); f == nil {
				break
			}
			ok = w.write(f)
		}
		if !w.timed(cork.release) || !ok || stop {
			return
		}
	}
}

// sockWriter is the state of a socket's writer goroutine.
type sockWriter struct {
	c      *conn
	seq    uint64
	buf    *[]byte // the frame with its seq; pooled, held during a burst
	subs   []*hub.Subscription
	events []hub.Frame // scratch for Pop
	watch  writeWatch
}

// frameBufs are the writers' frame buffers, held only while they write.
var frameBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// stop closes the subscriptions and gives the buffer back.
func (w *sockWriter) stop() {
	for _, s := range w.subs {
		s.Close()
	}
	// Subscriptions attached after the writer's last look.
	c := w.c
	c.qmu.Lock()
	c.writerGone = true
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

// idle gives the frame buffer back while the writer waits.
func (w *sockWriter) idle() {
	if w.buf != nil && cap(*w.buf) <= 64<<10 {
		frameBufs.Put(w.buf)
	}
	w.buf = nil
	if cap(w.events) > fifo.ShrinkAbove {
		w.events = nil
	}
}

// next returns the next frame to write: frames queued by the reader
// (acks, welcome) before events that were already waiting, so an ack
// never trails its effects by much; both streams keep their own order.
// Without wait it returns nil when nothing is ready. stop means the socket
// is done.
func (w *sockWriter) next(wait bool) (frame []byte, stop bool) {
	c := w.c
	for {
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
				f := w.events[0].JSON
				w.events[0] = hub.Frame{}
				return f, false
			}
			if !ok {
				c.subEnded(s)
				return nil, true
			}
		}
		if !wait {
			return nil, false
		}
		w.idle()
		select {
		case <-c.done:
			return nil, true
		case <-c.wake:
		case <-c.cfg.Closing:
			c.close(websocket.StatusGoingAway, "server shutting down")
			return nil, true
		}
	}
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

// writeCheck is how often a write under way looks whether the server is
// shutting down: a write stuck on a client that does not read is closed
// with 1001 within this, not after the whole write timeout.
const writeCheck = time.Second

// writeWatch closes the socket when a write outlives the write timeout
// (1013) or is under way when the server shuts down (1001). One timer
// serves every write of the socket.
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
		ww.t = time.AfterFunc(ww.wait(), ww.check)
	} else {
		ww.t.Reset(ww.wait())
	}
}

func (ww *writeWatch) end() {
	ww.mu.Lock()
	ww.watching = false
	ww.t.Stop()
	ww.mu.Unlock()
}

// wait is how long until the next look (under mu).
func (ww *writeWatch) wait() time.Duration {
	if ww.c.cfg.Closing == nil {
		return time.Until(ww.deadline)
	}
	return min(time.Until(ww.deadline), writeCheck)
}

// check runs on the timer: it may fire late, for a write already over.
func (ww *writeWatch) check() {
	ww.mu.Lock()
	defer ww.mu.Unlock()
	if !ww.watching {
		return
	}
	select {
	case <-ww.c.cfg.Closing:
		ww.c.close(websocket.StatusGoingAway, "server shutting down")
		return
	default:
	}
	if d := ww.wait(); d > 0 {
		ww.t.Reset(d)
		return
	}
	ww.c.close(websocket.StatusTryAgainLater, "slow consumer: write timed out")
}

// subEnded closes the socket after subscription s ended, with the code its
// reason calls for.
func (c *conn) subEnded(s *hub.Subscription) {
	switch s.Reason() {
	case hub.ReasonClosed:
		c.close(websocket.StatusNormalClosure, "closed")
	case hub.ReasonRevoked:
		c.close(closeUnauthorized, s.Reason())
	default:
		c.close(websocket.StatusTryAgainLater, s.Reason())
	}
}

// read returns the next frame. Frames above MaxFrame close the socket with
// 1009 (the library does it); binary frames are refused.
func (c *conn) read(ctx context.Context) ([]byte, error) {
	typ, data, err := c.ws.Read(ctx)
	if err != nil {
		return nil, err
	}
	if typ != websocket.MessageText {
		return nil, errBinary
	}
	return data, nil
}

var errBinary = errors.New("binary frame")
