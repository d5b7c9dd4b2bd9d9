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
	c := &conn{ws: ws, log: log, cfg: cfg, out: make(chan []byte, cfg.Queue),
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
	// The write timeout is ours, not a context on Write: when it fires, the
	// close is recorded as 1013 before anything tears the connection down
	// (with a context, the library closes the connection itself and the
	// reader may record the failure first as something else).
	write := func(frame []byte) bool {
		seq++
		buf = withSeq(buf[:0], seq, frame)
		t := time.AfterFunc(c.cfg.WriteTimeout, func() {
			c.close(websocket.StatusTryAgainLater, "slow consumer: write timed out")
		})
		err := c.ws.Write(context.Background(), websocket.MessageText, buf)
		t.Stop()
		if err != nil {
			c.close(websocket.StatusTryAgainLater, "write failed")
			return false
		}
		return true
	}
	for {
		// Frames queued by the reader (acks, welcome) go before any event
		// that was already waiting, so an ack never trails its effects by
		// much; both streams keep their own order.
		select {
		case <-c.done:
			return
		case f := <-c.out:
			if !write(f) {
				return
			}
			continue
		default:
		}
		var c0, c1 <-chan hub.Frame
		if len(subs) > 0 {
			c0 = subs[0].C()
		}
		if len(subs) > 1 {
			c1 = subs[1].C()
		}
		select {
		case <-c.done:
			return
		case f := <-c.out:
			if !write(f) {
				return
			}
		case s := <-c.subs:
			subs = append(subs, s)
		case f, ok := <-c0:
			if !c.forward(f, ok, subs[0], write) {
				return
			}
		case f, ok := <-c1:
			if !c.forward(f, ok, subs[1], write) {
				return
			}
		}
	}
}

// forward writes a subscription frame; a closed subscription closes the
// socket with the code its reason calls for.
func (c *conn) forward(f hub.Frame, ok bool, s *hub.Subscription, write func([]byte) bool) bool {
	if ok {
		return write(f.JSON)
	}
	switch s.Reason() {
	case hub.ReasonClosed:
		c.close(websocket.StatusNormalClosure, "closed")
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
