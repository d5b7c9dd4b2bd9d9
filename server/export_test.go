package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/poll"

	"github.com/switchboardhq/switchboard/export"
	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/session"
	"go.uber.org/zap/zaptest"
)

// newEnvWith is newEnv on cfg (AdminKey, Clock and timeouts are filled in
// when zero).
func newEnvWith(t *testing.T, cfg Config) *env {
	t.Helper()
	if cfg.AdminKey == "" {
		cfg.AdminKey = testAdmin
	}
	if cfg.Clock == nil {
		cfg.Clock = hub.NewManualClock(t0)
	}
	cfg.HelloTimeout, cfg.WriteTimeout = 2*time.Second, time.Second
	if os.Getenv("SWITCHBOARD_TEST_LOG") != "" {
		cfg.Logger = zaptest.NewLogger(t)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	clock, _ := cfg.Clock.(*hub.ManualClock)
	e := &env{t: t, srv: srv, http: hs, clock: clock}
	t.Cleanup(func() { e.close() })
	return e
}

// close stops the server (it may be called again).
func (e *env) close() {
	e.http.CloseClientConnections()
	if err := e.srv.Close(); err != nil {
		e.t.Error(err)
	}
	e.http.Close()
}

// webhook is a test receiver of metadata documents.
type webhook struct {
	*httptest.Server
	mu   sync.Mutex
	docs []session.Metadata
}

func newWebhook(t *testing.T, handle func(w http.ResponseWriter, r *http.Request) bool) *webhook {
	wh := &webhook{}
	wh.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if handle != nil && !handle(w, r) {
			return
		}
		var md session.Metadata
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &md); err != nil || md.ID != r.Header.Get(export.HeaderSession) {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		wh.mu.Lock()
		wh.docs = append(wh.docs, md)
		wh.mu.Unlock()
	}))
	t.Cleanup(wh.Close)
	return wh
}

func (wh *webhook) got() []session.Metadata {
	wh.mu.Lock()
	defer wh.mu.Unlock()
	return append([]session.Metadata(nil), wh.docs...)
}

// readDoc reads the exported file of session id, nil if there is none.
func readDoc(t *testing.T, dir, id string) *session.Metadata {
	b, err := os.ReadFile(filepath.Join(dir, "default", id+".json"))
	if err != nil {
		return nil
	}
	var md session.Metadata
	if err := json.Unmarshal(b, &md); err != nil {
		t.Fatalf("exported file of %s: %v", id, err)
	}
	return &md
}

// waitDoc polls the exported file of id until ok accepts it.
func waitDoc(t *testing.T, dir, id string, ok func(*session.Metadata) bool) *session.Metadata {
	t.Helper()
	var md *session.Metadata
	poll.Until(t, 5*time.Second, func() error {
		if md = readDoc(t, dir, id); md == nil || !ok(md) {
			return fmt.Errorf("exported file of %s: %+v", id, md)
		}
		return nil
	})
	return md
}

// pendingExports counts the pending exports of the default workspace.
func (e *env) pendingExports() int {
	n := 0
	if err := e.srv.store.ScanExports("default", func(time.Time, string, []byte) error { n++; return nil }); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// abandonVoice creates a voice session nobody takes and ends it.
func (e *env) abandonVoice() string {
	e.t.Helper()
	code, card := e.api("POST", "/v1/sessions", `{"channel":"voice_inbound","queue":"support","contact":{"phone":"+34600000000"}}`)
	if code != 201 {
		e.t.Fatalf("POST voice %d %v", code, card)
	}
	sid := str(card, "session")
	if code, r := e.api("POST", "/v1/sessions/"+sid+"/events", `{"event":"ended","by":"customer"}`); code != 200 {
		e.t.Fatalf("ended: %d %v", code, r)
	}
	return sid
}

// A finished chat is exported to <data>/exports at once (delay -1), and the
// file is replaced after the wrap-up and again after the CSAT.
func TestExportFileFollowsWrapupAndCSAT(t *testing.T) {
	data := t.TempDir()
	e := newEnvWith(t, Config{DataDir: data, ExportDelay: -1})
	dir := filepath.Join(data, "exports")
	ben := e.available("ben")
	v, _ := e.visitor(map[string]any{"name": "Lucía", "language": "es"})
	sid := str(v.ok(map[string]any{"type": "send", "text": "hola"}), "session")
	ben.ok(map[string]any{"type": "accept", "offer": offerID(ben.wait("offer", nil))})
	if md := readDoc(t, dir, sid); md != nil {
		t.Fatalf("exported before the end: %+v", md)
	}
	v.ok(map[string]any{"type": "leave"})
	md := waitDoc(t, dir, sid, func(md *session.Metadata) bool { return md.Status == session.StateFinished })
	if md.Disposition != nil || md.CSAT != nil || md.EndedBy != session.PartyCustomer || md.Workspace != "default" {
		t.Errorf("document at the end %+v", md)
	}
	ben.ok(map[string]any{"type": "wrapup", "session": sid, "code": "solved", "notes": "ok"})
	waitDoc(t, dir, sid, func(md *session.Metadata) bool { return md.Disposition != nil && md.Disposition.Code == "solved" })
	v.ok(map[string]any{"type": "csat", "rating": 4, "comment": "rápido"})
	md = waitDoc(t, dir, sid, func(md *session.Metadata) bool { return md.CSAT != nil })
	if md.CSAT.Rating != 4 || md.CSAT.Comment != "rápido" || md.Disposition == nil {
		t.Errorf("document after CSAT %+v", md)
	}
	poll.Until(t, 5*time.Second, func() error {
		if n := e.pendingExports(); n != 0 {
			return fmt.Errorf("%d exports pending", n)
		}
		return nil
	})
	if s := e.srv.Exporter().Stats(); s.Failed != 0 || s.Held != 0 {
		t.Errorf("exporter stats %+v", s)
	}
}

// A webhook that hangs never slows the hub: commands are acknowledged at
// once, and every export stays pending.
func TestExportWebhookDownNeverBlocksTheHub(t *testing.T) {
	release := make(chan struct{})
	wh := newWebhook(t, func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-r.Context().Done():
		case <-release:
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		return false
	})
	defer close(release)
	e := newEnvWith(t, Config{ExportDir: NoExportDir, ExportWebhook: wh.URL, ExportDelay: -1,
		Export: export.Config{Workers: 2, QueueSize: 2, Attempts: 1}})
	const n = 40
	var slowest time.Duration
	for range n {
		start := time.Now()
		e.abandonVoice()
		slowest = max(slowest, time.Since(start))
	}
	if slowest > 500*time.Millisecond {
		t.Errorf("slowest create+end took %v", slowest)
	}
	if got := e.pendingExports(); got != n {
		t.Fatalf("%d exports pending, want %d", got, n)
	}
	if s := e.srv.Exporter().Stats(); s.Delivered != 0 {
		t.Errorf("exporter stats %+v", s)
	}
	if len(wh.got()) != 0 {
		t.Errorf("delivered %d", len(wh.got()))
	}
}

