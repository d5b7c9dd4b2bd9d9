package load

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/bench/internal/reporttest"
)

// TestBenchCallsAgainstServer runs calls over the HTTP API beside chats
// against a real server: every call posted is offered, answered, reported
// connected and ended, and wrapped up, and the server's own records say
// the same.
func TestBenchCallsAgainstServer(t *testing.T) {
	addr := startServer(t)
	res, page := benchMain(t, "--addr", addr, "--admin-key", "k", "--agents", "4", "--rate", "3", "--calls", "5",
		"--duration", "3s", "--call-length", "300ms", "--chat-length", "500ms", "--message-gap", "150ms",
		"--accept-delay", "10ms", "--drain", "10s")
	// The chats beside may end as an agent's echo crosses the visitor's
	// leave; nothing else may fail.
	onlyLeaveRaces(t, res.Errors, true, false)
	if res.Calls < 5 || res.CallsAnswered != res.Calls || res.CallsEnded != res.Calls || res.CallRate != 5 {
		t.Fatalf("calls %d answered %d ended %d at %v/s", res.Calls, res.CallsAnswered, res.CallsEnded, res.CallRate)
	}
	if res.Chats < 2 {
		t.Errorf("chats %d beside the calls", res.Chats)
	}
	if res.CallsIdeal != nil || res.ChatsIdeal != nil {
		t.Errorf("an ideal queue for agents who chat and take calls: %+v, %+v", res.CallsIdeal, res.ChatsIdeal)
	}
	if sm := res.Simulated; sm == nil || sm.Calls == nil || sm.Chats == nil || sm.Calls.Contacts != res.Calls || sm.Chats.Contacts != res.Visitors ||
		sm.Calls.Answered != res.Calls || sm.Chats.Answered != res.Visitors {
		t.Errorf("the simulator, for %d calls and %d visitors who all wait: %+v", res.Calls, res.Visitors, sm)
	}
	for name, s := range map[string]Summary{"call_post_ms": res.CallPost, "call_offer_latency_ms": res.CallOffer, "call_event_ms": res.CallEvent} {
		if !(s.P50 > 0 && s.P50 <= s.P90 && s.P90 <= s.P99 && s.P99 <= s.Max && s.Max < 5000) {
			t.Errorf("%s: %+v", name, s)
		}
	}
	if res.CallPost.Count != uint64(res.Calls) || res.CallOffer.Count != uint64(res.Calls) || res.CallEvent.Count != 2*uint64(res.Calls) {
		t.Errorf("counts: post %d offer %d events %d for %d calls", res.CallPost.Count, res.CallOffer.Count, res.CallEvent.Count, res.Calls)
	}
	// The chats' offer histogram holds no call: at most one offer per
	// visitor (none was revoked: no error, agents accept at once).
	if res.Offer.Count < uint64(res.Chats) || res.Offer.Count > uint64(res.Visitors) {
		t.Errorf("chat offers %d for %d chats of %d visitors", res.Offer.Count, res.Chats, res.Visitors)
	}

	// The server's records: every call of the workspace is a finished
	// voice session, connected, ended by the customer and wrapped up by an
	// agent.
	cards := searchSessions(t, addr, res.Workspace)
	var voice, done int64
	for _, c := range cards {
		if c.Channel != "voice_inbound" {
			continue
		}
		voice++
		if c.StateName == "finished" && c.WrapupCode == "done" && c.ConnectedAt != "" && c.Agent != nil {
			done++
		}
	}
	if voice != res.Calls || done != res.Calls {
		t.Errorf("server: %d voice sessions, %d connected, ended and wrapped up; the bench posted %d", voice, done, res.Calls)
	}

	reports(t, res, page, []string{"call offer (POST → offer)", "5 calls/s"}, []string{"call posted → offer", "calls active"})
}

