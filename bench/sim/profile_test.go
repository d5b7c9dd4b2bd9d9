package sim

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestProfileArrivals: arrivals follow the profile, interval by interval:
// none in closed hours, and in each open interval a count within four
// standard deviations of rate × length (Poisson) over the run.
func TestProfileArrivals(t *testing.T) {
	profile := []float64{0, 0.02, 0.1, 0, 0.05}
	const iv = 3600.0
	cycles := 40.0
	if raceOn || testing.Short() {
		cycles = 10
	}
	counts := make([]int, len(profile))
	cfg := Config{Agents: 30, Handle: 60 * time.Second, Profile: profile, Interval: seconds(iv),
		Duration: seconds(cycles * iv * float64(len(profile))), Warmup: -1, Seed: 7,
		OnCall: func(c Call) {
			counts[int(c.Arrive/iv)%len(profile)]++
		}}
	r := run(t, cfg)
	for k, rate := range profile {
		want := rate * iv * cycles
		if math.Abs(float64(counts[k])-want) > 4*math.Sqrt(want) || (rate == 0 && counts[k] != 0) {
			t.Errorf("interval %d: %d arrivals, want about %.0f", k, counts[k], want)
		}
		if got := r.Intervals[k]; got.Simulated.Arrivals != counts[k] || got.Rate != rate || got.Start != float64(k)*iv || got.Agents != 30 {
			t.Errorf("interval %d report %+v, %d arrivals", k, got, counts[k])
		}
	}
	if r.Input.Rate != 0.034 || r.Input.Interval != iv || len(r.Input.Profile) != len(profile) {
		t.Errorf("input %+v", r.Input)
	}
}

// TestScheduleIsKept: an agent off shift takes no new contact, and agents
// coming on shift take at once what waited for them. Closed at first
// (no agent on shift, contacts arriving), then 3 agents, then 1, then 2.
func TestScheduleIsKept(t *testing.T) {
	profile := []float64{0.02, 0.02, 0.02, 0.02}
	schedule := []int{0, 3, 1, 2}
	const iv = 600.0
	var calls []Call
	cfg := Config{Handle: 100 * time.Second, Profile: profile, Interval: seconds(iv), Schedule: schedule,
		Duration: seconds(50 * 4 * iv), Warmup: -1, Seed: 3, Capacity: 2,
		OnCall: func(c Call) { calls = append(calls, c) }}
	r := run(t, cfg)
	if r.Input.Agents != 3 {
		t.Fatalf("agents %d, want the schedule's largest, 3", r.Input.Agents)
	}
	atOpening := 0
	for _, c := range calls {
		if !c.Answered {
			t.Fatalf("call %+v not answered without patience", c)
		}
		at := c.Arrive + c.Wait // to within rounding
		g := int(math.Floor(at/iv + 1e-9))
		if math.Abs(at-float64(g)*iv) < 1e-6 && c.Wait > 0 {
			// Taken at a shift change: by the new shift.
			atOpening++
		}
		i, err := strconv.Atoi(strings.TrimPrefix(c.Agent, "a"))
		if err != nil {
			t.Fatal(err)
		}
		if on := schedule[g%4]; i > on {
			t.Fatalf("call %+v answered at %.1f s (interval %d, %d on shift) by agent %d", c, at, g%4, on, i)
		}
		if g%4 == 0 && c.Wait == 0 && c.Arrive > 0 {
			t.Fatalf("call %+v answered at once while no agent is on shift", c)
		}
	}
	// Every closed interval's contacts wait for the opening: some are
	// taken in the instant it opens, every cycle.
	if atOpening < 50 {
		t.Errorf("%d calls taken as a shift opened, want at least one per cycle (50)", atOpening)
	}
	if iv0 := r.Intervals[0]; iv0.Simulated.Answered == 0 || iv0.Simulated.ServiceLevel > 0.2 || iv0.Erlang != nil {
		t.Errorf("closed interval: %+v", iv0)
	}
	if occ := r.Intervals[1].Occupancy; !(occ > 0.2 && occ < 1) {
		t.Errorf("occupancy with 3 agents on shift %.3f", occ)
	}
}

