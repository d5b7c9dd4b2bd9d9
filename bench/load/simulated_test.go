package load

import (
	"bytes"
	"context"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/bench/sim"
)

// TestSimulatorIsTheIdealQueue: where any free slot may take any customer
// (chats alone in one language; calls alone), the router on virtual time
// serves the bench's contacts as the ideal queue does: the same visitors
// and callers answered and abandoned, after the same waits. Two workers'
// contacts are merged, and customers leave while their offer rings.
func TestSimulatorIsTheIdealQueue(t *testing.T) {
	span := 2000 * s
	if testing.Short() {
		span = 400 * s
	}
	chats := Config{Seed: 3, Rate: 0.8, ChatLength: 20 * s, Patience: 15 * s, AcceptDelay: 2 * s, Capacity: 3, Duration: span, Languages: []string{"en"}}
	calls := Config{Seed: 4, Calls: 0.25, CallLength: 30 * s, Patience: 20 * s, AcceptDelay: 3 * s, Capacity: 3, Duration: span, Languages: []string{"en"}}
	for _, c := range []struct {
		name  string
		cfg   Config
		ideal func([]Config) (contacts, answered, abandoned int64, offer, answer Summary)
		got   func(*Simulated) *SimulatedContacts
	}{
		{"chats", chats, func(w []Config) (int64, int64, int64, Summary, Summary) {
			id := idealChats(w, 10*3, 0)
			return id.Chats, id.Answered, id.Abandoned, id.Offer, id.Answer
		}, func(sm *Simulated) *SimulatedContacts { return sm.Chats }},
		{"calls", calls, func(w []Config) (int64, int64, int64, Summary, Summary) {
			id := idealCalls(w, 10)
			return id.Calls, id.Answered, id.Abandoned, id.Wait, Summary{}
		}, func(sm *Simulated) *SimulatedContacts { return sm.Calls }},
	} {
		w1, w2 := c.cfg, c.cfg
		w1.Worker, w2.Worker = 1, 2
		w1.Capacity, w2.Capacity = 0, 0 // as a worker's Config: the capacity is its parent's
		workers := []Config{w1, w2}
		contacts, answered, abandoned, offer, answer := c.ideal(workers)
		sm := simulateRun(workers, 10, c.cfg.slots(), 0)
		if sm == nil || sm.Error != "" || c.got(sm) == nil {
			t.Fatalf("%s: simulated %+v", c.name, sm)
		}
		got := c.got(sm)
		if got.Contacts != contacts || got.Answered != answered || got.Abandoned != abandoned || got.Offer.Count != offer.Count {
			t.Errorf("%s: simulated %d contacts, %d answered, %d abandoned, %d offered; ideal %d, %d, %d, %d",
				c.name, got.Contacts, got.Answered, got.Abandoned, got.Offer.Count, contacts, answered, abandoned, offer.Count)
		}
		if abandoned < contacts/50 || abandoned > contacts/2 {
			t.Errorf("%s: %d of %d abandoned, want a queue that loses some", c.name, abandoned, contacts)
		}
		if math.Abs(got.Offer.Mean-offer.Mean) > 0.01 || answer.Count > 0 && math.Abs(got.Answer.Mean-answer.Mean) > 0.01 {
			t.Errorf("%s: mean offer wait %.4f ms, answer %.4f ms; ideal %.4f, %.4f", c.name, got.Offer.Mean, got.Answer.Mean, offer.Mean, answer.Mean)
		}
		t.Logf("%s: %d contacts, %d abandoned, mean offer wait %.1f ms (ideal %.1f)", c.name, got.Contacts, got.Abandoned, got.Offer.Mean, offer.Mean)
	}
	if sm := simulateRun([]Config{chats}, 10, chats.slots(), 0); sm.Calls != nil {
		t.Errorf("callers in a run of chats: %+v", sm.Calls)
	}
}

