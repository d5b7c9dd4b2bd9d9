package sim

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
)

// Main runs `switchboard simulate` with args (the flags after the command
// name) and returns the exit code: 0, 1 when the run failed, 2 on a bad
// command line. The table or JSON goes to stdout; progress and errors to
// stderr.
func Main(args []string, stdout, stderr io.Writer) int {
	cfg, asJSON, quiet, err := parseFlags(args, stderr)
	if err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintln(stderr, "switchboard simulate:", err)
		}
		return 2
	}
	if !quiet {
		cfg.Progress = progressLine(stderr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r, err := Run(ctx, cfg)
	if !quiet {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		fmt.Fprintln(stderr, "switchboard simulate:", err)
		return 1
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(r)
	} else {
		err = r.WriteTable(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "switchboard simulate:", err)
		return 1
	}
	return 0
}

// parseFlags reads the command line: times in seconds of simulated time.
func parseFlags(args []string, stderr io.Writer) (cfg Config, asJSON, quiet bool, err error) {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: switchboard simulate --agents N --rate R --handle S [--patience S] [--duration S] [--sl-threshold S] [--seed N] [--json]")
		fs.PrintDefaults()
	}
	agents := fs.Int("agents", 0, "number of agents, each serving one contact at a time (required)")
	rate := fs.Float64("rate", 0, "arrival rate, contacts per second (required)")
	handle := fs.Float64("handle", 0, "mean handle time, seconds (required)")
	patience := fs.Float64("patience", 0, "mean patience, seconds (0: no abandonment)")
	duration := fs.Float64("duration", DefaultDuration.Seconds(), "measured simulated time, seconds")
	warmup := fs.Float64("warmup", -1, "simulated seconds before the measured window, not counted (default: a tenth of --duration)")
	sl := fs.Float64("sl-threshold", DefaultSLThreshold.Seconds(), "service level threshold T, seconds (answered within T)")
	seed := fs.Uint64("seed", 1, "random seed")
	fs.BoolVar(&asJSON, "json", false, "write JSON instead of a table")
	fs.BoolVar(&quiet, "quiet", false, "no progress line on stderr")
	if err = fs.Parse(args); err != nil {
		return
	}
	if fs.NArg() > 0 {
		return cfg, false, false, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for name, v := range map[string]float64{"handle": *handle, "patience": *patience, "duration": *duration, "sl-threshold": *sl} {
		if v < 0 {
			return cfg, false, false, fmt.Errorf("--%s %g: want ≥ 0", name, v)
		}
	}
	switch {
	case *agents <= 0:
		return cfg, false, false, fmt.Errorf("--agents is required (≥ 1)")
	case *rate <= 0:
		return cfg, false, false, fmt.Errorf("--rate is required (> 0 per second)")
	case *handle <= 0:
		return cfg, false, false, fmt.Errorf("--handle is required (> 0 seconds)")
	case *duration <= 0:
		return cfg, false, false, fmt.Errorf("--duration %g: want > 0", *duration)
	case *sl <= 0:
		return cfg, false, false, fmt.Errorf("--sl-threshold %g: want > 0", *sl)
	}
	cfg = Config{Agents: *agents, Rate: *rate, Handle: seconds(*handle), Patience: seconds(*patience),
		Duration: seconds(*duration), SLThreshold: seconds(*sl), Seed: *seed}
	switch {
	case *warmup == 0:
		cfg.Warmup = -1 // none
	case *warmup > 0:
		cfg.Warmup = seconds(*warmup)
	}
	return cfg, asJSON, quiet, nil
}

// progressLine returns a Progress callback that redraws one line on w.
func progressLine(w io.Writer) func(Progress) {
	return func(p Progress) {
		frac := float64(p.Simulated) / float64(max(p.Total, 1))
		rate := float64(p.Events) / max(p.Elapsed.Seconds(), 1e-9)
		fmt.Fprintf(w, "\r\033[Ksimulated %s of %s (%.0f %%), %d arrivals, %.0f commands/s, %s wall",
			p.Simulated.Round(time.Second), p.Total.Round(time.Second), 100*frac, p.Arrivals, rate, p.Elapsed.Round(time.Second))
	}
}
