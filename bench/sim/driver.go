package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/internal/minheap"
	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
)

// epoch is simulated time zero: a Monday, so that nothing depends on the
// date the simulator runs.
var epoch = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

const queueID = "sim"

// call is one contact on its way through the hub.
type call struct {
	id      string
	n       int
	visitor string
	arrive  float64 // seconds since epoch
	handle  float64 // seconds, drawn at arrival
	wrapup  float64 // seconds of after-contact work once it ends
	counted bool    // arrived inside the measured window
	queue   int     // index into the run's queues
	ival    int     // index into Config.Profile of its arrival's interval
	lang    int     // index into Config.Languages, -1 for none
	media   int     // index into the run's media (Config.media)
	agent   int     // index of the agent serving it, -1 while waiting
	start   float64 // when its service started
	done    bool    // answered and ended, or abandoned
	// offered: an agent was offered it, offerWait after its arrival
	offered   bool
	offerWait float64
	patience  float64 // seconds, 0 for none
}

// agentState is the driver's view of one agent.
type agentState struct {
	id    string
	team  int
	langs presence.Languages
	sub   *hub.Subscription
	away  bool    // off shift (Config.Schedule)
	calls []*call // the calls in service, at most Config.Capacity
	// occupiedSince is when the agent last went from no call to one
	occupiedSince float64
	// missedAway: the hub set the agent away for missed offers; an
	// evBack brings them back
	missedAway bool
}

// driver runs one simulation.
type driver struct {
	cfg     Config
	h       *hub.Hub
	clock   *hub.ManualClock
	ctx     context.Context
	events  minheap.Heap[event]
	seq     uint64
	now     float64
	calls   map[string]*call
	agents  []agentState
	nextVis uint64
	// missRates and declineRates are the agents' own Miss and Decline
	// (Config.AgentMiss, AgentDecline), by index.
	missRates, declineRates []float64
	// random streams, one per quantity, so that changing one does not
	// shift the others
	arrivals, handles, patience *rand.Rand
	// picks of a queue and a language, drawn only when there is a choice
	queuePick, langPick *rand.Rand
	queues              []string  // the queues' ids
	queueCum, langCum   []float64 // cumulative normalized shares
	// the run's media (Config.media), the pick of one, drawn only when
	// there is a choice, and their cumulative shares
	media     []MediaShare
	mediaPick *rand.Rand
	mediaCum  []float64
	// handle time draw: lognormal parameters of the log, μ per media
	logMu    []float64
	logSigma float64
	// window and end of arrivals, seconds since epoch
	w0, w1 float64
	m      meter
	nDo    int
	// contacts in service now (those waiting are the rest of calls), and
	// the samples over the run, every sampleEvery seconds from 0
	busy        int
	samples     []sample
	sampleEvery float64
	// manual offers' fates: whether missed, and the time to accept
	accepts *rand.Rand
	offers  OfferStats
	// woken are the agents whose subscriptions the hub queued frames on
	// since the last drain, in the order it did; the hub adds to it
	// (Filter.Wake) in the driver's commands, the driver takes them after
	// each event
	woken   []int
	isWoken []bool
	// scratch of drain and readFrames
	draining []int
	frames   []hub.Frame
}

// sample is the state of the run at one moment.
type sample struct{ waiting, busy int }

// samplesPerRun is about how many samples a run's timeline takes.
const samplesPerRun = 300

