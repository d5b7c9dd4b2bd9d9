package hub

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/switchboardhq/switchboard/internal/minheap"

	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
	"go.uber.org/zap"
)

// Command is something the hub can do: the types of commands_*.go. Commands
// are applied by the loop in the order they arrive.
type Command interface {
	// apply runs the command on the hub's state at now. It either changes
	// nothing and returns an error, or makes its change and returns nil.
	apply(h *Hub, now time.Time) (Reply, error)
}

// Reply is the result of a command. Fields a command does not set are zero.
type Reply struct {
	// Session is the session the command created or acted on.
	Session string
	// Message is the id of the message a Send appended (or had appended
	// before, for a repeated client id).
	Message string
	// Duplicate is set when a Send repeated a client id already seen: nothing
	// was appended.
	Duplicate bool
	// Card is the session's card, for commands that answer with one.
	Card *session.Card
	// State is the state name of the visitor's open session ("none").
	State string
	// Welcome is the snapshot an agent socket starts with (AgentWelcome).
	Welcome *Welcome
	// Frames are encoded frames (without seq) a query answers with:
	// Snapshot, MessagesAfter.
	Frames [][]byte
	// Data is the result of an HTTP query command.
	Data any
}

// Hub is the event loop of one workspace. Create it with New and run it
// with Run; Do and Subscribe may be called from any goroutine.
type Hub struct {
	cfg     Config
	scratch []byte // the loop's encoding buffer (frames_append.go)
	inbox   chan *request
	stopped chan struct{}
	running atomic.Bool
	failed  atomic.Bool
	// commitSince is when the commit under way started (Unix ns), 0 when
	// none is: a commit that has not returned after StallTimeout makes the
	// hub refuse commands at once (see stalled).
	commitSince atomic.Int64
	stallLogged atomic.Bool
	// inline runs one caller's cycle at a time on an inline hub.
	inline sync.Mutex

	// Owned by the loop.
	r             *router.Router
	queues        map[string]*queueInfo
	agents        map[string]*agentInfo
	sessions      map[string]*sessState
	visitors      map[string]*visitorInfo
	timers        minheap.Heap[timer]
	lastID        uint64
	subsByAgent   map[string][]*Subscription
	subsByVisitor map[string][]*Subscription
	supervisors   []*Subscription
	deadSubs      []*Subscription // ended, still in the indexes until sweepSubs
	mark          uint64
	cyc           cycle
	// cause is the stamp of the command being applied (0 between
	// commands): the cause of the frames it emits (Frame.Age).
	cause         int64
	batch         Batch
	recovered     Recovery // what New rebuilt from the store
	lastExportDue time.Time
	sticky        *lru.Cache[string, string] // contact key → last agent
	waits         map[string]*waitInfo       // per queue, for expected waits
	// goneLogged is the last logged status time of agents deleted while
	// the clock had not passed it: an agent created again under the id
	// logs after it (logStatus). An entry goes when its id is created
	// again, or at a later deletion once the clock is past it; it is
	// kept off the loop's cycle.
	goneLogged map[string]time.Time
}

// request is a command on its way through the inbox. done is nil for
// commands nobody waits for.
type request struct {
	cmd   Command
	at    int64 // stamp() when enqueued: the cause of the frames it emits
	reply Reply
	err   error
	done  chan struct{}
	// fn, when set, is called with the answer instead of signalling done
	// (Submit).
	fn func(Reply, error)
}

var requestPool = sync.Pool{New: func() any { return &request{done: make(chan struct{}, 1)} }}

// New returns a hub for cfg, not yet running. When cfg.Store is
// Recoverable (a PebbleStore), New first rebuilds the hub from it: see
// Recovery.
func New(cfg Config) (*Hub, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	h := &Hub{
		cfg:           cfg,
		inbox:         make(chan *request, cfg.InboxSize),
		stopped:       make(chan struct{}),
		r:             router.New(cfg.Router),
		queues:        map[string]*queueInfo{},
		agents:        map[string]*agentInfo{},
		sessions:      map[string]*sessState{},
		timers:        minheap.New(lessTimer),
		visitors:      map[string]*visitorInfo{},
		subsByAgent:   map[string][]*Subscription{},
		subsByVisitor: map[string][]*Subscription{},
	}
	if err := h.recoverState(); err != nil {
		return nil, err
	}
	return h, nil
}

// Workspace returns the workspace the hub serves.
func (h *Hub) Workspace() string { return h.cfg.Workspace }

// Do sends cmd to the loop and waits for its reply, which comes once the
// command's changes are durable. It fails at once with rate_limited when the
// inbox is full, with unavailable when the hub has failed or stopped, and
// with unavailable when ctx ends first (the command may still be applied).
// A refused command returns an *Error with its code.
func (h *Hub) Do(ctx context.Context, cmd Command) (Reply, error) {
	req, err := h.enqueue(cmd, nil)
	if err != nil {
		return Reply{}, err
	}
	select {
	case <-req.done:
	case <-ctx.Done():
		return Reply{}, &Error{Code: CodeUnavailable, Message: "no reply in time", Err: ctx.Err()}
	case <-h.stopped:
		select {
		case <-req.done:
		default:
			return Reply{}, h.refusal()
		}
	}
	rep, err := req.reply, req.err
	*req = request{done: req.done}
	requestPool.Put(req)
	return rep, err
}

