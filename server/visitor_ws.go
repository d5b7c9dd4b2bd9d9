package server

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/session"
	"go.uber.org/zap"
)

// visitorConn is a chat widget's socket after hello.
type visitorConn struct {
	s       *Server
	c       *conn
	w       *workspace
	visitor string
	addr    string
	party   hub.Party
	// limitKey is the visitor's key in the per-visitor frame limit
	// (workspace/visitor), made once instead of on every frame.
	limitKey string
	// refused is set when the hub refused a pipelined hello: there is no
	// such visitor to disconnect.
	refused atomic.Bool
}

// visitorSocket serves GET /v1/ws/visitor.
func (s *Server) visitorSocket(w http.ResponseWriter, r *http.Request) {
	addr := clientAddr(r)
	if !s.limits.visitorHello.allow(addr, s.cfg.Clock.Now()) {
		s.metrics.refusals.WithLabelValues("rate_limited").Inc()
		writeProblem(w, "rate_limited", "too many new chats from this address")
		return
	}
	if !s.visitorsOpen.acquire(addr) {
		s.metrics.refusals.WithLabelValues("rate_limited").Inc()
		writeProblem(w, "rate_limited", "too many open chats from this address")
		return
	}
	defer s.visitorsOpen.release(addr)
	ctx := r.Context()
	var v *visitorConn
	done, ok := s.openWithHello(w, r, "visitor", func(c *conn) (ok bool) {
		v, ok = s.visitorHello(ctx, c, r, addr)
		return ok
	})
	if done != nil {
		defer done()
	}
	if !ok {
		return
	}
	defer func() {
		if v.refused.Load() {
			return
		}
		bg, stop := context.WithTimeout(context.Background(), 5e9)
		_, _ = v.w.hub.Do(bg, hub.VisitorDisconnect{Visitor: v.visitor})
		stop()
	}()
	v.serve(ctx)
}

// widgetWorkspace returns the workspace whose widget keys include key.
func (s *Server) widgetWorkspace(key string) *workspace {
	for _, id := range s.workspaceIDs() {
		w := s.workspace(id)
		for _, k := range w.rec().WidgetKeys {
			if sameHash(k, key) {
				return w
			}
		}
	}
	return nil
}

func (s *Server) visitorHello(ctx context.Context, c *conn, r *http.Request, addr string) (*visitorConn, bool) {
	f, ok := s.hello(ctx, c)
	if !ok {
		return nil, false
	}
	w := s.widgetWorkspace(f.Widget)
	if f.Widget == "" || w == nil {
		c.close(closeUnauthorized, "unknown widget key")
		return nil, false
	}
	if !originAllowed(r, w) {
		c.close(websocket.StatusPolicyViolation, "origin not allowed")
		return nil, false
	}
	if !s.limits.widget.allow(f.Widget, s.cfg.Clock.Now()) {
		c.close(websocket.StatusTryAgainLater, "too many new chats")
		return nil, false
	}
	cmd := hub.VisitorHello{Queue: f.Queue, Page: f.Page,
		Contact: session.Contact{Name: f.Name, Email: f.Email, Phone: f.Phone, Country: f.Country, Language: f.Language}}
	secret := ""
	if rs := f.Resume; rs != nil && rs.Visitor != "" {
		cmd.Visitor, cmd.SecretHash = rs.Visitor, hashSecret(rs.Secret)
	} else {
		secret = newSecret()
		cmd.Visitor, cmd.SecretHash, cmd.New = "v"+newSecret()[:22], hashSecret(secret), true
	}
	v := &visitorConn{s: s, c: c, w: w, visitor: cmd.Visitor, addr: addr,
		party: hub.Party{Kind: session.KindVisitor, ID: cmd.Visitor}, limitKey: w.rec().ID + "/" + cmd.Visitor}
	c.log = c.log.WithLazy(zap.String("workspace", w.rec().ID), zap.String("visitor", cmd.Visitor))
	// Queued, not waited for: the hello right behind it is applied after
	// it, often in the same loop cycle, which spares the visitor a cycle
	// (and its commit) before the welcome.
	sub, err := w.hub.SubscribeQueued(hub.Filter{Visitor: cmd.Visitor, Wake: c.wake})
	if err != nil {
		c.close(websocket.StatusTryAgainLater, "workspace unavailable")
		return nil, false
	}
	welcome := func(rep hub.Reply) []byte {
		wel := map[string]any{"type": "welcome", "visitor": cmd.Visitor, "state": rep.State}
		if secret != "" {
			wel["secret"] = secret
		}
		if rep.Session != "" {
			wel["session"] = rep.Session
		}
		return encode(wel)
	}
	if cmd.New {
		s.helloPipelined(v, cmd, sub, welcome)
		return v, true
	}
	rep, werr := do(ctx, w.hub, cmd)
	if werr != nil {
		sub.Close()
		closeHelloRefused(c, werr)
		return nil, false
	}
	c.send(welcome(rep))
	c.attach(sub)
	if f.Resume != nil && rep.Session != "" {
		if mr, werr := do(ctx, w.hub, hub.MessagesAfter{Session: rep.Session, After: f.Resume.LastMessage, Party: v.party}); werr == nil {
			for _, fr := range mr.Frames {
				c.send(fr)
			}
		}
	}
	return v, true
}