// Run simulates cfg on a new hub and returns what it measured beside the
// Erlang predictions. It fails on a bad Config, when ctx ends, or when the
// hub refuses a command (a bug: the driver only sends valid commands).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	d := &driver{events: minheap.New(lessEvent),
		cfg:       cfg,
		ctx:       ctx,
		clock:     hub.NewManualClock(epoch),
		calls:     map[string]*call{},
		arrivals:  rand.New(rand.NewPCG(cfg.Seed, 1)),
		handles:   rand.New(rand.NewPCG(cfg.Seed, 2)),
		patience:  rand.New(rand.NewPCG(cfg.Seed, 3)),
		queuePick: rand.New(rand.NewPCG(cfg.Seed, 4)),
		langPick:  rand.New(rand.NewPCG(cfg.Seed, 5)),
		accepts:   rand.New(rand.NewPCG(cfg.Seed, 6)),
		mediaPick: rand.New(rand.NewPCG(cfg.Seed, 7)),
		media:     cfg.media(),
		queues:    cfg.queueNames(),
		w0:        cfg.Warmup.Seconds(),
		w1:        (cfg.Warmup + cfg.Duration).Seconds(),
	}
	d.queueCum = cumulative(len(d.queues), func(i int) float64 {
		if len(cfg.Queues) == 0 {
			return 1
		}
		return cfg.Queues[i].Share
	})
	d.langCum = cumulative(len(cfg.Languages), func(i int) float64 { return cfg.Languages[i].Share })
	d.mediaCum = cumulative(len(d.media), func(i int) float64 { return d.media[i].Share })
	thresholds := make([]float64, len(d.media))
	for i, m := range d.media {
		thresholds[i] = m.SLThreshold.Seconds()
	}
	d.initHandles()
	d.sampleEvery = d.w1 / samplesPerRun
	d.m = newMeter(cfg.Agents, len(d.queues), len(cfg.Languages), d.w0, d.w1, cfg.SLThreshold.Seconds(), thresholds)
	d.m.profile(len(cfg.Profile), cfg.Interval.Seconds(), cfg.Schedule, cfg.Shifts)
	d.m.blended = cfg.blended()
	if cfg.perAgent() {
		d.m.own(d.slotWeights())
	}
	// The hub is inline: each command runs on this goroutine, and the
	// driver moves the clock before the command whose cycle fires the
	// deadlines it passed (tick).
	d.h, err = hub.New(hub.Config{Workspace: "sim", Clock: d.clock, Store: discardStore{}, Inline: true,
		Router: router.Config{MissLimit: cfg.MissLimit}})
	if err != nil {
		return nil, err
	}
	if err := d.setup(); err != nil {
		return nil, err
	}
	if err := d.loop(start); err != nil {
		return nil, err
	}
	r := d.report(time.Since(start))
	r.withinModel = d.withinModel(r)
	return r, nil
}

// setup creates the queues and the agents, connected and available, each
// with a subscription the driver reads its assignments from.
func (d *driver) setup() error {
	// The driver wraps every contact up itself, its wrap-up after its end;
	// the hub's own timeout comes a minute after the longest and never
	// fires.
	wrapupTimeout := d.cfg.maxWrapup() + time.Minute
	specs := make([]hub.QueueSpec, len(d.queues))
	for i, q := range d.queues {
		name := "Simulated"
		if len(d.cfg.Queues) > 0 {
			name = q
		}
		specs[i] = hub.QueueSpec{Name: name, WrapupTimeout: wrapupTimeout, Queue: d.cfg.routerQueue(i)}
		specs[i].AcceptMode, specs[i].OfferTimeout, specs[i].ServiceLevel = d.cfg.Accept, d.cfg.OfferTimeout, d.cfg.SLThreshold
	}
	// A step may add a queue put after its own: the queues go in without
	// their steps first, then those with steps again.
	for _, spec := range specs {
		spec.Steps = nil
		if err := d.do(hub.PutQueue{Spec: spec}); err != nil {
			return err
		}
	}
	for _, spec := range specs {
		if len(spec.Steps) == 0 {
			continue
		}
		if err := d.do(hub.PutQueue{Spec: spec}); err != nil {
			return err
		}
	}
	d.agents = make([]agentState, 0, d.cfg.Agents)
	d.isWoken = make([]bool, d.cfg.Agents)
	switch {
	case d.cfg.AgentMiss == nil && d.cfg.AgentDecline == nil:
	case d.cfg.AgentIDs != nil:
		d.missRates, d.declineRates = d.cfg.AgentMiss, d.cfg.AgentDecline
	default:
		d.missRates, d.declineRates = spreadRates(d.cfg.AgentMiss, d.cfg.AgentDecline, d.cfg.Agents, d.cfg.Seed)
	}
	teams := d.cfg.teams()
	for _, ti := range d.cfg.agentTeams() {
		t := teams[ti]
		queues := t.Queues
		if len(queues) == 0 {
			queues = d.queues
		}
		var langs presence.Languages
		if len(t.Languages) > 0 {
			langs = presence.Languages{Primary: t.Languages[0], Secondary: t.Languages[1:]}.Normalize()
		}
		id := fmt.Sprintf("a%05d", len(d.agents)+1)
		if d.cfg.AgentIDs != nil {
			id = d.cfg.AgentIDs[len(d.agents)]
		}
		d.agents = append(d.agents, agentState{id: id, team: ti, langs: langs})
		if err := d.addAgent(len(d.agents)-1, queues); err != nil {
			return err
		}
	}
	if len(d.cfg.Schedule) > 0 {
		d.schedule(event{at: 0, kind: evShift, agent: 0})
	}
	d.scheduleShifts()
	d.schedule(event{at: d.nextArrival(0), kind: evArrival})
	return nil
}

