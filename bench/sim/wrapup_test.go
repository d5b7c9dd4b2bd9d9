package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/bench/erlang"
)

// TestWrapupHoldsTheSlot: with constant handle times, each agent's next
// contact starts no sooner than the last one's handle time and wrap-up
// after it started (one chat at a time), and the agents are busy through
// their wrap-ups: the occupancy is λ(h+w)/c, the same as with chats as long
// as both and no wrap-up, and every call waits as long in both runs.
func TestWrapupHoldsTheSlot(t *testing.T) {
	n := 4000
	if raceOn || testing.Short() {
		n = 1000
	}
	cfg := load(5, 0.9, n, 31)
	cfg.HandleDist = Constant
	long := cfg // chats of 100 s, no wrap-up
	cfg.Handle, cfg.Wrapup = 75*time.Second, 25*time.Second
	waits := map[int]float64{}
	long.OnCall = func(c Call) { waits[c.N] = c.Wait }
	lr := run(t, long)

	last := map[string]float64{}
	same := 0
	cfg.OnCall = func(c Call) {
		if w, ok := waits[c.N]; ok && math.Abs(w-c.Wait) < 1e-6 {
			same++
		}
		if !c.Answered {
			return
		}
		start := c.Arrive + c.Wait
		if prev, ok := last[c.Agent]; ok && start-prev < 100-1e-6 {
			t.Fatalf("agent %s took call %d %.3f s after its last one: handle 75 s + wrap-up 25 s", c.Agent, c.N, start-prev)
		}
		last[c.Agent] = start
	}
	r := run(t, cfg)
	if same != len(waits) || r.Simulated.Arrivals != lr.Simulated.Arrivals {
		t.Errorf("%d of %d calls waited as with 100 s chats", same, len(waits))
	}
	if math.Abs(r.Simulated.Occupancy-lr.Simulated.Occupancy) > 1e-9 || r.Simulated.ServiceLevel != lr.Simulated.ServiceLevel {
		t.Errorf("wrap-up: occupancy %v SL %v; 100 s chats: %v, %v", r.Simulated.Occupancy, r.Simulated.ServiceLevel,
			lr.Simulated.Occupancy, lr.Simulated.ServiceLevel)
	}
	if math.Abs(r.Simulated.Occupancy-0.9) > 0.05 {
		t.Errorf("occupancy %.4f at 90 %% offered, wrap-up included", r.Simulated.Occupancy)
	}
}

// TestWrapupInTheModels: the models take handle plus wrap-up as the time a
// contact holds its slot. That time is no longer exponential (a constant
// added to an exponential has a cv of h/(h+w)), so the report adds Allen–
// Cunneen with that cv and says why; the staffing search starts from Erlang
// C on handle plus wrap-up.
func TestWrapupInTheModels(t *testing.T) {
	cfg := load(4, 0.85, 400, 32)
	cfg.Handle, cfg.Wrapup = 80*time.Second, 20*time.Second
	r := run(t, cfg)
	if r.Input.Wrapup != 20 || r.Input.Handle != 80 || math.Abs(r.Input.Load-cfg.Rate*100) > 1e-9 {
		t.Fatalf("input %+v", r.Input)
	}
	c, err := erlang.ErlangC(cfg.Rate, 100, 4, 20)
	if err != nil || r.Erlang == nil || r.Erlang.Result != c {
		t.Fatalf("Erlang %+v, want Erlang C on 100 s %+v (%v)", r.Erlang, c, err)
	}
	ac, err := erlang.AllenCunneen(cfg.Rate, 100, 4, 20, 0.8)
	if err != nil || r.Approx == nil || math.Abs(r.Approx.ServiceLevel-ac.ServiceLevel) > 1e-12 {
		t.Fatalf("Allen–Cunneen %+v, want cv 0.8 %+v (%v)", r.Approx, ac, err)
	}
	notes := strings.Join(r.Notes, " ")
	if !strings.Contains(notes, "handle plus wrap-up, 100 s") || !strings.Contains(notes, "cv of 0.8") {
		t.Errorf("notes %q", r.Notes)
	}
	var table bytes.Buffer
	if err := r.WriteTable(&table); err != nil || !strings.Contains(table.String(), "handle 80 s + wrap-up 20 s") {
		t.Errorf("table (%v):\n%s", err, table.String())
	}

	cfg.Agents = 0
	st, err := Staff(context.Background(), cfg, Targets{ServiceLevel: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := erlang.AgentsFor(cfg.Rate, 100, 20, 0.8)
	if err != nil || st.Staffing.ModelAgents != want {
		t.Errorf("model's answer %d, Erlang C on 100 s %d (%v)", st.Staffing.ModelAgents, want, err)
	}
}

// TestWrapupFlag: --wrapup reaches the report, and bad values are refused.
func TestWrapupFlag(t *testing.T) {
	var out, errb bytes.Buffer
	code := Main([]string{"--agents", "3", "--rate", "0.02", "--handle", "90", "--wrapup", "30",
		"--duration", "20000", "--json", "--quiet"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var r struct {
		Input struct {
			Wrapup float64 `json:"wrapup"`
			Load   float64 `json:"offered_load"`
		} `json:"input"`
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || r.Input.Wrapup != 30 || math.Abs(r.Input.Load-2.4) > 1e-9 {
		t.Fatalf("input %+v (%v): %s", r.Input, err, out.String())
	}
	for _, bad := range []string{"-1", "x", "86401"} {
		out.Reset()
		errb.Reset()
		code := Main([]string{"--agents", "3", "--rate", "0.02", "--handle", "90", "--wrapup", bad, "--quiet"}, &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), "wrap") || out.Len() > 0 {
			t.Errorf("--wrapup %s: exit %d, stderr %q", bad, code, errb.String())
		}
	}
}