// Submit queues cmd like Do but does not wait for it: fn is called once with
// the reply or refusal, from the hub's loop (so it must return quickly and
// never block, nor call the hub). Commands submitted by one goroutine are
// applied, and fn called, in the order they were submitted. When Submit
// returns an error (the hub refuses at once: inbox full, failed, stopped),
// fn is never called. A command still waiting when the hub stops is
// answered with unavailable; one submitted after the hub stopped may not
// be answered at all, so callers also watch Stopped.
func (h *Hub) Submit(cmd Command, fn func(Reply, error)) error {
	_, err := h.enqueue(cmd, fn)
	return err
}

// enqueue puts cmd (answered through fn, when set) in the inbox without
// waiting, or refuses it: the hub cannot serve, or the inbox is full.
func (h *Hub) enqueue(cmd Command, fn func(Reply, error)) (*request, error) {
	if err := h.refusal(); err != nil {
		return nil, err
	}
	req := requestPool.Get().(*request)
	req.cmd, req.fn, req.at = cmd, fn, stamp()
	if h.cfg.Inline {
		h.runInline(req)
		return req, nil
	}
	select {
	case h.inbox <- req:
		return req, nil
	default:
		*req = request{done: req.done}
		requestPool.Put(req)
		return nil, &Error{Code: CodeRateLimited, Message: "the hub is busy, retry later", Err: ErrInboxFull}
	}
}

// stalled reports whether the commit under way has run past StallTimeout
// (a stuck disk): commands are then refused with unavailable rather than
// queued behind it. Nothing is lost: the commit's own commands are answered
// when it returns, and service resumes then.
func (h *Hub) stalled() bool {
	since := h.commitSince.Load()
	if since == 0 || h.cfg.StallTimeout < 0 || time.Since(time.Unix(0, since)) < h.cfg.StallTimeout {
		return false
	}
	if !h.stallLogged.Swap(true) {
		h.cfg.Logger.Error("the store has not answered a commit in time: refusing commands",
			zap.Duration("stall_timeout", h.cfg.StallTimeout))
	}
	return true
}

// Stopped is closed when the hub's loop has ended.
func (h *Hub) Stopped() <-chan struct{} { return h.stopped }

// refusal returns the error Do answers while the hub cannot serve, or nil.
func (h *Hub) refusal() error {
	if h.failed.Load() {
		return &Error{Code: CodeUnavailable, Message: "the workspace is unavailable", Err: ErrFailed}
	}
	if h.stalled() {
		return &Error{Code: CodeUnavailable, Message: "the store is not answering, retry later", Err: ErrStalled}
	}
	select {
	case <-h.stopped:
		return &Error{Code: CodeUnavailable, Message: "the workspace is shutting down", Err: ErrStopped}
	default:
		return nil
	}
}

// Run runs the loop until ctx ends (it then returns nil) or a commit fails
// (it returns an error wrapping ErrFailed). On the way out it answers every
// waiting command with unavailable and closes every subscription. Run may be
// called once.
func (h *Hub) Run(ctx context.Context) error {
	if h.cfg.Inline {
		return errors.New("hub: Run on an inline hub")
	}
	if !h.running.CompareAndSwap(false, true) {
		return errors.New("hub: Run called twice")
	}
	err := h.loop(ctx)
	h.stop(err)
	return err
}

// stop ends the hub once its cycles are over, err the failure that ended
// them (nil when the loop was stopped): every subscription ends, and every
// command still in the inbox is refused.
func (h *Hub) stop(err error) {
	reason := ReasonShutdown
	if err != nil {
		reason = ReasonUnavailable
	}
	h.endAllSubs(reason)
	close(h.stopped)
	h.drainInbox(h.refusalErr(err))
}

// runInline runs req's cycle on the caller's goroutine (Config.Inline),
// after any other caller's. Nothing goes through the inbox of an inline
// hub: req is the cycle's one command. A cycle that fails stops the hub,
// as the loop's failure stops Run.
func (h *Hub) runInline(req *request) {
	h.inline.Lock()
	defer h.inline.Unlock()
	if err := h.refusal(); err != nil { // failed while this caller waited
		h.answer(req, Reply{}, err)
		return
	}
	h.cyc.reqs = append(h.cyc.reqs, req)
	if err := h.runCycle(); err != nil {
		h.stop(err)
	}
}

func (h *Hub) refusalErr(err error) error {
	if err != nil {
		return &Error{Code: CodeUnavailable, Message: "the workspace is unavailable", Err: ErrFailed}
	}
	return &Error{Code: CodeUnavailable, Message: "the workspace is shutting down", Err: ErrStopped}
}

// drainInbox answers every command still in the inbox with err.
func (h *Hub) drainInbox(err error) {
	for {
		select {
		case req := <-h.inbox:
			if u, ok := req.cmd.(unsubscribe); ok {
				h.endSub(u.s, ReasonClosed)
			}
			h.answer(req, Reply{}, err)
		default:
			return
		}
	}
}

func (h *Hub) answer(req *request, rep Reply, err error) {
	if fn := req.fn; fn != nil {
		*req = request{done: req.done}
		requestPool.Put(req)
		fn(rep, err)
		return
	}
	if req.done == nil {
		return
	}
	req.reply, req.err = rep, err
	req.done <- struct{}{}
}
