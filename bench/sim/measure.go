package sim

import (
	"iter"
	"math"

	"github.com/switchboardhq/switchboard/presence"
)

// batches is how many equal slices of the window batch means use for
// confidence intervals.
const batches = 20

// tally counts one slice of the window, or all of it.
type tally struct {
	arrivals, answered, inT, abandoned, waited int
	waitSum                                    float64
}

// meter accumulates the measures of the calls that arrive in the window
// [w0, w1) and the agents' busy time inside it.
type meter struct {
	w0, w1  float64
	t       float64 // service-level threshold, seconds
	all     tally
	batch   [batches]tally
	busy    []float64 // per agent, seconds inside the window
	handled []int     // per agent, calls answered in the window
	queues  []tally   // per queue
	// per media: the calls, their threshold T (t is the run's, of the
	// wait histogram), and busy slot-time inside the window
	media     []tally
	mediaT    []float64
	mediaBusy []float64
	blended   bool // busy is the time holding any contact (occupied)
	langs     []langTally
	noLang    tally // the calls without a language, counted and not reported
	// per profile interval: the calls that arrived in it, and busy
	// slot-time in it (a blended run's: agent-time holding any contact);
	// ivMedia, of interval k and media j at k·len(media)+j, the calls by
	// media; noIval and noIvMedia stand in without a profile
	intervals []tally
	ivMedia   []tally
	ivBusy    []float64
	ivLen     float64
	noIval    tally
	noIvMedia tally
	// per profile interval, the agent-time in it, inside the window, of
	// agents off shift still holding contacts they took on it (all 0
	// without a schedule or shifts; agent i is on shift in interval k
	// when i < schedule[k], or in the spans of shifts[i])
	schedule   []int
	shifts     [][]Span
	ivOvertime []float64
	// with agents of their own capacities (weights, the slots each
	// holds: a single media's capacity, 1 in a blend): the overtime's
	// slot-time by interval, and each agent's overtime
	weights        []float64
	ivSlotOvertime []float64
	overtime       []float64
	// waits of the counted answered calls: how many at once, and the rest
	// in waitBins bins of width t·waitSpan/waitBins, bin j holding waits in
	// (j·w, (j+1)·w]; longer waits are only in all. mediaWaits are the same
	// by media, each in bins of its own threshold.
	waits      waitHist
	mediaWaits []waitHist
}

// waitHist is a histogram of waits in units of a threshold (meter.waits).
type waitHist struct {
	atOnce int
	bins   [waitBins]int
}

// add counts an answered wait, with t the threshold of the bins.
func (h *waitHist) add(wait, t float64) {
	if wait <= 0 {
		h.atOnce++
	} else if j := int(math.Ceil(wait/(t*waitSpan/waitBins))) - 1; j < waitBins {
		h.bins[max(j, 0)]++
	}
}

// within returns, for k = 0..waitBins, the fraction of arrivals answered
// within k·w, w = t·waitSpan/waitBins.
func (h *waitHist) within(arrivals int) []float64 {
	out := make([]float64, waitBins+1)
	n := h.atOnce
	out[0] = ratio(float64(n), float64(arrivals))
	for j, c := range h.bins {
		n += c
		out[j+1] = ratio(float64(n), float64(arrivals))
	}
	return out
}

// The wait histogram covers 0 to waitSpan service-level thresholds.
const (
	waitBins = 200
	waitSpan = 4
)

// langTally counts the calls of one visitor language.
type langTally struct {
	tally
	// byTier counts answered calls by the serving agent's tier for the
	// language: primary, secondary, none.
	byTier [3]int
}

// newMeter returns a meter of the window [w0, w1) with service-level
// threshold t, and mediaT for the calls of each media.
func newMeter(agents, queues, langs int, w0, w1, t float64, mediaT []float64) meter {
	return meter{w0: w0, w1: w1, t: t, busy: make([]float64, agents), handled: make([]int, agents),
		queues: make([]tally, queues), langs: make([]langTally, langs),
		media: make([]tally, len(mediaT)), mediaT: mediaT, mediaBusy: make([]float64, len(mediaT)), mediaWaits: make([]waitHist, len(mediaT))}
}

// tallies returns the tallies a counted call adds to: the whole window,
// its batch, its queue, its language (a scratch tally when it has none),
// its profile interval and its media in it (likewise) and its media.
func (m *meter) tallies(c *call) [7]*tally {
	lang, ival, ivMedia := &m.noLang, &m.noIval, &m.noIvMedia
	if c.lang >= 0 {
		lang = &m.langs[c.lang].tally
	}
	if len(m.intervals) > 0 {
		ival, ivMedia = &m.intervals[c.ival], &m.ivMedia[c.ival*len(m.media)+c.media]
	}
	return [7]*tally{&m.all, m.slot(c), &m.queues[c.queue], lang, ival, &m.media[c.media], ivMedia}
}

// profile sets the meter up for n profile intervals of length iv seconds,
// and schedule or shifts (nil: every agent on shift throughout).
func (m *meter) profile(n int, iv float64, schedule []int, shifts [][]Span) {
	m.intervals, m.ivBusy, m.ivLen = make([]tally, n), make([]float64, n), iv
	m.ivMedia = make([]tally, n*len(m.media))
	m.schedule, m.shifts, m.ivOvertime = schedule, shifts, make([]float64, n)
}

// spans yields the profile intervals [lo, hi) crosses (intervalParts);
// nothing without a profile.
func (m *meter) spans(lo, hi float64) iter.Seq2[int, float64] {
	return intervalParts(lo, hi, m.ivLen, len(m.intervals))
}

