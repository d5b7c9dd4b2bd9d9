package load

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/bench/erlang"
)

const s = time.Second

// TestIdealQueueByHand follows a small queue through by hand: two agents,
// a caller who gives up before one is free, and one who waits it out.
func TestIdealQueueByHand(t *testing.T) {
	calls := []plannedCall{
		{n: 1, at: 0, talk: 10 * s},                       // agent A until 10
		{n: 2, at: 1 * s, talk: 3 * s},                    // agent B until 4
		{n: 3, at: 2 * s, talk: 5 * s, patience: 1 * s},   // waits; hung up at 3, before B is free
		{n: 4, at: 3 * s, talk: 2 * s, patience: 5 * s},   // B at 4 (waited 1 s), until 6
		{n: 5, at: 5 * s, talk: 1 * s},                    // B at 6 (waited 1 s), until 7
		{n: 6, at: 8 * s, talk: 1 * s, patience: 100 * s}, // B is free: at once
	}
	got := idealQueue(calls, 2, 0)
	if got.Calls != 6 || got.Answered != 5 || got.Abandoned != 1 {
		t.Fatalf("calls %d answered %d abandoned %d, want 6, 5, 1", got.Calls, got.Answered, got.Abandoned)
	}
	if got.Wait.Count != 5 || math.Abs(got.Wait.Mean-400) > 1 || math.Abs(got.Wait.Max-1000) > 25 {
		t.Errorf("waits %+v, want 5 with a mean of 400 ms and a max of 1 s", got.Wait)
	}

	// Each call rings for 500 ms first: A is busy until 10.5 s; B until
	// 4.5 (call 3 hung up, call 4 waited 1.5 s), 7 (call 5 waited 2 s) and
	// 8.5 s (call 6, which now waits 0.5 s).
	got = idealQueue(calls, 2, 500*time.Millisecond)
	if got.Answered != 5 || got.Abandoned != 1 || math.Abs(got.Wait.Mean-(1500+2000+500)/5.0) > 1 {
		t.Errorf("with a ring: answered %d abandoned %d, mean wait %.1f ms, want 5, 1, 800", got.Answered, got.Abandoned, got.Wait.Mean)
	}

	// Without an agent, the impatient hang up and the patient are never
	// answered.
	got = idealQueue(calls, 0, 0)
	if got.Answered != 0 || got.Abandoned != 3 || got.Wait.Count != 0 {
		t.Errorf("no agent: answered %d abandoned %d, want 0, 3", got.Answered, got.Abandoned)
	}
}

// TestIdealQueueOfTheBenchsCallersIsErlangA: over a long run, the bench's
// callers (callsOf: Poisson arrivals, exponential patience and talk times)
// in the ideal queue lose and wait what Erlang A says, within 5 %: the
// draws have the distributions the flags name.
func TestIdealQueueOfTheBenchsCallersIsErlangA(t *testing.T) {
	for _, c := range []struct {
		agents               int
		rate                 float64
		talk, patience, span time.Duration
	}{
		{100, 11, 10 * s, 20 * s, 20000 * s}, // BENCHMARKS' load: 110 %
		{10, 1.9, 5 * s, 30 * s, 100000 * s}, // 95 %
	} {
		cfg := Config{Seed: 1, Calls: c.rate, CallLength: c.talk, Patience: c.patience, Duration: c.span}
		got := idealCalls([]Config{cfg}, c.agents)
		want, err := erlang.ErlangA(c.rate, c.talk.Seconds(), c.agents, 20, c.patience.Seconds())
		if err != nil {
			t.Fatal(err)
		}
		abandon := ratio(got.Abandoned, got.Calls)
		if math.Abs(abandon/want.AbandonRate-1) > 0.05 || math.Abs(got.Wait.Mean/1e3/want.ASA-1) > 0.05 {
			t.Errorf("%d agents at %g/s: abandoned %.4f, mean wait %.3f s; Erlang A %.4f, %.3f s",
				c.agents, c.rate, abandon, got.Wait.Mean/1e3, want.AbandonRate, want.ASA)
		}
		t.Logf("%d agents at %g/s over %v: %d calls, abandoned %.4f (Erlang A %.4f), mean wait %.3f s (%.3f)",
			c.agents, c.rate, c.span, got.Calls, abandon, want.AbandonRate, got.Wait.Mean/1e3, want.ASA)
	}
}

// TestCallsOfIsTheSeeds: a seed gives the same calls again, another seed
// others; a call's talk time is its own (callTalk), whatever else was
// drawn, and its stamp names it back.
func TestCallsOfIsTheSeeds(t *testing.T) {
	cfg := Config{Seed: 7, Calls: 20, CallLength: 3 * s, Patience: 4 * s, Duration: 10 * s, Worker: 2}
	a, b := slices.Collect(callsOf(cfg)), slices.Collect(callsOf(cfg))
	cfg.Seed = 8
	other := slices.Collect(callsOf(cfg))
	if len(a) < 100 || len(a) != len(b) || len(other) == 0 {
		t.Fatalf("%d, %d and %d calls", len(a), len(b), len(other))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("call %d drawn %+v, then %+v", i, a[i], b[i])
		}
		if a[i].talk != callTalk(Config{Seed: 7, CallLength: 3 * s}, 2, a[i].n) {
			t.Fatalf("call %d's talk time is not its own", a[i].n)
		}
		if a[i].patience <= 0 || a[i].at >= 10*s || i > 0 && a[i].at < a[i-1].at {
			t.Fatalf("call %+v", a[i])
		}
	}
	if a[0] == other[0] {
		t.Errorf("seeds 7 and 8 drew the same first call %+v", a[0])
	}
	st, ok := stampOf(callStamp(2, 41, time.Now()))
	if !ok || st.kind != workCall || st.worker != 2 || st.n != 41 {
		t.Errorf("stampOf(callStamp(2, 41)) = %+v, %v", st, ok)
	}
	for _, bad := range []string{"", "bv-2-41-1", "bc-2-41", "bc-x-41-1", "bc-2-0-1", "bc-2-41-1-1"} {
		if st, ok := stampOf(bad); ok && st.kind == workCall {
			t.Errorf("stampOf(%q) read a call", bad)
		}
	}
}