// TestSimulatorLanguagesHoldNoOneBack: with visitors in three languages,
// agents of each, and more visitors than slots, the router weighs a
// visitor's language in choosing its agent but never keeps it waiting
// beside a free slot: the same visitors are answered and abandoned as in
// the ideal queue of one pool.
func TestSimulatorLanguagesHoldNoOneBack(t *testing.T) {
	cfg := Config{Seed: 9, Rate: 1.1, ChatLength: 30 * s, AcceptDelay: s / 5, Capacity: 2, Duration: 1500 * s,
		Languages: []string{"en", "fr", "de"}, Patience: 20 * s}
	sm := simulateRun([]Config{cfg}, 16, cfg.slots(), 0)
	if sm == nil || sm.Error != "" || sm.Chats == nil {
		t.Fatalf("simulated %+v", sm)
	}
	c := sm.Chats
	q := idealChats([]Config{cfg}, 16*2, 0)
	if c.Answered+c.Abandoned != c.Contacts || c.Answer.Count != uint64(c.Answered) || c.Abandoned < c.Contacts/50 {
		t.Errorf("chats %+v", c)
	}
	if q == nil || c.Answered != q.Answered || c.Abandoned != q.Abandoned || math.Abs(c.Offer.Mean-q.Offer.Mean) > 0.01 {
		t.Errorf("simulated: %d answered, %d abandoned, mean offer wait %.3f ms; the ideal queue: %+v", c.Answered, c.Abandoned, c.Offer.Mean, q)
	}
}

// TestSimulatedOnlyForReplays: the simulator replays runs of chats,
// calls, emails or any of them together whose contacts all reached the
// server.
func TestSimulatedOnlyForReplays(t *testing.T) {
	base := Config{Seed: 1, Rate: 2, Calls: 1, ChatLength: s, CallLength: s, Capacity: 2, Duration: 10 * s, Languages: []string{"en", "es"}}
	sm := simulateRun([]Config{base}, 3, base.slots(), 0)
	if sm == nil || sm.Error != "" || sm.Chats == nil || sm.Calls == nil || sm.Chats.Contacts < 5 || sm.Calls.Contacts < 2 || sm.Emails != nil {
		t.Fatalf("chats and calls: %+v", sm)
	}
	mail := base
	mail.Emails, mail.EmailLength, mail.EmailCapacity = 1, s, 2
	sm = simulateRun([]Config{mail}, 3, mail.slots(), 0)
	if sm == nil || sm.Error != "" || sm.Chats == nil || sm.Calls == nil || sm.Emails == nil || sm.Emails.Contacts < 3 ||
		sm.Emails.Answered != sm.Emails.Contacts || sm.Emails.Abandoned != 0 {
		t.Fatalf("chats, calls and emails: %+v", sm)
	}
	mail.Rate, mail.Calls = 0, 0
	if sm = simulateRun([]Config{mail}, 3, mail.slots(), 0); sm == nil || sm.Error != "" || sm.Emails == nil || sm.Chats != nil || sm.Calls != nil {
		t.Fatalf("emails alone: %+v", sm)
	}
	for name, mod := range map[string]func(*Config){
		"no email slot":  func(c *Config) { c.Emails, c.EmailCapacity = 1, 0 },
		"no contacts":    func(c *Config) { c.Rate, c.Calls = 0, 0 },
		"a hold run":     func(c *Config) { c.Hold = s },
		"wide agents":    func(c *Config) { c.Capacity = sim.MaxCapacity + 1 },
		"no arrival yet": func(c *Config) { c.Duration = time.Nanosecond },
	} {
		cfg := base
		mod(&cfg)
		if sm := simulateRun([]Config{cfg}, 3, cfg.slots(), 0); sm != nil {
			t.Errorf("%s: %+v", name, sm)
		}
	}
	if sm := simulateRun([]Config{base}, 3, base.slots(), 1); sm != nil {
		t.Errorf("a dropped visitor: %+v", sm)
	}
	if sm := simulateRun([]Config{base}, sim.MaxAgents+1, base.slots(), 0); sm != nil {
		t.Errorf("more agents than the simulator takes: %+v", sm)
	}
	bad := base
	bad.Languages = []string{"en", "1"}
	if sm := simulateRun([]Config{bad}, 3, bad.slots(), 0); sm == nil || !strings.Contains(sm.Error, "language") {
		t.Errorf("a language the simulator cannot take: %+v", sm)
	}
}

