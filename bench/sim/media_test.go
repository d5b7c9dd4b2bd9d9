package sim

import (
	"context"
	"errors"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/bench/erlang"
	"github.com/switchboardhq/switchboard/presence"
)

// runCalls runs cfg and returns its report and every call, by number.
func runCalls(t *testing.T, cfg Config) (*Report, map[int]Call) {
	t.Helper()
	calls := map[int]Call{}
	cfg.OnCall = func(c Call) { calls[c.N] = c }
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r, calls
}

// asOneChat returns plain as a blended run of one chat media with plain's
// handle time, wrap-up, capacity and threshold.
func asOneChat(plain Config) Config {
	b := plain
	b.Handle, b.Wrapup, b.Capacity, b.SLThreshold = 0, 0, 0, 0
	b.Media = []MediaShare{{Media: presence.Chat, Share: 3, Handle: plain.Handle, Wrapup: plain.Wrapup, Capacity: plain.Capacity, SLThreshold: plain.SLThreshold}}
	return b
}

// runSame runs plain and asOneChat(plain), and fails unless both have at
// least least calls, the same ones.
func runSame(t *testing.T, plain Config, least int) (r1, r2 *Report) {
	t.Helper()
	r1, c1 := runCalls(t, plain)
	r2, c2 := runCalls(t, asOneChat(plain))
	if len(c1) != len(c2) || len(c1) < least {
		t.Fatalf("%d and %d calls", len(c1), len(c2))
	}
	for n, a := range c1 {
		if b := c2[n]; a != b {
			t.Fatalf("call %d: %+v without media, %+v with", n, a, b)
		}
	}
	return r1, r2
}

// A run whose one media is chat is the run without media, call for call:
// the media's handle time, wrap-up, capacity and threshold are the run's.
func TestMediaOneChatIsTheRun(t *testing.T) {
	plain := Config{Agents: 4, Rate: 0.05, Handle: 100 * time.Second, Wrapup: 15 * time.Second, Capacity: 2,
		Patience: 60 * time.Second, HandleDist: Lognormal, HandleCV: 1.5, SLThreshold: 30 * time.Second,
		Duration: 20 * time.Hour, Seed: 11}
	r1, r2 := runSame(t, plain, 3000)
	s1, s2 := r1.Simulated, r2.Simulated
	if s1.ServiceLevel != s2.ServiceLevel || s1.ASA != s2.ASA || s1.AbandonRate != s2.AbandonRate || s1.Arrivals != s2.Arrivals {
		t.Errorf("without media %+v, with %+v", s1, s2)
	}
	if len(r2.Media) != 1 || r2.Media[0].Simulated != (Part{ServiceLevel: s1.ServiceLevel, ASA: s1.ASA, AbandonRate: s1.AbandonRate,
		Arrivals: s1.Arrivals, Answered: s1.Answered, Abandoned: s1.Abandoned}) {
		t.Errorf("media %+v, run %+v", r2.Media, s1)
	}
	// the chat's slots are the run's slots
	if got, want := r2.Media[0].Occupancy, s1.Occupancy; math.Abs(got-want) > 1e-12 {
		t.Errorf("chat slots occupied %v, the run's %v", got, want)
	}
	if r2.Erlang != nil || r1.Erlang == nil {
		t.Errorf("a blended run has no model: %+v; the plain one has %+v", r2.Erlang, r1.Erlang)
	}
}

// Voice alone is M/M/c+M through the telephony path (the call reported
// connected, then ended by the agent or, waiting, by the customer): every
// call waits exactly as in the reference queue.
func TestMediaVoiceMatchesReference(t *testing.T) {
	plain := Config{Agents: 5, Rate: 0.05, Handle: 80 * time.Second, Wrapup: 10 * time.Second, Patience: 40 * time.Second,
		Duration: 30 * time.Hour, Seed: 5}
	voice := plain
	voice.Handle, voice.Wrapup = 0, 0
	voice.Media = []MediaShare{{Media: presence.Voice, Share: 1, Handle: 80 * time.Second, Wrapup: 10 * time.Second}}
	want := map[int]Call{}
	reference(t, plain, func(c Call) { want[c.N] = c })
	r, got := runCalls(t, voice)
	if len(got) != len(want) || len(got) < 5000 {
		t.Fatalf("%d calls, the reference %d", len(got), len(want))
	}
	abandons := 0
	for n, w := range want {
		g := got[n]
		if g.Answered != w.Answered || math.Abs(g.Wait-w.Wait) > 1e-6 || g.Media != presence.Voice {
			t.Fatalf("call %d: %+v, the reference %+v", n, g, w)
		}
		if !g.Answered {
			abandons++
		}
	}
	if abandons < 50 || r.Media[0].Simulated.Abandoned == 0 {
		t.Errorf("%d abandons: the test needs some", abandons)
	}
	// one media alone has its model: Erlang A on 5 agents × 1 slot
	e := r.Media[0].Erlang
	if want, err := erlang.ErlangA(0.05, 90, 5, 20, 40); err != nil || e == nil || e.Model != "erlang_a" || e.Result != want {
		t.Errorf("voice's model %+v, want Erlang A %+v (%v)", e, want, err)
	}
}