// addAgent creates agent i in the hub, in queues, connected and available,
// with a subscription.
func (d *driver) addAgent(i int, queues []string) error {
	a := &d.agents[i]
	p := presence.Profile{ID: a.id, Name: "Agent " + a.id[1:], Languages: a.langs}
	if d.cfg.AgentIDs != nil {
		p.Name = a.id
	}
	for _, m := range d.media {
		p.Capacity[m.Media] = d.cfg.capacity(a.team, m)
	}
	if a.team < len(d.cfg.Teams) {
		p.Expertise = d.cfg.Teams[a.team].Expertise
	}
	if err := d.do(hub.PutAgent{Profile: p, Queues: queues}); err != nil {
		return err
	}
	sub, err := d.h.Subscribe(d.ctx, hub.Filter{Agent: a.id, Queue: 1024, Wake: func() { d.wake(i) }})
	if err != nil {
		return fmt.Errorf("sim: subscribe %s: %w", a.id, err)
	}
	a.sub = sub
	if err := d.do(hub.AgentConnect{Agent: a.id}); err != nil {
		return err
	}
	return d.do(hub.SetPresence{Agent: a.id, Status: presence.Available})
}

// cumulative returns the running sums of n weights, normalized to end at 1.
func cumulative(n int, weight func(i int) float64) []float64 {
	cum := make([]float64, n)
	var sum float64
	for i := range cum {
		sum += weight(i)
		cum[i] = sum
	}
	for i := range cum {
		cum[i] /= sum
	}
	return cum
}

// pick draws an index by the cumulative shares cum from r; with one choice
// it draws nothing, so that a run with one queue and no languages keeps
// the random streams of M/M/c.
func pick(r *rand.Rand, cum []float64) int {
	if len(cum) < 2 {
		return len(cum) - 1
	}
	u := r.Float64()
	i, _ := slices.BinarySearch(cum, u)
	return min(i, len(cum)-1)
}

// initHandles sets up handleTime for the run's distribution.
func (d *driver) initHandles() {
	if d.cfg.HandleDist == Lognormal {
		for _, m := range d.media {
			var mu float64
			mu, d.logSigma = LognormalParams(m.Handle.Seconds(), d.cfg.HandleCV)
			d.logMu = append(d.logMu, mu)
		}
	}
}

// LognormalParams are the parameters of the log of a lognormal
// distribution of the given mean and coefficient of variation:
// σ² = ln(1 + cv²), μ = ln mean − σ²/2. A draw is exp(μ + σ·N(0, 1)).
func LognormalParams(mean, cv float64) (mu, sigma float64) {
	v := math.Log1p(cv * cv)
	return math.Log(mean) - v/2, math.Sqrt(v)
}

