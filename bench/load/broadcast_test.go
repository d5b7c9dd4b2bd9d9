package load

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/bench/sim"
	"github.com/switchboardhq/switchboard/server"
)

// TestBroadcastRun: a run whose queue offers each visitor to three agents
// at once (--broadcast 3), agents who let 70 % of their offers ring out. The
// server broadcasts: the documents have offers withdrawn because another
// agent took the session, and an accept that crossed such a withdrawal is
// counted as lost, not as an error. The day replayed with the server's
// queue (--queue-settings) and the agents' miss rate answers as fast as
// the server did; without it each offer rings on one agent, and a missed
// one holds its visitor for the whole offer timeout.
func TestBroadcastRun(t *testing.T) {
	exports := t.TempDir()
	addr := startServerWith(t, server.Config{ExportDir: exports, ExportDelay: -1})
	cfg := Config{Addr: addr, AdminKey: "k", Agents: 16, Capacity: 1, Rate: 4, Duration: 30 * time.Second, Seed: 11,
		ChatLength: 500 * time.Millisecond, MessageGap: 150 * time.Millisecond, AcceptDelay: 100 * time.Millisecond, Drain: 15 * time.Second,
		Broadcast: 3, Miss: 0.7, MissLimit: 20, OfferTimeout: time.Second}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for k := range res.Errors {
		if k != "agent_error_conflict_on_send" { // an echo that crossed the visitor's leave
			t.Errorf("errors %v", res.Errors)
		}
	}
	if res.Broadcast != 3 || res.AcceptsLost == 0 || res.ChatsIdeal != nil || res.Simulated == nil || res.Simulated.Chats == nil {
		t.Fatalf("broadcast %d, accepts lost %d, ideal %+v, simulated %+v", res.Broadcast, res.AcceptsLost, res.ChatsIdeal, res.Simulated)
	}
	var q struct {
		OfferMode string `json:"offer_mode"`
		MaxOffers int    `json:"max_offers"`
	}
	if code, body := apiGet(t, addr, res.Workspace, "/v1/queues/"+QueueID); code != 200 || json.Unmarshal(body, &q) != nil ||
		q.OfferMode != "broadcast" || q.MaxOffers != 3 {
		t.Fatalf("GET the bench queue: %d %s", code, body)
	}
	t.Logf("the run: visitors %d, chats %d, finished %d, abandoned %d, offers missed %d, set away %d, revoked %d",
		res.Visitors, res.Chats, res.Finished, res.Abandoned, res.OffersMissed, res.SetAway, res.Revoked)
	// A visitor every agent let ring is offered to no one again: it waits
	// until the run is over, and its session is not over (not exported).
	waitExports(t, exports, res.Workspace, res.Chats)
	files, err := filepath.Glob(filepath.Join(exports, res.Workspace, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var taken, missed, waits, answered float64
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Agent    *struct{ ID string }
			WaitTime float64 `json:"wait_time"`
			Offers   []struct{ Result, Reason string }
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		for _, o := range doc.Offers {
			switch {
			case o.Result == "withdrawn" && o.Reason == "taken":
				taken++
			case o.Result == "missed":
				missed++
			}
		}
		if doc.Agent != nil {
			answered++
			waits += doc.WaitTime
		}
	}
	if taken == 0 || missed == 0 || float64(res.AcceptsLost) > taken {
		t.Errorf("the documents: %g offers withdrawn for another agent, %g rang out; the bench lost %d accepts", taken, missed, res.AcceptsLost)
	}
	day := waits / answered
	t.Logf("the run: %d visitors; offers withdrawn for another agent %g (the bench's accepts lost %d), rang out %g; ASA %.3f s; the simulator's answer mean %.1f ms, the run's %.1f ms",
		res.Visitors, taken, res.AcceptsLost, missed, day, res.Simulated.Chats.Answer.Mean, res.Answer.Mean)

	saved := saveDay(t, addr, res.Workspace, exports)
	replay := func(extra ...string) sim.Report {
		t.Helper()
		return simulateJSON(t, append(saved.args("--accept", "manual", "--accept-delay", "0.1", "--accept-dist", "constant",
			"--offer-timeout", "1", "--miss-limit", "20"), extra...)...)
	}
	// The bench's own miss rate: the documents' undercounts it, for an
	// offer another agent took first says nothing of whether its agent
	// would have let it ring.
	routed, single := replay("--queue-settings", saved.queues, "--miss", "0.7"), replay("--miss", "0.7")
	observed := replay("--queue-settings", saved.queues, "--miss", "observed")
	// The report says the documents' miss rate is low, and why.
	if o := observed.History.Offers; o == nil || float64(o.Taken) != taken || !(o.MissRate < 0.7) {
		t.Errorf("the documents' offers %+v: %g taken by another agent", o, taken)
	}
	var table, errb bytes.Buffer
	if code := sim.Main(append(saved.args("--accept", "manual", "--miss", "observed", "--quiet"), "--queue-settings", saved.queues), &table, &errb); code != 0 ||
		!strings.Contains(strings.Join(strings.Fields(table.String()), " "), "offers were a broadcast's that another agent took first") {
		t.Errorf("simulate: %d %s\n%s", code, errb.String(), table.String())
	}
	if rt := routed.History.Routing; rt == nil || rt.Routed != 1 {
		t.Errorf("the replay's routing %+v", rt)
	}
	asa, asaSingle := routed.Simulated.ASA, single.Simulated.ASA
	// A contact waits about a whole offer timeout for each round of
	// offers every agent let ring: the day and its replay draw them apart,
	// so the replay is as near the day as its own draws allow (about 15 %
	// here), and single offers far from both.
	if math.Abs(asa-day) > 0.5*math.Abs(asaSingle-day) || asaSingle < 2*day {
		t.Errorf("ASA: the day %.3f s, replayed with the queue %.3f s, without %.3f s", day, asa, asaSingle)
	}
	t.Logf("ASA: the day %.3f s, replayed with the queue %.3f s (%d offers), without %.3f s (%d offers); with the documents' miss rate %.3f: %.3f s",
		day, asa, routed.Offers.Offered, asaSingle, single.Offers.Offered, observed.Input.Miss, observed.Simulated.ASA)
}
