package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboardhq/switchboard/hub"
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
	// Cork, if set, is the connection's cork: the writer sends every frame
	// that is ready with one write.
	Cork *cork
}

// conn is one websocket with its writer goroutine. Everything sent to the
// client goes through the writer, which numbers frames (seq) and is the only
// goroutine writing to the socket.
type conn struct {
	ws   *websocket.Conn
	log  *zap.Logger
	cfg  connConfig
	out  chan []byte
	subs chan *hub.Subscription
	done chan struct{}

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
	c := &conn{ws: ws, log: log, cfg: cfg, out: make(chan []byte, cfg.Queue), inflight: make(chan struct{}, pipelineDepth),
		subs: make(chan *hub.Subscription, 4), done: make(chan struct{}), writerDone: make(chan struct{})}
	go c.writer()
	return c
}

// send queues a frame (JSON object without seq). A full queue means the
// client does not keep up: it is closed with 1013 and may resume.
func (c *conn) send(frame []byte) {
	select {
	case c.out <- frame:
	case <-c.done:
	default:
		c.close(websocket.StatusTryAgainLater, "slow consumer")
	}
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

// attach makes the writer forward the frames of s.
func (c *conn) attach(s *hub.Subscription) {
	select {
	case c.subs <- s:
	case <-c.done:
		s.Close()
	}
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

// closed is done when the connection is closing.
func (c *conn) closed() <-chan struct{} { return c.done }

func (c *conn) writer() {
	defer close(c.writerDone)
	var subs []*hub.Subscription
	defer func() {
		for _, s := range subs {
			s.Close()
		}
	}()
	var seq uint64
	buf := make([]byte, 0, 1024)
	cork := c.cfg.Cork
	// The write timeout is ours, not a context on Write: when it fires, the
	// close is recorded as 1013 before anything tears the connection down
	// (with a context, the library closes the connection itself and the
	// reader may record the failure first as something else).
	timed := func(fn func() error) bool {
		t := time.AfterFunc(c.cfg.WriteTimeout, func() {
			c.close(websocket.StatusTryAgainLater, "slow consumer: write timed out")
		})
		err := fn()
		t.Stop()
		if err != nil {
			c.close(websocket.StatusTryAgainLater, "write failed")
			return false
		}
		return true
	}
	write := func(frame []byte) bool {
		seq++
		buf = withSeq(buf[:0], seq, frame)
		if cork != nil {
			// Corked: the frame only collects; release writes.
			return c.ws.Write(context.Background(), websocket.MessageText, buf) == nil || c.fail()
		}
		return timed(func() error { return c.ws.Write(context.Background(), websocket.MessageText, buf) })
	}
	// next returns the next frame to write: frames queued by the reader
	// (acks, welcome) before events that were already waiting, so an ack
	// never trails its effects by much; both streams keep their own order.
	// Without wait it returns nil when nothing is ready. stop means the
	// socket is done.
	next := func(wait bool) (frame []byte, stop bool) {
		for {
			select {
			case <-c.done:
				return nil, true
			case f := <-c.out:
				return f, false
			default:
			}
			var c0, c1 <-chan hub.Frame
			if len(subs) > 0 {
				c0 = subs[0].C()
			}
			if len(subs) > 1 {
				c1 = subs[1].C()
			}
			var (
				f  hub.Frame
				ok bool
				s  *hub.Subscription
			)
			if wait {
				select {
				case <-c.done:
					return nil, true
				case f := <-c.out:
					return f, false
				case s := <-c.subs:
					subs = append(subs, s)
					continue
				case f, ok = <-c0:
					s = subs[0]
				case f, ok = <-c1:
					s = subs[1]
				}
			} else {
				select {
				case f, ok = <-c0:
					s = subs[0]
				case f, ok = <-c1:
					s = subs[1]
				default:
					return nil, false
				}
			}
			if !c.forward(ok, s) {
				return nil, true
			}
			return f.JSON, false
		}
	}
	for {
		f, stop := next(true)
		if stop {
			return
		}
		if cork == nil {
			if !write(f) {
				return
			}
			continue
		}
		cork.hold()
		ok := write(f)
		for ok && cork.size() < maxCorked {
			if f, stop = next(false); f == nil {
				break
			}
			ok = write(f)
		}
		if !timed(cork.release) || !ok || stop {
			return
		}
	}
}

// fail closes the socket after a failed write and returns false.
func (c *conn) fail() bool {
	c.close(websocket.StatusTryAgainLater, "write failed")
	return false
}

// forward reports whether a subscription frame may be written: a closed
// subscription (ok false) closes the socket with the code its reason calls
// for.
func (c *conn) forward(ok bool, s *hub.Subscription) bool {
	if ok {
		return true
	}
	switch s.Reason() {
	case hub.ReasonClosed:
		c.close(websocket.StatusNormalClosure, "closed")
	case hub.ReasonRevoked:
		c.close(closeUnauthorized, s.Reason())
	default:
		c.close(websocket.StatusTryAgainLater, s.Reason())
	}
	return false
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