// TestBenchBlendedAgainstTheSimulator: agents of two languages who take a
// call at a time beside two chats, visitors in both languages and callers,
// all of little patience, against a real server. The server loses about
// the visitors and callers the simulator loses of the same contacts and
// agents; the table sets them side by side.
func TestBenchBlendedAgainstTheSimulator(t *testing.T) {
	addr := startServer(t)
	cfg := Config{Addr: addr, AdminKey: "k", Agents: 3, Capacity: 2, Rate: 6, Calls: 2, Duration: 3 * s, Seed: 11,
		Languages: []string{"en", "fr"}, ChatLength: 600 * time.Millisecond, CallLength: 500 * time.Millisecond,
		MessageGap: 150 * time.Millisecond, Patience: 300 * time.Millisecond, AcceptDelay: 50 * time.Millisecond, Drain: 10 * s}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// A customer who leaves as its agent accepts makes both counts move:
	// rare, and named when it happens.
	onlyLeaveRaces(t, res.Errors, true, true)
	sm := res.Simulated
	if sm == nil || sm.Error != "" || sm.Chats == nil || sm.Calls == nil {
		t.Fatalf("simulated %+v", sm)
	}
	if sm.Chats.Contacts != res.Visitors || sm.Calls.Contacts != res.Calls || res.Abandoned == 0 || res.CallsAbandoned == 0 {
		t.Fatalf("visitors %d (simulated %d), abandoned %d; calls %d (simulated %d), abandoned %d",
			res.Visitors, sm.Chats.Contacts, res.Abandoned, res.Calls, sm.Calls.Contacts, res.CallsAbandoned)
	}
	if d := sm.Chats.Abandoned - res.Abandoned; d < -3 || d > 3 {
		t.Errorf("%d of %d visitors left, %d in the simulator", res.Abandoned, res.Visitors, sm.Chats.Abandoned)
	}
	if d := sm.Calls.Abandoned - res.CallsAbandoned; d < -3 || d > 3 {
		t.Errorf("%d of %d callers hung up, %d in the simulator", res.CallsAbandoned, res.Calls, sm.Calls.Abandoned)
	}
	var table bytes.Buffer
	if err := res.WriteTable(&table); err != nil || !strings.Contains(table.String(), "the simulator, the same callers and agents") {
		t.Errorf("table: %v\n%s", err, table.String())
	}
	t.Logf("visitors %d abandoned %d (simulator %d); calls %d abandoned %d (simulator %d); errors %v",
		res.Visitors, res.Abandoned, sm.Chats.Abandoned, res.Calls, res.CallsAbandoned, sm.Calls.Abandoned, res.Errors)
}

// TestSimulateFlag: the simulator's replay is on unless --simulate=false.
func TestSimulateFlag(t *testing.T) {
	args := []string{"--addr", "127.0.0.1:1", "--admin-key", "k", "--agents", "2", "--rate", "1", "--duration", "1s"}
	for _, c := range []struct {
		extra []string
		skip  bool
	}{{nil, false}, {[]string{"--simulate=false"}, true}, {[]string{"--simulate"}, false}} {
		cfg, _, err := parseFlags(append(args, c.extra...), io.Discard)
		if err != nil || cfg.SkipSimulation != c.skip {
			t.Errorf("%q: skip %v, %v; want %v", c.extra, cfg.SkipSimulation, err, c.skip)
		}
	}
}