// TestClosedAtTheEnd: contacts that arrive while no agent is on shift, at
// the end of the window, are served when the next shift opens, after the
// window, not left waiting.
func TestClosedAtTheEnd(t *testing.T) {
	answered, open := 0, 0
	cfg := Config{Handle: time.Minute, Profile: []float64{0.02, 0.02}, Interval: time.Hour, Schedule: []int{2, 0},
		Duration: 4 * time.Hour, Warmup: -1, Seed: 1, OnCall: func(c Call) {
			if c.Answered {
				answered++
			}
			if c.Arrive+c.Wait >= 4*3600-1e-6 {
				open++ // taken after the window
			}
		}}
	r := run(t, cfg)
	if answered != r.Simulated.Arrivals || r.Simulated.Answered != answered || open == 0 {
		t.Errorf("%d arrivals, %d answered (%d after the window), report %+v", r.Simulated.Arrivals, answered, open, r.Simulated)
	}
}

// TestProfileIntervalsMatchErlang: with long intervals (300 handle times)
// each interval is close to steady, and its figures are close to its own
// Erlang C: the schedule's agents serve it, the profile's rate loads it.
func TestProfileIntervalsMatchErlang(t *testing.T) {
	if raceOn || testing.Short() {
		t.Skip("statistical: 60,000 arrivals")
	}
	const iv = 30000.0
	cfg := Config{Handle: 100 * time.Second, Profile: []float64{0.05, 0.15}, Interval: seconds(iv), Schedule: []int{7, 18},
		Duration: seconds(10 * 2 * iv), Seed: 11}
	r := run(t, cfg)
	for k, ir := range r.Intervals {
		p := ir.Erlang
		if p == nil || p.Model != "erlang_c" {
			t.Fatalf("interval %d: model %+v", k, p)
		}
		if math.Abs(ir.Simulated.ServiceLevel-p.ServiceLevel) > 0.03 || math.Abs(ir.Occupancy-p.Occupancy) > 0.02 {
			t.Errorf("interval %d (%g/s, %d agents): simulated SL %.4f occupancy %.4f, Erlang C %.4f %.4f",
				k, ir.Rate, ir.Agents, ir.Simulated.ServiceLevel, ir.Occupancy, p.ServiceLevel, p.Occupancy)
		}
		t.Logf("interval %d: SL %.4f / %.4f, ASA %.2f / %.2f, occupancy %.4f / %.4f", k, ir.Simulated.ServiceLevel, p.ServiceLevel,
			ir.Simulated.ASA, p.ASA, ir.Occupancy, p.Occupancy)
	}
	// Run-wide occupancy is of the time on shift: 5 + 15 erlangs on 7 + 18
	// agents, not on 18 agents all day.
	want := (0.05*100 + 0.15*100) / (7 + 18.0)
	if math.Abs(r.Simulated.Occupancy-want) > 0.02 {
		t.Errorf("run-wide occupancy %.4f, want about %.4f", r.Simulated.Occupancy, want)
	}
}