// The hub's blending rules hold in a blended run: no agent holds more of a
// media than its capacity, no call or chat starts for an agent holding a
// call (offer to wrap-up), and email starts whatever the agent holds. The
// figures by media and the occupancy are those of the calls.
func TestMediaRules(t *testing.T) {
	cfg := Config{Agents: 12, Rate: 0.08, Patience: 300 * time.Second, Duration: 12 * time.Hour, Warmup: time.Hour, Seed: 3,
		SLThreshold: 20 * time.Second, Media: []MediaShare{
			{Media: presence.Voice, Share: 0.5, Handle: 150 * time.Second, Wrapup: 20 * time.Second},
			{Media: presence.Chat, Share: 0.3, Handle: 300 * time.Second, Capacity: 3, SLThreshold: time.Minute},
			{Media: presence.Email, Share: 0.2, Handle: 400 * time.Second, Wrapup: 30 * time.Second, Capacity: 2, SLThreshold: time.Hour},
		}}
	if raceOn {
		cfg.Duration = 3 * time.Hour
	}
	r, calls := runCalls(t, cfg)
	wrap := map[presence.Media]float64{presence.Voice: 20, presence.Chat: 0, presence.Email: 30}
	capacity := map[presence.Media]int{presence.Voice: 1, presence.Chat: 3, presence.Email: 2}
	thr := map[presence.Media]float64{presence.Voice: 20, presence.Chat: 60, presence.Email: 3600}
	type span struct {
		from, to float64
		m        presence.Media
	}
	byAgent := map[string][]span{}
	type tally struct{ arrivals, answered, inT, abandoned int }
	tallies := map[presence.Media]*tally{}
	for _, m := range []presence.Media{presence.Voice, presence.Chat, presence.Email} {
		tallies[m] = &tally{}
	}
	for _, c := range calls {
		if c.Media == presence.Email && !c.Answered {
			t.Fatalf("email %d abandoned: an email waits", c.N)
		}
		if c.Counted {
			tl := tallies[c.Media]
			tl.arrivals++
			if c.Answered {
				tl.answered++
				if c.Wait <= thr[c.Media] {
					tl.inT++
				}
			} else {
				tl.abandoned++
			}
		}
		if c.Answered {
			start := c.Arrive + c.Wait
			byAgent[c.Agent] = append(byAgent[c.Agent], span{start, start + c.Handle + wrap[c.Media], c.Media})
		}
	}
	emailOnCall, voiceOverChat := 0, 0
	w0, w1 := cfg.Warmup.Seconds(), (cfg.Warmup + cfg.Duration).Seconds()
	var occupied float64
	for a, spans := range byAgent {
		slices.SortFunc(spans, func(x, y span) int { return cmpFloat(x.from, y.from) })
		for i, s := range spans {
			held := map[presence.Media]int{}
			for _, o := range spans[:i] {
				if o.to > s.from { // still held when s starts (an end at the same time frees first)
					held[o.m]++
				}
			}
			if held[s.m] >= capacity[s.m] {
				t.Fatalf("agent %s: a %s at %.3f over capacity (%v held)", a, s.m, s.from, held)
			}
			switch {
			case s.m != presence.Email && held[presence.Voice] > 0:
				t.Fatalf("agent %s: a %s at %.3f while holding a call", a, s.m, s.from)
			case s.m == presence.Email && held[presence.Voice] > 0:
				emailOnCall++
			case s.m == presence.Voice && held[presence.Chat] > 0:
				voiceOverChat++
			}
		}
		// the time the agent held any contact, in the window
		end := math.Inf(-1)
		for _, s := range spans {
			lo, hi := max(s.from, end, w0), min(s.to, w1)
			if hi > lo {
				occupied += hi - lo
			}
			end = max(end, s.to)
		}
	}
	if slices.ContainsFunc(r.Media, func(m MediaReport) bool { return m.Erlang != nil }) || r.Erlang != nil {
		t.Errorf("a blend has no model: %+v", r.Media)
	}
	if emailOnCall == 0 || voiceOverChat == 0 {
		t.Errorf("emails started during a call %d times, calls during a chat %d: the run should show both", emailOnCall, voiceOverChat)
	}
	if got, want := r.Simulated.Occupancy, occupied/(float64(cfg.Agents)*(w1-w0)); math.Abs(got-want) > 1e-9 {
		t.Errorf("occupancy %v, the calls say %v", got, want)
	}
	var all tally
	for i, mr := range r.Media {
		m := cfg.Media[i].Media
		tl := tallies[m]
		want := Part{ServiceLevel: float64(tl.inT) / float64(tl.arrivals), Arrivals: tl.arrivals, Answered: tl.answered, Abandoned: tl.abandoned,
			AbandonRate: float64(tl.abandoned) / float64(tl.arrivals)}
		got := mr.Simulated
		got.ASA = 0
		if mr.Media != m.String() || got != want || tl.arrivals < 100 {
			t.Errorf("%s: %+v, the calls say %+v", m, got, want)
		}
		all.arrivals += tl.arrivals
		all.inT += tl.inT
	}
	if got, want := r.Simulated.ServiceLevel, float64(all.inT)/float64(all.arrivals); got != want {
		t.Errorf("service level %v, the calls within their media's threshold %v", got, want)
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// A staffing search of a blended run: the answer reaches the targets in
// every media and one agent fewer does not; the model's answer is the sum
// of dedicated teams, each the fewest Erlang says for its media alone.
func TestMediaStaffing(t *testing.T) {
	if raceOn {
		t.Skip("a staffing search under the race detector takes minutes")
	}
	cfg := Config{Rate: 0.06, Duration: 24 * time.Hour, Seed: 2, Media: []MediaShare{
		{Media: presence.Voice, Share: 0.6, Handle: 200 * time.Second},
		{Media: presence.Chat, Share: 0.4, Handle: 400 * time.Second, Capacity: 2, SLThreshold: time.Minute},
	}}
	tg := Targets{ServiceLevel: 0.8}
	r, err := Staff(context.Background(), cfg, tg)
	if err != nil {
		t.Fatal(err)
	}
	st := r.Staffing
	if !st.Blended || st.Model != "erlang_c" || len(r.Media) != 2 {
		t.Fatalf("staffing %+v, media %+v", st, r.Media)
	}
	sum := 0
	for i, m := range r.Media {
		ms := cfg.Media[i]
		ms.SLThreshold = max(ms.SLThreshold, DefaultSLThreshold)
		_, want := fewestByModel(tg, cfg.Rate*ms.Share, ms.Handle.Seconds(), max(ms.Capacity, 1), ms.SLThreshold.Seconds(), 0)
		if m.Dedicated != want || want == 0 {
			t.Errorf("%s: dedicated %d, want %d", m.Media, m.Dedicated, want)
		}
		sum += m.Dedicated
		if m.Simulated.ServiceLevel < 0.8 {
			t.Errorf("%s: service level %v below the target", m.Media, m.Simulated.ServiceLevel)
		}
	}
	if st.ModelAgents != sum {
		t.Errorf("model agents %d, the teams sum to %d", st.ModelAgents, sum)
	}
	fewer := slices.IndexFunc(st.Tried, func(tr Trial) bool { return tr.Agents == st.Agents-1 })
	if fewer < 0 || st.Tried[fewer].Meets || len(st.Tried[fewer].Media) != 2 {
		t.Fatalf("answer %d, tried %+v", st.Agents, st.Tried)
	}
	if tr := st.Tried[fewer]; tr.Media[0].ServiceLevel >= 0.8 && tr.Media[1].ServiceLevel >= 0.8 {
		t.Errorf("%d agents meet the targets in every media: %+v", tr.Agents, tr.Media)
	}
	var b strings.Builder
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"dedicated teams by Erlang C", "voice ", "chat ", "SL by media: voice / chat"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

// Bad media are refused with ErrConfig, on the command line too.
func TestMediaRefused(t *testing.T) {
	ok := Config{Agents: 3, Rate: 0.01, Handle: time.Minute, Duration: time.Hour}
	for name, mod := range map[string]func(*Config){
		"voice capacity 2": func(c *Config) { c.Media = []MediaShare{{Media: presence.Voice, Share: 1, Capacity: 2}} },
		"named twice": func(c *Config) {
			c.Media = []MediaShare{{Media: presence.Chat, Share: 1}, {Media: presence.Chat, Share: 1}}
		},
		"share 0":        func(c *Config) { c.Media = []MediaShare{{Media: presence.Chat}} },
		"bad media":      func(c *Config) { c.Media = []MediaShare{{Media: 7, Share: 1}} },
		"run's capacity": func(c *Config) { c.Capacity = 2; c.Media = []MediaShare{{Media: presence.Chat, Share: 1}} },
		"no handle": func(c *Config) {
			c.Handle = 0
			c.Media = []MediaShare{{Media: presence.Chat, Share: 1, Handle: time.Minute}, {Media: presence.Email, Share: 1}}
		},
		"no handle at all": func(c *Config) { c.Handle = 0 },
		"capacity 1001":    func(c *Config) { c.Media = []MediaShare{{Media: presence.Email, Share: 1, Capacity: 1001}} },
		"wrap-up -1":       func(c *Config) { c.Media = []MediaShare{{Media: presence.Email, Share: 1, Wrapup: -time.Second}} },
	} {
		cfg := ok
		mod(&cfg)
		if _, err := Run(context.Background(), cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
	for _, args := range [][]string{
		{"--handle", "voice=60"},                                    // per media without --media
		{"--media", "fax=1", "--handle", "60"},                      // no such media
		{"--media", "voice=1", "--handle", "chat=60"},               // a media not in --media
		{"--media", "voice=1", "--handle", "60", "--capacity", "3"}, // chat's, without chat
		{"--media", "chat=1", "--handle", "60", "--capacity", "chat=2.5"},
		{"--media", "chat=1", "--handle", "chat=60,chat=70"},
		{"--media", "chat=1", "--handle", "60", "--sl-threshold", "chat=0"},
		{"--media", "chat=1,voice=1", "--handle", "chat=60"}, // voice has none
	} {
		args = append([]string{"--agents", "3", "--rate", "0.01", "--quiet"}, args...)
		if code := Main(args, io.Discard, io.Discard); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

// The command line's per-media values reach the config: a plain number is
// the default of the media without their own, and a plain --capacity is
// chat's.
func TestMediaFlags(t *testing.T) {
	o, err := parseFlags(strings.Fields("--agents 9 --rate 0.1 --media voice=0.5,chat=0.3,email=0.2 --handle 300,email=900 "+
		"--wrapup voice=30 --capacity 3 --capacity email=4 --sl-threshold 20,email=3600"), io.Discard)
	if err == nil {
		t.Fatalf("a flag mixing a number and media parsed: %+v", o.cfg)
	}
	o, err = parseFlags(strings.Fields("--agents 9 --rate 0.1 --media voice=0.5,chat=0.3,email=0.2 --handle 300 --handle email=900 "+
		"--wrapup voice=30 --capacity 3 --capacity email=4 --sl-threshold email=3600"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := o.cfg.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	want := []MediaShare{
		{Media: presence.Voice, Share: 0.5, Handle: 300 * time.Second, Wrapup: 30 * time.Second, Capacity: 1, SLThreshold: 20 * time.Second},
		{Media: presence.Chat, Share: 0.3, Handle: 300 * time.Second, Capacity: 3, SLThreshold: 20 * time.Second},
		{Media: presence.Email, Share: 0.2, Handle: 900 * time.Second, Capacity: 4, SLThreshold: time.Hour},
	}
	if !slices.Equal(cfg.Media, want) {
		t.Errorf("media %+v,\nwant %+v", cfg.Media, want)
	}
	var out strings.Builder
	if code := Main(strings.Fields("--agents 9 --rate 0.05 --duration 7200 --quiet --media voice=0.5,chat=0.3,email=0.2 --handle 300 --capacity 3"), &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, s := range []string{"handle by media (below)", "agents of work", "voice ", "chat ", "email ", "an agent is occupied while holding any contact"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, out.String())
		}
	}
}
