package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/leakcheck"

	"github.com/switchboardhq/switchboard/server"
)

// TestMain fails the run when goroutines outlive the tests (net/http keeps
// up to two idle pollers the package does not own).
func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m, leakcheck.Config{Slack: 2})) }

// startServer runs a real server in process on a loopback port.
func startServer(t *testing.T) string {
	t.Helper()
	return startServerWith(t, server.Config{})
}

// startServerWith runs a real server of cfg, with admin key "k" and no
// demo, in process on a loopback port.
func startServerWith(t *testing.T, cfg server.Config) string {
	t.Helper()
	cfg.AdminKey, cfg.NoDemo = "k", true
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.CloseClientConnections()
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
		hs.Close()
	})
	return strings.TrimPrefix(hs.URL, "http://")
}

func TestBenchAgainstServer(t *testing.T) {
	addr := startServer(t)
	var out, errb bytes.Buffer
	html := t.TempDir() + "/report.html"
	code := Main([]string{"--addr", addr, "--admin-key", "k", "--agents", "4", "--rate", "6", "--duration", "3s",
		"--chat-length", "1s", "--message-gap", "150ms", "--accept-delay", "10ms", "--drain", "5s",
		"--languages", "en,es", "--json", "--html", html}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res map[string]any
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	num := func(path ...string) float64 {
		var v any = res
		for _, p := range path {
			v = v.(map[string]any)[p]
		}
		f, _ := v.(float64)
		return f
	}
	if num("chats") < 5 || num("messages") < 5 {
		t.Errorf("chats %v, messages %v: %s", num("chats"), num("messages"), out.String())
	}
	for _, lat := range []string{"offer_latency_ms", "relay_latency_ms", "deliver_latency_ms"} {
		p50, p90, p99, mx := num(lat, "p50"), num(lat, "p90"), num(lat, "p99"), num(lat, "max")
		if !(p50 > 0 && p50 <= p90 && p90 <= p99 && p99 <= mx && mx < 5000) {
			t.Errorf("%s: p50 %v p90 %v p99 %v max %v", lat, p50, p90, p99, mx)
		}
	}
	if got, want := num("chats_ideal", "chats"), num("visitors"); got != want || got == 0 { // two languages: any slot still takes any visitor
		t.Errorf("the ideal queue of chats for agents of two languages: %v chats of %v visitors", got, want)
	}
	if got, want := num("simulated", "chats", "contacts"), num("visitors"); got != want || got == 0 ||
		num("simulated", "chats", "answered")+num("simulated", "chats", "abandoned") != got {
		t.Errorf("the simulator replayed %v visitors of %v: %v", got, want, res["simulated"])
	}
	if _, ok := res["errors"].(map[string]any); !ok {
		t.Errorf("errors %v", res["errors"])
	}
	if d, rt := num("deliver_latency_ms", "p50"), num("relay_latency_ms", "p50"); d > rt {
		t.Errorf("one way %v ms longer than the round trip %v ms", d, rt)
	}
	if num("accept_latency_ms", "count") < 5 || num("connect_ms", "count") < 4 {
		t.Errorf("accept %v connect %v", res["accept_latency_ms"], res["connect_ms"])
	}
	// The server's own view of the run, from its /metrics: its hub loop
	// ran cycles and committed them, and the scheduler's waits are shares.
	if num("server_view", "cycles") < 5 || num("server_view", "commands_per_commit") < 1 ||
		num("server_view", "hub_busy") <= 0 || num("server_view", "hub_busy") > 1.05 {
		t.Errorf("server view %v", res["server_view"])
	}
	waits, _ := res["server_view"].(map[string]any)["sched_waits_over_ms"].(map[string]any)
	if len(waits) == 0 {
		t.Errorf("no scheduler waits in %v", res["server_view"])
	}
	for bound, share := range waits {
		if f, _ := share.(float64); f < 0 || f > 1 {
			t.Errorf("share of waits over %s ms: %v", bound, share)
		}
	}
	// The server's share of the offers and the relay, from its push
	// histogram: every offer of the run is in it.
	for _, share := range []string{"server_offer_ms", "server_message_ms", "commit_ms"} {
		p50, p90, p99 := num("server_view", share, "p50"), num("server_view", share, "p90"), num("server_view", share, "p99")
		if num("server_view", share, "count") < 5 || !(p50 > 0 && p50 <= p90 && p90 <= p99 && p99 < 5000) {
			t.Errorf("%s: %v", share, res["server_view"].(map[string]any)[share])
		}
	}
	if num("client_cpu_seconds") <= 0 || num("client_cpu_percent") <= 0 {
		t.Errorf("client CPU %v s, %v %%", res["client_cpu_seconds"], res["client_cpu_percent"])
	}
	page, err := os.ReadFile(html)
	if err != nil || !bytes.Contains(page, []byte("<svg")) || !bytes.Contains(page, []byte("relay")) {
		t.Errorf("html report: %v %.200s", err, page)
	}
	inBrowser(t, "bench-chats", page)
	t.Logf("%s", errb.String())
	t.Logf("chats %v messages %v offer %v relay %v errors %v", res["chats"], res["messages"], res["offer_latency_ms"], res["relay_latency_ms"], res["errors"])
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "0", "--rate", "1", "--duration", "1s"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "0", "--duration", "1s"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "0", "--calls", "0", "--duration", "1s"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--calls", "-1", "--duration", "1s"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--calls", "NaN", "--duration", "1s"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--calls", "1", "--call-length", "-1s", "--duration", "1s"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--emails", "1", "--email-capacity", "-1", "--duration", "1s"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--patience-cv", "0.3"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--patience", "5s", "--patience-cv", "-0.3"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--patience", "5s", "--patience-cv", "NaN"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--patience", "5s", "--patience-cv", "11"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--miss", "1"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--miss", "-5%"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--miss", "NaN"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--miss", "x"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--back-after", "10s"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--miss", "5%", "--back-after", "-1s"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--offer-timeout", "500ms"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--miss-limit", "0"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--miss-limit", "21"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--miss-limit", "2.5"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--miss-agents", "0.5"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--miss", "5%", "--miss-agents", "2"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--decline", "1"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--decline", "-1%"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--decline-agents", "0.5"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--decline", "5%", "--decline-agents", "1.5"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--expertise-agents", "0.5"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--expertise-drop", "30s"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--expertise", " ", "--expertise-contacts", "0.5"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--expertise", strings.Repeat("b", 65)},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--expertise", "billing", "--expertise-agents", "1.5"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--expertise", "billing", "--expertise-contacts", "-10%"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--expertise", "billing", "--expertise-drop", "-1s"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--expertise", "billing", "--expertise-drop", "169h"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--broadcast", "1"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--broadcast", "101"},
		{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--duration", "1s", "--broadcast", "-2"},
		{"--nope"},
	} {
		var out, errb bytes.Buffer
		if code := Main(args, &out, &errb); code != 2 {
			t.Errorf("Main(%q) = %d, %s", args, code, errb.String())
		}
		if strings.Contains(errb.String(), "bench: bench:") {
			t.Errorf("Main(%q) names itself twice: %s", args, errb.String())
		}
	}
}

