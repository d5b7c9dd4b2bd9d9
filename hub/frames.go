package hub

import (
	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/session"
)

// Frame types the hub emits (PROTOCOL.md).
const (
	FrameOffer        = "offer"
	FrameOfferRevoked = "offer_revoked"
	FrameCard         = "card"
	FrameMessage      = "message"
	FramePresence     = "presence"
	FrameQueueStats   = "queue_stats"
	FrameQueued       = "queued"
	FrameAgentJoined  = "agent_joined"
	FrameEnded        = "ended"
	FrameDeflected    = "deflected"
)

// OfferInfo is the "offer" object of an offer frame.
type OfferInfo struct {
	ID        string         `json:"id"`
	Session   string         `json:"session"`
	Queue     string         `json:"queue"`
	Media     presence.Media `json:"media"`
	Mode      string         `json:"mode"` // manual or auto
	ExpiresAt string         `json:"expires_at,omitempty"`
}

type offerRevokedFrame struct {
	Type   string `json:"type"`
	Offer  string `json:"offer"`
	Reason string `json:"reason"`
}

// MediaLoad is one media's load in a presence frame.
type MediaLoad struct {
	Active   int `json:"active"`
	Capacity int `json:"capacity"`
}

type presenceFrame struct {
	Type   string          `json:"type"`
	Status presence.Status `json:"status"`
	// StatusSince is when Status last changed.
	StatusSince string               `json:"status_since,omitempty"`
	Load        map[string]MediaLoad `json:"load"`
	Reason      string               `json:"reason,omitempty"`
}

// QueueStat is one queue in a queue_stats frame.
type QueueStat struct {
	ID              string  `json:"id"`
	Name            string  `json:"name"`
	Waiting         int     `json:"waiting"`
	LongestWait     float64 `json:"longest_wait"`
	AgentsAvailable int     `json:"agents_available"`
	AgentsOnline    int     `json:"agents_online"`
	Offered         int     `json:"offered"`
	Answered        int     `json:"answered"`
	Abandoned       int     `json:"abandoned"`
	ServiceLevel    float64 `json:"service_level"`
}

type queueStatsFrame struct {
	Type   string      `json:"type"`
	Queues []QueueStat `json:"queues"`
}

type queuedFrame struct {
	Type         string  `json:"type"`
	Position     int     `json:"position"`
	ExpectedWait float64 `json:"expected_wait"`
}

type agentJoinedFrame struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

type endedFrame struct {
	Type    string          `json:"type"`
	By      session.Party   `json:"by"`
	Outcome session.Outcome `json:"outcome,omitempty"`
}

type deflectedFrame struct {
	Type    string `json:"type"`
	Reason  string `json:"reason"`
	Message string `json:"message,omitempty"`
}
