package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/persist"
	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
)

// maxBody bounds every HTTP request body.
const maxBody = 1 << 20

// validID is the shape of ids chosen by clients (queues, agents, workspaces).
var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// access is who may call an API route.
type access int

const (
	adminOnly   access = iota // the server admin key
	integration               // the admin key or a workspace API key
	anyCaller                 // also agent tokens (reads, scoped by handler)
)

// apiHandler is an API handler given its caller and workspace.
type apiHandler func(w http.ResponseWriter, r *http.Request, c caller, ws *workspace)

// api wraps h with authentication, the per-address limit, and the
// workspace lookup.
func (s *Server) api(route string, need access, h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: 200}
		defer func() { s.metrics.httpCalls.WithLabelValues(route, strconv.Itoa(rec.status/100)+"xx").Inc() }()
		if l := s.limits.httpAddr; l != nil && !l.allow(clientAddr(r), s.cfg.Clock.Now()) {
			s.refuse(rec, "rate_limited", "too many requests")
			return
		}
		c, werr := s.authenticate(r)
		switch {
		case werr != nil:
			s.refuse(rec, werr.Code, werr.Message)
			return
		case need == adminOnly && !c.admin, need == integration && c.agent != "":
			s.refuse(rec, "forbidden", "this call needs the server admin key or a workspace API key")
			return
		}
		ws := s.workspace(c.ws)
		if ws == nil && !(need == adminOnly) {
			s.refuse(rec, "not_found", "workspace "+c.ws+" does not exist")
			return
		}
		r.Body = http.MaxBytesReader(rec, r.Body, maxBody)
		h(rec, r, c, ws)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) refuse(w http.ResponseWriter, code, detail string) {
	s.metrics.refusals.WithLabelValues(code).Inc()
	writeProblem(w, code, detail)
}

// readBody decodes a JSON body into v, refusing unknown fields.
func readBody(r *http.Request, v any) *wireError {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &wireError{"too_large", "body over 1 MiB"}
		}
		return badRequest("reading body: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("body: %v", trimErr(err))
	}
	if dec.More() {
		return badRequest("body: one JSON object")
	}
	return nil
}

// hubDo runs cmd on the workspace's hub and answers a refusal itself; ok is
// false when it did.
func (s *Server) hubDo(w http.ResponseWriter, r *http.Request, ws *workspace, cmd hub.Command) (hub.Reply, bool) {
	rep, werr := do(r.Context(), ws.hub, cmd)
	if werr != nil {
		s.refuse(w, werr.Code, werr.Message)
		return rep, false
	}
	return rep, true
}

func pathID(w http.ResponseWriter, r *http.Request, s *Server) (string, bool) {
	id := r.PathValue("id")
	if !validID.MatchString(id) {
		s.refuse(w, "bad_request", "ids are 1–64 letters, digits, '_', '.', '-'")
		return "", false
	}
	return id, true
}

// ---- queues ----

func (s *Server) putQueue(w http.ResponseWriter, r *http.Request, c caller, ws *workspace) {
	id, ok := pathID(w, r, s)
	if !ok {
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.refuse(w, "too_large", "body over 1 MiB")
		return
	}
	spec, err := hub.ParseQueue(id, body)
	if err != nil {
		werr := hubError(err)
		s.refuse(w, werr.Code, werr.Message)
		return
	}
	if _, ok := s.hubDo(w, r, ws, hub.PutQueue{Spec: spec}); !ok {
		return
	}
	rep, ok := s.hubDo(w, r, ws, hub.ListQueues{ID: id})
	if ok {
		writeJSON(w, http.StatusOK, rep.Data)
	}
}

func (s *Server) getQueues(w http.ResponseWriter, r *http.Request, c caller, ws *workspace) {
	if rep, ok := s.hubDo(w, r, ws, hub.ListQueues{ID: r.PathValue("id")}); ok {
		if r.PathValue("id") == "" {
			writeJSON(w, http.StatusOK, map[string]any{"queues": rep.Data})
			return
		}
		writeJSON(w, http.StatusOK, rep.Data)
	}
}

