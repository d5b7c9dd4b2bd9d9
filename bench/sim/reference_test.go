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
// work-conserving, every call waits exactly as long here as in Run. With
// several queues of different priorities (one pool of agents), a freed
// agent takes the most urgent waiting call, the earliest among equals: the
// non-preemptive priority queue.
func reference(t testing.TB, cfg Config, onCall func(Call)) {
	t.Helper()
	cfg, streams := refSetup(t, cfg)
	arrivals, handles, patiences, picks := streams[1], streams[2], streams[3], streams[4]
	pickQueue := refPicker(cfg, picks)
	w0, w1 := cfg.Warmup.Seconds(), (cfg.Warmup + cfg.Duration).Seconds()
	theta := cfg.Patience.Seconds()
	draw := refHandle(cfg, handles)
	type waiting struct {
		n, prio, queue int
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
		onCall(Call{N: w.n, Arrive: w.arrive, Wait: at - w.arrive, Answered: answered, Counted: w.arrive >= w0 && w.arrive < w1, Queue: w.queue})
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
			w := waiting{n: n, arrive: tArr, handle: draw(), deadline: math.Inf(1), queue: pickQueue()}
			w.prio = refPriority(cfg, w.queue)
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
				first := 0
				for i, w := range queue {
					if w.prio < queue[first].prio {
						first = i
					}
				}
				w := queue[first]
				queue = slices.Delete(queue, first, first+1)
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
	T := cfg.SLThreshold.Seconds()
	draw := refHandle(cfg, handles)
	free := make([]float64, cfg.Agents)
	var n, inT int
	var waitSum, busy float64
	for t := arrivals.ExpFloat64() / cfg.Rate; t < w1; t += arrivals.ExpFloat64() / cfg.Rate {
		s := draw()
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

// refHandle returns how long each call holds its slot: the reference's
// handle time draw for cfg's distribution, from r (the textbook
// definitions, written apart from the driver's), plus cfg's wrap-up.
func refHandle(cfg Config, r *rand.Rand) func() float64 {
	draw := refDraw(cfg, r)
	if w := cfg.Wrapup.Seconds(); w > 0 {
		// the agent's slot is held through the wrap-up
		return func() float64 { return draw() + w }
	}
	return draw
}

// refDraw returns the handle-time draw of cfg's distribution from r.
func refDraw(cfg Config, r *rand.Rand) func() float64 {
	h := cfg.Handle.Seconds()
	switch cfg.HandleDist {
	case Constant:
		return func() float64 { return h }
	case Lognormal:
		// X = e^(μ+σZ) has mean e^(μ+σ²/2) and cv √(e^(σ²)−1).
		s2 := math.Log(1 + cfg.HandleCV*cfg.HandleCV)
		mu, sigma := math.Log(h)-s2/2, math.Sqrt(s2)
		return func() float64 { return math.Exp(mu + sigma*r.NormFloat64()) }
	}
	return func() float64 { return r.ExpFloat64() * h }
}

// referenceTeams is referenceC for queues that each have a team of their
// own (cfg.Teams, one queue each): every arrival draws its queue from the
// queue stream by the normalized shares, and each queue is a FIFO queue of
// its team's agents, by the Kiefer–Wolfowitz recursion. It calls onCall
// with each call's number, queue, arrival and wait, in arrival order.
func referenceTeams(t testing.TB, cfg Config, onCall func(n, queue int, arrive, wait float64)) {
	t.Helper()
	cfg, streams := refSetup(t, cfg)
	arrivals, handles, picks := streams[1], streams[2], streams[4]
	draw := refHandle(cfg, handles)
	pickQueue := refPicker(cfg, picks)
	w1 := (cfg.Warmup + cfg.Duration).Seconds()
	free := make([][]float64, len(cfg.Queues))
	for i, q := range cfg.Queues {
		for _, tm := range cfg.Teams {
			if len(tm.Queues) != 1 {
				t.Fatalf("team %+v: the reference takes one queue per team", tm)
			}
			if tm.Queues[0] == q.Name {
				free[i] = append(free[i], make([]float64, tm.Agents)...)
			}
		}
	}
	n := 0
	for at := arrivals.ExpFloat64() / cfg.Rate; at < w1; at += arrivals.ExpFloat64() / cfg.Rate {
		n++
		s := draw()
		q := pickQueue()
		f := free[q]
		i := 0
		for j := range f {
			if f[j] < f[i] {
				i = j
			}
		}
		start := max(at, f[i])
		f[i] = start + s
		onCall(n, q, at, start-at)
	}
}

// refSetup defaults cfg and opens the random streams the references read,
// numbered as the driver numbers them: 1 arrivals, 2 handle times,
// 3 patience, 4 queue picks.
func refSetup(t testing.TB, cfg Config) (Config, [5]*rand.Rand) {
	t.Helper()
	cfg, err := cfg.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	var streams [5]*rand.Rand
	for i := 1; i < len(streams); i++ {
		streams[i] = rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
	}
	return cfg, streams
}

// refPicker returns the references' draw of an arrival's queue: by the
// normalized shares, from r; with one queue it draws nothing.
func refPicker(cfg Config, r *rand.Rand) func() int {
	var total float64
	bounds := make([]float64, len(cfg.Queues))
	for i, q := range cfg.Queues {
		total += q.Share
		bounds[i] = total
	}
	return func() int {
		q := 0
		if len(bounds) > 1 {
			u := r.Float64()
			for q < len(bounds)-1 && u > bounds[q]/total {
				q++
			}
		}
		return q
	}
}

// refPriority is the priority of queue q of cfg (1 most urgent; unset is
// the router's default, 5).
func refPriority(cfg Config, q int) int {
	if q < len(cfg.Queues) && cfg.Queues[q].Priority > 0 {
		return cfg.Queues[q].Priority
	}
	return 5
}
