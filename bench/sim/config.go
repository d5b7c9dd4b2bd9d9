package sim

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
)

// Defaults of Config fields.
const (
	DefaultDuration    = 24 * time.Hour
	DefaultSLThreshold = 20 * time.Second
	// MaxAgents bounds the hub's agent table: the simulator's agents are
	// real hub agents, each with a subscription.
	MaxAgents = 10000
	// MaxCapacity bounds an agent's contacts at once: the hub's own bound,
	// so that a replay keeps every capacity the server allows.
	MaxCapacity = presence.MaxCapacity
	// maxDelay bounds the wrap-up and the manual offers' times: a day.
	maxDelay = 24 * time.Hour
	// DefaultBackAfter is how long an agent set away for missed offers
	// takes to come back.
	DefaultBackAfter = time.Minute
	// MaxMiss bounds the fraction of offers missed: at 1 no contact is
	// ever answered.
	MaxMiss = 0.99
)

// ErrConfig is wrapped by every error about a Config field out of range.
var ErrConfig = errors.New("sim: bad config")

// Config is one simulation. A zero field means the default documented on
// it. Times are durations of simulated time.
type Config struct {
	// Agents is the number of agents, c (required, 1..10000).
	Agents int
	// Rate is the arrival rate λ, contacts per second (required, > 0).
	Rate float64
	// Handle is the mean handle time h (required, > 0).
	Handle time.Duration
	// HandleDist is the handle times' distribution: "" means Exponential,
	// the M/M/c of Erlang C.
	HandleDist HandleDist
	// HandleCV is the handle times' coefficient of variation (standard
	// deviation over mean) for Lognormal: 0 means 1. Exponential has 1 and
	// Constant 0, and take no other.
	HandleCV float64
	// Queues split the arrivals between queues, in proportion to their
	// shares: nil means one queue that takes them all.
	Queues []QueueShare
	// Languages is the visitors' language mix, in proportion to the shares:
	// nil means visitors bring no language.
	Languages []LanguageShare
	// Teams are the agents by what they serve and speak: nil means one team
	// of Agents agents in every queue, speaking every language of Languages
	// (the first as their primary). With Teams, Agents may be 0 (it becomes
	// their sum) or must equal their sum.
	Teams []Team
	// InterleaveTeams creates the teams' agents one of each team in turn
	// (as a load test deals its agents' languages round robin) rather than
	// team after team. The router breaks ties between agents by how long
	// they have been idle, then by id, so the order shows in who takes
	// what.
	InterleaveTeams bool
	// Capacity is how many contacts each agent serves at once (chat
	// concurrency, 1..MaxCapacity): 0 means 1, the M/M/c of Erlang C. The models
	// then count every slot as an agent, which holds when a chat takes as
	// long however many others the agent has.
	Capacity int
	// Media, when set, makes the run blended: its contacts come by voice,
	// chat and email, in proportion to the shares, each media with its own
	// handle time, wrap-up, capacity and service-level threshold (Handle,
	// Wrapup and SLThreshold are then the media's defaults, and Capacity
	// must be 0). Every agent serves every media of the run, and the hub's
	// rules hold: a call blocks new calls and chats while it lasts, email
	// blocks nothing and is never blocked. Email contacts never abandon.
	// Nil means every contact is a web chat.
	Media []MediaShare
	// Profile, when set, makes the arrival rate vary over a cycle, such as
	// a day: in interval k of the cycle, each Interval long, contacts
	// arrive at Profile[k] per second (0 for closed hours), and the cycle
	// repeats. Rate must then be 0; it becomes the profile's mean.
	Profile []float64
	// Arrivals, when set, make the run a replay: its contacts are these,
	// in order of arrival (a load test's own, or a contact center's
	// history), each with its own media, queue, language, handle time and
	// patience, instead of draws. Rate and Profile must then be 0 and nil
	// (the rate becomes their number over Duration), with no warm-up;
	// Duration must end after the last arrival (0: just after it). An
	// Interval cuts the replay into intervals, as a profile's: Duration
	// is rounded up to whole intervals, the Profile becomes the arrivals'
	// rate in each (ArrivalProfile), for the report and its models, and a
	// Schedule may staff them. HandleDist, Patience and the shares of
	// Media, Queues and Languages then only shape the models' predictions
	// beside the run.
	Arrivals []Arrival
	// Interval is the length of a Profile interval, at least a minute: 0
	// means 30 minutes.
	Interval time.Duration
	// Schedule is how many agents are on shift in each interval of the
	// Profile (the same length): agents 1 to Schedule[k] are available in
	// interval k and the others away, finishing the chats they have. Nil
	// means every agent in every interval. With a Schedule, Agents may be
	// 0 (it becomes the largest entry) or must equal the largest entry;
	// it does not go with Teams.
	Schedule []int
	// Shifts, in a replay cut into intervals, are when each agent was on
	// shift (History.Shifts, from a status log): agent i is available in
	// the spans of Shifts[i] (in order, apart) and away otherwise,
	// finishing the contacts they have. Agents is len(Shifts). It does not
	// go with a Schedule; with Teams (not interleaved), the shifts are the
	// agents' team after team (History.Roster). Each interval's agents on
	// shift, for the report and its models, are their mean in it, rounded.
	Shifts     [][]Span
	shiftMeans []float64 // by interval, set by checkShifts
	// AgentIDs name the agents, in order: nil means a00001, a00002, …. A
	// replay's roster gives the agents their own (Roster.IDs), so that the
	// router breaks ties between them as it did.
	AgentIDs   []string
	shiftSlots []float64 // the same of slots, with agents of their own capacities
	// Wrapup is the after-contact work of every contact: once a chat ends,
	// its agent keeps the slot this long before the hub's Wrapup frees it
	// (0: at once, as in M/M/c). The models then take handle plus wrap-up
	// as the time a contact holds its slot (serviceTime), as workforce
	// tools do with average handle time (talk plus after-call work).
	Wrapup time.Duration
	// Accept is the queues' accept mode: "" means router.Auto, where the hub
	// gives a contact to the agent it picks. With router.Manual it offers
	// the contact, and the agent accepts after AcceptDelay or lets the
	// offer ring out (Miss); a contact whose offer ran out is offered to
	// the next agent, and an agent who let 3 offers in a row run out is
	// set away by the hub, and comes back after BackAfter.
	Accept router.AcceptMode
	// AcceptDelay is the mean time an agent takes to accept a manual offer
	// (exponential): 0 means at once. A draw past OfferTimeout is a miss.
	AcceptDelay time.Duration
	// AcceptDist is the accept delays' distribution: "" means Exponential;
	// with Constant, every agent accepts after AcceptDelay exactly, as a
	// load test's agents do.
	AcceptDist HandleDist
	// Miss is the fraction of manual offers the agents let ring out (0 to
	// 0.99).
	Miss float64
	// AgentMiss, when set, are the agents' own Miss, in place of Miss: a
	// replay's agents let offers ring as the day's did, some many and some
	// none (--miss observed, AgentRates). With AgentIDs, one per agent in
	// their order; without, the rates of any number of agents (the day's),
	// spread over the run's in an order drawn from Seed.
	AgentMiss []float64
	// Decline is the fraction of the manual offers an agent does not let
	// ring out that they decline (0 to 0.99): the hub offers the contact
	// to the next agent at once, and not to them again. DeclineDelay is
	// the declines' mean time (AcceptDist's distribution): 0 means
	// AcceptDelay.
	Decline      float64
	DeclineDelay time.Duration
	// AgentDecline, when set, are the agents' own Decline, in place of
	// Decline, as AgentMiss are theirs: with AgentIDs one per agent;
	// without, the day's agents' rates, each agent's at the same index as
	// their AgentMiss if that is set too (an agent who lets many offers
	// ring may decline many as well), spread over the run's agents.
	AgentDecline []float64
	// OfferTimeout is how long a manual offer rings: 0 means the router's
	// default (router.DefaultOfferTimeout, 20 s).
	OfferTimeout time.Duration
	// BackAfter is how long an agent set away for missed offers takes to
	// set themselves available again: 0 means DefaultBackAfter.
	BackAfter time.Duration
	// MissLimit is how many offers in a row an agent may let ring out
	// before the hub sets them away, the workspace's miss_limit (1 to
	// router.MaxMissLimit): 0 means router.DefaultMissLimit.
	MissLimit int
	// Patience is the mean patience θ: 0 means contacts never abandon.
	Patience time.Duration
	// Duration is the measured window: 0 means DefaultDuration (a day).
	Duration time.Duration
	// Warmup is simulated before the window and not counted: 0 means a
	// tenth of Duration; negative means none.
	Warmup time.Duration
	// SLThreshold is T in "answered within T": 0 means DefaultSLThreshold.
	SLThreshold time.Duration
	// Seed seeds every random draw: the same Config gives the same Report.
	Seed uint64
	// Progress, when set, is called from Run's goroutine about every
	// ProgressEvery of wall time, and once at the end.
	Progress func(Progress)
	// ProgressEvery: 0 means a second.
	ProgressEvery time.Duration
	// OnCall, when set, is called from Run's goroutine with every call,
	// warm-up included, once it is answered or abandons: for tests and
	// analyses beyond the Report.
	OnCall func(Call)
	// OnMissedAway, when set, is called from Run's goroutine when the hub
	// sets an agent away for missed offers (back false), and when the
	// agent sets themselves available again after BackAfter (back true),
	// at seconds of simulated time: what a manual day's status log shows
	// of its misses.
	OnMissedAway func(agent string, at float64, back bool)
}