// handleTime draws a handle time of media m from the run's distribution.
func (d *driver) handleTime(m int) float64 {
	switch d.cfg.HandleDist {
	case Constant:
		return d.media[m].Handle.Seconds()
	case Lognormal:
		return math.Exp(d.logMu[m] + d.logSigma*d.handles.NormFloat64())
	}
	return d.exp(d.handles, d.media[m].Handle.Seconds())
}

// loop applies events in time order until none is left: arrivals stop at
// the end of the window, and every call in flight is then followed to its
// end.
func (d *driver) loop(start time.Time) error {
	total := d.w1
	nextReport := time.Now().Add(d.cfg.ProgressEvery)
	for i := 0; d.events.Len() > 0; i++ {
		e := d.events.Pop()
		for at := float64(len(d.samples)) * d.sampleEvery; at <= e.at && at <= total; at = float64(len(d.samples)) * d.sampleEvery {
			d.samples = append(d.samples, sample{waiting: len(d.calls) - d.busy, busy: d.busy})
		}
		d.now = e.at
		var err error
		switch e.kind {
		case evArrival:
			err = d.arrive()
		case evEnd:
			err = d.end(e.agent, e.call)
		case evWrapup:
			err = d.wrapup(e.agent, e.call)
		case evAbandon:
			err = d.abandon(e.call)
		case evShift:
			err = d.shift(e.agent)
		case evAccept, evDecline:
			err = d.answer(e.agent, e.call, e.offer, e.kind == evDecline)
		case evTick:
			if c := e.call; c == nil || !c.done && c.agent < 0 { // a step's, while its contact waits
				err = d.tick()
			}
		case evBack:
			err = d.back(e.agent)
		case evConnect:
			err = d.connect(e.call)
		case evOn, evOff:
			d.setClock()
			err = d.setShift(e.agent, e.kind == evOff)
		}
		if err == nil {
			err = d.drain()
		}
		if err != nil {
			return err
		}
		if i&1023 == 0 {
			if err := d.ctx.Err(); err != nil {
				return err
			}
			if d.cfg.Progress != nil && time.Now().After(nextReport) {
				nextReport = time.Now().Add(d.cfg.ProgressEvery)
				d.cfg.Progress(d.progress(start, total))
			}
		}
	}
	d.m.closeBusy(d.agents)
	if d.cfg.Progress != nil {
		d.cfg.Progress(d.progress(start, total))
	}
	return nil
}

func (d *driver) progress(start time.Time, total float64) Progress {
	return Progress{Simulated: seconds(math.Min(d.now, total)), Total: seconds(total),
		Arrivals: int(d.nextVis), Events: d.nDo, Elapsed: time.Since(start), Agents: d.cfg.Agents}
}

// arrive starts the next contact's session and schedules the one after.
func (d *driver) arrive() error {
	d.nextVis++
	c := &call{n: int(d.nextVis), visitor: "v" + strconv.FormatUint(d.nextVis, 10), arrive: d.now, agent: -1,
		counted: d.now >= d.w0 && d.now < d.w1}
	if len(d.cfg.Arrivals) > 0 {
		d.replay(c)
	} else {
		c.media = pick(d.mediaPick, d.mediaCum)
		c.handle, c.wrapup = d.handleTime(c.media), d.media[c.media].Wrapup.Seconds()
		c.queue, c.lang = pick(d.queuePick, d.queueCum), pick(d.langPick, d.langCum)
		if d.cfg.Patience > 0 && d.media[c.media].abandons() {
			c.patience = d.exp(d.patience, d.cfg.Patience.Seconds())
		}
	}
	if len(d.cfg.Profile) > 0 {
		_, c.ival, _ = d.interval(d.now)
	}
	if next := d.nextArrival(d.now); next < d.w1 {
		d.schedule(event{at: next, kind: evArrival})
	}
	d.setClock()
	rep, err := d.h.Do(d.ctx, hub.StartSession{Channel: channels[d.media[c.media].Media], Queue: d.queues[c.queue],
		VisitorID: c.visitor, Contact: session.Contact{Language: d.language(c)}, Expertise: d.expertise(c)})
	d.nDo++
	if err != nil {
		return fmt.Errorf("sim: start session at %.3f s: %w", d.now, err)
	}
	c.id = rep.Session
	d.calls[c.id] = c
	d.m.arrived(c)
	// An agent who takes it now finds its offer in their frames (drain);
	// abandon then finds it answered.
	if c.patience > 0 {
		d.schedule(event{at: d.now + c.patience, kind: evAbandon, call: c})
	}
	d.scheduleSteps(c)
	return nil
}

