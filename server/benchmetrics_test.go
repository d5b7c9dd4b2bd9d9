package server

import (
	"math"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// reportHubCycles reports, from the server's own histograms, the mean
// commands per commit and the commit latency (mean, and p50/p99 read from
// the histogram buckets, so as coarse as they are: each bucket doubles).
func reportHubCycles(b *testing.B, srv *Server) {
	fams, err := srv.metrics.reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range fams {
		if len(f.Metric) == 0 || f.Metric[0].Histogram == nil {
			continue
		}
		h := f.Metric[0].Histogram
		n := float64(h.GetSampleCount())
		if n == 0 {
			continue
		}
		switch f.GetName() {
		case "switchboard_cycle_commands":
			b.ReportMetric(h.GetSampleSum()/n, "cmds/commit")
		case "switchboard_commit_seconds":
			b.ReportMetric(h.GetSampleSum()/n*1000, "commit-mean-ms")
			b.ReportMetric(bucketQuantile(h, 0.5)*1000, "commit-p50-ms")
			b.ReportMetric(bucketQuantile(h, 0.99)*1000, "commit-p99-ms")
		}
	}
}

// bucketQuantile is the upper bound of the bucket holding quantile q.
func bucketQuantile(h *dto.Histogram, q float64) float64 {
	want := q * float64(h.GetSampleCount())
	for _, bk := range h.Bucket {
		if float64(bk.GetCumulativeCount()) >= want {
			return bk.GetUpperBound()
		}
	}
	return math.Inf(1)
}