// HandleDist is a handle-time distribution.
type HandleDist string

// Handle-time distributions.
const (
	// Exponential handle times: the M/M/c queue of Erlang C and A.
	Exponential HandleDist = "exponential"
	// Lognormal handle times, with Config.HandleCV: the usual fit of
	// measured contact-center handle times (a long right tail).
	Lognormal HandleDist = "lognormal"
	// Constant handle times: every contact takes the mean (M/D/c).
	Constant HandleDist = "constant"
)

// QueueShare is one queue of a run and its share of the arrivals.
type QueueShare struct {
	// Name is the queue's id: 1 to 32 letters, digits, '-' or '_'.
	Name string `json:"name"`
	// Share is its part of the arrivals (> 0); the shares need not sum
	// to 1, they are normalized.
	Share float64 `json:"share"`
	// Priority of its contacts, 1 (most urgent) to 8: 0 means the
	// router's default, 5. A free agent takes the most urgent waiting
	// contact of its queues, the longest waiting among equals.
	Priority int `json:"priority,omitempty"`
	// Expertise is required of the agents who take its contacts (as a
	// server queue's expertise): nil means none. A contact may require
	// more of its own (Arrival.Expertise).
	Expertise []string `json:"expertise,omitempty"`
	// Steps widen its pool as a contact waits, in order (as a server
	// queue's steps).
	Steps []QueueStep `json:"steps,omitempty"`
	// LanguageWeight weighs the language against the load in its routing:
	// nil means the router's default.
	LanguageWeight *float64 `json:"language_weight,omitempty"`
	// Aging raises a waiting contact's priority a step per Aging waited: 0
	// means none.
	Aging time.Duration `json:"-"`
	// OfferMode broadcast offers each of its contacts to up to MaxOffers
	// free agents at once (0: the router's default, 3), as a server
	// queue's offer_mode: the first to accept takes it, and the others'
	// offers are withdrawn. "" means single; with the auto accept mode
	// there is no offer to broadcast, as on a server.
	OfferMode router.OfferMode `json:"offer_mode,omitempty"`
	MaxOffers int              `json:"max_offers,omitempty"`
}

