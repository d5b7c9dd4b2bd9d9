package load

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/bench/sim"
	"github.com/switchboardhq/switchboard/router"
)

// complain writes err to stderr under the command's name, once: the
// package's errors already start with "bench: ".
func complain(stderr io.Writer, err error) {
	fmt.Fprintln(stderr, "switchboard bench:", strings.TrimPrefix(err.Error(), "bench: "))
}

// Main runs `switchboard bench` with args (the flags after the command
// name) and returns the exit code: 0, 1 when the run failed, 2 on a bad
// command line. `--worker` is the internal mode of a worker process.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 1 && args[0] == "--worker" {
		return workerMain(os.Stdin, stdout, stderr)
	}
	cfg, opts, err := parseFlags(args, stderr)
	if err != nil {
		if err != flag.ErrHelp {
			complain(stderr, err)
		}
		return 2
	}
	if !opts.quiet {
		cfg.Progress = progressLine(stderr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	defer startProfile(processName(0), stderr)()
	var res *Result
	if n := workersFor(cfg); n > 1 || opts.workers > 1 {
		n = max(n, opts.workers)
		fmt.Fprintf(stderr, "switchboard bench: %d worker processes\n", n)
		if cfg.Hold > 0 {
			res, err = runHoldWorkers(ctx, cfg, n, stderr)
		} else {
			res, err = runWorkers(ctx, cfg, n, stderr)
		}
	} else {
		res, err = Run(ctx, cfg)
	}
	if !opts.quiet {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		complain(stderr, err)
		return 1
	}
	if opts.html != "" {
		if err := writeHTMLFile(opts.html, res); err != nil {
			complain(stderr, err)
			return 1
		}
	}
	hists := res.Hists
	res.Hists = nil // raw buckets only travel between processes
	defer func() { res.Hists = hists }()
	if opts.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(res)
	} else {
		err = res.WriteTable(stdout)
	}
	if err != nil {
		complain(stderr, err)
		return 1
	}
	return 0
}

type cliOpts struct {
	json, quiet bool
	html        string
	workers     int
}

// fraction is a flag's parser of a fraction (0.1 or 10%) into dst.
func fraction(dst *float64) func(string) error {
	return func(v string) error {
		x, err := sim.ParseFraction(v)
		*dst = x
		return err
	}
}