// TestMissingAgent: --miss-agents picks that share of the agents, spread
// over their numbers.
func TestMissingAgent(t *testing.T) {
	var got []int
	for g := 1; g <= 64; g++ {
		if pickedAgent(fmt.Sprintf("agent-%05d", g), 0, 0.125) {
			got = append(got, g)
		}
	}
	if want := []int{8, 16, 24, 32, 40, 48, 56, 64}; !slices.Equal(got, want) {
		t.Errorf("an eighth of 64: %v, want %v", got, want)
	}
	if !pickedAgent("agent-00003", 2, 0) || !pickedAgent("agent-00003", 2, 1) || pickedAgent("x", 0, 0.5) || !pickedAgent("x", 1, 0.5) {
		t.Error("all agents with share 0 or 1; the process's own number when the id has none")
	}
}

// TestBadFlagNamed: a negative count or time is refused by its flag's
// name.
func TestBadFlagNamed(t *testing.T) {
	for _, flag := range []string{"--capacity", "--email-capacity", "--visitors-max", "--chat-length", "--message-gap", "--patience", "--call-length", "--email-length"} {
		value := "-1"
		if strings.HasSuffix(flag, "-length") || flag == "--patience" || flag == "--message-gap" {
			value = "-1s"
		}
		var out, errb bytes.Buffer
		args := []string{"--addr", "x:1", "--admin-key", "k", "--agents", "1", "--rate", "1", "--emails", "1", "--duration", "1s", flag, value}
		if code := Main(args, &out, &errb); code != 2 || !strings.Contains(errb.String(), flag+" "+value) {
			t.Errorf("Main(%q) = %d, %s", args, code, errb.String())
		}
	}
}