// LanguageShare is one visitor language and its share of the arrivals.
type LanguageShare struct {
	// Language is a base language tag such as "en" or "pt".
	Language string `json:"language"`
	// Share is its part of the arrivals (> 0), normalized like QueueShare's.
	Share float64 `json:"share"`
}

// Team is a group of identical agents.
type Team struct {
	// Agents is how many (≥ 1).
	Agents int
	// Queues are the queues they serve: nil means every queue.
	Queues []string
	// Languages they speak, the first as primary, the rest secondary:
	// nil means none (every visitor with a language is a mismatch).
	Languages []string
	// Capacity is how many contacts of each media each of them holds at
	// once: nil means each media's own (Capacity, MediaShare.Capacity);
	// otherwise a media it does not name is one they do not take. A
	// replay's roster gives agents their own (History.Roster).
	Capacity map[presence.Media]int
	// Expertise is what they have, for the queues and contacts that
	// require some: nil means none.
	Expertise []string
}

// Call is one contact's fate. Times are seconds of simulated time since the
// start of the run.
type Call struct {
	// N is the arrival's number, from 1.
	N int
	// Arrive is when it entered the queue.
	Arrive float64
	// Wait is how long it waited: until an agent took it, or until it
	// abandoned.
	Wait float64
	// Answered is false for an abandon.
	Answered bool
	// Agent is the agent who took it, "" for an abandon.
	Agent string
	// Counted is set for arrivals inside the measured window.
	Counted bool
	// Queue is the index of its queue in Config.Queues (0 with one queue).
	Queue int
	// Media is its media (chat unless Config.Media says otherwise), and
	// Handle its handle time, seconds.
	Media  presence.Media
	Handle float64
	// Language is the language it brought ("" for none), and Patience
	// how long it would wait, seconds (0: as long as it takes).
	Language string
	Patience float64
	// Offered is set once an agent was offered it (an auto offer is its
	// answer), OfferWait after its arrival: an abandon may have had an
	// offer, which rang until it left.
	Offered   bool
	OfferWait float64
}