// helloPipelined submits a new visitor's hello without waiting for it, so
// that the frames right behind it (the first message, typically) are read
// and reach the hub while it commits: often in the same loop cycle, which
// spares the chat a cycle and a commit before its offer. Two things make
// that safe:
//
//   - The welcome is the first answer of the socket's pipeline, so every
//     ack and error goes out after it; the subscription is attached to the
//     writer only once the welcome is queued, so no frame the hub pushes
//     (queued, message) goes out before it.
//   - The visitor's id is new: until the hello is applied the hub knows no
//     such visitor, and a frame submitted behind a hello that fails is
//     refused (not_found) without changing anything. The socket is closed
//     as the hello fails, so the client sees its close code, not those
//     refusals. A resumed visitor exists already, so its hello is waited
//     for before the next frame is read.
//
// A hello the hub has not answered within commandTimeout closes the
// socket with 1013, as the deadline of a waited-for hello does.
func (s *Server) helloPipelined(v *visitorConn, cmd hub.VisitorHello, sub *hub.Subscription, welcome func(hub.Reply) []byte) {
	c, w := v.c, v.w
	late := time.AfterFunc(commandTimeout, func() {
		c.close(websocket.StatusTryAgainLater, "the hub did not answer in time")
	})
	refused := func(err error) {
		v.refused.Store(true)
		late.Stop()
		sub.Close()
		closeHelloRefused(c, hubError(err))
	}
	c.submitThen(w.hub, cmd, func(rep hub.Reply, err error) []byte {
		if err != nil {
			// Closed before the answers waiting behind the hello's (a
			// pong, an error) are released: the client sees the close
			// alone.
			refused(err)
			return nil
		}
		return welcome(rep)
	}, func(err error) {
		if err != nil {
			refused(err) // again, harmlessly, or first when cmd never reached the hub
			return
		}
		late.Stop()
		c.attach(sub)
	})
}

// closeHelloRefused closes a visitor's socket whose hello the hub refused:
// 4400 for a hello that cannot succeed as it is (an unknown queue, a
// contact field too long), 4401 for an unknown visitor or a wrong secret,
// 1013 (try again) otherwise.
func closeHelloRefused(c *conn, werr *wireError) {
	switch werr.Code {
	case string(hub.CodeBadRequest):
		c.close(closeBadHello, werr.Message)
	case string(hub.CodeUnauthorized), string(hub.CodeNotFound):
		c.close(closeUnauthorized, "unknown visitor or secret")
	default:
		c.close(websocket.StatusTryAgainLater, werr.Message)
	}
}

func (v *visitorConn) serve(ctx context.Context) {
	v.s.serveFrames(ctx, v.c, v.w.hub, "visitor", func(now time.Time) *wireError {
		if !v.s.limits.visitorMsg.allow(v.limitKey, now) || !v.s.limits.addrFrames.allow(v.addr, now) {
			return &wireError{"rate_limited", "too many frames; slow down"}
		}
		return nil
	}, v.handle)
}

// handle turns one visitor frame into a result.
func (v *visitorConn) handle(_ context.Context, f *inFrame) (result, *wireError) {
	var cmd hub.Command
	switch f.Type {
	case "ping":
		return result{frame: pong}, nil
	case "send":
		if f.Text == "" {
			return result{}, badRequest("send needs text")
		}
		cmd = hub.VisitorSend{Visitor: v.visitor, Text: f.Text, ClientID: f.ClientID}
	case "typing":
		cmd = hub.Typing{From: v.party}
	case "page":
		if f.URL == "" {
			return result{}, badRequest("page needs url")
		}
		cmd = hub.PageView{Visitor: v.visitor, URL: f.URL, Title: f.Title}
	case "leave":
		cmd = hub.VisitorLeave{Visitor: v.visitor}
	case "csat":
		if f.Rating < session.MinCSAT || f.Rating > session.MaxCSAT {
			return result{}, badRequest("rating must be 1..4")
		}
		cmd = hub.CSAT{Visitor: v.visitor, Rating: f.Rating, Comment: f.Comment}
	default:
		return result{}, badRequest("unknown frame type %q", f.Type)
	}
	return result{cmd: cmd, ack: ackSession | ackMessage | ackIfSet}, nil
}
