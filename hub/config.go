package hub

import (
	"errors"
	"time"

	"github.com/switchboardhq/switchboard/router"
	"go.uber.org/zap"
)

// Defaults of Config fields.
const (
	DefaultInboxSize   = 4096
	DefaultMaxBatch    = 256
	DefaultSubQueue    = 256
	DefaultStall       = 5 * time.Second
	DefaultWorkspace   = "default"
	maxInboxSize       = 1 << 20
	maxMaxBatch        = 1 << 16
	maxSubscriberQueue = 1 << 16
)

// Config configures a Hub. A zero field means the default documented on it.
type Config struct {
	// Workspace is the workspace the hub serves: "" means "default".
	Workspace string
	// Clock gives the time and wakes the loop at deadlines: nil means the
	// real clock.
	Clock Clock
	// Store makes changes durable: nil means a new MemStore.
	Store Store
	// InboxSize is how many commands may wait for the loop: 0 means
	// DefaultInboxSize. Past it Do fails at once with rate_limited.
	InboxSize int
	// MaxBatch is the most commands applied in one cycle (one commit): 0
	// means DefaultMaxBatch.
	MaxBatch int
	// StallTimeout is how long a commit may take before the hub takes the
	// store for stuck and refuses new commands with unavailable until it
	// returns (rather than queueing them in memory): 0 means DefaultStall,
	// negative never.
	StallTimeout time.Duration
	// SubscriberQueue is the default number of frames a subscription may
	// hold before it is cut off as a slow consumer: 0 means DefaultSubQueue.
	SubscriberQueue int
	// VisitorGrace is how long a visitor's chat survives their last socket:
	// 0 means DefaultVisitorGrace.
	VisitorGrace time.Duration
	// Router configures the matching engine (miss limit, disconnect grace).
	Router router.Config
	// Observer receives measurements (commands, cycles, routing decisions):
	// nil means none.
	Observer Observer
	// Logger receives the hub's logs: nil means zap.NewNop().
	Logger *zap.Logger
	// Exporter receives the sessions' metadata documents when they finish,
	// are wrapped up or rated (see Exporter): nil means no export is stored
	// nor made.
	Exporter Exporter
	// ExportDelay is how long after the change an export is due: 0 means
	// at once. (The server's default is 15 minutes, as in the CCAI metadata
	// file.)
	ExportDelay time.Duration
	// Inline makes a hub with no loop goroutine, for a caller that owns
	// its clock: the simulator, which moves a ManualClock and then applies
	// one command at a time, and would otherwise hand every command to the
	// loop's goroutine and back. Each Do, Submit and Subscribe then runs its
	// command's cycle (due timers, the command, the commit, its frames and
	// reply) on the caller's goroutine before it returns, one caller at a
	// time. Nothing happens between commands: a deadline the clock passes
	// fires in the next command's cycle. Run refuses an inline hub.
	Inline bool
}

// withDefaults returns c with every zero field replaced by its default, or an
// error naming the first field out of range.
func (c Config) withDefaults() (Config, error) {
	switch {
	case c.InboxSize < 0 || c.InboxSize > maxInboxSize:
		return c, errors.New("hub: InboxSize out of range")
	case c.MaxBatch < 0 || c.MaxBatch > maxMaxBatch:
		return c, errors.New("hub: MaxBatch out of range")
	case c.SubscriberQueue < 0 || c.SubscriberQueue > maxSubscriberQueue:
		return c, errors.New("hub: SubscriberQueue out of range")
	case c.ExportDelay < 0:
		return c, errors.New("hub: ExportDelay is negative")
	case c.Router.MissLimit != 0 && !router.ValidMissLimit(c.Router.MissLimit):
		return c, errors.New("hub: Router.MissLimit out of range")
	}
	if c.Workspace == "" {
		c.Workspace = DefaultWorkspace
	}
	if c.Clock == nil {
		c.Clock = RealClock()
	}
	if c.Store == nil {
		c.Store = NewMemStore()
	}
	if c.InboxSize == 0 {
		c.InboxSize = DefaultInboxSize
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.StallTimeout == 0 {
		c.StallTimeout = DefaultStall
	}
	if c.SubscriberQueue == 0 {
		c.SubscriberQueue = DefaultSubQueue
	}
	if c.VisitorGrace <= 0 {
		c.VisitorGrace = DefaultVisitorGrace
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	c.Logger = c.Logger.Named("hub").With(zap.String("workspace", c.Workspace))
	return c, nil
}
