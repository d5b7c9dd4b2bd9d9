package server

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/switchboardhq/switchboard/export"
	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/persist"
	"github.com/switchboardhq/switchboard/router"
	"go.uber.org/zap"
)

// Config configures a Server. A zero field means the default documented on it.
type Config struct {
	// DataDir is the store's directory: "" means an in-memory store (tests).
	DataDir string
	// FS, when set, is the filesystem the store lives on, DataDir being a
	// path in it (tests inject disk faults with it).
	FS vfs.FS
	// AdminKey is the server admin key: "" means the stored one, or a new
	// one generated, stored (hashed) and returned once by AdminKey.
	AdminKey string
	// NoDemo starts empty instead of creating the demo workspace on an
	// empty store.
	NoDemo bool
	// Clock drives every hub: nil means the real clock.
	Clock hub.Clock
	// Logger receives logs: nil means zap.NewNop().
	Logger *zap.Logger
	// HelloTimeout is how long a socket may take to say hello: 0 means 10 s.
	HelloTimeout time.Duration
	// WriteTimeout bounds one write to a socket; a client that does not
	// read for that long is dropped: 0 means 10 s.
	WriteTimeout time.Duration
	// FrameAncestors are the sources allowed to frame the bundled pages
	// (CSP frame-ancestors): empty means 'self' only.
	FrameAncestors []string
	// MaxVisitorsPerAddr caps the visitor sockets open at once from one
	// address (past it a new one is refused with 429 rate_limited): 0
	// means DefaultMaxVisitorsPerAddr, negative no cap.
	MaxVisitorsPerAddr int
	// APICallsPerAddr limits the HTTP API calls per second from one
	// address, with bursts of five times as many (past it a call is
	// refused with 429 rate_limited): 0 means DefaultAPICallsPerAddr,
	// negative no limit (for integrations behind one proxy address).
	APICallsPerAddr int
	// SocketQueue is how many frames may wait for a socket's writer before
	// the client is closed with 1013: 0 means 256.
	SocketQueue int
	// Hub is the template for every workspace's hub config (Workspace,
	// Store, Clock, Logger, Exporter and ExportDelay are set by the server).
	Hub hub.Config
	// ExportDir receives the sessions' metadata documents, one JSON file per
	// session under a folder per workspace: "" means <DataDir>/exports, or
	// none with an in-memory store; NoExportDir ("-") means none.
	ExportDir string
	// ExportWebhook receives the metadata documents by POST: "" means none.
	ExportWebhook string
	// ExportDelay is how long after a session finishes, is wrapped up or
	// rated its document is exported: 0 means DefaultExportDelay (15 min),
	// a negative value means at once.
	ExportDelay time.Duration
	// Export tunes the exporter (Store, Sinks, Clock and Logger are set by
	// the server); it runs only when there is a sink.
	Export export.Config
	// StatusRetention is how long the agents' status log is kept: changes
	// older than that are removed at start and then every hour. 0 keeps
	// the log forever.
	StatusRetention time.Duration
}

// Server serves the workspaces of one store. Create it with New, mount
// Handler, and Close it.
type Server struct {
	cfg   Config
	log   *zap.Logger
	store *persist.Store
	// exporter delivers metadata exports; nil when no sink is configured.
	exporter *export.Exporter
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	mu         sync.RWMutex
	workspaces map[string]*workspace
	wsWrites   sync.Mutex // serializes workspace creation and settings changes
	// pruning says the status log's pruner runs (startPruner, under
	// wsWrites); pruneNow has it prune at once.
	pruning    bool
	pruneNow   chan struct{}
	adminHash  string
	newAdmin   string            // the admin key generated at this start, "" otherwise
	demoTokens map[string]string // agent → token, when the demo was created at this start

	// live maps the resume token of each open agent socket to it, so that
	// a reconnect presenting it replaces the stale socket (4409).
	liveMu sync.Mutex
	live   map[string]*agentConn

	// conns counts the sockets whose handlers still run, and wg the hubs'
	// goroutines: Close waits for both. openMu orders every Add to either
	// before Close closes closing (see enter).
	openMu sync.Mutex
	conns  sync.WaitGroup
	// sockets are the sockets not yet closed: Close closes them with 1001.
	sockets socketSet
	limits  limits
	// visitorsOpen counts open visitor sockets per address.
	visitorsOpen *openCount
	metrics      *metrics
	mux          *http.ServeMux
	closing      chan struct{}
}

