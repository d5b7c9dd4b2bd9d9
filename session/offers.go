package session

// Results of an offer in a metadata document.
const (
	OfferAccepted  = "accepted"  // the agent took the session (assigned, or the transfer accepted)
	OfferDeclined  = "declined"  // the agent declined it (or refused the transfer)
	OfferMissed    = "missed"    // it rang out
	OfferWithdrawn = "withdrawn" // it ended otherwise: another agent took the session, the contact left, the agent went
)

// MetaOffer is one offer of the session to an agent in a metadata
// document: when it was made, how it ended and, unless withdrawn, when.
// The time from At to EndedAt of an accepted offer is the agent's accept
// delay; the missed ones are the offers that rang out.
type MetaOffer struct {
	Agent   string `json:"agent"`
	At      string `json:"at"`
	Result  string `json:"result"`
	EndedAt string `json:"ended_at,omitempty"`
}

// metaOffers reads the offers off the journey. An offer is settled by its
// agent's next assigned or transfer_accepted (accepted), declined or
// transfer_refused (declined) or missed; one still open when the agent is
// offered the session again, or at the end of the journey, was withdrawn.
// An auto-accept assignment is no offer: the journey has no offered event
// for it.
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
	for _, e := range s.Journey {
		var result string
		switch e.Event {
		case EventOffered:
			if o := open(e.Agent); o != nil {
				o.Result = OfferWithdrawn
			}
			out = append(out, MetaOffer{Agent: e.Agent, At: FormatTime(e.At)})
			continue
		case EventAssigned, EventTransferAccepted:
			result = OfferAccepted
		case EventDeclined, EventTransferRefused:
			result = OfferDeclined
		case EventMissed:
			result = OfferMissed
		default:
			continue
		}
		if o := open(e.Agent); o != nil {
			o.Result, o.EndedAt = result, FormatTime(e.At)
		}
	}
	for i := range out {
		if out[i].Result == "" {
			out[i].Result = OfferWithdrawn
		}
	}
	return out
}
