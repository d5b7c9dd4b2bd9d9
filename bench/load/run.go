package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// runner is the state of one run, shared by its sockets.
type runner struct {
	cfg    Config
	setup  *Setup
	dialer *dialer
	api    *api

	connect, offer, accept, answer, relay, deliver *Hist
	// callPost, callOffer, callEvent: a call's POST, its offer at the
	// agent, a telephony event's POST (call.go).
	callPost, callOffer, callEvent *Hist
	// emailPost, emailAssign: an email's POST, and the POST sent to its
	// assignment at the agent (email.go).
	emailPost, emailAssign *Hist
	// apiClients carry the calls' and emails' API requests; bg counts the
	// goroutines that post them, the softphones and the agents' email
	// work, for Run to wait for.
	apiClients *pool
	bg         sync.WaitGroup

	sockets, activeChats, visitorsNow, agentsBusy           atomic.Int64
	framesIn, framesOut                                     atomic.Int64
	chats, messages, arrivals, abandoned, dropped, finished atomic.Int64
	revoked                                                 atomic.Int64
	// missed counts the offers agents let ring out (Config.Miss), setAway
	// the times the hub set one away for them, cut the accepts a
	// revocation stopped before they were sent.
	missed, setAway, cut atomic.Int64
	// lost counts the offers another agent of a broadcast took first
	// (Config.Broadcast): before this one's accept delay was over, or as
	// its accept was on its way.
	lost atomic.Int64
	// declined counts the declines the server acknowledged (Config.Decline).
	declined atomic.Int64
	// posting counts the calls and emails whose POST is out.
	posting                                atomic.Int64
	callsPosted, callsAnswered, callsEnded atomic.Int64
	activeCalls, callsAbandoned            atomic.Int64
	// callStates holds the calls with a patience this process posted
	// while their callers wait: session id → *atomic.Int32 (call.go).
	callStates                                sync.Map
	emailsPosted, emailsAssigned, emailsEnded atomic.Int64
	activeEmails                              atomic.Int64
	// expertise counts the contacts that arrived in the expertise queue
	// (Config.Expertise), and those of its visitors who left unanswered;
	// expertiseAnswer times its visitors' answers as answer times all.
	expertise       [presence.NumMedia]atomic.Int64
	expertAbandoned atomic.Int64
	expertiseAnswer *Hist

	// view and clientCPU are the server's view of the run and this
	// process's CPU during it (set by Run at its end).
	view      *ServerView
	clientCPU float64

	// peakSockets and kibPerSocket: the client's memory at its most sockets
	// (under memMu).
	memMu        sync.Mutex
	peakSockets  int64
	kibPerSocket float64

	// lastWaitCheck and lastWaiting: the queue's waiting count, as the
	// drain last read it (draining's own).
	lastWaitCheck time.Time
	lastWaiting   int

	mu       sync.Mutex
	errors   map[string]int64
	timeline []Point
	proc     *procSampler
}

func (r *runner) fail(kind string) {
	r.mu.Lock()
	r.errors[kind]++
	r.mu.Unlock()
}

// Snapshot is the progress of a run, every second.
type Snapshot struct {
	Elapsed   time.Duration
	Sockets   int64
	Arrivals  int64
	Chats     int64
	Active    int64
	Messages  int64
	FramesIn  int64
	FramesOut int64
	Errors    int64
	RelayP50  float64
	OfferP50  float64
	// Calls posted, held by this process's agents, and their offers'
	// median (ms).
	Calls, CallsActive int64
	CallOfferP50       float64
	// Emails posted, held by this process's agents, and their
	// assignments' median (ms).
	Emails, EmailsActive int64
	EmailAssignP50       float64
}

