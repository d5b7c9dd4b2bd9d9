package sim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// A day of one chat media is the day without media, call for call and
// interval by interval, models included.
func TestMediaDayOneChatIsTheDay(t *testing.T) {
	plain := Config{Rate: 0, Profile: []float64{0.01, 0.05, 0.03, 0}, Interval: time.Hour, Schedule: []int{1, 4, 3, 1},
		Handle: 100 * time.Second, Wrapup: 15 * time.Second, Capacity: 2, Patience: time.Minute, SLThreshold: 30 * time.Second,
		Duration: 24 * time.Hour, Seed: 4}
	r1, r2 := runSame(t, plain, 2000)
	if len(r1.Intervals) != 4 || len(r2.Intervals) != 4 {
		t.Fatalf("intervals %d and %d", len(r1.Intervals), len(r2.Intervals))
	}
	for k, a := range r1.Intervals {
		b := r2.Intervals[k]
		if a.Simulated != b.Simulated || a.Agents != b.Agents || a.Rate != b.Rate {
			t.Errorf("interval %d: %+v without media, %+v with", k, a, b)
		}
		if len(b.Media) != 1 || b.Media[0].Simulated != b.Simulated {
			t.Errorf("interval %d: media %+v, the interval's %+v", k, b.Media, b.Simulated)
		}
		switch {
		case a.Erlang == nil && k < 3:
			t.Errorf("interval %d has no model", k)
		case a.Erlang == nil:
		case b.Erlang == nil || a.Erlang.Result != b.Erlang.Result || b.Media[0].Erlang != b.Erlang:
			t.Errorf("interval %d: model %+v without media, %+v with", k, a.Erlang, b.Erlang)
		}
	}
}

