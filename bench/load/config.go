package load

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/bench/sim"
	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
)

// Defaults of Config fields.
const (
	DefaultChatLength  = 60 * time.Second
	DefaultMessageGap  = 5 * time.Second
	DefaultAcceptDelay = 200 * time.Millisecond
	DefaultCapacity    = 3
	// DefaultEmailCapacity is each agent's email slots in a run with
	// emails.
	DefaultEmailCapacity = 5
	DefaultCallLength    = 30 * time.Second
	DefaultEmailLength   = 60 * time.Second
	DefaultVisitorsMax   = 10000
	// MaxSocketsPerProcess is the most sockets one process opens before Main
	// splits the run over worker processes: under a 20,000 open-file limit.
	MaxSocketsPerProcess = 15000
	// DefaultHoldRate is the visitors' connect pace of a hold run, per
	// second: under the server's 200 new visitor sessions per second per
	// widget key.
	DefaultHoldRate = 150
	// DefaultExpertiseShare is the share of the agents with the run's
	// expertise, and of the contacts that require it, when not given.
	DefaultExpertiseShare = 0.25
)

// ErrConfig is wrapped by every error about a Config field out of range.
var ErrConfig = errors.New("bench: bad config")

// Config is one bench run. A zero field means the default documented on it.
type Config struct {
	// Addr is the server, HOST:PORT (required).
	Addr string
	// AdminKey is the server's admin key (required unless Setup is given).
	AdminKey string
	// Agents is how many agent sockets to open (required, ≥ 1).
	Agents int
	// Rate is visitor arrivals per second (≥ 0; Rate, Calls or Emails > 0).
	Rate float64
	// Calls is voice calls per second posted over the HTTP API as a
	// telephony system does (call.go); 0 means none. With calls, agents
	// take one call at a time beside their chats (a call blocks new chats).
	Calls float64
	// CallLength is the mean (exponential) talk time of a call, from its
	// connected event to the caller hanging up: 0 means DefaultCallLength.
	CallLength time.Duration
	// Emails is emails per second posted over the HTTP API as a mail
	// poller does (email.go); 0 means none. With emails, agents take up to
	// EmailCapacity at a time.
	Emails float64
	// EmailCapacity is each agent's email slots in a run with emails: 0
	// means DefaultEmailCapacity. The server bounds it (1,000).
	EmailCapacity int
	// EmailLength is the mean (exponential) time an agent takes to answer
	// an email, from its assignment to the reply and end: 0 means
	// DefaultEmailLength.
	EmailLength time.Duration
	// Duration is how long visitors keep arriving (required); chats in
	// progress then get up to Drain to finish.
	Duration time.Duration
	// Drain: 0 means 10 s.
	Drain time.Duration
	// VisitorsMax caps concurrent visitor sockets; arrivals past it are
	// counted as dropped: 0 means DefaultVisitorsMax.
	VisitorsMax int
	// ChatLength is the mean (exponential) time a visitor chats once an
	// agent joined: 0 means DefaultChatLength.
	ChatLength time.Duration
	// MessageGap is the mean (exponential) time between a visitor's
	// messages: 0 means DefaultMessageGap.
	MessageGap time.Duration
	// AcceptDelay is how long an agent takes to accept an offer: 0 means
	// DefaultAcceptDelay; negative means at once.
	AcceptDelay time.Duration
	// Patience is the mean time a visitor or a caller waits for an agent
	// before leaving: 0 means they never abandon.
	Patience time.Duration
	// PatienceCV, when set, draws each patience lognormal with this
	// coefficient of variation around the mean Patience (callers who hang
	// up after about a minute: 0.3); 0 draws it exponential.
	PatienceCV float64
	// Miss is the fraction of offers (chats and calls) agents let ring
	// out, each drawn on its own: the hub then offers the contact to the
	// next agent, and sets an agent who missed MissLimit in a row away.
	// 0: none.
	Miss float64
	// MissAgents, when set, is the share of the agents who let offers ring
	// (at Miss): the others let none. 0 means all of them. Some agents
	// missing many offers is a day unlike all missing a few: they are set
	// away far more often.
	MissAgents float64
	// Decline is the fraction of the offers an agent does not let ring
	// out that they decline, after the accept delay: the hub offers the
	// contact to the next agent at once. 0: none.
	Decline float64
	// DeclineAgents, when set, is the share of the agents who decline (at
	// Decline), picked as MissAgents picks: the others decline none. 0
	// means all of them.
	DeclineAgents float64
	// MissLimit is the bench workspace's miss_limit, how many offers in a
	// row an agent may let ring out before the hub sets them away: 0
	// leaves the server's default (3).
	MissLimit int
	// BackAfter is how long an agent the hub set away for missed offers
	// takes to set themselves available again: 0 means sim.DefaultBackAfter
	// with Miss; without, the agent only missed offers because its
	// accepts came too late (a machine too busy), and comes back at once.
	BackAfter time.Duration
	// OfferTimeout is how long the bench queue's offers ring (the queue's
	// offer_timeout): 0 leaves the server's default (20 s).
	OfferTimeout time.Duration
	// Broadcast, when set, has the bench's queues offer each contact to
	// that many agents at once (offer_mode broadcast, max_offers): the
	// first to accept takes it, and the others' offers are withdrawn
	// (Result.AcceptsLost). 0: one agent at a time.
	Broadcast int
	// Capacity is each agent's chat capacity: 0 means DefaultCapacity.
	Capacity int
	// Expertise, when set, is a label (billing) the run routes by, as a
	// contact center routes by skill: the bench creates a second queue,
	// ExpertiseQueueID, that requires it of its agents, gives it to a
	// share ExpertiseAgents of the agents, and sends a share
	// ExpertiseContacts of the visitors, calls and emails there; the others
	// go to the bench queue, which requires nothing. Every agent serves
	// both queues, so an agent with the label takes contacts of either.
	Expertise string
	// ExpertiseAgents is the share of the agents who have the label,
	// picked as MissAgents picks (spread evenly over the agents' numbers):
	// 0 means DefaultExpertiseShare.
	ExpertiseAgents float64
	// ExpertiseContacts is the share of the contacts that require it, each
	// drawn on its own (queueOf): 0 means DefaultExpertiseShare.
	ExpertiseContacts float64
	// ExpertiseDrop, when set, is the expertise queue's step: a contact
	// that has waited so long is offered to any of its agents (the step
	// drops the expertise). 0: it waits for an agent with the label.
	ExpertiseDrop time.Duration
	// Languages are the agents' primary languages, dealt round robin, and
	// the visitors', drawn uniformly: nil means DefaultLanguage alone.
	Languages []string
	// Seed seeds the arrival process and the draws.
	Seed uint64
	// SkipSimulation skips the simulator's replay of the run's contacts
	// once it is over (Result.Simulated), which takes about 0.1 ms of wall
	// time per contact: half a minute for 300,000.
	SkipSimulation bool
	// ServerPID, when set, is the server's process, sampled for RSS and
	// CPU from /proc. 0 means: look for the process listening on Addr's
	// port when Addr is local (Linux), else none.
	ServerPID int
	// Progress, when set, gets a snapshot about every second.
	Progress func(Snapshot)
	// Setup, when set, is a workspace already prepared (worker processes):
	// no HTTP setup is done and Agents is ignored.
	Setup *Setup
	// Worker numbers this process among several (names stay unique).
	Worker int

	// Hold, when positive, makes the run a hold (idle sockets) run instead
	// of a chat run: connect Agents agents (hello, then presence
	// available) and Visitors visitors (hello only: no chat starts), hold
	// every socket open for Hold, read the server's memory, and close.
	// Rate is then the visitors' connect pace per second (0 means
	// DefaultHoldRate) and Duration is not used. See hold.go.
	Hold time.Duration
	// Visitors is how many idle visitor sockets a hold run opens.
	Visitors int
	// ServerPprof, when set, is the server's net/http/pprof address: a hold
	// run makes the server collect garbage (GET /debug/pprof/heap?gc=1)
	// before reading its memory, so that garbage does not count.
	ServerPprof string
	// release, when set, ends a hold when it is closed instead of after
	// Hold, and held is called once every socket is up (worker processes).
	release <-chan struct{}
	held    func(agents, visitors int64)
}

