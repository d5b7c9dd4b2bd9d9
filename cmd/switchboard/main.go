// Command switchboard is the Switchboard binary: the hub server (default),
// the load tester (bench) and the planner (simulate).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // business hours work on machines without a zoneinfo database

	"github.com/switchboardhq/switchboard/bench/load"
	"github.com/switchboardhq/switchboard/bench/sim"
	"github.com/switchboardhq/switchboard/server"
	"go.uber.org/zap"
)

const usage = `switchboard — realtime routing hub for contact centers

usage:
  switchboard [serve] [--addr :8080] [--data ./switchboard-data] [--admin-key KEY] [--no-demo]
                      [--export-dir DIR] [--export-webhook URL] [--export-delay 15m]
  switchboard bench    --addr HOST:PORT --admin-key KEY --agents N --rate R --duration D [--visitors-max M] [--json] [--html FILE]
  switchboard simulate --agents N --rate R --handle S [--patience S] [--duration S] [--sl-threshold S] [--seed N] [--json]

Every flag has a SWITCHBOARD_ environment twin (SWITCHBOARD_ADDR, SWITCHBOARD_DATA, ...).
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

// serveFlags are the flags of serve with their environment twins.
type serveFlags struct {
	addr, data, adminKey, logLevel string
	noDemo                         bool
	exportDir, exportWebhook       string
	exportDelay                    time.Duration
}

func parseServe(args []string, stderr io.Writer) (serveFlags, error) {
	var f serveFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.addr, "addr", env("SWITCHBOARD_ADDR", ":8080"), "listen address")
	fs.StringVar(&f.data, "data", env("SWITCHBOARD_DATA", "./switchboard-data"), "data directory (the Pebble store)")
	fs.StringVar(&f.adminKey, "admin-key", env("SWITCHBOARD_ADMIN_KEY", ""), "server admin key (default: stored, or generated and printed once)")
	fs.StringVar(&f.logLevel, "log-level", env("SWITCHBOARD_LOG_LEVEL", "info"), "debug, info, warn or error")
	fs.BoolVar(&f.noDemo, "no-demo", env("SWITCHBOARD_NO_DEMO", "") == "true", "start empty instead of creating the demo workspace")
	fs.StringVar(&f.exportDir, "export-dir", env("SWITCHBOARD_EXPORT_DIR", ""), "session metadata files, one JSON file per session (default: <data>/exports; - for none)")
	fs.StringVar(&f.exportWebhook, "export-webhook", env("SWITCHBOARD_EXPORT_WEBHOOK", ""), "URL that receives each session metadata document by POST (default: none)")
	delay, err := time.ParseDuration(env("SWITCHBOARD_EXPORT_DELAY", "15m"))
	if err != nil {
		return f, fmt.Errorf("SWITCHBOARD_EXPORT_DELAY: %w", err)
	}
	fs.DurationVar(&f.exportDelay, "export-delay", delay, "how long after a session ends, is wrapped up or rated its metadata is exported (0: at once)")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return f, nil
}

// serverDelay maps --export-delay to server.Config.ExportDelay, where 0 means
// the default and a negative value means at once.
func serverDelay(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
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
		ExportDir: f.exportDir, ExportWebhook: f.exportWebhook, ExportDelay: serverDelay(f.exportDelay)})
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
	fmt.Fprintf(stdout, "switchboard ready in %s on http://%s\n", time.Since(start).Round(time.Millisecond), displayAddr(ln.Addr()))
	printSecrets(stdout, srv, displayAddr(ln.Addr()))
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
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
	fmt.Fprintf(w, "\ndemo workspace \"default\": chat widget demo page http://%s/  (widget key: demo)\n", addr)
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
		fmt.Fprintf(w, "  %-4s http://%s/%s?token=%s\n", id, addr, page, toks[id])
	}
	fmt.Fprintln(w)
}