// intervalParts yields the intervals of length iv that [lo, hi) crosses,
// each as its index in a profile of n that repeats (g mod n) and the time
// of [lo, hi) inside it; nothing when n is 0.
func intervalParts(lo, hi, iv float64, n int) iter.Seq2[int, float64] {
	return func(yield func(int, float64) bool) {
		for n > 0 && lo < hi {
			g, end := intervalOf(lo, iv)
			end = math.Min(end, hi)
			if !yield(g%n, end-lo) {
				return
			}
			lo = end
		}
	}
}

// slot returns the batch of a counted call.
func (m *meter) slot(c *call) *tally {
	i := int(float64(batches) * (c.arrive - m.w0) / (m.w1 - m.w0))
	return &m.batch[min(max(i, 0), batches-1)]
}

func (m *meter) arrived(c *call) {
	if c.counted {
		for _, t := range m.tallies(c) {
			t.arrivals++
		}
	}
}

// answered counts c answered after wait by an agent of the given tier for
// its language.
func (m *meter) answered(c *call, wait float64, tier presence.Tier) {
	if !c.counted {
		return
	}
	m.handled[c.agent]++
	m.waits.add(wait, m.t)
	m.mediaWaits[c.media].add(wait, m.mediaT[c.media])
	if c.lang >= 0 && int(tier) < len(m.langs[c.lang].byTier) {
		m.langs[c.lang].byTier[tier]++
	}
	inT := wait <= m.mediaT[c.media] // its media's threshold
	for _, t := range m.tallies(c) {
		t.answered++
		t.waitSum += wait
		if inT {
			t.inT++
		}
		if wait > 0 {
			t.waited++
		}
	}
}

func (m *meter) abandoned(c *call) {
	if c.counted {
		for _, t := range m.tallies(c) {
			t.abandoned++
			t.waited++
		}
	}
}

// served adds agent i's service [from, to) of a contact of media med,
// clipped to the window, to the media's busy slot-time and, unless the run
// is blended, to the agent's (a blended run's agent is busy while they hold
// any contact: occupied).
func (m *meter) served(i, med int, from, to float64) {
	lo, hi := math.Max(from, m.w0), math.Min(to, m.w1)
	if hi <= lo {
		return
	}
	m.mediaBusy[med] += hi - lo
	if !m.blended {
		m.addBusy(i, lo, hi)
	}
}

// occupied adds [from, to), during which agent i held at least one
// contact, to its busy time, clipped to the window, if the run is blended
// (otherwise served counts the agent's busy slot-time); and its part off
// shift to the overtime. An agent off shift takes no contact, so what they
// hold off shift they took on shift, and they work until its end.
func (m *meter) occupied(i int, from, to float64) {
	lo, hi := math.Max(from, m.w0), math.Min(to, m.w1)
	if hi <= lo {
		return
	}
	if m.blended {
		m.addBusy(i, lo, hi)
	}
	switch {
	case len(m.shifts) > 0:
		for _, off := range offShift(m.shifts[i], lo, hi) {
			for k, d := range m.spans(off[0], off[1]) {
				m.ivOvertime[k] += d
				if m.weights != nil {
					m.ivSlotOvertime[k] += d * m.weights[i]
					m.overtime[i] += d
				}
			}
		}
	case len(m.schedule) > 0:
		for k, d := range m.spans(lo, hi) {
			if i >= m.schedule[k] {
				m.ivOvertime[k] += d
			}
		}
	}
}

// addBusy adds [lo, hi), inside the window, to agent i's busy time and to
// the busy time of the profile intervals it spans.
func (m *meter) addBusy(i int, lo, hi float64) {
	m.busy[i] += hi - lo
	for k, d := range m.spans(lo, hi) {
		m.ivBusy[k] += d
	}
}

// own sets the meter up for agents of their own capacities: weights are
// the slots each holds (own: a single media's capacity, 1 in a blend).
func (m *meter) own(weights []float64) {
	m.weights, m.ivSlotOvertime, m.overtime = weights, make([]float64, len(m.ivOvertime)), make([]float64, len(weights))
}

// closeBusy counts the services still running when the run stops.
func (m *meter) closeBusy(agents []agentState) {
	for i, a := range agents {
		for _, c := range a.calls {
			m.served(i, c.media, c.start, math.Inf(1))
		}
		if len(a.calls) > 0 {
			m.occupied(i, a.occupiedSince, math.Inf(1))
		}
	}
}

// ratio returns a/b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// halfWidth95 returns the half-width of a 95 % confidence interval of the
// mean of f over the batches: the batch means method, with Student's t for
// 19 degrees of freedom (all 20 batches hold calls in any useful run).
func (m *meter) halfWidth95(f func(t *tally) (float64, bool)) float64 {
	var xs []float64
	for i := range m.batch {
		if x, ok := f(&m.batch[i]); ok {
			xs = append(xs, x)
		}
	}
	n := float64(len(xs))
	if n < 2 {
		return 0
	}
	var sum, sq float64
	for _, x := range xs {
		sum += x
	}
	mean := sum / n
	for _, x := range xs {
		sq += (x - mean) * (x - mean)
	}
	const t19 = 2.093 // Student's t, 0.975 quantile, 19 degrees of freedom
	return t19 * math.Sqrt(sq/(n-1)/n)
}

// answeredWithin returns, for k = 0..waitBins, the fraction of counted
// arrivals answered within k·w, w = t·waitSpan/waitBins.
func (m *meter) answeredWithin() []float64 { return m.waits.within(m.all.arrivals) }

// mediaWithin is answeredWithin for media j's arrivals, w in units of its
// own threshold.
func (m *meter) mediaWithin(j int) []float64 { return m.mediaWaits[j].within(m.media[j].arrivals) }
