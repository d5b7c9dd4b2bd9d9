package sim

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
)

// TestReplayByHand follows five contacts through one agent of one slot who
// accepts every offer after exactly a second.
func TestReplayByHand(t *testing.T) {
	s := func(x float64) time.Duration { return seconds(x) }
	cfg := Config{Agents: 1, Handle: 10 * time.Second, Accept: router.Manual, AcceptDelay: time.Second, AcceptDist: Constant,
		Arrivals: []Arrival{
			{At: 0, Handle: s(10), Media: presence.Chat},                     // offered at 0, accepted at 1, ends at 11
			{At: s(1), Handle: s(5), Patience: s(3), Media: presence.Chat},   // leaves the queue at 4
			{At: s(2), Handle: s(5), Patience: s(9.5), Media: presence.Chat}, // offered at 11, leaves at 11.5 while it rings
			{At: s(3), Handle: s(4), Patience: s(9.6), Media: presence.Chat}, // offered at 11.5, accepted at 12.5 just in time, ends at 16.5
			{At: s(5), Handle: s(1), Media: presence.Chat},                   // offered at 16.5, accepted at 17.5
		}}
	type fate struct {
		answered, offered bool
		wait, offerWait   float64
	}
	want := map[int]fate{1: {true, true, 1, 0}, 2: {false, false, 3, 0}, 3: {false, true, 9.5, 9}, 4: {true, true, 9.5, 8.5}, 5: {true, true, 12.5, 11.5}}
	got := map[int]fate{}
	cfg.OnCall = func(c Call) {
		got[c.N] = fate{c.Answered, c.Offered, c.Wait, c.OfferWait}
		if !c.Counted || c.Media != presence.Chat || c.Handle != cfg.Arrivals[c.N-1].Handle.Seconds() {
			t.Errorf("call %d: %+v", c.N, c)
		}
	}
	r := run(t, cfg)
	for n, w := range want {
		g := got[n]
		if g.answered != w.answered || g.offered != w.offered || math.Abs(g.wait-w.wait) > 1e-6 || math.Abs(g.offerWait-w.offerWait) > 1e-6 {
			t.Errorf("contact %d: %+v, want %+v", n, g, w)
		}
	}
	if m := r.Simulated; r.Input.Warmup != 0 || m.Answered != 3 || m.Abandoned != 2 || m.Arrivals != 5 {
		t.Errorf("report: warm-up %v, %d arrivals, %d answered, %d abandoned", r.Input.Warmup, m.Arrivals, m.Answered, m.Abandoned)
	}
	if want := 5 / (5*time.Second + 1).Seconds(); math.Abs(r.Input.Rate-want) > 1e-9 {
		t.Errorf("rate %v, want %v", r.Input.Rate, want)
	}
}

// TestReplayWrapups: an arrival's own wrap-up holds its agent's slot that
// long after it ends; one without (0) takes its media's, and a run's
// queues give the hub a wrap-up timeout past the longest, so that the hub
// never wraps one up before the replay does.
func TestReplayWrapups(t *testing.T) {
	s := func(x float64) time.Duration { return seconds(x) }
	cfg := Config{Agents: 1, Accept: router.Auto, Media: []MediaShare{{Media: presence.Chat, Share: 1, Handle: s(10), Capacity: 1, Wrapup: s(5)}},
		Arrivals: []Arrival{
			{At: 0, Handle: s(10), Wrapup: s(300), Media: presence.Chat},  // ends at 10, wrapped up at 310
			{At: s(1), Handle: s(10), Media: presence.Chat},               // answered at 310, ends at 320, wrapped up at 325
			{At: s(2), Handle: s(10), Wrapup: s(1), Media: presence.Chat}, // answered at 325, ends at 335, wrapped up at 336
			{At: s(3), Handle: s(10), Media: presence.Chat},               // answered at 336
		}}
	want := map[int]float64{1: 0, 2: 309, 3: 323, 4: 333}
	got := map[int]float64{}
	cfg.OnCall = func(c Call) {
		if !c.Answered {
			t.Errorf("contact %d left: %+v", c.N, c)
		}
		got[c.N] = c.Wait
	}
	r := run(t, cfg)
	for n, w := range want {
		if math.Abs(got[n]-w) > 1e-6 {
			t.Errorf("contact %d waited %.3f s, want %.3f", n, got[n], w)
		}
	}
	if r.Simulated.Answered != 4 {
		t.Errorf("%d answered, want 4", r.Simulated.Answered)
	}
	bad := cfg
	bad.OnCall = nil
	for _, w := range []time.Duration{-time.Second, maxDelay + time.Second} {
		bad.Arrivals = []Arrival{{At: 0, Handle: s(1), Wrapup: w}}
		if _, err := Run(context.Background(), bad); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "wrap-up") {
			t.Errorf("an arrival's wrap-up of %v: %v", w, err)
		}
	}
}