// Progress is how far a run has come.
type Progress struct {
	// Simulated and Total are the simulated time done and to do (warm-up
	// included).
	Simulated, Total time.Duration
	// Arrivals so far, warm-up included.
	Arrivals int
	// Events applied to the hub so far.
	Events int
	// Elapsed is the wall time since Run started.
	Elapsed time.Duration
	// Agents is the run's number of agents.
	Agents int
	// Trial is the run's number in a staffing search (Staff), from 1; 0
	// outside one.
	Trial int
	// Interval is the profile interval a search staffs (StaffProfile),
	// from 1; 0 outside one.
	Interval int
}

// withDefaults returns c with zero fields defaulted, or an error naming
// the first field out of range.
func (c Config) withDefaults() (Config, error) {
	if len(c.Teams) > 0 {
		sum := 0
		for i, t := range c.Teams {
			if t.Agents < 1 || t.Agents > MaxAgents {
				return c, fmt.Errorf("%w: team %d has %d agents (1..%d)", ErrConfig, i+1, t.Agents, MaxAgents)
			}
			sum += t.Agents
		}
		switch {
		case c.Agents == 0:
			c.Agents = sum
		case c.Agents != sum:
			return c, fmt.Errorf("%w: agents %d, but the teams have %d", ErrConfig, c.Agents, sum)
		}
	}
	if err := c.checkArrivals(); err != nil {
		return c, err
	}
	if err := c.checkProfile(); err != nil {
		return c, err
	}
	if err := c.checkShifts(); err != nil {
		return c, err
	}
	if err := c.checkAgentIDs(); err != nil {
		return c, err
	}
	switch {
	case c.Agents < 1 || c.Agents > MaxAgents:
		return c, fmt.Errorf("%w: agents %d (1..%d)", ErrConfig, c.Agents, MaxAgents)
	case !(c.Rate > 0) || math.IsInf(c.Rate, 0):
		return c, fmt.Errorf("%w: rate %v (want > 0 per second)", ErrConfig, c.Rate)
	case c.Handle < 0 || c.Handle == 0 && !c.blended():
		return c, fmt.Errorf("%w: handle %v (want > 0)", ErrConfig, c.Handle)
	case c.Capacity < 0 || c.Capacity > MaxCapacity:
		return c, fmt.Errorf("%w: capacity %d (1..%d contacts at once)", ErrConfig, c.Capacity, MaxCapacity)
	case c.Wrapup < 0 || c.Wrapup > maxDelay:
		return c, fmt.Errorf("%w: wrap-up %v (0 to %v)", ErrConfig, c.Wrapup, maxDelay)
	case c.Patience < 0:
		return c, fmt.Errorf("%w: patience %v (want ≥ 0)", ErrConfig, c.Patience)
	case c.Duration < 0:
		return c, fmt.Errorf("%w: duration %v (want ≥ 0)", ErrConfig, c.Duration)
	case c.SLThreshold < 0:
		return c, fmt.Errorf("%w: sl threshold %v (want ≥ 0)", ErrConfig, c.SLThreshold)
	}
	switch c.HandleDist {
	case "":
		c.HandleDist = Exponential
		fallthrough
	case Exponential:
		if c.HandleCV != 0 && c.HandleCV != 1 {
			return c, fmt.Errorf("%w: exponential handle times have a cv of 1, not %v (use lognormal)", ErrConfig, c.HandleCV)
		}
		c.HandleCV = 1
	case Constant:
		if c.HandleCV != 0 {
			return c, fmt.Errorf("%w: constant handle times have a cv of 0, not %v", ErrConfig, c.HandleCV)
		}
	case Lognormal:
		switch {
		case c.HandleCV == 0:
			c.HandleCV = 1
		case !(c.HandleCV > 0) || c.HandleCV > 10:
			return c, fmt.Errorf("%w: handle cv %v (want > 0, at most 10)", ErrConfig, c.HandleCV)
		}
	default:
		return c, fmt.Errorf("%w: handle distribution %q (exponential, lognormal or constant)", ErrConfig, c.HandleDist)
	}
	if err := c.checkMix(); err != nil {
		return c, err
	}
	if err := c.checkRouting(); err != nil {
		return c, err
	}
	if err := c.checkAccept(); err != nil {
		return c, err
	}
	if c.Duration == 0 {
		c.Duration = DefaultDuration
	}
	if c.SLThreshold == 0 {
		c.SLThreshold = DefaultSLThreshold
	}
	if err := c.checkMedia(); err != nil {
		return c, err
	}
	if err := c.checkArrivalsMix(); err != nil {
		return c, err
	}
	if c.Capacity == 0 {
		c.Capacity = 1
	}
	if err := c.checkTeamCapacities(); err != nil {
		return c, err
	}
	switch {
	case c.Warmup == 0:
		c.Warmup = c.Duration / 10
	case c.Warmup < 0:
		c.Warmup = 0
	}
	if c.ProgressEvery <= 0 {
		c.ProgressEvery = time.Second
	}
	return c, nil
}

