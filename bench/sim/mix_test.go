package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

// TestDedicatedTeamsAreSeparateQueues runs two queues, each with a team of
// its own: each queue is then its own M/M/c. The hub must give every call
// the wait of a FIFO queue of its team (a reference written apart, on the
// same random streams), and that reference, run long, must match the
// Erlang C the report gives each queue for its rate and team.
func TestDedicatedTeamsAreSeparateQueues(t *testing.T) {
	// sales: 60 % of 0.07/s on 5 agents; support: 40 % on 4; handle 100 s:
	// occupancy 84 % and 70 %.
	const rate = 0.07
	cfg := Config{Rate: rate, Handle: 100 * time.Second, Duration: seconds(8000 / rate), Seed: 21,
		Queues: []QueueShare{{Name: "sales", Share: 3}, {Name: "support", Share: 2}},
		Teams:  []Team{{Agents: 5, Queues: []string{"sales"}}, {Agents: 4, Queues: []string{"support"}}}}
	want := map[int]float64{}
	referenceTeams(t, cfg, func(n, _ int, _, wait float64) { want[n] = wait })
	got := 0
	cfg.OnCall = func(c Call) {
		got++
		if w, ok := want[c.N]; !ok || !c.Answered || math.Abs(w-c.Wait) > 1e-6 {
			t.Fatalf("call %d: hub waited %.6f s, reference %.6f s (%v)", c.N, c.Wait, w, ok)
		}
	}
	r := run(t, cfg)
	if got != len(want) {
		t.Fatalf("hub resolved %d calls, reference %d", got, len(want))
	}
	if r.Input.Agents != 9 || len(r.Input.Queues) != 2 || len(r.Queues) != 2 || len(r.Teams) != 2 {
		t.Fatalf("input %+v, %d queues, %d teams", r.Input, len(r.Queues), len(r.Teams))
	}
	total := 0
	for i, q := range r.Queues {
		if q.Name != []string{"sales", "support"}[i] || math.Abs(q.Rate-rate*[]float64{0.6, 0.4}[i]) > 1e-12 || !q.Dedicated ||
			q.Agents != []int{5, 4}[i] || q.Erlang == nil || q.Erlang.Model != "erlang_c" {
			t.Fatalf("queue %d: %+v", i, q)
		}
		total += q.Simulated.Arrivals
		if e := relErr(r.Teams[i].Occupancy, q.Erlang.Occupancy); e > 0.05 {
			t.Errorf("team %d: occupancy %.4f, Erlang C %.4f", i, r.Teams[i].Occupancy, q.Erlang.Occupancy)
		}
	}
	if total != r.Simulated.Arrivals {
		t.Errorf("queues' arrivals %d, run's %d", total, r.Simulated.Arrivals)
	}
	if !strings.Contains(strings.Join(r.Notes, "\n"), "pools the load") {
		t.Errorf("no note that the run-wide prediction pools split teams: %q", r.Notes)
	}

	// The reference over millions of calls against each queue's Erlang C.
	long := cfg
	long.OnCall = nil
	long.Duration = seconds(4e6 / rate)
	tol := 1.0
	if raceOn || testing.Short() {
		long.Duration /= 10
		tol = math.Sqrt(10)
	}
	w0 := (long.Duration / 10).Seconds()
	type acc struct {
		n, inT int
		wait   float64
	}
	var per [2]acc
	referenceTeams(t, long, func(_, q int, at, wait float64) {
		if at < w0 {
			return
		}
		a := &per[q]
		a.n++
		a.wait += wait
		if wait <= 20 {
			a.inT++
		}
	})
	for i, q := range r.Queues {
		a := per[i]
		sl, asa := float64(a.inT)/float64(a.n), a.wait/float64(a.n)
		if relErr(sl, q.Erlang.ServiceLevel) > 0.02*tol || relErr(asa, q.Erlang.ASA) > 0.04*tol {
			t.Errorf("queue %s over %d calls: SL %.4f, ASA %.2f s; Erlang C %.4f, %.2f s", q.Name, a.n, sl, asa, q.Erlang.ServiceLevel, q.Erlang.ASA)
		}
		t.Logf("queue %s over %d calls: SL %.4f, ASA %.2f s; Erlang C %.4f, %.2f s", q.Name, a.n, sl, asa, q.Erlang.ServiceLevel, q.Erlang.ASA)
	}
}