func (s *Server) deleteQueue(w http.ResponseWriter, r *http.Request, c caller, ws *workspace) {
	if _, ok := s.hubDo(w, r, ws, hub.DeleteQueue{ID: r.PathValue("id")}); ok {
		w.WriteHeader(http.StatusNoContent)
	}
}

// getWaiting serves GET /v1/queues/{id}/waiting: the waiting sessions in
// the order they will be offered.
func (s *Server) getWaiting(w http.ResponseWriter, r *http.Request, c caller, ws *workspace) {
	if rep, ok := s.hubDo(w, r, ws, hub.QueueWaiting{ID: r.PathValue("id")}); ok {
		writeJSON(w, http.StatusOK, map[string]any{"queue": r.PathValue("id"), "sessions": rep.Data})
	}
}

// ---- agents ----

type agentBody struct {
	Name      string             `json:"name"`
	Role      presence.Role      `json:"role"`
	Queues    []string           `json:"queues"`
	Languages presence.Languages `json:"languages"`
	Expertise []string           `json:"expertise"`
	Capacity  map[string]int     `json:"capacity"`
}

// defaultCapacity is an agent's capacity when the body gives none.
var defaultCapacity = presence.Capacity{1, 3, 5}

func (s *Server) putAgent(w http.ResponseWriter, r *http.Request, c caller, ws *workspace) {
	id, ok := pathID(w, r, s)
	if !ok {
		return
	}
	var b agentBody
	if werr := readBody(r, &b); werr != nil {
		s.refuse(w, werr.Code, werr.Message)
		return
	}
	p := presence.Profile{ID: id, Name: b.Name, Role: b.Role, Languages: b.Languages,
		Expertise: presence.NewExpertise(b.Expertise...), Capacity: defaultCapacity}
	if b.Capacity != nil {
		p.Capacity = presence.Capacity{}
		for k, n := range b.Capacity {
			m, err := presence.ParseMedia(k)
			if err != nil {
				s.refuse(w, "bad_request", "capacity: "+err.Error())
				return
			}
			p.Capacity[m] = n
		}
	}
	if _, ok := s.hubDo(w, r, ws, hub.PutAgent{Profile: p, Queues: b.Queues}); !ok {
		return
	}
	if rep, ok := s.hubDo(w, r, ws, hub.ListAgents{ID: id}); ok {
		writeJSON(w, http.StatusOK, rep.Data)
	}
}

func (s *Server) getAgents(w http.ResponseWriter, r *http.Request, c caller, ws *workspace) {
	id := r.PathValue("id")
	if c.agent != "" && !c.super && id != c.agent {
		s.refuse(w, "forbidden", "agents may read only themselves")
		return
	}
	if rep, ok := s.hubDo(w, r, ws, hub.ListAgents{ID: id}); ok {
		if id == "" {
			writeJSON(w, http.StatusOK, map[string]any{"agents": rep.Data})
			return
		}
		writeJSON(w, http.StatusOK, rep.Data)
	}
}