// checkAccept validates and defaults the accept mode and the manual
// offers' fields.
func (c *Config) checkAccept() error {
	switch c.Accept {
	case "":
		c.Accept = router.Auto
		fallthrough
	case router.Auto:
		if c.AcceptDelay != 0 || c.AcceptDist != "" || c.Miss != 0 || c.AgentMiss != nil || c.Decline != 0 || c.AgentDecline != nil || c.DeclineDelay != 0 ||
			c.OfferTimeout != 0 || c.BackAfter != 0 || c.MissLimit != 0 {
			return fmt.Errorf("%w: an accept delay, misses, declines, an offer timeout, a time to come back or a miss limit need the manual accept mode", ErrConfig)
		}
		return nil
	case router.Manual:
	default:
		return fmt.Errorf("%w: accept mode %q (auto or manual)", ErrConfig, c.Accept)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"accept delay", c.AcceptDelay}, {"decline delay", c.DeclineDelay}, {"offer timeout", c.OfferTimeout}, {"time to come back", c.BackAfter}} {
		if d.v < 0 || d.v > maxDelay {
			return fmt.Errorf("%w: %s %v (0 to %v)", ErrConfig, d.name, d.v, maxDelay)
		}
	}
	switch c.AcceptDist {
	case "":
		c.AcceptDist = Exponential
	case Exponential, Constant:
	default:
		return fmt.Errorf("%w: accept delay distribution %q (exponential or constant)", ErrConfig, c.AcceptDist)
	}
	if !(c.Miss >= 0 && c.Miss <= MaxMiss) {
		return fmt.Errorf("%w: missed offers %v (a fraction, 0 to %v)", ErrConfig, c.Miss, MaxMiss)
	}
	if !(c.Decline >= 0 && c.Decline <= MaxMiss) {
		return fmt.Errorf("%w: declined offers %v (a fraction, 0 to %v)", ErrConfig, c.Decline, MaxMiss)
	}
	for _, own := range []struct {
		rates *[]float64
		what  string
	}{{&c.AgentMiss, "missed"}, {&c.AgentDecline, "declined"}} {
		rates := *own.rates
		if rates == nil {
			continue
		}
		if c.AgentIDs != nil && len(rates) != c.Agents || len(rates) == 0 {
			return fmt.Errorf("%w: %d agents' %s offers for %d agents", ErrConfig, len(rates), own.what, c.Agents)
		}
		for i, m := range rates {
			if !(m >= 0 && m <= MaxMiss) {
				return fmt.Errorf("%w: agent %d's %s offers %v (a fraction, 0 to %v)", ErrConfig, i+1, own.what, m, MaxMiss)
			}
		}
		*own.rates = slices.Clone(rates)
	}
	if c.AgentMiss != nil && c.AgentDecline != nil && len(c.AgentMiss) != len(c.AgentDecline) {
		return fmt.Errorf("%w: %d agents' declined offers and %d agents' missed offers: one of each per agent", ErrConfig, len(c.AgentDecline), len(c.AgentMiss))
	}
	if c.MissLimit != 0 && !router.ValidMissLimit(c.MissLimit) {
		return fmt.Errorf("%w: miss limit %d (1 to %d)", ErrConfig, c.MissLimit, router.MaxMissLimit)
	}
	if c.MissLimit == 0 {
		c.MissLimit = router.DefaultMissLimit
	}
	if c.OfferTimeout == 0 {
		c.OfferTimeout = router.DefaultOfferTimeout
	}
	if c.BackAfter == 0 {
		c.BackAfter = DefaultBackAfter
	}
	if (c.Decline > 0 || c.AgentDecline != nil) && c.DeclineDelay == 0 {
		c.DeclineDelay = c.AcceptDelay
	}
	return nil
}

