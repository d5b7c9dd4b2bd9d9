package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboardhq/switchboard/hub"
	"go.uber.org/zap"
)

// accept upgrades r to a websocket. Origins are checked after hello, against
// the workspace's allowed origins (the workspace is known only then).
func (s *Server) accept(w http.ResponseWriter, r *http.Request, kind string) (*conn, bool) {
	select {
	case <-s.closing:
		writeProblem(w, "unavailable", "shutting down")
		return nil, false
	default:
	}
	cw := &corkedResponse{ResponseWriter: w}
	ws, err := websocket.Accept(cw, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return nil, false // Accept wrote the HTTP error
	}
	s.metrics.conns.WithLabelValues(kind).Inc()
	c := newConn(ws, s.log.With(zap.String("conn", kind), zap.String("addr", clientAddr(r))),
		connConfig{Queue: s.cfg.SocketQueue, WriteTimeout: s.cfg.WriteTimeout, Cork: cw.cork, OnClose: func(code websocket.StatusCode) {
			s.metrics.closes.WithLabelValues(strconv.Itoa(int(code))).Inc()
		}})
	return c, true
}

// open accepts a socket of kind (agent, visitor) and keeps it counted: in
// the server's open connections (Close waits for them) and in the
// connections gauge, until done is called. Shutdown closes the socket with
// 1001; reads then end by themselves. The read context is never cancelled
// for that: the websocket library drops a connection whose read is
// cancelled without sending the close frame.
func (s *Server) open(w http.ResponseWriter, r *http.Request, kind string) (c *conn, done func(), ok bool) {
	c, ok = s.accept(w, r, kind)
	if !ok {
		return nil, nil, false
	}
	s.conns.Add(1)
	go func() {
		select {
		case <-s.closing:
			c.close(websocket.StatusGoingAway, "server shutting down")
		case <-c.closed():
		}
	}()
	return c, func() {
		s.metrics.conns.WithLabelValues(kind).Dec()
		s.conns.Done()
	}, true
}

// hello reads the first frame within the hello timeout. A missing, late or
// malformed hello closes the socket with 4400. The timeout closes the socket
// itself rather than cancelling the read: the websocket library tears a
// connection down without a close frame when a read's context ends.
func (s *Server) hello(ctx context.Context, c *conn) (*inFrame, bool) {
	timer := time.AfterFunc(s.cfg.HelloTimeout, func() {
		c.close(closeBadHello, "hello expected within the hello timeout")
	})
	data, err := c.read(ctx)
	timer.Stop()
	if err != nil {
		s.closeFor(c, err)
		return nil, false
	}
	f, werr := decodeFrame(data)
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
	for _, p := range w.rec.AllowedOrigins {
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

// do runs cmd on h with the request deadline every socket command gets.
func do(ctx context.Context, h *hub.Hub, cmd hub.Command) (hub.Reply, *wireError) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	r, err := h.Do(ctx, cmd)
	if err != nil {
		return r, hubError(err)
	}
	return r, nil
}

// result is what a frame handler decided: an ack with fields, a frame to
// send instead of an ack (pong), or a hub command whose reply makes the ack
// (ackOf gives its fields; nil means none).
type result struct {
	fields map[string]any
	frame  []byte
	cmd    hub.Command
	ackOf  func(hub.Reply) map[string]any
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
		data, err := c.read(ctx)
		if err != nil {
			s.closeFor(c, err)
			return
		}
		f, werr := decodeFrame(data)
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
		switch {
		case werr != nil:
			s.metrics.refusals.WithLabelValues(werr.Code).Inc()
			c.answer(errorFrame(ref, werr))
		case res.cmd != nil:
			ackOf := res.ackOf
			c.submit(h, res.cmd, func(rep hub.Reply, err error) []byte {
				if err != nil {
					we := hubError(err)
					s.metrics.refusals.WithLabelValues(we.Code).Inc()
					return errorFrame(ref, we)
				}
				if ref == "" {
					return nil
				}
				var fields map[string]any
				if ackOf != nil {
					fields = ackOf(rep)
				}
				return ackFrame(ref, fields)
			})
		default:
			if res.frame != nil {
				c.answer(res.frame)
			}
			if ref != "" {
				c.answer(ackFrame(ref, res.fields))
			}
		}
	}
}