func (s *Server) deleteAgent(w http.ResponseWriter, r *http.Request, c caller, ws *workspace) {
	if _, ok := s.hubDo(w, r, ws, hub.DeleteAgent{ID: r.PathValue("id")}); !ok {
		return
	}
	if err := s.revokeToken(ws.rec().ID, r.PathValue("id")); err != nil {
		s.refuse(w, "unavailable", "store unavailable")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) postToken(w http.ResponseWriter, r *http.Request, c caller, ws *workspace) {
	id := r.PathValue("id")
	if _, ok := s.hubDo(w, r, ws, hub.ListAgents{ID: id}); !ok {
		return
	}
	tok, err := s.issueToken(ws.rec().ID, id)
	if err != nil {
		s.refuse(w, "unavailable", "store unavailable")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": tok})
}

// issueToken makes a new token for agent (the previous one stops working)
// and stores its hash.
func (s *Server) issueToken(ws, agent string) (string, error) {
	tok := newSecret()
	b := s.store.NewBatch()
	defer b.Close()
	if old, err := s.store.GetMeta(tokenMeta(ws, agent)); err == nil {
		b.DeleteToken(old)
	}
	h := []byte(hashSecret(tok))
	b.PutToken(ws, h, agent)
	b.PutMeta(tokenMeta(ws, agent), h)
	return tok, s.store.Commit(b)
}

func (s *Server) revokeToken(ws, agent string) error {
	old, err := s.store.GetMeta(tokenMeta(ws, agent))
	if errors.Is(err, persist.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	b := s.store.NewBatch()
	defer b.Close()
	b.DeleteToken(old)
	return s.store.Commit(b)
}

func tokenMeta(ws, agent string) string { return "token/" + ws + "/" + agent }

// isSupervisor reports whether agent of workspace ws is a supervisor.
func (s *Server) isSupervisor(ws, agent string) bool {
	w := s.workspace(ws)
	if w == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rep, err := w.hub.Do(ctx, hub.ListAgents{ID: agent})
	if err != nil {
		return false
	}
	v, ok := rep.Data.(hub.AgentView)
	return ok && v.Role == presence.RoleSupervisor
}

// ---- sessions ----

type sessionBody struct {
	Channel   session.Channel `json:"channel"`
	Queue     string          `json:"queue"`
	Contact   session.Contact `json:"contact"`
	Subject   string          `json:"subject"`
	Priority  int             `json:"priority"`
	Expertise []string        `json:"expertise"`
}

func (s *Server) postSession(w http.ResponseWriter, r *http.Request, c caller, ws *workspace) {
	var b sessionBody
	if werr := readBody(r, &b); werr != nil {
		s.refuse(w, werr.Code, werr.Message)
		return
	}
	if b.Channel.Widget() {
		s.refuse(w, "bad_request", "web chat and web messaging start from the widget")
		return
	}
	if b.Contact.Verified {
		s.refuse(w, "bad_request", "contact.verified is set by agents")
		return
	}
	rep, ok := s.hubDo(w, r, ws, hub.StartSession{Channel: b.Channel, Queue: b.Queue, Contact: b.Contact,
		Subject: b.Subject, Priority: b.Priority, Expertise: b.Expertise})
	if ok {
		writeJSON(w, http.StatusCreated, rep.Card)
	}
}

type eventBody struct {
	Event string `json:"event"`
	By    string `json:"by"`
	Text  string `json:"text"`
}

func (s *Server) postEvent(w http.ResponseWriter, r *http.Request, c caller, ws *workspace) {
	var b eventBody
	if werr := readBody(r, &b); werr != nil {
		s.refuse(w, werr.Code, werr.Message)
		return
	}
	rep, ok := s.hubDo(w, r, ws, hub.ChannelEvent{Session: r.PathValue("id"), Event: b.Event, By: b.By, Text: b.Text})
	if !ok {
		return
	}
	out := map[string]any{"session": rep.Session}
	if rep.Message != "" {
		out["message"] = rep.Message
	}
	writeJSON(w, http.StatusOK, out)
}

// storedSession reads a session from the store: every acknowledged change
// is there, so the store is the source for reads.
func (s *Server) storedSession(w http.ResponseWriter, ws *workspace, id string, c caller) (*session.Session, bool) {
	val, err := s.store.GetSession(ws.rec().ID, id)
	switch {
	case errors.Is(err, persist.ErrNotFound):
		s.refuse(w, "not_found", "session "+id)
		return nil, false
	case err != nil:
		s.refuse(w, "unavailable", "store unavailable")
		return nil, false
	}
	var se session.Session
	if err := json.Unmarshal(val, &se); err != nil {
		s.refuse(w, "internal", "decoding session")
		return nil, false
	}
	if c.agent != "" && !c.super && !took(&se, c.agent) {
		s.refuse(w, "forbidden", "agents read only sessions they take part in")
		return nil, false
	}
	return &se, true
}

// took reports whether agent took part in se (now or before).
func took(se *session.Session, agent string) bool {
	for _, p := range se.Participants {
		if p.Kind == session.KindAgent && p.ID == agent {
			return true
		}
	}
	return se.Agent.ID == agent
}

func (s *Server) getSession(w http.ResponseWriter, r *http.Request, c caller, ws *workspace) {
	if se, ok := s.storedSession(w, ws, r.PathValue("id"), c); ok {
		writeJSON(w, http.StatusOK, se.Card(s.cfg.Clock.Now()))
	}
}

func (s *Server) getMetadata(w http.ResponseWriter, r *http.Request, c caller, ws *workspace) {
	if se, ok := s.storedSession(w, ws, r.PathValue("id"), c); ok {
		writeJSON(w, http.StatusOK, se.Metadata(s.cfg.Clock.Now()))
	}
}

func (s *Server) getTranscript(w http.ResponseWriter, r *http.Request, c caller, ws *workspace) {
	se, ok := s.storedSession(w, ws, r.PathValue("id"), c)
	if !ok {
		return
	}
	var msgs []session.Message
	err := s.store.ScanMessages(ws.rec().ID, se.ID, 0, func(_ uint64, val []byte) error {
		var m session.Message
		if err := json.Unmarshal(val, &m); err != nil {
			return err
		}
		msgs = append(msgs, m)
		return nil
	})
	if err != nil {
		s.refuse(w, "unavailable", "reading messages")
		return
	}
	if r.URL.Query().Get("format") == "text" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, session.FormatTranscript(se, msgs))
		return
	}
	if msgs == nil {
		msgs = []session.Message{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"session": se.ID, "messages": msgs})
}

// queryLimit reads a listing's limit: def when absent, else 1..most; it
// refuses anything else with bad_request.
func (s *Server) queryLimit(w http.ResponseWriter, q url.Values, def, most int) (int, bool) {
	v := q.Get("limit")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > most {
		s.refuse(w, "bad_request", "limit is 1.."+strconv.Itoa(most))
		return 0, false
	}
	return n, true
}

// getStatuses serves GET /v1/agent-statuses?from=&to=&agent= with limit
// and cursor: the log of the agents' own status changes (hub.StatusChange)
// logged from `from` and before `to` (RFC 3339; no bound when absent), in
// time order. A supervisor, or the workspace's key, reads every agent's;
// an agent their own.
func (s *Server) getStatuses(w http.ResponseWriter, r *http.Request, c caller, ws *workspace) {
	q := r.URL.Query()
	limit, ok := s.queryLimit(w, q, 1000, 10000)
	if !ok {
		return
	}
	var span [2]time.Time
	for i, name := range [...]string{"from", "to"} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				s.refuse(w, "bad_request", name+" is not an RFC 3339 time: "+v)
				return
			}
			span[i] = t
		}
	}
	if !span[0].IsZero() && !span[1].IsZero() && !span[1].After(span[0]) {
		s.refuse(w, "bad_request", "to is not after from")
		return
	}
	var after time.Time
	var afterAgent string
	if v := q.Get("cursor"); v != "" {
		ns, agent, ok := strings.Cut(v, ":")
		n, err := strconv.ParseInt(ns, 10, 64)
		if !ok || err != nil {
			s.refuse(w, "bad_request", "cursor "+v+" is not one this endpoint gave")
			return
		}
		after, afterAgent = time.Unix(0, n).UTC(), agent
	}
	agent := q.Get("agent")
	if c.agent != "" && !c.super {
		if agent != "" && agent != c.agent {
			s.refuse(w, "forbidden", "an agent reads their own statuses")
			return
		}
		agent = c.agent
	}
	out := []json.RawMessage{}
	var lastAt time.Time // the page's last entry: the cursor of a full page
	var lastAgent string
	add := func(at time.Time, id string, val []byte) error {
		out = append(out, bytes.Clone(val))
		lastAt, lastAgent = at, id
		if len(out) == limit {
			return persist.ErrStop
		}
		return nil
	}
	var err error
	if agent == "" {
		err = s.store.ScanStatuses(ws.rec().ID, span[0], span[1], after, afterAgent, add)
	} else { // the log by agent: one agent's past without the others'
		err = s.store.ScanAgentStatuses(ws.rec().ID, agent, span[0], span[1], after, afterAgent, func(at time.Time, val []byte) error {
			return add(at, agent, val)
		})
	}
	if err != nil {
		s.refuse(w, "unavailable", "reading the status log")
		return
	}
	page := map[string]any{"statuses": out}
	if len(out) == limit {
		page["cursor"] = strconv.FormatInt(lastAt.UnixNano(), 10) + ":" + lastAgent
	}
	writeJSON(w, http.StatusOK, page)
}