func parseFlags(args []string, stderr io.Writer) (Config, cliOpts, error) {
	var (
		cfg   Config
		o     cliOpts
		langs string
	)
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: switchboard bench --addr HOST:PORT --admin-key KEY --agents N --rate R --duration D [--visitors-max M] [--json] [--html FILE]")
		fmt.Fprintln(stderr, "       [--calls C [--call-length D]] [--emails E [--email-length D] [--email-capacity N]] (voice calls and emails per second over the HTTP API, beside or instead of --rate)")
		fmt.Fprintln(stderr, "       switchboard bench --addr HOST:PORT --admin-key KEY --hold D --agents N --visitors M [--server-pprof HOST:PORT] [--json]")
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.Addr, "addr", "", "server address HOST:PORT (required)")
	fs.StringVar(&cfg.AdminKey, "admin-key", os.Getenv("SWITCHBOARD_ADMIN_KEY"), "server admin key (required; default $SWITCHBOARD_ADMIN_KEY)")
	fs.IntVar(&cfg.Agents, "agents", 0, "agent sockets (required)")
	fs.Float64Var(&cfg.Rate, "rate", 0, "visitor arrivals per second (required unless --calls or --emails)")
	fs.Float64Var(&cfg.Calls, "calls", 0, "voice calls per second, posted over the HTTP API as a telephony system does; agents answer one at a time")
	fs.DurationVar(&cfg.CallLength, "call-length", DefaultCallLength, "mean talk time of a call, connected to hang-up (exponential)")
	fs.Float64Var(&cfg.Emails, "emails", 0, "emails per second, posted over the HTTP API as a mail poller does; assigned without an offer, up to --email-capacity per agent")
	fs.IntVar(&cfg.EmailCapacity, "email-capacity", DefaultEmailCapacity, "each agent's email slots, in a run with --emails")
	fs.DurationVar(&cfg.EmailLength, "email-length", DefaultEmailLength, "mean time an agent takes to answer an email, assigned to reply and end (exponential)")
	fs.DurationVar(&cfg.Duration, "duration", 0, "how long visitors arrive, e.g. 20s (required)")
	fs.DurationVar(&cfg.Drain, "drain", 10*time.Second, "time given to chats in progress after --duration")
	fs.IntVar(&cfg.VisitorsMax, "visitors-max", DefaultVisitorsMax, "most visitor sockets at once; arrivals past it are dropped")
	fs.DurationVar(&cfg.ChatLength, "chat-length", DefaultChatLength, "mean chat length once an agent joined (exponential)")
	fs.DurationVar(&cfg.MessageGap, "message-gap", DefaultMessageGap, "mean time between a visitor's messages (exponential)")
	fs.DurationVar(&cfg.AcceptDelay, "accept-delay", DefaultAcceptDelay, "how long agents take to accept an offer (0: at once)")
	fs.DurationVar(&cfg.Patience, "patience", 0, "mean time a visitor or caller waits for an agent before leaving (0: forever); exponential unless --patience-cv")
	fs.Float64Var(&cfg.PatienceCV, "patience-cv", 0, "with --patience: draw each patience lognormal with this coefficient of variation (0.3: most hang up near the mean), not exponential")
	fs.Func("miss", "fraction of offers the agents let ring out, e.g. 0.1 or 10% (the hub sets an agent who missed --miss-limit in a row away)", fraction(&cfg.Miss))
	fs.Func("miss-agents", "with --miss: the share of the agents who let offers ring, e.g. 0.125 (the others let none; default: all)", fraction(&cfg.MissAgents))
	fs.Func("decline", "fraction of the offers the agents answer (do not let ring out) that they decline after the accept delay, e.g. 0.1 or 10% (the hub offers the contact to the next agent)", fraction(&cfg.Decline))
	fs.Func("decline-agents", "with --decline: the share of the agents who decline, e.g. 0.5, picked as --miss-agents picks (the others decline none; default: all)", fraction(&cfg.DeclineAgents))
	fs.DurationVar(&cfg.BackAfter, "back-after", 0, "with --miss: how long an agent the hub set away for missed offers takes to come back (default 1m)")
	fs.Func("miss-limit", "the bench workspace's miss_limit: how many offers in a row an agent may let ring out before the hub sets them away, 1 to 20 (default: the server's, 3)", func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || !router.ValidMissLimit(n) {
			return fmt.Errorf("want a whole number of offers, 1 to %d", router.MaxMissLimit)
		}
		cfg.MissLimit = n
		return nil
	})
	fs.DurationVar(&cfg.OfferTimeout, "offer-timeout", 0, "how long the bench queue's offers ring before they run out (default: the server's, 20s)")
	fs.IntVar(&cfg.Capacity, "capacity", DefaultCapacity, "each agent's chat capacity")
	fs.IntVar(&cfg.Broadcast, "broadcast", 0, "offer each contact to this many agents at once (the queue's offer_mode broadcast, max_offers: 2 to 100); the first to accept takes it (default: one at a time)")
	fs.StringVar(&cfg.Expertise, "expertise", "", "route by this expertise label (billing): a second queue, "+ExpertiseQueueID+", requires it; a share of the agents have it and a share of the contacts go there")
	fs.Func("expertise-agents", "with --expertise: the share of the agents who have it, e.g. 0.25 (default 0.25)", fraction(&cfg.ExpertiseAgents))
	fs.Func("expertise-contacts", "with --expertise: the share of the visitors, calls and emails that require it, e.g. 0.25 (default 0.25)", fraction(&cfg.ExpertiseContacts))
	fs.DurationVar(&cfg.ExpertiseDrop, "expertise-drop", 0, "with --expertise: after this wait the queue's step drops the expertise, and any agent may take the contact (default: never)")
	fs.StringVar(&langs, "languages", DefaultLanguage, "agents' primary languages, comma separated, dealt round robin; visitors pick one at random")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed")
	simulate := fs.Bool("simulate", true, "once the run is over, replay its visitors, callers and emails in the simulator, beside the run's own figures (about 0.1 ms per contact)")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "server process to sample for RSS and CPU (default: the local listener, if found)")
	fs.DurationVar(&cfg.Hold, "hold", 0, "hold run: connect --agents and --visitors idle sockets, hold them this long, and measure the server's memory per socket (--rate: visitors connected per second, default 150)")
	fs.IntVar(&cfg.Visitors, "visitors", 0, "hold run: idle visitor sockets (hello only, no chat)")
	fs.StringVar(&cfg.ServerPprof, "server-pprof", "", "hold run: the server's --pprof address, to collect garbage before reading its memory")
	fs.IntVar(&o.workers, "workers", 0, "worker processes (default: enough to stay under 15,000 sockets each)")
	fs.BoolVar(&o.json, "json", false, "write JSON instead of a table")
	fs.StringVar(&o.html, "html", "", "also write an HTML report with charts to this file")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress line on stderr")
	if err := fs.Parse(args); err != nil {
		return cfg, o, err
	}
	if fs.NArg() > 0 {
		return cfg, o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cfg.AcceptDelay == 0 {
		cfg.AcceptDelay = -1 // at once
	}
	cfg.SkipSimulation = !*simulate
	for _, l := range strings.Split(langs, ",") {
		if l = strings.TrimSpace(l); l != "" {
			cfg.Languages = append(cfg.Languages, l)
		}
	}
	_, err := cfg.withDefaults()
	return cfg, o, err
}

func writeHTMLFile(path string, res *Result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := res.WriteHTML(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// progressLine returns a Progress callback that redraws one line on w.
func progressLine(w io.Writer) func(Snapshot) {
	return func(s Snapshot) {
		calls := ""
		if s.Calls > 0 {
			calls = fmt.Sprintf("  calls %d (active %d, offer p50 %.1f ms)", s.Calls, s.CallsActive, s.CallOfferP50)
		}
		if s.Emails > 0 {
			calls += fmt.Sprintf("  emails %d (open %d, assign p50 %.1f ms)", s.Emails, s.EmailsActive, s.EmailAssignP50)
		}
		fmt.Fprintf(w, "\r\033[K%4.0fs  sockets %d  visitors %d  chats %d (active %d)  msgs %d%s  frames in %d out %d  errors %d  offer p50 %.1f ms  relay p50 %.1f ms",
			s.Elapsed.Seconds(), s.Sockets, s.Arrivals, s.Chats, s.Active, s.Messages, calls, s.FramesIn, s.FramesOut, s.Errors, s.OfferP50, s.RelayP50)
	}
}