// The export is due ExportDelay after the end (15 minutes by default); an
// export still pending at shutdown is delivered after the restart.
func TestExportDelayAndRestart(t *testing.T) {
	data := t.TempDir()
	wh := newWebhook(t, nil)
	clock := hub.NewManualClock(t0)
	e := newEnvWith(t, Config{DataDir: data, ExportWebhook: wh.URL, Clock: clock})
	sid := e.abandonVoice()
	if n := e.pendingExports(); n != 1 {
		t.Fatalf("%d exports pending", n)
	}
	sweeps := e.srv.Exporter().Stats().Sweeps
	clock.Advance(14 * time.Minute)
	poll.Until(t, 5*time.Second, func() error { // a periodic sweep ran, with nothing due
		if s := e.srv.Exporter().Stats(); s.Sweeps <= sweeps {
			return fmt.Errorf("stats %+v", s)
		}
		return nil
	})
	if len(wh.got()) != 0 || readDoc(t, filepath.Join(data, "exports"), sid) != nil {
		t.Fatal("exported before the delay")
	}
	e.close()

	clock.Advance(2 * time.Minute)
	e = newEnvWith(t, Config{DataDir: data, ExportWebhook: wh.URL, Clock: clock})
	poll.Until(t, 5*time.Second, func() error {
		if n := e.pendingExports(); n != 0 || len(wh.got()) != 1 {
			return fmt.Errorf("%d pending, %d delivered", n, len(wh.got()))
		}
		return nil
	})
	if md := wh.got()[0]; md.ID != sid || md.EndedBy != session.PartyCustomer || md.Status != session.StateFinished {
		t.Errorf("delivered %+v", md)
	}
	if md := readDoc(t, filepath.Join(data, "exports"), sid); md == nil || md.ID != sid {
		t.Errorf("exported file %+v", md)
	}
}

func TestExportConfig(t *testing.T) {
	if d := exportDelay(0); d != DefaultExportDelay {
		t.Errorf("default delay %v", d)
	}
	if d := exportDelay(-1); d != 0 {
		t.Errorf("negative delay %v", d)
	}
	// No sink: no exporter, and the hubs store no exports.
	e := newEnvWith(t, Config{})
	if e.srv.Exporter() != nil {
		t.Error("an exporter without a sink")
	}
	e.abandonVoice()
	if n := e.pendingExports(); n != 0 {
		t.Errorf("%d exports pending without an exporter", n)
	}
	if _, err := New(Config{ExportWebhook: "ftp://nope"}); err == nil {
		t.Error("a bad webhook URL accepted")
	}
}

// A session posted with expertise it requires exports it in its document,
// for a replay to route it as the day did (simulate --queue-settings); one
// without has none.
func TestExportKeepsTheSessionsExpertise(t *testing.T) {
	data := t.TempDir()
	e := newEnvWith(t, Config{DataDir: data, ExportDelay: -1})
	dir := filepath.Join(data, "exports")
	code, card := e.api("POST", "/v1/sessions", `{"channel":"voice_inbound","queue":"support","contact":{"phone":"+34600000000"},"expertise":["vip","billing"]}`)
	if code != 201 {
		t.Fatalf("POST voice %d %v", code, card)
	}
	sid := str(card, "session")
	if code, r := e.api("POST", "/v1/sessions/"+sid+"/events", `{"event":"ended","by":"customer"}`); code != 200 {
		t.Fatalf("ended: %d %v", code, r)
	}
	md := waitDoc(t, dir, sid, func(md *session.Metadata) bool { return md.Status == session.StateFinished })
	if !slices.Equal(md.Expertise, []string{"vip", "billing"}) { // as given
		t.Errorf("exported expertise %v", md.Expertise)
	}
	if other := waitDoc(t, dir, e.abandonVoice(), func(md *session.Metadata) bool { return md.Status == session.StateFinished }); other.Expertise != nil {
		t.Errorf("a session without expertise exported %v", other.Expertise)
	}
}