// searchSessions serves GET /v1/sessions?state=&queue=&status=&contact=
// with limit and cursor (session ids; newest first).
func (s *Server) searchSessions(w http.ResponseWriter, r *http.Request, c caller, ws *workspace) {
	q := r.URL.Query()
	limit, ok := s.queryLimit(w, q, 50, 500)
	if !ok {
		return
	}
	state, queue, status, contact := q.Get("state"), q.Get("queue"), q.Get("status"), q.Get("contact")
	var wantState *session.State
	if state != "" {
		st, err := session.ParseState(state)
		if err != nil {
			s.refuse(w, "bad_request", "unknown state "+state)
			return
		}
		wantState = &st
	}
	now := s.cfg.Clock.Now()
	if isContactKey(contact) {
		s.recentByContact(w, ws, c, contact, wantState, queue, status, limit)
		return
	}
	cards := []session.Card{}
	next, err := s.store.ScanSessions(ws.rec().ID, persist.Page{After: q.Get("cursor"), Limit: 0, Reverse: true},
		func(id string, val []byte) error {
			var se session.Session
			if json.Unmarshal(val, &se) != nil {
				return nil
			}
			switch {
			case wantState != nil && se.State != *wantState, queue != "" && se.Queue.ID != queue,
				status != "" && string(se.Status) != status,
				contact != "" && !matchContact(&se, contact),
				c.agent != "" && !c.super && !took(&se, c.agent):
				return nil
			}
			cards = append(cards, se.Card(now))
			if len(cards) == limit {
				return persist.ErrStop
			}
			return nil
		})
	if err != nil && !errors.Is(err, persist.ErrStop) {
		s.refuse(w, "unavailable", "reading sessions")
		return
	}
	out := map[string]any{"sessions": cards}
	if len(cards) == limit {
		out["cursor"] = cards[len(cards)-1].Session
	} else if next != "" && len(cards) == limit {
		out["cursor"] = next
	}
	writeJSON(w, http.StatusOK, out)
}

