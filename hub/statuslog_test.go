package hub

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/switchboardhq/switchboard/persist"
	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
)

// TestStatusLog: every change of an agent's own status is logged with the
// commit of its cycle, at the hub's time: set by the agent, offline after
// the last socket's grace, and offline when deleted while on. What the hub
// derives from the agent's load (busy, after-call work) is not logged.
func TestStatusLog(t *testing.T) {
	th := newTestHub(t, Config{Router: router.Config{Grace: 10 * time.Second}})
	th.setup(QueueSpec{Queue: router.Queue{ID: "support", AcceptMode: router.Auto}}, "ana", "bo")
	agent := th.sub(Filter{Agent: "ana"})
	th.clock.Advance(time.Minute)
	th.do(StartSession{Channel: "web_chat", Queue: "support", VisitorID: "v1", Text: "hi"})
	th.do(SetPresence{Agent: "ana", Status: presence.Away})
	th.clock.Advance(5 * time.Minute)
	th.do(SetPresence{Agent: "ana", Status: presence.Available})
	th.do(SetPresence{Agent: "ana", Status: presence.Available}) // no change, no entry
	th.do(AgentDisconnect{Agent: "ana"})
	th.clock.Advance(10 * time.Second)
	for f := next(t, agent, FramePresence); f.str("status") != "offline"; f = next(t, agent, FramePresence) {
	}
	th.do(DeleteAgent{ID: "bo"})
	m := time.Minute
	want := []StatusChange{
		{Agent: "ana", At: t0, Status: presence.Available},
		{Agent: "bo", At: t0, Status: presence.Available},
		{Agent: "ana", At: t0.Add(m), Status: presence.Away},
		{Agent: "ana", At: t0.Add(6 * m), Status: presence.Available},
		{Agent: "ana", At: t0.Add(6*m + 10*time.Second), Status: presence.Offline, Reason: router.ReasonOffline},
		{Agent: "bo", At: t0.Add(6*m + 10*time.Second), Status: presence.Offline, Reason: "deleted"},
	}
	if got := th.store.Statuses(); !slices.EqualFunc(got, want, func(a, b StatusChange) bool {
		return a.Agent == b.Agent && a.At.Equal(b.At) && a.Status == b.Status && a.Reason == b.Reason
	}) {
		t.Errorf("status log:\n got %+v\nwant %+v", got, want)
	}
}

