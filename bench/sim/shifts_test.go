package sim

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
)

// TestReplayShifts follows three chats through two agents of one slot who
// come on and go off shift at their own times, within one interval: an
// agent takes what waits as their shift starts, finishes past its end
// what they hold (overtime), and takes nothing off shift.
func TestReplayShifts(t *testing.T) {
	s := func(x float64) time.Duration { return seconds(x) }
	cfg := Config{Accept: router.Auto, Interval: time.Minute,
		Media: []MediaShare{{Media: presence.Chat, Share: 1, Handle: s(10), Capacity: 1}},
		Arrivals: []Arrival{
			{At: 0, Handle: s(15), Media: presence.Chat},     // agent 1 takes it at 10, serves it to 25: 5 s past the shift
			{At: s(12), Handle: s(10), Media: presence.Chat}, // agent 1 off shift when free at 25: taken at 30, to 40
			{At: s(25), Handle: s(5), Media: presence.Chat},  // agent 2's shift starts at 50
		},
		Shifts: [][]Span{{{s(10), s(20)}, {s(30), s(40)}}, {{s(50), s(70)}}}}
	waits := map[int]float64{}
	agents := map[int]string{}
	cfg.OnCall = func(c Call) {
		waits[c.N], agents[c.N] = c.Wait, c.Agent
	}
	r := run(t, cfg)
	for n, w := range map[int]float64{1: 10, 2: 18, 3: 25} {
		if math.Abs(waits[n]-w) > 1e-6 {
			t.Errorf("chat %d waited %.3f s, want %.3f (agent %s)", n, waits[n], w, agents[n])
		}
	}
	if agents[1] != "a00001" || agents[2] != "a00001" || agents[3] != "a00002" {
		t.Errorf("agents %v", agents)
	}
	// On shift in the 60 s window: 10 + 10 + 10 s; the overtime 5 s.
	if m := r.Simulated; math.Abs(m.OnShift-30) > 1e-6 || math.Abs(m.Overtime-5) > 1e-6 || m.Answered != 3 {
		t.Errorf("on shift %.3f s, overtime %.3f s, %d answered", m.OnShift, m.Overtime, m.Answered)
	}
	if !slices.Equal(r.Input.Schedule, []int{1}) || r.Input.Agents != 2 {
		t.Errorf("agents %d, schedule %v: want 2, and a mean of 0.5 on shift rounded to [1]", r.Input.Agents, r.Input.Schedule)
	}
}