func TestProfileRefused(t *testing.T) {
	base := func() Config {
		return Config{Agents: 3, Handle: time.Minute, Profile: []float64{0.1, 0}, Duration: time.Hour}
	}
	for name, mod := range map[string]func(*Config){
		"rate and profile":  func(c *Config) { c.Rate = 1 },
		"no arrivals":       func(c *Config) { c.Profile = []float64{0, 0} },
		"negative rate":     func(c *Config) { c.Profile = []float64{0.1, -1} },
		"nan rate":          func(c *Config) { c.Profile = []float64{math.NaN()} },
		"short interval":    func(c *Config) { c.Interval = time.Second },
		"schedule length":   func(c *Config) { c.Schedule = []int{3} },
		"schedule negative": func(c *Config) { c.Schedule = []int{3, -1} },
		"schedule empty":    func(c *Config) { c.Agents, c.Schedule = 0, []int{0, 0} },
		"agents not max":    func(c *Config) { c.Schedule = []int{2, 1} },
		"schedule teams":    func(c *Config) { c.Agents, c.Schedule, c.Teams = 0, []int{3, 1}, []Team{{Agents: 3}} },
		"schedule alone":    func(c *Config) { c.Profile, c.Rate, c.Schedule = nil, 0.1, []int{3} },
		"interval alone":    func(c *Config) { c.Profile, c.Rate, c.Interval = nil, 0.1, time.Hour },
		"too many":          func(c *Config) { c.Profile = make([]float64, maxIntervals+1); c.Profile[0] = 1 },
	} {
		cfg := base()
		mod(&cfg)
		if _, err := Run(context.Background(), cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
	cfg := base()
	cfg.Agents = 0
	if _, err := Staff(context.Background(), cfg, Targets{ServiceLevel: 0.8}); !errors.Is(err, ErrConfig) {
		t.Errorf("Staff with a profile: %v", err)
	}
	var out, errb bytes.Buffer
	if code := Main([]string{"--handle", "300", "--profile", "0,0.02,0.05", "--schedule", "0,4,9", "--interval", "3600",
		"--duration", "172800", "--quiet"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "02:00     0.05      9") {
		t.Errorf("exit %d: %s %s", code, out.String(), errb.String())
	}
	for _, bad := range [][]string{
		{"--profile", "0.1,x", "--agents", "3"},
		{"--profile", "0.1,-2", "--agents", "3"},
		{"--profile", "0.1", "--rate", "0.1", "--agents", "3"},
		{"--profile", "0.1", "--schedule", "a"},
		{"--profile", "0.1,0.2", "--schedule", "3"},
		{"--profile", "0.1", "--interval", "-5", "--agents", "3"},
		{"--profile", "0.1", "--interval", "10", "--agents", "3"},
	} {
		errb.Reset()
		if code := Main(append([]string{"--handle", "100", "--quiet"}, bad...), &out, &errb); code != 2 || errb.Len() == 0 {
			t.Errorf("Main(%q) = %d, %q", bad, code, errb.String())
		}
	}
}

// TestStaffProfile: each open interval gets the agents its own staffing
// search finds, closed ones none, and the day runs on that schedule.
func TestStaffProfile(t *testing.T) {
	days := 8.0
	if raceOn || testing.Short() {
		days = 3
	}
	const iv = 3600.0
	cfg := Config{Handle: 100 * time.Second, Profile: []float64{0, 0.05, 0.15}, Interval: seconds(iv),
		Duration: seconds(days * 3 * iv), Seed: 4}
	tg := Targets{ServiceLevel: 0.8}
	r, err := StaffProfile(context.Background(), cfg, tg)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Input.Schedule) != 3 || r.Input.Schedule[0] != 0 || r.Intervals[0].Staffing != nil {
		t.Fatalf("schedule %v, closed interval %+v", r.Input.Schedule, r.Intervals[0])
	}
	for k := 1; k < 3; k++ {
		st := r.Intervals[k].Staffing
		if st == nil || st.Agents != r.Input.Schedule[k] || r.Intervals[k].Agents != st.Agents || st.ModelAgents == 0 {
			t.Fatalf("interval %d: staffing %+v, schedule %v", k, st, r.Input.Schedule)
		}
	}
	if r.Input.Agents != r.Input.Schedule[2] || r.Input.Schedule[1] >= r.Input.Schedule[2] {
		t.Errorf("agents %d, schedule %v", r.Input.Agents, r.Input.Schedule)
	}
	// The busy interval's search is Staff on its rate alone.
	one := cfg
	one.Profile, one.Interval, one.Rate = nil, 0, 0.15
	alone, err := Staff(context.Background(), one, tg)
	if err != nil {
		t.Fatal(err)
	}
	if alone.Staffing.Agents != r.Input.Schedule[2] || len(alone.Staffing.Tried) != len(r.Intervals[2].Staffing.Tried) {
		t.Errorf("interval 3 alone: %+v; in the profile: %+v", alone.Staffing, r.Intervals[2].Staffing)
	}
	for name, mod := range map[string]func(*Config){
		"no profile": func(c *Config) { c.Profile, c.Interval, c.Rate = nil, 0, 0.1 },
		"agents":     func(c *Config) { c.Agents = 3 },
		"schedule":   func(c *Config) { c.Schedule = []int{0, 3, 5} },
		"teams":      func(c *Config) { c.Teams = []Team{{Agents: 3}} },
		"bad":        func(c *Config) { c.Profile = []float64{0, -1} },
	} {
		c := cfg
		mod(&c)
		if _, err := StaffProfile(context.Background(), c, tg); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
	if _, err := StaffProfile(context.Background(), cfg, Targets{}); !errors.Is(err, ErrConfig) {
		t.Errorf("no target: %v", err)
	}
	var out, errb bytes.Buffer
	if code := Main([]string{"--handle", "100", "--profile", "0.01,0.05", "--schedule", "1,2", "--target-sl", "0.8", "--quiet"}, &out, &errb); code != 2 {
		t.Errorf("--schedule with a target: exit %d", code)
	}
	if code := Main([]string{"--handle", "100", "--profile", "0,0.05", "--interval", "3600", "--target-sl", "0.8", "--duration", "36000", "--quiet"}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "model's agents") {
		t.Errorf("exit %d: %s %s", code, out.String(), errb.String())
	}
}