// maxMix bounds the queues, languages and teams of a run.
const maxMix = 64

// checkMix validates the queues, languages and teams, normalizing the
// language tags (copies: the caller's slices are not changed).
func (c *Config) checkMix() error {
	if len(c.Queues) > maxMix || len(c.Languages) > maxMix || len(c.Teams) > maxMix {
		return fmt.Errorf("%w: at most %d queues, languages and teams each", ErrConfig, maxMix)
	}
	queues := map[string]bool{}
	for _, q := range c.Queues {
		switch {
		case !validName(q.Name):
			return fmt.Errorf("%w: queue name %q (1 to 32 letters, digits, '-' or '_')", ErrConfig, q.Name)
		case queues[q.Name]:
			return fmt.Errorf("%w: queue %q named twice", ErrConfig, q.Name)
		case !(q.Share > 0) || math.IsInf(q.Share, 0):
			return fmt.Errorf("%w: queue %q share %v (want > 0)", ErrConfig, q.Name, q.Share)
		case q.Priority < 0 || q.Priority > router.MaxPriority:
			return fmt.Errorf("%w: queue %q priority %d (1..%d)", ErrConfig, q.Name, q.Priority, router.MaxPriority)
		}
		queues[q.Name] = true
	}
	langs := map[string]bool{}
	c.Languages = append([]LanguageShare(nil), c.Languages...)
	for i, l := range c.Languages {
		tag, err := languageTag(l.Language)
		switch {
		case err != nil:
			return err
		case langs[tag]:
			return fmt.Errorf("%w: language %q named twice", ErrConfig, tag)
		case !(l.Share > 0) || math.IsInf(l.Share, 0):
			return fmt.Errorf("%w: language %q share %v (want > 0)", ErrConfig, tag, l.Share)
		}
		langs[tag] = true
		c.Languages[i].Language = tag
	}
	c.Teams = append([]Team(nil), c.Teams...)
	served := map[string]bool{}
	for i, t := range c.Teams {
		t.Languages = append([]string(nil), t.Languages...)
		for j, l := range t.Languages {
			tag, err := languageTag(l)
			if err != nil {
				return fmt.Errorf("team %d: %w", i+1, err)
			}
			t.Languages[j] = tag
		}
		for j, q := range t.Queues {
			if slices.Contains(t.Queues[:j], q) {
				return fmt.Errorf("%w: team %d names queue %q twice", ErrConfig, i+1, q)
			}
			if !queues[q] && !(len(c.Queues) == 0 && q == queueID) {
				return fmt.Errorf("%w: team %d serves queue %q, which is not among the queues", ErrConfig, i+1, q)
			}
			served[q] = true
		}
		if len(t.Queues) == 0 {
			served["*"] = true
		}
		c.Teams[i] = t
	}
	if len(c.Teams) > 0 && !served["*"] && len(c.Shifts) == 0 { // a roster's queues may have had no one
		for _, q := range c.queueNames() {
			if !served[q] {
				return fmt.Errorf("%w: no team serves queue %q", ErrConfig, q)
			}
		}
	}
	return nil
}

