package load

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/bench/sim"
	"github.com/switchboardhq/switchboard/server"
)

// TestExpertiseRun: a run routed by expertise (--expertise) on a real
// server. The bench makes a second queue that requires billing for a
// second, gives billing to a quarter of the agents, and sends half of its
// visitors and callers there. The server routes as told: no offer of that
// queue's contacts goes to an agent without billing before the step. The
// run's documents, status log, agents and queues are then a real day
// routed by expertise: `simulate --history … --profiles --queue-settings`
// gives the billing agents the work they did that day, and without the
// queues it gives them only their share.
func TestExpertiseRun(t *testing.T) {
	exports := t.TempDir()
	addr := startServerWith(t, server.Config{ExportDir: exports, ExportDelay: -1})
	cfg := Config{Addr: addr, AdminKey: "k", Agents: 8, Capacity: 1, Rate: 6, Calls: 1, Duration: 10 * time.Second, Seed: 7,
		ChatLength: 600 * time.Millisecond, MessageGap: 150 * time.Millisecond, CallLength: 600 * time.Millisecond,
		AcceptDelay: 20 * time.Millisecond, Drain: 15 * time.Second,
		Expertise: " Billing ", ExpertiseContacts: 0.5, ExpertiseDrop: time.Second}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	onlyLeaveRaces(t, res.Errors, true, false)
	e := res.Expertise
	if e == nil || e.Label != "billing" || e.Queue != ExpertiseQueueID || e.Agents != 2 || e.DropSec != 1 ||
		e.Visitors == 0 || e.Visitors >= res.Visitors || e.Calls == 0 || e.Calls >= res.Calls || int64(e.Answer.Count) != e.Visitors {
		t.Fatalf("the run's expertise %+v; %d visitors, %d calls", e, res.Visitors, res.Calls)
	}
	if s := res.Simulated; s == nil || s.Expertise == nil || s.Expertise.Contacts != e.Visitors || res.ChatsIdeal != nil {
		t.Errorf("the simulator's replay of the run %+v; an ideal queue %+v", s, res.ChatsIdeal)
	}
	if s := res.Simulated; s != nil && s.Expertise != nil {
		t.Logf("its billing visitors' answer (ms): the run p50 %.1f, mean %.1f; the simulator's replay of the run p50 %.1f, mean %.1f",
			e.Answer.P50, e.Answer.Mean, s.Expertise.Answer.P50, s.Expertise.Answer.Mean)
	}
	var table bytes.Buffer
	if err := res.WriteTable(&table); err != nil || !strings.Contains(table.String(), "expertise billing (queue bench-expertise, its step drops it after 1s): 2 of 8 agents have it") ||
		!strings.Contains(table.String(), "  its billing visitors") {
		t.Errorf("the table (%v):\n%s", err, table.String())
	}

	// The server has the queue and the agents as the bench set them up.
	var q struct {
		Expertise []string `json:"expertise"`
		Steps     []struct {
			After         float64 `json:"after"`
			DropExpertise bool    `json:"drop_expertise"`
		} `json:"steps"`
	}
	if code, body := apiGet(t, addr, res.Workspace, "/v1/queues/"+ExpertiseQueueID); code != 200 || json.Unmarshal(body, &q) != nil ||
		!slices.Equal(q.Expertise, []string{"billing"}) || len(q.Steps) != 1 || q.Steps[0].After != 1 || !q.Steps[0].DropExpertise {
		t.Fatalf("GET the expertise queue: %d %s", code, body)
	}
	code, agentsBody := apiGet(t, addr, res.Workspace, "/v1/agents")
	var listed struct {
		Agents []struct {
			ID        string   `json:"id"`
			Queues    []string `json:"queues"`
			Expertise []string `json:"expertise"`
		} `json:"agents"`
	}
	if code != 200 || json.Unmarshal(agentsBody, &listed) != nil || len(listed.Agents) != cfg.Agents {
		t.Fatalf("GET /v1/agents: %d %s", code, agentsBody)
	}
	experts := map[string]bool{}
	for _, a := range listed.Agents {
		if len(a.Expertise) > 0 {
			experts[a.ID] = true
		}
		if !slices.Equal(a.Queues, []string{QueueID, ExpertiseQueueID}) {
			t.Errorf("agent %s serves %v", a.ID, a.Queues)
		}
	}
	if len(experts) != 2 || !experts["agent-00004"] || !experts["agent-00008"] {
		t.Fatalf("agents with billing: %v (want agents 4 and 8)", experts)
	}

	// Every contact's document: in the queue the bench sent it to, and
	// offered to a billing agent alone until its step.
	contacts := res.Visitors + res.Calls
	waitExports(t, exports, res.Workspace, contacts)
	files, err := filepath.Glob(filepath.Join(exports, res.Workspace, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	inQueue, handled, early, late := 0, map[bool]int{}, 0, 0
	var waits []float64 // the expertise queue's answered contacts' waits
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Queue    struct{ ID string }
			Agent    *struct{ ID string }
			Queued   time.Time
			WaitTime float64 `json:"wait_time"`
			Offers   []struct {
				Agent string
				At    time.Time
			}
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Agent != nil {
			handled[experts[doc.Agent.ID]]++
		}
		if doc.Queue.ID != ExpertiseQueueID {
			continue
		}
		inQueue++
		if doc.Agent != nil {
			waits = append(waits, doc.WaitTime)
		}
		for _, o := range doc.Offers {
			switch waited := o.At.Sub(doc.Queued); {
			case waited < 900*time.Millisecond && !experts[o.Agent]:
				t.Errorf("%s: offered to %s, without billing, %v after it queued", filepath.Base(f), o.Agent, waited)
			case waited < 900*time.Millisecond:
				early++
			case !experts[o.Agent]:
				late++
			}
		}
	}
	if int64(inQueue) != e.Visitors+e.Calls || early == 0 {
		t.Errorf("%d documents in the expertise queue, the bench sent %d + %d; %d offers to billing agents before the step",
			inQueue, e.Visitors, e.Calls, early)
	}
	dayASA := 0.0
	for _, w := range waits {
		dayASA += w / float64(len(waits))
	}
	t.Logf("the run: %d visitors and %d calls, %d + %d requiring billing; offers before the step %d, to agents without billing after it %d; handled by billing agents %d, by the others %d",
		res.Visitors, res.Calls, e.Visitors, e.Calls, early, late, handled[true], handled[false])

	// The day replayed: the expertise queue's wait and the billing
	// agents' work with the server's queues, and its wait without them.
	saved := saveDay(t, addr, res.Workspace, exports)
	replay := func(extra ...string) (asa float64, billing int, r sim.Report) {
		t.Helper()
		r = simulateJSON(t, append(saved.args("--accept", "manual", "--accept-delay", "0.02"), extra...)...)
		for _, q := range r.Queues { // named as the documents name them: Bench_billing
			if strings.HasSuffix(q.Name, "billing") {
				asa = q.Simulated.ASA
			}
		}
		for _, tm := range r.Teams {
			if slices.Contains(tm.Expertise, "billing") {
				billing += tm.Handled
			}
		}
		return asa, billing, r
	}
	asa, billing, routed := replay("--queue-settings", saved.queues)
	asaAlone, _, alone := replay()
	if rt := routed.History.Routing; rt == nil || rt.Queues != 2 || rt.Routed != 1 || routed.Simulated.Arrivals != int(contacts) ||
		alone.Simulated.Arrivals != int(contacts) {
		t.Errorf("the replay's routing %+v; %d and %d arrivals of %d", rt, routed.Simulated.Arrivals, alone.Simulated.Arrivals, contacts)
	}
	if math.Abs(asa-dayASA) > 0.3*dayASA || math.Abs(asaAlone-dayASA) < 2*math.Abs(asa-dayASA) ||
		math.Abs(float64(billing-handled[true])) > 0.15*float64(handled[true]) {
		t.Errorf("the expertise queue's ASA: %.3f s in the day, %.3f s replayed with the queues, %.3f s without; handled by billing agents: %d in the day, %d replayed",
			dayASA, asa, asaAlone, handled[true], billing)
	}
	t.Logf("the expertise queue's ASA: the day %.3f s, replayed with the queues %.3f s, without %.3f s; handled by billing agents: the day %d, replayed %d",
		dayASA, asa, asaAlone, handled[true], billing)
}

// TestQueueOfIsTheContactsOwn: the queue of a contact is its own draw: a
// share ExpertiseContacts of the contacts, the same at every draw, apart
// for visitors, calls and emails, and drawn beside the arrivals, which
// are those of the run without expertise.
func TestQueueOfIsTheContactsOwn(t *testing.T) {
	plain := Config{Rate: 5, Calls: 1, Duration: time.Hour, ChatLength: time.Minute, Seed: 3, Worker: 2}
	cfg := plain
	cfg.Expertise, cfg.ExpertiseContacts = "billing", 0.3
	n, same := 20000, 0
	count := map[uint64]int{}
	for i := 1; i <= n; i++ {
		if queueOf(plain, chatKind, i) != QueueID {
			t.Fatal("a run without expertise has one queue")
		}
		for _, kind := range []uint64{chatKind, callKind, emailKind} {
			if q := queueOf(cfg, kind, i); q == ExpertiseQueueID {
				count[kind]++
			} else if q != QueueID {
				t.Fatalf("queue %q", q)
			}
		}
		if queueOf(cfg, chatKind, i) != queueOf(cfg, chatKind, i) {
			t.Fatal("a contact's queue changed between two draws")
		}
		if queueOf(cfg, chatKind, i) == queueOf(cfg, callKind, i) {
			same++
		}
	}
	for kind, c := range count {
		if share := float64(c) / float64(n); math.Abs(share-0.3) > 0.015 {
			t.Errorf("kind %x: %.3f of the contacts in the expertise queue, want 0.3", kind, share)
		}
	}
	if share := float64(same) / float64(n); math.Abs(share-0.58) > 0.02 { // 0.3² + 0.7², when apart
		t.Errorf("visitor and call n in the same queue %.3f of the time: their draws are not apart", share)
	}
	var a, b []plannedChat
	for c := range chatsOf(plain) {
		a = append(a, c)
	}
	for c := range chatsOf(cfg) {
		b = append(b, c)
	}
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Errorf("the visitors of a run with expertise differ from those without (%d, %d)", len(a), len(b))
	}
}

