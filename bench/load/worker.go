package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"time"
)

// workerSpec is what a parent sends a worker process on its stdin.
type workerSpec struct {
	Addr          string        `json:"addr"`
	Rate          float64       `json:"rate"`
	Calls         float64       `json:"calls,omitempty"`
	CallLength    time.Duration `json:"call_length,omitempty"`
	Emails        float64       `json:"emails,omitempty"`
	EmailLength   time.Duration `json:"email_length,omitempty"`
	Duration      time.Duration `json:"duration"`
	Drain         time.Duration `json:"drain"`
	VisitorsMax   int           `json:"visitors_max"`
	ChatLength    time.Duration `json:"chat_length"`
	MessageGap    time.Duration `json:"message_gap"`
	AcceptDelay   time.Duration `json:"accept_delay"`
	Patience      time.Duration `json:"patience"`
	PatienceCV    float64       `json:"patience_cv,omitempty"`
	Miss          float64       `json:"miss,omitempty"`
	MissAgents    float64       `json:"miss_agents,omitempty"`
	Decline       float64       `json:"decline,omitempty"`
	DeclineAgents float64       `json:"decline_agents,omitempty"`
	BackAfter     time.Duration `json:"back_after,omitempty"`
	MissLimit     int           `json:"miss_limit,omitempty"`
	// OfferTimeout is the queue's, set up by the parent: the simulator's
	// replay of the run reads it from the workers' configs.
	OfferTimeout time.Duration `json:"offer_timeout,omitempty"`
	Broadcast    int           `json:"broadcast,omitempty"`
	Languages    []string      `json:"languages"`
	// The expertise fields route the worker's contacts (queueOf); the
	// simulator's replay of the run reads them all.
	Expertise         string        `json:"expertise,omitempty"`
	ExpertiseAgents   float64       `json:"expertise_agents,omitempty"`
	ExpertiseContacts float64       `json:"expertise_contacts,omitempty"`
	ExpertiseDrop     time.Duration `json:"expertise_drop,omitempty"`
	Seed              uint64        `json:"seed"`
	Worker            int           `json:"worker"`
	Setup             Setup         `json:"setup"`
	// Hold and Visitors make a hold run (hold.go): the worker says "held
	// AGENTS VISITORS" on stdout once its sockets are up and holds them
	// until its stdin ends.
	Hold     time.Duration `json:"hold,omitempty"`
	Visitors int           `json:"visitors,omitempty"`
}

// workersFor is how many processes a run needs: the sockets it expects
// (agents, plus visitors in flight: arrivals over a wait-and-chat) over
// MaxSocketsPerProcess.
func workersFor(cfg Config) int {
	if cfg.Hold > 0 {
		return (cfg.Agents+cfg.Visitors)/MaxSocketsPerProcess + 1
	}
	visitors := min(float64(cfg.VisitorsMax), cfg.Rate*(cfg.ChatLength.Seconds()+cfg.Patience.Seconds()+10)*1.5)
	n := int((float64(cfg.Agents) + visitors) / MaxSocketsPerProcess)
	return n + 1
}

// runWorkers prepares the workspace here, then runs n copies of this
// binary (`<exe> bench --worker`), each with a share of the agents and of
// the arrival rate, and merges what they measured.
func runWorkers(ctx context.Context, cfg Config, n int, stderr io.Writer) (*Result, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cfg, setup, proc, total, err := prepareWorkers(ctx, cfg, n)
	if err != nil {
		return nil, err
	}
	results := make([]*Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	workers := make([]Config, n)
	for i := range n {
		spec := specFor(cfg, setup, i, n)
		workers[i] = spec.config()
		in, _ := json.Marshal(spec)
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out bytes.Buffer
			cmd := exec.CommandContext(ctx, exe, "bench", "--worker")
			cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(in), &out, stderr
			if err := cmd.Run(); err != nil {
				errs[i] = fmt.Errorf("worker %d: %w", i+1, err)
				return
			}
			res := &Result{}
			if err := json.Unmarshal(out.Bytes(), res); err != nil {
				errs[i] = fmt.Errorf("worker %d: decoding its result: %w", i+1, err)
				return
			}
			results[i] = res
		}()
	}
	wg.Wait()
	for i, res := range results {
		if errs[i] != nil {
			return nil, errs[i]
		}
		total.merge(res)
	}
	total.Server = proc.stats()
	total.CallsIdeal = idealCalls(workers, len(setup.Agents))
	total.ChatsIdeal = idealChats(workers, len(setup.Agents)*cfg.Capacity, total.Dropped)
	if !cfg.SkipSimulation {
		total.Simulated = simulateRun(workers, len(setup.Agents), cfg.slots(), total.Dropped)
	}
	total.finish()
	return total, nil
}

