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
	// CommitMs is the spread of the workspace's commits (one per cycle).
	CommitMs *BucketQuantiles `json:"commit_ms,omitempty"`
	// ServerOfferMs and ServerMessageMs are the server's own share of the
	// offer and relay latencies, from its switchboard_push_latency_seconds
	// on agent sockets: from the visitor's frame reaching the hub (read and
	// decoded) to the agent's frame taken by its socket's writer (messages:
	// every message frame an agent socket was pushed, its own echoed ones
	// too). The rest of the bench's latency is the sockets, the bench's own
	// clients, and the server's reader waiting to run.
	ServerOfferMs   *BucketQuantiles `json:"server_offer_ms,omitempty"`
	ServerMessageMs *BucketQuantiles `json:"server_message_ms,omitempty"`
}

// BucketQuantiles are quantiles, in ms, estimated from a histogram's
// buckets as Prometheus's histogram_quantile does: linearly within the
// bucket that holds the rank, so only as fine as the buckets.
type BucketQuantiles struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
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
	"switchboard_push_latency_seconds_bucket", "switchboard_commit_seconds_bucket",
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
	v.CommitMs = bucketQuantiles(a, b, `switchboard_commit_seconds_bucket{workspace="`+workspace+`",le="`)
	v.ServerOfferMs = bucketQuantiles(a, b, `switchboard_push_latency_seconds_bucket{kind="agent",type="offer",le="`)
	v.ServerMessageMs = bucketQuantiles(a, b, `switchboard_push_latency_seconds_bucket{kind="agent",type="message",le="`)
	// The scheduler's histogram: the share of wake-ups over each bound.
	if bs := buckets(a, b, `go_sched_latencies_seconds_bucket{le="`); bs != nil {
		total := bs[len(bs)-1].n
		v.SchedWaitsOver = map[string]float64{}
		for _, x := range bs[:len(bs)-1] {
			if x.le >= 1e-4 {
				v.SchedWaitsOver[strconv.FormatFloat(x.le*1000, 'g', 3, 64)] = 1 - x.n/total
			}
		}
	}
	return v
}

// bucket is one bucket of a histogram: its cumulative count up to le
// seconds.
type bucket struct{ le, n float64 }

// buckets returns a histogram's buckets (the series of its bucket up to
// the bound, prefix), counted from a to b, by bound, ending with +Inf; nil
// when it counted nothing.
func buckets(a, b *metricsSnap, prefix string) []bucket {
	var bs []bucket
	for key, n := range b.samples {
		bound, ok := strings.CutPrefix(key, prefix)
		if !ok {
			continue
		}
		le, err := strconv.ParseFloat(strings.TrimSuffix(bound, `"}`), 64)
		if err != nil {
			continue
		}
		bs = append(bs, bucket{le, n - a.samples[key]})
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].le < bs[j].le })
	if len(bs) == 0 || !math.IsInf(bs[len(bs)-1].le, 1) || bs[len(bs)-1].n <= 0 {
		return nil
	}
	return bs
}

// bucketQuantiles estimates quantiles of what a histogram (see buckets)
// counted from a to b; nil when it counted nothing.
func bucketQuantiles(a, b *metricsSnap, prefix string) *BucketQuantiles {
	bs := buckets(a, b, prefix)
	if bs == nil {
		return nil
	}
	total := bs[len(bs)-1].n
	quantile := func(q float64) float64 {
		rank := q * total
		lo, below := 0.0, 0.0
		for _, x := range bs {
			if x.n >= rank {
				if math.IsInf(x.le, 1) { // past the last bound: say the bound
					return 1000 * lo
				}
				if x.n == below {
					return 1000 * x.le
				}
				return 1000 * (lo + (x.le-lo)*(rank-below)/(x.n-below))
			}
			lo, below = x.le, x.n
		}
		return 1000 * lo
	}
	return &BucketQuantiles{Count: int64(total), P50: quantile(0.5), P90: quantile(0.9), P99: quantile(0.99)}
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

// writeTable writes the view's lines of the readable table; calls says
// the run posted calls, whose offers the server counts with the chats'.
func (v *ServerView) writeTable(b *strings.Builder, calls bool) {
	offer := "first message → offer"
	if calls {
		offer = "first message or call → offer"
	}
	fmt.Fprintf(b, "server view (/metrics over %.1f s): hub loop busy %.0f %% (%d cycles, %.1f commands each; apply %.2f ms, commit %.2f ms mean); %d GCs\n",
		v.Seconds, 100*v.HubBusy, v.Cycles, v.CommandsPerCommit, v.ApplyMeanMs, v.CommitMeanMs, v.GCs)
	if q := v.CommitMs; q != nil {
		fmt.Fprintf(b, "  commits: p50 %.2f, p90 %.2f, p99 %.2f ms\n", q.P50, q.P90, q.P99)
	}
	for _, p := range []struct {
		name string
		q    *BucketQuantiles
	}{{offer, v.ServerOfferMs}, {"message → agent", v.ServerMessageMs}} {
		if p.q != nil {
			fmt.Fprintf(b, "  inside the server, %s taken by the agent's socket: p50 %.2f, p90 %.2f, p99 %.2f ms (%d frames)\n",
				p.name, p.q.P50, p.q.P90, p.q.P99, p.q.Count)
		}
	}
	if len(v.SchedWaitsOver) > 0 {
		b.WriteString("  goroutines that waited for a CPU longer than:")
		for _, k := range schedBounds(v.SchedWaitsOver) {
			fmt.Fprintf(b, " %s ms %.1f %%;", k, 100*v.SchedWaitsOver[k])
		}
		b.WriteString("\n")
	}
}
