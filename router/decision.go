package router

import (
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// Kind is the kind of a Decision.
type Kind uint8

// Decision kinds.
const (
	// Offered: Offer was made to Agent for Session (manual accept).
	Offered Kind = iota + 1
	// Assigned: Session was assigned to Agent, by auto accept or by the
	// agent accepting Offer.
	Assigned
	// Revoked: Offer to Agent was withdrawn; Reason is timeout, taken,
	// abandoned, rerouted or declined.
	Revoked
	// Deflected: Session was refused by its queue; Reason says why
	// (after_hours_message_only, max_waiting, max_wait, no_one_available).
	Deflected
	// NoOneAvailable: Session waits in a queue with no member online.
	NoOneAvailable
	// StatusChanged: the router changed Agent's status; Reason is
	// missed_offers or disconnected.
	StatusChanged
	// TransferAccepted: Agent accepted a direct transfer of Session from From.
	TransferAccepted
	// TransferRefused: Agent refused (or let expire) a direct transfer; the
	// session stays with From.
	TransferRefused
	// Widened: Session reached Step of its queue's steps.
	Widened
	// Queued: Session entered the waiting set of Queue.
	Queued
)

var kindNames = [...]string{"", "offered", "assigned", "revoked", "deflected", "no_one_available",
	"status_changed", "transfer_accepted", "transfer_refused", "widened", "queued"}

// String returns the kind's name.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Reasons carried by decisions.
const (
	ReasonTimeout     = "timeout"
	ReasonTaken       = "taken"
	ReasonAbandoned   = "abandoned"
	ReasonRerouted    = "rerouted"
	ReasonDeclined    = "declined"
	ReasonAfterHours  = "after_hours_message_only"
	ReasonMaxWaiting  = "max_waiting"
	ReasonMaxWait     = "max_wait"
	ReasonNoOne       = "no_one_available"
	ReasonMissed      = "missed_offers"
	ReasonOffline     = "disconnected"
	ReasonAuto        = "auto"
	ReasonAccepted    = "accepted"
	ReasonTransferred = "transferred"
)

// Explanation says why an offer or assignment went to its agent: the chosen
// agent's score with its load and language parts, the runner-up, and how many
// agents were in the pool (available members with a free slot of the media,
// summed over the pools consulted, before this session's own exclusions).
type Explanation struct {
	Score         float64 `json:"score"`
	Load          float64 `json:"load"`
	LanguageTier  float64 `json:"language_tier"`
	LanguagePart  float64 `json:"language_part"`
	RunnerUp      string  `json:"runner_up,omitempty"`
	RunnerUpScore float64 `json:"runner_up_score,omitempty"`
	Eligible      int     `json:"eligible"`
	Sticky        bool    `json:"sticky,omitempty"`
	// By is what started the decision: "session" (a session looked for an
	// agent) or "agent" (an agent with a free slot looked for a session).
	By string `json:"by"`
}

// Decision is one thing the router decided. Fields not used by a kind are zero.
type Decision struct {
	Kind    Kind
	Session string
	Agent   string
	From    string
	Queue   string
	Offer   OfferID
	Media   presence.Media
	Expires time.Time
	Reason  string
	Status  presence.Status
	Step    int
	Explain Explanation
}

// String renders d on one line, for decision logs and tests.
func (d Decision) String() string {
	s := fmt.Sprintf("%s session=%s agent=%s", d.Kind, d.Session, d.Agent)
	if d.Offer != 0 {
		s += fmt.Sprintf(" offer=%d", d.Offer)
	}
	if d.Reason != "" {
		s += " reason=" + d.Reason
	}
	if d.Kind == Offered || (d.Kind == Assigned && d.Explain.By != "") {
		s += fmt.Sprintf(" score=%.3f runner_up=%s eligible=%d", d.Explain.Score, d.Explain.RunnerUp, d.Explain.Eligible)
	}
	if d.Kind == StatusChanged {
		s += " status=" + d.Status.String()
	}
	return s
}