func TestSetupFailsOnBadKey(t *testing.T) {
	addr := startServer(t)
	_, err := Run(context.Background(), Config{Addr: addr, AdminKey: "wrong", Agents: 1, Rate: 1, Duration: time.Second})
	if err == nil || !strings.Contains(err.Error(), "workspace") {
		t.Fatalf("err %v", err)
	}
}

func TestHist(t *testing.T) {
	h := NewHist()
	for i := 1; i <= 1000; i++ {
		h.Add(time.Duration(i) * time.Millisecond)
	}
	s := h.Summary()
	for _, c := range []struct{ got, want float64 }{{s.P50, 500}, {s.P90, 900}, {s.P99, 990}, {s.Max, 1000}, {s.Mean, 500.5}} {
		if c.got < c.want*0.97 || c.got > c.want*1.03 {
			t.Errorf("summary %+v", s)
		}
	}
	o := NewHist()
	o.Add(2 * time.Second)
	h.Merge(o)
	if h.N != 1001 || h.Quantile(1) != 2000 {
		t.Errorf("merged n %d max %v", h.N, h.Quantile(1))
	}
	for want, name := range map[work]string{workChat: stamp(3, 7, time.Unix(5, 6)), workCall: callStamp(3, 7, time.Unix(5, 6)),
		workEmail: emailStamp(3, 7, time.Unix(5, 6))} {
		if st, ok := stampOf(name); !ok || st.kind != want || !st.at.Equal(time.Unix(5, 6)) {
			t.Errorf("stamp %q round trip %v %v %v", name, st.at, st.kind, ok)
		}
	}
	for _, name := range []string{"", "bv-", "bx-1-2-3", "bc-1-2-x", "be", "Kim"} {
		if _, ok := stampOf(name); ok {
			t.Errorf("stampOf(%q) read a time", name)
		}
	}
}