// assign records that agent i took c now and schedules the end of service.
func (d *driver) assign(c *call, i int) {
	c.agent = i
	d.busy++
	tier := presence.TierNone
	if c.lang >= 0 {
		tier = d.agents[i].langs.Tier(d.cfg.Languages[c.lang].Language)
	}
	d.m.answered(c, d.now-c.arrive, tier)
	d.tell(c, d.agents[i].id)
	a := &d.agents[i]
	if len(a.calls) == 0 {
		a.occupiedSince = d.now
	}
	a.calls = append(a.calls, c)
	c.start = d.now
	if d.media[c.media].Media == presence.Voice {
		// The telephony system reports the call connected, at once.
		d.schedule(event{at: d.now, kind: evConnect, call: c})
	}
	d.schedule(event{at: d.now + c.handle, kind: evEnd, agent: i, call: c})
}

// tell hands c, answered now by agent or abandoned now (agent ""), to
// Config.OnCall.
func (d *driver) tell(c *call, agent string) {
	if d.cfg.OnCall != nil {
		d.cfg.OnCall(Call{N: c.n, Arrive: c.arrive, Wait: d.now - c.arrive, Answered: agent != "", Agent: agent, Counted: c.counted,
			Queue: c.queue, Media: d.media[c.media].Media, Handle: c.handle, Language: d.language(c), Patience: c.patience,
			Offered: c.offered, OfferWait: c.offerWait})
	}
}

// language is the language c brought, "" for none.
func (d *driver) language(c *call) string {
	if c.lang < 0 {
		return ""
	}
	return d.cfg.Languages[c.lang].Language
}

// connect has the telephony system report voice call c connected.
func (d *driver) connect(c *call) error {
	d.setClock()
	return d.do(hub.ChannelEvent{Session: c.id, Event: "connected"})
}

// finish ends c, by its agent or its customer: a chat or an email through
// End, a call as the telephony system reports it (ChannelEvent ended).
func (d *driver) finish(c *call, by hub.Party) error {
	d.setClock()
	if d.media[c.media].Media != presence.Voice {
		return d.do(hub.End{Session: c.id, By: by})
	}
	who := "customer"
	if by.Kind == session.KindAgent {
		who = "agent"
	}
	return d.do(hub.ChannelEvent{Session: c.id, Event: "ended", By: who})
}

// end ends agent i's contact c: the agent ends a chat or an email, the
// telephony system reports a call ended by the agent. The agent wraps it
// up after c's wrap-up time, at once when that is 0.
func (d *driver) end(i int, c *call) error {
	if err := d.finish(c, hub.Party{Kind: session.KindAgent, ID: d.agents[i].id}); err != nil {
		return err
	}
	if c.wrapup > 0 {
		d.schedule(event{at: d.now + c.wrapup, kind: evWrapup, agent: i, call: c})
		return nil
	}
	return d.wrapup(i, c)
}

// wrapup completes agent i's wrap-up of c, which frees the slot; the
// waiting call the router then gave the agent, if any, is in its frames
// (drain).
func (d *driver) wrapup(i int, c *call) error {
	a := &d.agents[i]
	d.setClock()
	if err := d.do(hub.Wrapup{Agent: a.id, Session: c.id, Code: "done"}); err != nil {
		return err
	}
	d.m.served(i, c.media, c.start, d.now)
	a.calls = slices.DeleteFunc(a.calls, func(x *call) bool { return x == c })
	if len(a.calls) == 0 {
		d.m.occupied(i, a.occupiedSince, d.now)
	}
	d.busy--
	c.done = true
	delete(d.calls, c.id)
	return nil
}

