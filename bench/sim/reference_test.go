package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// reference simulates the textbook FIFO M/M/c (+M with patience) queue
// directly, on the same random streams as Run, and reports every call's
// fate to onCall. It shares no code with the driver: if the hub is FIFO and
// work-conserving, every call waits exactly as long here as in Run.
func reference(t testing.TB, cfg Config, onCall func(Call)) {
	t.Helper()
	cfg, err := cfg.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	arrivals := rand.New(rand.NewPCG(cfg.Seed, 1))
	handles := rand.New(rand.NewPCG(cfg.Seed, 2))
	patiences := rand.New(rand.NewPCG(cfg.Seed, 3))
	w0, w1 := cfg.Warmup.Seconds(), (cfg.Warmup + cfg.Duration).Seconds()
	h, theta := cfg.Handle.Seconds(), cfg.Patience.Seconds()
	type waiting struct {
		n              int
		arrive, handle float64
		deadline       float64
	}
	var (
		queue    []waiting // FIFO; abandoned entries are removed in place
		busyEnds []float64 // end times of services in progress, unsorted
		n        int
	)
	next := arrivals.ExpFloat64() / cfg.Rate
	report := func(w waiting, at float64, answered bool) {
		onCall(Call{N: w.n, Arrive: w.arrive, Wait: at - w.arrive, Answered: answered, Counted: w.arrive >= w0 && w.arrive < w1})
	}
	for {
		// the next event: arrival, end of service or abandon
		tArr, tEnd, tAb := math.Inf(1), math.Inf(1), math.Inf(1)
		if next < w1 {
			tArr = next
		}
		iEnd, iAb := -1, -1
		for i, e := range busyEnds {
			if e < tEnd {
				tEnd, iEnd = e, i
			}
		}
		for i, w := range queue {
			if theta > 0 && w.deadline < tAb {
				tAb, iAb = w.deadline, i
			}
		}
		switch {
		case math.IsInf(min(tArr, tEnd, tAb), 1):
			return
		case tArr <= tEnd && tArr <= tAb:
			n++
			w := waiting{n: n, arrive: tArr, handle: handles.ExpFloat64() * h, deadline: math.Inf(1)}
			if theta > 0 {
				w.deadline = tArr + patiences.ExpFloat64()*theta
			}
			next = tArr + arrivals.ExpFloat64()/cfg.Rate
			if len(busyEnds) < cfg.Agents {
				busyEnds = append(busyEnds, tArr+w.handle)
				report(w, tArr, true)
			} else {
				queue = append(queue, w)
			}
		case tEnd <= tAb:
			busyEnds = slices.Delete(busyEnds, iEnd, iEnd+1)
			if len(queue) > 0 {
				w := queue[0]
				queue = queue[1:]
				busyEnds = append(busyEnds, tEnd+w.handle)
				report(w, tEnd, true)
			}
		default:
			w := queue[iAb]
			queue = slices.Delete(queue, iAb, iAb+1)
			report(w, tAb, false)
		}
	}
}

// referenceC is reference without patience in the form of the
// Kiefer–Wolfowitz recursion (each arrival in order starts at the later of
// its arrival and the earliest time a server frees), fast enough for the
// tens of millions of arrivals that pin Erlang C within a percent. It
// returns the measures of the counted calls.
func referenceC(cfg Config) Measured {
	cfg, _ = cfg.withDefaults()
	arrivals := rand.New(rand.NewPCG(cfg.Seed, 1))
	handles := rand.New(rand.NewPCG(cfg.Seed, 2))
	w0, w1 := cfg.Warmup.Seconds(), (cfg.Warmup + cfg.Duration).Seconds()
	h, T := cfg.Handle.Seconds(), cfg.SLThreshold.Seconds()
	free := make([]float64, cfg.Agents)
	var n, inT int
	var waitSum, busy float64
	for t := arrivals.ExpFloat64() / cfg.Rate; t < w1; t += arrivals.ExpFloat64() / cfg.Rate {
		s := handles.ExpFloat64() * h
		i := 0
		for j, f := range free {
			if f < free[i] {
				i = j
			}
		}
		start := max(t, free[i])
		free[i] = start + s
		if lo, hi := max(start, w0), min(start+s, w1); hi > lo {
			busy += hi - lo
		}
		if t >= w0 {
			n++
			waitSum += start - t
			if start-t <= T {
				inT++
			}
		}
	}
	return Measured{ServiceLevel: float64(inT) / float64(n), ASA: waitSum / float64(n),
		Occupancy: busy / (float64(cfg.Agents) * (w1 - w0)), Arrivals: n, Answered: n}
}
