package session

import (
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// Session is one conversation from creation to wrap-up. Its fields are
// exported so that the hub can store it as JSON and reload it; change it only
// through its methods, except for the creation fields (Subject, Expertise,
// Contact, VisitorID, ScheduledAt) which the creator may fill between New and
// Enqueue. Zero times mean "has not happened".
type Session struct {
	ID        string         `json:"id"`
	Workspace string         `json:"workspace"`
	Channel   Channel        `json:"channel"`
	Media     presence.Media `json:"media"`
	Queue     Ref            `json:"queue,omitzero"`
	Subject   string         `json:"subject,omitempty"`
	Priority  int            `json:"priority,omitempty"` // 1 (most urgent) to 8; 0 before Enqueue
	Expertise []string       `json:"expertise,omitempty"`
	Contact   Contact        `json:"contact,omitzero"`
	VisitorID string         `json:"visitor_id,omitempty"`

	State       State     `json:"state"`
	Status      Status    `json:"status,omitempty"`      // conversation status; set only while connected or switching
	StatusSince time.Time `json:"status_since,omitzero"` // when Status last changed (for idle release)
	Agent       Ref       `json:"agent,omitzero"`        // current assignee; kept after the end for wrap-up
	TransferTo  Ref       `json:"transfer_to,omitzero"`  // target of a transfer in flight (state switching)
	Passed      []string  `json:"passed,omitempty"`      // agents who declined or missed an offer of it

	Participants []Participant `json:"participants,omitempty"`
	Transfers    []Transfer    `json:"transfers,omitempty"`
	Notes        string        `json:"notes,omitempty"`
	Tags         []string      `json:"tags,omitempty"`
	Journey      []Event       `json:"journey,omitempty"`
	Pages        []Page        `json:"pages,omitempty"`

	CreatedAt   time.Time `json:"created_at"`
	ScheduledAt time.Time `json:"scheduled_at,omitzero"`
	QueuedAt    time.Time `json:"queued_at,omitzero"` // first entry in a queue; kept on requeue
	AssignedAt  time.Time `json:"assigned_at,omitzero"`
	ConnectedAt time.Time `json:"connected_at,omitzero"`
	EndedAt     time.Time `json:"ended_at,omitzero"`
	WrappedAt   time.Time `json:"wrapped_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at"`

	OnHold        bool      `json:"on_hold,omitempty"`
	HoldStartedAt time.Time `json:"hold_started_at,omitzero"` // start of the current hold
	HoldSeconds   float64   `json:"hold_seconds,omitempty"`   // finished holds

	EndedBy     Party      `json:"ended_by,omitempty"`
	Outcome     Outcome    `json:"outcome,omitempty"`
	WrapupCode  string     `json:"wrapup_code,omitempty"`
	WrapupNotes string     `json:"wrapup_notes,omitempty"`
	CSAT        int        `json:"csat,omitempty"` // 1 to 4; 0 when not rated
	CSATComment string     `json:"csat_comment,omitempty"`
	Deflection  Deflection `json:"deflection,omitzero"`

	MessageCount      int    `json:"message_count,omitempty"`
	AgentDisconnected bool   `json:"agent_disconnected,omitempty"`
	AnswerType        string `json:"answer_type,omitempty"` // "human" once connected
}

// Ref names a queue or an agent.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Page is a page the visitor viewed.
type Page struct {
	URL   string    `json:"url"`
	Title string    `json:"title,omitempty"`
	At    time.Time `json:"at"`
}

// Deflection records why and where a session was deflected.
type Deflection struct {
	Reason  string `json:"reason"`            // e.g. after_hours_message_only, no_one_available, max_wait
	Channel string `json:"channel,omitempty"` // e.g. voicemail, callback, email
	Message string `json:"message,omitempty"` // shown to the visitor
}

// New returns a session of channel ch in state scheduled, created at now. The
// caller checks that ch is valid (Channel.Valid) and that id is unique and
// sorts by creation time.
func New(id, workspace string, ch Channel, now time.Time) *Session {
	t := now.UTC()
	return &Session{
		ID: id, Workspace: workspace, Channel: ch, Media: ch.Media(),
		State: StateScheduled, CreatedAt: t, UpdatedAt: t,
	}
}

// stamp returns the time of a change made at now and records it in
// UpdatedAt. Times never go backwards: a now before UpdatedAt counts as
// UpdatedAt. Call it only once the change is known to be legal.
func (s *Session) stamp(now time.Time) time.Time {
	t := now.UTC()
	if t.Before(s.UpdatedAt) {
		t = s.UpdatedAt
	}
	s.UpdatedAt = t
	return t
}
