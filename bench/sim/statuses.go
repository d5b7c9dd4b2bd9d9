package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/switchboardhq/switchboard/router"
)

// StatusChange is one entry of a server's agent status log (GET
// /v1/agent-statuses): agent Agent set their own status to Status at At.
type StatusChange struct {
	Agent  string    `json:"agent"`
	At     time.Time `json:"at"`
	Status string    `json:"status"`
	Reason string    `json:"reason,omitempty"`
	// MissLimit is, for an away for missed offers, how many offers in a
	// row the agent let ring out (the workspace's miss_limit then); 0 in a
	// log from a server before it was logged, whose limit was always
	// router.DefaultMissLimit.
	MissLimit int `json:"miss_limit,omitempty"`
}

// missedAway says the hub set the agent away for missed offers.
func (e StatusChange) missedAway() bool {
	return e.Status == "away" && e.Reason == router.ReasonMissed
}

// statusNames are the statuses an agent sets, or the hub for them.
var statusNames = []string{"offline", "available", "away"}

// ReadStatuses reads a status log saved from GET /v1/agent-statuses: its
// pages as they come ({"statuses": [...], "cursor": ...}, one after the
// other), a JSON array of entries, or one entry per line. The entries
// come back in time order.
func ReadStatuses(path string) ([]StatusChange, error) {
	out, err := readEntries(path, "statuses", func(e StatusChange) error {
		if e.Agent == "" || e.At.IsZero() || !slices.Contains(statusNames, e.Status) {
			return fmt.Errorf("not a status change (agent, at, status: offline, available or away)")
		}
		if e.MissLimit != 0 && !router.ValidMissLimit(e.MissLimit) {
			return fmt.Errorf("miss_limit %d (1 to %d)", e.MissLimit, router.MaxMissLimit)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b StatusChange) int { return a.At.Compare(b.At) })
	return out, nil
}

// eachValue calls fn with each JSON value in data, numbered from 1, until
// it fails.
func eachValue(data []byte, fn func(n int, raw json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	for n := 1; ; n++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("value %d: %w", n, err)
		}
		if err := fn(n, bytes.TrimSpace(raw)); err != nil {
			return fmt.Errorf("value %d: %w", n, err)
		}
	}
}

// Available is, for each interval of length iv from Start to End (the
// last one whole, as a replay cuts it), how many agents the status log
// (Statuses) shows available in it on average: the agent-time of their
// Shifts in it over its length. The log should start before the history
// does, or an agent available since earlier is not counted until their
// next change.
func (h *History) Available(iv time.Duration) []float64 {
	return h.available(h.shiftsByAgent(false), iv)
}

// available is Available of the shifts by agent.
func (h *History) available(shifts map[string][]Span, iv time.Duration) []float64 {
	if iv <= 0 {
		return nil
	}
	n := int((h.End.Sub(h.Start) + iv - 1) / iv)
	out := meanOnShift(slices.Collect(maps.Values(shifts)), nil, iv.Seconds(), n)
	for k := range out {
		out[k] = round3(out[k])
	}
	return out
}
