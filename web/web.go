package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var files embed.FS

// FS returns the pages and assets, rooted at the static folder
// ("agent.html", "js/agent.js", "css/app.css", ...).
func FS() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic("web: " + err.Error()) // the folder is embedded; cannot happen
	}
	return sub
}

// Options configures NewHandler. The zero value is the default.
type Options struct {
	// FrameAncestors lists the sources allowed to frame the pages (the
	// CSP frame-ancestors directive); empty means 'self'.
	FrameAncestors []string
}

// Handler returns NewHandler(Options{}).
func Handler() http.Handler { return NewHandler(Options{}) }

// NewHandler serves the pages and their assets:
//
//	/             the demo page, which embeds the chat widget
//	/agent        the agent desktop
//	/supervisor   the supervisor view
//	/widget.js    the chat widget script
//	/static/...   stylesheets, scripts and icons
//
// Every other path is 404 and every method but GET and HEAD is 405. Pages
// are sent with Cache-Control no-cache, assets with an ETag to revalidate,
// and every response with a Content-Security-Policy header.
func NewHandler(opts Options) http.Handler {
	h := &handler{fsys: FS(), csp: csp(opts), etags: map[string]string{}}
	fs.WalkDir(h.fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(h.fsys, p)
			sum := sha256.Sum256(b)
			h.etags[p] = `"` + hex.EncodeToString(sum[:8]) + `"`
		}
		return nil
	})
	return h
}

// csp returns the Content-Security-Policy for opts.
func csp(opts Options) string {
	fa := "'self'"
	if len(opts.FrameAncestors) > 0 {
		fa = strings.Join(opts.FrameAncestors, " ")
	}
	return "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; " +
		"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors " + fa
}

type handler struct {
	fsys  fs.FS
	csp   string
	etags map[string]string // file path → strong ETag
}

// pages maps the page paths to their files.
var pages = map[string]string{
	"/":           "index.html",
	"/agent":      "agent.html",
	"/supervisor": "supervisor.html",
	"/widget.js":  "js/widget.js",
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, page := pages[r.URL.Path]
	if !page {
		rest, ok := strings.CutPrefix(r.URL.Path, "/static/")
		if !ok || !fs.ValidPath(rest) || strings.HasSuffix(rest, ".html") {
			http.NotFound(w, r)
			return
		}
		name = rest
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	etag, ok := h.etags[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(h.fsys, name)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", contentType(name))
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cache-Control", cacheControl(r.URL.Path))
	hd.Set("ETag", etag)
	if r.URL.Path == "/widget.js" {
		// Loaded by other sites; a script tag needs no CORS, but this
		// allows crossorigin="anonymous" and subresource integrity.
		hd.Set("Access-Control-Allow-Origin", "*")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method == http.MethodHead {
		return
	}
	w.Write(b)
}

// contentType returns the media type for a file name.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// cacheControl returns the Cache-Control value for a request path: the
// widget may be cached by visitors' browsers for a few minutes (it is loaded
// on every page of a customer's site); everything else revalidates with its
// ETag, since the files have no content hash in their names.
func cacheControl(p string) string {
	if p == "/widget.js" {
		return "public, max-age=300"
	}
	return "no-cache"
}