func (c Config) withDefaults() (Config, error) {
	if c.Hold > 0 {
		return c.holdDefaults()
	}
	switch {
	case c.Addr == "":
		return c, fmt.Errorf("%w: --addr is required", ErrConfig)
	case c.AdminKey == "" && c.Setup == nil:
		return c, fmt.Errorf("%w: --admin-key is required", ErrConfig)
	case c.Agents < 1 && c.Setup == nil:
		return c, fmt.Errorf("%w: --agents %d (want ≥ 1)", ErrConfig, c.Agents)
	case !(c.Rate >= 0) || !(c.Calls >= 0) || !(c.Emails >= 0) || math.IsInf(c.Rate, 0) || math.IsInf(c.Calls, 0) || math.IsInf(c.Emails, 0):
		return c, fmt.Errorf("%w: --rate %v, --calls %v, --emails %v (want ≥ 0 per second)", ErrConfig, c.Rate, c.Calls, c.Emails)
	case c.Rate == 0 && c.Calls == 0 && c.Emails == 0:
		return c, fmt.Errorf("%w: --rate, --calls or --emails is required (arrivals per second)", ErrConfig)
	case c.Duration <= 0:
		return c, fmt.Errorf("%w: --duration %v (want > 0)", ErrConfig, c.Duration)
	}
	for _, f := range []struct {
		flag  string
		value any
		ok    bool
	}{
		{"--capacity", c.Capacity, c.Capacity >= 0},
		{"--email-capacity", c.EmailCapacity, c.EmailCapacity >= 0},
		{"--visitors-max", c.VisitorsMax, c.VisitorsMax >= 0},
		{"--chat-length", c.ChatLength, c.ChatLength >= 0},
		{"--message-gap", c.MessageGap, c.MessageGap >= 0},
		{"--patience", c.Patience, c.Patience >= 0},
		{"--call-length", c.CallLength, c.CallLength >= 0},
		{"--email-length", c.EmailLength, c.EmailLength >= 0},
	} {
		if !f.ok {
			return c, fmt.Errorf("%w: %s %v (want ≥ 0)", ErrConfig, f.flag, f.value)
		}
	}
	switch {
	case !(c.PatienceCV >= 0 && c.PatienceCV <= MaxPatienceCV):
		return c, fmt.Errorf("%w: --patience-cv %v (want 0 for exponential, or up to %v)", ErrConfig, c.PatienceCV, MaxPatienceCV)
	case c.PatienceCV > 0 && c.Patience == 0:
		return c, fmt.Errorf("%w: --patience-cv needs --patience (the mean)", ErrConfig)
	case !(c.Miss >= 0 && c.Miss <= sim.MaxMiss):
		return c, fmt.Errorf("%w: --miss %v (a fraction of the offers, 0 to %v)", ErrConfig, c.Miss, sim.MaxMiss)
	case !(c.MissAgents >= 0 && c.MissAgents <= 1) || c.MissAgents > 0 && c.Miss == 0:
		return c, fmt.Errorf("%w: --miss-agents %v (a fraction of the agents, 0 to 1, with --miss)", ErrConfig, c.MissAgents)
	case !(c.Decline >= 0 && c.Decline <= sim.MaxMiss):
		return c, fmt.Errorf("%w: --decline %v (a fraction of the offers, 0 to %v)", ErrConfig, c.Decline, sim.MaxMiss)
	case !(c.DeclineAgents >= 0 && c.DeclineAgents <= 1) || c.DeclineAgents > 0 && c.Decline == 0:
		return c, fmt.Errorf("%w: --decline-agents %v (a fraction of the agents, 0 to 1, with --decline)", ErrConfig, c.DeclineAgents)
	case c.BackAfter < 0 || c.BackAfter > 0 && c.Miss == 0:
		return c, fmt.Errorf("%w: --back-after %v (want > 0, with --miss)", ErrConfig, c.BackAfter)
	case c.MissLimit != 0 && !router.ValidMissLimit(c.MissLimit):
		return c, fmt.Errorf("%w: --miss-limit %d (1 to %d)", ErrConfig, c.MissLimit, router.MaxMissLimit)
	case c.OfferTimeout < 0 || c.OfferTimeout > 0 && c.OfferTimeout < time.Second:
		return c, fmt.Errorf("%w: --offer-timeout %v (want 1s or more)", ErrConfig, c.OfferTimeout)
	case c.Broadcast != 0 && (c.Broadcast < 2 || c.Broadcast > router.MaxOffersLimit):
		return c, fmt.Errorf("%w: --broadcast %d (agents offered a contact at once: 2 to %d, or 0 for one)", ErrConfig, c.Broadcast, router.MaxOffersLimit)
	}
	if err := c.expertiseDefaults(); err != nil {
		return c, err
	}
	if c.Miss > 0 && c.BackAfter == 0 {
		c.BackAfter = sim.DefaultBackAfter
	}
	if c.Drain <= 0 {
		c.Drain = 10 * time.Second
	}
	if c.VisitorsMax == 0 {
		c.VisitorsMax = DefaultVisitorsMax
	}
	if c.ChatLength == 0 {
		c.ChatLength = DefaultChatLength
	}
	if c.MessageGap == 0 {
		c.MessageGap = DefaultMessageGap
	}
	if c.CallLength == 0 {
		c.CallLength = DefaultCallLength
	}
	if c.EmailLength == 0 {
		c.EmailLength = DefaultEmailLength
	}
	switch {
	case c.AcceptDelay == 0:
		c.AcceptDelay = DefaultAcceptDelay
	case c.AcceptDelay < 0:
		c.AcceptDelay = 0
	}
	if c.Capacity == 0 {
		c.Capacity = DefaultCapacity
	}
	if c.EmailCapacity == 0 {
		c.EmailCapacity = DefaultEmailCapacity
	}
	c.Languages = c.languages()
	return c, nil
}

