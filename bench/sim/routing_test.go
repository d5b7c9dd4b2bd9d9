package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// skilledDay is a day of two queues routed by expertise, as the hub
// routes the server's: support requires billing, and drops it after a
// minute; a fifth of the sales contacts require vip themselves, and
// sales adds support's agents after 30 s and drops the expertise after
// two minutes. Two agents have billing and serve support, three have vip
// and serve sales, three have none and serve both.
func skilledDay(n int) Config {
	rnd := rand.New(rand.NewPCG(7, 7))
	arrivals := poissonChats(rnd, n, 0.85*8/100.0, func(at time.Duration) Arrival {
		a := Arrival{At: at, Media: presence.Chat, Queue: "sales", Handle: seconds(100 * rnd.ExpFloat64()), Patience: seconds(240 * rnd.ExpFloat64())}
		switch {
		case rnd.Float64() < 0.4:
			a.Queue = "support"
		case rnd.Float64() < 0.2:
			a.Expertise = []string{"vip"}
		}
		return a
	})
	return Config{Arrivals: arrivals, Handle: 100 * time.Second, Patience: 240 * time.Second, SLThreshold: 20 * time.Second, Seed: 3,
		Queues: []QueueShare{
			{Name: "sales", Share: 6, Steps: []QueueStep{{After: 30 * time.Second, AddQueue: "support"}, {After: 2 * time.Minute, DropExpertise: true}}},
			{Name: "support", Share: 4, Expertise: []string{"billing"}, Steps: []QueueStep{{After: time.Minute, DropExpertise: true}}},
		},
		Teams: []Team{
			{Agents: 2, Queues: []string{"support"}, Expertise: []string{"billing"}},
			{Agents: 3, Queues: []string{"sales"}, Expertise: []string{"vip"}},
			{Agents: 3, Queues: []string{"sales", "support"}},
		}}
}

// poissonChats is n arrivals at rate per second, their gaps drawn from
// rnd, each made by chat at its time (which may draw from rnd too).
func poissonChats(rnd *rand.Rand, n int, rate float64, chat func(at time.Duration) Arrival) []Arrival {
	var out []Arrival
	at := 0.0
	for range n {
		at += rnd.ExpFloat64() / rate
		out = append(out, chat(seconds(at)))
	}
	return out
}