// serviceTime is how long a contact holds its agent's slot, on average,
// handle time plus wrap-up, and that time's coefficient of variation: what
// the models take as the handle time. Wrap-up is the same for every
// contact, so it adds to the mean and not to the spread.
func (c *Config) serviceTime() (mean, cv float64) {
	h, w := c.Handle.Seconds(), c.Wrapup.Seconds()
	return h + w, c.HandleCV * h / (h + w)
}

// exponentialService reports whether the time a contact holds its slot is
// exponential, as Erlang C and A assume.
func (c *Config) exponentialService() bool { return c.HandleDist == Exponential && c.Wrapup == 0 }

// slots is how many contacts the agents serve at once, all told: the
// number of agents the models count (see Capacity).
func (c *Config) slots() int {
	if c.ownCapacities() && !c.blended() {
		return int(sum(c.agentSlots()))
	}
	return c.Agents * c.Capacity
}

// queueNames are the run's queue ids.
func (c *Config) queueNames() []string {
	if len(c.Queues) == 0 {
		return []string{queueID}
	}
	names := make([]string, len(c.Queues))
	for i, q := range c.Queues {
		names[i] = q.Name
	}
	return names
}

// validName reports whether s is a queue id the simulator accepts.
func validName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !idChar(r) {
			return false
		}
	}
	return true
}

// idChar reports whether r may be in a queue id: a letter, a digit, '-'
// or '_'.
func idChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}

// languageTag returns the base language of tag, lower case, or an error
// when it is not 2 to 8 letters.
func languageTag(tag string) (string, error) {
	b := presence.BaseLanguage(tag)
	ok := len(b) >= 2 && len(b) <= 8
	for _, r := range b {
		ok = ok && r >= 'a' && r <= 'z'
	}
	if !ok {
		return "", fmt.Errorf("%w: language %q (a tag such as en or pt-BR)", ErrConfig, tag)
	}
	return b, nil
}