// expertiseDefaults checks the expertise fields and sets their defaults:
// the label as the server keeps it (trimmed, lower case), the shares.
func (c *Config) expertiseDefaults() error {
	c.Expertise = strings.ToLower(strings.TrimSpace(c.Expertise))
	if c.Expertise == "" {
		if c.ExpertiseAgents != 0 || c.ExpertiseContacts != 0 || c.ExpertiseDrop != 0 {
			return fmt.Errorf("%w: --expertise-agents, --expertise-contacts and --expertise-drop go with --expertise (a label)", ErrConfig)
		}
		return nil
	}
	switch {
	case session.ValidateLabel(c.Expertise) != nil:
		return fmt.Errorf("%w: --expertise %q (a label of 1 to %d characters)", ErrConfig, c.Expertise, session.MaxTagLen)
	case !(c.ExpertiseAgents >= 0 && c.ExpertiseAgents <= 1):
		return fmt.Errorf("%w: --expertise-agents %v (a fraction of the agents, 0 to 1)", ErrConfig, c.ExpertiseAgents)
	case !(c.ExpertiseContacts >= 0 && c.ExpertiseContacts <= 1):
		return fmt.Errorf("%w: --expertise-contacts %v (a fraction of the contacts, 0 to 1)", ErrConfig, c.ExpertiseContacts)
	case c.ExpertiseDrop < 0 || c.ExpertiseDrop > maxExpertiseDrop:
		return fmt.Errorf("%w: --expertise-drop %v (0 for never, up to %v)", ErrConfig, c.ExpertiseDrop, maxExpertiseDrop)
	}
	if c.ExpertiseAgents == 0 {
		c.ExpertiseAgents = DefaultExpertiseShare
	}
	if c.ExpertiseContacts == 0 {
		c.ExpertiseContacts = DefaultExpertiseShare
	}
	return nil
}