// benchMain runs Main with args, its JSON and an HTML report, and returns
// the result and the report.
func benchMain(t *testing.T, args ...string) (*Result, []byte) {
	t.Helper()
	var out, errb bytes.Buffer
	html := t.TempDir() + "/report.html"
	if code := Main(append(args, "--json", "--quiet", "--html", html), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	return &res, page
}

// inBrowser checks the report page in Chromium (reporttest.Check), in a
// subtest that skips without a browser or in -short mode.
func inBrowser(t *testing.T, name string, page []byte) {
	t.Helper()
	t.Run("browser", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), name+".html")
		if err := os.WriteFile(path, page, 0o644); err != nil {
			t.Fatal(err)
		}
		reporttest.Check(t, reporttest.Page{Name: name, Path: path})
	})
}

// reports checks that res's table holds each of inTable and its HTML
// report page each of inPage.
func reports(t *testing.T, res *Result, page []byte, inTable, inPage []string) {
	t.Helper()
	var table strings.Builder
	if err := res.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, s := range inTable {
		if !strings.Contains(table.String(), s) {
			t.Errorf("the table has no %q: %s", s, table.String())
		}
	}
	for _, s := range inPage {
		if !bytes.Contains(page, []byte(s)) {
			t.Errorf("the HTML report has no %q", s)
		}
	}
}

