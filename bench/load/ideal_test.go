package load

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/bench/erlang"
)

const (
	s  = time.Second
	ms = time.Millisecond
)

// TestIdealQueueByHand follows a small queue through by hand: two agents,
// a caller who gives up before one is free, and one who waits it out.
func TestIdealQueueByHand(t *testing.T) {
	calls := []job{
		{at: 0, hold: 10 * s},                       // agent A until 10
		{at: 1 * s, hold: 3 * s},                    // agent B until 4
		{at: 2 * s, hold: 5 * s, patience: 1 * s},   // waits; hung up at 3, before B is free
		{at: 3 * s, hold: 2 * s, patience: 5 * s},   // B at 4 (waited 1 s), until 6
		{at: 5 * s, hold: 1 * s},                    // B at 6 (waited 1 s), until 7
		{at: 8 * s, hold: 1 * s, patience: 100 * s}, // B is free: at once
	}
	got := idealQueue(calls, 2, 0)
	if got.answered != 5 || got.abandoned != 1 {
		t.Fatalf("answered %d abandoned %d, want 5, 1", got.answered, got.abandoned)
	}
	if w := got.offer.Summary(); w.Count != 5 || math.Abs(w.Mean-400) > 1 || math.Abs(w.Max-1000) > 25 {
		t.Errorf("waits %+v, want 5 with a mean of 400 ms and a max of 1 s", w)
	}

	// Each call rings for 500 ms first: A is busy until 10.5 s; B until
	// 4.5 (call 3 hung up, call 4 waited 1.5 s and was answered after 2 s,
	// within its patience), 7 (call 5 waited 2 s) and 8.5 s (call 6, which
	// now waits 0.5 s).
	got = idealQueue(calls, 2, 500*time.Millisecond)
	if w := got.offer.Summary(); got.answered != 5 || got.abandoned != 1 || math.Abs(w.Mean-(1500+2000+500)/5.0) > 1 {
		t.Errorf("with a ring: answered %d abandoned %d, mean wait %.1f ms, want 5, 1, 800", got.answered, got.abandoned, w.Mean)
	}
	if a := got.answer.Summary(); a.Count != 5 || math.Abs(a.Mean-(500+500+2000+2500+1000)/5.0) > 1 {
		t.Errorf("with a ring: answers %+v, want 5 with a mean of 1.3 s", a)
	}

	// Without an agent, the impatient hang up and the patient are never
	// answered.
	got = idealQueue(calls, 0, 0)
	if got.answered != 0 || got.abandoned != 3 || got.offer.Summary().Count != 0 {
		t.Errorf("no agent: answered %d abandoned %d, want 0, 3", got.answered, got.abandoned)
	}
}