// wake notes that the hub queued frames for agent i. The hub calls it
// within the driver's commands (the hub is inline).
func (d *driver) wake(i int) {
	if !d.isWoken[i] {
		d.isWoken[i] = true
		d.woken = append(d.woken, i)
	}
}

// drain reads the frames the hub queued for agents since the last drain,
// agent by agent in the order it queued them.
func (d *driver) drain() error {
	woken := d.woken
	d.woken = d.draining[:0]
	for _, i := range woken {
		d.isWoken[i] = false
	}
	d.draining = woken
	for _, i := range woken {
		if err := d.readFrames(i); err != nil {
			return err
		}
	}
	return nil
}

// readFrames reads agent i's frames: an auto offer assigns its call, if
// that call still waits; a manual offer is accepted later or missed
// (offered). With manual offers, a revocation for a timeout also counts a
// missed offer, and the hub setting the agent away for missed offers
// schedules their return; in auto mode neither happens, and the presence
// frames every change of load brings are not read.
func (d *driver) readFrames(i int) error {
	a := &d.agents[i]
	frames, ok := a.sub.Pop(d.frames[:0], 0)
	d.frames = frames[:0]
	if !ok {
		return fmt.Errorf("sim: agent %s subscription ended: %s", a.id, a.sub.Reason())
	}
	manual := d.cfg.Accept == router.Manual
	for _, f := range frames {
		switch {
		case f.Type == hub.FrameOffer:
			var o offerFrame
			if err := json.Unmarshal(f.JSON, &o); err != nil {
				return fmt.Errorf("sim: offer frame: %w", err)
			}
			c := d.calls[o.Offer.Session]
			if c == nil || c.agent >= 0 || c.done {
				continue
			}
			if !c.offered {
				c.offered, c.offerWait = true, d.now-c.arrive
			}
			if o.Offer.Mode == string(router.Auto) {
				d.assign(c, i)
				continue
			}
			id, err := strconv.ParseUint(o.Offer.ID, 10, 64)
			if err != nil {
				return fmt.Errorf("sim: offer id %q: %w", o.Offer.ID, err)
			}
			d.offered(i, c, router.OfferID(id))
		case f.Type == hub.FrameOfferRevoked && manual:
			var r struct{ Reason string }
			if err := json.Unmarshal(f.JSON, &r); err != nil {
				return fmt.Errorf("sim: offer_revoked frame: %w", err)
			}
			if r.Reason == router.ReasonTimeout {
				d.offers.Missed++
			}
		case f.Type == hub.FramePresence && manual:
			var p struct {
				Status presence.Status
				Reason string
			}
			if err := json.Unmarshal(f.JSON, &p); err != nil {
				return fmt.Errorf("sim: presence frame: %w", err)
			}
			if p.Status == presence.Away && p.Reason == router.ReasonMissed && !a.missedAway {
				a.missedAway = true
				d.offers.SetAway++
				if d.cfg.OnMissedAway != nil {
					d.cfg.OnMissedAway(a.id, d.now, false)
				}
				d.schedule(event{at: d.now + d.cfg.BackAfter.Seconds(), kind: evBack, agent: i})
			}
		}
	}
	return nil
}

type offerFrame struct {
	Offer struct {
		ID      string `json:"id"`
		Session string `json:"session"`
		Mode    string `json:"mode"`
	} `json:"offer"`
}

// tickAfter is how long after a deadline of the hub's (an offer's expiry)
// the driver moves the clock to fire it: the round trip between seconds
// and a time.Time may round a nanosecond short.
const tickAfter = 1e-6

