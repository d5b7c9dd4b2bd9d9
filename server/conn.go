package server

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"
	"unicode/utf8"

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
	// Pushed, if set, is told the type and Age of each hub frame a
	// command caused, as the writer takes it.
	Pushed func(typ string, age time.Duration)
}

// conn is one websocket with its writer. Everything sent to the client
// goes through the writer, which numbers frames (seq) and is the only
// goroutine writing to the socket.
//
// An idle socket is kept small (issue 6: 15,000 idle sockets in one
// process): the writer's queue and the subscriptions' queues take memory
// only for the frames waiting, not for their bound, the writer's frame
// buffer is pooled between bursts, and the writer goroutine runs only
// while there is something to write (writer.go): send, attach, close and
// the hub (Filter.Wake) start it, and it exits once it finds nothing left.
type conn struct {
	ws   *websocket.Conn
	log  *zap.Logger
	cfg  connConfig
	done chan struct{}

	// The writer's inbox: frames from send, oldest first, and
	// subscriptions attached and not yet taken by the writer (none once
	// the writer is gone); and the writer's state (wake, park).
	qmu      sync.Mutex
	queue    fifo.Queue[[]byte]
	attached []*hub.Subscription
	wstate   writerState

	// w is the writer's own state, used only by the writer goroutine
	// running (at most one at a time; qmu orders one after the next).
	w sockWriter

	// The answers pipeline (submit, answer): replies to the client's
	// commands go out in the order the commands were read, while up to
	// cap(inflight) of them are in the hub at once.
	pmu      sync.Mutex
	pending  []*pendingAnswer
	inflight chan struct{}

	once        sync.Once
	closeCode   websocket.StatusCode
	closeReason string
}

func newConn(ws *websocket.Conn, log *zap.Logger, cfg connConfig) *conn {
	if cfg.Queue <= 0 {
		cfg.Queue = 256
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	ws.SetReadLimit(MaxFrame)
	c := &conn{ws: ws, log: log, cfg: cfg, inflight: make(chan struct{}, pipelineDepth), done: make(chan struct{})}
	c.w.c = c
	return c
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
	if !c.queue.Push(frame, c.cfg.Queue) {
		c.qmu.Unlock()
		c.close(websocket.StatusTryAgainLater, "slow consumer")
		return
	}
	c.unlockWaking()
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
	c.submitThen(h, cmd, answerOf, nil)
}

// submitThen is submit, and then, when set, is told the hub's error (nil:
// the command was applied) once the answer has been handed to the writer,
// with every earlier one. then is called once, in the hub's loop, or in
// the caller when cmd never reaches the hub (refused at once, or the socket
// closed first): it must not block.
func (c *conn) submitThen(h *hub.Hub, cmd hub.Command, answerOf func(hub.Reply, error) []byte, then func(error)) {
	if then == nil {
		then = func(error) {}
	}
	select {
	case c.inflight <- struct{}{}:
	case <-c.done:
		then(errSocketClosed)
		return
	case <-h.Stopped():
		err := &hub.Error{Code: hub.CodeUnavailable, Message: "the workspace is unavailable"}
		c.answer(answerOf(hub.Reply{}, err))
		then(err)
		return
	}
	p := &pendingAnswer{}
	c.pmu.Lock()
	c.pending = append(c.pending, p)
	c.pmu.Unlock()
	settled := func(rep hub.Reply, err error) {
		c.complete(p, answerOf(rep, err))
		then(err)
	}
	if err := h.Submit(cmd, settled); err != nil {
		settled(hub.Reply{}, err)
	}
}

// errSocketClosed is what submitThen tells then when the socket closed
// before the command reached the hub.
var errSocketClosed = errors.New("the socket is closed")

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
// with Filter.Wake set to c.wake (a subscription with a channel would
// never wake the writer: attaching one is a bug).
func (c *conn) attach(s *hub.Subscription) {
	if s.C() != nil {
		panic("server: attach needs a subscription with Wake: c.wake")
	}
	c.qmu.Lock()
	if c.wstate == writerGone {
		c.qmu.Unlock()
		s.Close()
		return
	}
	c.attached = append(c.attached, s)
	c.unlockWaking()
}

// close closes the socket with code and reason, once: the first caller's
// code is the one the client (and the metrics) see. It does not wait. The
// websocket library serializes the close frame after any frame being
// written, and gives up after its own handshake timeout.
func (c *conn) close(code websocket.StatusCode, reason string) {
	reason = clipReason(reason)
	c.once.Do(func() {
		c.closeCode, c.closeReason = code, reason
		c.log.Debug("closing socket", zap.Int("code", int(code)), zap.String("reason", reason))
		if c.cfg.OnClose != nil {
			c.cfg.OnClose(code)
		}
		close(c.done)
		c.wake() // the writer closes the subscriptions
		go func() { _ = c.ws.Close(code, reason) }()
	})
}

// maxCloseReason is the longest close reason a close frame carries (its
// payload is at most 125 bytes, 2 of them the code): the websocket library
// turns a close with a longer one into 1011, losing the code.
const maxCloseReason = 123

// clipReason cuts reason (which may quote client input) to
// maxCloseReason bytes, at a rune boundary.
func clipReason(reason string) string {
	if len(reason) <= maxCloseReason {
		return reason
	}
	n := maxCloseReason
	for n > 0 && !utf8.RuneStart(reason[n]) {
		n--
	}
	return reason[:n]
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

// read returns the next frame, in a buffer from frameBufs that the caller
// gives back with putFrameBuf once the frame is decoded (the decoder copies
// what it keeps). The buffer is taken only once a frame has begun to
// arrive, so a socket waiting for one holds none. Frames above MaxFrame
// close the socket with 1009 (the library does it); binary frames are
// refused.
func (c *conn) read(ctx context.Context) (*[]byte, error) {
	typ, r, err := c.ws.Reader(ctx)
	if err != nil {
		return nil, err
	}
	if typ != websocket.MessageText {
		return nil, errBinary
	}
	buf := frameBufs.Get().(*[]byte)
	b := (*buf)[:0]
	for { // io.ReadAll, into buf
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			*buf = b
			if err == io.EOF {
				return buf, nil
			}
			putFrameBuf(buf)
			return nil, err
		}
	}
}

var errBinary = errors.New("binary frame")
