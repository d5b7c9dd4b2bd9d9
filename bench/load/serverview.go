package load

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ServerView is what the server's /metrics said about the run, read at the
// start of the arrivals and at the end: where a latency came from. A busy
// hub loop (HubBusy near 1) queues commands behind each other's commits; a
// slow disk shows in CommitMeanMs; a CPU-starved process shows in
// SchedWaitsOver (goroutines that were ready to run and waited for a CPU),
// whatever the other two say.
type ServerView struct {
	Seconds float64 `json:"seconds"`
	// HubBusy is the share of the interval the workspace's hub loop spent
	// applying commands and committing them (fsync included).
	HubBusy           float64 `json:"hub_busy"`
	Cycles            int64   `json:"cycles"`
	CommitMeanMs      float64 `json:"commit_mean_ms"`
	ApplyMeanMs       float64 `json:"apply_mean_ms"`
	CommandsPerCommit float64 `json:"commands_per_commit"`
	GCs               int64   `json:"gcs"`
	// SchedWaitsOver maps a wait (ms, the bounds of the server's
	// go_sched_latencies_seconds buckets from 0.1 ms up) to the share of
	// goroutine wake-ups that waited longer than it for a CPU.
	SchedWaitsOver map[string]float64 `json:"sched_waits_over_ms,omitempty"`
}

// metricsSnap is one reading of /metrics: the sample lines the view needs,
// by name with labels, and when it was read.
type metricsSnap struct {
	at      time.Time
	samples map[string]float64
}

// viewSeries are the metric names the view reads.
var viewSeries = []string{
	"switchboard_commit_seconds_sum", "switchboard_commit_seconds_count",
	"switchboard_cycle_apply_seconds_sum", "switchboard_cycle_commands_sum",
	"go_gc_duration_seconds_count", "go_sched_latencies_seconds_bucket",
}

// readMetrics reads addr's /metrics.
func readMetrics(ctx context.Context, addr string) (*metricsSnap, error) {
	body, err := httpGet(ctx, "http://"+addr+"/metrics", 10*time.Second)
	if err != nil {
		return nil, err
	}
	return parseMetrics(string(body), time.Now()), nil
}

// parseMetrics keeps the samples of viewSeries from a Prometheus text page.
func parseMetrics(body string, at time.Time) *metricsSnap {
	s := &metricsSnap{at: at, samples: map[string]float64{}}
	for _, line := range strings.Split(body, "\n") {
		key, v, ok := sampleLine(line)
		name, _, _ := strings.Cut(key, "{")
		if ok && slices.Contains(viewSeries, name) {
			s.samples[key] = v
		}
	}
	return s
}

// serverView is what changed from a to b, for workspace's hub.
func serverView(a, b *metricsSnap, workspace string) *ServerView {
	if a == nil || b == nil {
		return nil
	}
	d := func(key string) float64 { return b.samples[key] - a.samples[key] }
	ws := `{workspace="` + workspace + `"}`
	v := &ServerView{Seconds: b.at.Sub(a.at).Seconds(), GCs: int64(d("go_gc_duration_seconds_count"))}
	commit, apply := d("switchboard_commit_seconds_sum"+ws), d("switchboard_cycle_apply_seconds_sum"+ws)
	v.Cycles = int64(d("switchboard_commit_seconds_count" + ws))
	if v.Seconds > 0 {
		v.HubBusy = (commit + apply) / v.Seconds
	}
	if v.Cycles > 0 {
		n := float64(v.Cycles)
		v.CommitMeanMs, v.ApplyMeanMs = 1000*commit/n, 1000*apply/n
		v.CommandsPerCommit = d("switchboard_cycle_commands_sum"+ws) / n
	}
	// The scheduler's histogram: cumulative counts by upper bound.
	const prefix = `go_sched_latencies_seconds_bucket{le="`
	total := d(prefix + `+Inf"}`)
	if total <= 0 {
		return v
	}
	v.SchedWaitsOver = map[string]float64{}
	for key := range b.samples {
		bound, ok := strings.CutPrefix(key, prefix)
		if !ok {
			continue
		}
		if le, err := strconv.ParseFloat(strings.TrimSuffix(bound, `"}`), 64); err == nil && le >= 1e-4 && !math.IsInf(le, 1) {
			v.SchedWaitsOver[strconv.FormatFloat(le*1000, 'g', 3, 64)] = 1 - d(key)/total
		}
	}
	return v
}

// schedBounds returns the keys of m in increasing order of their value as
// a number.
func schedBounds(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, _ := strconv.ParseFloat(keys[i], 64)
		b, _ := strconv.ParseFloat(keys[j], 64)
		return a < b
	})
	return keys
}

// writeTable writes the view's lines of the readable table.
func (v *ServerView) writeTable(b *strings.Builder) {
	fmt.Fprintf(b, "server view (/metrics over %.1f s): hub loop busy %.0f %% (%d cycles, %.1f commands each; apply %.2f ms, commit %.2f ms mean); %d GCs\n",
		v.Seconds, 100*v.HubBusy, v.Cycles, v.CommandsPerCommit, v.ApplyMeanMs, v.CommitMeanMs, v.GCs)
	if len(v.SchedWaitsOver) > 0 {
		b.WriteString("  goroutines that waited for a CPU longer than:")
		for _, k := range schedBounds(v.SchedWaitsOver) {
			fmt.Fprintf(b, " %s ms %.1f %%;", k, 100*v.SchedWaitsOver[k])
		}
		b.WriteString("\n")
	}
}