// workspace is one workspace: its settings and its running hub.
type workspace struct {
	// settings are swapped whole when they change (putWorkspace): read
	// them with rec.
	settings atomic.Pointer[workspaceRecord]
	hub      *hub.Hub
}

// rec returns the workspace's settings, which the caller must not change.
func (w *workspace) rec() *workspaceRecord { return w.settings.Load() }

// workspaceRecord is a workspace's settings as stored.
type workspaceRecord struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	WidgetKeys     []string `json:"widget_keys"`
	AllowedOrigins []string `json:"allowed_origins"`
	APIKeyHashes   []string `json:"api_key_hashes,omitempty"`
	// MissLimit is the workspace's miss_limit; 0 is the hub's default.
	MissLimit int `json:"miss_limit,omitempty"`
	// StatusRetention is the workspace's status_retention, as given
	// (ParseRetention): "" is the server's (Config.StatusRetention).
	StatusRetention string `json:"status_retention,omitempty"`
}

// missLimit is how many offers in a row the workspace's agents may let
// ring out before the hub sets them away.
func (rec workspaceRecord) missLimit() int { return cmp.Or(rec.MissLimit, router.DefaultMissLimit) }

const metaAdminKey = "admin_key_hash"

// New opens the store, starts a hub for every stored workspace, and creates
// the demo workspace on an empty store unless cfg.NoDemo.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.HelloTimeout <= 0 {
		cfg.HelloTimeout = 10 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = hub.RealClock()
	}
	opts := persist.Options{Logger: cfg.Logger.Named("persist"), FS: cfg.FS}
	dir := cfg.DataDir
	if dir == "" {
		dir = "mem"
		if opts.FS == nil {
			opts.FS = vfs.NewMem()
		}
	}
	st, err := persist.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", dir, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{cfg: cfg, log: cfg.Logger, store: st, ctx: ctx, cancel: cancel,
		workspaces: map[string]*workspace{}, closing: make(chan struct{}), pruneNow: make(chan struct{}, 1), live: map[string]*agentConn{}, limits: newLimits(cfg.APICallsPerAddr), metrics: newMetrics(),
		visitorsOpen: newOpenCount(cfg.MaxVisitorsPerAddr)}
	if err := s.startExporter(); err != nil {
		cancel()
		_ = st.Close()
		return nil, err
	}
	if err := s.start(); err != nil {
		cancel()
		s.wg.Wait()
		s.stopExporter()
		_ = st.Close()
		return nil, err
	}
	s.metrics.reg.MustRegister(newQueueCollector(s))
	s.routes()
	s.wsWrites.Lock()
	if cfg.StatusRetention > 0 || slices.ContainsFunc(s.workspaceIDs(), func(id string) bool { return s.workspace(id).rec().StatusRetention != "" }) {
		s.startPruner()
	}
	s.wsWrites.Unlock()
	return s, nil
}

func (s *Server) start() error {
	if err := s.loadAdminKey(); err != nil {
		return err
	}
	err := s.store.ScanWorkspaces(func(id string, val []byte) error {
		var rec workspaceRecord
		if err := json.Unmarshal(val, &rec); err != nil {
			return fmt.Errorf("workspace %q: %w", id, err)
		}
		return s.startWorkspace(rec)
	})
	if err != nil {
		return fmt.Errorf("loading workspaces: %w", err)
	}
	if len(s.workspaces) == 0 && !s.cfg.NoDemo {
		return s.createDemo()
	}
	return nil
}