// TestOneTeamForTwoQueuesIsOnePool: queues served by the same agents are
// one M/M/c for the run (the hub takes the longest-waiting contact across
// the agent's queues), so the run matches the pooled Erlang C call by call
// as a single queue would: same random streams, same waits.
func TestOneTeamForTwoQueuesIsOnePool(t *testing.T) {
	base := load(3, 0.85, 3000, 22)
	mixed := base
	mixed.Queues = []QueueShare{{Name: "a", Share: 1}, {Name: "b", Share: 1}}
	mixed.Languages = []LanguageShare{{"en", 1}, {"de", 1}}
	waits := map[int]float64{}
	base.OnCall = func(c Call) { waits[c.N] = c.Wait }
	run(t, base)
	seen := 0
	mixed.OnCall = func(c Call) {
		seen++
		if w, ok := waits[c.N]; !ok || math.Abs(w-c.Wait) > 1e-6 {
			t.Fatalf("call %d waited %.6f s with two queues, %.6f s with one", c.N, c.Wait, w)
		}
	}
	r := run(t, mixed)
	if seen != len(waits) || r.Queues[0].Dedicated || r.Queues[0].Erlang != nil {
		t.Errorf("%d of %d calls; queue report %+v", seen, len(waits), r.Queues[0])
	}
	for _, n := range r.Notes {
		if strings.Contains(n, "pools") {
			t.Errorf("one team for every queue is the pooled model, yet: %q", n)
		}
	}
	// The default team speaks every language: every call is matched.
	for _, l := range r.Languages {
		if l.MatchRate != 1 || l.Speakers != 3 || l.Primary+l.Secondary != l.Simulated.Answered {
			t.Errorf("language %+v", l)
		}
	}
}

// TestLanguagesAreMatchedWhenSpeakersAreFree: English and French visitors
// half and half; four agents speak English only, four French first and
// English second. At low load a French speaker is almost always free, so
// nearly every French visitor gets one; English visitors always find
// English (every agent speaks it), mostly as a primary. At high load French
// visitors spill over to English-only agents: the router weighs language,
// it does not make a visitor wait for it.
func TestLanguagesAreMatchedWhenSpeakersAreFree(t *testing.T) {
	teams := []Team{{Agents: 4, Languages: []string{"en"}}, {Agents: 4, Languages: []string{"fr", "en"}}}
	mix := []LanguageShare{{"en", 1}, {"fr-CA", 1}}
	frMatch := func(rho float64) (LanguageReport, LanguageReport) {
		cfg := load(8, rho, 4000, 23)
		cfg.Agents, cfg.Teams, cfg.Languages = 0, teams, mix
		r := run(t, cfg)
		if len(r.Languages) != 2 || r.Languages[1].Language != "fr" || r.Languages[1].Speakers != 4 || r.Languages[0].Speakers != 8 {
			t.Fatalf("languages %+v", r.Languages)
		}
		for _, l := range r.Languages {
			if l.Primary+l.Secondary+l.Other != l.Simulated.Answered {
				t.Errorf("%s: %d + %d + %d ≠ %d answered", l.Language, l.Primary, l.Secondary, l.Other, l.Simulated.Answered)
			}
		}
		return r.Languages[0], r.Languages[1]
	}
	en, fr := frMatch(0.3)
	if en.MatchRate != 1 || en.Primary < en.Secondary || fr.MatchRate < 0.95 || fr.Secondary != 0 {
		t.Errorf("at 30 %%: en %+v; fr %+v", en, fr)
	}
	_, frBusy := frMatch(0.95)
	if !(frBusy.Other > 0 && frBusy.MatchRate < fr.MatchRate) {
		t.Errorf("at 95 %% every French visitor still got French (%+v): the router held them?", frBusy)
	}
	t.Logf("French in French: %.4f at 30 %%, %.4f at 95 %%", fr.MatchRate, frBusy.MatchRate)
}

