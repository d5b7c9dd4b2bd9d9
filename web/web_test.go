package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// get fetches p through h.
func get(t *testing.T, h http.Handler, method, p string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, p, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// assets lists every embedded file as the URL it is served at.
func assets(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{"/": "index.html", "/agent": "agent.html", "/supervisor": "supervisor.html", "/widget.js": "js/widget.js"}
	err := fs.WalkDir(FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".html") {
			return err
		}
		out["/static/"+p] = p
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestServesEveryPageAndAsset(t *testing.T) {
	h := Handler()
	want := map[string]string{
		".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
		".css": "text/css; charset=utf-8", ".svg": "image/svg+xml",
	}
	for url, file := range assets(t) {
		res := get(t, h, "GET", url, nil)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Errorf("GET %s: status %d", url, res.StatusCode)
			continue
		}
		if ct := res.Header.Get("Content-Type"); ct != want[path.Ext(file)] {
			t.Errorf("GET %s: Content-Type %q, want %q", url, ct, want[path.Ext(file)])
		}
		csp := res.Header.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'self'", "connect-src 'self' ws: wss:", "frame-ancestors 'self'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("GET %s: CSP %q lacks %q", url, csp, d)
			}
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", url)
		}
		if cc := res.Header.Get("Cache-Control"); cc == "" {
			t.Errorf("GET %s: no Cache-Control", url)
		}
		orig, _ := fs.ReadFile(FS(), file)
		if string(body) != string(orig) {
			t.Errorf("GET %s: body differs from %s", url, file)
		}
		etag := res.Header.Get("ETag")
		if etag == "" {
			t.Errorf("GET %s: no ETag", url)
			continue
		}
		if r := get(t, h, "GET", url, map[string]string{"If-None-Match": etag}); r.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with its ETag: status %d, want 304", url, r.StatusCode)
		}
		if r := get(t, h, "HEAD", url, nil); r.StatusCode != 200 {
			t.Errorf("HEAD %s: status %d", url, r.StatusCode)
		}
	}
}

func TestCacheControl(t *testing.T) {
	h := Handler()
	for url, want := range map[string]string{
		"/": "no-cache", "/agent": "no-cache", "/static/js/agent.js": "no-cache", "/widget.js": "public, max-age=300",
	} {
		if got := get(t, h, "GET", url, nil).Header.Get("Cache-Control"); got != want {
			t.Errorf("%s: Cache-Control %q, want %q", url, got, want)
		}
	}
}

func TestRefusals(t *testing.T) {
	h := Handler()
	for _, url := range []string{"/nope", "/agent/", "/static/", "/static/agent.html", "/static/../web.go", "/static/js/missing.js", "/index.html"} {
		if res := get(t, h, "GET", url, nil); res.StatusCode != 404 {
			t.Errorf("GET %s: status %d, want 404", url, res.StatusCode)
		}
	}
	res := get(t, h, "POST", "/agent", nil)
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") == "" {
		t.Errorf("POST /agent: status %d, Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
}

func TestFrameAncestorsOption(t *testing.T) {
	h := NewHandler(Options{FrameAncestors: []string{"https://crm.example.com"}})
	csp := get(t, h, "GET", "/agent", nil).Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors https://crm.example.com") {
		t.Errorf("CSP %q", csp)
	}
}

var (
	srcRef    = regexp.MustCompile(`(?:src|href)="(/[^"]*)"`)
	importRef = regexp.MustCompile(`(?m)^\s*import\s[^'"]*['"]([^'"]+)['"]`)
)

// TestReferencesResolve checks that every local link of the pages and every
// module import is served, and that the pages keep to the CSP: no inline
// script, no inline style, no markup built from strings.
func TestReferencesResolve(t *testing.T) {
	h := Handler()
	for url, file := range assets(t) {
		b, _ := fs.ReadFile(FS(), file)
		s := string(b)
		switch path.Ext(file) {
		case ".html":
			for _, m := range srcRef.FindAllStringSubmatch(s, -1) {
				if r := get(t, h, "GET", m[1], nil); r.StatusCode != 200 {
					t.Errorf("%s links %s: status %d", file, m[1], r.StatusCode)
				}
			}
			if regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]`).MatchString(s) || strings.Contains(s, "<style") || strings.Contains(s, " style=") {
				t.Errorf("%s has inline script or style, which the CSP blocks", file)
			}
		case ".js":
			for _, m := range importRef.FindAllStringSubmatch(s, -1) {
				target := path.Join(path.Dir(url), m[1])
				if r := get(t, h, "GET", target, nil); r.StatusCode != 200 {
					t.Errorf("%s imports %s (%s): status %d", file, m[1], target, r.StatusCode)
				}
			}
			for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
				if strings.Contains(s, bad) {
					t.Errorf("%s uses %s", file, bad)
				}
			}
		}
	}
	w, _ := fs.ReadFile(FS(), "js/widget.js")
	if importRef.Match(w) || regexp.MustCompile(`(?m)^\s*export\s`).Match(w) {
		t.Error("widget.js must be one classic script: no import or export")
	}
}

// nodeDir copies the scripts and the JS unit tests into a temporary folder
// where node treats .js files as modules.
func nodeDir(t *testing.T) (string, string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not on PATH")
	}
	dir := t.TempDir()
	write := func(name string, b []byte) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("package.json", []byte(`{"type":"module"}`))
	files, _ := fs.Glob(FS(), "js/*.js")
	for _, f := range files {
		b, _ := fs.ReadFile(FS(), f)
		write(f, b)
	}
	tests, _ := filepath.Glob("testdata/js/*.mjs")
	for _, f := range tests {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		write(filepath.Join("test", filepath.Base(f)), b)
	}
	return node, dir
}

// TestScriptsParse runs node --check on every script: modules as modules,
// and the widget also as a classic script, as browsers load it.
func TestScriptsParse(t *testing.T) {
	node, dir := nodeDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "js", "*.js"))
	if len(files) < 6 {
		t.Fatalf("only %d scripts", len(files))
	}
	for _, f := range files {
		if out, err := exec.Command(node, "--check", f).CombinedOutput(); err != nil {
			t.Errorf("node --check %s: %v\n%s", filepath.Base(f), err, out)
		}
	}
	classic := filepath.Join(dir, "widget.cjs")
	b, _ := fs.ReadFile(FS(), "js/widget.js")
	if err := os.WriteFile(classic, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(node, "--check", classic).CombinedOutput(); err != nil {
		t.Errorf("node --check widget.js as a classic script: %v\n%s", err, out)
	}
}

// TestScriptUnits runs the JavaScript unit tests (testdata/js) with node --test.
func TestScriptUnits(t *testing.T) {
	node, dir := nodeDir(t)
	tests, _ := filepath.Glob(filepath.Join(dir, "test", "*.mjs"))
	if len(tests) == 0 {
		t.Fatal("no JavaScript tests in testdata/js")
	}
	cmd := exec.Command(node, append([]string{"--test"}, tests...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
	if testing.Verbose() {
		t.Logf("%s", out)
	}
}