// maxExpertiseDrop is the server's bound on a queue step's time.
const maxExpertiseDrop = hub.MaxQueueDuration

// MaxPatienceCV bounds --patience-cv: past it nearly every draw is far
// below the mean and a rare one far above.
const MaxPatienceCV = 10

// DefaultLanguage is the agents' and visitors' language when Languages is
// empty.
const DefaultLanguage = "en"

// agentLanguage is agent i's primary language: c's languages dealt round
// robin, as prepare creates the agents.
func (c Config) agentLanguage(i int) string {
	langs := c.languages()
	return langs[i%len(langs)]
}

// expert says whether agent id, the n-th, has the run's expertise: none
// without; else a share ExpertiseAgents of them (pickedAgent).
func (c Config) expert(id string, n int) bool {
	return c.Expertise != "" && pickedAgent(id, n, c.ExpertiseAgents)
}

// slots is each agent's slots, as prepare creates the agents: Capacity
// chats, a call at a time in a run with calls, EmailCapacity emails in a
// run with emails.
func (c Config) slots() presence.Capacity {
	var s presence.Capacity
	s[presence.Chat] = c.Capacity
	if c.Calls > 0 {
		s[presence.Voice] = 1
	}
	if c.Emails > 0 {
		s[presence.Email] = c.EmailCapacity
	}
	return s
}

// languages is c.Languages, or DefaultLanguage alone when it is empty.
func (c Config) languages() []string {
	if len(c.Languages) == 0 {
		return []string{DefaultLanguage}
	}
	return c.Languages
}