// TestHandleDistributions: the drawn handle times have the configured mean
// and spread, and the report carries the Allen–Cunneen approximation beside
// Erlang C with a note.
func TestHandleDistributions(t *testing.T) {
	for _, tc := range []struct {
		dist HandleDist
		cv   float64
	}{{Exponential, 1}, {Constant, 0}, {Lognormal, 0.5}, {Lognormal, 2}} {
		cfg := load(4, 0.7, 20000, 24)
		cfg.HandleDist, cfg.HandleCV = tc.dist, tc.cv
		if tc.dist == Exponential {
			cfg.HandleCV = 0 // the default
		}
		cfg, err := cfg.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		d := &driver{cfg: cfg, media: cfg.media()}
		d.handles = rand.New(rand.NewPCG(cfg.Seed, 2))
		d.initHandles()
		const n = 400000
		var sum, sq float64
		for range n {
			x := d.handleTime(0)
			sum += x
			sq += x * x
		}
		mean := sum / n
		cv := math.Sqrt(sq/n-mean*mean) / mean
		// Standard error of the mean is cv·h/√n: 0.3 % at cv 2.
		if relErr(mean, 100) > 0.01 || math.Abs(cv-tc.cv) > 0.02+0.05*tc.cv {
			t.Errorf("%s cv %g: drew mean %.3f, cv %.4f", tc.dist, tc.cv, mean, cv)
		}
	}
	var out, errb bytes.Buffer
	if code := Main([]string{"--agents", "4", "--rate", "0.03", "--handle", "100", "--handle-dist", "lognormal", "--handle-cv", "1.5",
		"--duration", "20000", "--json", "--quiet"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var r Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Approx == nil || r.Approx.Model != "allen_cunneen" || r.Erlang == nil || r.Input.HandleDist != "lognormal" || r.Input.HandleCV != 1.5 ||
		!(r.Approx.ASA > r.Erlang.ASA) || !strings.Contains(strings.Join(r.Notes, " "), "assume exponential") {
		t.Errorf("report %+v", r)
	}
}

func TestMixFlags(t *testing.T) {
	var out, errb bytes.Buffer
	code := Main([]string{"--rate", "0.05", "--handle", "100", "--duration", "20000", "--quiet",
		"--queues", "sales=2,support", "--languages", "en=0.7,fr=0.3",
		"--team", "3:sales:en", "--team", "2:*:fr,en"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"5 agents", "sales", "support", "language", "fr", "in language", "occupancy", "shares agents"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--agents", "2", "--queues", "sales=0"}, "share"},
		{[]string{"--agents", "2", "--queues", "bad name"}, "queue name"},
		{[]string{"--agents", "2", "--queues", "a,a"}, "named twice"},
		{[]string{"--agents", "2", "--languages", "e1"}, "language"},
		{[]string{"--team", "0:sales"}, "team"},
		{[]string{"--team", "2:nosuch"}, "not among the queues"},
		{[]string{"--queues", "a", "--team", "2:a,a"}, "names queue \"a\" twice"},
		{[]string{"--queues", "a,b", "--team", "2:a"}, "no team serves queue \"b\""},
		{[]string{"--agents", "4", "--team", "2"}, "teams have 2"},
		{[]string{"--agents", "2", "--handle-dist", "weibull"}, "handle distribution"},
		{[]string{"--agents", "2", "--capacity", "1001"}, "capacity 1001"},
		{[]string{"--agents", "2", "--queues", "a=1@0"}, "want 1 to 8"},
		{[]string{"--agents", "2", "--queues", "a=1@9"}, "priority 9"},
		{[]string{"--agents", "2", "--handle-cv", "2"}, "cv of 1"},
		{[]string{"--agents", "2", "--handle-dist", "constant", "--handle-cv", "1"}, "cv of 0"},
		{[]string{"--agents", "2", "--handle-dist", "lognormal", "--handle-cv", "-1"}, "handle cv"},
	} {
		errb.Reset()
		args := append([]string{"--rate", "0.01", "--handle", "100", "--quiet"}, tc.args...)
		if code := Main(args, &out, &errb); code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%q: exit %d, %q (want 2 and %q)", tc.args, code, errb.String(), tc.want)
		}
	}
}

// TestHTMLReport: the page carries both charts, the simulated curve at T is
// the service level of the table, the model's curve at T is the model's,
// and the timeline never has more agents busy than there are.
func TestHTMLReport(t *testing.T) {
	for _, args := range [][]string{
		{"--agents", "4", "--rate", "0.035", "--handle", "100", "--duration", "50000"},
		{"--agents", "4", "--rate", "0.035", "--handle", "100", "--duration", "50000", "--patience", "60"},
		{"--agents", "4", "--rate", "0.035", "--handle", "100", "--duration", "50000", "--handle-dist", "constant"},
	} {
		name := t.TempDir() + "/sim.html"
		var out, errb bytes.Buffer
		if code := Main(append(args, "--quiet", "--html", name), &out, &errb); code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, errb.String())
		}
		page, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"<!doctype html>", "service level (20s)", "answered within t", "contacts waiting", "contacts in service"} {
			if !strings.Contains(string(page), want) {
				t.Errorf("%q: page lacks %q", args, want)
			}
		}
		if n := strings.Count(string(page), "<polyline"); n != 4 {
			t.Errorf("%q: %d lines drawn, want 4", args, n)
		}
		o, err := parseFlags(args, &errb)
		if err != nil {
			t.Fatal(err)
		}
		r := run(t, o.cfg)
		atT := waitBins / waitSpan
		if math.Abs(r.within[atT]-r.Simulated.ServiceLevel) > 1/float64(r.Simulated.Arrivals) {
			t.Errorf("%q: curve at T %.5f, service level %.5f", args, r.within[atT], r.Simulated.ServiceLevel)
		}
		model := r.Erlang.Result
		if r.Approx != nil {
			model = r.Approx.Result
		}
		if math.Abs(r.withinModel[atT]-model.ServiceLevel) > 1e-9 || r.within[0] > r.within[waitBins] {
			t.Errorf("%q: model curve at T %.5f, model %.5f", args, r.withinModel[atT], model.ServiceLevel)
		}
		if len(r.samples) < samplesPerRun {
			t.Errorf("%q: %d samples", args, len(r.samples))
		}
		for _, s := range r.samples {
			if s.busy < 0 || s.busy > 4 || s.waiting < 0 {
				t.Fatalf("%q: sample %+v", args, s)
			}
		}
	}
	var out, errb bytes.Buffer
	if code := Main([]string{"--agents", "2", "--rate", "0.01", "--handle", "100", "--duration", "1000", "--quiet", "--html", "/nonexistent/dir/r.html"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "no such file") {
		t.Errorf("unwritable html: exit %d, %q", code, errb.String())
	}
}