// A blended day on a schedule: each interval's figures by media, within
// each media's threshold, are those of the calls that arrived in it; its
// occupancy is the time agents held any contact over their time worked, on
// shift and after it finishing contacts (overtime, which the calls give
// too); a media's occupancy is its busy slot-time over its slots worked. A
// blend has no model, in any interval.
func TestMediaDayRules(t *testing.T) {
	const iv = 3600.0
	cfg := Config{Profile: []float64{0.02, 0.09, 0.05}, Interval: time.Hour, Schedule: []int{3, 9, 6},
		Patience: 200 * time.Second, Duration: 30 * time.Hour, Warmup: 3 * time.Hour, Seed: 8,
		SLThreshold: 20 * time.Second, Media: []MediaShare{
			{Media: presence.Voice, Share: 0.5, Handle: 150 * time.Second, Wrapup: 20 * time.Second}, // the run's T
			{Media: presence.Chat, Share: 0.3, Handle: 300 * time.Second, Capacity: 3, SLThreshold: time.Minute},
			{Media: presence.Email, Share: 0.2, Handle: 400 * time.Second, Capacity: 2, SLThreshold: time.Hour},
		}}
	thr := []float64{20, 60, 3600}
	if raceOn {
		cfg.Duration, cfg.Warmup = 9*time.Hour, time.Hour
	}
	r, calls := runCalls(t, cfg)
	w0, w1 := cfg.Warmup.Seconds(), (cfg.Warmup + cfg.Duration).Seconds()
	nm := len(cfg.Media)
	type tally struct{ arrivals, answered, inT, abandoned int }
	tallies := make([]tally, len(cfg.Profile)*nm)
	type span struct {
		from, to float64
		m        int
	}
	byAgent := map[string][]span{}
	for _, c := range calls {
		j := slices.IndexFunc(cfg.Media, func(m MediaShare) bool { return m.Media == c.Media })
		if c.Counted {
			g, _ := intervalOf(c.Arrive, iv)
			tl := &tallies[g%len(cfg.Profile)*nm+j]
			tl.arrivals++
			if c.Answered {
				tl.answered++
				if c.Wait <= thr[j] {
					tl.inT++
				}
			} else {
				tl.abandoned++
			}
		}
		if c.Answered {
			start := c.Arrive + c.Wait
			byAgent[c.Agent] = append(byAgent[c.Agent], span{start, start + c.Handle + cfg.Media[j].Wrapup.Seconds(), j})
		}
	}
	// busy time in each interval of the cycle, clipped to the window
	clip := func(lo, hi float64, into []float64) {
		lo, hi = max(lo, w0), min(hi, w1)
		for lo < hi {
			g, end := intervalOf(lo, iv)
			end = min(end, hi)
			into[g%len(into)] += end - lo
			lo = end
		}
	}
	// The time each agent held any contact, by interval; and its part
	// while the agent was off shift (agent a%05d is number n-1, on shift
	// in interval k when n-1 < Schedule[k]): overtime.
	occupied := make([]float64, len(cfg.Profile))
	overtime := make([]float64, len(cfg.Profile))
	mediaBusy := make([]float64, nm)
	for id, spans := range byAgent {
		var n int
		if _, err := fmt.Sscanf(id, "a%05d", &n); err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(spans, func(x, y span) int { return cmpFloat(x.from, y.from) })
		end := math.Inf(-1)
		for _, s := range spans {
			clip(max(s.from, end), s.to, occupied)
			for lo, hi := max(s.from, end, w0), min(s.to, w1); lo < hi; {
				g, ivEnd := intervalOf(lo, iv)
				ivEnd = min(ivEnd, hi)
				if k := g % len(cfg.Profile); n-1 >= cfg.Schedule[k] {
					overtime[k] += ivEnd - lo
				}
				lo = ivEnd
			}
			end = max(end, s.to)
			one := []float64{0}
			clip(s.from, s.to, one)
			mediaBusy[s.m] += one[0]
		}
	}
	onShift := make([]float64, len(cfg.Profile)) // agent-time on shift, by interval
	for g := int(w0 / iv); float64(g)*iv < w1; g++ {
		k := g % len(cfg.Profile)
		onShift[k] += (min(float64(g+1)*iv, w1) - max(float64(g)*iv, w0)) * float64(cfg.Schedule[k])
	}
	var allShift, allOvertime float64
	for k, ir := range r.Intervals {
		allShift += onShift[k]
		allOvertime += overtime[k]
		if ir.Erlang != nil {
			t.Errorf("interval %d of a blend has a model: %+v", k, ir.Erlang)
		}
		if got, want := ir.Occupancy, occupied[k]/(onShift[k]+overtime[k]); math.Abs(got-want) > 1e-9 || got > 1 {
			t.Errorf("interval %d: occupancy %v, the calls say %v", k, got, want)
		}
		if math.Abs(ir.Overtime-overtime[k]) > 1e-6 {
			t.Errorf("interval %d: overtime %v s, the calls say %v s", k, ir.Overtime, overtime[k])
		}
		if len(ir.Media) != nm {
			t.Fatalf("interval %d: media %+v", k, ir.Media)
		}
		for j, im := range ir.Media {
			tl := tallies[k*nm+j]
			want := Part{ServiceLevel: float64(tl.inT) / float64(tl.arrivals), Arrivals: tl.arrivals, Answered: tl.answered,
				Abandoned: tl.abandoned, AbandonRate: float64(tl.abandoned) / float64(tl.arrivals)}
			got := im.Simulated
			got.ASA = 0
			if im.Media != cfg.Media[j].Media.String() || got != want || tl.arrivals < 20 || im.Erlang != nil {
				t.Errorf("interval %d, %s: %+v, the calls say %+v", k, cfg.Media[j].Media, im, want)
			}
		}
	}
	// Agents going off shift at 01:00 and at 02:00 hold chats and emails.
	if overtime[1] > 0 || overtime[0] <= 0 || overtime[2] <= 0 {
		t.Errorf("overtime by interval %v s: none expected in the second (9 agents, up from 3)", overtime)
	}
	if s := r.Simulated; math.Abs(s.OnShift-allShift) > 1e-6 || math.Abs(s.Overtime-allOvertime) > 1e-6 {
		t.Errorf("on shift %v s and overtime %v s, the calls say %v and %v", s.OnShift, s.Overtime, allShift, allOvertime)
	}
	for j, mr := range r.Media {
		if got, want := mr.Occupancy, mediaBusy[j]/(float64(mr.Capacity)*(allShift+allOvertime)); math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: occupancy %v, the calls say %v of its slots worked", mr.Media, got, want)
		}
	}
}

