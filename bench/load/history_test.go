package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/bench/sim"
	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/server"
)

// TestHistoryOfABenchRun: a real server exports its sessions' documents
// to its directory as a run of visitors, callers and emails goes through
// it; `switchboard simulate --history` reads that directory back: every
// contact of the run, with its media and fate, and replays them with the
// run's agents.
func TestHistoryOfABenchRun(t *testing.T) {
	exports := t.TempDir()
	addr := startServerWith(t, server.Config{ExportDir: exports, ExportDelay: -1})
	cfg := Config{Addr: addr, AdminKey: "k", Agents: 2, Capacity: 2, Rate: 5, Calls: 1, Emails: 2,
		Duration: 2 * time.Second, Seed: 3, ChatLength: 400 * time.Millisecond, MessageGap: 100 * time.Millisecond,
		CallLength: 300 * time.Millisecond, EmailLength: 300 * time.Millisecond, Patience: 400 * time.Millisecond,
		AcceptDelay: 20 * time.Millisecond, Drain: 10 * time.Second}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	onlyLeaveRaces(t, res.Errors, true, true)
	contacts := res.Visitors + res.Calls + res.Emails
	if res.Visitors == 0 || res.Calls == 0 || res.Emails == 0 || res.Abandoned+res.CallsAbandoned == 0 {
		t.Fatalf("visitors %d, calls %d, emails %d, abandoned %d + %d", res.Visitors, res.Calls, res.Emails, res.Abandoned, res.CallsAbandoned)
	}
	// Every session's document is written once it ends.
	waitExports(t, exports, res.Workspace, contacts)

	h, err := sim.ReadHistory(exports, sim.HistoryOptions{Workspace: res.Workspace})
	if err != nil {
		t.Fatal(err)
	}
	byMedia := map[presence.Media]int64{}
	for _, a := range h.Arrivals {
		byMedia[a.Media]++
	}
	if int64(len(h.Arrivals)) != contacts || byMedia[presence.Chat] != res.Visitors || byMedia[presence.Voice] != res.Calls ||
		byMedia[presence.Email] != res.Emails || h.Agents < 1 || h.Agents > cfg.Agents {
		t.Fatalf("history: %d contacts %v of %d files, skipped %v, %d agents; the run: %d visitors, %d calls, %d emails",
			len(h.Arrivals), byMedia, h.Files, h.Skipped, h.Agents, res.Visitors, res.Calls, res.Emails)
	}
	if h.Abandons == 0 || !(h.Patience > 0) {
		t.Errorf("no patience from the history: %d abandons, %v", h.Abandons, h.Patience)
	}

	r := simulateJSON(t, "--history", exports, "--workspace", res.Workspace, "--agents", "2", "--capacity", "chat=2,email=5",
		"--accept", "manual", "--accept-delay", "0.02")
	seen := r.History.Observed
	// What the documents say happened is what the bench saw: a contact
	// left unanswered, or was answered. A visitor who leaves as its agent
	// accepts may count on both sides (onlyLeaveRaces).
	if left := res.Abandoned + res.CallsAbandoned; int64(seen.Arrivals) != contacts || int64(seen.Abandoned) > left+2 || int64(seen.Abandoned) < left-2 {
		t.Errorf("observed %+v; the bench: %d contacts, %d abandoned", seen, contacts, left)
	}
	if r.Simulated.Arrivals != seen.Arrivals || r.Input.Agents != 2 || len(r.Media) != 3 {
		t.Errorf("replay: %d arrivals of %d, %d agents, media %+v", r.Simulated.Arrivals, seen.Arrivals, r.Input.Agents, r.Media)
	}
	for _, m := range r.Media {
		if m.Observed == nil || m.Observed.Arrivals == 0 {
			t.Errorf("%s: observed %+v", m.Media, m.Observed)
		}
	}
	t.Logf("the run: %d contacts, %d abandoned; observed %+v; replayed %+v", contacts, res.Abandoned+res.CallsAbandoned, seen, r.Simulated)

	// The agents' status log, a page of one at a time, saved as it comes,
	// staffs the replay minute by minute (--schedule available).
	statuses := saveStatuses(t, addr, res.Workspace, 1)
	start := h.Start.Add(h.Arrivals[0].At).Truncate(time.Minute)
	r = simulateJSON(t, "--history", exports, "--workspace", res.Workspace, "--statuses", statuses,
		"--from", start.Format(time.RFC3339), "--to", start.Add(10*time.Minute).Format(time.RFC3339), "--interval", "60",
		"--schedule", "available", "--capacity", "chat=2,email=5", "--accept", "manual", "--accept-delay", "0.02")
	if a := r.Intervals[0].AgentsAvailable; r.History.StatusesAgents != cfg.Agents || !(a > 0 && a <= float64(cfg.Agents)) || r.Simulated.Arrivals != seen.Arrivals {
		t.Errorf("on the status log: %d agents in it, the first minute %g available, %d arrivals of %d",
			r.History.StatusesAgents, a, r.Simulated.Arrivals, seen.Arrivals)
	}
	for k, iv := range r.Intervals { // each agent on shift as the log says: their mean, rounded
		if math.Abs(float64(r.Input.Schedule[k])-iv.AgentsAvailable) > 0.501 {
			t.Errorf("minute %d: %g agents available, %d on shift", k, iv.AgentsAvailable, r.Input.Schedule[k])
		}
	}
	// The bench's agents set themselves available; the hub may set one
	// away for missed offers (a slow machine), and sets them offline once
	// their sockets' grace has run out.
	entries, err := sim.ReadStatuses(statuses)
	if err != nil {
		t.Fatal(err)
	}
	first := map[string]bool{}
	for _, e := range entries {
		if !first[e.Agent] && e.Status != "available" || e.Status == "offline" && e.Reason != "disconnected" ||
			e.Status == "away" && e.Reason != "missed_offers" {
			t.Errorf("status log: %+v", e)
		}
		first[e.Agent] = true
	}
	t.Logf("the status log: %d changes; agents available by the minute from %s: %v", r.History.Statuses, start.Format(time.TimeOnly), r.Input.Schedule)

	// The server's agents (GET /v1/agents) give each agent of the log
	// their own queues, languages and capacities (--profiles).
	code, body := apiGet(t, addr, res.Workspace, "/v1/agents")
	agents := filepath.Join(t.TempDir(), "agents.json")
	if err := os.WriteFile(agents, body, 0o600); err != nil || code != 200 {
		t.Fatalf("GET /v1/agents: %d %s (%v)", code, body, err)
	}
	day := savedDay{exports: exports, workspace: res.Workspace, statuses: statuses, agents: agents, start: start}
	own := simulateJSON(t, day.args("--accept", "manual", "--accept-delay", "0.02")...)
	if ro := own.History.Roster; ro == nil || ro.Profiled != cfg.Agents || ro.Unknown != 0 || ro.Idle != 0 || ro.Profiles != 1 ||
		len(own.Teams) != 1 || own.Teams[0].Capacity["chat"] != cfg.Capacity || own.Teams[0].Capacity["voice"] != 1 ||
		own.Simulated.Arrivals != seen.Arrivals {
		t.Errorf("the roster %+v, teams %+v, %d arrivals of %d", own.History.Roster, own.Teams, own.Simulated.Arrivals, seen.Arrivals)
	}
	t.Logf("with the agents' own profiles: teams %+v; replayed %+v", own.Teams, own.Simulated)

	// The server's queues (GET /v1/queues, their live stats included)
	// route the replay as they route the server (--queue-settings): the
	// bench's require no expertise, and the replay is the one above; once
	// a queue requires expertise no agent has for its first 30 s, its
	// contacts wait for the step that drops it, and are taken as it comes.
	withQueues := func() sim.Report {
		t.Helper()
		code, body := apiGet(t, addr, res.Workspace, "/v1/queues")
		path := filepath.Join(t.TempDir(), "queues.json")
		if err := os.WriteFile(path, body, 0o600); err != nil || code != 200 {
			t.Fatalf("GET /v1/queues: %d %s (%v)", code, body, err)
		}
		return simulateJSON(t, day.args("--accept", "manual", "--accept-delay", "0.02", "--queue-settings", path)...)
	}
	same := withQueues()
	if rt := same.History.Routing; rt == nil || rt.Queues != len(h.Queues) || rt.Routed != 0 || same.Simulated != own.Simulated {
		t.Errorf("with the bench's queues: routing %+v; replayed %+v, without them %+v", rt, same.Simulated, own.Simulated)
	}
	var listed struct{ Queues []map[string]any }
	if _, body := apiGet(t, addr, res.Workspace, "/v1/queues"); json.Unmarshal(body, &listed) != nil || len(listed.Queues) == 0 {
		t.Fatalf("GET /v1/queues: %s", body)
	}
	q := listed.Queues[0]
	delete(q, "stats")
	q["expertise"], q["steps"] = []string{"billing"}, []map[string]any{{"after": 30, "drop_expertise": true}}
	if code, body := apiPut(t, addr, res.Workspace, "/v1/queues/"+q["id"].(string), q); code != 200 {
		t.Fatalf("PUT the queue: %d %s", code, body)
	}
	skilled := withQueues()
	// At this load an agent is free when the step comes: each contact
	// still there at 30 s is taken then, and none before.
	if rt := skilled.History.Routing; rt == nil || rt.Routed != 1 || skilled.Simulated.Answered == 0 || math.Abs(skilled.Simulated.ASA-30) > 0.5 {
		t.Errorf("with a queue requiring billing for 30 s: routing %+v; replayed %+v, without %+v", rt, skilled.Simulated, own.Simulated)
	}
	t.Logf("queue %s requiring billing for 30 s: replayed %+v", q["id"], skilled.Simulated)
	if os.Getenv("SWITCHBOARD_HISTORY_TABLE") != "" {
		var table, errb bytes.Buffer
		if code := sim.Main([]string{"--history", exports, "--agents", "2", "--capacity", "chat=2,email=5", "--quiet"}, &table, &errb); code == 0 {
			t.Log("\n" + table.String())
		}
	}
}

