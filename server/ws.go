package server

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/internal/offstack"
	"go.uber.org/zap"
)

// detached serves a websocket route on a goroutine of its own and returns
// to net/http as soon as the handler hijacked the connection (or returned
// without). While a handler runs, net/http holds the connection's state:
// two 4 KiB buffers, the request and the response, about 10 KiB an idle
// socket does not need (issue 6, measured with `switchboard bench --hold`).
// The handler's request context is not cancelled when ServeHTTP returns;
// sockets are closed by the server's shutdown, never by their context. A
// panic before the hijack is raised again in ServeHTTP; after it, it is
// logged, as net/http does for a hijacked connection.
func (s *Server) detached(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		hijacked := make(chan struct{})
		dw := &detachedResponse{ResponseWriter: w, hijacked: hijacked}
		ended := make(chan any, 1)
		go func() {
			defer func() { // holds hijacked, not dw: the socket keeps nothing of net/http
				p := recover()
				select {
				case <-hijacked:
					if p != nil && p != http.ErrAbortHandler {
						s.log.Error("panic serving a socket", zap.Any("panic", p), zap.Stack("stack"))
					}
				default:
					ended <- p
				}
			}()
			h(dw, r.WithContext(context.WithoutCancel(r.Context())))
		}()
		select {
		case <-hijacked:
		case p := <-ended:
			if p != nil {
				panic(p)
			}
		}
	}
}

// detachedResponse tells detached when the connection is hijacked: from
// then on net/http's request and response are not used.
type detachedResponse struct {
	http.ResponseWriter
	hijacked chan struct{}
	header   http.Header // after the hijack
}

func (d *detachedResponse) Header() http.Header {
	if d.ResponseWriter == nil {
		return d.header
	}
	return d.ResponseWriter.Header()
}

func (d *detachedResponse) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := d.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("server: the connection cannot be hijacked")
	}
	nc, brw, err := hj.Hijack()
	if err == nil {
		// Let go of net/http's response (and through it the connection's
		// buffers): the goroutine keeps d until the socket closes. The
		// websocket library still reads the header after the hijack.
		d.header = d.ResponseWriter.Header()
		d.ResponseWriter = nil
		close(d.hijacked)
	}
	return nc, brw, err
}

// Unwrap lets http.ResponseController reach the original writer.
func (d *detachedResponse) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// accept upgrades r to a websocket. Origins are checked after hello, against
// the workspace's allowed origins (the workspace is known only then).
func (s *Server) accept(w http.ResponseWriter, r *http.Request, kind string) (*conn, bool) {
	cw := &corkedResponse{ResponseWriter: w}
	ws, err := websocket.Accept(cw, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return nil, false // Accept wrote the HTTP error
	}
	s.metrics.conns.WithLabelValues(kind).Inc()
	var c *conn
	c = newConn(ws, s.log.WithLazy(zap.String("conn", kind), zap.String("addr", clientAddr(r))),
		connConfig{Queue: s.cfg.SocketQueue, WriteTimeout: s.cfg.WriteTimeout, Cork: cw.cork,
			Pushed: func(typ string, age time.Duration) {
				s.metrics.pushes.WithLabelValues(kind, typ).Observe(age.Seconds())
			},
			OnClose: func(code websocket.StatusCode) {
				s.metrics.closes.WithLabelValues(strconv.Itoa(int(code))).Inc()
				s.sockets.remove(c)
			}})
	s.sockets.add(c)
	return c, true
}

// open accepts a socket of kind (agent, visitor) and keeps it counted: in
// the server's open connections (Close waits for them) and in the
// connections gauge, until done is called. Shutdown closes the socket with
// 1001 (s.sockets holds it until it closes); reads then end by themselves.
// The read context is never cancelled for that: the websocket library drops
// a connection whose read is cancelled without sending the close frame.
func (s *Server) open(w http.ResponseWriter, r *http.Request, kind string) (c *conn, done func(), ok bool) {
	if !s.enter(&s.conns) {
		writeProblem(w, "unavailable", "shutting down")
		return nil, nil, false
	}
	if testHookOpen != nil {
		testHookOpen()
	}
	c, ok = s.accept(w, r, kind)
	if !ok {
		s.conns.Done()
		return nil, nil, false
	}
	return c, func() {
		s.metrics.conns.WithLabelValues(kind).Dec()
		s.conns.Done()
	}, true
}

// openWithHello opens a socket of kind (open) and runs hello on it, both
// off the socket's stack: they go deep, and the socket's goroutine then
// keeps the 4 KiB an idle socket needs (internal/offstack). done is nil
// when the socket did not open; when it did, the caller calls done once
// the socket is over, hello failed or not. A panic in hello calls done
// before it goes on up.
func (s *Server) openWithHello(w http.ResponseWriter, r *http.Request, kind string, hello func(*conn) bool) (done func(), ok bool) {
	defer func() {
		if p := recover(); p != nil {
			if done != nil {
				done()
			}
			panic(p)
		}
	}()
	offstack.Do(func() {
		var c *conn
		if c, done, ok = s.open(w, r, kind); ok {
			ok = hello(c)
		}
	})
	return done, ok
}

