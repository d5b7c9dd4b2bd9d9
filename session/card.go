package session

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// Color is the card color (seeds: Genesys).
type Color string

// The card colors.
const (
	ColorBlue  Color = "blue"  // ongoing, or ended by an agent and awaiting wrap-up
	ColorWhite Color = "white" // ended by the customer, no wrap-up code yet
	ColorGray  Color = "gray"  // wrapped up, or over with nothing left to do
)

// Status labels of a card, besides the conversation statuses' own labels and
// the wrap-up code, which replaces the label once given.
const (
	LabelWaiting           = "Waiting"
	LabelEndedByCustomer   = "Ended by customer"
	LabelWrapup            = "Wrap-up"
	LabelEnded             = "Ended"
	LabelAgentDisconnected = "Agent disconnected"
	LabelOnHold            = "On hold"
	LabelScheduled         = "Scheduled"
	LabelAssigned          = "Assigned"
	LabelConnecting        = "Connecting"
	LabelTransferring      = "Transferring"
	LabelDeflected         = "Deflected"
	LabelFailed            = "Failed"
)

// Card is the live summary of a session that agents and supervisors see
// (PROTOCOL.md "A card"). Times are FormatTime strings; optional fields are
// left out when empty. A Card shares no memory with its session.
type Card struct {
	Session           string         `json:"session"`
	Channel           Channel        `json:"channel"`
	Media             presence.Media `json:"media"`
	Color             Color          `json:"color"`
	Title             string         `json:"title"`
	Icon              string         `json:"icon"`
	State             State          `json:"state"`
	StateName         string         `json:"state_name"`
	StatusLabel       string         `json:"status_label"`
	Queue             Ref            `json:"queue"`
	Agent             *Ref           `json:"agent,omitempty"`       // the assignee
	Agents            []Ref          `json:"agents"`                // every agent who took part, in order of first join
	TransferTo        *Ref           `json:"transfer_to,omitempty"` // target of a transfer in flight
	Contact           Contact        `json:"contact"`
	Priority          int            `json:"priority,omitempty"`
	StartedAt         string         `json:"started_at"`
	QueuedAt          string         `json:"queued_at,omitempty"`
	ConnectedAt       string         `json:"connected_at,omitempty"`
	EndedAt           string         `json:"ended_at,omitempty"`
	EndedBy           Party          `json:"ended_by,omitempty"`
	WrapupCode        string         `json:"wrapup_code,omitempty"`
	Tags              []string       `json:"tags"`
	Expertise         []string       `json:"expertise"`
	Notes             string         `json:"notes"`
	Outcome           Outcome        `json:"outcome,omitempty"`
	Journey           []CardEvent    `json:"journey"`
	Status            Status         `json:"status"` // conversation status, "" when not connected
	OnHold            bool           `json:"on_hold,omitempty"`
	HoldSeconds       float64        `json:"hold_seconds,omitempty"` // current hold included
	AgentDisconnected bool           `json:"agent_disconnected,omitempty"`
	// ContactKey names the contact in the recent-conversations index
	// (verified email or phone, else visitor id; "" unknown).
	ContactKey string `json:"contact_key,omitempty"`
}

// CardEvent is a journey event on a card.
type CardEvent struct {
	Event     string `json:"event"`
	At        string `json:"at"`
	Agent     string `json:"agent,omitempty"`
	AgentName string `json:"agent_name,omitempty"`
	Detail    string `json:"detail,omitempty"`
}

// Card returns the session's card at now (now counts the current hold).
//
// Color: gray once a wrap-up code is given; white when the customer ended
// it without one; blue while an agent-ended or system-ended session awaits
// its assignee's wrap-up (label "Wrap-up"); gray when it is over with no
// wrap-up due (deflected, failed, ended with no agent); blue while ongoing.
// Title: "Web Chat" for web chat, else the subject, else the channel title.
// The status label follows statusLabel.
func (s *Session) Card(now time.Time) Card {
	return Card{
		Session: s.ID, Channel: s.Channel, Media: s.Media,
		Color: s.color(), Title: s.title(), Icon: s.Channel.Icon(),
		State: s.State, StateName: s.State.Name(), StatusLabel: s.statusLabel(),
		Queue: s.Queue, Agent: refPtr(s.Agent), Agents: s.agents(), TransferTo: refPtr(s.TransferTo),
		Contact: s.Contact, Priority: s.Priority,
		StartedAt: FormatTime(s.CreatedAt), QueuedAt: FormatTime(s.QueuedAt),
		ConnectedAt: FormatTime(s.ConnectedAt), EndedAt: FormatTime(s.EndedAt),
		EndedBy: s.EndedBy, WrapupCode: s.WrapupCode,
		Tags: cloneOrEmpty(s.Tags), Expertise: cloneOrEmpty(s.Expertise),
		Notes: s.Notes, Outcome: s.Outcome, Journey: s.cardJourney(), Status: s.Status,
		OnHold: s.OnHold, HoldSeconds: round3(s.HoldTotal(now)),
		AgentDisconnected: s.AgentDisconnected && !s.Finished(),
		ContactKey:        s.ContactKey(),
	}
}

