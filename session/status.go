package session

// Status is the conversation status while a session is connected (seeds:
// Odoo). The empty Status means "not connected".
type Status string

// The conversation statuses.
const (
	// StatusInProgress is the default: the customer waits for the agent.
	StatusInProgress Status = "in_progress"
	// StatusWaitingCustomer is set by hand and returns to in_progress when
	// the visitor writes.
	StatusWaitingCustomer Status = "waiting_customer"
	// StatusNeedsHelp lists the session for every agent who may join.
	StatusNeedsHelp Status = "needs_help"
)

var statusLabels = map[Status]string{
	StatusInProgress:      "In progress",
	StatusWaitingCustomer: "Waiting for customer",
	StatusNeedsHelp:       "Needs help",
}

// Valid reports whether st is one of the defined statuses.
func (st Status) Valid() bool {
	_, ok := statusLabels[st]
	return ok
}

// Label returns st in words ("Waiting for customer"); the empty status reads
// "In progress".
func (st Status) Label() string {
	if l, ok := statusLabels[st]; ok {
		return l
	}
	return statusLabels[StatusInProgress]
}

// Outcome is how a session turned out (seeds: Odoo, Genesys). Empty until
// something decides it.
type Outcome string

// The outcomes.
const (
	OutcomeSuccess        Outcome = "success"
	OutcomeEscalated      Outcome = "escalated"
	OutcomeNoAnswer       Outcome = "no_answer"
	OutcomeNoOneAvailable Outcome = "no_one_available"
	OutcomeAbandoned      Outcome = "abandoned"
)

// Valid reports whether o is one of the defined outcomes.
func (o Outcome) Valid() bool {
	switch o {
	case OutcomeSuccess, OutcomeEscalated, OutcomeNoAnswer, OutcomeNoOneAvailable, OutcomeAbandoned:
		return true
	}
	return false
}

// Party is who ended a session.
type Party string

// The parties that can end a session.
const (
	PartyCustomer Party = "customer"
	PartyAgent    Party = "agent"
	PartySystem   Party = "system"
)

// Valid reports whether p is one of the defined parties.
func (p Party) Valid() bool {
	return p == PartyCustomer || p == PartyAgent || p == PartySystem
}

// Kind is the kind of a participant or a message sender.
type Kind string

// The participant kinds.
const (
	KindAgent   Kind = "agent"
	KindVisitor Kind = "visitor"
	KindSystem  Kind = "system"
)

// Participant roles.
const (
	RoleAssignee = "assignee" // the agent the session is assigned to
	RoleJoined   = "joined"   // an agent who joined to help
	RoleCustomer = "customer" // the visitor or external party
)

// AnswerHuman is the CCAI answer type of a session a person answered.
const AnswerHuman = "human"

// WrapupTimeoutCode is the wrap-up code given when wrapup_timeout passes.
const WrapupTimeoutCode = "timeout"

// DeflectNoOneAvailable is the deflection reason that sets the outcome
// no_one_available.
const DeflectNoOneAvailable = "no_one_available"