// saveStatuses saves the status log of workspace ws from the server at
// addr, its pages of limit entries one after the other as they come, to
// a new file: its path.
func saveStatuses(t *testing.T, addr, ws string, limit int) string {
	t.Helper()
	var log bytes.Buffer
	for cursor, pages := "", 0; ; pages++ {
		code, body := apiGet(t, addr, ws, fmt.Sprintf("/v1/agent-statuses?limit=%d&cursor=%s", limit, url.QueryEscape(cursor)))
		var page struct{ Cursor string }
		if code != 200 || json.Unmarshal(body, &page) != nil || pages > 10000 {
			t.Fatalf("the status log after %q: %d %s", cursor, code, body)
		}
		log.Write(append(body, '\n'))
		if cursor = page.Cursor; cursor == "" {
			break
		}
	}
	path := filepath.Join(t.TempDir(), "statuses.json")
	if err := os.WriteFile(path, log.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestMissesInTheLog: the bench's agents let half of their offers ring
// out; the real hub sets an agent who missed 2 in a row away (the bench
// workspace's miss_limit, --miss-limit 2), the agent
// comes back 2 s later, and the server's status log shows each away and
// return. simulate --history --statuses --miss observed reads them: as
// many aways as the run counted, the time to come back, and a rate.
func TestMissesInTheLog(t *testing.T) {
	exports := t.TempDir()
	addr := startServerWith(t, server.Config{ExportDir: exports, ExportDelay: -1})
	cfg := Config{Addr: addr, AdminKey: "k", Agents: 8, Capacity: 2, Rate: 8, Duration: 8 * time.Second, Seed: 4,
		ChatLength: 300 * time.Millisecond, MessageGap: 100 * time.Millisecond, AcceptDelay: 20 * time.Millisecond,
		Miss: 0.5, MissLimit: 2, BackAfter: 2 * time.Second, OfferTimeout: time.Second, Drain: 15 * time.Second}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	onlyLeaveRaces(t, res.Errors, true, false)
	if res.OffersMissed == 0 || res.SetAway == 0 || res.ChatsIdeal != nil || res.Simulated == nil || res.Simulated.Chats == nil {
		t.Fatalf("offers missed %d, set away %d; ideal %v, simulated %+v", res.OffersMissed, res.SetAway, res.ChatsIdeal, res.Simulated)
	}
	// The bench set its workspace's miss_limit, and the run's own
	// replay in the simulator took it.
	if code, body := apiGet(t, addr, res.Workspace, "/v1/workspace"); code != 200 || !strings.Contains(string(body), `"miss_limit":2`) {
		t.Errorf("the bench workspace: %d %s", code, body)
	}
	var table strings.Builder
	if err := res.WriteTable(&table); err != nil || res.MissLimit != 2 || !strings.Contains(table.String(), "agents set away for 2 in a row") {
		t.Errorf("the result's miss limit %d (%v):\n%s", res.MissLimit, err, table.String())
	}
	// A visitor whose offers every agent missed waits on: the hub never
	// offers a contact again to an agent who missed it. Its document is
	// not written until it leaves.
	waitExports(t, exports, res.Workspace, res.Chats)
	statuses := saveStatuses(t, addr, res.Workspace, 50)
	entries, err := sim.ReadStatuses(statuses)
	if err != nil {
		t.Fatal(err)
	}
	// An agent set away less than 2 s before the run ended left before
	// coming back: the log then says offline, once its grace is over.
	aways, backs, since := 0, 0, map[string]time.Time{}
	for _, e := range entries {
		if at, ok := since[e.Agent]; ok && e.Status != "offline" {
			delete(since, e.Agent)
			backs++
			if back := e.At.Sub(at); e.Status != "available" || back < 2*time.Second || back > 3*time.Second {
				t.Errorf("%s set away at %s: then %s after %v", e.Agent, at.Format(time.StampMilli), e.Status, back)
			}
		}
		if e.Status == "away" && e.Reason == "missed_offers" {
			if e.MissLimit != 2 {
				t.Errorf("%s set away for missing %d offers in a row, the workspace's miss_limit is 2", e.Agent, e.MissLimit)
			}
			aways++
			since[e.Agent] = e.At
		}
	}
	if int64(aways) != res.SetAway || backs == 0 {
		t.Errorf("the log has %d aways for missed offers and %d returns, the run counted %d aways", aways, backs, res.SetAway)
	}
	r := simulateJSON(t, "--history", exports, "--workspace", res.Workspace, "--statuses", statuses, "--agents", "8", "--capacity", "2",
		"--accept", "manual", "--accept-delay", "0.02", "--accept-dist", "constant", "--offer-timeout", "1", "--miss", "observed")
	// The documents list their offers: the replay takes their count of
	// the offers not taken, which is the run's own (those that rang out,
	// and those rerouted as they rang when their agent was set away for
	// the others), and shows the status log's estimate beside it. On a
	// busy machine an offer may ring out or be rerouted before the bench
	// accepted it (an accept cut short, or sent too late and refused:
	// an error on accept), and a visitor leaving at the end may withdraw
	// an offer the bench let ring: the documents count each as not taken.
	late := res.AcceptsCut
	for k, n := range res.Errors {
		if strings.HasSuffix(k, "_on_accept") {
			late += n
		}
	}
	e, o := r.History.Misses, r.History.Offers
	if e == nil || int64(e.Aways) != res.SetAway || e.Backs != backs || !(e.BackAfter >= 2 && e.BackAfter < 3) || !(e.Rate > 0) ||
		!e.Counted || e.Replayed || math.Abs(r.Input.BackAfter-e.BackAfter) > 1e-6 || e.Limit != 2 || r.Input.MissLimit != 2 {
		t.Errorf("the estimate %+v; the input %+v", e, r.Input)
	}
	if o == nil || int64(o.Missed+o.Rerouted+o.Withdrawn) != res.OffersMissed+late || int64(o.Documents) != res.Chats || !o.ReplayedMiss || o.ReplayedDelay ||
		r.Input.Miss != o.MissRate || o.MissRate != float64(o.Missed+o.Rerouted)/float64(o.Accepted+o.Declined+o.Missed+o.Rerouted) ||
		!(o.MissLow < o.MissRate && o.MissRate < o.MissHigh) {
		t.Errorf("the documents' offers %+v, the run let %d ring out and had %d accepts cut or refused; the input's miss %v", o, res.OffersMissed, late, r.Input.Miss)
	}
	// The agents accepted 20 ms after the offer reached them: the
	// documents' delays add the trip to the agent and back.
	r2 := simulateJSON(t, "--history", exports, "--workspace", res.Workspace, "--agents", "8", "--capacity", "2",
		"--accept", "manual", "--accept-delay", "observed", "--accept-dist", "constant", "--offer-timeout", "1", "--miss", "observed")
	o2 := r2.History.Offers
	if o2 == nil || !o2.ReplayedDelay || !o2.ReplayedMiss || r2.History.Misses != nil || o2.Missed != o.Missed ||
		r2.Input.AcceptDelay != o2.AcceptDelay || !(o2.AcceptDelay >= 0.02 && o2.AcceptP50 >= 0.02 && o2.AcceptDelay < 0.5) {
		t.Errorf("the documents' offers %+v; the input %+v", o2, r2.Input)
	}
	t.Logf("the run: %d visitors, %d chats, %d offers let ring out, set away %d times; the log: %+v; the documents: %+v", res.Visitors, res.Chats, res.OffersMissed, res.SetAway, *e, *o)
}

// waitExports waits for n session documents of workspace ws in the
// exports directory.
func waitExports(t *testing.T, exports, ws string, n int64) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(exports, ws, "*.json"))
		if int64(len(files)) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d documents exported for %d contacts", len(files), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// savedDay is what a replay of a bench run's day reads beside its
// exports, saved from the server once the run is over as a team would
// save it: the status log, the agents and the queues; and the minute the
// day's first contact arrived in.
type savedDay struct {
	exports, workspace       string
	statuses, agents, queues string
	start                    time.Time
}

func saveDay(t *testing.T, addr, ws, exports string) savedDay {
	t.Helper()
	d := savedDay{exports: exports, workspace: ws, statuses: saveStatuses(t, addr, ws, 100)}
	dir := t.TempDir()
	for _, f := range []struct {
		path *string
		api  string
	}{{&d.agents, "/v1/agents"}, {&d.queues, "/v1/queues"}} {
		code, body := apiGet(t, addr, ws, f.api)
		*f.path = filepath.Join(dir, strings.TrimPrefix(f.api, "/v1/")+".json")
		if err := os.WriteFile(*f.path, body, 0o600); err != nil || code != 200 {
			t.Fatalf("GET %s: %d %s (%v)", f.api, code, body, err)
		}
	}
	h, err := sim.ReadHistory(exports, sim.HistoryOptions{Workspace: ws})
	if err != nil {
		t.Fatal(err)
	}
	d.start = h.Start.Add(h.Arrivals[0].At).Truncate(time.Minute)
	return d
}

// args are simulate's arguments to replay the ten minutes from the day's
// start by the minute, each agent on shift as the log says with their own
// profile, and then more.
func (d savedDay) args(more ...string) []string {
	return append([]string{"--history", d.exports, "--workspace", d.workspace, "--statuses", d.statuses, "--profiles", d.agents,
		"--from", d.start.Format(time.RFC3339), "--to", d.start.Add(10 * time.Minute).Format(time.RFC3339), "--interval", "60",
		"--schedule", "available"}, more...)
}

// apiPut puts body, as JSON, at path in workspace ws of the server at addr.
func apiPut(t *testing.T, addr, ws, path string, body any) (int, []byte) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return apiDo(t, addr, ws, "PUT", path, bytes.NewReader(b))
}