// testHookOpen, when set by a test, runs in open between the count and
// the upgrade: a socket let in just before Close.
var testHookOpen func()

// hello reads the first frame within the hello timeout. A missing, late or
// malformed hello closes the socket with 4400. The timeout closes the socket
// itself rather than cancelling the read: the websocket library tears a
// connection down without a close frame when a read's context ends.
func (s *Server) hello(ctx context.Context, c *conn) (*inFrame, bool) {
	timer := time.AfterFunc(s.cfg.HelloTimeout, func() {
		c.close(closeBadHello, "hello expected within the hello timeout")
	})
	buf, err := c.read(ctx)
	timer.Stop()
	if err != nil {
		s.closeFor(c, err)
		return nil, false
	}
	f, werr := decodeFrame(*buf)
	putFrameBuf(buf)
	if werr != nil || f.Type != "hello" {
		c.close(closeBadHello, "the first frame must be hello")
		return nil, false
	}
	return f, true
}

// closeFor closes c after a read error with the code that says what
// happened (a too-large frame was closed by the library with 1009).
func (s *Server) closeFor(c *conn, err error) {
	switch st := websocket.CloseStatus(err); {
	case st != -1:
		c.close(st, "") // the client closed, or the library did (1009)
	case errors.Is(err, errBinary):
		c.close(websocket.StatusUnsupportedData, "text frames only")
	default:
		// The connection is gone without a close frame (the peer vanished,
		// or our own close is under way and already recorded its code).
		c.close(websocket.StatusAbnormalClosure, "connection lost")
	}
}

// originAllowed reports whether the socket's Origin may use workspace w: no
// Origin (non-browser clients), the server's own host, or a match of the
// workspace's allowed origins ("https://shop.example", "*.example.com", "*").
func originAllowed(r *http.Request, w *workspace) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, p := range w.rec().AllowedOrigins {
		if p == "*" || strings.EqualFold(p, o) {
			return true
		}
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(u.Host)); ok {
			return true
		}
	}
	return false
}

// hubError turns a hub refusal into a wire error.
func hubError(err error) *wireError {
	var he *hub.Error
	if errors.As(err, &he) {
		return &wireError{Code: string(he.Code), Message: he.Message}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &wireError{Code: "unavailable", Message: "the hub did not answer in time"}
	}
	return &wireError{Code: "internal", Message: "internal error"}
}

// commandTimeout is how long a socket waits for the hub's answer to a
// command it waits for.
const commandTimeout = 10 * time.Second

// do runs cmd on h with the request deadline every socket command gets.
func do(ctx context.Context, h *hub.Hub, cmd hub.Command) (hub.Reply, *wireError) {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	r, err := h.Do(ctx, cmd)
	if err != nil {
		return r, hubError(err)
	}
	return r, nil
}

// result is what a frame handler decided: a bare ack, a frame to send
// instead of an ack (pong), or a hub command whose reply makes the ack (ack
// says which of the reply's fields it carries).
type result struct {
	frame []byte
	cmd   hub.Command
	ack   ackFields
}

// serveFrames is the read loop of an authenticated socket: each frame is
// decoded, rate-limited by limit, turned into a result by handle, and
// answered with an ack (when it has a ref) or an error frame; the socket
// stays usable after a refusal. Hub commands are pipelined: the loop goes on
// reading while they are in the hub, and answers go out in the order the
// frames came. It returns when the socket closes.
func (s *Server) serveFrames(ctx context.Context, c *conn, h *hub.Hub, kind string, limit func(time.Time) *wireError,
	handle func(context.Context, *inFrame) (result, *wireError)) {
	for {
		buf, err := c.read(ctx)
		if err != nil {
			s.closeFor(c, err)
			return
		}
		pooled := framePool.Get().(*inFrame)
		f, werr := decodeFrameInto(*buf, pooled)
		putFrameBuf(buf)
		if werr == nil {
			werr = limit(s.cfg.Clock.Now())
		}
		var res result
		if werr == nil {
			s.metrics.frames.WithLabelValues(kind, f.Type).Inc()
			res, werr = handle(ctx, f)
		}
		ref := ""
		if f != nil {
			ref = f.Ref
		}
		putFrame(pooled) // the handler is done with it: a command holds copies
		switch {
		case werr != nil:
			s.metrics.refusals.WithLabelValues(werr.Code).Inc()
			c.answer(errorFrame(ref, werr))
		case res.cmd != nil:
			with := res.ack
			c.submit(h, res.cmd, func(rep hub.Reply, err error) []byte {
				if err != nil {
					we := hubError(err)
					s.metrics.refusals.WithLabelValues(we.Code).Inc()
					return errorFrame(ref, we)
				}
				if ref == "" {
					return nil
				}
				return ackFrame(ref, rep, with)
			})
		default:
			if res.frame != nil {
				c.answer(res.frame)
			}
			if ref != "" {
				c.answer(ackFrame(ref, hub.Reply{}, 0))
			}
		}
	}
}