// TestHistoryWithQueueSettings replays a day routed by expertise: with the
// agents' profiles and the server's queues (--queue-settings), the replay
// routes as the day did and meets what it met, team by team; with the
// profiles alone no one needs expertise, no step adds support's agents to
// sales, and the teams' work is not the day's.
func TestHistoryWithQueueSettings(t *testing.T) {
	n := 3000
	if raceOn || testing.Short() {
		n = 1200
	}
	cfg := skilledDay(n)
	start := day0.Add(8 * time.Hour)
	dir, r0, calls := simulatedHistory(t, cfg, start)
	end := start.Add(cfg.Arrivals[n-1].At + time.Hour)
	// The day is routed as its queues say: support's contacts go to the
	// billing agents (a00001, a00002) in their first minute; a vip
	// contact to a vip agent (a00003..5) in its first two; a billing
	// agent takes sales' only after 30 s.
	var early, late [3]int // support by billing; vip by vip; sales by billing
	for k, c := range calls {
		a, agent := cfg.Arrivals[k-1], c.Agent
		billing, vipAgent := agent == "a00001" || agent == "a00002", agent >= "a00003" && agent <= "a00005"
		switch {
		case !c.Answered:
		case a.Queue == "support" && c.Wait < 60:
			if !billing {
				t.Fatalf("support contact %d taken by %s after %.1f s", k, agent, c.Wait)
			}
			early[0]++
		case a.Queue == "support":
			late[0]++
		case len(a.Expertise) > 0 && c.Wait < 120:
			if !vipAgent {
				t.Fatalf("vip contact %d taken by %s after %.1f s", k, agent, c.Wait)
			}
			early[1]++
		case len(a.Expertise) > 0:
			late[1]++
		case billing && c.Wait < 30:
			t.Fatalf("sales contact %d taken by %s after %.1f s", k, agent, c.Wait)
		case billing:
			late[2]++
		}
	}
	if early[0] == 0 || late[0] == 0 || early[1] == 0 || late[2] == 0 {
		t.Fatalf("the day's routing: in time %v, late %v", early, late)
	}
	t.Logf("the day: support by billing in the first minute %d, later %d; vip by vip in the first two %d, later %d; sales by billing %d", early[0], late[0], early[1], late[1], late[2])

	var list []map[string]any
	for i := 1; i <= 8; i++ {
		p := map[string]any{"id": fmt.Sprintf("a%05d", i), "queues": []string{"q0", "q1"}, "languages": map[string]any{}, "expertise": []string{}, "capacity": map[string]int{"voice": 1, "chat": 1, "email": 5}}
		switch {
		case i <= 2:
			p["queues"], p["expertise"] = []string{"q1"}, []string{"billing", "returns"} // returns: required nowhere
		case i <= 5:
			p["queues"], p["expertise"] = []string{"q0"}, []string{"vip"}
		}
		list = append(list, p)
	}
	statusFile, agentsFile := shiftFiles(t, start, end, list)
	files := t.TempDir()
	queuesFile := filepath.Join(files, "queues.json")
	queues := `{"queues":[` +
		`{"id":"q0","name":"sales","business_hours":{"tz":"UTC","days":{"mon":["00:00-23:59"]}},"steps":[{"after":30,"add_queue":"q1"},{"after":90,"add_queue":"gone"},{"after":120,"drop_expertise":true}],"stats":{"id":"q0","waiting":3}},` +
		`{"id":"q1","name":"support","expertise":["billing"],"steps":[{"after":60,"drop_expertise":true}],"stats":{"id":"q1","waiting":0}},` +
		`{"id":"q9","name":"Elsewhere","expertise":["x"]}]}`
	if err := os.WriteFile(queuesFile, []byte(queues), 0o600); err != nil {
		t.Fatal(err)
	}
	simulate := func(args ...string) (Report, string) {
		t.Helper()
		return simulateMain(t, append([]string{"--history", dir, "--statuses", statusFile, "--interval", "3600", "--schedule", "available", "--profiles", agentsFile, "--quiet"}, args...)...)
	}
	routed, _ := simulate("--queue-settings", queuesFile, "--json")
	plain, _ := simulate("--json")
	was := r0.Simulated
	t.Logf("the day: SL %.4f, ASA %.2f s, abandoned %.4f", was.ServiceLevel, was.ASA, was.AbandonRate)
	for name, r := range map[string]Report{"with the queues": routed, "without": plain} {
		s := r.Simulated
		t.Logf("%s: SL %.4f, ASA %.2f s, abandoned %.4f", name, s.ServiceLevel, s.ASA, s.AbandonRate)
		for _, tm := range r.Teams {
			t.Logf("  team %v %v: handled %d, occupancy %.4f", tm.Queues, tm.Expertise, tm.Handled, tm.Occupancy)
		}
	}
	for _, tm := range r0.Teams {
		t.Logf("the day's team %v: handled %d, occupancy %.4f", tm.Queues, tm.Handled, tm.Occupancy)
	}
	if s := routed.Simulated; math.Abs(s.ServiceLevel-was.ServiceLevel) > 0.04 || math.Abs(s.AbandonRate-was.AbandonRate) > 0.02 || relErr(s.ASA, was.ASA) > 0.2 {
		t.Errorf("with the queues: SL %.4f, ASA %.2f s, abandoned %.4f; the day: %.4f, %.2f s, %.4f", s.ServiceLevel, s.ASA, s.AbandonRate, was.ServiceLevel, was.ASA, was.AbandonRate)
	}
	if len(routed.Teams) != 3 || len(plain.Teams) != 3 {
		t.Fatalf("teams %+v; without the queues %+v", routed.Teams, plain.Teams)
	}
	// The billing agents (the first team in both) are the day's: without
	// the queues they also take support's contacts that waited a minute
	// for them on the day, and never sales'.
	off := 0.0
	for i, tm := range routed.Teams {
		day := r0.Teams[i]
		if !slices.Equal(tm.Queues, day.Queues) || len(tm.Expertise) == 0 && i < 2 {
			t.Errorf("team %d: %+v; the day's %+v", i+1, tm, day)
		}
		if relErr(float64(tm.Handled), float64(day.Handled)) > 0.06 {
			t.Errorf("team %d handled %d; the day's %d", i+1, tm.Handled, day.Handled)
		}
		off = max(off, relErr(float64(plain.Teams[i].Handled), float64(day.Handled)))
	}
	if off < 0.15 || plain.Teams[0].Expertise != nil {
		t.Errorf("without the queues the teams' work is within %.3f of the day's; teams %+v", off, plain.Teams)
	}
	rt := routed.History.Routing
	vip := 0
	for _, a := range cfg.Arrivals {
		if len(a.Expertise) > 0 {
			vip++
		}
	}
	if rt == nil || rt.Queues != 2 || rt.Routed != 2 || rt.ExpertiseOwn != vip ||
		!slices.Equal(rt.NotReplayed, []string{"business hours", "sales's step adding gone (no contact of it in the history)"}) || plain.History.Routing != nil {
		t.Errorf("routing %+v (%d vip contacts); without %+v", rt, vip, plain.History.Routing)
	}
	if q := routed.Input.Queues; len(q) != 2 || len(q[0].Steps) != 2 || q[0].Steps[0] != (QueueStep{After: 30 * time.Second, AddQueue: "support"}) ||
		q[0].Steps[1] != (QueueStep{After: 2 * time.Minute, DropExpertise: true}) || !slices.Equal(q[1].Expertise, []string{"billing"}) {
		t.Errorf("input queues %+v", q)
	}
	_, table := simulate("--queue-settings", queuesFile)
	for _, want := range []string{
		"the queues' routing: 2 of 2 queues route by more than priority (sales, after 30 s adds support's agents, after 120 s drops the expertise; support requires billing, after 60 s drops the expertise)",
		fmt.Sprintf("%d contacts of the replay required expertise", vip),
		"not replayed: business hours, sales's step adding gone",
		"expertise", "billing,returns",
	} {
		if !strings.Contains(strings.Join(strings.Fields(strings.ReplaceAll(table, "history: ", "")), " "), want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
	// Refused: the settings without the profiles, or not the server's
	// queues.
	bad := filepath.Join(files, "bad.json")
	for _, c := range []struct {
		args []string
		file string
		want string
	}{
		{[]string{"--history", dir, "--agents", "3", "--queue-settings", queuesFile}, "", "--queue-settings goes with --profiles"},
		{[]string{"--agents", "3", "--rate", "1", "--handle", "10", "--queue-settings", queuesFile}, "", "--queue-settings goes with --history"},
		{nil, `{"queues":[{"name":"no id"}]}`, "not a queue (id)"},
		{nil, `{"queues":[{"id":"q0","name":"sales","steps":[{"after":-1,"drop_expertise":true}]}]}`, "after -1"},
		{nil, `{"queues":[{"id":"q0","name":"sales","colour":"red"}]}`, "colour"},
	} {
		args := c.args
		if c.file != "" {
			if err := os.WriteFile(bad, []byte(c.file), 0o600); err != nil {
				t.Fatal(err)
			}
			args = []string{"--history", dir, "--statuses", statusFile, "--interval", "3600", "--schedule", "available", "--profiles", agentsFile, "--queue-settings", bad}
		}
		var out, errs bytes.Buffer
		if code := Main(args, &out, &errs); code != 2 || !strings.Contains(errs.String(), c.want) {
			t.Errorf("%v (%s): exit %d, %s", args, c.file, code, errs.String())
		}
	}
}

// TestRoutingRefused: a run's queue steps, expertise and language weight
// are checked as the server checks a queue's.
func TestRoutingRefused(t *testing.T) {
	w := 101.0
	for name, mod := range map[string]func(*Config){
		"step adds itself":  func(c *Config) { c.Queues[0].Steps = []QueueStep{{AddQueue: "sales"}} },
		"step adds unknown": func(c *Config) { c.Queues[0].Steps = []QueueStep{{AddQueue: "nope"}} },
		"steps out of order": func(c *Config) {
			c.Queues[0].Steps = []QueueStep{{After: time.Minute, DropLanguage: true}, {After: time.Second, DropExpertise: true}}
		},
		"step widens nothing": func(c *Config) { c.Queues[0].Steps = []QueueStep{{After: time.Minute}} },
		"too many steps": func(c *Config) {
			c.Queues[0].Steps = slices.Repeat([]QueueStep{{DropLanguage: true}}, 17)
		},
		"blank queue expertise": func(c *Config) { c.Queues[1].Expertise = []string{" "} },
		"blank team expertise":  func(c *Config) { c.Teams[0].Expertise = []string{""} },
		"language weight":       func(c *Config) { c.Queues[0].LanguageWeight = &w },
		"negative aging":        func(c *Config) { c.Queues[0].Aging = -time.Second },
		"aging past a week":     func(c *Config) { c.Queues[0].Aging = 8 * 24 * time.Hour },
		"step past a week":      func(c *Config) { c.Queues[1].Steps[0].After = 8 * 24 * time.Hour },
		"arrival expertise":     func(c *Config) { c.Arrivals[0].Expertise = slices.Repeat([]string{"x"}, 17) },
		"offer mode":            func(c *Config) { c.Queues[0].OfferMode = "all" },
		"max offers":            func(c *Config) { c.Queues[0].OfferMode, c.Queues[0].MaxOffers = "broadcast", 101 },
	} {
		cfg := skilledDay(10)
		cfg.Queues = slices.Clone(cfg.Queues)
		cfg.Teams = slices.Clone(cfg.Teams)
		mod(&cfg)
		if _, err := cfg.withDefaults(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	week := skilledDay(10) // what the server takes, a replay takes
	week.Queues = slices.Clone(week.Queues)
	week.Queues[1].Steps = []QueueStep{{After: 7 * 24 * time.Hour, DropExpertise: true}}
	week.Queues[0].Aging = 7 * 24 * time.Hour
	for _, c := range []Config{skilledDay(10), week} {
		if _, err := c.withDefaults(); err != nil {
			t.Errorf("the skilled day: %v", err)
		}
	}
	// A queue's durations are seconds in the report, as on the server.
	lw := 0.25
	q := QueueShare{Name: "sales", Share: 1, Aging: 90 * time.Second, LanguageWeight: &lw, Steps: []QueueStep{{After: 1500 * time.Millisecond, DropLanguage: true}},
		OfferMode: "broadcast", MaxOffers: 2}
	b, err := json.Marshal(q)
	var back QueueShare
	if err == nil {
		err = json.Unmarshal(b, &back)
	}
	if want := `{"name":"sales","share":1,"steps":[{"after":1.5,"drop_language":true}],"language_weight":0.25,"offer_mode":"broadcast","max_offers":2,"aging":90}`; err != nil || string(b) != want ||
		!reflect.DeepEqual(back, q) {
		t.Errorf("queue %s, read back %+v (%v); want %s", b, back, err, want)
	}
}

// TestHistoryWithBroadcastOffers replays a day whose queue offered each
// contact to three agents at once (offer_mode broadcast), agents who take
// 10 s on average to accept: the first of the three answers. With the
// server's queue (--queue-settings) the replay offers as the day did and
// meets what it met; without it each offer goes to one agent, who takes
// their full time, and the contacts wait longer than they did.
func TestHistoryWithBroadcastOffers(t *testing.T) {
	n := 2000
	if raceOn || testing.Short() {
		n = 800
	}
	rnd := rand.New(rand.NewPCG(9, 9))
	arrivals := poissonChats(rnd, n, 0.8*8/100.0, func(at time.Duration) Arrival {
		return Arrival{At: at, Media: presence.Chat, Queue: "sales", Handle: seconds(90 * rnd.ExpFloat64()), Patience: seconds(120 * rnd.ExpFloat64())}
	})
	cfg := Config{Arrivals: arrivals, Agents: 8, Handle: 90 * time.Second, Patience: 120 * time.Second, SLThreshold: 20 * time.Second, Seed: 5,
		Accept: "manual", AcceptDelay: 10 * time.Second, OfferTimeout: time.Minute,
		Queues: []QueueShare{{Name: "sales", Share: 1, OfferMode: "broadcast", MaxOffers: 3}}}
	start := day0.Add(8 * time.Hour)
	dir, r0, _ := simulatedHistory(t, cfg, start)
	if r0.Offers == nil || r0.Offers.Offered < r0.Simulated.Answered*3/2 {
		t.Fatalf("the day's offers %+v for %d answered: not broadcast", r0.Offers, r0.Simulated.Answered)
	}
	end := start.Add(cfg.Arrivals[n-1].At + time.Hour)
	var list []map[string]any
	for i := 1; i <= 8; i++ {
		list = append(list, map[string]any{"id": fmt.Sprintf("a%05d", i), "queues": []string{"q0"}, "languages": map[string]any{},
			"expertise": []string{}, "capacity": map[string]int{"voice": 1, "chat": 1, "email": 5}})
	}
	statusFile, agentsFile := shiftFiles(t, start, end, list)
	queuesFile := filepath.Join(t.TempDir(), "queues.json")
	if err := os.WriteFile(queuesFile, []byte(`{"queues":[{"id":"q0","name":"sales","accept_mode":"manual","offer_mode":"broadcast","max_offers":3}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	simulate := func(args ...string) (Report, string) {
		t.Helper()
		return simulateMain(t, append([]string{"--history", dir, "--statuses", statusFile, "--interval", "3600", "--schedule", "available",
			"--profiles", agentsFile, "--accept", "manual", "--accept-delay", "10", "--offer-timeout", "60", "--quiet"}, args...)...)
	}
	routed, _ := simulate("--queue-settings", queuesFile, "--json")
	single, _ := simulate("--json")
	was, s, one := r0.Simulated, routed.Simulated, single.Simulated
	t.Logf("the day: SL %.4f, ASA %.2f s, abandoned %.4f; %d offers", was.ServiceLevel, was.ASA, was.AbandonRate, r0.Offers.Offered)
	t.Logf("with the queue: SL %.4f, ASA %.2f s, abandoned %.4f; %d offers", s.ServiceLevel, s.ASA, s.AbandonRate, routed.Offers.Offered)
	t.Logf("without: SL %.4f, ASA %.2f s, abandoned %.4f; %d offers", one.ServiceLevel, one.ASA, one.AbandonRate, single.Offers.Offered)
	if math.Abs(s.ServiceLevel-was.ServiceLevel) > 0.04 || math.Abs(s.AbandonRate-was.AbandonRate) > 0.02 || relErr(s.ASA, was.ASA) > 0.2 {
		t.Errorf("with the queue: SL %.4f, ASA %.2f s, abandoned %.4f; the day: %.4f, %.2f s, %.4f", s.ServiceLevel, s.ASA, s.AbandonRate, was.ServiceLevel, was.ASA, was.AbandonRate)
	}
	if one.ASA < 1.2*was.ASA || one.ServiceLevel > was.ServiceLevel-0.05 || single.Offers.Offered > one.Answered*5/4 {
		t.Errorf("without the queue: SL %.4f, ASA %.2f s, %d offers for %d answered; the day: %.4f, %.2f s", one.ServiceLevel, one.ASA,
			single.Offers.Offered, one.Answered, was.ServiceLevel, was.ASA)
	}
	if rt := routed.History.Routing; rt == nil || rt.Routed != 1 || len(rt.NotReplayed) != 0 {
		t.Errorf("routing %+v", rt)
	}
	_, table := simulate("--queue-settings", queuesFile)
	if want := "sales, offers to 3 agents at once"; !strings.Contains(strings.Join(strings.Fields(table), " "), want) {
		t.Errorf("the table lacks %q:\n%s", want, table)
	}
}
