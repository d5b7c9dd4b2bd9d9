package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
	"go.uber.org/zap"
)

// agentConn is an authenticated agent socket.
type agentConn struct {
	s      *Server
	c      *conn
	w      *workspace
	agent  string
	super  bool
	party  hub.Party
	resume string // this socket's resume token
	// limitKey is the agent's key in the per-agent frame limit
	// (workspace/agent), made once instead of on every frame.
	limitKey string
}

// register makes a the live socket of its resume token, replacing the
// socket that held the token the client resumed with (closed with 4409).
func (s *Server) register(a *agentConn, resumed string) {
	s.liveMu.Lock()
	old := s.live[resumed]
	if old != nil && (old.agent != a.agent || old.w != a.w) {
		old = nil // a token of someone else's socket: ignore it
	}
	if old != nil {
		delete(s.live, resumed)
	}
	s.live[a.resume] = a
	s.liveMu.Unlock()
	if old != nil {
		old.c.close(closeReplaced, "replaced by a newer connection")
	}
}

func (s *Server) unregister(a *agentConn) {
	s.liveMu.Lock()
	if s.live[a.resume] == a {
		delete(s.live, a.resume)
	}
	s.liveMu.Unlock()
}

// agentSocket serves GET /v1/ws/agent.
func (s *Server) agentSocket(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var a *agentConn
	done, ok := s.openWithHello(w, r, "agent", func(c *conn) (ok bool) {
		a, ok = s.agentHello(ctx, c, r)
		return ok
	})
	if done != nil {
		defer done()
	}
	if !ok {
		return
	}
	defer func() {
		s.unregister(a)
		bg, stop := context.WithTimeout(context.Background(), 5e9)
		_, _ = a.w.hub.Do(bg, hub.AgentDisconnect{Agent: a.agent})
		stop()
	}()
	a.serve(ctx)
}

// agentHello authenticates the socket and sends welcome.
func (s *Server) agentHello(ctx context.Context, c *conn, r *http.Request) (*agentConn, bool) {
	f, ok := s.hello(ctx, c)
	if !ok {
		return nil, false
	}
	wsID, agent, err := s.store.AgentByToken([]byte(hashSecret(f.Token)))
	w := s.workspace(wsID)
	if f.Token == "" || err != nil || w == nil {
		c.close(closeUnauthorized, "unknown token")
		return nil, false
	}
	if !originAllowed(r, w) {
		c.close(websocket.StatusPolicyViolation, "origin not allowed")
		return nil, false
	}
	a := &agentConn{s: s, c: c, w: w, agent: agent, party: hub.Party{Kind: session.KindAgent, ID: agent},
		limitKey: w.rec().ID + "/" + agent}
	c.log = c.log.WithLazy(zap.String("workspace", wsID), zap.String("agent", agent))
	// The subscription, the connect and the welcome's snapshot go to the
	// hub one behind the other, without waiting in between: it applies
	// them in that order, often in one loop cycle, and only the last is
	// waited for. The connect's answer comes before the welcome's.
	sub, err := w.hub.SubscribeQueued(hub.Filter{Agent: agent, Wake: c.wake})
	if err != nil {
		c.close(websocket.StatusTryAgainLater, "workspace unavailable")
		return nil, false
	}
	connected := make(chan error, 1)
	if err := w.hub.Submit(hub.AgentConnect{Agent: agent}, func(_ hub.Reply, err error) { connected <- err }); err != nil {
		connected <- err
	}
	rep, werr := do(ctx, w.hub, hub.AgentWelcome{Agent: agent})
	if werr == nil { // answered after the connect, so connected holds its answer
		if err := <-connected; err != nil {
			werr = hubError(err)
		}
	}
	if werr != nil {
		sub.Close()
		c.close(websocket.StatusTryAgainLater, werr.Message)
		return nil, false
	}
	wel := rep.Welcome
	a.super = wel.Agent.Role == presence.RoleSupervisor
	a.resume = newSecret()
	wel.Type, wel.ResumeToken = "welcome", a.resume
	if f.Resume != nil && f.Resume.Token != "" {
		s.register(a, f.Resume.Token)
	} else {
		s.register(a, "")
	}
	c.send(encode(wel))
	c.attach(sub) // after welcome: no event overtakes it
	if f.Resume != nil {
		a.resendMissed(ctx, f.Resume.LastMessageIDs)
	}
	return a, true
}

// serve reads commands until the socket closes.
func (a *agentConn) serve(ctx context.Context) {
	a.s.serveFrames(ctx, a.c, a.w.hub, "agent", func(now time.Time) *wireError {
		if !a.s.limits.agentFrames.allow(a.limitKey, now) {
			return &wireError{"rate_limited", "too many frames"}
		}
		return nil
	}, a.handle)
}