// TestShiftsConfig: shifts are a replay's, one agent each, forward in
// time, and replace a schedule.
func TestShiftsConfig(t *testing.T) {
	s := func(x float64) time.Duration { return seconds(x) }
	replay := Config{Interval: time.Minute, Handle: s(10), Arrivals: []Arrival{{At: 0, Handle: s(5), Media: presence.Chat}},
		Shifts: [][]Span{{{0, s(30)}}}}
	if _, err := Run(context.Background(), replay); err != nil {
		t.Fatalf("a replay on one shift: %v", err)
	}
	own := replay
	own.Teams = []Team{{Agents: 1, Capacity: map[presence.Media]int{presence.Chat: 2}}}
	if _, err := Run(context.Background(), own); err != nil {
		t.Fatalf("a replay on one shift of an agent of their own capacity: %v", err)
	}
	for name, tc := range map[string]struct {
		mod  func(c *Config)
		want string
	}{
		"no replay":       {func(c *Config) { c.Arrivals, c.Rate, c.Duration, c.Interval = nil, 1, time.Minute, 0 }, "go with a replay"},
		"no interval":     {func(c *Config) { c.Interval = 0 }, "go with a replay"},
		"and a schedule":  {func(c *Config) { c.Schedule = []int{1} }, "the shifts are the schedule"},
		"interleaved":     {func(c *Config) { c.Teams, c.InterleaveTeams = []Team{{Agents: 1}}, true }, "interleaved teams"},
		"teams of more":   {func(c *Config) { c.Teams = []Team{{Agents: 2}} }, "shifts of 1"},
		"no capacity":     {func(c *Config) { c.Teams = []Team{{Agents: 1, Capacity: map[presence.Media]int{presence.Chat: 0}}} }, "takes no contact"},
		"voice capacity":  {func(c *Config) { c.Teams = []Team{{Agents: 1, Capacity: map[presence.Media]int{presence.Voice: 1}}} }, "not among the run's media"},
		"too many":        {func(c *Config) { c.Teams = []Team{{Agents: 1, Capacity: map[presence.Media]int{presence.Chat: 1001}}} }, "capacity 1001"},
		"agents":          {func(c *Config) { c.Agents = 2 }, "shifts of 1"},
		"two ids":         {func(c *Config) { c.AgentIDs = []string{"ann", "bob"} }, "2 agent ids for 1 agents"},
		"an empty id":     {func(c *Config) { c.AgentIDs = []string{""} }, "agent id"},
		"backwards":       {func(c *Config) { c.Shifts = [][]Span{{{s(20), s(10)}}} }, "run forward"},
		"overlapping":     {func(c *Config) { c.Shifts = [][]Span{{{0, s(20)}, {s(10), s(30)}}} }, "run forward"},
		"before the run":  {func(c *Config) { c.Shifts = [][]Span{{{-s(10), s(30)}}} }, "run forward"},
		"after the run":   {func(c *Config) { c.Shifts = [][]Span{{{s(120), s(130)}}} }, "no agent on shift"},
		"nobody on shift": {func(c *Config) { c.Shifts = [][]Span{nil} }, "no agent on shift"},
	} {
		c := replay
		tc.mod(&c)
		if _, err := Run(context.Background(), c); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

// TestHistoryShifts: a status log's shifts within the history's window,
// one agent each, in the order their first shift starts.
func TestHistoryShifts(t *testing.T) {
	h := &History{Start: day0, End: day0.Add(24 * time.Hour)}
	hm := func(x float64) time.Duration { return time.Duration(x * float64(time.Hour)) }
	at := func(x float64) time.Time { return day0.Add(hm(x)) }
	log := []StatusChange{
		{Agent: "d", At: at(-5), Status: "available"},
		{Agent: "c", At: at(-2), Status: "available"},
		{Agent: "d", At: at(-1), Status: "offline"},
		{Agent: "a", At: at(8), Status: "available"},
		{Agent: "b", At: at(9.5), Status: "available"},
		{Agent: "a", At: at(10), Status: "away"},
		{Agent: "a", At: at(10.5), Status: "available"},
		{Agent: "c", At: at(11), Status: "offline"},
		{Agent: "a", At: at(12), Status: "offline"},
		{Agent: "e", At: at(25), Status: "available"},
	}
	want := [][]Span{{{0, hm(11)}}, {{hm(8), hm(10)}, {hm(10.5), hm(12)}}, {{hm(9.5), hm(24)}}}
	h.Statuses = log
	if got := h.Shifts(); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("shifts %v, want %v", got, want)
	}

	// The hub sets f away for missed offers twice and g once; g goes
	// offline before coming back. A replay that misses offers itself keeps
	// them on through these; a plain one takes them off, as the log says.
	missed := func(agent string, x float64) StatusChange {
		return StatusChange{Agent: agent, At: at(x), Status: "away", Reason: "missed_offers"}
	}
	h.Statuses = append(log,
		StatusChange{Agent: "f", At: at(13), Status: "available"},
		StatusChange{Agent: "g", At: at(13.5), Status: "available"},
		missed("f", 14), StatusChange{Agent: "f", At: at(14.25), Status: "available"},
		missed("g", 14.5), missed("h", 14.6),
		StatusChange{Agent: "g", At: at(15), Status: "offline"},
		missed("f", 16), StatusChange{Agent: "f", At: at(16.5), Status: "available"},
		StatusChange{Agent: "f", At: at(17), Status: "away", Reason: "lunch"},
		StatusChange{Agent: "f", At: at(18), Status: "available"},
		StatusChange{Agent: "f", At: at(19), Status: "offline"},
		missed("f", 25))
	plain := append(slices.Clone(want),
		[]Span{{hm(13), hm(14)}, {hm(14.25), hm(16)}, {hm(16.5), hm(17)}, {hm(18), hm(19)}}, []Span{{hm(13.5), hm(14.5)}})
	folded := append(slices.Clone(want), []Span{{hm(13), hm(17)}, {hm(18), hm(19)}}, []Span{{hm(13.5), hm(15)}})
	if got := h.Shifts(); !slices.EqualFunc(got, plain, slices.Equal) {
		t.Errorf("shifts with aways for missed offers %v, want %v", got, plain)
	}
	h.ReplaysMissed = true
	if got := h.Shifts(); !slices.EqualFunc(got, folded, slices.Equal) {
		t.Errorf("shifts of a replay that misses offers itself %v, want %v", got, folded)
	}
	if got := h.shiftsByAgent(false)["f"]; !slices.Equal(got, plain[3]) {
		t.Errorf("f's shifts as observed %v, want %v", got, plain[3])
	}
	if n := h.missedAways(); n != 4 {
		t.Errorf("%d aways for missed offers in the window, want 4", n)
	}
}

// TestShiftsLeaveContactsWaiting: contacts that arrive after the last
// shift ended are neither answered nor abandoned, and the report says so.
func TestShiftsLeaveContactsWaiting(t *testing.T) {
	s := func(x float64) time.Duration { return seconds(x) }
	cfg := Config{Accept: router.Manual, Interval: time.Minute,
		Media: []MediaShare{{Media: presence.Chat, Share: 1, Handle: s(10), Capacity: 1}, {Media: presence.Email, Share: 1, Handle: s(10), Capacity: 1}},
		Arrivals: []Arrival{{At: 0, Handle: s(5), Media: presence.Chat}, {At: s(20), Handle: s(5), Media: presence.Email},
			{At: s(21), Handle: s(5), Media: presence.Chat}},
		Shifts: [][]Span{{{0, s(10)}}}}
	r := run(t, cfg)
	if m := r.Simulated; m.Arrivals != 3 || m.Answered != 1 || m.Abandoned != 0 || !slices.ContainsFunc(r.Notes, func(n string) bool {
		return strings.HasPrefix(n, "2 contacts were still waiting when the last shift ended")
	}) {
		t.Errorf("%+v, notes %q", m, r.Notes)
	}
	var table strings.Builder
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(table.String(), "every agent had missed them") {
		t.Errorf("the table blames missed offers:\n%s", table.String())
	}
}

// TestHistoryOccupancy works out by hand what a status log and the
// documents say the occupancy was: busy time (overlapping chats once for
// a blend, each in its slot for a single media) over the time worked (on
// shift, or past it holding a contact).
func TestHistoryOccupancy(t *testing.T) {
	m := func(x float64) time.Duration { return time.Duration(x * float64(time.Minute)) }
	h := &History{Start: day0, End: day0.Add(time.Hour), work: []workSpan{
		{agent: "a", from: 0, to: m(10)}, {agent: "a", from: m(5), to: m(20)}, {agent: "b", from: m(30), to: m(40)},
		{agent: "c", from: m(50), to: m(70)}, // no shift in the log: worked while busy, to the end of the window
	}}
	log := []StatusChange{
		{Agent: "a", At: day0, Status: "available"}, {Agent: "b", At: day0.Add(m(20)), Status: "available"},
		{Agent: "a", At: day0.Add(m(30)), Status: "offline"},
	}
	// Busy slot-time 10 + 15 + 10 + 10 min; worked 30 (a) + 40 (b) + 10 (c).
	h.Statuses = log
	if got := h.occupancy(h.shiftsByAgent(false), func(string) int { return 2 }); math.Abs(got-45.0/(2*80)) > 1e-9 {
		t.Errorf("a single media of 2 slots: %v, want %v", got, 45.0/160)
	}
	// Each agent their own slots: 30 × 3 (a) + 40 × 2 (b) + 10 × 1 (c).
	own := map[string]int{"a": 3, "b": 2, "c": 1}
	if got := h.occupancy(h.shiftsByAgent(false), func(a string) int { return own[a] }); math.Abs(got-45.0/180) > 1e-9 {
		t.Errorf("agents of their own capacities: %v, want %v", got, 45.0/180)
	}
	// Busy agent-time 20 (a) + 10 (b) + 10 (c).
	if got := h.occupancy(h.shiftsByAgent(false), nil); math.Abs(got-40.0/80) > 1e-9 {
		t.Errorf("a blend: %v, want 0.5", got)
	}
}
