package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/session"
)

// day0 is the day the tests' histories happen.
var day0 = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// writeDoc writes m as the server's directory sink does: json.Marshal of
// the session's metadata document, to <dir>/<workspace>/<id>.json.
func writeDoc(t testing.TB, dir string, m session.Metadata) {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	ws := filepath.Join(dir, m.Workspace)
	if err := os.MkdirAll(ws, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, m.ID+".json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// callDoc is the metadata document of a simulated call of cfg, which
// began at start: its queue entry, assignment, end and wrap-up, at the
// milliseconds the server keeps.
func callDoc(cfg Config, start time.Time, c Call) session.Metadata {
	at := func(s float64) string { return session.FormatTime(start.Add(seconds(s))) }
	m := session.Metadata{ID: fmt.Sprintf("s%05d", c.N), Workspace: "acme", Media: c.Media, Lang: c.Language,
		Created: at(c.Arrive), Queued: at(c.Arrive), Queue: session.MetaQueue{ID: "q" + fmt.Sprint(c.Queue), Name: "Simulated"},
		Transfers: []session.MetaTransfer{}, Participants: []session.MetaParticipant{}}
	if len(cfg.Queues) > 0 {
		q := cfg.Queues[c.Queue]
		m.Queue.Name, m.Queue.Priority = q.Name, q.Priority
	}
	if len(cfg.Arrivals) > 0 {
		m.Expertise = cfg.Arrivals[c.N-1].Expertise
	}
	if !c.Answered {
		m.Ended, m.Outcome = at(c.Arrive+c.Wait), session.OutcomeAbandoned
		return m
	}
	m.Assigned, m.Connected = at(c.Arrive+c.Wait), at(c.Arrive+c.Wait)
	m.Ended, m.Outcome = at(c.Arrive+c.Wait+c.Handle), session.OutcomeSuccess
	m.WrappedUp = at(c.Arrive + c.Wait + c.Handle + cfg.Wrapup.Seconds())
	m.Agent = &session.Ref{ID: c.Agent, Name: "Agent " + c.Agent}
	return m
}

// simulatedHistory runs cfg and writes its calls to a history in a new
// directory, as if they happened from start; it returns the directory,
// the run's report and its calls by number.
func simulatedHistory(t testing.TB, cfg Config, start time.Time) (string, *Report, map[int]Call) {
	t.Helper()
	dir := t.TempDir()
	calls := map[int]Call{}
	cfg.OnCall = func(c Call) {
		calls[c.N] = c
		writeDoc(t, dir, callDoc(cfg, start, c))
	}
	return dir, run(t, cfg), calls
}

// TestHistoryIsTheRun writes a simulated day's contacts as the server
// exports them, reads them back as a history, and replays it with the
// same agents: the history gives back the run's load (its patience,
// handle times, wrap-up, capacity, queues and languages), what its
// contacts met is the run's, and the replay meets it again. More agents
// then answer more, sooner.
func TestHistoryIsTheRun(t *testing.T) {
	n := 6000
	if raceOn || testing.Short() {
		n = 1500
	}
	cfg := load(16, 0.97, n, 3) // 16 slots
	cfg.Agents, cfg.Warmup, cfg.Capacity = 8, -1, 2
	cfg.Patience, cfg.Wrapup = 90*time.Second, 10*time.Second
	cfg.HandleDist, cfg.HandleCV = Lognormal, 1
	cfg.Queues = []QueueShare{{Name: "sales", Share: 3}, {Name: "support", Share: 2, Priority: 3}}
	cfg.Languages = []LanguageShare{{"en", 3}, {"fr", 1}}
	start := day0.Add(8 * time.Hour)
	dir, r0, calls := simulatedHistory(t, cfg, start)

	h, err := ReadHistory(dir, HistoryOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if h.Workspace != "acme" || !h.Start.Equal(day0) || len(h.Arrivals) != len(calls) || h.Files != len(calls) || len(h.Skipped) != 0 {
		t.Fatalf("history %s from %v: %d arrivals of %d files, skipped %v; want %d from %v", h.Workspace, h.Start, len(h.Arrivals), h.Files, h.Skipped, len(calls), day0)
	}
	var handles []float64
	for i, a := range h.Arrivals {
		c := calls[i+1]
		if d := a.At - 8*time.Hour - seconds(c.Arrive); d.Abs() > time.Millisecond || a.Language != c.Language || a.Queue != cfg.Queues[c.Queue].Name {
			t.Fatalf("arrival %d: %+v, call %+v", i+1, a, c)
		}
		if c.Answered {
			handles = append(handles, c.Handle)
			if d := a.Handle - seconds(c.Handle); d.Abs() > 2*time.Millisecond || a.Patience < seconds(c.Wait) ||
				(a.Wrapup-cfg.Wrapup).Abs() > 2*time.Millisecond {
				t.Fatalf("answered arrival %d: %+v, call %+v", i+1, a, c)
			}
		} else if d := a.Patience - seconds(c.Wait); d.Abs() > 2*time.Millisecond {
			t.Fatalf("abandon %d: patience %v, call waited %v s", i+1, a.Patience, c.Wait)
		}
	}
	if e := relErr(h.Patience.Seconds(), 90); e > 0.15 || h.Abandons != r0.Simulated.Abandoned {
		t.Errorf("patience %v from %d abandons, want about 90 s from %d", h.Patience, h.Abandons, r0.Simulated.Abandoned)
	}
	y, mo, d := start.Add(seconds(calls[len(calls)].Arrive)).Date()
	if got, want := h.HandleCV, cv(handles); math.Abs(got-want) > 1e-3 || !h.End.Equal(time.Date(y, mo, d+1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("handle cv %v, want the answered contacts' %v; end %v, want the midnight after the last", got, want, h.End)
	}
	m := h.Media
	if len(m) != 1 || m[0].Media != presence.Chat || m[0].Capacity != 2 || (m[0].Wrapup-10*time.Second).Abs() > time.Millisecond ||
		relErr(m[0].Handle.Seconds(), sum(handles)/float64(len(handles))) > 1e-4 {
		t.Errorf("media %+v: want chat, capacity 2, wrap-up 10 s, handle %v", m, sum(handles)/float64(len(handles)))
	}
	if q := h.Queues; len(q) != 2 || q[0].Name != "sales" || q[1].Name != "support" || q[1].Priority != 3 || q[0].Priority != 0 {
		t.Errorf("queues %+v", q)
	}
	if l := h.Languages; len(l) != 2 || l[0].Language != "en" || l[1].Language != "fr" || relErr(l[0].Share/l[1].Share, 3) > 0.2 {
		t.Errorf("languages %+v", l)
	}

	replay := h.Config(Config{Agents: 8, SLThreshold: 20 * time.Second, Seed: 9})
	if replay.Media != nil || replay.Capacity != 2 || replay.Patience != h.Patience || replay.HandleDist != Lognormal {
		t.Fatalf("replay config: media %v, capacity %d, patience %v, handles %s", replay.Media, replay.Capacity, replay.Patience, replay.HandleDist)
	}
	r := run(t, replay)
	h.Observe(r)
	seen, sim, was := r.History.Observed, r.Simulated, r0.Simulated
	if seen.Arrivals != was.Arrivals || seen.Answered != was.Answered || seen.Abandoned != was.Abandoned ||
		math.Abs(seen.ServiceLevel-was.ServiceLevel) > 0.002 || relErr(seen.ASA, was.ASA) > 0.002 {
		t.Errorf("observed %+v, want the run's %+v", seen, was)
	}
	if math.Abs(sim.ServiceLevel-was.ServiceLevel) > 0.01 || relErr(sim.ASA, was.ASA) > 0.05 || math.Abs(sim.AbandonRate-was.AbandonRate) > 0.005 {
		t.Errorf("replayed: SL %.4f, ASA %.3f, abandoned %.4f; the run: %.4f, %.3f, %.4f",
			sim.ServiceLevel, sim.ASA, sim.AbandonRate, was.ServiceLevel, was.ASA, was.AbandonRate)
	}
	more := h.Config(Config{Agents: 10, SLThreshold: 20 * time.Second, Seed: 9})
	r10 := run(t, more)
	if s := r10.Simulated; !(s.ServiceLevel > sim.ServiceLevel+0.05 && s.ASA < sim.ASA/2 && s.Abandoned < sim.Abandoned/2) {
		t.Errorf("10 agents: SL %.4f, ASA %.3f, %d abandoned; 8: %.4f, %.3f, %d", s.ServiceLevel, s.ASA, s.Abandoned, sim.ServiceLevel, sim.ASA, sim.Abandoned)
	}
	var table strings.Builder
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"history: " + dir + ", workspace acme\n", "history: 2026-11-20T00:00:00Z to " + h.End.Format(time.RFC3339), "observed", "estimated from"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
}

// TestReadHistory follows a few documents by hand through the rules of a
// History: what is replayed and what is not, the times, and the estimates.
func TestReadHistory(t *testing.T) {
	dir := t.TempDir()
	at := func(hms string) string {
		tm, err := time.Parse(time.TimeOnly, hms)
		if err != nil {
			t.Fatal(err)
		}
		return session.FormatTime(day0.Add(time.Duration(tm.Hour())*time.Hour + time.Duration(tm.Minute())*time.Minute + time.Duration(tm.Second())*time.Second))
	}
	doc := func(id string, media presence.Media, queued, assigned, ended, wrapped, agent string) session.Metadata {
		m := session.Metadata{ID: id, Workspace: "acme", Media: media, Lang: "fr-CA", Queue: session.MetaQueue{ID: "q1", Name: "Sales Team", Priority: 2}}
		for _, f := range []struct {
			hms  string
			into *string
		}{{queued, &m.Queued}, {assigned, &m.Assigned}, {ended, &m.Ended}, {wrapped, &m.WrappedUp}} {
			if f.hms != "" {
				*f.into = at(f.hms)
			}
		}
		if agent != "" {
			m.Agent = &session.Ref{ID: agent}
		}
		return m
	}
	deflected := doc("s3", presence.Chat, "09:02:00", "", "09:02:00", "", "")
	deflected.Deflection = &session.MetaDeflection{Reason: "no_one_available"}
	for _, m := range []session.Metadata{
		doc("s1", presence.Chat, "09:00:00", "09:00:30", "09:10:30", "09:11:00", "a1"),
		doc("s2", presence.Chat, "09:01:00", "", "09:03:00", "", ""),
		deflected,
		doc("s4", presence.Chat, "09:03:00", "09:03:10", "", "", "a2"),
		doc("s5", presence.Chat, "", "", "09:04:00", "", ""),
		doc("s6", presence.Chat, "09:04:50", "09:05:00", "09:08:00", "09:08:00", "a1"),
		doc("e1", presence.Email, "09:02:00", "09:02:00", "09:32:00", "", "a2"),
	} {
		writeDoc(t, dir, m)
	}
	if err := os.WriteFile(filepath.Join(dir, "acme", ".s7.json.123.tmp"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := ReadHistory(dir, HistoryOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if h.Files != 7 || h.Skipped["deflected"] != 1 || h.Skipped["not ended"] != 1 || h.Skipped["never queued"] != 1 || h.Agents != 2 {
		t.Errorf("%d files, skipped %v, %d agents", h.Files, h.Skipped, h.Agents)
	}
	// Waits of the contacts that may abandon: 30 + 120 + 10 s, one abandon.
	if h.Patience != 160*time.Second || h.Abandons != 1 {
		t.Errorf("patience %v from %d abandons, want 160 s from 1", h.Patience, h.Abandons)
	}
	s := func(x float64) time.Duration { return seconds(x) }
	// Wrap-ups: s1's 30 s; s6's none, at least a millisecond; the email
	// was not wrapped up, so it takes its media's (0).
	want := []Arrival{
		{At: s(9 * 3600), Media: presence.Chat, Handle: s(600), Wrapup: s(30)},
		{At: s(9*3600 + 60), Media: presence.Chat, Handle: 0, Patience: s(120)},
		{At: s(9*3600 + 120), Media: presence.Email, Handle: s(1800)},
		{At: s(9*3600 + 290), Media: presence.Chat, Handle: s(180), Wrapup: time.Millisecond},
	}
	if len(h.Arrivals) != len(want) {
		t.Fatalf("arrivals %+v", h.Arrivals)
	}
	for i, a := range h.Arrivals {
		w := want[i]
		if a.At != w.At || a.Media != w.Media || a.Queue != "Sales_Team" || a.Language != "fr" {
			t.Errorf("arrival %d: %+v, want %+v", i+1, a, w)
		}
		switch {
		case w.Handle == 0: // an abandon: one of the answered chats' handle times, with its wrap-up
			if a.Handle != s(600) && a.Handle != s(180) || a.Patience != w.Patience ||
				a.Wrapup != map[time.Duration]time.Duration{s(600): s(30), s(180): time.Millisecond}[a.Handle] {
				t.Errorf("abandon: handle %v, wrap-up %v, patience %v", a.Handle, a.Wrapup, a.Patience)
			}
		case a.Handle != w.Handle || a.Wrapup != w.Wrapup:
			t.Errorf("arrival %d: handle %v, wrap-up %v, want %v, %v", i+1, a.Handle, a.Wrapup, w.Handle, w.Wrapup)
		}
	}
	if p := h.Arrivals[0].Patience; p <= s(30) {
		t.Errorf("an answered chat that waited 30 s has a patience of %v", p)
	}
	if p := h.Arrivals[2].Patience; p != 0 {
		t.Errorf("an email has a patience of %v", p)
	}
	chat, email := h.Media[0], h.Media[1]
	if chat.Media != presence.Chat || chat.Share != 3 || chat.Handle != s(390) || chat.Wrapup != s(15) || chat.Capacity != 2 ||
		email.Media != presence.Email || email.Share != 1 || email.Handle != s(1800) || email.Capacity != 1 {
		t.Errorf("media %+v", h.Media)
	}
	if len(h.Queues) != 1 || !reflect.DeepEqual(h.Queues[0], QueueShare{Name: "Sales_Team", Share: 4, Priority: 2}) || len(h.Languages) != 1 || h.Languages[0] != (LanguageShare{"fr", 4}) {
		t.Errorf("queues %+v, languages %+v", h.Queues, h.Languages)
	}
	cfg := h.Config(Config{Agents: 2, Capacity: 3, Media: []MediaShare{{Media: presence.Email, Capacity: 5, SLThreshold: time.Hour}}})
	if len(cfg.Media) != 2 || cfg.Media[0].Capacity != 3 || cfg.Media[1].Capacity != 5 || cfg.Media[1].SLThreshold != time.Hour || cfg.Handle != 0 {
		t.Errorf("config's media %+v", cfg.Media)
	}
	if _, err := cfg.withDefaults(); err != nil {
		t.Errorf("config: %v", err)
	}

	// From and To choose the contacts by queue entry; From is then time 0.
	from := day0.Add(9*time.Hour + time.Minute)
	h, err = ReadHistory(dir, HistoryOptions{From: from, To: day0.Add(9*time.Hour + 5*time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Arrivals) != 3 || h.Skipped["outside the time asked"] != 1 || !h.Start.Equal(from) || h.Arrivals[0].At != 0 {
		t.Errorf("from 09:01 to 09:05: %d arrivals from %v, skipped %v", len(h.Arrivals), h.Start, h.Skipped)
	}
	// The workspace's own folder is a history too.
	if h, err = ReadHistory(filepath.Join(dir, "acme"), HistoryOptions{}); err != nil || len(h.Arrivals) != 4 {
		t.Errorf("the workspace's folder: %v", err)
	}
	// In a time zone, the replay starts at its midnight.
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	if h, err = ReadHistory(dir, HistoryOptions{Location: paris}); err != nil || h.Arrivals[0].At != s(10*3600) {
		t.Errorf("in Paris, the first arrival: %v, %v", h.Arrivals[0].At, err)
	}
}

// TestReadHistoryRefuses: what cannot be a history is an error that says
// why, never a partial replay.
func TestReadHistoryRefuses(t *testing.T) {
	ok := session.Metadata{ID: "s1", Workspace: "acme", Media: presence.Chat, Queued: session.FormatTime(day0),
		Assigned: session.FormatTime(day0.Add(time.Second)), Ended: session.FormatTime(day0.Add(time.Minute))}
	for name, c := range map[string]struct {
		setup func(dir string)
		o     HistoryOptions
		want  string
	}{
		"no such directory": {func(string) {}, HistoryOptions{}, "no such file or directory"},
		"no such workspace": {func(dir string) { writeDoc(t, dir, ok) }, HistoryOptions{Workspace: "x"}, `no workspace "x" in`},
		"empty":             {func(string) {}, HistoryOptions{}, "holds no session documents"},
		"two workspaces": {func(dir string) {
			writeDoc(t, dir, ok)
			other := ok
			other.Workspace = "globex"
			writeDoc(t, dir, other)
		}, HistoryOptions{}, "holds 2 workspaces (acme, globex): choose one"},
		"not json": {func(dir string) {
			writeDoc(t, dir, ok)
			os.WriteFile(filepath.Join(dir, "acme", "bad.json"), []byte("{"), 0o600)
		}, HistoryOptions{}, "bad.json: not a session document"},
		"not a session": {func(dir string) {
			writeDoc(t, dir, ok)
			os.WriteFile(filepath.Join(dir, "acme", "x.json"), []byte(`{"hello":1}`), 0o600)
		}, HistoryOptions{}, "x.json: not a session document (no id or media)"},
		"a bad time": {func(dir string) {
			bad := ok
			bad.Ended = "yesterday"
			writeDoc(t, dir, bad)
		}, HistoryOptions{}, `time "yesterday"`},
		"none answered": {func(dir string) {
			gone := ok
			gone.Assigned = ""
			writeDoc(t, dir, gone)
		}, HistoryOptions{}, "no chat contact was answered"},
		"nothing in the time asked": {func(dir string) { writeDoc(t, dir, ok) }, HistoryOptions{From: day0.Add(time.Hour)}, "no contact to replay"},
		"to before from":            {func(dir string) { writeDoc(t, dir, ok) }, HistoryOptions{From: day0.Add(time.Hour), To: day0}, "is not after"},
	} {
		dir := t.TempDir()
		c.setup(dir)
		if name == "no such directory" {
			dir = filepath.Join(dir, "nope")
		}
		if _, err := ReadHistory(dir, c.o); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an ErrConfig saying %q", name, err, c.want)
		}
	}
}

// TestHistoryCommandLine runs `switchboard simulate --history` on a
// simulated history: a replay with the agents given, one cut into hours
// with a schedule, and a staffing search for it; and the flags the
// history gives itself are refused.
func TestHistoryCommandLine(t *testing.T) {
	cfg := load(3, 0.85, 700, 5)
	cfg.Warmup, cfg.Patience = -1, 2*time.Minute
	cfg.Profile, cfg.Interval, cfg.Rate, cfg.Duration = []float64{0.015, 0.03}, time.Hour, 0, 2*time.Hour
	dir, _, calls := simulatedHistory(t, cfg, day0.Add(10*time.Hour))
	simulate := func(args ...string) (Report, string) {
		t.Helper()
		var out, errs bytes.Buffer
		if code := Main(append([]string{"--history", dir, "--quiet", "--json"}, args...), &out, &errs); code != 0 {
			t.Fatalf("simulate %v: exit %d: %s", args, code, errs.String())
		}
		var r Report
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		return r, out.String()
	}
	r, raw := simulate("--agents", "3")
	if r.History == nil || r.History.Contacts != len(calls) || r.Simulated.Arrivals != len(calls) || !strings.Contains(raw, `"observed": {`) {
		t.Fatalf("replay: %s", raw)
	}
	r, _ = simulate("--interval", "3600", "--schedule", strings.Repeat("0,", 10)+"2,4"+strings.Repeat(",0", 12))
	if len(r.Intervals) != 24 || r.Intervals[10].Agents != 2 || r.Intervals[11].Observed == nil || r.Intervals[11].Observed.Arrivals == 0 || r.Intervals[3].Observed.Arrivals != 0 {
		t.Fatalf("by the hour: %+v", r.Intervals)
	}
	r, _ = simulate("--interval", "3600", "--target-sl", "80%")
	if st := r.Intervals[11].Staffing; st == nil || st.Agents < 1 || r.Intervals[9].Agents != 0 || len(r.Input.Schedule) != 24 || r.Input.Schedule[12] != 0 {
		t.Fatalf("staffed by the hour: schedule %v, last interval %+v", r.Input.Schedule, r.Intervals[11])
	}
	for _, args := range [][]string{{"--rate", "1"}, {"--handle", "60"}, {"--duration", "60"}, {"--queues", "a=1"}} {
		var out, errs bytes.Buffer
		if code := Main(append([]string{"--history", dir, "--agents", "3"}, args...), &out, &errs); code != 2 || !strings.Contains(errs.String(), "with --history: the history gives it") {
			t.Errorf("%v: exit %d, %s", args, code, errs.String())
		}
	}
	var out, errs bytes.Buffer
	if code := Main([]string{"--agents", "3", "--rate", "1", "--handle", "60", "--from", "2026-11-20"}, &out, &errs); code != 2 || !strings.Contains(errs.String(), "--from goes with --history") {
		t.Errorf("--from alone: exit %d, %s", code, errs.String())
	}
}

// TestHistoryAcrossDaylightSaving replays days on which Paris's clocks
// change. Each interval is reported at its start on the history's clock:
// the day of the spring change has 23 hours, 02:00 skipped; the autumn
// change's has 25, 02:00 twice; the second day starts at its midnight.
func TestHistoryAcrossDaylightSaving(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		day       time.Time
		hours     int    // of the two days
		third     string // the third interval's label and clock
		thirdAt   string
		fourth    string
		nextDayAt int // the second day's first interval
	}{
		{time.Date(2026, 3, 29, 0, 0, 0, 0, paris), 47, "03:00 +02:00", "2026-03-29T03:00:00+02:00", "04:00", 23},
		{time.Date(2026, 10, 25, 0, 0, 0, 0, paris), 49, "02:00", "2026-10-25T02:00:00+02:00", "02:00 +01:00", 25},
	} {
		dir := t.TempDir()
		// A chat 10 minutes into every hour of the two days, answered at
		// once and served 5 minutes.
		n := 0
		for at := tc.day.Add(10 * time.Minute); at.Before(tc.day.AddDate(0, 0, 2)); at = at.Add(time.Hour) {
			n++
			f := func(d time.Duration) string { return session.FormatTime(at.Add(d)) }
			writeDoc(t, dir, session.Metadata{ID: fmt.Sprintf("s%03d", n), Workspace: "acme", Media: presence.Chat,
				Queue: session.MetaQueue{ID: "q", Name: "Support"}, Queued: f(0), Assigned: f(0), Ended: f(5 * time.Minute),
				WrappedUp: f(5 * time.Minute), Agent: &session.Ref{ID: "a1"}})
		}
		if n != tc.hours {
			t.Fatalf("%d chats over two days from %v, want %d", n, tc.day, tc.hours)
		}
		var out, errs bytes.Buffer
		if code := Main([]string{"--history", dir, "--tz", "Europe/Paris", "--agents", "1", "--interval", "3600", "--quiet", "--json"}, &out, &errs); code != 0 {
			t.Fatalf("exit %d: %s", code, errs.String())
		}
		var r Report
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		ivs := r.Intervals
		if len(ivs) != tc.hours || ivs[0].Clock != tc.day.Format(time.RFC3339) || ivs[2].Clock != tc.thirdAt {
			t.Fatalf("%v: %d intervals, the first at %s, the third at %s", tc.day, len(ivs), ivs[0].Clock, ivs[2].Clock)
		}
		for k, iv := range ivs {
			if iv.Observed == nil || iv.Observed.Arrivals != 1 || iv.Simulated.Arrivals != 1 {
				t.Errorf("%v: interval %d (%s) does not hold its hour's chat", tc.day, k, iv.Clock)
			}
		}
		labels := intervalLabels(ivs)
		if labels[0] != "00:00" || labels[1] != "01:00" || labels[2] != tc.third || labels[3] != tc.fourth ||
			labels[tc.nextDayAt] != "d2 00:00" || labels[len(labels)-1] != "d2 23:00" {
			t.Errorf("%v: labels %q", tc.day, labels)
		}
		var table strings.Builder
		if err := r.WriteTable(&table); err != nil {
			t.Fatal(err)
		}
		if s := table.String(); !strings.Contains(s, "\n"+tc.third+" ") || !strings.Contains(s, "\nd2 23:00 ") {
			t.Errorf("%v: the table's intervals:\n%s", tc.day, s)
		}
	}
}

// TestHistoryKeepsEachWrapup: a day on which most contacts are wrapped up
// at once and one in five takes two and a half minutes of after-contact
// work. Its history replays each contact with its own wrap-up, and meets
// what the day met; with every wrap-up at the media's mean instead (what
// the replay did before it kept each), the slots free up more evenly and
// it meets less waiting than there was.
func TestHistoryKeepsEachWrapup(t *testing.T) {
	n := 2400
	if raceOn || testing.Short() {
		n = 1000
	}
	rnd := rand.New(rand.NewPCG(7, 7))
	const agents, handle, rate = 6, 60.0, 0.85 * 6 / 90 // 85 % busy: h + w = 60 + 30 s
	var arrivals []Arrival
	at := 0.0
	for range n {
		at += rnd.ExpFloat64() / rate
		a := Arrival{At: seconds(at), Media: presence.Chat, Handle: seconds(max(rnd.ExpFloat64()*handle, 0.001)),
			Wrapup: time.Millisecond, Patience: seconds(rnd.ExpFloat64() * 120)}
		if rnd.Float64() < 0.2 {
			a.Wrapup = 150 * time.Second
		}
		arrivals = append(arrivals, a)
	}
	day := Config{Agents: agents, Handle: handle * time.Second, Arrivals: arrivals, Seed: 1}
	start := day0.Add(8 * time.Hour)
	dir := t.TempDir()
	answered := map[int]bool{}
	day.OnCall = func(c Call) {
		own := day
		own.Wrapup = arrivals[c.N-1].Wrapup
		writeDoc(t, dir, callDoc(own, start, c))
		answered[c.N] = c.Answered
	}
	was := run(t, day).Simulated

	h, err := ReadHistory(dir, HistoryOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range h.Arrivals {
		if w := arrivals[i].Wrapup; answered[i+1] && (a.Wrapup-w).Abs() > time.Millisecond {
			t.Fatalf("answered arrival %d: wrap-up %v, want %v", i+1, a.Wrapup, w)
		}
	}
	replay := h.Config(Config{Agents: agents, SLThreshold: 20 * time.Second, Seed: 9})
	r := run(t, replay)
	h.Observe(r)
	seen, own := r.History.Observed, r.Simulated
	if seen.Arrivals != was.Arrivals || seen.Abandoned != was.Abandoned {
		t.Fatalf("observed %+v, want the day's %+v", seen, was)
	}
	if math.Abs(own.ServiceLevel-was.ServiceLevel) > 0.01 || relErr(own.ASA, was.ASA) > 0.05 || math.Abs(own.AbandonRate-was.AbandonRate) > 0.005 {
		t.Errorf("replayed with each wrap-up: SL %.4f, ASA %.3f, abandoned %.4f; the day: %.4f, %.3f, %.4f",
			own.ServiceLevel, own.ASA, own.AbandonRate, was.ServiceLevel, was.ASA, was.AbandonRate)
	}
	flat := replay
	flat.Arrivals = slices.Clone(replay.Arrivals)
	for i := range flat.Arrivals {
		flat.Arrivals[i].Wrapup = 0 // the media's mean
	}
	mean := run(t, flat).Simulated
	t.Logf("the day: SL %.4f ASA %.2f s abandoned %.4f; each wrap-up: %.4f %.2f s %.4f; the mean wrap-up (%v): %.4f %.2f s %.4f",
		was.ServiceLevel, was.ASA, was.AbandonRate, own.ServiceLevel, own.ASA, own.AbandonRate, h.Media[0].Wrapup, mean.ServiceLevel, mean.ASA, mean.AbandonRate)
	if !(relErr(mean.ASA, was.ASA) > 2*relErr(own.ASA, was.ASA) && mean.ASA < was.ASA) {
		t.Errorf("the mean wrap-up's ASA %.3f s is not further below the day's %.3f s than each wrap-up's %.3f s", mean.ASA, was.ASA, own.ASA)
	}
}

// scheduledDay is a history of 6 hours from 08:00 on a schedule, 90 %
// busy but in its last hour, which has two contacts for four agents. It
// returns the schedule, the history's folder and the day's report.
func scheduledDay(t *testing.T) ([]int, string, *Report) {
	t.Helper()
	schedule := []int{3, 6, 10, 10, 5, 4}
	handle := 180.0
	profile := make([]float64, len(schedule))
	for k, n := range schedule {
		profile[k] = 0.9 * float64(n) / handle // 90 % busy
	}
	profile[5] = 0.0005 // two contacts an hour for four agents
	cfg := Config{Agents: 10, Handle: seconds(handle), HandleDist: Lognormal, HandleCV: 1, Patience: 2 * time.Minute,
		Profile: profile, Interval: time.Hour, Schedule: schedule, Duration: 6 * time.Hour, Warmup: -1,
		SLThreshold: 20 * time.Second, Seed: 11}
	dir, r0, _ := simulatedHistory(t, cfg, day0.Add(8*time.Hour))
	return schedule, dir, r0
}

// TestHistoryAsItWas replays a day that ran on a schedule with the
// agents its history shows working in each hour (--schedule seen): in the
// busy hours they are the schedule, and the replay meets what the day
// met. In a quiet hour, agents on shift who took nothing are not seen.
func TestHistoryAsItWas(t *testing.T) {
	schedule, dir, r0 := scheduledDay(t)
	h, err := ReadHistory(dir, HistoryOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	seen := h.Working(time.Hour)
	if len(seen) != 24 || seen[7] != 0 || seen[14] != 0 {
		t.Fatalf("agents seen by the hour: %v", seen)
	}
	for k, n := range schedule[:5] {
		if seen[8+k] != n {
			t.Errorf("%02d:00: %d agents seen working, %d on shift (seen %v)", 8+k, seen[8+k], n, seen[8:14])
		}
	}
	if seen[13] >= schedule[5] {
		t.Errorf("the quiet hour: %d agents seen of %d on shift", seen[13], schedule[5])
	}

	var out, errs bytes.Buffer
	if code := Main([]string{"--history", dir, "--interval", "3600", "--schedule", "seen", "--quiet", "--json"}, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	var r Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Input.Schedule, seen) || r.Intervals[10].AgentsSeen != 10 || r.Intervals[10].Agents != 10 {
		t.Fatalf("the replay's schedule %v, want %v; 10:00 %+v", r.Input.Schedule, seen, r.Intervals[10])
	}
	was, sim := r0.Simulated, r.Simulated
	if math.Abs(sim.ServiceLevel-was.ServiceLevel) > 0.02 || math.Abs(sim.AbandonRate-was.AbandonRate) > 0.01 || relErr(sim.ASA, was.ASA) > 0.15 {
		t.Errorf("as it was: SL %.4f, ASA %.2f s, abandoned %.4f; the day: %.4f, %.2f s, %.4f",
			sim.ServiceLevel, sim.ASA, sim.AbandonRate, was.ServiceLevel, was.ASA, was.AbandonRate)
	}
	t.Logf("as it was: SL %.4f, ASA %.2f s, abandoned %.4f; the day: %.4f, %.2f s, %.4f",
		sim.ServiceLevel, sim.ASA, sim.AbandonRate, was.ServiceLevel, was.ASA, was.AbandonRate)

	var table strings.Builder
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "agents seen") {
		t.Errorf("the table has no agents seen:\n%s", table.String())
	}
	for _, args := range [][]string{
		{"--agents", "3", "--rate", "1", "--handle", "60", "--schedule", "seen"},
		{"--history", dir, "--schedule", "seen"},
	} {
		var out, errs bytes.Buffer
		if code := Main(args, &out, &errs); code != 2 || !strings.Contains(errs.String(), "--schedule seen") {
			t.Errorf("%v: exit %d, %s", args, code, errs.String())
		}
	}
}
