package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// TestReplayOwnCapacities: agents of their own capacities hold that many
// contacts at once, and occupancy counts each agent's own slots over the
// time they worked. Worked out by hand.
func TestReplayOwnCapacities(t *testing.T) {
	s := func(x float64) time.Duration { return seconds(x) }
	chats := make([]Arrival, 4)
	for i := range chats {
		chats[i] = Arrival{At: 0, Handle: s(30), Media: presence.Chat}
	}
	cfg := Config{Interval: time.Minute, Handle: s(30), Capacity: 2, Arrivals: chats,
		Teams: []Team{
			{Agents: 1, Capacity: map[presence.Media]int{presence.Chat: 2}},
			{Agents: 1, Capacity: map[presence.Media]int{presence.Chat: 1}},
		},
		Shifts: [][]Span{{{0, s(60)}}, {{0, s(20)}}}}
	cfg.AgentIDs = []string{"ann", "bob"} // their own ids
	waits, agents := map[int]float64{}, map[int]string{}
	cfg.OnCall = func(c Call) { waits[c.N], agents[c.N] = c.Wait, c.Agent }
	r := run(t, cfg)
	if agents[4] != "ann" {
		t.Errorf("the fourth chat's agent %q, want ann", agents[4])
	}
	// Agent 1 takes two chats at 0, agent 2 one: the fourth waits for
	// agent 1 at 30 (agent 2 holds one at most, and is off shift from 20).
	if got := []float64{waits[1], waits[2], waits[3], waits[4]}; !slices.Equal(got, []float64{0, 0, 0, 30}) {
		t.Fatalf("waits %v, want 0, 0, 0, 30", got)
	}
	// Busy slot-time 30 × 3 + 30; worked: agent 1 60 s × 2 slots, agent
	// 2 20 s on shift and 10 s over it × 1 slot.
	m := r.Simulated
	if math.Abs(m.Occupancy-120.0/150) > 1e-9 || math.Abs(m.OnShift-80) > 1e-6 || math.Abs(m.Overtime-10) > 1e-6 {
		t.Errorf("occupancy %v (want 0.8), on shift %v s, overtime %v s", m.Occupancy, m.OnShift, m.Overtime)
	}
	if math.Abs(r.Intervals[0].Occupancy-0.8) > 1e-9 {
		t.Errorf("the interval's occupancy %v, want 0.8", r.Intervals[0].Occupancy)
	}
	if len(r.Teams) != 2 || math.Abs(r.Teams[0].Occupancy-90.0/120) > 1e-9 || math.Abs(r.Teams[1].Occupancy-1) > 1e-9 ||
		r.Teams[0].Capacity["chat"] != 2 || r.Teams[1].Capacity["chat"] != 1 {
		t.Errorf("teams %+v: want occupancy 0.75 and 1, capacities 2 and 1", r.Teams)
	}
	// Each agent busy over the window on their own slots: 90/60/2, 30/60/1.
	if f := m.Fairness; math.Abs(f.BusyMin-0.5) > 1e-9 || math.Abs(f.BusyMax-0.75) > 1e-9 {
		t.Errorf("busy min %v, max %v; want 0.5, 0.75", f.BusyMin, f.BusyMax)
	}
	// The same agents at the run's capacity, 2 each: the fourth chat waits
	// for no one.
	cfg.Teams, cfg.AgentIDs = nil, nil
	clear(waits)
	run(t, cfg)
	if waits[4] != 0 {
		t.Errorf("two slots each: the fourth chat waited %v s", waits[4])
	}
}

