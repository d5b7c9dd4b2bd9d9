package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestReadStatuses reads a status log as GET /v1/agent-statuses gives it
// (pages one after the other), as an array and as lines, into time order;
// what is not a status log is an error that says where.
func TestReadStatuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pages := `{"statuses":[{"agent":"zoe","at":"2026-11-20T08:00:00Z","status":"available"},
	{"agent":"ben","at":"2026-11-20T08:01:00Z","status":"available"}],"cursor":"1:ben"}
{"statuses":[{"agent":"zoe","at":"2026-11-20T08:30:00.5Z","status":"away","reason":"missed_offers"}]}
{"statuses":[]}`
	array := `[{"agent":"ben","at":"2026-11-20T08:01:00Z","status":"available"},{"agent":"zoe","at":"2026-11-20T08:00:00Z","status":"available"},
	{"agent":"zoe","at":"2026-11-20T08:30:00.5Z","status":"away","reason":"missed_offers"}]`
	lines := `{"agent":"zoe","at":"2026-11-20T08:30:00.5Z","status":"away","reason":"missed_offers"}
{"agent":"zoe","at":"2026-11-20T08:00:00Z","status":"available"}
{"agent":"ben","at":"2026-11-20T08:01:00Z","status":"available"}`
	for name, body := range map[string]string{"pages": pages, "array": array, "lines": lines} {
		log, err := ReadStatuses(write(name, body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(log) != 3 || log[0].Agent != "zoe" || log[1].Agent != "ben" || log[2].Status != "away" || log[2].Reason != "missed_offers" ||
			!log[2].At.Equal(time.Date(2026, 11, 20, 8, 30, 0, 5e8, time.UTC)) {
			t.Errorf("%s: %+v", name, log)
		}
	}
	for name, body := range map[string]string{
		"not JSON":    "{",
		"empty":       "",
		"no pages":    `{"statuses":[]}`,
		"bad status":  `[{"agent":"zoe","at":"2026-11-20T08:00:00Z","status":"busy"}]`,
		"no agent":    `{"at":"2026-11-20T08:00:00Z","status":"away"}`,
		"no time":     `{"agent":"zoe","status":"away"}`,
		"bad time":    `{"agent":"zoe","at":"08:00","status":"away"}`,
		"a wrong doc": `{"sessions":[]}`,
	} {
		if _, err := ReadStatuses(write("bad", body)); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "statuses") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := ReadStatuses(filepath.Join(dir, "missing")); !errors.Is(err, ErrConfig) {
		t.Errorf("a missing file: %v", err)
	}
}

// TestHistoryAvailable follows agents through a day's status log: the
// agent-time available in each hour over the hour, an agent available
// since before the history counted from its start, one still available
// at its end counted to it.
func TestHistoryAvailable(t *testing.T) {
	h := &History{Start: day0, End: day0.Add(24 * time.Hour)}
	at := func(hm string) time.Time {
		tm, err := time.Parse("15:04", hm)
		if err != nil {
			t.Fatal(err)
		}
		return day0.Add(time.Duration(tm.Hour())*time.Hour + time.Duration(tm.Minute())*time.Minute)
	}
	log := []StatusChange{
		{Agent: "c", At: day0.Add(-2 * time.Hour), Status: "available"},
		{Agent: "a", At: at("08:00"), Status: "available"},
		{Agent: "b", At: at("09:30"), Status: "available"},
		{Agent: "a", At: at("10:00"), Status: "away"},
		{Agent: "a", At: at("10:30"), Status: "available"},
		{Agent: "c", At: at("11:00"), Status: "offline"},
		{Agent: "a", At: at("12:00"), Status: "offline"},
		{Agent: "a", At: at("12:15"), Status: "offline"},
	}
	h.Statuses = log
	got := h.Available(time.Hour)
	want := make([]float64, 24)
	for k := range 11 {
		want[k] = 1 // c, from midnight to 11:00
	}
	want[8], want[9], want[10], want[11] = 2, 2.5, 2.5, 2
	for k := 12; k < 24; k++ {
		want[k] = 1 // b, to the end
	}
	if !slices.Equal(got, want) {
		t.Errorf("available by the hour:\n got %v\nwant %v", got, want)
	}
	if got := h.Available(0); got != nil {
		t.Errorf("no interval: %v", got)
	}
}

// TestHistoryWithItsStatusLog replays the scheduled day with the status
// log its agents would have left (each on shift available, then
// offline): --schedule available gives back the day's schedule, the quiet
// hour's agents included, where --schedule seen misses those who took
// nothing, and the replay meets what the day met.
func TestHistoryWithItsStatusLog(t *testing.T) {
	schedule, dir, r0 := scheduledDay(t)
	start := day0.Add(8 * time.Hour)
	var lines bytes.Buffer
	enc := json.NewEncoder(&lines)
	on := 0
	for k, n := range append(schedule, 0) {
		at := start.Add(time.Duration(k) * time.Hour)
		for i := on + 1; i <= n; i++ {
			_ = enc.Encode(StatusChange{Agent: fmt.Sprintf("a%05d", i), At: at, Status: "available"})
		}
		for i := n + 1; i <= on; i++ {
			_ = enc.Encode(StatusChange{Agent: fmt.Sprintf("a%05d", i), At: at, Status: "offline"})
		}
		on = n
	}
	statuses := filepath.Join(t.TempDir(), "statuses.json")
	if err := os.WriteFile(statuses, lines.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	simulate := func(args ...string) (Report, string) {
		t.Helper()
		return simulateMain(t, append([]string{"--history", dir, "--statuses", statuses, "--interval", "3600", "--quiet"}, args...)...)
	}
	r, _ := simulate("--schedule", "available", "--json")
	want := make([]int, 24)
	copy(want[8:], schedule)
	if !slices.Equal(r.Input.Schedule, want) || r.Intervals[13].AgentsAvailable != 4 || r.Intervals[13].AgentsSeen >= 4 {
		t.Fatalf("the schedule from the log %v, want %v; 13:00 %+v", r.Input.Schedule, want, r.Intervals[13])
	}
	if r.History.Statuses != 20 || r.History.StatusesAgents != 10 {
		t.Errorf("the log read: %d changes of %d agents", r.History.Statuses, r.History.StatusesAgents)
	}
	// The log and the documents give the day's occupancy back.
	t.Logf("occupancy: observed %.4f, the day %.4f, the replay %.4f", r.History.Occupancy, r0.Simulated.Occupancy, r.Simulated.Occupancy)
	if o := r.History.Occupancy; math.Abs(o-r0.Simulated.Occupancy) > 0.002 || math.Abs(o-r.Simulated.Occupancy) > 0.01 {
		t.Errorf("observed occupancy %.4f; the day's %.4f, the replay's %.4f", o, r0.Simulated.Occupancy, r.Simulated.Occupancy)
	}
	was, sim := r0.Simulated, r.Simulated
	if math.Abs(sim.ServiceLevel-was.ServiceLevel) > 0.02 || math.Abs(sim.AbandonRate-was.AbandonRate) > 0.01 || relErr(sim.ASA, was.ASA) > 0.15 {
		t.Errorf("on the log's schedule: SL %.4f, ASA %.2f s, abandoned %.4f; the day: %.4f, %.2f s, %.4f",
			sim.ServiceLevel, sim.ASA, sim.AbandonRate, was.ServiceLevel, was.ASA, was.AbandonRate)
	}
	_, table := simulate("--schedule", "available")
	if !strings.Contains(table, "available") || !strings.Contains(table, "the status log: 20 changes of 10 agents' status") ||
		!strings.Contains(table, "occupancy from the status log") {
		t.Errorf("the table:\n%s", table)
	}
	// The hub set a00001 away for missed offers for a minute: a replay
	// that misses offers itself leaves that to its own misses.
	missed := filepath.Join(t.TempDir(), "missed.json")
	_ = enc.Encode(StatusChange{Agent: "a00001", At: start.Add(30 * time.Minute), Status: "away", Reason: "missed_offers"})
	_ = enc.Encode(StatusChange{Agent: "a00001", At: start.Add(31 * time.Minute), Status: "available"})
	if err := os.WriteFile(missed, lines.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args  []string
		folds bool
	}{{nil, false}, {[]string{"--accept", "manual"}, false}, {[]string{"--accept", "manual", "--miss", "5%"}, true}} {
		args := append([]string{"--history", dir, "--statuses", missed, "--interval", "3600", "--schedule", "available", "--quiet"}, c.args...)
		r, _ := simulateMain(t, append(args, "--json")...)
		_, table := simulateMain(t, args...)
		line := "away for missed offers once; the replay takes them off shift"
		if c.folds {
			line = "away for missed offers once; the replay keeps them on shift"
		}
		if r.History.MissedAways != 1 || r.History.ReplaysMissed != c.folds || !strings.Contains(table, line) {
			t.Errorf("%v: %d aways for missed offers, left to the replay %v; the table:\n%s", c.args, r.History.MissedAways, r.History.ReplaysMissed, table)
		}
	}
	for _, args := range [][]string{
		{"--agents", "3", "--rate", "1", "--handle", "60", "--statuses", statuses},
		{"--history", dir, "--interval", "3600", "--schedule", "available"},
		{"--history", dir, "--statuses", statuses, "--schedule", "available"},
	} {
		var out, errs bytes.Buffer
		if code := Main(args, &out, &errs); code != 2 || !strings.Contains(errs.String(), "--s") {
			t.Errorf("%v: exit %d, %s", args, code, errs.String())
		}
	}
}

// simulateMain runs switchboard simulate with args, which must succeed:
// its report, when args ask for JSON, and its output.
func simulateMain(t *testing.T, args ...string) (Report, string) {
	t.Helper()
	var out, errs bytes.Buffer
	if code := Main(args, &out, &errs); code != 0 {
		t.Fatalf("simulate %v: exit %d: %s", args, code, errs.String())
	}
	var r Report
	if slices.Contains(args, "--json") {
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
	}
	return r, out.String()
}