// handle turns one agent frame into a result.
func (a *agentConn) handle(ctx context.Context, f *inFrame) (result, *wireError) {
	switch f.Type {
	case "ping":
		return result{frame: pong}, nil
	case "presence":
		st, err := presence.ParseStatus(f.Status)
		if err != nil || !st.Settable() {
			return result{}, badRequest("status must be available, away or offline")
		}
		return result{cmd: hub.SetPresence{Agent: a.agent, Status: st}}, nil
	case "accept", "decline":
		id, err := strconv.ParseUint(f.Offer, 10, 64)
		if err != nil || id == 0 {
			return result{}, badRequest("offer must be an offer id")
		}
		if f.Type == "decline" {
			return result{cmd: hub.Decline{Agent: a.agent, Offer: router.OfferID(id), Reason: f.Reason}}, nil
		}
		return result{cmd: hub.Accept{Agent: a.agent, Offer: router.OfferID(id)}, ack: ackSession}, nil
	case "send":
		if f.Session == "" || f.Text == "" {
			return result{}, badRequest("send needs session and text")
		}
		return result{cmd: hub.Send{Session: f.Session, From: a.party, Text: f.Text, ClientID: f.ClientID},
			ack: ackMessage}, nil
	case "typing":
		if f.Session == "" {
			return result{}, badRequest("typing needs session")
		}
		return result{cmd: hub.Typing{Session: f.Session, From: a.party}}, nil
	case "subscribe":
		return a.subscribe(ctx, f)
	}
	return a.handleSession(f)
}

var pong = []byte(`{"type":"pong"}`)

// handleSession turns the frames that act on one session into commands.
func (a *agentConn) handleSession(f *inFrame) (result, *wireError) {
	if f.Session == "" {
		if _, known := agentFrames[f.Type]; known {
			return result{}, badRequest("%s needs session", f.Type)
		}
		return result{}, badRequest("unknown frame type %q", f.Type)
	}
	var cmd hub.Command
	switch f.Type {
	case "set_status":
		st := session.Status(f.Status)
		if !st.Valid() {
			return result{}, badRequest("status must be in_progress, waiting_customer or needs_help")
		}
		cmd = hub.SetConversationStatus{Agent: a.agent, Session: f.Session, Status: st}
	case "join":
		cmd = hub.Join{Agent: a.agent, Session: f.Session, Supervisor: a.super}
	case "annotate":
		cmd = hub.Annotate{Agent: a.agent, Session: f.Session, Notes: f.Notes, AddTags: f.AddTags,
			RemoveTags: f.RemoveTags, Expertise: f.Expertise}
	case "verify_contact":
		if f.Email == "" && f.Phone == "" {
			return result{}, badRequest("verify_contact needs email or phone")
		}
		cmd = hub.VerifyContact{Agent: a.agent, Session: f.Session, Email: f.Email, Phone: f.Phone}
	case "transfer":
		if (f.Queue == "") == (f.Agent == "") {
			return result{}, badRequest("transfer needs exactly one of queue and agent")
		}
		cmd = hub.Transfer{Agent: a.agent, Session: f.Session, Queue: f.Queue, To: f.Agent, Note: f.Note}
	case "release":
		cmd = hub.Release{Agent: a.agent, Session: f.Session}
	case "hold", "unhold":
		cmd = hub.Hold{Agent: a.agent, Session: f.Session, On: f.Type == "hold"}
	case "end":
		cmd = hub.End{Session: f.Session, By: a.party}
	case "wrapup":
		if f.Code == "" {
			return result{}, badRequest("wrapup needs code")
		}
		out := session.Outcome(f.Outcome)
		if out != "" && !out.Valid() {
			return result{}, badRequest("unknown outcome %q", f.Outcome)
		}
		cmd = hub.Wrapup{Agent: a.agent, Session: f.Session, Code: f.Code, Notes: derefStr(f.Notes), Outcome: out}
	default:
		return result{}, badRequest("unknown frame type %q", f.Type)
	}
	return result{cmd: cmd, ack: ackSession}, nil
}

var agentFrames = map[string]struct{}{"set_status": {}, "join": {}, "annotate": {}, "verify_contact": {},
	"transfer": {}, "release": {}, "hold": {}, "unhold": {}, "end": {}, "wrapup": {}}

// subscribe gives a supervisor the workspace's live views. It runs in
// step: the snapshot goes out after the answers to earlier commands.
func (a *agentConn) subscribe(ctx context.Context, f *inFrame) (result, *wireError) {
	if !a.super { // the hub checks the role again: it may have changed
		return result{}, &wireError{"forbidden", "subscribe is for supervisors"}
	}
	for _, t := range f.Topics {
		if t != "queues" && t != "agents" && t != "sessions" {
			return result{}, badRequest("unknown topic %q", t)
		}
	}
	a.c.settle(a.w.hub)
	sub, err := a.w.hub.Subscribe(ctx, hub.Filter{Supervisor: true, For: a.agent, Wake: a.c.wake})
	if err != nil {
		return result{}, hubError(err)
	}
	rep, werr := do(ctx, a.w.hub, hub.Snapshot{})
	if werr != nil {
		sub.Close()
		return result{}, werr
	}
	for _, fr := range rep.Frames {
		a.c.send(fr)
	}
	a.c.attach(sub)
	return result{}, nil
}

// resendMissed sends the messages of the agent's sessions after the ids the
// client says it saw.
func (a *agentConn) resendMissed(ctx context.Context, last map[string]string) {
	for sid, mid := range last {
		rep, werr := do(ctx, a.w.hub, hub.MessagesAfter{Session: sid, After: mid, Party: a.party})
		if werr != nil {
			continue
		}
		for _, fr := range rep.Frames {
			a.c.send(fr)
		}
	}
}

func derefStr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
