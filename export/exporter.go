package export

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/switchboardhq/switchboard/persist"
	"go.uber.org/zap"
)

// Defaults of Config fields.
const (
	DefaultWorkers    = 4
	DefaultQueueSize  = 256
	DefaultInbox      = 1024
	DefaultAttempts   = 4
	DefaultBackoff    = time.Second
	DefaultMaxBackoff = 30 * time.Second
	DefaultHold       = 30 * time.Second
	DefaultMaxHold    = 30 * time.Minute
	DefaultSweep      = time.Minute
	DefaultSweepGap   = time.Second
)

// Config configures an Exporter. A zero field means the default documented
// on it.
type Config struct {
	// Store holds the pending exports (written by the hubs). Required; it
	// must outlive the Exporter.
	Store *persist.Store
	// Sinks receive every document, in this order. At least one; names must
	// differ.
	Sinks []Sink
	// Clock: nil means the wall clock. Due times, backoff waits and sweeps
	// all follow it.
	Clock Clock
	// Workers is the most deliveries at once: 0 means DefaultWorkers.
	Workers int
	// QueueSize is how many deliveries may wait for a worker: 0 means
	// DefaultQueueSize. Past it, exports stay pending for the next sweep.
	QueueSize int
	// Inbox is how many Export calls may wait for the scheduler: 0 means
	// DefaultInbox. Past it, Export drops the call and a sweep finds the
	// export in the store.
	Inbox int
	// Attempts is how many times one delivery tries a sink: 0 means
	// DefaultAttempts.
	Attempts int
	// Backoff is the wait after a delivery's first failed try, doubled after
	// each further one up to MaxBackoff, with jitter: 0 means DefaultBackoff
	// and DefaultMaxBackoff.
	Backoff, MaxBackoff time.Duration
	// Hold is how long an export whose delivery failed waits before the
	// next delivery, doubled after each further failed delivery up to
	// MaxHold (a permanent failure holds for MaxHold at once): 0 means
	// DefaultHold and DefaultMaxHold.
	Hold, MaxHold time.Duration
	// Sweep is the longest time between two sweeps of the store: 0 means
	// DefaultSweep.
	Sweep time.Duration
	// SweepGap is the shortest time between two sweeps: 0 means
	// DefaultSweepGap.
	SweepGap time.Duration
	// Logger: nil means zap.NewNop().
	Logger *zap.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Store == nil {
		return c, errors.New("export: no store")
	}
	if len(c.Sinks) == 0 {
		return c, errors.New("export: no sinks")
	}
	seen := map[string]bool{}
	for _, s := range c.Sinks {
		if seen[s.Name()] {
			return c, fmt.Errorf("export: two sinks named %q", s.Name())
		}
		seen[s.Name()] = true
	}
	for _, f := range []struct {
		p   *int
		def int
	}{{&c.Workers, DefaultWorkers}, {&c.QueueSize, DefaultQueueSize}, {&c.Inbox, DefaultInbox}, {&c.Attempts, DefaultAttempts}} {
		if *f.p < 0 {
			return c, errors.New("export: negative Workers, QueueSize, Inbox or Attempts")
		}
		if *f.p == 0 {
			*f.p = f.def
		}
	}
	for _, f := range []struct {
		p   *time.Duration
		def time.Duration
	}{{&c.Backoff, DefaultBackoff}, {&c.MaxBackoff, DefaultMaxBackoff}, {&c.Hold, DefaultHold},
		{&c.MaxHold, DefaultMaxHold}, {&c.Sweep, DefaultSweep}, {&c.SweepGap, DefaultSweepGap}} {
		if *f.p < 0 {
			return c, errors.New("export: negative duration in Config")
		}
		if *f.p == 0 {
			*f.p = f.def
		}
	}
	c.MaxBackoff, c.MaxHold = max(c.MaxBackoff, c.Backoff), max(c.MaxHold, c.Hold)
	if c.Clock == nil {
		c.Clock = realClock{}
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	c.Logger = c.Logger.Named("export")
	return c, nil
}

// Exporter delivers pending exports to sinks; see the package doc. It
// implements hub.Exporter.
type Exporter struct {
	cfg     Config
	pool    pond.Pool
	in      chan announce
	done    chan result
	kick    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	stopped chan struct{}
	warn    rateLimit
	stats   counters

	sched scheduler // owned by the run goroutine
}

// announce is an Export call on its way to the scheduler.
type announce struct {
	ws, session string
	doc         []byte
	due         time.Time
}

// New validates cfg and starts the exporter: its first sweep resumes every
// export pending in the store.
func New(cfg Config) (*Exporter, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Exporter{
		cfg:     cfg,
		pool:    pond.NewPool(cfg.Workers, pond.WithQueueSize(cfg.QueueSize), pond.WithNonBlocking(true), pond.WithContext(ctx)),
		in:      make(chan announce, cfg.Inbox),
		done:    make(chan result, cfg.Workers+cfg.QueueSize),
		kick:    make(chan struct{}, 1),
		ctx:     ctx,
		cancel:  cancel,
		stopped: make(chan struct{}),
		sched:   newScheduler(),
	}
	go e.run()
	return e, nil
}

// Export implements hub.Exporter: it tells the scheduler that session's
// document doc is stored as pending, due at due. It never blocks: when the
// scheduler's inbox is full the call is dropped and the next sweep finds the
// export in the store.
func (e *Exporter) Export(workspace, session string, doc []byte, due time.Time) {
	select {
	case e.in <- announce{ws: workspace, session: session, doc: doc, due: due}:
	default:
		e.stats.dropped.Add(1)
		select {
		case e.kick <- struct{}{}:
		default:
		}
	}
}

// Close stops the exporter: deliveries in flight are cancelled and stay
// pending in the store. Close it before the store. Calling it again does
// nothing.
func (e *Exporter) Close() error {
	e.cancel()
	<-e.stopped
	e.pool.StopAndWait()
	return nil
}

// Stats are counters since New.
type Stats struct {
	// Delivered counts exports delivered to every sink and deleted.
	Delivered int64
	// Failed counts deliveries that left their export pending.
	Failed int64
	// Dropped counts Export calls and pool submissions refused because a
	// queue was full (the exports stayed pending for a sweep).
	Dropped int64
	// Sweeps counts scans of the store.
	Sweeps int64
	// Held is how many sessions wait after a failed delivery.
	Held int64
}

type counters struct {
	delivered, failed, dropped, sweeps, held atomic.Int64
}

// Stats returns the exporter's counters.
func (e *Exporter) Stats() Stats {
	return Stats{Delivered: e.stats.delivered.Load(), Failed: e.stats.failed.Load(),
		Dropped: e.stats.dropped.Load(), Sweeps: e.stats.sweeps.Load(), Held: e.stats.held.Load()}
}

// rateLimit lets a warning through at most once per period (wall time).
type rateLimit struct {
	last atomic.Int64
}

const warnEvery = 10 * time.Second

func (r *rateLimit) allow() bool {
	now := time.Now().UnixNano()
	last := r.last.Load()
	return now-last >= int64(warnEvery) && r.last.CompareAndSwap(last, now)
}