// TestReplayIsTheRun replays a drawn run's own contacts, with two
// languages, teams that speak them, patience and manual offers that agents
// sometimes miss: every contact meets the same fate, with the same agent,
// after the same wait.
func TestReplayIsTheRun(t *testing.T) {
	n := 3000
	if raceOn || testing.Short() {
		n = 800
	}
	cfg := load(6, 0.9, n, 7)
	cfg.Warmup = -1
	cfg.Capacity = 2
	cfg.Patience = 80 * time.Second
	cfg.Languages = []LanguageShare{{"en", 2}, {"fr", 1}}
	cfg.Teams = []Team{{Agents: 4, Languages: []string{"en"}}, {Agents: 2, Languages: []string{"fr", "en"}}}
	cfg.Accept, cfg.AcceptDelay, cfg.Miss, cfg.OfferTimeout = router.Manual, 3*time.Second, 0.05, 10*time.Second
	drawn := map[int]Call{}
	cfg.OnCall = func(c Call) { drawn[c.N] = c }
	run(t, cfg)
	arrivals := make([]Arrival, len(drawn))
	for n, c := range drawn {
		arrivals[n-1] = Arrival{At: seconds(c.Arrive), Media: c.Media, Language: c.Language, Handle: seconds(c.Handle), Patience: seconds(c.Patience)}
	}
	replay := cfg
	replay.Rate, replay.Arrivals = 0, arrivals
	same, abandoned := 0, 0
	replay.OnCall = func(c Call) {
		d := drawn[c.N]
		if c.Answered != d.Answered || c.Agent != d.Agent || math.Abs(c.Wait-d.Wait) > 1e-6 || c.Offered != d.Offered || c.Language != d.Language {
			t.Fatalf("contact %d: replayed %+v, drawn %+v", c.N, c, d)
		}
		same++
		if !c.Answered {
			abandoned++
		}
	}
	run(t, replay)
	if same != len(drawn) || abandoned == 0 || abandoned == same {
		t.Fatalf("%d of %d contacts replayed, %d abandoned", same, len(drawn), abandoned)
	}
}

