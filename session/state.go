package session

import (
	"fmt"
	"strconv"
)

// State is the CCAI numeric session status. The codes are stored and sent as
// numbers, so the metadata document needs no translation.
type State int

// The states this package produces.
const (
	StateScheduled  State = 0  // created, not yet in a queue
	StateQueued     State = 1  // waiting in a queue for an agent
	StateAssigned   State = 2  // given to an agent, not yet connected
	StateConnecting State = 3  // voice: the agent's leg is being connected
	StateSwitching  State = 4  // a transfer to an agent is in flight
	StateConnected  State = 5  // agent and customer are talking
	StateFinished   State = 8  // ended; wrap-up may follow
	StateFailed     State = 9  // the channel failed
	StateDeflected  State = 11 // ended by a deflection (after hours, overflow)
	StateRequeued   State = 19 // handled before, back in a queue
)

// States accepted in imported data and never produced by this package.
const (
	StateRecovered          State = 10
	StateSelecting          State = 12
	StateVAAssigned         State = 13
	StateVAConnected        State = 14
	StatePreviewPending     State = 15
	StatePreviewReady       State = 16
	StateCampaignConnecting State = 17
	StateCampaignConnected  State = 18
	StatePredictiveWaiting  State = 20
	StateProgressiveWaiting State = 21
	StatePreviewWaiting     State = 22
	StateCampaignDialing    State = 23
	StateVoicemail          State = 80
	StateVoicemailReceived  State = 81
)

var stateNames = map[State]string{
	StateScheduled:          "scheduled",
	StateQueued:             "queued",
	StateAssigned:           "assigned",
	StateConnecting:         "connecting",
	StateSwitching:          "switching",
	StateConnected:          "connected",
	StateFinished:           "finished",
	StateFailed:             "failed",
	StateRecovered:          "recovered",
	StateDeflected:          "deflected",
	StateSelecting:          "selecting",
	StateVAAssigned:         "va_assigned",
	StateVAConnected:        "va_connected",
	StatePreviewPending:     "preview_pending",
	StatePreviewReady:       "preview_ready",
	StateCampaignConnecting: "campaign_connecting",
	StateCampaignConnected:  "campaign_connected",
	StateRequeued:           "requeued",
	StatePredictiveWaiting:  "predictive_waiting",
	StateProgressiveWaiting: "progressive_waiting",
	StatePreviewWaiting:     "preview_waiting",
	StateCampaignDialing:    "campaign_dialing",
	StateVoicemail:          "voicemail",
	StateVoicemailReceived:  "voicemail_received",
}

// Known reports whether st is one of the CCAI codes.
func (st State) Known() bool {
	_, ok := stateNames[st]
	return ok
}

// Name returns the CCAI snake_case name of st ("queued"), or "state(N)" for
// an unknown code.
func (st State) Name() string {
	if n, ok := stateNames[st]; ok {
		return n
	}
	return "state(" + strconv.Itoa(int(st)) + ")"
}

// String returns Name.
func (st State) String() string { return st.Name() }

// Terminal reports whether a session in st is over: finished, failed,
// deflected, recovered or voicemail_received.
func (st State) Terminal() bool {
	switch st {
	case StateFinished, StateFailed, StateDeflected, StateRecovered, StateVoicemailReceived:
		return true
	}
	return false
}

// Waiting reports whether a session in st waits in a queue (queued or
// requeued).
func (st State) Waiting() bool { return st == StateQueued || st == StateRequeued }

// ParseState returns the state named name ("queued") or numbered name ("1").
func ParseState(name string) (State, error) {
	if n, err := strconv.Atoi(name); err == nil && State(n).Known() {
		return State(n), nil
	}
	for st, n := range stateNames {
		if n == name {
			return st, nil
		}
	}
	return 0, fmt.Errorf("session: unknown state %q: %w", name, ErrInvalid)
}