// TestIdealQueueRinging follows customers through by hand: one slot, an
// offer that rings 1 s, and customers who leave while theirs rings (a
// visitor before its agent joins, a caller before its agent answers),
// which frees the slot at once.
func TestIdealQueueRinging(t *testing.T) {
	chats := []job{
		{at: 0, hold: 2 * s},                              // offered at 0, joined at 1, until 3
		{at: 1 * s, hold: 5 * s, patience: 2500 * ms},     // offered at 3, rings until 4: leaves at 3.5
		{at: 2 * s, hold: 1 * s, patience: 10 * s},        // offered at 3.5, joined at 4.5, until 5.5
		{at: 3 * s, hold: 1 * s, patience: 1 * s},         // gives up at 4, in the queue
		{at: 5 * s, hold: 1 * s, patience: 1500 * ms},     // offered at 5.5, joined at 6.5 as its patience ends
		{at: 5100 * ms, hold: 1 * s, patience: 1400 * ms}, // gives up at 6.5, in the queue
	}
	got := idealQueue(chats, 1, 1*s)
	if got.answered != 3 || got.abandoned != 3 {
		t.Fatalf("answered %d abandoned %d, want 3, 3", got.answered, got.abandoned)
	}
	// Offers at 0, 3, 3.5 and 5.5 waited 0, 2, 1.5 and 0.5 s; the
	// answered joined 1, 2.5 and 1.5 s after they arrived.
	if w := got.offer.Summary(); w.Count != 4 || math.Abs(w.Mean-1000) > 1 {
		t.Errorf("offers %+v, want 4 with a mean of 1 s", w)
	}
	if a := got.answer.Summary(); a.Count != 3 || math.Abs(a.Mean-(1000+2500+1500)/3.0) > 1 {
		t.Errorf("answers %+v, want 3 with a mean of 1.667 s", a)
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

// TestIdealQueueOfTheBenchsVisitorsIsErlangA: over a long run, the
// bench's visitors (chatsOf) in the ideal queue of agents times capacity
// chat slots lose and wait what Erlang A says for as many servers, within
// 5 %: the visitors' draws have the distributions the flags name.
func TestIdealQueueOfTheBenchsVisitorsIsErlangA(t *testing.T) {
	for _, c := range []struct {
		agents, capacity     int
		rate                 float64
		chat, patience, span time.Duration
	}{
		{30, 3, 4.5, 20 * s, 30 * s, 20000 * s}, // 100 %
		{5, 2, 1.9, 5 * s, 20 * s, 100000 * s},  // 95 %
	} {
		cfg := Config{Seed: 1, Rate: c.rate, ChatLength: c.chat, Patience: c.patience, Duration: c.span, Languages: []string{"en"}}
		got := idealChats([]Config{cfg}, c.agents*c.capacity, 0)
		want, err := erlang.ErlangA(c.rate, c.chat.Seconds(), c.agents*c.capacity, 20, c.patience.Seconds())
		if err != nil {
			t.Fatal(err)
		}
		abandon := ratio(got.Abandoned, got.Chats)
		if got.Answered+got.Abandoned != got.Chats || got.Offer.Count != uint64(got.Answered) {
			t.Errorf("chats %d answered %d abandoned %d offered %d, without a ring", got.Chats, got.Answered, got.Abandoned, got.Offer.Count)
		}
		if math.Abs(abandon/want.AbandonRate-1) > 0.05 || math.Abs(got.Offer.Mean/1e3/want.ASA-1) > 0.05 {
			t.Errorf("%d agents of %d chats at %g/s: abandoned %.4f, mean wait %.3f s; Erlang A %.4f, %.3f s",
				c.agents, c.capacity, c.rate, abandon, got.Offer.Mean/1e3, want.AbandonRate, want.ASA)
		}
		t.Logf("%d agents of %d chats at %g/s over %v: %d chats, abandoned %.4f (Erlang A %.4f), mean wait %.3f s (%.3f)",
			c.agents, c.capacity, c.rate, c.span, got.Chats, abandon, want.AbandonRate, got.Offer.Mean/1e3, want.ASA)
	}
}

// TestIdealChatsOnlyForChatsAlone: the ideal queue of chats stands for
// runs where any slot may take any visitor and every visitor reached the
// server.
func TestIdealChatsOnlyForChatsAlone(t *testing.T) {
	base := Config{Seed: 1, Rate: 2, ChatLength: s, Duration: 10 * s, Languages: []string{"en"}}
	if id := idealChats([]Config{base}, 3, 0); id == nil || id.Chats < 5 || id.Answered != id.Chats {
		t.Fatalf("chats alone: %+v", id)
	}
	for name, mod := range map[string]func(*Config){
		"calls beside":  func(c *Config) { c.Calls = 1 },
		"emails beside": func(c *Config) { c.Emails = 1 },
		"no visitors":   func(c *Config) { c.Rate = 0 },
		"a hold run":    func(c *Config) { c.Hold = s },
	} {
		cfg := base
		mod(&cfg)
		if id := idealChats([]Config{cfg}, 3, 0); id != nil {
			t.Errorf("%s: %+v", name, id)
		}
	}
	if id := idealChats([]Config{base}, 3, 1); id != nil {
		t.Errorf("a visitor dropped: %+v", id)
	}
}

// TestChatsOfIsTheSeeds: a seed gives the same visitors again, another
// seed others, and two workers of one run others again; each draws what
// its flags name.
func TestChatsOfIsTheSeeds(t *testing.T) {
	cfg := Config{Seed: 7, Rate: 20, ChatLength: 3 * s, Patience: 4 * s, Duration: 10 * s, Worker: 2, Languages: []string{"en", "es", "fr"}}
	a, b := slices.Collect(chatsOf(cfg)), slices.Collect(chatsOf(cfg))
	other := cfg
	other.Seed = 8
	worker := cfg
	worker.Worker = 3
	if len(a) < 100 || len(a) != len(b) {
		t.Fatalf("%d and %d visitors", len(a), len(b))
	}
	langs := map[string]int{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("visitor %d drawn %+v, then %+v", i, a[i], b[i])
		}
		if a[i].n != i+1 || a[i].patience <= 0 || a[i].chat <= 0 || a[i].at >= 10*s || i > 0 && a[i].at < a[i-1].at {
			t.Fatalf("visitor %+v", a[i])
		}
		langs[a[i].lang]++
	}
	if len(langs) != 3 || langs["en"] == 0 || langs["es"] == 0 || langs["fr"] == 0 {
		t.Errorf("languages drawn %v", langs)
	}
	for name, c := range map[string]Config{"seed 8": other, "worker 3": worker} {
		if o := slices.Collect(chatsOf(c)); len(o) == 0 || o[0] == a[0] {
			t.Errorf("%s drew the same first visitor %+v", name, a[0])
		}
	}
	cfg.Languages = nil
	for c := range chatsOf(cfg) {
		if c.lang != "en" {
			t.Fatalf("without languages, a visitor speaks %q", c.lang)
		}
	}
}

// TestPatienceDraws: --patience alone draws exponential patience of that
// mean (cv 1); with --patience-cv, lognormal of that mean and cv, for
// visitors and callers alike; without --patience, none.
func TestPatienceDraws(t *testing.T) {
	for _, c := range []struct {
		cv, wantCV float64
	}{{0, 1}, {0.3, 0.3}, {1.5, 1.5}} {
		cfg := Config{Seed: 3, Rate: 50, Calls: 50, ChatLength: s, CallLength: s, Patience: 60 * s, PatienceCV: c.cv, Duration: 400 * s, Languages: []string{"en"}}
		var chats, calls []float64
		for v := range chatsOf(cfg) {
			chats = append(chats, v.patience.Seconds())
		}
		for v := range callsOf(cfg) {
			calls = append(calls, v.patience.Seconds())
		}
		for name, xs := range map[string][]float64{"visitors": chats, "callers": calls} {
			var sum, sq float64
			for _, x := range xs {
				sum += x
			}
			mean := sum / float64(len(xs))
			for _, x := range xs {
				sq += (x - mean) * (x - mean)
			}
			cv := math.Sqrt(sq/float64(len(xs)-1)) / mean
			if len(xs) < 15000 || math.Abs(mean-60) > 0.05*60 || math.Abs(cv-c.wantCV) > 0.1*c.wantCV {
				t.Errorf("--patience-cv %v: %d %s, patience mean %.2f s cv %.3f; want 60 s, cv %v", c.cv, len(xs), name, mean, cv, c.wantCV)
			}
		}
	}
	for v := range chatsOf(Config{Seed: 3, Rate: 50, ChatLength: s, Duration: 10 * s}) {
		if v.patience != 0 {
			t.Fatalf("without --patience, a visitor of patience %v", v.patience)
		}
	}
}