// TestReplayConfig: a replay's arrivals are checked, and refuse what draws
// would need.
func TestReplayConfig(t *testing.T) {
	ok := func() Config {
		return Config{Agents: 2, Handle: time.Minute, Languages: []LanguageShare{{"en", 1}},
			Arrivals: []Arrival{{At: time.Second, Media: presence.Chat, Handle: time.Minute, Language: "en-GB"}, {At: 2 * time.Second, Media: presence.Chat, Handle: time.Minute}}}
	}
	if _, err := ok().withDefaults(); err != nil {
		t.Fatal(err)
	}
	for name, mend := range map[string]func(*Config){
		"a rate":               func(c *Config) { c.Rate = 1 },
		"a profile":            func(c *Config) { c.Profile = []float64{1} },
		"a warm-up":            func(c *Config) { c.Warmup = time.Second },
		"two queues, no queue": func(c *Config) { c.Queues = []QueueShare{{Name: "a", Share: 1}, {Name: "b", Share: 1}} },
		"another queue": func(c *Config) {
			c.Queues = []QueueShare{{Name: "a", Share: 1}}
			c.Arrivals[0].Queue = "b"
		},
		"a schedule, no interval": func(c *Config) { c.Schedule = []int{2} },
		"a short interval":        func(c *Config) { c.Interval = time.Second },
		"too many intervals":      func(c *Config) { c.Interval, c.Duration = time.Minute, 2000*time.Minute },
		"a schedule too short":    func(c *Config) { c.Interval, c.Duration, c.Schedule = time.Minute, 2*time.Minute, []int{2} },
		"out of order":            func(c *Config) { c.Arrivals[0].At = 3 * time.Second },
		"before the start":        func(c *Config) { c.Arrivals[0].At = -1 },
		"no handle time":          func(c *Config) { c.Arrivals[1].Handle = 0 },
		"negative patience":       func(c *Config) { c.Arrivals[1].Patience = -1 },
		"a voice contact":         func(c *Config) { c.Arrivals[1].Media = presence.Voice },
		"another language":        func(c *Config) { c.Arrivals[1].Language = "fr" },
		"a bad language":          func(c *Config) { c.Arrivals[1].Language = "x" },
		"too short":               func(c *Config) { c.Duration = 2 * time.Second },
		"constant auto":           func(c *Config) { c.AcceptDist = Constant },
		"a bad accept spread":     func(c *Config) { c.Accept, c.AcceptDist = router.Manual, Lognormal },
	} {
		c := ok()
		mend(&c)
		if _, err := c.withDefaults(); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
}

// TestReplayIntervals cuts a replay of two days into hours: the window
// becomes whole hours, the profile the arrivals' rate in each, a schedule
// staffs them, and each contact counts in the hour it arrived, in its own
// queue; the table labels the second day's hours.
func TestReplayIntervals(t *testing.T) {
	h := func(x float64) time.Duration { return seconds(x * 3600) }
	arrivals := []Arrival{
		{At: h(0.5), Media: presence.Chat, Queue: "b", Handle: time.Minute},
		{At: h(0.75), Media: presence.Chat, Queue: "a", Handle: time.Minute},
		{At: h(2.2), Media: presence.Chat, Queue: "a", Handle: time.Minute},
		{At: h(25.5), Media: presence.Chat, Queue: "b", Handle: time.Minute},
	}
	if p := ArrivalProfile(arrivals, time.Hour); len(p) != 26 || p[0] != 2.0/3600 || p[1] != 0 || p[2] != 1.0/3600 || p[25] != 1.0/3600 {
		t.Fatalf("profile %v", p)
	}
	schedule := make([]int, 27)
	schedule[0], schedule[2], schedule[25] = 1, 1, 2
	cfg := Config{Handle: time.Minute, Interval: time.Hour, Duration: h(26.5), Schedule: schedule, Arrivals: arrivals,
		Queues: []QueueShare{{Name: "a", Share: 1}, {Name: "b", Share: 1}}}
	r := run(t, cfg)
	if r.Input.Duration != 27*3600 || len(r.Intervals) != 27 || r.Input.Agents != 2 || r.Input.Warmup != 0 {
		t.Fatalf("window %v s, %d intervals, %d agents, warm-up %v", r.Input.Duration, len(r.Intervals), r.Input.Agents, r.Input.Warmup)
	}
	for k, want := range map[int]int{0: 2, 1: 0, 2: 1, 25: 1, 26: 0} {
		if iv := r.Intervals[k]; iv.Simulated.Arrivals != want || iv.Simulated.Answered != want || iv.Agents != schedule[k] {
			t.Errorf("interval %d: %+v, want %d arrivals answered, %d agents", k, iv.Simulated, want, schedule[k])
		}
	}
	if q := r.Queues; len(q) != 2 || q[0].Simulated.Arrivals != 2 || q[1].Simulated.Arrivals != 2 {
		t.Errorf("queues %+v", q)
	}
	var table strings.Builder
	if err := r.WriteTable(&table); err != nil || !strings.Contains(table.String(), "\nd2 01:00  ") || !strings.Contains(table.String(), "\n23:00  ") {
		t.Errorf("table: %v\n%s", err, table.String())
	}
}