// checkAgentIDs validates AgentIDs: one per agent, each used once.
func (c *Config) checkAgentIDs() error {
	if c.AgentIDs == nil {
		return nil
	}
	if len(c.AgentIDs) != c.Agents {
		return fmt.Errorf("%w: %d agent ids for %d agents", ErrConfig, len(c.AgentIDs), c.Agents)
	}
	seen := make(map[string]bool, len(c.AgentIDs))
	for _, id := range c.AgentIDs {
		if id == "" || len(id) > 64 || seen[id] {
			return fmt.Errorf("%w: agent id %q: each agent's own, 1 to 64 bytes", ErrConfig, id)
		}
		seen[id] = true
	}
	c.AgentIDs = slices.Clone(c.AgentIDs)
	return nil
}

// checkTeamCapacities validates the teams' own capacities, once the
// media are checked, and copies them.
func (c *Config) checkTeamCapacities() error {
	media := c.media()
	for i := range c.Teams {
		t := &c.Teams[i]
		if t.Capacity == nil {
			continue
		}
		takes := false
		for m, n := range t.Capacity {
			switch {
			case !slices.ContainsFunc(media, func(s MediaShare) bool { return s.Media == m }):
				return fmt.Errorf("%w: team %d has a capacity for %s, which is not among the run's media", ErrConfig, i+1, m)
			case n < 0 || n > MaxCapacity:
				return fmt.Errorf("%w: team %d's %s capacity %d (0..%d contacts at once)", ErrConfig, i+1, m, n, MaxCapacity)
			case m == presence.Voice && n > 1:
				return fmt.Errorf("%w: team %d's voice capacity %d: a call is exclusive, an agent takes one at a time", ErrConfig, i+1, n)
			}
			takes = takes || n > 0
		}
		if !takes {
			return fmt.Errorf("%w: team %d takes no contact: a capacity of 0 for every media", ErrConfig, i+1)
		}
		t.Capacity = maps.Clone(t.Capacity)
	}
	if c.ownCapacities() && !c.blended() && len(c.Shifts) > 0 {
		c.shiftSlots = meanOnShift(c.Shifts, c.agentSlots(), c.Interval.Seconds(), len(c.Profile))
	}
	return nil
}

// capacity is how many contacts of media m an agent of team ti holds at
// once.
func (c *Config) capacity(ti int, m MediaShare) int {
	if ti < len(c.Teams) && c.Teams[ti].Capacity != nil {
		return c.Teams[ti].Capacity[m.Media]
	}
	return m.Capacity
}

// ownCapacities reports whether some team has its own capacities.
func (c *Config) ownCapacities() bool {
	return slices.ContainsFunc(c.Teams, func(t Team) bool { return t.Capacity != nil })
}

// agentTeams is the team of each agent, in the order the agents are
// created (and numbered): team after team, or one of each team in turn
// with InterleaveTeams.
func (c *Config) agentTeams() []int {
	teams := c.teams()
	var out []int
	if !c.InterleaveTeams {
		for ti, t := range teams {
			for range t.Agents {
				out = append(out, ti)
			}
		}
		return out
	}
	left := make([]int, len(teams))
	for ti, t := range teams {
		left[ti] = t.Agents
	}
	for len(out) < c.Agents {
		for ti := range teams {
			if left[ti] > 0 {
				left[ti]--
				out = append(out, ti)
			}
		}
	}
	return out
}

// teams returns the run's teams: Teams, or the one team of the default.
func (c *Config) teams() []Team {
	if len(c.Teams) > 0 {
		return c.Teams
	}
	var langs []string
	for _, l := range c.Languages {
		langs = append(langs, l.Language)
	}
	return []Team{{Agents: c.Agents, Languages: langs}}
}
