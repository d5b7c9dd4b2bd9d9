package session

import "time"

// Event is one entry of the journey. Agent is an agent id and AgentName its
// name, when an agent is concerned.
type Event struct {
	Event     string    `json:"event"`
	At        time.Time `json:"at"`
	Agent     string    `json:"agent,omitempty"`
	AgentName string    `json:"agent_name,omitempty"`
	Detail    string    `json:"detail,omitempty"`
}

// Journey event names.
const (
	EventRouted            = "routed"  // detail: queue id
	EventOffered           = "offered" // detail: the router's reason, if given
	EventDeclined          = "declined"
	EventMissed            = "missed"         // the offer timed out
	EventOfferRerouted     = "offer_rerouted" // the offer was withdrawn: its agent went, or the session moved
	EventNoOneAvailable    = "no_one_available"
	EventAssigned          = "assigned"
	EventConnecting        = "connecting"
	EventConnected         = "connected"
	EventStatus            = "status" // detail: the new status
	EventNeedsHelp         = "needs_help"
	EventJoined            = "joined"
	EventLeft              = "left"
	EventHold              = "hold"
	EventUnhold            = "unhold"
	EventTransfer          = "transfer" // detail: "queue:<id>" or "agent:<id>"
	EventTransferAccepted  = "transfer_accepted"
	EventTransferRefused   = "transfer_refused"
	EventRequeued          = "requeued"   // released back to its queue
	EventEnded             = "ended"      // detail: who ended it
	EventAbandoned         = "abandoned"  // ended before an agent connected
	EventWrappedUp         = "wrapped_up" // detail: the wrap-up code
	EventDeflected         = "deflected"  // detail: the reason
	EventCSAT              = "csat"       // detail: the rating
	EventPage              = "page"       // detail: the URL
	EventVerified          = "verified"   // detail: email, phone or email,phone
	EventAgentDisconnected = "agent_disconnected"
	EventAgentReconnected  = "agent_reconnected"
)

// log appends a journey event.
func (s *Session) log(event string, agent Ref, detail string, at time.Time) {
	s.Journey = append(s.Journey, Event{Event: event, At: at, Agent: agent.ID, AgentName: agent.Name, Detail: detail})
}
