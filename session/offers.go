package session

import "time"

// Results of an offer in a metadata document.
const (
	OfferAccepted  = "accepted"  // the agent took the session (assigned, or the transfer accepted)
	OfferDeclined  = "declined"  // the agent declined it (or refused the transfer)
	OfferMissed    = "missed"    // it rang out
	OfferWithdrawn = "withdrawn" // it ended otherwise (Reason says how, when the journey does)
)

// Why an offer was withdrawn, in a metadata document.
const (
	WithdrawnTaken    = "taken"    // another agent took the session
	WithdrawnEnded    = "ended"    // the session ended: the contact left
	WithdrawnRerouted = "rerouted" // its agent went (away, offline, out of the queue) or the session moved
)

// MetaOffer is one offer of the session to an agent in a metadata
// document: when it was made, how it ended and when. The time from At to
// EndedAt of an accepted offer is the agent's accept delay; the missed
// ones are the offers that rang out. A withdrawn offer says why (Reason)
// and when, unless the journey does not (the offer was made again).
type MetaOffer struct {
	Agent   string `json:"agent"`
	At      string `json:"at"`
	Result  string `json:"result"`
	Reason  string `json:"reason,omitempty"`
	EndedAt string `json:"ended_at,omitempty"`
}

// metaOffers reads the offers off the journey. An offer is settled by its
// agent's next assigned or transfer_accepted (accepted), declined or
// transfer_refused (declined), missed, or offer_rerouted (withdrawn,
// rerouted); another agent's assigned withdraws the others' (taken), and
// the end of the session every one still open (ended). One still open when
// its agent is offered the session again was withdrawn, for a reason the
// journey does not say. An auto-accept assignment is no offer: the journey
// has no offered event for it.
func (s *Session) metaOffers() []MetaOffer {
	out := []MetaOffer{}
	open := func(agent string) *MetaOffer {
		for i := len(out) - 1; i >= 0; i-- {
			if out[i].Agent == agent && out[i].Result == "" {
				return &out[i]
			}
		}
		return nil
	}
	withdrawAll := func(reason string, at time.Time) {
		for i := range out {
			if out[i].Result == "" {
				out[i].Result, out[i].Reason, out[i].EndedAt = OfferWithdrawn, reason, FormatTime(at)
			}
		}
	}
	for _, e := range s.Journey {
		var result, reason string
		switch e.Event {
		case EventOffered:
			if o := open(e.Agent); o != nil {
				o.Result = OfferWithdrawn
			}
			out = append(out, MetaOffer{Agent: e.Agent, At: FormatTime(e.At)})
			continue
		case EventAssigned:
			if o := open(e.Agent); o != nil {
				o.Result, o.EndedAt = OfferAccepted, FormatTime(e.At)
			}
			withdrawAll(WithdrawnTaken, e.At)
			continue
		case EventAbandoned, EventEnded, EventDeflected:
			withdrawAll(WithdrawnEnded, e.At)
			continue
		case EventTransferAccepted:
			result = OfferAccepted
		case EventDeclined, EventTransferRefused:
			result = OfferDeclined
		case EventMissed:
			result = OfferMissed
		case EventOfferRerouted:
			result, reason = OfferWithdrawn, WithdrawnRerouted
		default:
			continue
		}
		if o := open(e.Agent); o != nil {
			o.Result, o.Reason, o.EndedAt = result, reason, FormatTime(e.At)
		}
	}
	for i := range out {
		if out[i].Result == "" {
			out[i].Result = OfferWithdrawn
		}
	}
	return out
}
