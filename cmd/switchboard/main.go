// Command switchboard is the Switchboard binary: the hub server (default),
// the load tester (bench) and the planner (simulate).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // business hours work on machines without a zoneinfo database

	"github.com/switchboardhq/switchboard/bench/load"
	"github.com/switchboardhq/switchboard/bench/sim"
	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/server"
	"go.uber.org/zap"
)

const usage = `switchboard — realtime routing hub for contact centers

usage:
  switchboard [serve] [--addr :8080] [--data ./switchboard-data] [--admin-key KEY] [--no-demo]
                      [--export-dir DIR] [--export-webhook URL] [--export-delay 15m]
                      [--tls-cert FILE --tls-key FILE] [--pprof 127.0.0.1:6060] [--log-level info]
                      [--frame-ancestors 'https://shop.example'] [--config FILE.json]
  switchboard bench    --addr HOST:PORT --admin-key KEY --agents N --rate R --duration D [--visitors-max M] [--json] [--html FILE]
                      [--calls C [--call-length D]] [--emails E [--email-length D]] (voice calls and emails per second over the HTTP API, beside or instead of --rate)
  switchboard simulate --agents N --rate R --handle S [--patience S] [--duration S] [--sl-threshold S] [--seed N] [--json] [--html FILE]
                      [--capacity N] [--handle-dist exponential|lognormal|constant] [--handle-cv X] [--wrapup S]
                      [--accept manual [--accept-delay S] [--miss X] [--offer-timeout S] [--back-after S] [--miss-limit N]]
                      [--queues NAME=SHARE[@PRIORITY],...] [--languages LANG=SHARE,...] [--team N:QUEUES:LANGS ...]
                      [--profile R1,R2,... [--interval S] [--schedule N1,N2,...]]
                      [--media voice=SHARE,chat=SHARE,email=SHARE] (blended agents; --handle, --wrapup, --capacity,
                       --sl-threshold then also take a value per media: --handle voice=240,chat=480)
                      staffing, instead of --agents: [--target-sl X] [--target-asa S] [--max-abandon X] [--max-occupancy X]
                       [--shrinkage X]

Every flag has a SWITCHBOARD_ environment twin (SWITCHBOARD_ADDR, SWITCHBOARD_DATA, ...) and a key in
the optional JSON config file ({"addr": ":8080", "no-demo": true}); flags win over the environment,
the environment over the file.
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run executes the command line args and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(args, stdout, stderr)
	case "bench":
		return load.Main(args, stdout, stderr)
	case "simulate":
		return sim.Main(args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "switchboard: unknown command %q\n\n%s", cmd, usage)
	return 2
}

// serverDelay maps --export-delay to server.Config.ExportDelay, where 0 means
// the default and a negative value means at once.
func serverDelay(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// startPprof serves net/http/pprof on its own listener (never on the public
// address).
func startPprof(addr string, log *zap.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() {
		if err := (&http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}).Serve(ln); err != nil {
			log.Warn("pprof stopped", zap.Error(err))
		}
	}()
	return nil
}

func newLogger(level string) (*zap.Logger, error) {
	lvl, err := zap.ParseAtomicLevel(level)
	if err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", level, err)
	}
	cfg := zap.NewProductionConfig()
	cfg.Level = lvl
	return cfg.Build()
}

func serve(args []string, stdout, stderr io.Writer) int {
	f, err := parseServe(args, stderr)
	if err != nil {
		return 2
	}
	log, err := newLogger(f.logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "switchboard:", err)
		return 2
	}
	defer func() { _ = log.Sync() }()
	start := time.Now()
	fmt.Fprintf(stdout, "opening %s …\n", f.data)
	srv, err := server.New(server.Config{DataDir: f.data, AdminKey: f.adminKey, NoDemo: f.noDemo, Logger: log,
		ExportDir: f.exportDir, ExportWebhook: f.exportWebhook, ExportDelay: serverDelay(f.exportDelay),
		FrameAncestors: f.frameAncestors, MaxVisitorsPerAddr: f.maxVisitorsPerAddr, APICallsPerAddr: f.apiCallsPerAddr,
		StatusRetention: f.statusRetention, Hub: hub.Config{StallTimeout: f.stallTimeout}})
	if err != nil {
		fmt.Fprintln(stderr, "switchboard:", err)
		return 1
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		fmt.Fprintln(stderr, "switchboard:", err)
		_ = srv.Close()
		return 1
	}
	scheme := "http"
	if f.tlsCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "switchboard ready in %s on %s://%s\n", time.Since(start).Round(time.Millisecond), scheme, displayAddr(ln.Addr()))
	printSecrets(stdout, srv, scheme+"://"+displayAddr(ln.Addr()))
	if f.pprof != "" {
		if err := startPprof(f.pprof, log); err != nil {
			fmt.Fprintln(stderr, "switchboard:", err)
			_ = srv.Close()
			return 1
		}
		fmt.Fprintf(stdout, "pprof on http://%s/debug/pprof/\n", f.pprof)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() {
		if f.tlsCert != "" {
			errc <- hs.ServeTLS(ln, f.tlsCert, f.tlsKey)
			return
		}
		errc <- hs.Serve(ln)
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(stdout, "shutting down …")
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(stderr, "switchboard:", err)
		}
	}
	// Sockets are hijacked: Close sends them 1001 and waits; then HTTP stops.
	closeErr := srv.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = hs.Shutdown(sctx)
	if closeErr != nil {
		fmt.Fprintln(stderr, "switchboard:", closeErr)
		return 1
	}
	fmt.Fprintln(stdout, "stopped")
	return 0
}

func displayAddr(a net.Addr) string {
	s := a.String()
	if strings.HasPrefix(s, "[::]:") {
		return "localhost" + s[4:]
	}
	if strings.HasPrefix(s, "0.0.0.0:") {
		return "localhost" + s[7:]
	}
	return s
}

// printSecrets prints, once, what only this start knows: a generated admin
// key and the demo agents' desktop links.
func printSecrets(w io.Writer, srv *server.Server, addr string) {
	if k := srv.AdminKey(); k != "" {
		fmt.Fprintf(w, "\nadmin key (shown once, stored hashed): %s\n", k)
	}
	toks := srv.DemoTokens()
	if len(toks) == 0 {
		return
	}
	fmt.Fprintf(w, "\ndemo workspace \"default\": chat widget demo page %s/  (widget key: demo)\n", addr)
	ids := make([]string, 0, len(toks))
	for id := range toks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		page := "agent"
		if id == "sam" {
			page = "supervisor"
		}
		fmt.Fprintf(w, "  %-4s %s/%s?token=%s\n", id, addr, page, toks[id])
	}
	fmt.Fprintln(w)
}