// TestMissLimitInTheLog: an away for missed offers is logged with the
// limit it came at, which SetMissLimit changes from the next miss on; a
// limit outside 1..20 is refused and changes nothing, and so is a hub
// configured with one.
func TestMissLimitInTheLog(t *testing.T) {
	if _, err := New(Config{Router: router.Config{MissLimit: router.MaxMissLimit + 1}}); err == nil {
		t.Fatal("a hub with a miss limit of 21 started")
	}
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{Queue: router.Queue{ID: "support", OfferTimeout: 5 * time.Second}}, "ana")
	for _, bad := range []int{0, -3, router.MaxMissLimit + 1} {
		if c := th.doErr(SetMissLimit{Limit: bad}); c != CodeBadRequest {
			t.Fatalf("miss limit %d: %v", bad, c)
		}
	}
	ana := th.sub(Filter{Agent: "ana"})
	// ring starts a chat and lets its offer to ana ring out.
	chats := 0
	ring := func() {
		t.Helper()
		chats++
		th.do(StartSession{Channel: "web_chat", Queue: "support", VisitorID: fmt.Sprintf("v%d", chats), Text: "hi"})
		next(t, ana, FrameOffer)
		th.clock.Advance(6 * time.Second)
		next(t, ana, FrameOfferRevoked)
	}
	away := func(want int) {
		t.Helper()
		var f frame
		for f = next(t, ana, FramePresence); f.str("status") != "away"; f = next(t, ana, FramePresence) {
		}
		if f.str("reason") != router.ReasonMissed {
			t.Fatalf("away %v", f)
		}
		got := th.store.Statuses()
		if last := got[len(got)-1]; last.Status != presence.Away || last.Reason != router.ReasonMissed || last.MissLimit != want {
			t.Fatalf("logged %+v, want an away for %d missed offers", last, want)
		}
	}
	th.do(SetMissLimit{Limit: 2})
	ring()
	ring()
	away(2)
	th.do(SetMissLimit{Limit: 1})
	th.do(SetPresence{Agent: "ana", Status: presence.Available})
	ring()
	away(1)
	// The entry as stored names the limit; other entries leave it out.
	b, err := json.Marshal(th.store.Statuses()[1:])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"status":"away","reason":"missed_offers","miss_limit":1}`) || strings.Count(string(b), "miss_limit") != 2 {
		t.Errorf("log %s", b)
	}
}

// TestStatusLogAcrossARestart: an agent on when the server stops goes
// offline in the log at the restart, written with the first commit, and
// the log on Pebble reads back in time order.
func TestStatusLogAcrossARestart(t *testing.T) {
	st := openPebble(t, vfs.NewMem(), "db")
	clock := NewManualClock(t0)
	th := runPebbleHub(t, st, clock)
	th.setup(QueueSpec{}, "ana", "bo")
	clock.Advance(time.Minute)
	th.do(SetPresence{Agent: "bo", Status: presence.Offline})
	if err := th.halt(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	th = runPebbleHub(t, st, clock)
	th.do(PutQueue{Spec: QueueSpec{Queue: router.Queue{ID: "other"}, Name: "Other"}}) // the first commit
	got := scanStatusLog(t, st)
	restart := t0.Add(time.Hour + time.Minute)
	want := []loggedStatus{
		{"ana", t0, `{"agent":"ana","at":"2026-03-02T10:00:00Z","status":"available"}`},
		{"bo", t0, `{"agent":"bo","at":"2026-03-02T10:00:00Z","status":"available"}`},
		{"bo", t0.Add(time.Minute), `{"agent":"bo","at":"2026-03-02T10:01:00Z","status":"offline"}`},
		{"ana", restart, `{"agent":"ana","at":"2026-03-02T11:01:00Z","status":"offline"}`},
	}
	if !slices.EqualFunc(got, want, func(a, b loggedStatus) bool { return a.agent == b.agent && a.at.Equal(b.at) && a.body == b.body }) {
		t.Errorf("status log:\n got %+v\nwant %+v", got, want)
	}
	// Offline since the restart, or since they went before the stop.
	for agent, since := range map[string]string{"ana": "2026-03-02T11:01:00.000Z", "bo": "2026-03-02T10:01:00.000Z"} {
		if v := th.do(ListAgents{ID: agent}).Data.(AgentView); v.Status != presence.Offline || v.StatusSince != since {
			t.Errorf("%s after the restart: %s since %s, want offline since %s", agent, v.Status, v.StatusSince, since)
		}
	}
}

// TestStatusLogAtOneInstant: changes of one agent's own status at the same
// instant (one cycle's batch, or a clock that has not moved) are each
// logged, a nanosecond apart in the order they came, and the Pebble log
// keeps them all; another agent's at that instant keeps its time.
func TestStatusLogAtOneInstant(t *testing.T) {
	st := openPebble(t, vfs.NewMem(), "db")
	clock := NewManualClock(t0)
	th := runPebbleHub(t, st, clock)
	th.setup(QueueSpec{}, "ana", "bo")
	th.do(SetPresence{Agent: "ana", Status: presence.Away})
	th.do(SetPresence{Agent: "ana", Status: presence.Available})
	th.do(SetPresence{Agent: "bo", Status: presence.Away})
	th.do(SetPresence{Agent: "ana", Status: presence.Offline})
	if err := th.halt(); err != nil {
		t.Fatal(err)
	}
	th = runPebbleHub(t, st, clock) // the clock still has not moved
	th.do(SetPresence{Agent: "bo", Status: presence.Available})
	type entry struct {
		agent  string
		at     time.Time
		status string
	}
	var got []entry
	for _, e := range scanStatusLog(t, st) {
		var c StatusChange
		if err := json.Unmarshal([]byte(e.body), &c); err != nil {
			t.Fatal(err)
		}
		if !c.At.Equal(e.at) {
			t.Errorf("%s's entry at %v says %v", e.agent, e.at, c.At)
		}
		got = append(got, entry{e.agent, e.at.UTC(), c.Status.String()})
	}
	ns := time.Nanosecond
	want := []entry{ // in the log's order: time, then agent
		{"ana", t0, "available"},
		{"bo", t0, "available"},
		{"ana", t0.Add(ns), "away"},
		{"bo", t0.Add(ns), "away"},
		{"ana", t0.Add(2 * ns), "available"},
		{"bo", t0.Add(2 * ns), "offline"}, // the restart
		{"ana", t0.Add(3 * ns), "offline"},
		{"bo", t0.Add(3 * ns), "available"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("status log:\n got %+v\nwant %+v", got, want)
	}
}

// TestStatusSince: an agent's view and presence frames say since when the
// status others see has been what it is, derived statuses (busy) included;
// a change of load or profile that leaves it as it is does not restart it.
func TestStatusSince(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{Queue: router.Queue{ID: "support", AcceptMode: router.Auto}})
	th.do(PutAgent{Profile: presence.Profile{ID: "cy", Name: "Cy", Capacity: presence.Capacity{presence.Chat: 1}}, Queues: []string{"support"}})
	agent := th.sub(Filter{Agent: "cy"})
	th.do(AgentConnect{Agent: "cy"})
	since := func() string {
		t.Helper()
		return th.do(ListAgents{ID: "cy"}).Data.(AgentView).StatusSince
	}
	if got := since(); got != "2026-03-02T10:00:00.000Z" {
		t.Fatalf("a new agent's status since %q, want its creation", got)
	}
	th.clock.Advance(time.Minute)
	th.do(SetPresence{Agent: "cy", Status: presence.Available})
	if f := next(t, agent, FramePresence); f.str("status") != "available" || f.str("status_since") != "2026-03-02T10:01:00.000Z" {
		t.Fatalf("presence %v", f)
	}
	th.clock.Advance(time.Minute)
	rep := th.do(StartSession{Channel: "web_chat", Queue: "support", VisitorID: "v1", Text: "hi"})
	if f := next(t, agent, FramePresence); f.str("status") != "busy" || f.str("status_since") != "2026-03-02T10:02:00.000Z" {
		t.Fatalf("presence with a chat: %v", f)
	}
	th.clock.Advance(time.Minute)
	th.do(PutAgent{Profile: presence.Profile{ID: "cy", Name: "Cy Renamed", Capacity: presence.Capacity{presence.Chat: 1}}, Queues: []string{"support"}})
	if got := since(); got != "2026-03-02T10:02:00.000Z" {
		t.Errorf("renamed while busy: since %q, want 10:02", got)
	}
	th.clock.Advance(time.Minute)
	th.do(End{Session: rep.Session, By: Party{Kind: "agent", ID: "cy"}})
	th.clock.Advance(time.Minute) // busy through the wrap-up too
	th.do(Wrapup{Agent: "cy", Session: rep.Session, Code: "solved"})
	for f := next(t, agent, FramePresence); f.str("status") != "available"; f = next(t, agent, FramePresence) {
	}
	if got := since(); got != "2026-03-02T10:05:00.000Z" {
		t.Errorf("free again: since %q, want 10:05", got)
	}
}

// loggedStatus is an entry of the status log on Pebble: its key's agent
// and time, and its body.
type loggedStatus struct {
	agent string
	at    time.Time
	body  string
}

// scanStatusLog reads the whole status log of the test workspace from st,
// in the log's order.
func scanStatusLog(t *testing.T, st *persist.Store) []loggedStatus {
	t.Helper()
	var out []loggedStatus
	if err := st.ScanStatuses(testWS, time.Time{}, time.Time{}, time.Time{}, "", func(at time.Time, agent string, val []byte) error {
		out = append(out, loggedStatus{agent, at, string(val)})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStatusLogOfAnAgentCreatedAgain: an agent deleted and created again
// under the same id at one instant keeps every entry of the log: the
// deletion's offline is not overwritten by the new agent's first change.
// The hub keeps the deleted agent's time no longer: the new agent takes
// it, and a later deletion drops what the clock has passed.
func TestStatusLogOfAnAgentCreatedAgain(t *testing.T) {
	st := openPebble(t, vfs.NewMem(), "db")
	clock := NewManualClock(t0)
	th := runPebbleHub(t, st, clock)
	th.setup(QueueSpec{}, "ana")
	again := func() {
		th.do(DeleteAgent{ID: "ana"})
		th.do(PutAgent{Profile: presence.Profile{ID: "ana", Name: "Ana Again", Capacity: presence.Capacity{presence.Chat: 1}},
			Queues: []string{"support"}})
		th.do(AgentConnect{Agent: "ana"})
		th.do(SetPresence{Agent: "ana", Status: presence.Available})
	}
	again()
	clock.Advance(time.Second)
	th.do(SetPresence{Agent: "ana", Status: presence.Away})
	again()
	clock.Advance(time.Second)
	th.do(Stats{}) // a cycle past the deletion's time: nothing left to keep
	if err := th.halt(); err != nil {
		t.Fatal(err)
	}
	if len(th.goneLogged) != 0 {
		t.Errorf("deleted agents' times kept past them: %v", th.goneLogged)
	}
	var got []string
	for _, e := range scanStatusLog(t, st) {
		var c StatusChange
		if err := json.Unmarshal([]byte(e.body), &c); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("+%v %s %s", e.at.Sub(t0), c.Status, c.Reason))
	}
	want := []string{
		"+0s available ",
		"+1ns offline deleted",
		"+2ns available ",
		"+1s away ",
		"+1.000000001s offline deleted",
		"+1.000000002s available ",
	}
	if !slices.Equal(got, want) {
		t.Errorf("status log:\n got %q\nwant %q", got, want)
	}
}
