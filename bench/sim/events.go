package sim

import "github.com/switchboardhq/switchboard/router"

// kind is what an event does.
type kind uint8

const (
	evArrival kind = iota // the next contact arrives
	evEnd                 // an agent ends a chat (call), and wraps it up when Config.Wrapup is 0
	evWrapup              // an agent completes a chat's wrap-up
	evAbandon             // a waiting contact's patience runs out
	evShift               // a profile interval starts (agent: its number g)
	evAccept              // an agent accepts a manual offer
	evTick                // the hub's clock reaches a deadline of its own (an offer's expiry, or a step of call's queue)
	evBack                // an agent set away for missed offers is available again
	evConnect             // the telephony system reports a call connected
	evOn                  // an agent's shift starts (Config.Shifts)
	evOff                 // an agent's shift ends
	evDecline             // an agent declines a manual offer
)

// event is one scheduled event. Times are seconds of simulated time since
// the start; seq breaks ties in the order events were scheduled, so that a
// run is deterministic.
type event struct {
	at    float64
	seq   uint64
	kind  kind
	call  *call
	agent int
	offer router.OfferID // evAccept's and evDecline's
}

// lessEvent orders events by (at, seq).
func lessEvent(a, b *event) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}