func (s *Server) loadAdminKey() error {
	if s.cfg.AdminKey != "" {
		s.adminHash = hashSecret(s.cfg.AdminKey)
		return nil
	}
	v, err := s.store.GetMeta(metaAdminKey)
	switch {
	case err == nil:
		s.adminHash = string(v)
		return nil
	case !errors.Is(err, persist.ErrNotFound):
		return err
	}
	s.newAdmin = newSecret()
	s.adminHash = hashSecret(s.newAdmin)
	b := s.store.NewBatch()
	defer b.Close()
	b.PutMeta(metaAdminKey, []byte(s.adminHash))
	return s.store.Commit(b)
}

// errShuttingDown: a hub cannot start once Close began.
var errShuttingDown = errors.New("server: shutting down")

// enter counts one more goroutine in wg (s.conns or s.wg), unless the
// server is closing. The count is taken before Close closes s.closing, or
// not at all, so that Close's Wait never races an Add: without it a socket
// being accepted, or a workspace being created, as the server closes could
// be counted after the Wait returned and run on after Close.
func (s *Server) enter(wg *sync.WaitGroup) bool {
	s.openMu.Lock()
	defer s.openMu.Unlock()
	select {
	case <-s.closing:
		return false
	default:
		wg.Add(1)
		return true
	}
}

// startWorkspace starts rec's hub and registers it; errShuttingDown once
// Close began.
func (s *Server) startWorkspace(rec workspaceRecord) error {
	hc := s.cfg.Hub
	hc.Workspace, hc.Clock = rec.ID, s.cfg.Clock
	hc.Logger = s.log
	hc.Observer = s.metrics.hub.observer(rec.ID)
	hc.Store = hub.NewPebbleStore(s.store, rec.ID)
	if rec.MissLimit != 0 {
		hc.Router.MissLimit = rec.MissLimit
	}
	if !s.enter(&s.wg) { // before New, which reads the store Close closes
		return errShuttingDown
	}
	h, err := hub.New(hc)
	if err != nil {
		s.wg.Done()
		return fmt.Errorf("workspace %q: %w", rec.ID, err)
	}
	go func() {
		defer s.wg.Done()
		if err := h.Run(s.ctx); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Error("hub stopped", zap.String("workspace", rec.ID), zap.Error(err))
		}
	}()
	s.mu.Lock()
	w := &workspace{hub: h}
	w.settings.Store(&rec)
	s.workspaces[rec.ID] = w
	s.mu.Unlock()
	return nil
}

// putWorkspace stores rec (durably) and updates the running copy.
func (s *Server) putWorkspace(rec workspaceRecord) error {
	b := s.store.NewBatch()
	defer b.Close()
	b.PutWorkspace(rec.ID, encode(rec))
	if err := s.store.Commit(b); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if w := s.workspaces[rec.ID]; w != nil {
		w.settings.Store(&rec)
	}
	return nil
}

// workspace returns workspace id, or nil.
func (s *Server) workspace(id string) *workspace {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.workspaces[id]
}

// workspaceIDs returns the ids of all workspaces, sorted.
func (s *Server) workspaceIDs() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := make([]string, 0, len(s.workspaces))
	for id := range s.workspaces {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// AdminKey returns the admin key generated at this start ("" if it was
// given or already stored).
func (s *Server) AdminKey() string { return s.newAdmin }

// DemoTokens returns the demo agents' tokens when the demo workspace was
// created at this start (agent id → token).
func (s *Server) DemoTokens() map[string]string { return s.demoTokens }

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Close stops accepting sockets, closes the open ones (1001 going away),
// stops the hubs after they flushed, and closes the store.
func (s *Server) Close() error {
	s.openMu.Lock()
	select {
	case <-s.closing:
		s.openMu.Unlock()
		return nil
	default:
		close(s.closing)
	}
	s.openMu.Unlock()
	s.sockets.closeAll()
	done := make(chan struct{})
	go func() { s.conns.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.log.Warn("sockets still open at shutdown")
	}
	s.cancel()
	s.wg.Wait()
	s.stopExporter()
	return s.store.Close()
}