// Run sets up a workspace (unless cfg.Setup is given), connects the agents,
// runs arrivals for cfg.Duration, lets chats drain, and returns what it
// measured. It fails only when the setup fails or no agent comes online;
// socket failures are counted in the result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, dialer: newDialer(cfg.Addr), errors: map[string]int64{},
		connect: NewHist(), offer: NewHist(), accept: NewHist(), answer: NewHist(), relay: NewHist(), deliver: NewHist(),
		callPost: NewHist(), callOffer: NewHist(), callEvent: NewHist(), emailPost: NewHist(), emailAssign: NewHist(), expertiseAnswer: NewHist()}
	hc := &http.Client{Timeout: 30 * time.Second}
	r.setup = cfg.Setup
	if r.setup == nil {
		if r.setup, err = prepare(ctx, cfg, hc); err != nil {
			return nil, err
		}
	}
	r.api = &api{base: "http://" + cfg.Addr, key: r.setup.APIKey, http: hc}
	if r.setup.APIKey == cfg.AdminKey {
		r.api.workspace = r.setup.Workspace
	}
	// Each call makes three API calls: its POST and two events; an email
	// one.
	r.apiClients = newCallClients(cfg.Addr, 3*cfg.Calls+cfg.Emails)
	defer r.apiClients.close()
	if cfg.Worker == 0 {
		r.proc = newProcSampler(cfg.ServerPID, cfg.Addr)
	}
	if cfg.Hold > 0 {
		return r.hold(ctx)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	started := time.Now()
	if err := r.connectAgents(runCtx, &wg); err != nil {
		stop()
		wg.Wait()
		return nil, err
	}
	connectTime := time.Since(started)
	var before *metricsSnap
	if cfg.Worker <= 1 { // one process reads the server's view for the run
		before, _ = readMetrics(ctx, cfg.Addr)
	}
	cpu0 := processCPU()
	start := time.Now()
	sampDone := make(chan struct{})
	go r.sample(runCtx, start, sampDone)
	var connectors sync.WaitGroup // the PBX's and the mail poller's
	if cfg.Calls > 0 {
		connectors.Go(func() { r.ring(runCtx, start) })
	}
	if cfg.Emails > 0 {
		connectors.Go(func() { r.mail(runCtx, start) })
	}
	if cfg.Rate > 0 {
		r.arrive(runCtx, &wg, start)
	}
	connectors.Wait()
	// Drain: wait for visitors and this process's calls and emails to
	// finish, at most cfg.Drain.
	deadline := time.Now().Add(cfg.Drain)
	for r.draining(runCtx) && time.Now().Before(deadline) && runCtx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	var view *ServerView
	if before != nil {
		if after, err := readMetrics(ctx, cfg.Addr); err == nil {
			view = serverView(before, after, r.setup.Workspace)
		}
	}
	stop()
	wg.Wait()
	r.bg.Wait()
	<-sampDone
	r.view, r.clientCPU = view, cpu
	return r.result(elapsed, connectTime), nil
}

// connectAgents opens every agent socket, a few hundred at a time, and
// waits until they are online.
func (r *runner) connectAgents(ctx context.Context, wg *sync.WaitGroup) error {
	var online atomic.Int64
	sem := make(chan struct{}, 200)
	var ready sync.WaitGroup
	for i, cred := range r.setup.Agents {
		sem <- struct{}{}
		ready.Add(1)
		wg.Add(1)
		a := &agent{r: r, n: i, cred: cred}
		go func() {
			defer wg.Done()
			a.run(ctx, func(ok bool) {
				if ok {
					online.Add(1)
				}
				<-sem
				ready.Done()
			})
		}()
	}
	ready.Wait()
	if online.Load() == 0 && len(r.setup.Agents) > 0 {
		r.mu.Lock()
		defer r.mu.Unlock()
		return fmt.Errorf("bench: no agent came online (errors %v)", r.errors)
	}
	return nil
}

// arrive opens visitors as a Poisson process until cfg.Duration has
// passed: the worker's chats (chatsOf), each at its time.
func (r *runner) arrive(ctx context.Context, wg *sync.WaitGroup, start time.Time) {
	cfg := r.cfg
	for c := range chatsOf(cfg) {
		if !sleepUntil(ctx, start.Add(c.at)) {
			return
		}
		r.arrivals.Add(1)
		if r.visitorsNow.Load() >= int64(cfg.VisitorsMax) {
			r.dropped.Add(1)
			continue
		}
		v := &visitor{r: r, n: c.n, chat: c.chat, patience: c.patience, lang: c.lang, queue: queueOf(cfg, chatKind, c.n),
			gaps: rand.New(rand.NewPCG(cfg.Seed, uint64(c.n)<<8|uint64(cfg.Worker)))}
		r.countQueue(presence.Chat, v.queue)
		r.visitorsNow.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.visitorsNow.Add(-1)
			v.run(ctx)
		}()
	}
}

