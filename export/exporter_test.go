package export_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/poll"

	"github.com/switchboardhq/switchboard/export"
	"github.com/switchboardhq/switchboard/hub"
)

// fast is the tuning of tests on the real clock: tiny backoffs and sweeps.
func fast(cfg export.Config) export.Config {
	cfg.Backoff, cfg.MaxBackoff = time.Millisecond, 5*time.Millisecond
	cfg.SweepGap = 2 * time.Millisecond
	if cfg.Hold == 0 {
		cfg.Hold, cfg.MaxHold = time.Hour, time.Hour
	}
	return cfg
}

// A webhook that fails three times then succeeds gets the document exactly
// once, by the retries of one delivery; then the export is gone.
func TestWebhookRetriedUntilDeliveredOnce(t *testing.T) {
	st := openStore(t, "")
	h := newHook(t, func(n int, _ *http.Request) int {
		if n <= 3 {
			return []int{503, 500, 429}[n-1]
		}
		return 204
	})
	dir := t.TempDir()
	ds, _ := export.NewDirSink(dir)
	ex := newExporter(t, fast(export.Config{Store: st, Sinks: []export.Sink{ds, h.sink(t)}, Attempts: 5}))
	putAndAnnounce(t, st, ex, pending{"acme", "s1", time.Now(), `{"id":"s1"}`})
	poll.Until(t, 5*time.Second, func() error {
		if s := ex.Stats(); s.Delivered != 1 {
			return fmt.Errorf("stats %+v", s)
		}
		return nil
	})
	if d := h.delivered(); len(d) != 1 || d[0].body != `{"id":"s1"}` || d[0].session != "s1" || d[0].ws != "acme" {
		t.Fatalf("delivered %+v", d)
	}
	if n := len(h.got()); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
	if p := listPending(t, st); len(p) != 0 {
		t.Errorf("still pending: %+v", p)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "acme", "s1.json")); err != nil || string(b) != `{"id":"s1"}` {
		t.Errorf("file %q, %v", b, err)
	}
	if s := ex.Stats(); s.Failed != 0 || s.Held != 0 {
		t.Errorf("stats %+v", s)
	}
}

// A webhook that is down for good: Export never blocks, every export stays
// pending, held after its failed delivery; none is lost.
func TestWebhookDownKeepsExportsPending(t *testing.T) {
	st := openStore(t, "")
	h := newHook(t, func(int, *http.Request) int { return 503 })
	ex := newExporter(t, fast(export.Config{Store: st, Sinks: []export.Sink{h.sink(t)}, Attempts: 2,
		Workers: 2, QueueSize: 4, Inbox: 8}))
	const n = 200
	ps := make([]pending, n)
	for i := range ps {
		ps[i] = pending{"acme", fmt.Sprintf("s%03d", i), time.Now(), `{}`}
	}
	put(t, st, ps...)
	start := time.Now()
	for _, p := range ps {
		ex.Export(p.ws, p.session, []byte(p.doc), p.due)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("%d Export calls took %v", n, d)
	}
	poll.Until(t, 10*time.Second, func() error {
		if s := ex.Stats(); s.Held != n {
			return fmt.Errorf("stats %+v", s)
		}
		return nil
	})
	if p := listPending(t, st); len(p) != n {
		t.Fatalf("%d pending, want %d", len(p), n)
	}
	if s := ex.Stats(); s.Delivered != 0 || s.Failed != n || s.Dropped == 0 {
		t.Errorf("stats %+v (the small queues should have refused some)", s)
	}
	if got := len(h.got()); got != 2*n {
		t.Errorf("%d requests, want %d (2 tries each, then held)", got, 2*n)
	}
}

