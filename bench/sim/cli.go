package sim

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // --tz on machines without a zone database

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
)

// Main runs `switchboard simulate` with args (the flags after the command
// name) and returns the exit code: 0, 1 when the run failed, 2 on a bad
// command line. The table or JSON goes to stdout; progress and errors to
// stderr.
func Main(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintln(stderr, "switchboard simulate:", err)
		}
		return 2
	}
	if !o.quiet {
		o.cfg.Progress = progressLine(stderr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var r *Report
	switch {
	case o.targets.any() && (len(o.cfg.Profile) > 0 || len(o.cfg.Arrivals) > 0 && o.cfg.Interval > 0):
		r, err = StaffProfile(ctx, o.cfg, o.targets)
	case o.targets.any():
		r, err = Staff(ctx, o.cfg, o.targets)
	default:
		r, err = Run(ctx, o.cfg)
	}
	if !o.quiet {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		fmt.Fprintln(stderr, "switchboard simulate:", err)
		return 1
	}
	if o.history != nil {
		o.history.Observe(r)
	}
	if o.json {
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
	if o.html != "" {
		if err := writeHTML(o.html, r); err != nil {
			fmt.Fprintln(stderr, "switchboard simulate:", err)
			return 1
		}
	}
	return 0
}

// writeHTML writes r's HTML report to the file name.
func writeHTML(name string, r *Report) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := r.WriteHTML(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// options are a command line's.
type options struct {
	cfg     Config
	targets Targets // zero: no staffing search
	miss    float64 // --miss
	// missObserved: --miss observed, the rate the documents' offers (or
	// the status log) give.
	missObserved bool
	// acceptObserved: --accept-delay observed, the documents' accepted
	// offers' mean delay.
	acceptObserved bool
	decline        float64 // --decline
	// agentMiss, with --miss observed and documents whose agents let
	// offers ring apart: the replay's agents' own (Config.AgentMiss);
	// agentDecline, with --decline observed and documents whose agents
	// declined apart, theirs (Config.AgentDecline).
	agentMiss, agentDecline []float64
	// declineObserved: --decline observed, the documents' share of
	// declines and their mean delay.
	declineObserved bool
	json            bool
	quiet           bool
	html            string
	history         *History // --history: the run replays it
}

// parseFlags reads the command line: times in seconds of simulated time.
func parseFlags(args []string, stderr io.Writer) (o options, err error) {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: switchboard simulate --agents N --rate R --handle S [--patience S] [--duration S] [--sl-threshold S] [--seed N] [--json] [--html FILE]")
		fmt.Fprintln(stderr, "       [--capacity N] [--handle-dist exponential|lognormal|constant] [--handle-cv X] [--wrapup S]")
		fmt.Fprintln(stderr, "       [--accept manual [--accept-delay S [--accept-dist constant]] [--miss X] [--offer-timeout S] [--back-after S] [--miss-limit N]]")
		fmt.Fprintln(stderr, "       [--queues NAME=SHARE[@PRIORITY],...] [--languages LANG=SHARE,...] [--team N:QUEUE,...:LANG,... ...]")
		fmt.Fprintln(stderr, "       [--profile R1,R2,... [--interval S] [--schedule N1,N2,...]] (a day's arrival rates by interval, instead of --rate)")
		fmt.Fprintln(stderr, "       [--media voice=SHARE,chat=SHARE,email=SHARE] (blended agents; then --handle, --wrapup, --capacity and --sl-threshold")
		fmt.Fprintln(stderr, "       take a value per media, e.g. --handle voice=240,chat=480,email=600 --capacity chat=3,email=5)")
		fmt.Fprintln(stderr, "   or: switchboard simulate --rate R --handle S [--target-sl X] [--target-asa S] [--max-abandon X] [--max-occupancy X] [--shrinkage X] [options above but --agents and --team]")
		fmt.Fprintln(stderr, "       finds the fewest agents whose simulation reaches the targets (fractions as 0.8 or 80%)")
		fmt.Fprintln(stderr, "   or: switchboard simulate --history DIR [--workspace W] [--from DAY|TIME] [--to DAY|TIME] [--tz ZONE] [--interval S]")
		fmt.Fprintln(stderr, "       [--statuses FILE [--profiles FILE [--queue-settings FILE]]] --agents N | --team ... | --schedule N1,... | --schedule seen | --schedule available | a staffing target")
		fmt.Fprintln(stderr, "       [--capacity N] [--sl-threshold S] [--accept manual ...]")
		fmt.Fprintln(stderr, "       replays the contacts a server exported (<data>/exports) with the agents given, beside what they met; seen: as many")
		fmt.Fprintln(stderr, "       as worked in each interval; available: each agent while the status log (GET /v1/agent-statuses) says so,")
		fmt.Fprintln(stderr, "       with --profiles (GET /v1/agents) serving their own queues, in their own languages, at their own capacities,")
		fmt.Fprintln(stderr, "       and with --queue-settings (GET /v1/queues) with their own expertise, routed by the queues' expertise, steps and broadcast offers")
		fs.PrintDefaults()
	}
	agents := fs.Int("agents", 0, "number of agents, each serving one contact at a time (required without --team or a staffing target)")
	fraction := func(name, usage string, into *float64) {
		fs.Func(name, usage, func(v string) (err error) {
			*into, err = positiveFraction(v)
			return err
		})
	}
	fraction("target-sl", "staffing target: at least this fraction answered within --sl-threshold, e.g. 0.8 or 80%", &o.targets.ServiceLevel)
	fs.Func("target-asa", "staffing target: a mean wait (ASA) of at most this many seconds", func(v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0) {
			return fmt.Errorf("%q: want seconds, more than 0", v)
		}
		o.targets.ASA = f
		return nil
	})
	fraction("max-abandon", "staffing target: at most this fraction of contacts abandon, e.g. 0.05 or 5%", &o.targets.AbandonRate)
	fraction("max-occupancy", "staffing target: agents busy at most this fraction of their time, e.g. 0.85 or 85%", &o.targets.Occupancy)
	fraction("shrinkage", "with a staffing target: the share of paid time agents are not available (breaks, meetings, training, absence), e.g. 30%; the answer is also given as agents to schedule", &o.targets.Shrinkage)
	var capacity, handle, wrapup, sl mediaValues
	sl.all = DefaultSLThreshold.Seconds()
	fs.Func("capacity", "contacts each agent serves at once (chat concurrency, 1..1000; default 1); with --media, per media, e.g. chat=3,email=5 (a plain number is chat's; voice takes 1)", capacity.parse)
	dist := fs.String("handle-dist", string(Exponential), "handle time distribution: exponential, lognormal or constant")
	cv := fs.Float64("handle-cv", 0, "handle times' coefficient of variation, for lognormal (default 1)")
	var queues []QueueShare
	fs.Func("queues", "queues and their shares of the arrivals, with an optional priority (1 most urgent .. 8, default 5), e.g. vip=0.1@1,sales=0.6,support=0.3 (default: one queue)", func(v string) error {
		for item := range strings.SplitSeq(v, ",") {
			item, p, hasPrio := strings.Cut(item, "@")
			prio := 0
			if hasPrio {
				var err error
				if prio, err = strconv.Atoi(p); err != nil || prio < 1 {
					return fmt.Errorf("priority %q in %q: want 1 to 8", p, v)
				}
			}
			if err := parseShares(item, func(name string, x float64) error {
				queues = append(queues, QueueShare{Name: name, Share: x, Priority: prio})
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	var langs []LanguageShare
	fs.Func("languages", "visitors' languages and their shares, e.g. en=0.7,fr=0.3 (default: none)", func(v string) error {
		return parseShares(v, func(name string, x float64) error {
			langs = append(langs, LanguageShare{Language: name, Share: x})
			return nil
		})
	})
	var teams []Team
	fs.Func("team", "a team, repeatable: N:QUEUES:LANGUAGES, e.g. 12:sales,support:en,fr (queues * or empty: all; first language primary); default: --agents agents in every queue, speaking every --languages", func(v string) error {
		t, err := parseTeam(v)
		teams = append(teams, t)
		return err
	})
	var profile []float64
	fs.Func("profile", "arrival rates per interval of a day (or any cycle), contacts per second, e.g. 0,0.02,0.05,0.08 (instead of --rate)", func(v string) error {
		return parseList(v, "rate", &profile, func(x string) (float64, bool) {
			r, err := strconv.ParseFloat(x, 64)
			return r, err == nil && r >= 0
		})
	})
	interval := fs.Float64("interval", 0, "length of a --profile interval, seconds (default 1800)")
	var schedule []int
	scheduleFrom := ""  // seen or available: from the history
	var shifts [][]Span // --schedule available: the status log's
	fs.Func("schedule", "agents on shift in each --profile interval, e.g. 0,4,9,12 (default: --agents in every one); with --history and --interval, 'seen': in each interval the agents the history shows working (who took a contact in it, or held one through it), or with --statuses 'available': each agent on shift while its status log shows them available, to the second", func(v string) error {
		if v == "seen" || v == "available" {
			scheduleFrom, schedule = v, nil
			return nil
		}
		scheduleFrom = ""
		return parseList(v, "agents", &schedule, func(x string) (int, bool) {
			n, err := strconv.Atoi(x)
			return n, err == nil && n >= 0
		})
	})
	rate := fs.Float64("rate", 0, "arrival rate, contacts per second (required without --profile)")
	fs.Func("handle", "mean handle time, seconds (required); with --media, per media, e.g. voice=240,chat=480,email=600 (a plain number: the media without their own)", handle.parse)
	var media []MediaShare
	fs.Func("media", "blended agents: the media of the arrivals and their shares, e.g. voice=0.5,chat=0.4,email=0.1 (default: every contact a chat)", func(v string) error {
		return parseShares(v, func(name string, x float64) error {
			m, err := presence.ParseMedia(name)
			if err != nil {
				return fmt.Errorf("media %q: want voice, chat or email", name)
			}
			media = append(media, MediaShare{Media: m, Share: x})
			return nil
		})
	})
	accept := fs.String("accept", string(router.Auto), "accept mode: auto (the hub assigns) or manual (agents accept offers)")
	acceptDelay := new(float64)
	fs.Func("accept-delay", "manual: mean time an agent takes to accept an offer, seconds (exponential); with --history, 'observed': the mean of the documents' accepted offers", func(v string) error {
		if o.acceptObserved = v == "observed"; o.acceptObserved {
			return nil
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("want seconds, or observed")
		}
		*acceptDelay = x
		return nil
	})
	acceptDist := fs.String("accept-dist", "", "manual: the accept delays' distribution, exponential (default) or constant (every offer accepted after --accept-delay)")
	fs.Func("miss", "manual: fraction of offers the agents let ring out, e.g. 0.05 or 5%; with --history, 'observed': the fraction of the documents' offers not taken, rang out or rerouted as they rang (documents from before they listed offers: with --statuses, the fraction the log's aways for missed offers give, after miss_limit in a row each), and with --statuses --back-after the log's own", fractionOrObserved(&o.miss, &o.missObserved))
	fs.Func("decline", "manual: fraction of the offers the agents answer (do not let ring out) that they decline, e.g. 0.1 or 10%: the hub offers the contact to the next agent at once; with --history, 'observed': each agent's own share of the documents' declines, shrunk toward the pooled share as far as the agents' differences are chance (--decline-alike: the pooled share for all), declined after the documents' mean time", fractionOrObserved(&o.decline, &o.declineObserved))
	missAlike := fs.Bool("miss-alike", false, "with --miss observed from documents that list offers: every agent lets offers ring at the pooled rate, not each at their own")
	declineAlike := fs.Bool("decline-alike", false, "with --decline observed: every agent declines the pooled share of the offers they answer, not each their own")
	declineDelay := fs.Float64("decline-delay", 0, "manual, with --decline: mean time an agent takes to decline an offer, seconds (default: --accept-delay's)")
	offerTimeout := fs.Float64("offer-timeout", 0, "manual: how long an offer rings, seconds (default 20)")
	missLimit := fs.Int("miss-limit", 0, "manual: how many offers in a row an agent may let ring out before the hub sets them away, the workspace's miss_limit (1 to 20; default 3, or with --statuses the log's)")
	backAfter := fs.Float64("back-after", 0, "manual: how long an agent the hub set away for missed offers takes to come back, seconds (default 60)")
	fs.Func("wrapup", "after-contact work, seconds: the agent keeps the slot this long after each contact ends (0: none); with --media, per media", wrapup.parse)
	patience := fs.Float64("patience", 0, "mean patience, seconds (0: no abandonment); with --history, the mean to draw answered contacts' patience past their wait from (exponential), in place of the history's estimate")
	duration := fs.Float64("duration", DefaultDuration.Seconds(), "measured simulated time, seconds")
	warmup := fs.Float64("warmup", -1, "simulated seconds before the measured window, not counted (default: a tenth of --duration)")
	fs.Func("sl-threshold", "service level threshold T, seconds (answered within T; default 20); with --media, per media, e.g. voice=20,chat=60,email=14400", sl.parse)
	seed := fs.Uint64("seed", 1, "random seed")
	fs.BoolVar(&o.json, "json", false, "write JSON instead of a table")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress line on stderr")
	fs.StringVar(&o.html, "html", "", "also write an HTML report with charts to this file")
	historyDir := fs.String("history", "", "replay a server's history: its exports folder (<data>/exports, one session document per file) or one workspace's folder in it; the history gives the arrivals, media, queues, languages, handle and wrap-up times, capacities and patience")
	workspace := fs.String("workspace", "", "with --history: the workspace to replay, a folder of the exports (default: the only one)")
	from := fs.String("from", "", "with --history: replay contacts from this day (2026-11-20) or time (RFC 3339), in --tz (default: from midnight before the first)")
	to := fs.String("to", "", "with --history: replay contacts before this day or time (default: up to the last)")
	statuses := fs.String("statuses", "", "with --history: the agents' status log, saved from GET /v1/agent-statuses (its pages as they come); each interval then reports the agents available in it, and --schedule available staffs it with them")
	profiles := fs.String("profiles", "", "with --history, --statuses and --schedule available: the server's agents, saved from GET /v1/agents; each agent on shift then serves their own queues, speaks their own languages and holds their own capacities")
	queuesFile := fs.String("queue-settings", "", "with --profiles: the server's queues, saved from GET /v1/queues; the replay then routes by their required expertise, steps, language weight, aging and broadcast offers, the agents with their own expertise and each contact with what it required itself")
	tz := fs.String("tz", "UTC", "with --history: the time zone of --from, --to and the intervals' clock, e.g. Europe/Paris")
	patienceDist := fs.String("patience-dist", "observed", "with --history: how an answered contact's patience past its wait is drawn: observed, from the abandons' own distribution (Kaplan–Meier), exponential past the longest abandon; or exponential, with the abandons' mean")
	if err = fs.Parse(args); err != nil {
		return
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *historyDir != "" {
		if o.history, err = readHistoryFlags(*historyDir, *workspace, *from, *to, *tz, *patienceDist, *patience, *seed, set); err != nil {
			return o, err
		}
		media = slices.Clone(o.history.Media)
	} else if name := firstSet(set, "workspace", "from", "to", "tz", "statuses", "profiles", "queue-settings", "patience-dist"); name != "" {
		return o, fmt.Errorf("--%s goes with --history", name)
	}
	if *statuses != "" {
		if o.history.Statuses, err = ReadStatuses(*statuses); err != nil {
			return o, err
		}
	}
	manual := router.AcceptMode(*accept) == router.Manual
	var offers *OfferTally // the documents'
	if o.history != nil {
		offers = o.history.Offers
	}
	if o.acceptObserved {
		switch {
		case offers == nil || offers.Accepted == 0:
			return o, fmt.Errorf("--accept-delay observed needs --history whose documents list their offers, one accepted at least (a server of 2026-11-24 or later writes them)")
		case !manual:
			return o, fmt.Errorf("--accept-delay observed goes with --accept manual: auto accept has no delay")
		}
		*acceptDelay, offers.ReplayedDelay = offers.AcceptDelay, true
	}
	if o.declineObserved {
		switch {
		case offers == nil || offers.Accepted+offers.Declined == 0:
			return o, fmt.Errorf("--decline observed needs --history whose documents list their offers, one accepted or declined at least (a server of 2026-11-24 or later writes them)")
		case !manual:
			return o, fmt.Errorf("--decline observed goes with --accept manual: only manual offers are declined")
		case set["decline-delay"]:
			return o, fmt.Errorf("--decline-delay with --decline observed: the documents give the delay")
		}
		o.decline, offers.ReplayedDecline = offers.DeclineRate, true
		*declineDelay = offers.DeclineDelay
	}
	if *missAlike && (!o.missObserved || offers == nil) {
		return o, fmt.Errorf("--miss-alike goes with --miss observed and --history whose documents list their offers")
	}
	if *declineAlike && !o.declineObserved {
		return o, fmt.Errorf("--decline-alike goes with --decline observed")
	}
	if set["decline-delay"] && !set["decline"] {
		return o, fmt.Errorf("--decline-delay goes with --decline")
	}
	if o.missObserved {
		switch {
		case o.history == nil || offers == nil && len(o.history.Statuses) == 0:
			return o, fmt.Errorf("--miss observed needs --history: the documents' offers, or for documents from before they listed them, --statuses (the status log's aways for missed offers)")
		case !manual:
			return o, fmt.Errorf("--miss observed goes with --accept manual: only manual offers ring out")
		}
	}
	if set["miss-limit"] && *missLimit < 1 {
		return o, fmt.Errorf("--miss-limit %d: an agent is set away after 1 to %d offers in a row rang out", *missLimit, router.MaxMissLimit)
	}
	// replayed is the Config.Miss that has offers not taken at rate, the
	// accepts past the offer timeout included.
	replayed := func(rate float64) float64 {
		return replayMiss(rate, seconds(*acceptDelay), cmp.Or(seconds(*offerTimeout), router.DefaultOfferTimeout), HandleDist(*acceptDist))
	}
	// The agents' own rates, replayed once the roster is read.
	var own, ownDecline *AgentRates
	if o.declineObserved && !*declineAlike { // offers is the documents'
		if r := offers.DeclineByAgent; r != nil && r.Spread > 0 {
			r.Replayed, ownDecline = true, r
		}
	}
	if o.history != nil && manual {
		var e *MissEstimate // the status log's
		if len(o.history.Statuses) > 0 {
			est := o.history.EstimateMisses()
			e = &est
			if !set["miss-limit"] { // the day's limit, unless asked what another would make of it
				*missLimit = e.Limit
			}
		}
		if o.missObserved {
			if e != nil && !set["back-after"] && e.Backs > 0 {
				*backAfter = e.BackAfter
			}
			if offers != nil { // counted: the estimate, if any, is only shown beside
				offers.ReplayedMiss, offers.Miss = true, replayed(offers.MissRate)
				o.miss = offers.Miss
				if r := offers.ByAgent; r != nil && r.Spread > 0 && !*missAlike {
					r.Replayed, own = true, r
				}
				if e != nil {
					e.Counted = true
				}
			} else {
				e.Replayed, e.Miss = true, replayed(e.Rate)
				o.miss = e.Miss
			}
			o.history.Misses = e
		}
		// The replay's own misses set its agents away: the log's aways
		// for missed offers are not taken a second time.
		o.history.ReplaysMissed = len(o.history.Statuses) > 0 && o.miss > 0
	}
	switch {
	case scheduleFrom == "":
	case o.history == nil:
		return o, fmt.Errorf("--schedule %s goes with --history: it is the agents a history shows in each interval", scheduleFrom)
	case *interval <= 0:
		return o, fmt.Errorf("--schedule %s needs --interval: the intervals to count the agents in", scheduleFrom)
	case scheduleFrom == "seen":
		schedule = o.history.Working(seconds(*interval))
	case len(o.history.Statuses) == 0:
		return o, fmt.Errorf("--schedule available needs --statuses: the agents' status log")
	default:
		if shifts = o.history.Shifts(); len(shifts) == 0 {
			return o, fmt.Errorf("--schedule available: the status log has no agent available from %s to %s", o.history.Start.Format(time.RFC3339), o.history.End.Format(time.RFC3339))
		}
	}
	var roster *Roster
	var agentIDs []string
	if *queuesFile != "" {
		if *profiles == "" {
			return o, fmt.Errorf("--queue-settings goes with --profiles: the queues' expertise is routed to the agents' own")
		}
		specs, err := ReadQueues(*queuesFile)
		if err != nil {
			return o, err
		}
		o.history.ApplyQueues(specs)
	}
	if *profiles != "" {
		if roster, err = readRoster(o.history, *profiles, scheduleFrom, set); err != nil {
			return o, err
		}
		shifts, teams = roster.Shifts, roster.Teams
		agentIDs = roster.IDs
	}
	if own != nil || ownDecline != nil {
		ids := agentIDs
		if ids == nil { // the day's agents: each keeps both their rates
			ids = offers.ByAgent.ids()
		}
		if own != nil {
			o.agentMiss = own.forAgents(ids)
			for i, x := range o.agentMiss {
				o.agentMiss[i] = replayed(x)
			}
		}
		if ownDecline != nil {
			o.agentDecline = ownDecline.forAgents(ids)
			for i, x := range o.agentDecline {
				o.agentDecline[i] = min(x, MaxMiss)
			}
		}
	}
	for name, v := range map[string]float64{"accept-delay": *acceptDelay, "offer-timeout": *offerTimeout, "back-after": *backAfter, "patience": *patience, "duration": *duration} {
		if v < 0 {
			return o, fmt.Errorf("--%s %g: want ≥ 0", name, v)
		}
	}
	for name, v := range map[string]*mediaValues{"handle": &handle, "wrapup": &wrapup, "sl-threshold": &sl, "capacity": &capacity} {
		if err := v.check(name, media); err != nil {
			return o, err
		}
	}
	staffing := o.targets.any()
	switch {
	case !staffing && o.targets.Shrinkage > 0:
		return o, fmt.Errorf("--shrinkage goes with a staffing target (--target-sl, --target-asa, --max-abandon, --max-occupancy)")
	case staffing && *agents != 0:
		return o, fmt.Errorf("--agents with a staffing target: the search finds the agents; give one or the other")
	case staffing && (len(schedule) > 0 || scheduleFrom != ""):
		return o, fmt.Errorf("--schedule with a staffing target: the search makes the schedule")
	case staffing && len(teams) > 0:
		return o, fmt.Errorf("--team with a staffing target: the search sizes one pool of agents")
	case !staffing && *agents <= 0 && len(teams) == 0 && len(schedule) == 0 && len(shifts) == 0:
		return o, fmt.Errorf("--agents is required (≥ 1), or a staffing target (--target-sl, --target-asa, --max-abandon, --max-occupancy)")
	case len(profile) > 0 && *rate != 0:
		return o, fmt.Errorf("--rate with --profile: the profile gives the rates")
	case o.history == nil && len(profile) == 0 && *rate <= 0:
		return o, fmt.Errorf("--rate is required (> 0 per second), or --profile")
	case *interval < 0:
		return o, fmt.Errorf("--interval %g: want > 0", *interval)
	case o.history == nil && handle.all <= 0 && !(len(media) > 0 && handle.hasBy()):
		return o, fmt.Errorf("--handle is required (> 0 seconds)")
	case *duration <= 0:
		return o, fmt.Errorf("--duration %g: want > 0", *duration)
	case sl.all <= 0 || sl.anyBy(func(x float64) bool { return x <= 0 }):
		return o, fmt.Errorf("--sl-threshold: want > 0 seconds")
	case capacity.all != float64(int(capacity.all)) || capacity.anyBy(func(x float64) bool { return x != float64(int(x)) || x < 1 }):
		return o, fmt.Errorf("--capacity: want whole numbers of contacts, at least 1")
	}
	if capacity.hasAll && len(media) > 0 && !slices.ContainsFunc(media, func(m MediaShare) bool { return m.Media == presence.Chat }) {
		return o, fmt.Errorf("--capacity %g is chat's, and chat is not in --media", capacity.all)
	}
	for i := range media {
		m := &media[i]
		m.Handle, m.Wrapup, m.SLThreshold = seconds(handle.by[m.Media]), seconds(wrapup.by[m.Media]), seconds(sl.by[m.Media])
		m.Capacity = int(capacity.by[m.Media])
		if m.Media == presence.Chat && !capacity.set[m.Media] {
			m.Capacity = int(capacity.all) // a plain --capacity is chat's
		}
		if roster != nil {
			m.Capacity = roster.Capacity[m.Media] // most agents', for the models
		}
	}
	o.cfg = Config{Agents: *agents, Rate: *rate, Handle: seconds(handle.all), Wrapup: seconds(wrapup.all), Patience: seconds(*patience),
		Accept: router.AcceptMode(*accept), AcceptDelay: seconds(*acceptDelay), AcceptDist: HandleDist(*acceptDist), Miss: o.miss, AgentMiss: o.agentMiss, Decline: o.decline, AgentDecline: o.agentDecline, DeclineDelay: seconds(*declineDelay),
		OfferTimeout: seconds(*offerTimeout), BackAfter: seconds(*backAfter),
		MissLimit: *missLimit, Duration: seconds(*duration), SLThreshold: seconds(sl.all), Seed: *seed, Media: media,
		HandleDist: HandleDist(*dist), HandleCV: *cv, Queues: queues, Languages: langs, Teams: teams,
		Profile: profile, Interval: seconds(*interval), Schedule: schedule, Shifts: shifts, AgentIDs: agentIDs}
	if len(media) == 0 {
		o.cfg.Capacity = int(capacity.all)
	}
	if o.history != nil {
		o.cfg.Duration = 0 // the history's
		o.cfg = o.history.Config(o.cfg)
	}
	check := o.cfg
	if staffing {
		check.Agents = 1 // the search sets them
		err = o.targets.check()
	}
	if err == nil {
		_, err = check.withDefaults()
	}
	if err != nil {
		return o, errors.New(strings.Replace(err.Error(), ErrConfig.Error()+": ", "", 1))
	}
	switch {
	case *warmup == 0:
		o.cfg.Warmup = -1 // none
	case *warmup > 0:
		o.cfg.Warmup = seconds(*warmup)
	}
	return o, nil
}

// progressLine returns a Progress callback that redraws one line on w.
func progressLine(w io.Writer) func(Progress) {
	return func(p Progress) {
		frac := float64(p.Simulated) / float64(max(p.Total, 1))
		rate := float64(p.Events) / max(p.Elapsed.Seconds(), 1e-9)
		trial := ""
		if p.Interval > 0 {
			trial = fmt.Sprintf("interval %d, ", p.Interval)
		}
		if p.Trial > 0 {
			trial += fmt.Sprintf("staffing run %d, %d agents: ", p.Trial, p.Agents)
		}
		fmt.Fprintf(w, "\r\033[K%ssimulated %s of %s (%.0f %%), %d arrivals, %.0f commands/s, %s wall",
			trial, p.Simulated.Round(time.Second), p.Total.Round(time.Second), 100*frac, p.Arrivals, rate, p.Elapsed.Round(time.Second))
	}
}

// parseShares reads "a=0.6,b=0.4" (a name alone has share 1) and calls add
// for each, stopping at its first error.
func parseShares(v string, add func(name string, share float64) error) error {
	for item := range strings.SplitSeq(v, ",") {
		name, x, hasShare := strings.Cut(strings.TrimSpace(item), "=")
		share := 1.0
		if hasShare {
			var err error
			if share, err = strconv.ParseFloat(x, 64); err != nil || !(share > 0) {
				return fmt.Errorf("share %q of %q: want a number > 0", x, name)
			}
		}
		if name == "" {
			return fmt.Errorf("empty name in %q", v)
		}
		if err := add(name, share); err != nil {
			return err
		}
	}
	return nil
}

// mediaValues is a flag that takes one number, or one per media:
// "240" or "voice=240,chat=480".
type mediaValues struct {
	all    float64 // the plain number
	hasAll bool
	by     [presence.NumMedia]float64
	set    [presence.NumMedia]bool
}

func (v *mediaValues) parse(s string) error {
	if x, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
		if !(x >= 0) || math.IsInf(x, 0) {
			return fmt.Errorf("%q: want a number ≥ 0", s)
		}
		v.all, v.hasAll = x, true
		return nil
	}
	for item := range strings.SplitSeq(s, ",") {
		name, x, ok := strings.Cut(strings.TrimSpace(item), "=")
		m, err := presence.ParseMedia(strings.TrimSpace(name))
		if !ok || err != nil {
			return fmt.Errorf("%q: want a number, or one per media as voice=N,chat=N,email=N", s)
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil || !(f >= 0) || math.IsInf(f, 0) {
			return fmt.Errorf("%s %q in %q: want a number ≥ 0", m, x, s)
		}
		if v.set[m] {
			return fmt.Errorf("%s named twice in %q", m, s)
		}
		v.by[m], v.set[m] = f, true
	}
	return nil
}

// hasBy reports whether a value was given per media.
func (v *mediaValues) hasBy() bool { return v.anyBy(func(float64) bool { return true }) }

// anyBy reports whether f holds for a value given per media.
func (v *mediaValues) anyBy(f func(float64) bool) bool {
	for m, ok := range v.set {
		if ok && f(v.by[m]) {
			return true
		}
	}
	return false
}

// check refuses values per media without --media, or for a media not in
// it.
func (v *mediaValues) check(flag string, media []MediaShare) error {
	for m, ok := range v.set {
		if ok && !slices.ContainsFunc(media, func(s MediaShare) bool { return s.Media == presence.Media(m) }) {
			if len(media) == 0 {
				return fmt.Errorf("--%s per media needs --media", flag)
			}
			return fmt.Errorf("--%s names %s, which is not in --media", flag, presence.Media(m))
		}
	}
	return nil
}

// parseList appends the numbers of the comma-separated list v to into,
// each read by parse, which reports whether it is a number ≥ 0; the error
// names the item as what.
func parseList[T any](v, what string, into *[]T, parse func(string) (T, bool)) error {
	for x := range strings.SplitSeq(v, ",") {
		n, ok := parse(strings.TrimSpace(x))
		if !ok {
			return fmt.Errorf("%s %q in %q: want a number ≥ 0", what, x, v)
		}
		*into = append(*into, n)
	}
	return nil
}

// parseTeam reads "N:QUEUES:LANGUAGES", the last two optional.
func parseTeam(v string) (Team, error) {
	parts := strings.Split(v, ":")
	if len(parts) > 3 {
		return Team{}, fmt.Errorf("team %q: want N:QUEUES:LANGUAGES", v)
	}
	n, err := strconv.Atoi(parts[0])
	if err != nil || n < 1 {
		return Team{}, fmt.Errorf("team %q: agents %q, want a number ≥ 1", v, parts[0])
	}
	t := Team{Agents: n}
	list := func(s string) []string {
		var out []string
		for x := range strings.SplitSeq(s, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
		return out
	}
	if len(parts) > 1 && strings.TrimSpace(parts[1]) != "*" {
		t.Queues = list(parts[1])
	}
	if len(parts) > 2 {
		t.Languages = list(parts[2])
	}
	return t, nil
}

// historyRefuses are the flags that --history gives itself.
var historyRefuses = []string{"rate", "profile", "handle", "handle-dist", "handle-cv", "media", "queues", "languages", "wrapup", "duration", "warmup"}

// readHistoryFlags reads the history of --history dir, with the
// command line's other --history flags; set holds the flags given.
func readHistoryFlags(dir, workspace, from, to, tz, patienceDist string, patience float64, seed uint64, set map[string]bool) (*History, error) {
	if name := firstSet(set, historyRefuses...); name != "" {
		return nil, fmt.Errorf("--%s with --history: the history gives it", name)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("--tz %q: %v", tz, err)
	}
	if patienceDist != "exponential" && patienceDist != "observed" {
		return nil, fmt.Errorf("--patience-dist %q: want observed or exponential", patienceDist)
	}
	if !(patience >= 0) || patience > 1e8 {
		return nil, fmt.Errorf("--patience %g: want seconds, from 0 (the history's estimate) to 1e8", patience)
	}
	if patience > 0 && set["patience-dist"] && patienceDist == "observed" {
		return nil, fmt.Errorf("--patience with --history draws answered contacts' patience exponential of that mean: not with --patience-dist observed")
	}
	o := HistoryOptions{Workspace: workspace, Location: loc, Seed: seed, ExponentialPatience: patienceDist == "exponential",
		Patience: seconds(patience).Round(time.Millisecond)}
	for _, t := range []struct {
		name, v string
		into    *time.Time
	}{{"from", from, &o.From}, {"to", to, &o.To}} {
		if t.v == "" {
			continue
		}
		if *t.into, err = time.ParseInLocation(time.DateOnly, t.v, loc); err != nil {
			if *t.into, err = time.Parse(time.RFC3339, t.v); err != nil {
				return nil, fmt.Errorf("--%s %q: want a day (2026-11-20) or a time (2026-11-20T08:00:00Z)", t.name, t.v)
			}
		}
	}
	return ReadHistory(dir, o)
}

// readRoster reads --profiles path and makes h's roster of the status
// log's agents with them, for --schedule available (scheduleFrom); set
// holds the flags given.
func readRoster(h *History, path, scheduleFrom string, set map[string]bool) (*Roster, error) {
	switch {
	case scheduleFrom != "available":
		return nil, fmt.Errorf("--profiles goes with --history, --statuses and --schedule available: it gives each agent of the status log their own queues, languages and capacities")
	case set["team"]:
		return nil, fmt.Errorf("--team with --profiles: the agents' profiles make the teams")
	case set["capacity"]:
		return nil, fmt.Errorf("--capacity with --profiles: each agent holds their own")
	}
	p, err := ReadProfiles(path)
	if err != nil {
		return nil, err
	}
	r, err := h.Roster(p)
	if err != nil {
		return nil, err
	}
	if len(r.Shifts) == 0 {
		return nil, fmt.Errorf("--profiles: no agent on shift serves the history's queues and media (%s)", r)
	}
	h.Profiles = p
	return &r, nil
}

// firstSet returns the first of names that set holds, or "".
func firstSet(set map[string]bool, names ...string) string {
	for _, n := range names {
		if set[n] {
			return n
		}
	}
	return ""
}

// ParseFraction reads a fraction written as one (0.8) or as a percentage
// (80%). The caller checks its range (NaN parses).
func ParseFraction(v string) (float64, error) {
	x, pct := strings.CutSuffix(strings.TrimSpace(v), "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
	if err != nil {
		return 0, fmt.Errorf("%q: want a fraction such as 0.8 or a percentage such as 80%%", v)
	}
	if pct {
		f /= 100
	}
	return f, nil
}

// positiveFraction is ParseFraction of a flag that wants more than 0.
func positiveFraction(v string) (float64, error) {
	f, err := ParseFraction(v)
	if err == nil && !(f > 0) {
		err = fmt.Errorf("%q: want more than 0", v)
	}
	return f, err
}

// fractionOrObserved is a flag's parser of a fraction into dst, or of
// "observed" (the history's), which sets observed.
func fractionOrObserved(dst *float64, observed *bool) func(string) error {
	return func(v string) error {
		if *observed = v == "observed"; *observed {
			return nil
		}
		var err error
		*dst, err = positiveFraction(v)
		return err
	}
}