// prepareWorkers readies a run over n worker processes: cfg with its
// defaults, the workspace set up from here, the server's sampler and the
// empty total the workers' results merge into.
func prepareWorkers(ctx context.Context, cfg Config, n int) (Config, *Setup, *procSampler, *Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return cfg, nil, nil, nil, err
	}
	setup, err := prepare(ctx, cfg, &http.Client{Timeout: 30 * time.Second})
	if err != nil {
		return cfg, nil, nil, nil, err
	}
	total := &Result{Addr: cfg.Addr, Workspace: setup.Workspace, Workers: n, MissLimit: cfg.MissLimit, Errors: map[string]int64{}, Hists: map[string]*Hist{}}
	return cfg, setup, newProcSampler(cfg.ServerPID, cfg.Addr), total, nil
}

// specFor is worker i's share of a run over n workers: every n-th agent
// and an n-th of the arrival rate and of the visitors.
func specFor(cfg Config, setup *Setup, i, n int) workerSpec {
	spec := workerSpec{Addr: cfg.Addr, Rate: cfg.Rate / float64(n), Calls: cfg.Calls / float64(n), CallLength: cfg.CallLength,
		Emails: cfg.Emails / float64(n), EmailLength: cfg.EmailLength, Duration: cfg.Duration, Drain: cfg.Drain,
		VisitorsMax: cfg.VisitorsMax / n, ChatLength: cfg.ChatLength, MessageGap: cfg.MessageGap,
		AcceptDelay: cfg.AcceptDelay, Patience: cfg.Patience, PatienceCV: cfg.PatienceCV, Languages: cfg.Languages, Seed: cfg.Seed, Worker: i + 1,
		Miss: cfg.Miss, MissAgents: cfg.MissAgents, Decline: cfg.Decline, DeclineAgents: cfg.DeclineAgents, BackAfter: cfg.BackAfter, MissLimit: cfg.MissLimit, OfferTimeout: cfg.OfferTimeout, Broadcast: cfg.Broadcast,
		Expertise: cfg.Expertise, ExpertiseAgents: cfg.ExpertiseAgents, ExpertiseContacts: cfg.ExpertiseContacts, ExpertiseDrop: cfg.ExpertiseDrop, Setup: *setup}
	spec.Setup.Agents = nil
	for j := i; j < len(setup.Agents); j += n {
		spec.Setup.Agents = append(spec.Setup.Agents, setup.Agents[j])
	}
	return spec
}

// config is the Config a worker runs spec with.
func (spec workerSpec) config() Config {
	st := spec.Setup
	cfg := Config{Addr: spec.Addr, Rate: spec.Rate, Calls: spec.Calls, CallLength: spec.CallLength,
		Emails: spec.Emails, EmailLength: spec.EmailLength, Duration: spec.Duration, Drain: spec.Drain, VisitorsMax: spec.VisitorsMax,
		ChatLength: spec.ChatLength, MessageGap: spec.MessageGap, AcceptDelay: spec.AcceptDelay, Patience: spec.Patience, PatienceCV: spec.PatienceCV,
		Miss: spec.Miss, MissAgents: spec.MissAgents, Decline: spec.Decline, DeclineAgents: spec.DeclineAgents, BackAfter: spec.BackAfter, MissLimit: spec.MissLimit, OfferTimeout: spec.OfferTimeout, Broadcast: spec.Broadcast,
		Expertise: spec.Expertise, ExpertiseAgents: spec.ExpertiseAgents, ExpertiseContacts: spec.ExpertiseContacts, ExpertiseDrop: spec.ExpertiseDrop,
		Languages: spec.Languages, Seed: spec.Seed, Worker: spec.Worker, Setup: &st}
	if cfg.AcceptDelay == 0 {
		cfg.AcceptDelay = -1
	}
	return cfg
}

// workerMain is `bench --worker`: a spec on stdin, a Result on stdout.
func workerMain(stdin io.Reader, stdout, stderr io.Writer) int {
	var spec workerSpec
	dec := json.NewDecoder(stdin)
	if err := dec.Decode(&spec); err != nil {
		fmt.Fprintln(stderr, "switchboard bench --worker:", err)
		return 2
	}
	cfg := spec.config()
	if spec.Hold > 0 {
		release := make(chan struct{})
		go func() { // the parent closes stdin to release the sockets
			_, _ = io.Copy(io.Discard, io.MultiReader(dec.Buffered(), stdin))
			close(release)
		}()
		cfg.Hold, cfg.Visitors, cfg.release = spec.Hold, spec.Visitors, release
		cfg.held = func(agents, visitors int64) { fmt.Fprintf(stdout, "held %d %d\n", agents, visitors) }
	}
	stopProfile := startProfile(processName(spec.Worker), stderr)
	res, err := Run(context.Background(), cfg)
	stopProfile()
	if err != nil {
		fmt.Fprintln(stderr, "switchboard bench --worker:", err)
		return 1
	}
	if err := json.NewEncoder(stdout).Encode(res); err != nil {
		return 1
	}
	return 0
}