// isContactKey reports whether contact is a contact key of the index
// ("email:…", "phone:…", "visitor:…"), as cards and session.ContactKey
// give them.
func isContactKey(contact string) bool {
	for _, p := range []string{"email:", "phone:", "visitor:"} {
		if strings.HasPrefix(contact, p) {
			return true
		}
	}
	return false
}

// recentByContact answers a contact's sessions, newest first, from the
// contact index (no scan): the recent conversations of the info panel.
func (s *Server) recentByContact(w http.ResponseWriter, ws *workspace, c caller, key string,
	wantState *session.State, queue, status string, limit int) {
	ids, err := s.store.RecentByContact(ws.rec().ID, key, limit)
	if err != nil {
		s.refuse(w, "unavailable", "reading the contact index")
		return
	}
	now := s.cfg.Clock.Now()
	cards := []session.Card{}
	serves := c.agent == "" || c.super // an agent sees a contact's history while serving them
	for _, id := range ids {
		val, err := s.store.GetSession(ws.rec().ID, id)
		if err != nil {
			continue
		}
		var se session.Session
		if json.Unmarshal(val, &se) != nil {
			continue
		}
		if c.agent != "" && se.Open() && se.InSession(c.agent) {
			serves = true // serving: the session is open (or in their wrap-up), not one they served once
		}
		switch {
		case wantState != nil && se.State != *wantState, queue != "" && se.Queue.ID != queue,
			status != "" && string(se.Status) != status:
			continue
		}
		cards = append(cards, se.Card(now))
	}
	if !serves {
		s.refuse(w, "forbidden", "agents read a contact's conversations while serving them")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": cards})
}

func matchContact(se *session.Session, contact string) bool {
	c := strings.ToLower(contact)
	return strings.EqualFold(se.Contact.Email, c) || se.Contact.Phone == contact || se.VisitorID == contact ||
		se.ContactKey() == contact
}

func (s *Server) getStats(w http.ResponseWriter, r *http.Request, c caller, ws *workspace) {
	if rep, ok := s.hubDo(w, r, ws, hub.Stats{}); ok {
		writeJSON(w, http.StatusOK, rep.Data)
	}
}

// ---- workspaces ----

type workspaceView struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	WidgetKeys     []string `json:"widget_keys"`
	AllowedOrigins []string `json:"allowed_origins"`
	// MissLimit is how many offers in a row an agent may let ring out
	// before the hub sets them away.
	MissLimit int `json:"miss_limit"`
	// StatusRetention is how long the workspace keeps its status log, as
	// it was set ("400d"; "0" forever); "" follows the server's
	// --status-retention.
	StatusRetention string `json:"status_retention"`
}

