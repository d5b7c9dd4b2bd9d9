package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
)

// TestMissRate checks the estimate by hand: one miss in a row sets an
// agent away, so the rate is the aways over the offers; BENCHMARKS' 34
// agents with 5 % missed (and 5 s to accept, exponential, past the 20 s
// timeout 1.8 % of the time) set agents away 93 times for 284,174 offers
// taken, and 20,821 of 304,995 offers rang out (6.83 %). The ranges are
// the χ² quantiles' (Wilson–Hilferty gives the same to 1e-5).
func TestMissRate(t *testing.T) {
	for _, c := range []struct {
		aways, answered, limit int
		rate, lo, hi           float64
	}{
		{50, 950, 1, 0.05, 0.0376, 0.0649},
		{93, 284174, 3, 0.0689, 0.0642, 0.0737},
		{0, 1000, 3, 0, 0, 0.1543}, // −ln 0.025 over 1,003.69, its cube root
		{0, 0, 3, 0, 0, 0},
	} {
		rate, lo, hi := missRate(c.aways, c.answered, c.limit)
		if math.Abs(rate-c.rate) > 5e-5 || math.Abs(lo-c.lo) > 5e-5 || math.Abs(hi-c.hi) > 5e-5 {
			t.Errorf("missRate(%d, %d, %d) = %.4f (%.4f to %.4f), want %.4f (%.4f to %.4f)", c.aways, c.answered, c.limit, rate, lo, hi, c.rate, c.lo, c.hi)
		}
	}
	for _, c := range []struct {
		rate           float64
		delay, timeout time.Duration
		dist           HandleDist
		want           float64
	}{
		{0.0689, 5 * time.Second, 20 * time.Second, "", 0.0515}, // BENCHMARKS' 5 %, back
		{0.0689, 5 * time.Second, 20 * time.Second, Constant, 0.0689},
		{0.0689, 0, 20 * time.Second, "", 0.0689},
		{0.0689, 20 * time.Second, 20 * time.Second, Constant, 0},
		{0.01, 5 * time.Second, 20 * time.Second, Exponential, 0},
		{1, time.Second, 20 * time.Second, Constant, MaxMiss},
	} {
		if got := replayMiss(c.rate, c.delay, c.timeout, c.dist); math.Abs(got-c.want) > 5e-5 {
			t.Errorf("replayMiss(%v, %v, %v, %q) = %.4f, want %.4f", c.rate, c.delay, c.timeout, c.dist, got, c.want)
		}
	}
}

// TestMissesFromTheRouter: the real router in the simulator, its agents
// letting 10, 20 and 30 % of offers ring out; the aways it set them for
// give the rate back, within its range.
func TestMissesFromTheRouter(t *testing.T) {
	for _, miss := range []float64{0.1, 0.2, 0.3} {
		cfg := Config{Agents: 16, Rate: 0.1, Handle: 120 * time.Second, Accept: router.Manual, AcceptDelay: time.Second,
			AcceptDist: Constant, Miss: miss, OfferTimeout: 15 * time.Second, BackAfter: 45 * time.Second, Duration: 86400 * time.Second, Seed: 2}
		if raceOn || testing.Short() {
			cfg.Duration /= 2
		}
		o := run(t, cfg).Offers
		truth := float64(o.Missed) / float64(o.Missed+o.Accepted)
		rate, lo, hi := missRate(o.SetAway, o.Accepted, router.DefaultMissLimit)
		t.Logf("miss %.0f %%: %d offers, %d accepted, %d rang out (%.2f %%), set away %d times: estimated %.2f %% (%.2f to %.2f)",
			100*miss, o.Offered, o.Accepted, o.Missed, 100*truth, o.SetAway, 100*rate, 100*lo, 100*hi)
		if !(lo <= truth && truth <= hi) || math.Abs(rate-truth) > 0.15*truth {
			t.Errorf("miss %v: the aways give %.4f (%.4f to %.4f), the truth %.4f", miss, rate, lo, hi, truth)
		}
	}
}