// TestCapacityIsMoreSlots: agents serving 3 chats at once are, for the
// waits, 3 agents each, whatever the languages: the router may prefer a
// speaker with a chat to an idle agent who does not speak the language,
// but never leaves a contact waiting while a slot is free. Every call
// waits exactly as in the FIFO reference queue of 12 agents.
func TestCapacityIsMoreSlots(t *testing.T) {
	n := 6000
	if raceOn || testing.Short() {
		n = 1500
	}
	for _, tc := range []struct{ patience, wrapup time.Duration }{{0, 0}, {90 * time.Second, 0}, {90 * time.Second, 40 * time.Second}} {
		patience := tc.patience
		cfg := load(12, 0.9, n, 25)
		cfg.Patience = patience
		if tc.wrapup > 0 {
			// the same slot-time: a chat of 60 s and its wrap-up of 40 s
			cfg.Handle, cfg.Wrapup = cfg.Handle-tc.wrapup, tc.wrapup
		}
		slots := cfg
		want := map[int]Call{}
		reference(t, slots, func(c Call) { want[c.N] = c })
		cfg.Agents, cfg.Capacity = 0, 3
		cfg.Teams = []Team{{Agents: 2, Languages: []string{"en"}}, {Agents: 2, Languages: []string{"fr", "en"}}}
		cfg.Languages = []LanguageShare{{"en", 1}, {"fr", 1}}
		got := 0
		cfg.OnCall = func(c Call) {
			got++
			w, ok := want[c.N]
			if !ok || w.Answered != c.Answered || math.Abs(w.Wait-c.Wait) > 1e-6 {
				t.Fatalf("patience %v, wrap-up %v, call %d: hub %+v, reference of 12 agents %+v", patience, tc.wrapup, c.N, c, w)
			}
		}
		r := run(t, cfg)
		if got != len(want) {
			t.Fatalf("hub resolved %d calls, reference %d", got, len(want))
		}
		if r.Input.Agents != 4 || r.Input.Capacity != 3 || r.Erlang == nil {
			t.Fatalf("input %+v, model %+v", r.Input, r.Erlang)
		}
		// The models count 12 slots: occupancy 90 % of them.
		if math.Abs(r.Erlang.Occupancy-0.9) > 1e-9 && patience == 0 {
			t.Errorf("Erlang C occupancy %v for 12 slots at 90 %%", r.Erlang.Occupancy)
		}
		if !strings.Contains(strings.Join(r.Notes, " "), "chat slots") {
			t.Errorf("no note on slots: %q", r.Notes)
		}
		// A French speaker with a chat or two is still preferred: most
		// French visitors get French even at 90 %.
		if fr := r.Languages[1]; fr.MatchRate < 0.5 {
			t.Errorf("French in French %.3f at 90 %% with 3 slots each", fr.MatchRate)
		}
	}
}