// TestSimulatedRunHasTheExpertise: the simulator's replay of a run with
// expertise has its two queues, the step, the agents who have it in their
// own teams, and each contact in the queue it arrived in.
func TestSimulatedRunHasTheExpertise(t *testing.T) {
	w := Config{Rate: 4, Calls: 1, Capacity: 2, Duration: time.Minute, ChatLength: 10 * time.Second, CallLength: 10 * time.Second, Seed: 1,
		Languages: []string{"en", "es"}, Expertise: "billing", ExpertiseAgents: 0.25, ExpertiseContacts: 0.5, ExpertiseDrop: 20 * time.Second}
	cfg, ok := simConfig([]Config{w}, 8, w.slots())
	if !ok {
		t.Fatal("not replayed")
	}
	// Agents 4 and 8 have billing; the even numbers speak Spanish.
	want := []sim.Team{{Agents: 4, Languages: []string{"en"}}, {Agents: 2, Languages: []string{"es"}},
		{Agents: 2, Languages: []string{"es"}, Expertise: []string{"billing"}}}
	if !reflect.DeepEqual(cfg.Teams, want) {
		t.Errorf("teams %+v, want %+v", cfg.Teams, want)
	}
	if len(cfg.Queues) != 2 || cfg.Queues[0].Name != QueueID || cfg.Queues[1].Name != ExpertiseQueueID ||
		!slices.Equal(cfg.Queues[1].Expertise, []string{"billing"}) ||
		!reflect.DeepEqual(cfg.Queues[1].Steps, []sim.QueueStep{{After: 20 * time.Second, DropExpertise: true}}) {
		t.Errorf("queues %+v", cfg.Queues)
	}
	byQueue := map[string]int{}
	for _, a := range cfg.Arrivals {
		byQueue[a.Queue]++
	}
	if byQueue[QueueID] == 0 || byQueue[ExpertiseQueueID] == 0 || byQueue[QueueID]+byQueue[ExpertiseQueueID] != len(cfg.Arrivals) {
		t.Errorf("arrivals by queue %v of %d", byQueue, len(cfg.Arrivals))
	}
	s := simulateRun([]Config{w}, 8, w.slots(), 0)
	if s == nil || s.Error != "" || s.Expertise == nil || s.Chats == nil || s.Expertise.Contacts == 0 || s.Expertise.Contacts >= s.Chats.Contacts {
		t.Errorf("the replay %+v", s)
	}
}