// prepared is cfg with its defaults and the workspace prepare set up for
// it on the server.
func prepared(t *testing.T, cfg Config) (Config, *Setup) {
	t.Helper()
	cfg, err := cfg.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	st, err := prepare(context.Background(), cfg, &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return cfg, st
}

// TestWidgetKeysForRate checks that a run gets one widget key per 150
// arrivals per second, and that visitors are welcomed through each.
func TestWidgetKeysForRate(t *testing.T) {
	addr := startServer(t)
	ctx := context.Background()
	cfg, st := prepared(t, Config{Addr: addr, AdminKey: "k", Agents: 1, Rate: 400, Duration: time.Second})
	if len(st.WidgetKeys) != 3 {
		t.Fatalf("%d widget keys for 400/s, want 3", len(st.WidgetKeys))
	}
	r := &runner{cfg: cfg, setup: st, dialer: newDialer(addr), errors: map[string]int64{}}
	for n := range len(st.WidgetKeys) {
		ws, err := r.dialer.dial(ctx, "/v1/ws/visitor", true)
		if err != nil {
			t.Fatal(err)
		}
		s := &sock{ws: ws, r: r}
		if err := s.send(ctx, map[string]any{"type": "hello", "widget": st.widgetKey(n), "queue": QueueID}); err != nil {
			t.Fatal(err)
		}
		var got string
		if err := s.serve(ctx, func(f *frame) bool { got = f.Type; return true }); err != nil || got != "welcome" {
			t.Errorf("key %d: %q %v", n, got, err)
		}
		_ = ws.CloseNow()
	}
}

func TestHoldAgainstServer(t *testing.T) {
	addr := startServer(t)
	var out, errb bytes.Buffer
	code := Main([]string{"--addr", addr, "--admin-key", "k", "--hold", "500ms", "--agents", "3", "--visitors", "60",
		"--rate", "200", "--json", "--quiet"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	h := res.Hold
	if h == nil || h.Agents != 3 || h.Visitors != 60 || len(res.Errors) != 0 {
		t.Fatalf("hold %+v errors %v", h, res.Errors)
	}
	if h.Before == nil || h.After == nil || h.After.Sockets != 63 || h.HoldSec < 0.5 {
		t.Errorf("server readings %+v %+v, hold %v s", h.Before, h.After, h.HoldSec)
	}
	if res.ClientKiBPerSocket <= 0 || res.Chats != 0 {
		t.Errorf("client %v KiB/socket, chats %d", res.ClientKiBPerSocket, res.Chats)
	}
	var table bytes.Buffer
	if err := res.WriteTable(&table); err != nil || !strings.Contains(table.String(), "per idle socket") {
		t.Errorf("table %v: %s", err, table.String())
	}
}

// serverView reads the hub loop and the scheduler from two readings of
// /metrics, for the bench's workspace only.
func TestServerView(t *testing.T) {
	page := func(commit, apply, count, cmds, gcs, b1, b10, inf float64) string {
		return fmt.Sprintf(`# HELP switchboard_commit_seconds x
switchboard_commit_seconds_sum{workspace="w"} %g
switchboard_commit_seconds_count{workspace="w"} %g
switchboard_commit_seconds_sum{workspace="other"} 99
switchboard_cycle_apply_seconds_sum{workspace="w"} %g
switchboard_cycle_commands_sum{workspace="w"} %g
go_gc_duration_seconds_count %g
go_sched_latencies_seconds_bucket{le="6.4e-08"} 0
go_sched_latencies_seconds_bucket{le="0.0009175039999999999"} %g
go_sched_latencies_seconds_bucket{le="0.010485759999999998"} %g
go_sched_latencies_seconds_bucket{le="+Inf"} %g
`, commit, count, apply, cmds, gcs, b1, b10, inf)
	}
	// The push histograms: offers, messages (all past the last bound), and
	// a visitor's series that must be ignored.
	push := func(o1, o2, oInf, mInf float64) string {
		return fmt.Sprintf(`switchboard_push_latency_seconds_bucket{kind="agent",type="offer",le="0.001"} %g
switchboard_push_latency_seconds_bucket{kind="agent",type="offer",le="0.002"} %g
switchboard_push_latency_seconds_bucket{kind="agent",type="offer",le="0.005"} %g
switchboard_push_latency_seconds_bucket{kind="agent",type="offer",le="+Inf"} %g
switchboard_push_latency_seconds_bucket{kind="agent",type="message",le="0.001"} 0
switchboard_push_latency_seconds_bucket{kind="agent",type="message",le="+Inf"} %g
switchboard_push_latency_seconds_bucket{kind="visitor",type="message",le="+Inf"} 77
switchboard_commit_seconds_bucket{workspace="w",le="0.001"} %g
switchboard_commit_seconds_bucket{workspace="w",le="0.002"} %g
switchboard_commit_seconds_bucket{workspace="w",le="0.005"} %g
switchboard_commit_seconds_bucket{workspace="w",le="+Inf"} %g
switchboard_commit_seconds_bucket{workspace="other",le="+Inf"} 500
`, o1, o2, o2, oInf, mInf, o1/10, o2/10, oInf/10+1, oInf/10+1)
	}
	t0 := time.Unix(100, 0)
	a := parseMetrics(page(1, 0.5, 100, 300, 2, 50, 90, 100)+push(10, 20, 20, 5), t0)
	b := parseMetrics(page(5, 1.5, 1100, 4300, 5, 850, 1040, 1100)+push(60, 120, 120, 15), t0.Add(10*time.Second))
	v := serverView(a, b, "w")
	round := func(q *BucketQuantiles) BucketQuantiles {
		if q == nil {
			return BucketQuantiles{}
		}
		r := func(x float64) float64 { return math.Round(x*1e6) / 1e6 }
		return BucketQuantiles{Count: q.Count, P50: r(q.P50), P90: r(q.P90), P99: r(q.P99)}
	}
	if got, want := round(v.ServerOfferMs), (BucketQuantiles{Count: 100, P50: 1, P90: 1.8, P99: 1.98}); got != want {
		t.Errorf("server offer %+v, want %+v", got, want)
	}
	if got, want := round(v.ServerMessageMs), (BucketQuantiles{Count: 10, P50: 1, P90: 1, P99: 1}); got != want {
		t.Errorf("server messages past the last bound %+v, want %+v (the bound)", got, want)
	}
	if got, want := round(v.CommitMs), (BucketQuantiles{Count: 10, P50: 1, P90: 1.8, P99: 1.98}); got != want {
		t.Errorf("commits %+v, want %+v", got, want)
	}
	offer := v.ServerOfferMs
	v.ServerOfferMs, v.ServerMessageMs, v.CommitMs = nil, nil, nil
	for k, share := range v.SchedWaitsOver {
		v.SchedWaitsOver[k] = math.Round(share*1e9) / 1e9
	}
	want := &ServerView{Seconds: 10, HubBusy: 0.5, Cycles: 1000, CommitMeanMs: 4, ApplyMeanMs: 1, CommandsPerCommit: 4, GCs: 3,
		SchedWaitsOver: map[string]float64{"0.918": 0.2, "10.5": 0.05}}
	if fmt.Sprint(v) != fmt.Sprint(want) {
		t.Errorf("view\n%+v, want\n%+v", v, want)
	}
	if serverView(nil, b, "w") != nil {
		t.Error("a view without a first reading")
	}
	if a2 := parseMetrics(page(1, 0.5, 100, 300, 2, 50, 90, 100), t0); serverView(a2, a2, "w").ServerOfferMs != nil {
		t.Error("quantiles of a histogram that counted nothing")
	}
	v.ServerOfferMs = offer
	var sb strings.Builder
	v.writeTable(&sb, false)
	if !strings.Contains(sb.String(), "offer taken by the agent's socket: p50 1.00, p90 1.80, p99 1.98 ms (100 frames)") {
		t.Errorf("table: %s", sb.String())
	}
	if !strings.Contains(sb.String(), "hub loop busy 50 %") || !strings.Contains(sb.String(), "0.918 ms 20.0 %; 10.5 ms 5.0 %;") {
		t.Errorf("table: %s", sb.String())
	}
}

func TestMetricLine(t *testing.T) {
	for _, c := range []struct {
		line, name string
		v          float64
		ok         bool
	}{
		{`go_goroutines 17`, "go_goroutines", 17, true},
		{`switchboard_connections{kind="agent"} 3`, "switchboard_connections", 3, true},
		{`process_resident_memory_bytes 2.7041792e+07`, "process_resident_memory_bytes", 27041792, true},
		{`# HELP go_goroutines Number of goroutines`, "", 0, false},
		{``, "", 0, false},
	} {
		name, v, ok := metricLine(c.line)
		if name != c.name || v != c.v || ok != c.ok {
			t.Errorf("metricLine(%q) = %q %v %v", c.line, name, v, ok)
		}
	}
}

// TestErrorFrameDecodes: an error frame's message is a string; it used to
// fail the frame's decoding and end the bench's socket.
func TestErrorFrameDecodes(t *testing.T) {
	var f frame
	if err := json.Unmarshal([]byte(`{"seq":3,"type":"error","ref":"9","code":"conflict","message":"offer 4 is no longer pending"}`), &f); err != nil {
		t.Fatal(err)
	}
	if f.Code != "conflict" || f.chat() != nil {
		t.Fatalf("%+v", f)
	}
	if err := json.Unmarshal([]byte(`{"type":"message","message":{"text":"rt 1","from":{"kind":"agent"}}}`), &f); err != nil {
		t.Fatal(err)
	}
	if m := f.chat(); m == nil || m.Text != "rt 1" || m.From.Kind != "agent" {
		t.Fatalf("%+v", m)
	}
}

func TestAgentErrKind(t *testing.T) {
	for ref, want := range map[string]string{
		"acc-17":    "agent_error_conflict_on_accept",
		"echo-s-42": "agent_error_conflict_on_send",
		"wrap-s-42": "agent_error_conflict_on_wrapup",
		"":          "agent_error_conflict",
		"other-1":   "agent_error_conflict",
	} {
		if got := agentErrKind(&frame{Type: "error", Code: "conflict", Ref: ref}); got != want {
			t.Errorf("ref %q: %q, want %q", ref, got, want)
		}
	}
}

// TestChatsLastTheirLength: a visitor leaves when its chat length is up,
// not at the first message after it: with messages an hour apart, chats
// of 200 ms all end, and the drain does not wait out its 20 s.
func TestChatsLastTheirLength(t *testing.T) {
	addr := startServer(t)
	res, err := Run(context.Background(), Config{Addr: addr, AdminKey: "k", Agents: 3, Rate: 5, Duration: 2 * time.Second,
		ChatLength: 200 * time.Millisecond, MessageGap: time.Hour, AcceptDelay: -1, Drain: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Chats < 3 || res.Finished != res.Visitors || res.DurationSec > 12 {
		t.Errorf("visitors %d chats %d finished %d in %.1f s", res.Visitors, res.Chats, res.Finished, res.DurationSec)
	}
}