// color applies the card color rules of Card.
func (s *Session) color() Color {
	switch {
	case s.WrapupCode != "":
		return ColorGray
	case !s.Finished():
		return ColorBlue
	case s.State == StateFinished && s.EndedBy == PartyCustomer:
		return ColorWhite
	case s.NeedsWrapup():
		return ColorBlue
	}
	return ColorGray
}

// title applies the card title rule of Card.
func (s *Session) title() string {
	if s.Channel != WebChat && s.Subject != "" {
		return s.Subject
	}
	return s.Channel.Title()
}

// statusLabel returns, first match wins: the wrap-up code; "Deflected" or
// "Failed"; for a finished session "Ended by customer", "Wrap-up" (ended by
// an agent or the system, wrap-up due) or "Ended"; "Agent disconnected";
// "Waiting" while queued or requeued; "On hold"; the conversation status in
// words while connected; else the state ("Scheduled", "Assigned",
// "Connecting", "Transferring", or the CCAI name in words for imported
// states).
func (s *Session) statusLabel() string {
	switch {
	case s.WrapupCode != "":
		return s.WrapupCode
	case s.State == StateDeflected:
		return LabelDeflected
	case s.State == StateFailed:
		return LabelFailed
	case s.State == StateFinished:
		return s.endedLabel()
	case s.AgentDisconnected && !s.Finished():
		return LabelAgentDisconnected
	case s.OnHold:
		return LabelOnHold
	}
	return s.stateLabel()
}

func (s *Session) endedLabel() string {
	switch {
	case s.EndedBy == PartyCustomer:
		return LabelEndedByCustomer
	case s.NeedsWrapup():
		return LabelWrapup
	}
	return LabelEnded
}

func (s *Session) stateLabel() string {
	switch s.State {
	case StateQueued, StateRequeued:
		return LabelWaiting
	case StateScheduled:
		return LabelScheduled
	case StateAssigned:
		return LabelAssigned
	case StateConnecting:
		return LabelConnecting
	case StateSwitching:
		return LabelTransferring
	case StateConnected:
		return s.Status.Label()
	}
	name := strings.ReplaceAll(s.State.Name(), "_", " ")
	return strings.ToUpper(name[:1]) + name[1:]
}

func (s *Session) cardJourney() []CardEvent {
	ats := formatTimes(len(s.Journey), func(i int) time.Time { return s.Journey[i].At })
	out := make([]CardEvent, len(s.Journey))
	for i, e := range s.Journey {
		out[i] = CardEvent{Event: e.Event, At: ats[i], Agent: e.Agent, AgentName: e.AgentName, Detail: e.Detail}
	}
	return out
}

// formatTimes returns FormatTime of at(0) .. at(n-1), all slices of one
// backing string: a card's journey costs a few allocations instead of one
// per event (BenchmarkCard).
func formatTimes(n int, at func(i int) time.Time) []string {
	ends := make([]int, n)
	buf := make([]byte, 0, n*len(TimeLayout)) // room for the longest form
	for i := range n {
		buf = appendTime(buf, at(i))
		ends[i] = len(buf)
	}
	all, out, start := string(buf), make([]string, n), 0
	for i, end := range ends {
		out[i], start = all[start:end], end
	}
	return out
}

func refPtr(r Ref) *Ref {
	if r.ID == "" {
		return nil
	}
	return &r
}

func cloneOrEmpty(ss []string) []string {
	if len(ss) == 0 {
		return []string{}
	}
	return slices.Clone(ss)
}

// round3 rounds seconds to milliseconds.
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
