package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/server"
)

// option is one setting of serve: a flag, its SWITCHBOARD_ environment twin,
// and its key in the optional config file. Precedence: flag, then
// environment, then file, then the default.
type option struct {
	name, def, help string
}

var serveOptions = []option{
	{"addr", ":8080", "listen address"},
	{"data", "./switchboard-data", "data directory (the Pebble store)"},
	{"admin-key", "", "server admin key (default: stored, or generated and printed once)"},
	{"log-level", "info", "debug, info, warn or error"},
	{"no-demo", "false", "start empty instead of creating the demo workspace"},
	{"export-dir", "", "session metadata files, one JSON file per session (default: <data>/exports; - for none)"},
	{"export-webhook", "", "URL that receives each session metadata document by POST (default: none)"},
	{"export-delay", "15m", "how long after a session ends, is wrapped up or rated its metadata is exported (0: at once)"},
	{"tls-cert", "", "TLS certificate file (PEM); with --tls-key the server speaks HTTPS and WSS"},
	{"tls-key", "", "TLS private key file (PEM)"},
	{"pprof", "", "address for net/http/pprof, e.g. 127.0.0.1:6060 (default: off)"},
	{"frame-ancestors", "", "comma-separated sources allowed to frame the pages (CSP frame-ancestors; default 'self')"},
	{"max-visitors-per-addr", "50", "visitor sockets one address may hold open at once (-1: no cap)"},
	{"api-calls-per-addr", "200", "HTTP API calls per second from one address, bursts of five times as many (-1: no limit)"},
	{"stall-timeout", "5s", "how long a disk commit may hang before the hub refuses commands with unavailable"},
	{"status-retention", "0", "how long the agents' status log is kept, e.g. 400d or 2160h; older changes are removed hourly (0: forever)"},
}

// envName is the environment twin of option name: SWITCHBOARD_ADMIN_KEY.
func envName(name string) string {
	return "SWITCHBOARD_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// serveFlags are serve's settings once resolved.
type serveFlags struct {
	addr, data, adminKey, logLevel string
	noDemo                         bool
	exportDir, exportWebhook       string
	exportDelay                    time.Duration
	tlsCert, tlsKey, pprof         string
	frameAncestors                 []string
	maxVisitorsPerAddr             int
	apiCallsPerAddr                int
	stallTimeout                   time.Duration
	statusRetention                time.Duration
}

// parseServe resolves serve's settings from args, the environment and the
// config file named by --config or SWITCHBOARD_CONFIG (JSON: an object of
// option names to strings, numbers or booleans; unknown names are refused).
func parseServe(args []string, stderr io.Writer) (serveFlags, error) {
	defaults, err := layeredDefaults(args)
	if err != nil {
		fmt.Fprintln(stderr, "switchboard:", err)
		return serveFlags{}, err
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	vals := map[string]*string{}
	for _, o := range serveOptions {
		vals[o.name] = fs.String(o.name, defaults[o.name], o.help+" ("+envName(o.name)+")")
	}
	fs.String("config", "", "optional JSON config file (SWITCHBOARD_CONFIG); flags and environment win over it")
	if err := fs.Parse(args); err != nil {
		return serveFlags{}, err
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected argument %q", fs.Arg(0))
		fmt.Fprintln(stderr, "switchboard:", err)
		return serveFlags{}, err
	}
	f, err := resolve(vals)
	if err != nil {
		fmt.Fprintln(stderr, "switchboard:", err)
	}
	return f, err
}

// layeredDefaults returns each option's value before flags: environment,
// else config file, else the built-in default.
func layeredDefaults(args []string) (map[string]string, error) {
	file := os.Getenv("SWITCHBOARD_CONFIG")
	for i, a := range args {
		switch {
		case a == "--config" || a == "-config":
			if i+1 < len(args) {
				file = args[i+1]
			}
		case strings.HasPrefix(a, "--config="), strings.HasPrefix(a, "-config="):
			file = a[strings.Index(a, "=")+1:]
		}
	}
	fromFile, err := readConfig(file)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, o := range serveOptions {
		out[o.name] = o.def
		if v, ok := fromFile[o.name]; ok {
			out[o.name] = v
		}
		if v, ok := os.LookupEnv(envName(o.name)); ok {
			out[o.name] = v
		}
	}
	return out, nil
}

// readConfig reads a JSON config file ("" means none).
func readConfig(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	var raw map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("config file %s: not a JSON object: %w", path, err)
	}
	known := map[string]bool{}
	for _, o := range serveOptions {
		known[o.name] = true
	}
	out := map[string]string{}
	for k, v := range raw {
		if !known[k] {
			return nil, fmt.Errorf("config file %s: unknown setting %q", path, k)
		}
		switch v := v.(type) {
		case string:
			out[k] = v
		case bool:
			out[k] = strconv.FormatBool(v)
		case json.Number:
			out[k] = v.String()
		default:
			return nil, fmt.Errorf("config file %s: %q must be a string, number or boolean", path, k)
		}
	}
	return out, nil
}

// resolve validates the settings and converts them.
func resolve(v map[string]*string) (serveFlags, error) {
	f := serveFlags{addr: *v["addr"], data: *v["data"], adminKey: *v["admin-key"], logLevel: *v["log-level"],
		exportDir: *v["export-dir"], exportWebhook: *v["export-webhook"],
		tlsCert: *v["tls-cert"], tlsKey: *v["tls-key"], pprof: *v["pprof"]}
	var err error
	if f.noDemo, err = strconv.ParseBool(*v["no-demo"]); err != nil {
		return f, fmt.Errorf("no-demo %q: want true or false", *v["no-demo"])
	}
	if f.exportDelay, err = server.ParseDelay(*v["export-delay"]); err != nil {
		return f, fmt.Errorf("export-delay %q: %w", *v["export-delay"], err)
	}
	if f.maxVisitorsPerAddr, err = strconv.Atoi(*v["max-visitors-per-addr"]); err != nil || f.maxVisitorsPerAddr == 0 || f.maxVisitorsPerAddr < -1 {
		return f, fmt.Errorf("max-visitors-per-addr %q: want a positive number or -1", *v["max-visitors-per-addr"])
	}
	if f.apiCallsPerAddr, err = strconv.Atoi(*v["api-calls-per-addr"]); err != nil || f.apiCallsPerAddr == 0 || f.apiCallsPerAddr < -1 {
		return f, fmt.Errorf("api-calls-per-addr %q: want a positive number or -1", *v["api-calls-per-addr"])
	}
	if f.stallTimeout, err = server.ParseDelay(*v["stall-timeout"]); err != nil || f.stallTimeout == 0 {
		return f, fmt.Errorf("stall-timeout %q: want a positive duration", *v["stall-timeout"])
	}
	if f.statusRetention, err = server.ParseRetention(*v["status-retention"]); err != nil {
		return f, fmt.Errorf("status-retention %q: %w", *v["status-retention"], err)
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return f, errors.New("tls-cert and tls-key go together")
	}
	if f.data == "" {
		return f, errors.New("data must name a directory")
	}
	if fa := strings.TrimSpace(*v["frame-ancestors"]); fa != "" {
		for _, s := range strings.Split(fa, ",") {
			f.frameAncestors = append(f.frameAncestors, strings.TrimSpace(s))
		}
	}
	return f, nil
}