// TestReadProfiles reads the agents as GET /v1/agents gives them, as an
// array and as lines; what is not a list of agents is an error.
func TestReadProfiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	zoe := `{"id":"zoe","name":"Zoe","role":"agent","status":"available","languages":{"primary":"en","secondary":["fr"]},"expertise":[],"capacity":{"voice":1,"chat":3,"email":5},"load":{},"queues":["vip"],"online":true}`
	ben := `{"id":"ben","languages":{},"capacity":{"chat":2},"queues":[]}`
	for name, body := range map[string]string{
		"page":  `{"agents":[` + zoe + `,` + ben + `]}`,
		"array": `[` + zoe + `,` + ben + `]`,
		"lines": zoe + "\n" + ben,
	} {
		p, err := ReadProfiles(write(name, body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		z := p["zoe"]
		if len(p) != 2 || z.Capacity["chat"] != 3 || !slices.Equal(z.Queues, []string{"vip"}) || z.Languages.Secondary[0] != "fr" || p["ben"].Capacity["chat"] != 2 {
			t.Errorf("%s: %+v", name, p)
		}
	}
	for name, body := range map[string]string{
		"not json":     `{"agents":[`,
		"no agents":    `{"agents":[]}`,
		"not an agent": `{"agents":[{"id":"zoe"}]}`,
		"a status log": `{"statuses":[{"agent":"zoe","at":"2026-11-20T08:00:00Z","status":"available"}]}`,
	} {
		if _, err := ReadProfiles(write(name, body)); err == nil || !strings.Contains(err.Error(), "agents "+dir) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestHistoryRoster: the status log's agents with their own profiles, in
// teams of one profile and their shifts team after team; agents the
// server no longer knows serve everything, agents who serve none of the
// history's queues are left out.
func TestHistoryRoster(t *testing.T) {
	h := &History{Start: day0, End: day0.Add(24 * time.Hour), queueIDs: map[string]string{"q-sales": "Sales", "q-help": "Help"},
		Media:     []MediaShare{{Media: presence.Chat, Capacity: 3}, {Media: presence.Voice, Capacity: 1}},
		Languages: []LanguageShare{{Language: "en"}, {Language: "fr"}}}
	at := func(hours float64) time.Time { return day0.Add(time.Duration(hours * float64(time.Hour))) }
	for i, a := range []string{"ann", "bob", "cat", "dan", "eve", "fay"} {
		h.Statuses = append(h.Statuses, StatusChange{Agent: a, At: at(8 + float64(i)/10), Status: "available"},
			StatusChange{Agent: a, At: at(17), Status: "offline"})
	}
	slices.SortStableFunc(h.Statuses, func(a, b StatusChange) int { return a.At.Compare(b.At) })
	sales := AgentProfile{Queues: []string{"q-sales", "q-other"}, Languages: presence.Languages{Primary: "en-GB", Secondary: []string{"FR", "en"}},
		Capacity: map[string]int{"chat": 2, "voice": 2, "email": 40}}
	profiles := map[string]AgentProfile{
		"ann": sales, "cat": sales,
		"bob": {Queues: []string{"q-help"}, Languages: presence.Languages{Primary: "fr"}, Capacity: map[string]int{"chat": 30}}, // above the bound of 20 the replay had
		"dan": {Queues: []string{"q-other"}, Capacity: map[string]int{"chat": 3, "voice": 1}},                                   // none of the history's queues
		"eve": {Queues: []string{"q-help"}, Capacity: map[string]int{"email": 5}},                                               // none of its media
		"zed": {Queues: []string{"q-help"}, Capacity: map[string]int{"chat": 1, "voice": 1}},                                    // not on shift
	}
	r, err := h.Roster(profiles)
	if err != nil {
		t.Fatal(err)
	}
	want := []Team{
		{Agents: 2, Queues: []string{"Sales"}, Languages: []string{"en", "fr"}, Capacity: map[presence.Media]int{presence.Chat: 2, presence.Voice: 1}},
		{Agents: 1, Queues: []string{"Help"}, Languages: []string{"fr"}, Capacity: map[presence.Media]int{presence.Chat: 30, presence.Voice: 0}},
		{Agents: 1, Languages: []string{"en", "fr"}}, // fay: unknown
	}
	if fmt.Sprint(r.Teams) != fmt.Sprint(want) {
		t.Errorf("teams\n%v, want\n%v", r.Teams, want)
	}
	shift := func(from float64) []Span {
		return []Span{{From: time.Duration(from * float64(time.Hour)), To: 17 * time.Hour}}
	}
	// ann and cat, then bob, then fay.
	if fmt.Sprint(r.Shifts) != fmt.Sprint([][]Span{shift(8), shift(8.2), shift(8.1), shift(8.5)}) || !slices.Equal(r.IDs, []string{"ann", "cat", "bob", "fay"}) {
		t.Errorf("shifts %v of %v", r.Shifts, r.IDs)
	}
	if r.Profiled != 3 || r.Unknown != 1 || r.Idle != 2 || r.Capacity[presence.Chat] != 2 || r.Capacity[presence.Voice] != 1 ||
		!slices.Equal(r.Mixed, []presence.Media{presence.Chat}) {
		t.Errorf("roster %+v", r)
	}
	if s := r.String(); !strings.Contains(s, "3 agents on shift") || !strings.Contains(s, "1 the server no longer knows") ||
		!strings.Contains(s, "2 left out") || !strings.Contains(s, "chat capacities differ, the models take the most common, 2") {
		t.Errorf("roster: %s", s)
	}
}

// TestHistoryWithProfiles replays a day of two teams, each serving its
// own queue at its own capacity, on its status log: with the agents'
// profiles (--profiles) the replay meets what the day met, team by team;
// without them every agent serves both queues and answers sooner than the
// day did.
func TestHistoryWithProfiles(t *testing.T) {
	n := 3000
	if raceOn || testing.Short() {
		n = 1200
	}
	rate := 0.9 * 17 / 100.0 // 90 % of 8 + 9 slots busy
	cfg := Config{Rate: rate, Handle: 100 * time.Second, HandleDist: Lognormal, HandleCV: 1, Patience: 90 * time.Second,
		Capacity: 3, Duration: seconds(float64(n) / rate), Warmup: -1, SLThreshold: 20 * time.Second, Seed: 5,
		Queues:    []QueueShare{{Name: "sales", Share: 8}, {Name: "support", Share: 9}},
		Languages: []LanguageShare{{"en", 3}, {"fr", 1}},
		Teams: []Team{
			{Agents: 4, Queues: []string{"sales"}, Languages: []string{"en"}, Capacity: map[presence.Media]int{presence.Chat: 2}},
			{Agents: 3, Queues: []string{"support"}, Languages: []string{"fr", "en"}, Capacity: map[presence.Media]int{presence.Chat: 3}},
		}}
	start := day0.Add(8 * time.Hour)
	dir, r0, _ := simulatedHistory(t, cfg, start)

	var list []map[string]any
	for i := 1; i <= 7; i++ {
		p := map[string]any{"id": fmt.Sprintf("a%05d", i), "queues": []string{"q0"}, "languages": map[string]any{"primary": "en"}, "capacity": map[string]int{"voice": 1, "chat": 2, "email": 5}}
		if i > 4 {
			p["queues"], p["languages"], p["capacity"] = []string{"q1"}, map[string]any{"primary": "fr", "secondary": []string{"en"}}, map[string]int{"voice": 1, "chat": 3, "email": 5}
		}
		list = append(list, p)
	}
	statusFile, agentsFile := shiftFiles(t, start, start.Add(cfg.Duration), list)
	simulate := func(args ...string) (Report, string) {
		t.Helper()
		return simulateMain(t, append([]string{"--history", dir, "--statuses", statusFile, "--interval", "3600", "--schedule", "available", "--quiet"}, args...)...)
	}
	own, _ := simulate("--profiles", agentsFile, "--json")
	pooled, _ := simulate("--json")
	was := r0.Simulated
	t.Logf("the day: SL %.4f, ASA %.2f s, abandoned %.4f, occupancy %.4f; observed %.4f", was.ServiceLevel, was.ASA, was.AbandonRate, was.Occupancy, own.History.Occupancy)
	for name, r := range map[string]Report{"own profiles": own, "pooled": pooled} {
		s := r.Simulated
		t.Logf("%s: SL %.4f, ASA %.2f s, abandoned %.4f, occupancy %.4f", name, s.ServiceLevel, s.ASA, s.AbandonRate, s.Occupancy)
	}
	if s := own.Simulated; math.Abs(s.ServiceLevel-was.ServiceLevel) > 0.03 || math.Abs(s.AbandonRate-was.AbandonRate) > 0.015 || relErr(s.ASA, was.ASA) > 0.2 {
		t.Errorf("with the profiles: SL %.4f, ASA %.2f s, abandoned %.4f; the day: %.4f, %.2f s, %.4f", s.ServiceLevel, s.ASA, s.AbandonRate, was.ServiceLevel, was.ASA, was.AbandonRate)
	}
	if p, s := pooled.Simulated, own.Simulated; p.ServiceLevel-s.ServiceLevel < 0.03 || p.AbandonRate > s.AbandonRate/2 {
		t.Errorf("pooled at the history's capacity: SL %.4f, abandoned %.4f; with the profiles %.4f, %.4f", p.ServiceLevel, p.AbandonRate, s.ServiceLevel, s.AbandonRate)
	}
	// The day's occupancy, as the log and the documents give it with the
	// agents' own capacities, and as the replay measures it.
	if o := own.History.Occupancy; math.Abs(o-was.Occupancy) > 0.01 || math.Abs(own.Simulated.Occupancy-was.Occupancy) > 0.03 {
		t.Errorf("occupancy observed %.4f, replayed %.4f; the day's %.4f", o, own.Simulated.Occupancy, was.Occupancy)
	}
	if len(own.Teams) != 2 || len(r0.Teams) != 2 {
		t.Fatalf("teams %+v; the day's %+v", own.Teams, r0.Teams)
	}
	for i, tm := range own.Teams {
		day := r0.Teams[i]
		t.Logf("team %d: handled %d, occupancy %.4f; the day %d, %.4f; pooled %+v", i+1, tm.Handled, tm.Occupancy, day.Handled, day.Occupancy, pooled.Queues[i].Simulated)
		if !slices.Equal(tm.Queues, day.Queues) || !slices.Equal(tm.Languages, day.Languages) || tm.Agents != day.Agents ||
			relErr(float64(tm.Handled), float64(day.Handled)) > 0.05 || math.Abs(tm.Occupancy-day.Occupancy) > 0.03 {
			t.Errorf("team %d: %+v; the day's %+v", i+1, tm, day)
		}
	}
	// In whose language the contacts were answered, by the documents and
	// the agents' profiles, is what the day counted; the replay with the
	// profiles comes close, and without them every agent speaks it all.
	for i, l := range own.Languages {
		day, o := r0.Languages[i], l.Observed
		if o == nil || o.Primary != day.Primary || o.Secondary != day.Secondary || o.Other != day.Other || o.Unknown != 0 ||
			o.Arrivals != day.Simulated.Arrivals || math.Abs(l.MatchRate-o.MatchRate) > 0.05 || pooled.Languages[i].MatchRate != 1 {
			t.Errorf("language %s: observed %+v; the day's %+v; replayed %.4f, pooled %.4f", l.Language, o, day, l.MatchRate, pooled.Languages[i].MatchRate)
		}
		t.Logf("%s in language: the day %.4f, observed %.4f, replayed %.4f, pooled %.4f", l.Language, day.MatchRate, o.MatchRate, l.MatchRate, pooled.Languages[i].MatchRate)
	}
	if h := own.History.Roster; h == nil || h.Profiled != 7 || h.Profiles != 2 || h.Unknown != 0 || h.Idle != 0 {
		t.Errorf("roster %+v", own.History.Roster)
	}
	_, table := simulate("--profiles", agentsFile)
	if !strings.Contains(table, "the roster: 7 agents on shift with their own queues, languages") ||
		!strings.Contains(table, "chat 2") || !strings.Contains(table, "(observed)") {
		t.Errorf("the table:\n%s", table)
	}
	for _, args := range [][]string{
		{"--history", dir, "--statuses", statusFile, "--interval", "3600", "--profiles", agentsFile, "--agents", "3"},
		{"--history", dir, "--statuses", statusFile, "--interval", "3600", "--schedule", "available", "--profiles", agentsFile, "--capacity", "2"},
		{"--history", dir, "--statuses", statusFile, "--interval", "3600", "--schedule", "available", "--profiles", agentsFile, "--team", "7:*:en"},
		{"--history", dir, "--statuses", statusFile, "--interval", "3600", "--schedule", "available", "--profiles", statusFile},
		{"--agents", "3", "--rate", "1", "--handle", "60", "--profiles", agentsFile},
	} {
		var out, errs bytes.Buffer
		if code := Main(args, &out, &errs); code != 2 || !strings.Contains(errs.String(), "--") && !strings.Contains(errs.String(), "agents") {
			t.Errorf("%v: exit %d, %s", args, code, errs.String())
		}
	}
}

// TestHistoryCapacitiesPast20: a day whose agent held 25 emails at once
// replays capacity 25 (the replay's bound was 20, now the hub's own); a
// day past the hub's bound, which no server writes, is cut to it; a call
// stays exclusive.
func TestHistoryCapacitiesPast20(t *testing.T) {
	h := &History{Media: []MediaShare{{Media: presence.Email, Capacity: 1}, {Media: presence.Chat, Capacity: 1}, {Media: presence.Voice, Capacity: 1}}}
	var index [presence.NumMedia]int
	for i, m := range h.Media {
		index[m.Media] = i
	}
	hold := func(agent string, m presence.Media, n int) {
		for i := range n {
			h.work = append(h.work, workSpan{agent: agent, media: m, from: time.Duration(i) * time.Second, to: time.Hour})
		}
	}
	hold("ann", presence.Email, 25)
	hold("bob", presence.Email, 3)
	hold("ann", presence.Chat, MaxCapacity+200)
	hold("bob", presence.Voice, 2) // a transfer's overlap
	h.capacities(&index)
	if got := []int{h.Media[0].Capacity, h.Media[1].Capacity, h.Media[2].Capacity}; !slices.Equal(got, []int{25, MaxCapacity, 1}) {
		t.Errorf("capacities email, chat, voice %v, want 25, %d, 1", got, MaxCapacity)
	}
	if p := (AgentProfile{Capacity: map[string]int{"email": 25, "chat": MaxCapacity + 1, "voice": 3}}); p.capacity(presence.Email) != 25 ||
		p.capacity(presence.Chat) != MaxCapacity || p.capacity(presence.Voice) != 1 {
		t.Errorf("profile capacities %d, %d, %d", p.capacity(presence.Email), p.capacity(presence.Chat), p.capacity(presence.Voice))
	}
}

// shiftFiles writes the status log and the server's agents (GET
// /v1/agents) of a day whose agents, profiles, were all available from
// start until they disconnected at end, to new files: their paths.
func shiftFiles(t *testing.T, start, end time.Time, profiles []map[string]any) (statuses, agents string) {
	t.Helper()
	var log bytes.Buffer
	enc := json.NewEncoder(&log)
	for _, p := range profiles {
		_ = enc.Encode(StatusChange{Agent: p["id"].(string), At: start, Status: "available"})
		_ = enc.Encode(StatusChange{Agent: p["id"].(string), At: end, Status: "offline", Reason: "disconnected"})
	}
	list, _ := json.Marshal(map[string]any{"agents": profiles})
	dir := t.TempDir()
	statuses, agents = filepath.Join(dir, "statuses.json"), filepath.Join(dir, "agents.json")
	for name, b := range map[string][]byte{statuses: log.Bytes(), agents: list} {
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return statuses, agents
}