// offered decides what agent i does with manual offer id of c: accept it
// after a drawn delay, or let it ring out (a miss, or a delay past the
// timeout); the hub then expires it, at an evTick, and offers c on.
func (d *driver) offered(i int, c *call, id router.OfferID) {
	d.offers.Offered++
	rate, declines := d.cfg.Miss, d.cfg.Decline
	if d.missRates != nil {
		rate = d.missRates[i]
	}
	if d.declineRates != nil {
		declines = d.declineRates[i]
	}
	miss := d.accepts.Float64() < rate
	decline := !miss && declines > 0 && d.accepts.Float64() < declines
	delay, what := d.cfg.AcceptDelay.Seconds(), evAccept
	if decline {
		delay, what = d.cfg.DeclineDelay.Seconds(), evDecline
	}
	if d.cfg.AcceptDist != Constant {
		delay = d.exp(d.accepts, delay)
	}
	timeout := d.cfg.OfferTimeout.Seconds()
	if miss || delay >= timeout {
		d.schedule(event{at: d.now + timeout + tickAfter, kind: evTick})
		return
	}
	d.schedule(event{at: d.now + delay, kind: what, agent: i, call: c, offer: id})
}

// tick moves the hub's clock to now, and has it run a cycle (a query of
// one queue): the cycle fires its timers due by now.
func (d *driver) tick() error {
	d.setClock()
	return d.do(hub.ListQueues{ID: d.queues[0]})
}

// answer has agent i accept offer id of c, or decline it, unless c is
// gone (abandoned) or taken: accepted, c is theirs; declined, the hub
// offers c to the next agent.
func (d *driver) answer(i int, c *call, id router.OfferID, decline bool) error {
	if c.done || c.agent >= 0 {
		return nil
	}
	d.setClock()
	var cmd hub.Command = hub.Accept{Agent: d.agents[i].id, Offer: id}
	if decline {
		cmd = hub.Decline{Agent: d.agents[i].id, Offer: id}
	}
	if err := d.do(cmd); hub.CodeOf(err) == hub.CodeConflict {
		return nil // taken back: the agent went off shift, or away for other offers missed
	} else if err != nil {
		return err
	}
	if decline {
		d.offers.Declined++
		return nil
	}
	d.offers.Accepted++
	d.assign(c, i)
	return nil
}

// back sets agent i available again after the hub set them away for
// missed offers, if they are on shift.
func (d *driver) back(i int) error {
	a := &d.agents[i]
	if !a.missedAway {
		return nil
	}
	a.missedAway = false
	if a.away {
		return nil
	}
	d.setClock()
	if err := d.do(hub.SetPresence{Agent: a.id, Status: presence.Available}); err != nil {
		return err
	}
	if d.cfg.OnMissedAway != nil {
		d.cfg.OnMissedAway(a.id, d.now, true)
	}
	return nil
}

// abandon ends c by its visitor if it still waits (in the queue, or while
// its offer rings).
func (d *driver) abandon(c *call) error {
	if c.agent >= 0 || c.done {
		return nil
	}
	if err := d.finish(c, hub.Party{Kind: session.KindVisitor, ID: c.visitor}); err != nil {
		return err
	}
	c.done = true
	delete(d.calls, c.id)
	d.m.abandoned(c)
	d.tell(c, "")
	return nil
}

// do applies cmd at the clock's time.
func (d *driver) do(cmd hub.Command) error {
	d.nDo++
	if _, err := d.h.Do(d.ctx, cmd); err != nil {
		return fmt.Errorf("sim: %T at %.3f s: %w", cmd, d.now, err)
	}
	return nil
}

// setClock moves the hub's clock to the driver's time.
func (d *driver) setClock() { d.clock.Set(epoch.Add(seconds(d.now))) }

// schedule adds e to the event heap.
func (d *driver) schedule(e event) {
	d.seq++
	e.seq = d.seq
	d.events.Push(e)
}

// exp draws an exponential variate of the given mean from r.
func (d *driver) exp(r *rand.Rand, mean float64) float64 { return r.ExpFloat64() * mean }

// seconds converts seconds to a Duration, rounding to the nanosecond.
func seconds(s float64) time.Duration { return time.Duration(math.Round(s * 1e9)) }

// discardStore is a hub.Store that keeps nothing: the simulator needs no
// durability, and memory stays flat however long the run.
type discardStore struct{}

func (discardStore) Commit(*hub.Batch) error { return nil }
