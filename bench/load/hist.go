package load

import (
	"math"
	"sync"
	"time"
)

// histBuckets covers 1 µs to about 20 minutes in steps of 4 %.
const (
	histBuckets = 540
	histGrowth  = 1.04
)

var logGrowth = math.Log(histGrowth)

// Hist is a latency histogram with log-spaced buckets: fixed memory,
// quantiles within about 2 %, exact count, sum and max. It is safe for
// concurrent use. Its JSON form is what workers send to be merged.
type Hist struct {
	mu     sync.Mutex
	Counts []uint64 `json:"counts"`
	N      uint64   `json:"n"`
	SumUS  float64  `json:"sum_us"`
	MaxUS  float64  `json:"max_us"`
}

// NewHist returns an empty histogram.
func NewHist() *Hist { return &Hist{Counts: make([]uint64, histBuckets)} }

func bucketOf(us float64) int {
	if us <= 1 {
		return 0
	}
	return min(int(math.Log(us)/logGrowth)+1, histBuckets-1)
}

// bucketValue is the geometric middle of bucket i, in microseconds.
func bucketValue(i int) float64 {
	if i == 0 {
		return 1
	}
	return math.Pow(histGrowth, float64(i)-0.5)
}

// Add records one latency.
func (h *Hist) Add(d time.Duration) {
	us := float64(d) / 1e3
	if us < 0 {
		us = 0
	}
	h.mu.Lock()
	h.Counts[bucketOf(us)]++
	h.N++
	h.SumUS += us
	h.MaxUS = max(h.MaxUS, us)
	h.mu.Unlock()
}

// Merge adds o's counts to h.
func (h *Hist) Merge(o *Hist) {
	o.mu.Lock()
	defer o.mu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, c := range o.Counts {
		h.Counts[i] += c
	}
	h.N += o.N
	h.SumUS += o.SumUS
	h.MaxUS = max(h.MaxUS, o.MaxUS)
}

// Quantile returns the q-quantile in milliseconds (0 when empty); q = 1
// gives the exact max.
func (h *Hist) Quantile(q float64) float64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.N == 0 {
		return 0
	}
	if q >= 1 {
		return h.MaxUS / 1e3
	}
	rank := uint64(math.Ceil(q * float64(h.N)))
	var seen uint64
	for i, c := range h.Counts {
		seen += c
		if seen >= max(rank, 1) {
			return min(bucketValue(i), h.MaxUS) / 1e3
		}
	}
	return h.MaxUS / 1e3
}

// Summary is a histogram's figures in milliseconds: the JSON of each
// latency in the report.
type Summary struct {
	Count uint64  `json:"count"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

// Summary returns h's figures; a nil h has none.
func (h *Hist) Summary() Summary {
	if h == nil {
		return Summary{}
	}
	s := Summary{P50: h.Quantile(0.5), P90: h.Quantile(0.9), P99: h.Quantile(0.99), Max: h.Quantile(1)}
	h.mu.Lock()
	s.Count = h.N
	if h.N > 0 {
		s.Mean = h.SumUS / float64(h.N) / 1e3
	}
	h.mu.Unlock()
	return s
}