// A blended day staffed interval by interval: each open interval's search
// is a blended one (its answer beside the sum of dedicated teams), and the
// day runs on the schedule they found.
func TestMediaDayStaffed(t *testing.T) {
	if raceOn {
		t.Skip("staffing searches under the race detector take minutes")
	}
	cfg := Config{Profile: []float64{0.03, 0}, Interval: time.Hour, Duration: 12 * time.Hour, Seed: 6, Media: []MediaShare{
		{Media: presence.Voice, Share: 0.6, Handle: 200 * time.Second},
		{Media: presence.Chat, Share: 0.4, Handle: 400 * time.Second, Capacity: 2, SLThreshold: time.Minute},
	}}
	r, err := StaffProfile(context.Background(), cfg, Targets{ServiceLevel: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	open, closed := r.Intervals[0], r.Intervals[1]
	st := open.Staffing
	if st == nil || !st.Blended || st.Agents < 1 || open.Agents != st.Agents || closed.Staffing != nil || closed.Agents != 0 {
		t.Fatalf("intervals %+v", r.Intervals)
	}
	sum := 0
	for _, m := range cfg.Media {
		m.SLThreshold = max(m.SLThreshold, DefaultSLThreshold)
		_, want := fewestByModel(Targets{ServiceLevel: 0.8}, 0.03*m.Share, m.Handle.Seconds(), max(m.Capacity, 1), m.SLThreshold.Seconds(), 0)
		sum += want
	}
	if st.ModelAgents != sum {
		t.Errorf("the interval's model agents %d, the dedicated teams sum to %d", st.ModelAgents, sum)
	}
	if !slices.Equal(r.Input.Schedule, []int{st.Agents, 0}) || len(open.Media) != 2 {
		t.Errorf("schedule %v, media %+v", r.Input.Schedule, open.Media)
	}
	if !slices.ContainsFunc(r.Notes, func(n string) bool { return strings.Contains(n, "80 % within its threshold, in every media") }) {
		t.Errorf("no note names the blend's targets: %q", r.Notes)
	}
}

// The HTML page of a blend draws each media's waits in its own threshold,
// and a blended day's intervals by media; each curve at T is the media's
// service level, and one media's model curve at T is its model's.
func TestMediaHTML(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args   []string
		titles []string
		lines  int
	}{
		{strings.Fields("--media voice=0.6,chat=0.4 --handle voice=200,chat=400 --capacity chat=2 --sl-threshold chat=60 " +
			"--profile 0.01,0.04 --interval 3600 --schedule 3,8 --duration 43200"),
			[]string{"voice: answered within t, for t from 0 to 80 s", "chat: answered within t, for t from 0 to 240 s",
				"service level by interval and media", "agents of work"}, 2 + 2 + 3 + 2},
		{strings.Fields("--agents 4 --media voice=1 --handle 150 --patience 60 --rate 0.02 --duration 43200"),
			[]string{"voice: answered within t, for t from 0 to 80 s"}, 2 + 2},
	} {
		name := filepath.Join(dir, "page.html")
		var errb bytes.Buffer
		if code := Main(append(c.args, "--quiet", "--html", name), io.Discard, &errb); code != 0 {
			t.Fatalf("%q: exit %d: %s", c.args, code, errb.String())
		}
		page, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range c.titles {
			if !strings.Contains(string(page), want) {
				t.Errorf("%q: page lacks %q", c.args, want)
			}
		}
		if strings.Contains(string(page), "handle 0 s") {
			t.Errorf("%q: the title has the run's handle time, which a blend does not have", c.args)
		}
		if n := strings.Count(string(page), "<polyline"); n != c.lines {
			t.Errorf("%q: %d lines drawn, want %d", c.args, n, c.lines)
		}
		o, err := parseFlags(c.args, &errb)
		if err != nil {
			t.Fatal(err)
		}
		r := run(t, o.cfg)
		atT := waitBins / waitSpan
		for j, m := range r.Media {
			if got := r.mediaWithin[j][atT]; math.Abs(got-m.Simulated.ServiceLevel) > 1e-12 {
				t.Errorf("%q: %s curve at T %.5f, service level %.5f", c.args, m.Media, got, m.Simulated.ServiceLevel)
			}
			switch model := r.mediaWithinModel[j]; {
			case m.Erlang == nil && model != nil:
				t.Errorf("%q: %s has a model curve and no model", c.args, m.Media)
			case m.Erlang != nil && (model == nil || math.Abs(model[atT]-m.Erlang.ServiceLevel) > 1e-9):
				t.Errorf("%q: %s model curve %v, model %+v", c.args, m.Media, model, m.Erlang)
			}
		}
	}
}
