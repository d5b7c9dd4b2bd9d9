package export_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/leakcheck"

	"github.com/switchboardhq/switchboard/export"
	"github.com/switchboardhq/switchboard/persist"
	"go.uber.org/zap/zaptest"
)

// TestMain fails the run when goroutines outlive the tests.
func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m, leakcheck.Config{})) }

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// openStore opens a real Pebble store in dir (a new temp dir when "").
func openStore(t testing.TB, dir string) *persist.Store {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	st, err := persist.Open(dir, persist.Options{CacheSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// pending is a pending export as the store lists it.
type pending struct {
	ws, session string
	due         time.Time
	doc         string
}

// put stores pending exports as a hub's commit would.
func put(t testing.TB, st *persist.Store, ps ...pending) {
	t.Helper()
	b := st.NewBatch()
	defer b.Close()
	for _, p := range ps {
		b.PutExport(p.ws, p.due, p.session, []byte(p.doc))
	}
	if err := st.Commit(b); err != nil {
		t.Fatal(err)
	}
}

// putAndAnnounce stores exports then hands them to ex, as the hub does.
func putAndAnnounce(t testing.TB, st *persist.Store, ex *export.Exporter, ps ...pending) {
	t.Helper()
	put(t, st, ps...)
	for _, p := range ps {
		ex.Export(p.ws, p.session, []byte(p.doc), p.due)
	}
}

// listPending returns every pending export of st.
func listPending(t testing.TB, st *persist.Store) []pending {
	t.Helper()
	var out []pending
	err := st.ScanAllExports(func(ws string, due time.Time, id string, val []byte) error {
		out = append(out, pending{ws, id, due, string(val)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// newExporter starts an exporter on cfg with a test logger; it is closed at
// cleanup, before the store.
func newExporter(t testing.TB, cfg export.Config) *export.Exporter {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = zaptest.NewLogger(t)
	}
	ex, err := export.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ex.Close() })
	return ex
}

// receipt is one request a test webhook took.
type receipt struct {
	ws, session, contentType, body string
	status                         int
}

// hook is a test webhook: answer decides each status in turn.
type hook struct {
	*httptest.Server
	mu       sync.Mutex
	receipts []receipt
	answer   func(n int, r *http.Request) int // n counts requests from 1
}

func newHook(t testing.TB, answer func(n int, r *http.Request) int) *hook {
	h := &hook{answer: answer}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		n := len(h.receipts) + 1
		h.receipts = append(h.receipts, receipt{ws: r.Header.Get(export.HeaderWorkspace),
			session: r.Header.Get(export.HeaderSession), contentType: r.Header.Get("Content-Type"), body: string(body)})
		h.mu.Unlock()
		status := h.answer(n, r)
		h.mu.Lock()
		h.receipts[n-1].status = status
		h.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hook) got() []receipt {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.receipts)
}

// delivered returns the receipts answered 2xx.
func (h *hook) delivered() []receipt {
	var out []receipt
	for _, r := range h.got() {
		if r.status/100 == 2 {
			out = append(out, r)
		}
	}
	return out
}

func (h *hook) sink(t testing.TB) *export.WebhookSink {
	t.Helper()
	s, err := export.NewWebhookSink(export.WebhookConfig{URL: h.URL + "/metadata"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// countSink counts sends per session and fails as fail says.
type countSink struct {
	name string
	mu   sync.Mutex
	n    map[string]int
	docs map[string][]string
	fail func(n int) error
}

func newCountSink(name string, fail func(n int) error) *countSink {
	return &countSink{name: name, n: map[string]int{}, docs: map[string][]string{}, fail: fail}
}

func (c *countSink) Name() string { return c.name }

func (c *countSink) Send(_ context.Context, ws, id string, doc []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[id]++
	if c.fail != nil {
		if err := c.fail(c.n[id]); err != nil {
			return err
		}
	}
	c.docs[id] = append(c.docs[id], string(doc))
	return nil
}

func (c *countSink) sends(id string) (int, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[id], slices.Clone(c.docs[id])
}

func persistOpen(dir string) (*persist.Store, error) {
	return persist.Open(dir, persist.Options{CacheSize: 1 << 20})
}