// A 4xx is permanent: no retry within the delivery, the export is held for
// MaxHold and stays pending.
func TestPermanentFailureHeld(t *testing.T) {
	st := openStore(t, "")
	h := newHook(t, func(int, *http.Request) int { return 400 })
	ex := newExporter(t, fast(export.Config{Store: st, Sinks: []export.Sink{h.sink(t)}, Attempts: 5,
		Hold: time.Millisecond, MaxHold: time.Hour}))
	putAndAnnounce(t, st, ex, pending{"acme", "s1", time.Now(), `{}`})
	poll.Until(t, 5*time.Second, func() error {
		if s := ex.Stats(); s.Held != 1 || s.Failed != 1 {
			return fmt.Errorf("stats %+v", s)
		}
		return nil
	})
	time.Sleep(20 * time.Millisecond) // a Hold of 1 ms would have retried by now
	if n := len(h.got()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if p := listPending(t, st); len(p) != 1 {
		t.Errorf("pending %+v", p)
	}
}

// After a failed delivery the next one skips the sinks that already have
// the document.
func TestRetrySkipsSinksThatHaveIt(t *testing.T) {
	st := openStore(t, "")
	good := newCountSink("good", nil)
	flaky := newCountSink("flaky", func(n int) error {
		if n == 1 {
			return errors.New("flaky: down")
		}
		return nil
	})
	ex := newExporter(t, fast(export.Config{Store: st, Sinks: []export.Sink{good, flaky}, Attempts: 1,
		Hold: time.Millisecond, MaxHold: time.Millisecond}))
	putAndAnnounce(t, st, ex, pending{"acme", "s1", time.Now(), `{"v":1}`})
	poll.Until(t, 5*time.Second, func() error {
		if s := ex.Stats(); s.Delivered != 1 {
			return fmt.Errorf("stats %+v", s)
		}
		return nil
	})
	if n, _ := good.sends("s1"); n != 1 {
		t.Errorf("good sink got %d sends, want 1", n)
	}
	if n, _ := flaky.sends("s1"); n != 2 {
		t.Errorf("flaky sink got %d sends, want 2", n)
	}
	if p := listPending(t, st); len(p) != 0 {
		t.Errorf("pending %+v", p)
	}
}

// Several exports of a session due together: only the newest document is
// sent, and all are deleted.
func TestNewestDocumentWins(t *testing.T) {
	st := openStore(t, "")
	now := time.Now()
	put(t, st,
		pending{"acme", "s1", now.Add(-3 * time.Second), `{"v":1}`},
		pending{"acme", "s1", now.Add(-2 * time.Second), `{"v":2}`},
		pending{"acme", "s2", now.Add(-2 * time.Second), `{"s2":1}`},
		pending{"acme", "s1", now.Add(-1 * time.Second), `{"v":3}`})
	sink := newCountSink("count", nil)
	ex := newExporter(t, fast(export.Config{Store: st, Sinks: []export.Sink{sink}}))
	poll.Until(t, 5*time.Second, func() error {
		if s := ex.Stats(); s.Delivered != 2 {
			return fmt.Errorf("stats %+v", s)
		}
		return nil
	})
	if n, docs := sink.sends("s1"); n != 1 || docs[0] != `{"v":3}` {
		t.Errorf("s1 got %d sends %v, want only the newest", n, docs)
	}
	if p := listPending(t, st); len(p) != 0 {
		t.Errorf("pending %+v", p)
	}
}

// Deliveries of one session never overlap and never go back to an older
// document, however they are announced.
func TestSessionDocumentsNeverGoBack(t *testing.T) {
	st := openStore(t, "")
	h := newHook(t, func(int, *http.Request) int {
		time.Sleep(3 * time.Millisecond)
		return 200
	})
	ex := newExporter(t, fast(export.Config{Store: st, Sinks: []export.Sink{h.sink(t)}, Workers: 8}))
	base := time.Now()
	for v := 1; v <= 20; v++ {
		putAndAnnounce(t, st, ex, pending{"acme", "s1", base.Add(time.Duration(v)), strconv.Itoa(v)})
		time.Sleep(time.Millisecond)
	}
	poll.Until(t, 5*time.Second, func() error {
		if p := listPending(t, st); len(p) != 0 {
			return fmt.Errorf("%d pending", len(p))
		}
		return nil
	})
	last := 0
	for _, r := range h.delivered() {
		v, _ := strconv.Atoi(r.body)
		if v <= last {
			t.Fatalf("document %d after %d: %+v", v, last, h.delivered())
		}
		last = v
	}
	if last != 20 {
		t.Fatalf("last document %d, want 20", last)
	}
}

// When the queues are full, exports wait in the store and the sweeps
// deliver them all.
func TestOverflowIsSwept(t *testing.T) {
	st := openStore(t, "")
	sink := newCountSink("count", nil)
	ex := newExporter(t, fast(export.Config{Store: st, Sinks: []export.Sink{sink}, Workers: 1, QueueSize: 1, Inbox: 1}))
	const n = 300
	ps := make([]pending, n)
	for i := range ps {
		ps[i] = pending{fmt.Sprintf("ws%d", i%3), fmt.Sprintf("s%03d", i), time.Now(), `{}`}
	}
	putAndAnnounce(t, st, ex, ps...)
	poll.Until(t, 10*time.Second, func() error {
		if p := listPending(t, st); len(p) != 0 || ex.Stats().Delivered != n {
			return fmt.Errorf("%d pending, stats %+v", len(p), ex.Stats())
		}
		return nil
	})
	if s := ex.Stats(); s.Dropped == 0 {
		t.Errorf("stats %+v", s)
	}
}

// Pending exports survive a restart: a new exporter on the reopened store
// resumes and delivers them.
func TestResumeAfterRestart(t *testing.T) {
	dir := t.TempDir()
	st, err := persistOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	down := newHook(t, func(int, *http.Request) int { return 503 })
	ex, err := export.New(fast(export.Config{Store: st, Sinks: []export.Sink{down.sink(t)}, Attempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	putAndAnnounce(t, st, ex,
		pending{"acme", "s1", time.Now(), `{"id":"s1"}`},
		pending{"beta", "s2", time.Now(), `{"id":"s2"}`})
	poll.Until(t, 5*time.Second, func() error {
		if s := ex.Stats(); s.Failed != 2 {
			return fmt.Errorf("stats %+v", s)
		}
		return nil
	})
	if err := ex.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st = openStore(t, dir)
	up := newHook(t, func(int, *http.Request) int { return 200 })
	ex = newExporter(t, fast(export.Config{Store: st, Sinks: []export.Sink{up.sink(t)}}))
	poll.Until(t, 5*time.Second, func() error {
		if p := listPending(t, st); len(p) != 0 || len(up.delivered()) != 2 {
			return fmt.Errorf("%d pending, %d delivered", len(p), len(up.delivered()))
		}
		return nil
	})
	for _, r := range up.delivered() {
		if r.body != `{"id":"`+r.session+`"}` {
			t.Errorf("delivered %+v", r)
		}
	}
}

// An export is not delivered before its due time (on a manual clock).
func TestDelayHonoured(t *testing.T) {
	st := openStore(t, "")
	clock := hub.NewManualClock(t0)
	sink := newCountSink("count", nil)
	ex := newExporter(t, export.Config{Store: st, Sinks: []export.Sink{sink}, Clock: clock})
	poll.Until(t, 5*time.Second, func() error { // the first sweep ran
		if s := ex.Stats(); s.Sweeps != 1 {
			return fmt.Errorf("stats %+v", s)
		}
		return nil
	})
	putAndAnnounce(t, st, ex, pending{"acme", "s1", t0.Add(15 * time.Minute), `{}`})
	clock.Advance(14*time.Minute + 59*time.Second)
	poll.Until(t, 5*time.Second, func() error { // the periodic sweep ran, and found nothing due
		if s := ex.Stats(); s.Sweeps < 2 {
			return fmt.Errorf("stats %+v", s)
		}
		return nil
	})
	if n, _ := sink.sends("s1"); n != 0 {
		t.Fatalf("delivered %d times before the due time", n)
	}
	clock.Advance(time.Second)
	poll.Until(t, 5*time.Second, func() error {
		if n, _ := sink.sends("s1"); n != 1 || len(listPending(t, st)) != 0 {
			return fmt.Errorf("%d sends, stats %+v", n, ex.Stats())
		}
		return nil
	})
}

func TestConfigValidated(t *testing.T) {
	st := openStore(t, "")
	s := newCountSink("a", nil)
	for name, cfg := range map[string]export.Config{
		"no store":   {Sinks: []export.Sink{s}},
		"no sinks":   {Store: st},
		"same names": {Store: st, Sinks: []export.Sink{s, newCountSink("a", nil)}},
		"negative":   {Store: st, Sinks: []export.Sink{s}, Workers: -1},
		"neg. delay": {Store: st, Sinks: []export.Sink{s}, Hold: -time.Second},
	} {
		if ex, err := export.New(cfg); err == nil {
			_ = ex.Close()
			t.Errorf("%s: accepted", name)
		}
	}
}

// A newer document announced while the session is held waits for the hold
// to end and then replaces the older one, which is never sent after it.
func TestNewerDocumentWhileHeld(t *testing.T) {
	st := openStore(t, "")
	sink := newCountSink("count", func(n int) error {
		if n == 1 {
			return errors.New("count: down")
		}
		return nil
	})
	ex := newExporter(t, fast(export.Config{Store: st, Sinks: []export.Sink{sink}, Attempts: 1,
		Hold: 30 * time.Millisecond, MaxHold: 30 * time.Millisecond}))
	now := time.Now()
	putAndAnnounce(t, st, ex, pending{"acme", "s1", now, `{"v":1}`})
	poll.Until(t, 5*time.Second, func() error {
		if s := ex.Stats(); s.Held != 1 {
			return fmt.Errorf("stats %+v", s)
		}
		return nil
	})
	putAndAnnounce(t, st, ex, pending{"acme", "s1", now.Add(time.Millisecond), `{"v":2}`})
	poll.Until(t, 5*time.Second, func() error {
		if s := ex.Stats(); s.Delivered != 1 {
			return fmt.Errorf("stats %+v", s)
		}
		return nil
	})
	if n, docs := sink.sends("s1"); n != 2 || len(docs) != 1 || docs[0] != `{"v":2}` {
		t.Fatalf("%d sends, delivered %v; want the failed v1 then v2 only", n, docs)
	}
	if p := listPending(t, st); len(p) != 0 {
		t.Errorf("pending %+v", p)
	}
}

// An export the start-up sweep found in the store and is delivering is not
// delivered again when it is also announced (the hub announces what it
// commits; the sweep may have read it first): one delivery per document.
func TestAnnouncedWhileSweptIsDeliveredOnce(t *testing.T) {
	st := openStore(t, "")
	h := newHook(t, func(int, *http.Request) int {
		time.Sleep(50 * time.Millisecond) // the announcement arrives while it is in flight
		return 200
	})
	p := pending{"acme", "s1", time.Now(), "1"}
	put(t, st, p) // before the exporter starts: its first sweep finds it
	ex := newExporter(t, fast(export.Config{Store: st, Sinks: []export.Sink{h.sink(t)}, Workers: 2}))
	ex.Export(p.ws, p.session, []byte(p.doc), p.due)
	poll.Until(t, 5*time.Second, func() error {
		if n := len(listPending(t, st)); n != 0 {
			return fmt.Errorf("%d pending", n)
		}
		return nil
	})
	time.Sleep(150 * time.Millisecond) // room for a second delivery, were one coming
	if got := h.delivered(); len(got) != 1 {
		t.Fatalf("%d deliveries, want 1: %+v", len(got), got)
	}
}
