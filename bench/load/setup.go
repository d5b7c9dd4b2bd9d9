package load

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// QueueID is the queue the bench creates in its workspace, and
// ExpertiseQueueID the second one of a run with expertise
// (Config.Expertise), which requires it.
const (
	QueueID          = "bench"
	ExpertiseQueueID = "bench-expertise"
)

// Setup is a workspace prepared for a run: what agents and visitors need to
// connect. Workers receive it from the parent process.
type Setup struct {
	Workspace string `json:"workspace"`
	APIKey    string `json:"api_key"`
	// WidgetKeys are the workspace's widget keys; visitor n uses key n
	// modulo their number, so that the server's limit of new visitor
	// sessions per second per widget key does not cap the arrival rate.
	WidgetKeys []string `json:"widget_keys"`
	// Agents are the agents' ids and tokens.
	Agents []AgentCred `json:"agents"`
}

// AgentCred is one agent's id and socket token.
type AgentCred struct {
	ID    string `json:"id"`
	Token string `json:"token"`
}

// api is a small client of the server's HTTP API.
type api struct {
	base, key, workspace string
	http                 *http.Client
}

// call sends body (JSON) and decodes the answer into out, retrying on
// rate_limited; other non-2xx answers are errors with the problem's text.
func (a *api) call(ctx context.Context, method, path string, body, out any) error {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		status, data, err := a.send(ctx, a.http, method, path, raw)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		if status == http.StatusTooManyRequests && attempt < 20 {
			select {
			case <-time.After(time.Duration(attempt+1) * 100 * time.Millisecond):
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if status/100 != 2 {
			return fmt.Errorf("%s %s: %d %s: %s", method, path, status, http.StatusText(status), bytes.TrimSpace(data))
		}
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("%s %s: decoding %q: %w", method, path, data, err)
			}
		}
		return nil
	}
}

// send sends one request with raw (JSON, nil for none) as its body over hc,
// with the key and workspace headers, and returns the answer's status and
// body (its first MiB).
func (a *api) send(ctx context.Context, hc *http.Client, method, path string, raw []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, bytes.NewReader(raw))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	req.Header.Set("Content-Type", "application/json")
	if a.workspace != "" {
		req.Header.Set("Switchboard-Workspace", a.workspace)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode, data, err
}

// agentID is the id prepare gives the i-th agent, from 0.
func agentID(i int) string { return fmt.Sprintf("agent-%05d", i+1) }

// randomID returns n random bytes in hex.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// widgetKeyRate is the most new visitor sessions per second the bench
// starts through one widget key: under the server's limit of 200 per second
// per key, with room for the bursts of a Poisson process.
const widgetKeyRate = 150

// widgetKey is the widget key of visitor n.
func (st *Setup) widgetKey(n int) string { return st.WidgetKeys[n%len(st.WidgetKeys)] }

// prepare creates a fresh workspace with enough widget keys for the rate
// (one per widgetKeyRate visitors per second), the bench queue (manual
// accept, offers to one agent or cfg.Broadcast at once, ringing
// cfg.OfferTimeout when set), the expertise queue beside it in a run with
// expertise (the same, requiring cfg.Expertise until cfg.ExpertiseDrop),
// and cfg.Agents agents of both with their tokens, who take a call at a
// time when the run posts calls, cfg.EmailCapacity emails when it posts
// emails, and have the expertise when cfg.expert says.
func prepare(ctx context.Context, cfg Config, hc *http.Client) (*Setup, error) {
	id := "bench-" + randomID(4)
	st := &Setup{Workspace: id}
	for range max(1, int(math.Ceil(cfg.Rate/widgetKeyRate))) { // one at least: the widget needs one
		st.WidgetKeys = append(st.WidgetKeys, "bench-"+randomID(8))
	}
	admin := &api{base: "http://" + cfg.Addr, key: cfg.AdminKey, http: hc}
	var created struct {
		APIKey string `json:"api_key"`
	}
	wsBody := map[string]any{"name": "switchboard bench", "widget_keys": st.WidgetKeys}
	if cfg.MissLimit > 0 {
		wsBody["miss_limit"] = cfg.MissLimit
	}
	if err := admin.call(ctx, http.MethodPut, "/v1/workspaces/"+id, wsBody, &created); err != nil {
		return nil, fmt.Errorf("creating workspace: %w", err)
	}
	st.APIKey = created.APIKey
	ws := &api{base: admin.base, key: st.APIKey, http: hc}
	if st.APIKey == "" { // an older server: act on it with the admin key
		ws.key, ws.workspace = cfg.AdminKey, id
		st.APIKey = cfg.AdminKey
	}
	q := map[string]any{"name": "Bench", "accept_mode": "manual", "offer_mode": "single", "wrapup_timeout": 30}
	if cfg.OfferTimeout > 0 {
		q["offer_timeout"] = cfg.OfferTimeout.Seconds()
	}
	if cfg.Broadcast > 0 {
		q["offer_mode"], q["max_offers"] = "broadcast", cfg.Broadcast
	}
	if err := ws.call(ctx, http.MethodPut, "/v1/queues/"+QueueID, q, nil); err != nil {
		return nil, fmt.Errorf("creating queue: %w", err)
	}
	queues := []string{QueueID}
	if cfg.Expertise != "" {
		q["name"], q["expertise"] = "Bench "+cfg.Expertise, []string{cfg.Expertise}
		if cfg.ExpertiseDrop > 0 {
			q["steps"] = []map[string]any{{"after": cfg.ExpertiseDrop.Seconds(), "drop_expertise": true}}
		}
		if err := ws.call(ctx, http.MethodPut, "/v1/queues/"+ExpertiseQueueID, q, nil); err != nil {
			return nil, fmt.Errorf("creating queue: %w", err)
		}
		queues = append(queues, ExpertiseQueueID)
	}
	slots := cfg.slots()
	for i := range cfg.Agents {
		aid := agentID(i)
		body := map[string]any{"name": fmt.Sprintf("Bench Agent %d", i+1), "queues": queues,
			"languages": map[string]any{"primary": cfg.agentLanguage(i)},
			"capacity":  map[string]int{"chat": slots[presence.Chat], "voice": slots[presence.Voice], "email": slots[presence.Email]}}
		if cfg.expert(aid, i) {
			body["expertise"] = []string{cfg.Expertise}
		}
		if err := ws.call(ctx, http.MethodPut, "/v1/agents/"+aid, body, nil); err != nil {
			return nil, fmt.Errorf("creating agent: %w", err)
		}
		var tok struct {
			Token string `json:"token"`
		}
		if err := ws.call(ctx, http.MethodPost, "/v1/agents/"+aid+"/token", nil, &tok); err != nil {
			return nil, fmt.Errorf("agent token: %w", err)
		}
		st.Agents = append(st.Agents, AgentCred{ID: aid, Token: tok.Token})
	}
	return st, nil
}
