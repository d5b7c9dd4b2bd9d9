package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestScheduled: agents to schedule are the agents available over the
// share of time they are, rounded up, and a shrinkage that divides evenly
// is not pushed over by the float's last digit.
func TestScheduled(t *testing.T) {
	for _, c := range []struct {
		n         int
		shrinkage float64
		want      int
	}{{26, 0, 26}, {26, 0.3, 38}, {0, 0.3, 0}, {7, 0.3, 10}, {14, 0.3, 20}, {3, 0.5, 6}, {9, 0.1, 10}, {1, 0.95, 20}, {100, 0.25, 134}} {
		if got := (Targets{Shrinkage: c.shrinkage}).scheduled(c.n); got != c.want {
			t.Errorf("scheduled(%d) at %g = %d, want %d", c.n, c.shrinkage, got, c.want)
		}
	}
	for _, tg := range []Targets{{ServiceLevel: 0.8, Shrinkage: -0.1}, {ServiceLevel: 0.8, Shrinkage: 0.96}, {ServiceLevel: 0.8, Shrinkage: 1}, {Shrinkage: 0.3}} {
		if err := tg.check(); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v, want ErrConfig", tg, err)
		}
	}
}

// TestStaffShrinkage: the search's answer is unchanged by shrinkage, which
// only turns it, and the model's, into agents to schedule.
func TestStaffShrinkage(t *testing.T) {
	cfg := staffLoad(1500)
	plain, err := Staff(context.Background(), cfg, Targets{ServiceLevel: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Staff(context.Background(), cfg, Targets{ServiceLevel: 0.8, Shrinkage: 0.35})
	if err != nil {
		t.Fatal(err)
	}
	st, p := r.Staffing, plain.Staffing
	if st.Agents != p.Agents || st.ModelAgents != p.ModelAgents || len(st.Tried) != len(p.Tried) || !reflect.DeepEqual(r.Simulated, plain.Simulated) {
		t.Fatalf("shrinkage changed the search: %+v against %+v", st, p)
	}
	want := func(n int) int { // the smallest roster whose 65 % reaches n
		m := n
		for float64(m)*0.65 < float64(n)-1e-9 {
			m++
		}
		return m
	}
	if st.Scheduled != want(st.Agents) || st.ModelScheduled != want(st.ModelAgents) || p.Scheduled != 0 {
		t.Errorf("scheduled %d (model %d) for %d (%d) agents", st.Scheduled, st.ModelScheduled, st.Agents, st.ModelAgents)
	}
	var b strings.Builder
	if err := r.WriteTable(&b); err != nil || !strings.Contains(b.String(), "to schedule at 35 % shrinkage: ") {
		t.Errorf("table %v: %s", err, b.String())
	}
}

// TestStaffProfileShrinkage: each interval's roster, its column, and the
// day's agent-hours in a note.
func TestStaffProfileShrinkage(t *testing.T) {
	cfg := Config{Handle: 100 * time.Second, Profile: []float64{0, 0.05, 0.15}, Interval: time.Hour, Duration: 9 * time.Hour, Seed: 4}
	r, err := StaffProfile(context.Background(), cfg, Targets{ServiceLevel: 0.8, Shrinkage: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	tg := Targets{Shrinkage: 0.3}
	var avail, sched, mAvail, mSched int
	for k, iv := range r.Intervals {
		st := iv.Staffing
		if k == 0 {
			if st != nil {
				t.Fatalf("closed interval staffed: %+v", st)
			}
			continue
		}
		if st.Scheduled != tg.scheduled(st.Agents) || st.ModelScheduled != tg.scheduled(st.ModelAgents) || iv.Agents != st.Agents {
			t.Errorf("interval %d: %+v", k, st)
		}
		avail, sched, mAvail, mSched = avail+st.Agents, sched+st.Scheduled, mAvail+st.ModelAgents, mSched+st.ModelScheduled
	}
	note := ""
	for _, n := range r.Notes {
		if strings.Contains(n, "shrinkage") {
			note = n
		}
	}
	wantNote := "at 30 % shrinkage, the roster is " + strconv.Itoa(sched) + " agent-hours for the " + strconv.Itoa(avail) + " available (Erlang C: " + strconv.Itoa(mSched) + " for " + strconv.Itoa(mAvail) + ")"
	if note != wantNote {
		t.Errorf("note %q, want %q", note, wantNote)
	}
	var b strings.Builder
	if err := r.WriteTable(&b); err != nil || !strings.Contains(b.String(), "model's agents  to schedule (agents ÷ 0.7)") {
		t.Errorf("table %v: %s", err, b.String())
	}
	row := ""
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "02:00 ") {
			row = line
		}
	}
	if st := r.Intervals[2].Staffing; !strings.HasSuffix(row, " "+strconv.Itoa(st.Scheduled)) {
		t.Errorf("interval 3's row %q does not end with its roster %d", row, st.Scheduled)
	}
}

func TestMainShrinkage(t *testing.T) {
	var out, errb bytes.Buffer
	args := []string{"--rate", "0.08", "--handle", "100", "--target-sl", "80%", "--shrinkage", "30%", "--duration", "20000", "--quiet", "--json"}
	if code := Main(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var r struct {
		Staffing struct {
			Targets        map[string]float64
			Agents         int
			Scheduled      int `json:"scheduled"`
			ModelAgents    int `json:"model_agents"`
			ModelScheduled int `json:"model_scheduled"`
		}
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	s := r.Staffing
	tg := Targets{Shrinkage: 0.3}
	if s.Targets["shrinkage"] != 0.3 || s.Agents == 0 || s.Scheduled != tg.scheduled(s.Agents) || s.ModelScheduled != tg.scheduled(s.ModelAgents) {
		t.Errorf("staffing %+v", s)
	}
	for _, bad := range [][]string{
		{"--agents", "5", "--shrinkage", "30%"},
		{"--target-sl", "0.8", "--shrinkage", "100%"},
		{"--target-sl", "0.8", "--shrinkage", "0"},
		{"--target-sl", "0.8", "--shrinkage", "-5%"},
	} {
		errb.Reset()
		if code := Main(append([]string{"--rate", "0.08", "--handle", "100", "--quiet"}, bad...), &out, &errb); code != 2 || errb.Len() == 0 {
			t.Errorf("Main(%q) = %d, %q", bad, code, errb.String())
		}
	}
}
