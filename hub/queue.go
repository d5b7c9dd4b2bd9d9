package hub

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
)

// DefaultWrapupTimeout is how long an agent has to give a wrap-up code after
// a session ends before it is wrapped up with code "timeout".
const DefaultWrapupTimeout = 2 * time.Minute

// MaxWrapupCodes is the most wrap-up codes a queue may list.
const MaxWrapupCodes = 64

// QueueSpec is a queue as the admin API writes it: the router's routing
// configuration plus what the hub itself uses. A zero field means the
// default documented on it.
type QueueSpec struct {
	router.Queue
	// Name is required.
	Name string
	// WrapupCodes are the codes an agent may give; empty means any code.
	WrapupCodes []string
	// WrapupTimeout: 0 means DefaultWrapupTimeout.
	WrapupTimeout time.Duration
	// IdleRelease: a chat waiting for the customer longer than this stops
	// counting against its agent's capacity until the visitor writes again;
	// 0 means never.
	IdleRelease time.Duration
	// DeflectMessage is shown to a deflected visitor.
	DeflectMessage string
}

func (q *QueueSpec) wrapupTimeout() time.Duration {
	if q.WrapupTimeout <= 0 {
		return DefaultWrapupTimeout
	}
	return q.WrapupTimeout
}

// validate checks what the router does not.
func (q *QueueSpec) validate() error {
	switch {
	case strings.TrimSpace(q.Name) == "":
		return errorf(CodeBadRequest, "queue %q: name is required", q.ID)
	case len(q.Name) > session.MaxNameLen:
		return errorf(CodeBadRequest, "queue %q: name over %d bytes", q.ID, session.MaxNameLen)
	case len(q.WrapupCodes) > MaxWrapupCodes:
		return errorf(CodeBadRequest, "queue %q: %d wrap-up codes (at most %d)", q.ID, len(q.WrapupCodes), MaxWrapupCodes)
	case q.WrapupTimeout < 0 || q.IdleRelease < 0:
		return errorf(CodeBadRequest, "queue %q: negative wrapup_timeout or idle_release", q.ID)
	case len(q.DeflectMessage) > session.MaxTextLen:
		return errorf(CodeBadRequest, "queue %q: deflect_message over %d bytes", q.ID, session.MaxTextLen)
	}
	for _, c := range q.WrapupCodes {
		if strings.TrimSpace(c) == "" || len(c) > session.MaxCodeLen {
			return errorf(CodeBadRequest, "queue %q: wrap-up code %q (1..%d bytes)", q.ID, c, session.MaxCodeLen)
		}
	}
	return nil
}

// allowsCode reports whether code may close a session of the queue.
func (q *QueueSpec) allowsCode(code string) bool {
	if len(q.WrapupCodes) == 0 {
		return true
	}
	for _, c := range q.WrapupCodes {
		if c == code {
			return true
		}
	}
	return false
}

// queueRecord is the stored form of a queue (durations in seconds, business
// hours in their wire form).
type queueRecord struct {
	ID              string            `json:"id"`
	Name            string            `json:"name"`
	AcceptMode      router.AcceptMode `json:"accept_mode,omitempty"`
	OfferMode       router.OfferMode  `json:"offer_mode,omitempty"`
	OfferTimeout    float64           `json:"offer_timeout,omitempty"`
	MaxOffers       int               `json:"max_offers,omitempty"`
	Priority        int               `json:"priority,omitempty"`
	MaxWaiting      int               `json:"max_waiting,omitempty"`
	MaxWait         float64           `json:"max_wait,omitempty"`
	Expertise       []string          `json:"expertise,omitempty"`
	Aging           float64           `json:"aging,omitempty"`
	LanguageWeight  *float64          `json:"language_weight,omitempty"`
	StickySlack     *float64          `json:"sticky_slack,omitempty"`
	ServiceLevel    float64           `json:"service_level,omitempty"`
	DeflectNoAgents bool              `json:"deflect_no_agents,omitempty"`
	Steps           []stepRecord      `json:"steps,omitempty"`
	Hours           *hoursRecord      `json:"business_hours,omitempty"`
	WrapupCodes     []string          `json:"wrapup_codes,omitempty"`
	WrapupTimeout   float64           `json:"wrapup_timeout,omitempty"`
	IdleRelease     float64           `json:"idle_release,omitempty"`
	DeflectMessage  string            `json:"deflect_message,omitempty"`
}

type stepRecord struct {
	After         float64 `json:"after"`
	DropExpertise bool    `json:"drop_expertise,omitempty"`
	DropLanguage  bool    `json:"drop_language,omitempty"`
	AddQueue      string  `json:"add_queue,omitempty"`
}

type hoursRecord struct {
	TZ   string              `json:"tz"`
	Days map[string][]string `json:"days"`
}

var weekdays = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func (q *QueueSpec) record() queueRecord {
	r := queueRecord{ID: q.ID, Name: q.Name, AcceptMode: q.AcceptMode, OfferMode: q.OfferMode,
		OfferTimeout: q.OfferTimeout.Seconds(), MaxOffers: q.MaxOffers, Priority: q.Priority,
		MaxWaiting: q.MaxWaiting, MaxWait: q.MaxWait.Seconds(), Expertise: q.Expertise,
		Aging: q.Aging.Seconds(), LanguageWeight: q.LanguageWeight, StickySlack: q.StickySlack,
		ServiceLevel: q.ServiceLevel.Seconds(), DeflectNoAgents: q.DeflectNoAgents,
		WrapupCodes: q.WrapupCodes, WrapupTimeout: q.WrapupTimeout.Seconds(), DeflectMessage: q.DeflectMessage,
		IdleRelease: q.IdleRelease.Seconds()}
	for _, s := range q.Steps {
		r.Steps = append(r.Steps, stepRecord{After: s.After.Seconds(), DropExpertise: s.DropExpertise,
			DropLanguage: s.DropLanguage, AddQueue: s.AddQueue})
	}
	if h := q.Hours; h != nil {
		hr := &hoursRecord{TZ: "UTC", Days: map[string][]string{}}
		if h.Loc != nil {
			hr.TZ = h.Loc.String()
		}
		for d, spans := range h.Days {
			for _, sp := range spans {
				hr.Days[weekdays[d]] = append(hr.Days[weekdays[d]], fmt.Sprintf("%02d:%02d-%02d:%02d",
					sp.From/60, sp.From%60, sp.To/60, sp.To%60))
			}
			sort.Strings(hr.Days[weekdays[d]])
		}
		r.Hours = hr
	}
	return r
}