// draining reports whether the run still has work in flight in this
// process: visitors, calls and emails being posted, calls and emails its
// agents hold, and, when calls or emails come in, those still waiting in
// the queue (read from the API every half second), which an agent of some
// process will take.
func (r *runner) draining(ctx context.Context) bool {
	if r.visitorsNow.Load() > 0 || r.posting.Load() > 0 || r.activeCalls.Load() > 0 || r.activeEmails.Load() > 0 {
		return true
	}
	if r.cfg.Calls == 0 && r.cfg.Emails == 0 {
		return false
	}
	if time.Since(r.lastWaitCheck) < 500*time.Millisecond {
		return r.lastWaiting != 0
	}
	r.lastWaitCheck, r.lastWaiting = time.Now(), r.waiting(ctx)
	return r.lastWaiting != 0
}

// Point is one second of the timeline.
type Point struct {
	T         float64 `json:"t"`
	Waiting   int     `json:"waiting"` // -1 when the API did not answer
	Busy      int64   `json:"agents_busy"`
	Active    int64   `json:"chats_active"`
	Calls     int64   `json:"calls_active,omitempty"`
	Emails    int64   `json:"emails_active,omitempty"`
	Sockets   int64   `json:"sockets"`
	FramesIn  int64   `json:"frames_in"`
	FramesOut int64   `json:"frames_out"`
	ServerRSS float64 `json:"server_rss_mb,omitempty"`
}

// sample records a Point and reports progress every second until ctx ends.
func (r *runner) sample(ctx context.Context, start time.Time, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		p := Point{T: time.Since(start).Seconds(), Waiting: r.waiting(ctx), Busy: r.busyAgents(),
			Active: r.activeChats.Load(), Calls: r.activeCalls.Load(), Emails: r.activeEmails.Load(), Sockets: r.sockets.Load(), FramesIn: r.framesIn.Load(), FramesOut: r.framesOut.Load()}
		if r.proc != nil {
			p.ServerRSS = r.proc.sample()
		}
		r.measureMemory(p.Sockets)
		r.mu.Lock()
		r.timeline = append(r.timeline, p)
		var errs int64
		for _, n := range r.errors {
			errs += n
		}
		r.mu.Unlock()
		if r.cfg.Progress != nil {
			r.cfg.Progress(Snapshot{Elapsed: time.Since(start), Sockets: p.Sockets, Arrivals: r.arrivals.Load(),
				Chats: r.chats.Load(), Active: p.Active, Messages: r.messages.Load(), FramesIn: p.FramesIn,
				FramesOut: p.FramesOut, Errors: errs, RelayP50: r.relay.Quantile(0.5), OfferP50: r.offer.Quantile(0.5),
				Calls: r.callsPosted.Load(), CallsActive: p.Calls, CallOfferP50: r.callOffer.Quantile(0.5),
				Emails: r.emailsPosted.Load(), EmailsActive: p.Emails, EmailAssignP50: r.emailAssign.Quantile(0.5)})
		}
	}
}

// countQueue counts a contact of media that arrived in queue.
func (r *runner) countQueue(media presence.Media, queue string) {
	if queue == ExpertiseQueueID {
		r.expertise[media].Add(1)
	}
}

// waiting reads how many contacts wait in the bench's queues from the
// API: the bench queue's, and the expertise queue's in a run with one.
func (r *runner) waiting(ctx context.Context) int {
	var list struct {
		Queues []struct {
			Stats struct {
				Waiting int `json:"waiting"`
			} `json:"stats"`
		} `json:"queues"`
	}
	cctx, cancel := context.WithTimeout(ctx, 900*time.Millisecond)
	defer cancel()
	if err := r.api.call(cctx, http.MethodGet, "/v1/queues", nil, &list); err != nil {
		return -1
	}
	n := 0
	for _, q := range list.Queues {
		n += q.Stats.Waiting
	}
	return n
}

// busyAgents is how many agents hold at least one chat.
func (r *runner) busyAgents() int64 { return r.agentsBusy.Load() }

func sortedKeys(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// measureMemory records the client's memory per socket when sockets
// reach a new peak: heap and stacks in use right after a collection, so
// that garbage does not count.
func (r *runner) measureMemory(sockets int64) {
	r.memMu.Lock()
	defer r.memMu.Unlock()
	if sockets <= r.peakSockets || sockets < 50 {
		return
	}
	r.peakSockets = sockets
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.kibPerSocket = float64(ms.HeapInuse+ms.StackInuse) / 1024 / float64(sockets)
	writeHeapProfile(processName(r.cfg.Worker))
}
