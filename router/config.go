package router

import (
	"errors"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// Errors returned by the router. They are wrapped with detail.
var (
	ErrNotFound = errors.New("router: not found")
	ErrConflict = errors.New("router: conflict")
	ErrInvalid  = errors.New("router: invalid")
	ErrInUse    = errors.New("router: in use")
)

// AcceptMode says whether an agent must accept an offer (manual) or is
// assigned at once (auto).
type AcceptMode string

// Accept modes.
const (
	Manual AcceptMode = "manual"
	Auto   AcceptMode = "auto"
)

// OfferMode says how many agents see a manual offer at once.
type OfferMode string

// Offer modes.
const (
	Single    OfferMode = "single"
	Broadcast OfferMode = "broadcast"
)

// Defaults of a queue's routing fields, applied where a field is zero.
const (
	DefaultOfferTimeout = 20 * time.Second
	DefaultMaxOffers    = 3
	// MaxOffersLimit bounds a queue's max_offers.
	MaxOffersLimit        = 100
	DefaultPriority       = 5
	DefaultLanguageWeight = 0.5
	DefaultStickySlack    = 0.25
	MinPriority           = 1 // most urgent
	MaxPriority           = 8 // least urgent
	MaxSteps              = 16
)

// Step widens the pool of a session after it has waited After: it drops the
// required expertise, drops the language weight, and/or adds the members of
// another queue (Twilio workflow steps, Genesys bullseye).
type Step struct {
	After         time.Duration
	DropExpertise bool
	DropLanguage  bool
	AddQueue      string
}

// Queue is a queue's routing configuration. A zero field means the default
// documented on it, so Queue{ID: "q"} is a complete queue.
type Queue struct {
	ID string
	// AcceptMode: "" means Manual.
	AcceptMode AcceptMode
	// OfferMode: "" means Single.
	OfferMode OfferMode
	// OfferTimeout: 0 means DefaultOfferTimeout.
	OfferTimeout time.Duration
	// MaxOffers is how many agents see a broadcast offer at once: 0 means
	// DefaultMaxOffers.
	MaxOffers int
	// Priority of sessions that bring none, 1 (most urgent) to 8: 0 means
	// DefaultPriority.
	Priority int
	// MaxWaiting deflects new sessions while this many wait: 0 means no limit.
	MaxWaiting int
	// MaxWait deflects new sessions while the longest wait is at least this:
	// 0 means no limit.
	MaxWait time.Duration
	// Expertise required of agents for every session of the queue.
	Expertise presence.Expertise
	// Hours are the business hours; nil means always open.
	Hours *Hours
	// Aging raises a waiting session's priority one step per Aging waited:
	// 0 means no aging.
	Aging time.Duration
	// LanguageWeight weighs the language tier against load: nil means
	// DefaultLanguageWeight.
	LanguageWeight *float64
	// Steps widen the pool with time, in increasing After.
	Steps []Step
	// StickySlack is how much worse than the best score the last agent of a
	// returning contact may be and still get it: nil means DefaultStickySlack.
	StickySlack *float64
	// ServiceLevel is the answer time within which a session counts as
	// answered in service level: 0 means 20 s.
	ServiceLevel time.Duration
	// DeflectNoAgents deflects new sessions with reason no_one_available when
	// no member is online; otherwise they wait.
	DeflectNoAgents bool
}

func (q *Queue) acceptMode() AcceptMode {
	if q.AcceptMode == "" {
		return Manual
	}
	return q.AcceptMode
}

func (q *Queue) offerMode() OfferMode {
	if q.OfferMode == "" {
		return Single
	}
	return q.OfferMode
}

func (q *Queue) offerTimeout() time.Duration {
	if q.OfferTimeout <= 0 {
		return DefaultOfferTimeout
	}
	return q.OfferTimeout
}

// offerLimit is how many offers of one session may be pending at once.
func (q *Queue) offerLimit() int {
	if q.acceptMode() == Auto || q.offerMode() == Single {
		return 1
	}
	if q.MaxOffers <= 0 {
		return DefaultMaxOffers
	}
	return q.MaxOffers
}

func (q *Queue) serviceLevel() time.Duration {
	if q.ServiceLevel <= 0 {
		return 20 * time.Second
	}
	return q.ServiceLevel
}

func (q *Queue) priority() int {
	if q.Priority == 0 {
		return DefaultPriority
	}
	return q.Priority
}

func (q *Queue) languageWeight() float64 {
	if q.LanguageWeight == nil {
		return DefaultLanguageWeight
	}
	return *q.LanguageWeight
}

func (q *Queue) stickySlack() float64 {
	if q.StickySlack == nil {
		return DefaultStickySlack
	}
	return *q.StickySlack
}

// Validate checks the fields that have a range. It does not check that
// AddQueue names an existing queue; the router does when the queue is put.
func (q *Queue) Validate() error {
	switch {
	case q.ID == "":
		return fmt.Errorf("%w: queue id is empty", ErrInvalid)
	case q.AcceptMode != "" && q.AcceptMode != Manual && q.AcceptMode != Auto:
		return fmt.Errorf("%w: accept_mode %q", ErrInvalid, q.AcceptMode)
	case q.OfferMode != "" && q.OfferMode != Single && q.OfferMode != Broadcast:
		return fmt.Errorf("%w: offer_mode %q", ErrInvalid, q.OfferMode)
	case q.OfferTimeout < 0 || q.MaxWait < 0 || q.Aging < 0:
		return fmt.Errorf("%w: negative duration", ErrInvalid)
	case q.MaxOffers < 0 || q.MaxOffers > MaxOffersLimit:
		return fmt.Errorf("%w: max_offers %d (0..%d)", ErrInvalid, q.MaxOffers, MaxOffersLimit)
	case q.Priority != 0 && (q.Priority < MinPriority || q.Priority > MaxPriority):
		return fmt.Errorf("%w: priority %d (1..8)", ErrInvalid, q.Priority)
	case q.MaxWaiting < 0:
		return fmt.Errorf("%w: max_waiting %d", ErrInvalid, q.MaxWaiting)
	case q.LanguageWeight != nil && (*q.LanguageWeight < 0 || *q.LanguageWeight > 100):
		return fmt.Errorf("%w: language_weight %v (0..100)", ErrInvalid, *q.LanguageWeight)
	case q.StickySlack != nil && (*q.StickySlack < 0 || *q.StickySlack > 100):
		return fmt.Errorf("%w: sticky_slack %v (0..100)", ErrInvalid, *q.StickySlack)
	case len(q.Steps) > MaxSteps:
		return fmt.Errorf("%w: %d steps (at most %d)", ErrInvalid, len(q.Steps), MaxSteps)
	}
	for i, s := range q.Steps {
		if s.After < 0 || (i > 0 && s.After < q.Steps[i-1].After) {
			return fmt.Errorf("%w: step %d: after must be ≥ 0 and not decrease", ErrInvalid, i)
		}
		if s.AddQueue == q.ID {
			return fmt.Errorf("%w: step %d adds its own queue", ErrInvalid, i)
		}
	}
	return nil
}

// Config configures a Router. A zero field means the default documented on it.
type Config struct {
	// MissLimit is how many offers in a row an agent may let time out before
	// being set away: 0 means DefaultMissLimit.
	MissLimit int
	// Grace is how long an agent whose last socket dropped keeps their status:
	// 0 means 30 s.
	Grace time.Duration
}

// DefaultMissLimit is how many offers in a row an agent may let time out
// before the hub sets them away, unless Config.MissLimit says otherwise;
// MaxMissLimit is the most a workspace may allow.
const (
	DefaultMissLimit = 3
	MaxMissLimit     = 20
)

// ValidMissLimit says n is a miss limit a workspace may set:
// 1..MaxMissLimit. (A Config's 0 is the default, and is not one.)
func ValidMissLimit(n int) bool { return n >= 1 && n <= MaxMissLimit }

// MissLimit returns how many offers in a row an agent may let time out
// before being set away.
func (r *Router) MissLimit() int { return r.cfg.missLimit() }

// SetMissLimit changes how many offers in a row an agent may let time out
// before being set away (1..MaxMissLimit). It counts from the next offer
// that times out: an agent already past the new limit is set away at
// their next miss, not at once.
func (r *Router) SetMissLimit(n int) error {
	if !ValidMissLimit(n) {
		return fmt.Errorf("%w: miss limit %d (1..%d)", ErrInvalid, n, MaxMissLimit)
	}
	r.cfg.MissLimit = n
	return nil
}

func (c Config) missLimit() int {
	if c.MissLimit <= 0 {
		return DefaultMissLimit
	}
	return c.MissLimit
}

func (c Config) grace() time.Duration {
	if c.Grace <= 0 {
		return 30 * time.Second
	}
	return c.Grace
}
