package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/poll"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/switchboardhq/switchboard/persist"
	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
	"go.uber.org/zap/zaptest"
)

const testWS = "acme"

// inspect is a test command: fn reads or checks the hub's state on the loop.
type inspect struct{ fn func(h *Hub, now time.Time) }

func (c inspect) apply(h *Hub, now time.Time) (Reply, error) {
	c.fn(h, now)
	return Reply{}, nil
}

// on runs fn on th's loop and waits for it.
func (th *testHub) on(fn func(h *Hub, now time.Time)) { th.do(inspect{fn}) }

// openPebble opens a persist.Store in dir on fs, closed at the end of the
// test unless closed before.
func openPebble(t testing.TB, fs vfs.FS, dir string) *persist.Store {
	t.Helper()
	st, err := persist.Open(dir, persist.Options{FS: fs, Logger: zaptest.NewLogger(t).Named(dir)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// runPebbleHub builds (recovering) and runs a hub of testWS on st.
func runPebbleHub(t testing.TB, st *persist.Store, clock *ManualClock) *testHub {
	t.Helper()
	h, err := New(Config{Workspace: testWS, Clock: clock, Store: NewPebbleStore(st, testWS),
		Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return runHub(t, h, clock)
}

func runHub(t testing.TB, h *Hub, clock *ManualClock) *testHub {
	th := &testHub{Hub: h, t: t, clock: clock, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	th.stop = cancel
	go func() { th.done <- h.Run(ctx) }()
	t.Cleanup(func() { th.halt() })
	return th
}

// halt stops th's loop and returns what Run returned; it may be called
// again.
func (th *testHub) halt() error {
	th.stop()
	select {
	case err := <-th.done:
		th.done <- err
		return err
	case <-time.After(5 * time.Second):
		th.t.Error("hub did not stop")
		return nil
	}
}

// offerTo returns the pending offer of session id to agent.
func (th *testHub) offerTo(agent, id string) router.OfferID {
	th.t.Helper()
	var found router.OfferID
	th.on(func(h *Hub, _ time.Time) {
		for _, o := range h.r.AgentOffers(nil, agent) {
			if o.Session == id {
				found = o.ID
			}
		}
	})
	if found == 0 {
		th.t.Fatalf("no offer of %s to %s", id, agent)
	}
	return found
}

// offeredTo returns the agent session id is offered to.
func (th *testHub) offeredTo(id string, agents ...string) (string, router.OfferID) {
	th.t.Helper()
	var agent string
	var offer router.OfferID
	th.on(func(h *Hub, _ time.Time) {
		for _, a := range agents {
			for _, o := range h.r.AgentOffers(nil, a) {
				if o.Session == id {
					agent, offer = a, o.ID
				}
			}
		}
	})
	if offer == 0 {
		th.t.Fatalf("session %s offered to none of %v", id, agents)
	}
	return agent, offer
}

// hubState is what recovery must bring back, as the tests compare it.
type hubState struct {
	Queues   map[string]string                 // id -> stored record
	Agents   map[string]string                 // id -> profile and queues
	Waiting  map[string][]string               // queue -> waiting sessions in routing order
	Sessions map[string]string                 // id -> state and agent
	Slots    map[string][presence.NumMedia]int // agent -> active slots
	Wrapup   map[string][presence.NumMedia]int // agent -> slots in wrap-up
	Offer    router.OfferID                    // next offer id
	LastID   uint64
}

func (th *testHub) state() hubState {
	th.t.Helper()
	var st hubState
	th.on(func(h *Hub, now time.Time) {
		st = hubState{Queues: map[string]string{}, Agents: map[string]string{}, Waiting: map[string][]string{},
			Sessions: map[string]string{}, Slots: map[string][presence.NumMedia]int{},
			Wrapup: map[string][presence.NumMedia]int{}, Offer: h.r.NextOfferID(), LastID: h.lastID}
		for id, q := range h.queues {
			rec, _ := json.Marshal(q.spec.record())
			st.Queues[id] = string(rec)
			st.Waiting[id] = h.r.Waiting(nil, id, now)
		}
		for id, a := range h.agents {
			st.Agents[id] = fmt.Sprintf("%+v %v", a.profile, a.queues)
			p := h.r.Agent(id)
			var act, wr [presence.NumMedia]int
			for m := range act {
				act[m], wr[m] = p.Active(presence.Media(m)), p.InWrapup(presence.Media(m))
			}
			st.Slots[id], st.Wrapup[id] = act, wr
		}
		for id, s := range h.sessions {
			ra, known := h.r.SessionAgent(id)
			st.Sessions[id] = fmt.Sprintf("%s agent=%s router=%v/%s", s.State, s.Agent.ID, known, ra)
		}
	})
	return st
}

// world is the scene the recovery tests build on a first hub.
type world struct {
	chat, ended     string // connected chat with messages; ended, awaiting wrap-up
	chatAgent       string
	endedAgent      string
	declined, offer string // sales: declined by carl; offered to carl at the crash
	waiting         []string
	endedAt         time.Time
	before          hubState
}

func buildWorld(t *testing.T, th *testHub) *world {
	w := &world{}
	// sales < support, and sales's step names support: recovery must put
	// the queues in an order the steps allow.
	th.do(PutQueue{Spec: QueueSpec{Queue: router.Queue{ID: "sales"}, Name: "Sales"}})
	th.do(PutQueue{Spec: QueueSpec{Queue: router.Queue{ID: "support"}, Name: "Support",
		WrapupTimeout: 30 * time.Second, WrapupCodes: []string{"solved"}}})
	th.do(PutQueue{Spec: QueueSpec{Queue: router.Queue{ID: "sales",
		Steps: []router.Step{{After: time.Hour, AddQueue: "support"}}}, Name: "Sales"}})
	for _, a := range []struct{ id, queue string }{{"ana", "support"}, {"bob", "support"}, {"carl", "sales"}} {
		th.do(PutAgent{Profile: presence.Profile{ID: a.id, Name: a.id + " Example",
			Languages: presence.Languages{Primary: "en"},
			Capacity:  presence.Capacity{presence.Voice: 1, presence.Chat: 2, presence.Email: 2}}, Queues: []string{a.queue}})
		th.do(AgentConnect{Agent: a.id})
	}
	th.do(SetPresence{Agent: "ana", Status: presence.Available})
	th.do(SetPresence{Agent: "bob", Status: presence.Available})

	start := func(queue, visitor string, prio int, text string) string {
		return th.do(StartSession{Channel: session.WebChat, Queue: queue, VisitorID: visitor, Priority: prio,
			Text: text, Contact: session.Contact{Name: visitor, Email: visitor + "@example.com", Verified: true}}).Session
	}
	w.chat = start("support", "v1", 0, "hello")
	agent, offer := th.offeredTo(w.chat, "ana", "bob")
	th.do(Accept{Agent: agent, Offer: offer})
	w.chatAgent = agent
	th.do(Send{Session: w.chat, From: Party{Kind: session.KindAgent, ID: agent}, Text: "hi, how can I help?"})
	th.do(Send{Session: w.chat, From: Party{Kind: session.KindVisitor, ID: "v1"}, Text: "my order"})

	th.clock.Advance(time.Second)
	w.ended = start("support", "v2", 0, "question")
	agent, offer = th.offeredTo(w.ended, "ana", "bob")
	th.do(Accept{Agent: agent, Offer: offer})
	w.endedAgent = agent
	th.clock.Advance(time.Second)
	w.endedAt = th.clock.Now()
	th.do(End{Session: w.ended, By: Party{Kind: session.KindVisitor, ID: "v2"}})

	// Nobody available in support: these wait, in priority then arrival
	// order; two arrive at the same instant.
	th.do(SetPresence{Agent: "ana", Status: presence.Away})
	th.do(SetPresence{Agent: "bob", Status: presence.Away})
	for i, prio := range []int{5, 2, 5, 5, 8} {
		if i != 3 {
			th.clock.Advance(time.Second)
		}
		w.waiting = append(w.waiting, start("support", fmt.Sprint("w", i), prio, ""))
	}
	// Sales: carl declines one, and has one offered when the hub stops.
	th.do(SetPresence{Agent: "carl", Status: presence.Available})
	th.clock.Advance(time.Second)
	w.declined = start("sales", "s1", 3, "")
	th.do(Decline{Agent: "carl", Offer: th.offerTo("carl", w.declined)})
	w.offer = start("sales", "s2", 4, "")
	th.offerTo("carl", w.offer)

	w.before = th.state()
	if got, want := w.before.Waiting["support"], []string{w.waiting[1], w.waiting[0], w.waiting[2], w.waiting[3], w.waiting[4]}; !slices.Equal(got, want) {
		t.Fatalf("support waiting before: %v, want %v", got, want)
	}
	if got, want := w.before.Waiting["sales"], []string{w.declined, w.offer}; !slices.Equal(got, want) {
		t.Fatalf("sales waiting before: %v, want %v", got, want)
	}
	return w
}

// TestRecovery builds a workspace on Pebble, stops the hub (or crashes: the
// disk keeps only what was synced, and the hub gets no chance to flush
// anything), and checks that a new hub on the reopened store is the same.
func TestRecovery(t *testing.T) {
	for _, mode := range []string{"stop", "crash"} {
		t.Run(mode, func(t *testing.T) {
			mem := vfs.NewCrashableMem()
			st1 := openPebble(t, mem, "db")
			th1 := runPebbleHub(t, st1, NewManualClock(t0))
			w := buildWorld(t, th1)

			var fs vfs.FS = mem
			if mode == "crash" {
				fs = mem.CrashClone(vfs.CrashCloneCfg{}) // the machine dies now
			} else {
				if err := th1.halt(); err != nil {
					t.Fatal(err)
				}
				if err := st1.Close(); err != nil {
					t.Fatal(err)
				}
			}
			st2 := openPebble(t, fs, "db")
			// The new hub's clock reads earlier than the old one's last
			// cycle: ids must still not repeat.
			clock2 := NewManualClock(t0)
			th2 := runPebbleHub(t, st2, clock2)
			checkRecovered(t, th2, w)
			if th1.halt() != nil {
				t.Error("first hub failed")
			}
		})
	}
}

func checkRecovered(t *testing.T, th *testHub, w *world) {
	rec := th.Recovered()
	if rec.Queues != 2 || rec.Agents != 3 || rec.Waiting != 7 || rec.Assigned != 1 || rec.Wrapup != 1 || rec.Other != 0 {
		t.Errorf("recovery %+v", rec)
	}
	after := th.state()
	b := w.before
	for id, q := range b.Queues {
		if after.Queues[id] != q {
			t.Errorf("queue %s: %s, want %s", id, after.Queues[id], q)
		}
	}
	for id, a := range b.Agents {
		if after.Agents[id] != a {
			t.Errorf("agent %s: %s, want %s", id, after.Agents[id], a)
		}
	}
	for q, ids := range b.Waiting {
		if !slices.Equal(after.Waiting[q], ids) {
			t.Errorf("queue %s waiting %v, want %v", q, after.Waiting[q], ids)
		}
	}
	if len(after.Sessions) != len(b.Sessions) {
		t.Errorf("%d open sessions, want %d", len(after.Sessions), len(b.Sessions))
	}
	for id, s := range b.Sessions {
		if after.Sessions[id] != s {
			t.Errorf("session %s: %s, want %s", id, after.Sessions[id], s)
		}
	}
	// Slots: the assigned and wrap-up sessions hold theirs; carl's offer
	// is gone with the crash.
	for _, a := range []string{"ana", "bob"} {
		if after.Slots[a] != b.Slots[a] || after.Wrapup[a] != b.Wrapup[a] {
			t.Errorf("agent %s slots %v wrap-up %v, want %v %v", a, after.Slots[a], after.Wrapup[a], b.Slots[a], b.Wrapup[a])
		}
	}
	if after.Slots["carl"] != ([presence.NumMedia]int{}) {
		t.Errorf("carl slots %v", after.Slots["carl"])
	}
	if after.Offer < b.Offer || after.LastID < b.LastID {
		t.Errorf("next offer %d last id %x, want at least %d %x", after.Offer, after.LastID, b.Offer, b.LastID)
	}
	// Agents come back offline, and their records and the status log say
	// so with the first commit.
	th.on(func(h *Hub, _ time.Time) {
		for id, a := range h.agents {
			if p := h.r.Agent(id); p.Status() != presence.Offline || a.stored.status != presence.Offline {
				t.Errorf("agent %s: status %s, stored %s", id, p.Status(), a.stored.status)
			}
		}
	})

	// The transcript is readable, whole and from a resume point.
	rd := th.cfg.Store.(Reader)
	msgs, err := rd.ReadMessages(w.chat, 0, 0)
	if err != nil || len(msgs) != 3 {
		t.Fatalf("messages of %s: %d, %v", w.chat, len(msgs), err)
	}
	var m session.Message
	if err := json.Unmarshal(msgs[2].Value, &m); err != nil || m.Text != "my order" || msgs[2].Seq != 3 {
		t.Errorf("last message %s seq %d, %v", msgs[2].Value, msgs[2].Seq, err)
	}
	if msgs, _ := rd.ReadMessages(w.chat, 1, 1); len(msgs) != 1 || msgs[0].Seq != 2 {
		t.Errorf("messages after 1: %v", msgs)
	}
	// The chat goes on.
	if rep := th.do(Send{Session: w.chat, From: Party{Kind: session.KindVisitor, ID: "v1"}, Text: "still there?"}); rep.Message != "4" {
		t.Errorf("message id after restart %q, want 4", rep.Message)
	}

	// Carl comes back: he is offered the session offered to him at the
	// crash, not the one he declined.
	th.do(AgentConnect{Agent: "carl"})
	th.do(SetPresence{Agent: "carl", Status: presence.Available})
	if id := th.offerTo("carl", w.offer); id < b.Offer {
		t.Errorf("offer id %d reused (next was %d)", id, b.Offer)
	}
	th.on(func(h *Hub, _ time.Time) {
		for _, o := range h.r.AgentOffers(nil, "carl") {
			if o.Session == w.declined {
				t.Errorf("declined session offered again to carl")
			}
		}
	})

	// New sessions get new ids, even with the clock behind.
	id := th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "new"}).Session
	for old := range b.Sessions {
		if id <= old {
			t.Errorf("new session id %s not after %s", id, old)
		}
	}

	// The wrap-up deadline was re-armed: it fires after the restart.
	th.clock.Set(w.endedAt.Add(30 * time.Second))
	poll.Until(t, 5*time.Second, func() error {
		var open bool
		th.on(func(h *Hub, _ time.Time) { open = h.sessions[w.ended] != nil })
		if open {
			return errNotYet
		}
		return nil
	})
	val, err := rd.ReadSession(w.ended)
	var s session.Session
	if err == nil {
		err = json.Unmarshal(val, &s)
	}
	if err != nil || s.WrapupCode != session.WrapupTimeoutCode {
		t.Errorf("ended session after its wrap-up timeout: code %q, %v", s.WrapupCode, err)
	}
	if got := th.state().Wrapup[w.endedAgent]; got != ([presence.NumMedia]int{}) {
		t.Errorf("%s still in wrap-up: %v", w.endedAgent, got)
	}
}

// TestRecoveryTwice restarts twice in a row: the second recovery reads what
// the first wrote (nothing new) and finds the same state.
func TestRecoveryTwice(t *testing.T) {
	mem := vfs.NewMem()
	st := openPebble(t, mem, "db")
	th := runPebbleHub(t, st, NewManualClock(t0))
	w := buildWorld(t, th)
	for range 2 {
		if err := th.halt(); err != nil {
			t.Fatal(err)
		}
		th = runPebbleHub(t, st, NewManualClock(t0))
		after := th.state()
		for q, ids := range w.before.Waiting {
			if !slices.Equal(after.Waiting[q], ids) {
				t.Errorf("queue %s waiting %v, want %v", q, after.Waiting[q], ids)
			}
		}
	}
}

// TestRecoveryTransferInFlight: a transfer to an agent pending at the crash
// is refused by recovery; the session stays with its agent.
func TestRecoveryTransferInFlight(t *testing.T) {
	mem := vfs.NewMem()
	st := openPebble(t, mem, "db")
	th := runPebbleHub(t, st, NewManualClock(t0))
	th.do(PutQueue{Spec: QueueSpec{Queue: router.Queue{ID: "support"}, Name: "Support"}})
	for _, a := range []string{"ana", "bob"} {
		th.do(PutAgent{Profile: presence.Profile{ID: a, Name: a, Capacity: presence.Capacity{presence.Chat: 2}},
			Queues: []string{"support"}})
		th.do(AgentConnect{Agent: a})
	}
	th.do(SetPresence{Agent: "ana", Status: presence.Available})
	id := th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1", Text: "hi"}).Session
	th.do(Accept{Agent: "ana", Offer: th.offerTo("ana", id)})
	th.do(SetPresence{Agent: "bob", Status: presence.Available})
	// Put the session in switching as a transfer to bob would, and store it.
	th.on(func(h *Hub, now time.Time) {
		s := h.sessions[id]
		if err := s.TransferToAgent("ana", "bob", "bob", "", now); err != nil {
			t.Error(err)
		}
		h.markDirty(s)
	})
	if err := th.halt(); err != nil {
		t.Fatal(err)
	}
	th = runPebbleHub(t, st, NewManualClock(t0))
	th.on(func(h *Hub, _ time.Time) {
		s := h.sessions[id]
		if s == nil || s.State != session.StateConnected || s.Agent.ID != "ana" {
			t.Fatalf("session after recovery: %+v", s)
		}
		if a, _ := h.r.SessionAgent(id); a != "ana" {
			t.Errorf("router holds %s with %q", id, a)
		}
	})
	// The refusal was stored: a second restart finds it as is.
	val, err := th.cfg.Store.(Reader).ReadSession(id)
	if err != nil {
		t.Fatal(err)
	}
	var s session.Session
	if err := json.Unmarshal(val, &s); err != nil || s.State != session.StateConnected {
		t.Errorf("stored session state %v, %v", s.State, err)
	}
}

// walFault is an errorfs predicate: a write to a write-ahead log.
type walFault struct{}

func (walFault) String() string { return "(WAL write)" }

func (walFault) Evaluate(op errorfs.Op) bool {
	return filepath.Ext(op.Path) == ".log" && (op.Kind == errorfs.OpFileWrite || op.Kind == errorfs.OpFileSyncData)
}

// TestRecoveryAfterCommitFailure: a disk fault during a commit makes the hub
// refuse with unavailable; a hub restarted on the healthy disk finds every
// acknowledged change and nothing of the refused command.
func TestRecoveryAfterCommitFailure(t *testing.T) {
	mem := vfs.NewCrashableMem()
	toggle := &errorfs.Toggle{Injector: errorfs.ErrInjected.If(walFault{})}
	st := openPebble(t, errorfs.Wrap(mem, toggle), "db")
	th := runPebbleHub(t, st, NewManualClock(t0))
	th.do(PutQueue{Spec: QueueSpec{Queue: router.Queue{ID: "support"}, Name: "Support"}})
	acked := th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1", Text: "hi"}).Session

	toggle.On()
	th.clock.Advance(time.Second)
	_, err := th.Do(context.Background(), StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v2", Text: "lost"})
	if err := isCode(err, CodeUnavailable); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(err, ErrFailed) {
		t.Errorf("error %v does not wrap ErrFailed", err)
	}
	if err := th.halt(); !errors.Is(err, ErrFailed) || !errors.Is(err, persist.ErrFailed) {
		t.Errorf("Run returned %v", err)
	}
	_, err = th.Do(context.Background(), Send{Session: acked, From: Party{Kind: session.KindVisitor, ID: "v1"}, Text: "x"})
	if err := isCode(err, CodeUnavailable); err != nil {
		t.Error(err)
	}
	crashed := mem.CrashClone(vfs.CrashCloneCfg{})
	toggle.Off()

	th2 := runPebbleHub(t, openPebble(t, crashed, "db"), NewManualClock(t0))
	if rec := th2.Recovered(); rec.Waiting != 1 || rec.Queues != 1 {
		t.Errorf("recovery %+v, want the acknowledged queue and session only", rec)
	}
	var ids []string
	th2.on(func(h *Hub, now time.Time) { ids = h.r.Waiting(nil, "support", now) })
	if !slices.Equal(ids, []string{acked}) {
		t.Errorf("waiting %v, want [%s]", ids, acked)
	}
	msgs, err := th2.cfg.Store.(Reader).ReadMessages(acked, 0, 0)
	if err != nil || len(msgs) != 1 {
		t.Errorf("messages %d, %v", len(msgs), err)
	}
}

// TestNoRecoveryForMemStore: a MemStore is not Recoverable; New starts
// empty.
func TestNoRecoveryForMemStore(t *testing.T) {
	h, err := New(Config{Store: NewMemStore()})
	if err != nil {
		t.Fatal(err)
	}
	if h.Recovered() != (Recovery{}) {
		t.Errorf("recovered %+v", h.Recovered())
	}
}

// TestRecoveryRefusesDamagedRecords: a record that does not decode stops
// New with an error naming it, instead of starting without it.
func TestRecoveryRefusesDamagedRecords(t *testing.T) {
	st := openPebble(t, vfs.NewMem(), "db")
	b := st.NewBatch()
	defer b.Close()
	b.PutQueue(testWS, "support", []byte(`{"id":`))
	if err := st.Commit(b); err != nil {
		t.Fatal(err)
	}
	_, err := New(Config{Workspace: testWS, Store: NewPebbleStore(st, testWS)})
	if err == nil {
		t.Fatal("New recovered from a damaged queue record")
	}
}