// TestBenchCallsOnly: --calls without --rate opens no visitor; the table
// sets the run beside the ideal queue of its calls, in which each of these
// patient callers is answered too.
func TestBenchCallsOnly(t *testing.T) {
	addr := startServer(t)
	res, err := Run(context.Background(), Config{Addr: addr, AdminKey: "k", Agents: 2, Calls: 6, Duration: 2 * time.Second,
		CallLength: 100 * time.Millisecond, AcceptDelay: -1, Drain: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Visitors != 0 || res.Chats != 0 || res.Calls < 3 || res.CallsEnded != res.Calls || len(res.Errors) != 0 {
		t.Errorf("visitors %d chats %d calls %d ended %d errors %v", res.Visitors, res.Chats, res.Calls, res.CallsEnded, res.Errors)
	}
	if id := res.CallsIdeal; id == nil || id.Calls != res.Calls || id.Answered != res.Calls || id.Wait.Count != uint64(res.Calls) {
		t.Errorf("the ideal queue of %d calls: %+v", res.Calls, id)
	}
	var table strings.Builder
	if err := res.WriteTable(&table); err != nil || !strings.Contains(table.String(), "an ideal queue, the same callers") ||
		!strings.Contains(table.String(), "in an ideal queue") {
		t.Errorf("the table: %v\n%s", err, table.String())
	}
}

// TestCallRefusalsCounted: a call the server refuses is counted under its
// problem code, not retried and not timed.
func TestCallRefusalsCounted(t *testing.T) {
	addr := startServer(t)
	ctx := context.Background()
	cfg, st := prepared(t, Config{Addr: addr, AdminKey: "k", Agents: 1, Calls: 1, Duration: time.Second})
	r := &runner{cfg: cfg, setup: st, errors: map[string]int64{}, callPost: NewHist(), callEvent: NewHist(),
		api: &api{base: "http://" + addr, key: st.APIKey}, apiClients: newCallClients(addr, 1)}
	defer r.apiClients.close()
	r.event(ctx, "no-such-session", "connected")
	r.api.key = "wrong"
	r.placeCall(ctx, 1)
	if r.errors["call_connected_not_found"] != 1 || r.errors["call_post_unauthorized"] != 1 || r.callPost.N != 0 || r.callEvent.N != 0 {
		t.Errorf("errors %v, timed %d posts %d events", r.errors, r.callPost.N, r.callEvent.N)
	}
}

func TestNewCallClientsSpreadsLocalAddresses(t *testing.T) {
	if n := len(newCallClients("127.0.0.1:1", 1000).clients); n != 7 {
		t.Errorf("%d clients for 1,000 calls/s on loopback, want 7", n)
	}
	if n := len(newCallClients("example.com:80", 1000).clients); n != 1 {
		t.Errorf("%d clients for a remote server, want 1", n)
	}
}

type searchedCard struct {
	Session     string `json:"session"`
	Channel     string `json:"channel"`
	StateName   string `json:"state_name"`
	WrapupCode  string `json:"wrapup_code"`
	ConnectedAt string `json:"connected_at"`
	EndedAt     string `json:"ended_at"`
	Contact     struct {
		Name string `json:"name"`
	} `json:"contact"`
	Agent *struct {
		ID string `json:"id"`
	} `json:"agent"`
}

// searchSessions lists every session of workspace ws through the API.
func searchSessions(t *testing.T, addr, ws string) []searchedCard {
	t.Helper()
	a := &api{base: "http://" + addr, key: "k", workspace: ws, http: &http.Client{Timeout: 10 * time.Second}}
	var all []searchedCard
	cursor := ""
	for {
		var page struct {
			Sessions []searchedCard `json:"sessions"`
			Cursor   string         `json:"cursor"`
		}
		if err := a.call(context.Background(), http.MethodGet, "/v1/sessions?limit=100&cursor="+url.QueryEscape(cursor), nil, &page); err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Sessions...)
		if page.Cursor == "" || len(page.Sessions) == 0 {
			return all
		}
		cursor = page.Cursor
	}
}

// TestBenchCallersAbandon: with one agent on long calls and callers of
// little patience, most callers hang up in the queue. Every call is
// answered or abandoned, the hub counts the same abandonments, and every
// call ends. The calls are the seed's (callsOf): as many as the ideal
// queue replays, each talking for its own talk time.
func TestBenchCallersAbandon(t *testing.T) {
	addr := startServer(t)
	cfg := Config{Addr: addr, AdminKey: "k", Agents: 1, Calls: 10, Duration: 2 * time.Second, Seed: 3,
		CallLength: 400 * time.Millisecond, Patience: 300 * time.Millisecond, AcceptDelay: -1, Drain: 10 * time.Second}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// A caller who hangs up as the agent answers makes both counts move
	// (and its accept may be refused): rare, and named when it happens.
	onlyLeaveRaces(t, res.Errors, false, true)
	if res.Calls < 10 || res.CallsAbandoned == 0 || res.CallsAnswered == 0 || res.CallsAnswered+res.CallsAbandoned < res.Calls {
		t.Fatalf("calls %d answered %d abandoned %d", res.Calls, res.CallsAnswered, res.CallsAbandoned)
	}
	a := &api{base: "http://" + addr, key: "k", workspace: res.Workspace, http: &http.Client{Timeout: 10 * time.Second}}
	var q struct {
		Stats struct {
			Abandoned int64 `json:"abandoned"`
			Answered  int64 `json:"answered"`
		} `json:"stats"`
	}
	if err := a.call(context.Background(), http.MethodGet, "/v1/queues/"+QueueID, nil, &q); err != nil {
		t.Fatal(err)
	}
	if q.Stats.Abandoned != res.CallsAbandoned {
		t.Errorf("the hub counts %d abandoned, the bench %d", q.Stats.Abandoned, res.CallsAbandoned)
	}
	var overs []time.Duration // each answered call's talk, beyond its own
	for _, c := range searchSessions(t, addr, res.Workspace) {
		if c.StateName != "finished" {
			t.Errorf("call %s is %s after the drain", c.Session, c.StateName)
		}
		if c.ConnectedAt == "" {
			continue
		}
		st, ok := stampOf(c.Contact.Name)
		from, err1 := time.Parse(time.RFC3339Nano, c.ConnectedAt)
		to, err2 := time.Parse(time.RFC3339Nano, c.EndedAt)
		if !ok || st.kind != workCall || st.worker != 0 || err1 != nil || err2 != nil {
			t.Fatalf("call %+v", c)
		}
		over := to.Sub(from) - callTalk(cfg, 0, st.n)
		if over < -2*time.Millisecond || over > 500*time.Millisecond {
			t.Errorf("call %d talked %v, %v over its own talk time", st.n, to.Sub(from), over)
		}
		overs = append(overs, over)
	}
	slices.Sort(overs)
	if len(overs) == 0 || overs[len(overs)/2] > 60*time.Millisecond {
		t.Errorf("answered calls talked %v beyond their own talk times", overs)
	}
	id := res.CallsIdeal
	if id == nil || id.Calls != res.Calls || id.Answered+id.Abandoned != id.Calls {
		t.Fatalf("the ideal queue of the run's calls: %+v, against %d calls", id, res.Calls)
	}
	if d := id.Abandoned - res.CallsAbandoned; d < -3 || d > 3 {
		t.Errorf("%d of %d callers hung up, %d in the ideal queue", res.CallsAbandoned, res.Calls, id.Abandoned)
	}
	if sm := res.Simulated; sm == nil || sm.Calls == nil || sm.Chats != nil || sm.Calls.Abandoned != id.Abandoned || sm.Calls.Answered != id.Answered {
		t.Errorf("the simulator of the run's calls: %+v, against the ideal queue's %+v", sm, id)
	}
	t.Logf("calls %d answered %d abandoned %d; hub: answered %d abandoned %d; ideal: abandoned %d; talk beyond the call's own %v",
		res.Calls, res.CallsAnswered, res.CallsAbandoned, q.Stats.Answered, q.Stats.Abandoned, id.Abandoned, overs)
}

// TestRevokedOffersAreNotAccepted: callers and visitors who give up while
// the agent's phone rings (patience well under the accept delay) take
// their offers back, and the agents' desktops drop them instead of
// accepting them late: no accept is refused.
func TestRevokedOffersAreNotAccepted(t *testing.T) {
	addr := startServer(t)
	res, err := Run(context.Background(), Config{Addr: addr, AdminKey: "k", Agents: 2, Rate: 4, Calls: 6, Duration: 2 * time.Second,
		CallLength: 100 * time.Millisecond, ChatLength: 100 * time.Millisecond, AcceptDelay: 400 * time.Millisecond,
		Patience: 50 * time.Millisecond, Drain: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.CallsAbandoned == 0 || res.Abandoned == 0 || res.Revoked == 0 || len(res.Errors) != 0 {
		t.Errorf("calls abandoned %d, visitors abandoned %d, offers revoked %d, errors %v", res.CallsAbandoned, res.Abandoned, res.Revoked, res.Errors)
	}
}

// TestBenchVisitorsAbandon: with one agent of two chat slots, long chats
// and visitors of little patience, many visitors leave before an agent
// joins, some of them while the agent's offer rings. Every visitor is
// answered or abandons, every chat ends, and the server loses about the
// visitors an ideal queue of the same visitors and slots loses.
func TestBenchVisitorsAbandon(t *testing.T) {
	addr := startServer(t)
	cfg := Config{Addr: addr, AdminKey: "k", Agents: 1, Capacity: 2, Rate: 8, Duration: 2 * time.Second, Seed: 5,
		ChatLength: 400 * time.Millisecond, MessageGap: 100 * time.Millisecond, Patience: 300 * time.Millisecond,
		AcceptDelay: 50 * time.Millisecond, Drain: 10 * time.Second}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// A visitor who leaves as the agent accepts makes both counts move
	// (its accept may be refused, or the agent's echo cross its leave):
	// rare, and named when it happens.
	onlyLeaveRaces(t, res.Errors, true, false)
	if res.Visitors < 8 || res.Abandoned == 0 || res.Chats == 0 || res.Finished != res.Visitors || res.Chats+res.Abandoned < res.Visitors {
		t.Fatalf("visitors %d chats %d abandoned %d finished %d", res.Visitors, res.Chats, res.Abandoned, res.Finished)
	}
	id := res.ChatsIdeal
	if id == nil || id.Chats != res.Visitors || id.Answered+id.Abandoned != id.Chats || id.Answer.Count != uint64(id.Answered) {
		t.Fatalf("the ideal queue of the run's visitors: %+v, against %d visitors", id, res.Visitors)
	}
	if id.Offer.Count <= uint64(id.Answered) {
		t.Errorf("no visitor of the ideal queue left while its offer rang: %+v", id)
	}
	if d := id.Abandoned - res.Abandoned; d < -3 || d > 3 {
		t.Errorf("%d of %d visitors left, %d in the ideal queue", res.Abandoned, res.Visitors, id.Abandoned)
	}
	if sm := res.Simulated; sm == nil || sm.Chats == nil || sm.Chats.Abandoned != id.Abandoned || sm.Chats.Offer.Count != id.Offer.Count {
		t.Errorf("the simulator of the run's visitors: %+v, against the ideal queue's %+v", sm, id)
	}
	var table bytes.Buffer
	if err := res.WriteTable(&table); err != nil || !strings.Contains(table.String(), "an ideal queue, the same visitors and chat slots") ||
		!strings.Contains(table.String(), "the simulator, the same visitors and agents") || !strings.Contains(table.String(), "  in the simulator") {
		t.Errorf("table: %v\n%s", err, table.String())
	}
	t.Logf("visitors %d chats %d abandoned %d revoked %d; ideal: answered %d abandoned %d (offered %d)",
		res.Visitors, res.Chats, res.Abandoned, res.Revoked, id.Answered, id.Abandoned, id.Offer.Count)
}

// TestBenchCallersHangUpWhileRinging: agents who take 150 ms to answer
// and callers of 300 ms of patience: some callers hang up while an
// agent's phone rings (the call is still queued), as they do in the ideal
// queue of the same callers, which loses about as many.
func TestBenchCallersHangUpWhileRinging(t *testing.T) {
	addr := startServer(t)
	cfg := Config{Addr: addr, AdminKey: "k", Agents: 2, Calls: 10, Duration: 2 * time.Second, Seed: 8,
		CallLength: 300 * time.Millisecond, Patience: 300 * time.Millisecond, AcceptDelay: 150 * time.Millisecond, Drain: 10 * time.Second}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	onlyLeaveRaces(t, res.Errors, false, true)
	id := res.CallsIdeal
	if id == nil || id.Calls != res.Calls || res.Calls < 10 {
		t.Fatalf("the ideal queue of %d calls: %+v", res.Calls, id)
	}
	if id.Wait.Count <= uint64(id.Answered) || res.Revoked == 0 {
		t.Errorf("no caller hung up while the phone rang: ideal %+v, bench offers revoked %d", id, res.Revoked)
	}
	if d := id.Abandoned - res.CallsAbandoned; d < -3 || d > 3 {
		t.Errorf("%d of %d callers hung up, %d in the ideal queue", res.CallsAbandoned, res.Calls, id.Abandoned)
	}
	t.Logf("calls %d answered %d abandoned %d, offers revoked %d; ideal: answered %d abandoned %d (offered %d)",
		res.Calls, res.CallsAnswered, res.CallsAbandoned, res.Revoked, id.Answered, id.Abandoned, id.Wait.Count)
}

// onlyLeaveRaces fails t unless every error in errs is a customer leaving
// as its agent answered, which the hub refuses as a conflict: for
// visitors, an accept or an echo that crossed the visitor's leave; for
// callers, an accept, or the connected event, that crossed the caller's
// hang-up.
func onlyLeaveRaces(t *testing.T, errs map[string]int64, visitors, callers bool) {
	t.Helper()
	for k := range errs {
		visitor := k == "agent_error_conflict_on_accept" || k == "agent_error_conflict_on_send"
		caller := k == "agent_error_conflict_on_call_accept" || k == "call_connected_conflict"
		if !(visitors && visitor || callers && caller) {
			t.Errorf("errors %v", errs)
		}
	}
}