func viewOf(rec workspaceRecord) workspaceView {
	return workspaceView{ID: rec.ID, Name: rec.Name, WidgetKeys: nonNil(rec.WidgetKeys), AllowedOrigins: nonNil(rec.AllowedOrigins),
		MissLimit: rec.missLimit(), StatusRetention: rec.StatusRetention}
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

type workspaceBody struct {
	Name            *string   `json:"name"`
	WidgetKeys      *[]string `json:"widget_keys"`
	AllowedOrigins  *[]string `json:"allowed_origins"`
	MissLimit       *int      `json:"miss_limit"`
	StatusRetention *string   `json:"status_retention"`
}

func (b *workspaceBody) apply(rec *workspaceRecord) *wireError {
	if b.Name != nil {
		if strings.TrimSpace(*b.Name) == "" || len(*b.Name) > 200 {
			return badRequest("name is 1..200 bytes")
		}
		rec.Name = *b.Name
	}
	if b.WidgetKeys != nil {
		if len(*b.WidgetKeys) > 20 {
			return badRequest("at most 20 widget keys")
		}
		for _, k := range *b.WidgetKeys {
			if len(k) < 4 || len(k) > 128 {
				return badRequest("widget keys are 4..128 bytes")
			}
		}
		rec.WidgetKeys = slices.Clone(*b.WidgetKeys)
	}
	if b.AllowedOrigins != nil {
		if len(*b.AllowedOrigins) > 50 {
			return badRequest("at most 50 allowed origins")
		}
		rec.AllowedOrigins = slices.Clone(*b.AllowedOrigins)
	}
	if b.MissLimit != nil {
		if !router.ValidMissLimit(*b.MissLimit) {
			return badRequest("miss_limit is 1..%d", router.MaxMissLimit)
		}
		rec.MissLimit = *b.MissLimit
	}
	if b.StatusRetention != nil {
		if v := *b.StatusRetention; v != "" {
			if _, err := ParseRetention(v); err != nil {
				return badRequest("status_retention %q: %v", v, err)
			}
		}
		rec.StatusRetention = *b.StatusRetention
	}
	return nil
}

func (s *Server) getWorkspace(w http.ResponseWriter, r *http.Request, c caller, ws *workspace) {
	writeJSON(w, http.StatusOK, viewOf(*ws.rec()))
}

func (s *Server) patchWorkspace(w http.ResponseWriter, r *http.Request, c caller, ws *workspace) {
	var b workspaceBody
	if werr := readBody(r, &b); werr != nil {
		s.refuse(w, werr.Code, werr.Message)
		return
	}
	s.wsWrites.Lock()
	defer s.wsWrites.Unlock()
	s.updateWorkspace(w, r, ws, &b)
}

// updateWorkspace applies body b to workspace ws, stores it and answers the
// new settings. A new miss limit goes to the running hub first, and back
// to the old one if the store fails: refused, nothing changes. The caller
// holds s.wsWrites.
func (s *Server) updateWorkspace(w http.ResponseWriter, r *http.Request, ws *workspace, b *workspaceBody) {
	rec := *ws.rec()
	if werr := s.applyWorkspace(b, &rec); werr != nil {
		s.refuse(w, werr.Code, werr.Message)
		return
	}
	limit := rec.missLimit() != ws.rec().missLimit()
	retention := rec.StatusRetention != ws.rec().StatusRetention // ws.rec() is rec once stored
	if limit {
		if _, ok := s.hubDo(w, r, ws, hub.SetMissLimit{Limit: rec.missLimit()}); !ok {
			return
		}
	}
	if err := s.putWorkspace(rec); err != nil {
		if limit {
			_, _ = do(context.WithoutCancel(r.Context()), ws.hub, hub.SetMissLimit{Limit: ws.rec().missLimit()})
		}
		s.refuse(w, "unavailable", "store unavailable")
		return
	}
	if retention {
		s.retentionChanged()
	}
	writeJSON(w, http.StatusOK, viewOf(rec))
}

// putWorkspaces serves PUT /v1/workspaces/{id} (admin): creates a workspace
// (answering its first API key once) or updates its settings.
func (s *Server) putWorkspaces(w http.ResponseWriter, r *http.Request, c caller, _ *workspace) {
	id, ok := pathID(w, r, s)
	if !ok {
		return
	}
	var b workspaceBody
	if werr := readBody(r, &b); werr != nil {
		s.refuse(w, werr.Code, werr.Message)
		return
	}
	s.wsWrites.Lock()
	defer s.wsWrites.Unlock()
	if ws := s.workspace(id); ws != nil {
		s.updateWorkspace(w, r, ws, &b)
		return
	}
	rec := workspaceRecord{ID: id, Name: id}
	if werr := s.applyWorkspace(&b, &rec); werr != nil {
		s.refuse(w, werr.Code, werr.Message)
		return
	}
	key := newSecret()
	rec.APIKeyHashes = []string{hashSecret(key)}
	if err := s.putWorkspace(rec); err != nil {
		s.refuse(w, "unavailable", "store unavailable")
		return
	}
	// Once the server is shutting down the workspace is stored but not
	// started: it starts with the server, and its key is good then.
	if err := s.startWorkspace(rec); err != nil && !errors.Is(err, errShuttingDown) {
		s.refuse(w, "internal", "starting workspace")
		return
	}
	if rec.StatusRetention != "" {
		s.retentionChanged()
	}
	writeJSON(w, http.StatusCreated, map[string]any{"workspace": viewOf(rec), "api_key": key})
}

// applyWorkspace applies body b to rec, refusing widget keys another
// workspace has: a widget key names the one workspace its visitors chat
// with (a key in two workspaces would send one's visitors to the other).
// The caller holds s.wsWrites.
func (s *Server) applyWorkspace(b *workspaceBody, rec *workspaceRecord) *wireError {
	if werr := b.apply(rec); werr != nil {
		return werr
	}
	for _, id := range s.workspaceIDs() {
		if id == rec.ID {
			continue
		}
		for _, k := range s.workspace(id).rec().WidgetKeys {
			if slices.Contains(rec.WidgetKeys, k) {
				return &wireError{"conflict", "widget key " + k + " belongs to another workspace"}
			}
		}
	}
	return nil
}

func (s *Server) listWorkspaces(w http.ResponseWriter, r *http.Request, c caller, _ *workspace) {
	out := []workspaceView{}
	for _, id := range s.workspaceIDs() {
		out = append(out, viewOf(*s.workspace(id).rec()))
	}
	writeJSON(w, http.StatusOK, map[string]any{"workspaces": out})
}