// TestPrioritiesMatchReference: a VIP queue of priority 1 beside a queue
// of the default priority, one pool of agents. Every call waits exactly as
// in the non-preemptive priority queue (the reference, on the same random
// streams); that reference over two million calls matches Cobham's mean
// wait per class, which the report gives beside each queue.
func TestPrioritiesMatchReference(t *testing.T) {
	n := 8000
	if raceOn || testing.Short() {
		n = 2000
	}
	cfg := load(4, 0.9, n, 26)
	cfg.Queues = []QueueShare{{Name: "vip", Share: 0.3, Priority: 1}, {Name: "std", Share: 0.7}}
	want := map[int]Call{}
	reference(t, cfg, func(c Call) { want[c.N] = c })
	got := 0
	run := cfg
	run.OnCall = func(c Call) {
		got++
		if w, ok := want[c.N]; !ok || math.Abs(w.Wait-c.Wait) > 1e-6 {
			t.Fatalf("call %d: hub waited %.6f s, priority reference %.6f s", c.N, c.Wait, w.Wait)
		}
	}
	r, err := Run(context.Background(), run)
	if err != nil {
		t.Fatal(err)
	}
	if got != len(want) {
		t.Fatalf("hub resolved %d calls, reference %d", got, len(want))
	}
	vip, std := r.Queues[0], r.Queues[1]
	if vip.Priority != 1 || std.Priority != 5 || vip.PriorityASA == nil || std.PriorityASA == nil || !(*vip.PriorityASA < *std.PriorityASA) {
		t.Fatalf("queues %+v %+v", vip, std)
	}
	if !(vip.Simulated.ASA < std.Simulated.ASA) {
		t.Errorf("VIP waited %.2f s, standard %.2f s", vip.Simulated.ASA, std.Simulated.ASA)
	}

	// The reference, long, against Cobham.
	long := cfg
	long.Duration = seconds(2e6 / cfg.Rate)
	var sum [2]float64
	var cnt [2]int
	reference(t, long, func(c Call) {
		if c.Counted {
			sum[c.Queue] += c.Wait
			cnt[c.Queue]++
		}
	})
	for i, q := range r.Queues {
		asa := sum[i] / float64(cnt[i])
		if e := relErr(asa, *q.PriorityASA); e > 0.03 {
			t.Errorf("queue %s over %d calls: ASA %.2f s, Cobham %.2f s (%.1f %% off)", q.Name, cnt[i], asa, *q.PriorityASA, 100*e)
		}
		t.Logf("queue %s over %d calls: ASA %.2f s, Cobham %.2f s; this run %.2f s", q.Name, cnt[i], asa, *q.PriorityASA, q.Simulated.ASA)
	}
}