// TestMissesObserved replays a manual day whose agents let 20 % of their
// offers ring out on fewer agents, from its documents and the status log
// its misses left (--miss observed), against the same contacts on those
// agents: the log's aways give the rate and the time to come back, and
// the replay meets the truth, where a replay without misses answers
// sooner.
func TestMissesObserved(t *testing.T) {
	n := 8000
	if raceOn || testing.Short() {
		n = 4000
	}
	const handle = 120.0
	arrivals := chatArrivals(5, n, 0.1, handle)
	start := day0.Add(time.Hour)
	var log bytes.Buffer
	enc := json.NewEncoder(&log)
	for i := 1; i <= 16; i++ {
		_ = enc.Encode(StatusChange{Agent: fmt.Sprintf("a%05d", i), At: start, Status: "available"})
	}
	onlyOn := filepath.Join(t.TempDir(), "on.json") // the log without an away
	if err := os.WriteFile(onlyOn, log.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	day := Config{Agents: 16, Arrivals: arrivals, Handle: seconds(handle), Accept: router.Manual, AcceptDelay: time.Second, AcceptDist: Constant,
		Miss: 0.2, OfferTimeout: 15 * time.Second, BackAfter: 45 * time.Second, SLThreshold: 20 * time.Second, Seed: 1,
		OnMissedAway: func(agent string, at float64, back bool) {
			e := StatusChange{Agent: agent, At: start.Add(seconds(at)), Status: "away", Reason: router.ReasonMissed}
			if back {
				e.Status, e.Reason = "available", ""
			}
			_ = enc.Encode(e)
		}}
	dir, r0, _ := simulatedHistory(t, day, start)
	statuses := filepath.Join(t.TempDir(), "statuses.json")
	if err := os.WriteFile(statuses, log.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	day.Agents, day.OnMissedAway = 14, nil
	truth := run(t, day).Simulated
	args := []string{"--history", dir, "--statuses", statuses, "--agents", "14", "--accept", "manual", "--accept-delay", "1", "--accept-dist", "constant",
		"--offer-timeout", "15", "--json", "--quiet"}
	r, _ := simulateMain(t, append(args, "--miss", "observed")...)
	none, _ := simulateMain(t, args...)
	e := r.History.Misses
	if e == nil {
		t.Fatalf("no estimate: %+v", r.History)
	}
	t.Logf("the day on 16: %d offers, %d rang out (%.2f %%), set away %d times; the log: %.2f %% (%.2f to %.2f) from %d aways over %d answered, back after %.1f s",
		r0.Offers.Offered, r0.Offers.Missed, 100*float64(r0.Offers.Missed)/float64(r0.Offers.Missed+r0.Offers.Accepted), r0.Offers.SetAway,
		100*e.Rate, 100*e.Low, 100*e.High, e.Aways, e.Answered, e.BackAfter)
	t.Logf("on 14: the truth SL %.2f %%, ASA %.2f s; replayed with the log's misses %.2f %%, %.2f s (%d offers rang out, %d aways); without misses %.2f %%, %.2f s",
		100*truth.ServiceLevel, truth.ASA, 100*r.Simulated.ServiceLevel, r.Simulated.ASA, r.Offers.Missed, r.Offers.SetAway,
		100*none.Simulated.ServiceLevel, none.Simulated.ASA)
	if e.Aways != r0.Offers.SetAway || e.Answered != r0.Simulated.Answered || e.Limit != 3 || !e.Replayed || e.Miss != e.Rate ||
		!(e.Low <= 0.2 && 0.2 <= e.High) || e.Backs != e.Aways || math.Abs(e.BackAfter-45) > 1e-3 {
		t.Errorf("the estimate %+v; the day set agents away %d times and answered %d", *e, r0.Offers.SetAway, r0.Simulated.Answered)
	}
	if r.Input.Miss != e.Miss || r.Input.BackAfter != 45 || !r.History.ReplaysMissed || none.Input.Miss != 0 {
		t.Errorf("the replay's input: miss %v, back after %v, replays missed %v; without: %v", r.Input.Miss, r.Input.BackAfter, r.History.ReplaysMissed, none.Input.Miss)
	}
	if relErr(r.Simulated.ASA, truth.ASA) > 0.2 || math.Abs(r.Simulated.ServiceLevel-truth.ServiceLevel) > 0.05 {
		t.Errorf("with the log's misses: SL %.4f, ASA %.2f s; the truth %.4f, %.2f s", r.Simulated.ServiceLevel, r.Simulated.ASA, truth.ServiceLevel, truth.ASA)
	}
	if none.Simulated.ASA > 0.8*truth.ASA {
		t.Errorf("without misses: ASA %.2f s, the truth %.2f s", none.Simulated.ASA, truth.ASA)
	}
	// The table says what the log gave, and what the replay made of it.
	table := func(args ...string) string {
		_, out := simulateMain(t, append([]string{"--history", dir, "--statuses", statuses, "--agents", "14", "--accept", "manual", "--quiet"}, args...)...)
		return strings.Join(strings.Fields(out), " ")
	}
	want := fmt.Sprintf("about %.3g %% of offers rang out (95 %% between %.3g and %.3g %%), from the aways after 3 in a row over %d contacts answered through an offer; agents came back after 45 s on average",
		100*e.Rate, 100*e.Low, 100*e.High, e.Answered)
	if got := table(); !strings.Contains(got, want+" (--miss observed replays them)") {
		t.Errorf("without --miss: the table does not say %q:\n%s", want, got)
	}
	if got := table("--miss", "observed", "--accept-delay", "1", "--accept-dist", "constant"); !strings.Contains(got, want+"; the replay's agents let as many ring out (--miss observed)") {
		t.Errorf("--miss observed: the table does not say %q:\n%s", want, got)
	}
	// Accepts that take 5 s on average ring out past 15 s 5 % of the time:
	// the replay's agents miss the rest.
	r, _ = simulateMain(t, "--history", dir, "--statuses", statuses, "--agents", "14", "--accept", "manual", "--accept-delay", "5",
		"--offer-timeout", "15", "--miss", "observed", "--back-after", "30", "--json", "--quiet")
	if q := math.Exp(-3); math.Abs(r.History.Misses.Miss-(e.Rate-q)/(1-q)) > 1e-9 || r.Input.Miss != r.History.Misses.Miss || r.Input.BackAfter != 30 {
		t.Errorf("with accepts past the timeout: miss %v, input %v, back after %v", r.History.Misses.Miss, r.Input.Miss, r.Input.BackAfter)
	}
	if got := table("--miss", "observed", "--accept-delay", "5", "--offer-timeout", "15"); !strings.Contains(got, "and accepts past the offer timeout the rest (--miss observed)") {
		t.Errorf("the table does not say the accepts ring out too:\n%s", got)
	}
	// A log without an away for missed offers says how few there could
	// have been, and the replay misses none.
	r, _ = simulateMain(t, "--history", dir, "--statuses", onlyOn, "--agents", "14", "--accept", "manual", "--miss", "observed", "--json", "--quiet")
	if e := r.History.Misses; e == nil || e.Aways != 0 || e.Rate != 0 || !(e.High > 0 && e.High < 0.1) || !e.Replayed || r.Input.Miss != 0 || r.History.ReplaysMissed {
		t.Errorf("without an away: %+v, the replay's miss %v", r.History.Misses, r.Input.Miss)
	}
	_, out := simulateMain(t, "--history", dir, "--statuses", onlyOn, "--agents", "14", "--accept", "manual", "--miss", "observed", "--quiet")
	if got := strings.Join(strings.Fields(out), " "); !strings.Contains(got, "no away for missed offers in the log: fewer than") ||
		!strings.Contains(got, "the replay's agents let none ring out (--miss observed)") {
		t.Errorf("without an away, the table:\n%s", out)
	}
	for _, c := range []struct{ args []string }{
		{[]string{"--history", dir, "--agents", "14", "--accept", "manual", "--miss", "observed"}},
		{[]string{"--history", dir, "--statuses", statuses, "--agents", "14", "--miss", "observed"}},
		{[]string{"--agents", "14", "--rate", "0.1", "--handle", "120", "--accept", "manual", "--miss", "observed"}},
	} {
		var out, errs bytes.Buffer
		if code := Main(c.args, &out, &errs); code != 2 || !strings.Contains(errs.String(), "--miss observed") {
			t.Errorf("%v: exit %d, %s", c.args, code, errs.String())
		}
	}
}

// TestMissLimitFromTheLog: a day whose workspace set agents away after 2
// offers in a row rang out, logged with its miss_limit as a server logs
// it. The estimate takes the log's limit, and the replay sets its agents
// away after as many, unless --miss-limit asks what another limit would
// do. A log whose limit changed says so; bad limits are refused.
func TestMissLimitFromTheLog(t *testing.T) {
	n := 4000
	if raceOn || testing.Short() {
		n = 2000
	}
	const handle = 120.0
	arrivals := chatArrivals(7, n, 0.1, handle)
	at := arrivals[n-1].At.Seconds()
	start := day0.Add(time.Hour)
	var entries []StatusChange
	for i := 1; i <= 16; i++ {
		entries = append(entries, StatusChange{Agent: fmt.Sprintf("a%05d", i), At: start, Status: "available"})
	}
	day := Config{Agents: 16, Arrivals: arrivals, Handle: seconds(handle), Accept: router.Manual, AcceptDelay: time.Second, AcceptDist: Constant,
		Miss: 0.2, MissLimit: 2, OfferTimeout: 15 * time.Second, BackAfter: 45 * time.Second, SLThreshold: 20 * time.Second, Seed: 1,
		OnMissedAway: func(agent string, at float64, back bool) {
			e := StatusChange{Agent: agent, At: start.Add(seconds(at)), Status: "away", Reason: router.ReasonMissed, MissLimit: 2}
			if back {
				e = StatusChange{Agent: agent, At: e.At, Status: "available"}
			}
			entries = append(entries, e)
		}}
	dir, r0, _ := simulatedHistory(t, day, start)
	save := func(entries []StatusChange) string {
		t.Helper()
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		for _, e := range entries {
			_ = enc.Encode(e)
		}
		path := filepath.Join(t.TempDir(), "statuses.json")
		if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	statuses := save(entries)
	args := []string{"--history", dir, "--statuses", statuses, "--agents", "16", "--accept", "manual", "--accept-delay", "1", "--accept-dist", "constant",
		"--offer-timeout", "15", "--miss", "observed", "--json", "--quiet"}
	r, _ := simulateMain(t, args...)
	five, _ := simulateMain(t, append(args, "--miss-limit", "5")...)
	e := r.History.Misses
	t.Logf("the day: %d offers, %d rang out (%.2f %%), set away %d times after 2 in a row; the log: %.2f %% (%.2f to %.2f), limit %d; replayed: set away %d times, %d at --miss-limit 5",
		r0.Offers.Offered, r0.Offers.Missed, 100*float64(r0.Offers.Missed)/float64(r0.Offers.Missed+r0.Offers.Accepted), r0.Offers.SetAway,
		100*e.Rate, 100*e.Low, 100*e.High, e.Limit, r.Offers.SetAway, five.Offers.SetAway)
	if e.Limit != 2 || e.Limits != nil || e.Aways != r0.Offers.SetAway || !(e.Low <= 0.2 && 0.2 <= e.High) {
		t.Errorf("the estimate %+v; the day set agents away %d times", *e, r0.Offers.SetAway)
	}
	if r.Input.MissLimit != 2 || five.Input.MissLimit != 5 || five.History.Misses.Limit != 2 {
		t.Errorf("the replays' miss limits %d and %d (the log's %d)", r.Input.MissLimit, five.Input.MissLimit, five.History.Misses.Limit)
	}
	if d := float64(r.Offers.SetAway) / float64(r0.Offers.SetAway); d < 0.7 || d > 1.3 || five.Offers.SetAway*5 > r0.Offers.SetAway {
		t.Errorf("set away %d times replayed at the log's limit, %d at 5; the day %d", r.Offers.SetAway, five.Offers.SetAway, r0.Offers.SetAway)
	}
	_, out := simulateMain(t, slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "--json" })...)
	if got := strings.Join(strings.Fields(out), " "); !strings.Contains(got, "from the aways after 2 in a row over") ||
		!strings.Contains(got, "an agent set away for 2 missed in a row is back after 45 s") {
		t.Errorf("the table:\n%s", out)
	}

	// The workspace's limit went from 2 to 4 a third of the way in.
	mixed := slices.Clone(entries)
	var twos, fours int
	for i := range mixed {
		if mixed[i].MissLimit == 0 {
			continue
		}
		if mixed[i].At.Before(start.Add(seconds(at / 3))) {
			mixed[i].MissLimit = 4
			fours++
		} else {
			twos++
		}
	}
	r, out = simulateMain(t, "--history", dir, "--statuses", save(mixed), "--agents", "16", "--accept", "manual", "--miss", "observed", "--quiet")
	if got := strings.Join(strings.Fields(out), " "); !strings.Contains(got, fmt.Sprintf("(the log's aways came after 2 in a row %s, 4 in a row %s: the estimate takes them all at 2, the most common)", times(twos), times(fours))) ||
		!strings.Contains(got, "set away for 2 missed in a row") {
		t.Errorf("a log of two limits (%d at 2, %d at 4), the table:\n%s", twos, fours, out)
	}

	for _, c := range []struct {
		args []string
		err  string
	}{
		{append(slices.Clone(args), "--miss-limit", "0"), "--miss-limit 0"},
		{append(slices.Clone(args), "--miss-limit", "21"), "miss limit 21"},
		{[]string{"--agents", "4", "--rate", "0.1", "--handle", "120", "--miss-limit", "2"}, "need the manual accept mode"},
		{[]string{"--history", dir, "--statuses", save(append(slices.Clone(entries[:1]), StatusChange{Agent: "a00001", At: start.Add(time.Hour), Status: "away",
			Reason: router.ReasonMissed, MissLimit: 25})), "--agents", "16"}, "miss_limit 25"},
	} {
		var out, errs bytes.Buffer
		if code := Main(c.args, &out, &errs); code != 2 || !strings.Contains(errs.String(), c.err) {
			t.Errorf("%v: exit %d, %s", c.args[len(c.args)-2:], code, errs.String())
		}
	}
}

// chatArrivals are n chats arriving as a Poisson process at rate per
// second, with exponential handle times of mean handle seconds, drawn on
// the PCG stream (seed, seed).
func chatArrivals(seed uint64, n int, rate, handle float64) []Arrival {
	rnd := rand.New(rand.NewPCG(seed, seed))
	out := make([]Arrival, 0, n)
	at := 0.0
	for range n {
		at += rnd.ExpFloat64() / rate
		out = append(out, Arrival{At: seconds(at), Media: presence.Chat, Handle: seconds(rnd.ExpFloat64() * handle)})
	}
	return out
}