// apiGet reads path of workspace ws from the server at addr with the
// admin key: the status code and the body.
func apiGet(t *testing.T, addr, ws, path string) (int, []byte) {
	t.Helper()
	return apiDo(t, addr, ws, "GET", path, nil)
}

// apiDo sends a request to workspace ws of the server at addr, with the
// admin key: the answer's status and body.
func apiDo(t *testing.T, addr, ws, method, path string, body io.Reader) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+addr+path, body)
	req.Header.Set("Authorization", "Bearer k")
	req.Header.Set("Switchboard-Workspace", ws)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// TestMissingAgentsAndDeclines: two agents of eight let most of their
// offers ring (--miss-agents), and four decline two fifths of those they
// answer (--decline, --decline-agents). The documents say so: only those
// two let offers ring out, only those four declined, and the declines
// are the bench's. simulate --miss observed and --decline observed give
// the replay's agents rates as far apart.
func TestMissingAgentsAndDeclines(t *testing.T) {
	exports := t.TempDir()
	addr := startServerWith(t, server.Config{ExportDir: exports, ExportDelay: -1})
	cfg := Config{Addr: addr, AdminKey: "k", Agents: 8, Capacity: 2, Rate: 8, Duration: 8 * time.Second, Seed: 5,
		ChatLength: 300 * time.Millisecond, MessageGap: 100 * time.Millisecond, AcceptDelay: 20 * time.Millisecond,
		Miss: 0.8, MissAgents: 0.25, Decline: 0.4, DeclineAgents: 0.5, MissLimit: 2, BackAfter: 2 * time.Second, OfferTimeout: time.Second, Drain: 15 * time.Second}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	onlyLeaveRaces(t, res.Errors, true, false)
	if res.OffersMissed == 0 || res.SetAway == 0 || res.OffersDeclined == 0 {
		t.Fatalf("offers missed %d, set away %d, declined %d", res.OffersMissed, res.SetAway, res.OffersDeclined)
	}
	waitExports(t, exports, res.Workspace, res.Chats)
	files, err := filepath.Glob(filepath.Join(exports, res.Workspace, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	rang, declines, declined := map[string]int{}, map[string]int{}, 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Offers []struct{ Agent, Result string }
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		for _, o := range doc.Offers {
			switch o.Result {
			case "missed":
				rang[o.Agent]++
			case "declined":
				declined++
				declines[o.Agent]++
			}
		}
	}
	// agent-00004 and agent-00008: a quarter of the agents, spread.
	for a := range rang {
		if a != "agent-00004" && a != "agent-00008" {
			t.Errorf("%s let offers ring out (%v): only agents 4 and 8 miss", a, rang)
		}
	}
	if len(rang) != 2 || int64(declined) != res.OffersDeclined {
		t.Errorf("offers rang out %v; the documents have %d declined, the bench %d", rang, declined, res.OffersDeclined)
	}
	// agents 2, 4, 6 and 8: half of them.
	for a := range declines {
		if !slices.Contains([]string{"agent-00002", "agent-00004", "agent-00006", "agent-00008"}, a) {
			t.Errorf("%s declined (%v): only the even agents decline", a, declines)
		}
	}
	r := simulateJSON(t, "--history", exports, "--workspace", res.Workspace, "--agents", "8", "--capacity", "2",
		"--accept", "manual", "--accept-delay", "observed", "--accept-dist", "constant", "--offer-timeout", "1", "--miss-limit", "2",
		"--miss", "observed", "--decline", "observed")
	o := r.History.Offers
	if o == nil || o.ByAgent == nil || o.ByAgent.Agents != 8 || !(o.ByAgent.Spread > 0.3) || !o.ByAgent.Replayed ||
		!(o.ByAgent.Max > 0.5) || !(o.ByAgent.Min < 0.05) {
		t.Fatalf("the documents' offers %+v, by agent %+v", o, o.ByAgent)
	}
	a := r.Input.AgentMiss
	if len(a) != 8 || slices.Max(a) < 0.5 || slices.Min(a) > 0.05 || o.Declined != declined ||
		!o.ReplayedDecline || r.Input.Decline != o.DeclineRate || r.Input.DeclineDelay != o.DeclineDelay || r.Offers.Declined == 0 {
		t.Errorf("the replay's agents' misses %v, declines %v after %v s (the documents' %d: %v after %v s); the replay declined %d",
			a, r.Input.Decline, r.Input.DeclineDelay, o.Declined, o.DeclineRate, o.DeclineDelay, r.Offers.Declined)
	}
	// An agent who let every offer ring answered none: the pooled share.
	d, ad := o.DeclineByAgent, r.Input.AgentDecline
	if d == nil || d.Agents < 6 || !(d.Spread > 0.1) || !d.Replayed || len(ad) != 8 || slices.Max(ad) < 0.25 || slices.Min(ad) > 0.05 {
		t.Errorf("declines by agent %+v; the replay's agents' own %v", d, ad)
	}
	t.Logf("the run: %d chats, %d rang out, %d declined, set away %d times; the documents: %+v, by agent %+v, declines by agent %+v",
		res.Chats, res.OffersMissed, res.OffersDeclined, res.SetAway, *o, *o.ByAgent, d)
}

// simulateJSON runs switchboard simulate with args (and --quiet --json),
// failing t unless it succeeds: its report.
func simulateJSON(t *testing.T, args ...string) sim.Report {
	t.Helper()
	var out, errb bytes.Buffer
	if code := sim.Main(append(args, "--quiet", "--json"), &out, &errb); code != 0 {
		t.Fatalf("simulate %q: exit %d: %s", args, code, errb.String())
	}
	var r sim.Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	return r
}
