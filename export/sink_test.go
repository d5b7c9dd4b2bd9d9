package export_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/switchboardhq/switchboard/export"
)

func TestDirSinkReplacesAtomically(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "exports")
	d, err := export.NewDirSink(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, doc := range []string{`{"v":1}`, `{"v":2,"longer":true}`, `{"v":3}`} {
		if err := d.Send(ctx, "acme", "s1", []byte(doc)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "acme", "s1.json"))
		if err != nil || string(got) != doc {
			t.Fatalf("file %q, %v; want %q", got, err, doc)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "acme"))
	if len(entries) != 1 {
		t.Fatalf("leftovers beside the file: %v", entries)
	}
	if p := d.Path("acme", "s1"); p != filepath.Join(dir, "acme", "s1.json") {
		t.Errorf("Path %s", p)
	}
}

func TestDirSinkRefusesBadNames(t *testing.T) {
	d, err := export.NewDirSink(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, ids := range [][2]string{{"..", "s"}, {"acme", "../s"}, {"", "s"}, {"acme", `a\b`}, {"acme", "."}} {
		err := d.Send(context.Background(), ids[0], ids[1], []byte("{}"))
		if err == nil || !export.IsPermanent(err) {
			t.Errorf("Send(%q, %q) = %v, want a permanent failure", ids[0], ids[1], err)
		}
	}
}

func TestWebhookStatuses(t *testing.T) {
	statuses := map[string]int{"ok": 200, "accepted": 202, "busy": 503, "slow": 408, "limited": 429,
		"bad": 400, "auth": 401, "gone": 404, "moved": 302}
	h := newHook(t, func(_ int, r *http.Request) int {
		if r.URL.Path != "/metadata" || r.Method != http.MethodPost {
			return 418
		}
		if r.Header.Get(export.HeaderSession) == "moved" {
			w := statuses["moved"]
			return w
		}
		return statuses[r.Header.Get(export.HeaderSession)]
	})
	s := h.sink(t)
	for id, code := range statuses {
		err := s.Send(context.Background(), "acme", id, []byte(`{"id":"`+id+`"}`))
		var se *export.StatusError
		switch {
		case code/100 == 2:
			if err != nil {
				t.Errorf("%d: %v", code, err)
			}
		case !errors.As(err, &se) || se.Code != code:
			t.Errorf("%d: %v", code, err)
		case export.IsPermanent(err) != (code != 503 && code != 408 && code != 429):
			t.Errorf("%d: permanent = %v", code, export.IsPermanent(err))
		}
	}
	for _, r := range h.got() {
		if r.ws != "acme" || r.contentType != "application/json" || r.body != `{"id":"`+r.session+`"}` {
			t.Errorf("request %+v", r)
		}
	}
	if len(h.got()) != len(statuses) {
		t.Errorf("%d requests for %d sends (a redirect must not be followed)", len(h.got()), len(statuses))
	}
}

func TestWebhookNetworkErrorIsTransient(t *testing.T) {
	h := newHook(t, func(int, *http.Request) int { return 200 })
	s := h.sink(t)
	h.Close()
	err := s.Send(context.Background(), "acme", "s1", []byte("{}"))
	if err == nil || export.IsPermanent(err) {
		t.Fatalf("Send to a closed server = %v, want a transient error", err)
	}
}

func TestWebhookURLValidated(t *testing.T) {
	for _, u := range []string{"", "ftp://x/y", "http://", "::"} {
		if _, err := export.NewWebhookSink(export.WebhookConfig{URL: u}); err == nil {
			t.Errorf("URL %q accepted", u)
		}
	}
}
