package sim

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/switchboardhq/switchboard/presence"
)

// AgentProfile is what a replay takes of an agent the server knows (GET
// /v1/agents): the queues they serve (the server's queue ids), the
// languages they speak and their capacity by media.
type AgentProfile struct {
	ID        string             `json:"id"`
	Queues    []string           `json:"queues"`
	Languages presence.Languages `json:"languages"`
	Capacity  map[string]int     `json:"capacity"`
	Expertise []string           `json:"expertise"`
}

// ReadProfiles reads the agents saved from GET /v1/agents ({"agents":
// [...]}), a JSON array of agents, or one agent per line, by id.
func ReadProfiles(path string) (map[string]AgentProfile, error) {
	list, err := readEntries(path, "agents", func(p AgentProfile) error {
		if p.ID == "" || p.Queues == nil || p.Capacity == nil {
			return fmt.Errorf("not an agent (id, queues, capacity)")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]AgentProfile, len(list))
	for _, p := range list {
		out[p.ID] = p
	}
	return out, nil
}

// readEntries reads the JSON values in path, the entries of a listing
// endpoint saved: each value one of its pages ({key: [...], ...}), an
// array of entries or one entry. It returns the entries in the order
// read, each checked by check.
func readEntries[T any](path, key string, check func(T) error) ([]T, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrConfig, key, err)
	}
	var out []T
	err = eachValue(data, func(n int, raw json.RawMessage) error {
		var entries []T
		var page map[string]json.RawMessage
		switch {
		case raw[0] == '[':
			err = json.Unmarshal(raw, &entries)
		case json.Unmarshal(raw, &page) == nil && page[key] != nil:
			err = json.Unmarshal(page[key], &entries)
		default:
			var one T
			err = json.Unmarshal(raw, &one)
			entries = []T{one}
		}
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := check(e); err != nil {
				return fmt.Errorf("%+v: %w", e, err)
			}
		}
		out = append(out, entries...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: %w", ErrConfig, key, path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s %s: no entry in it", ErrConfig, key, path)
	}
	return out, nil
}

// A Roster is a replay's agents as they were: the status log's shifts
// (History.Shifts), each agent with their own queues, languages and
// capacities, as the server has them (ReadProfiles). The agents are
// grouped in teams of one profile; Shifts are theirs, team after team, for
// Config.Shifts and Config.Teams.
type Roster struct {
	Shifts [][]Span
	Teams  []Team
	// IDs are the agents' own ids, in the order of Shifts, for
	// Config.AgentIDs.
	IDs []string
	// Profiled is how many agents have their own profile. Unknown is how
	// many the server no longer knows (deleted since): they serve every
	// queue and speak every language of the history, as in a replay
	// without profiles. Idle is how many serve none of the history's
	// queues, or take none of its media: they are left out.
	Profiled, Unknown, Idle int
	// Capacity is, for each media of the history, the capacity most of
	// the profiled agents who take it have: the media's in the replay,
	// for the models (the agents hold their own).
	Capacity map[presence.Media]int
	// Mixed names the media whose profiled agents' capacities differ.
	Mixed []presence.Media
}

// Roster puts each agent of the status log's shifts in a team of their
// own profile in profiles (by agent id).
func (h *History) Roster(profiles map[string]AgentProfile) (Roster, error) {
	var r Roster
	byAgent := h.shiftsByAgent(h.ReplaysMissed)
	var langs []string
	for _, l := range h.Languages {
		langs = append(langs, l.Language)
	}
	keys := map[string]int{} // a profile's team
	var members [][]string   // each team's agents
	counts := map[presence.Media]map[int]int{}
	for _, id := range shiftOrder(byAgent) {
		t, ok := Team{Agents: 1, Languages: langs}, false
		p, known := profiles[id]
		if known {
			if t, ok = h.profileTeam(p); !ok {
				r.Idle++
				continue
			}
			r.Profiled++
			for m, n := range t.Capacity {
				if n > 0 {
					if counts[m] == nil {
						counts[m] = map[int]int{}
					}
					counts[m][n]++
				}
			}
		} else {
			r.Unknown++
		}
		key := fmt.Sprint(known, t.Queues, t.Languages, t.Capacity, t.Expertise)
		ti, seen := keys[key]
		if !seen {
			ti = len(r.Teams)
			keys[key] = ti
			r.Teams = append(r.Teams, Team{Queues: t.Queues, Languages: t.Languages, Capacity: t.Capacity, Expertise: t.Expertise})
			members = append(members, nil)
		}
		r.Teams[ti].Agents++
		members[ti] = append(members[ti], id)
	}
	if len(r.Teams) > maxMix {
		return r, fmt.Errorf("%w: the agents on shift have %d different profiles (queues, languages and capacities); a replay takes at most %d", ErrConfig, len(r.Teams), maxMix)
	}
	for _, ids := range members {
		for _, id := range ids {
			r.Shifts = append(r.Shifts, byAgent[id])
			r.IDs = append(r.IDs, id)
		}
	}
	r.Capacity = map[presence.Media]int{}
	for _, m := range slices.Sorted(maps.Keys(counts)) {
		r.Capacity[m] = mostCommon(counts[m])
		if len(counts[m]) > 1 {
			r.Mixed = append(r.Mixed, m)
		}
	}
	return r, nil
}

// profileTeam is agent p as a team of one in the replay: the history's
// queues among theirs, their languages, and their capacity for each of
// its media. It is false when p serves none of the history's
// queues or takes none of its media.
func (h *History) profileTeam(p AgentProfile) (Team, bool) {
	t := Team{Agents: 1, Capacity: map[presence.Media]int{}}
	for _, q := range p.Queues {
		if name, ok := h.queueIDs[q]; ok && !slices.Contains(t.Queues, name) {
			t.Queues = append(t.Queues, name)
		}
	}
	slices.Sort(t.Queues)
	if h.Routing != nil { // expertise counts only where queues and contacts require it
		t.Expertise = presence.NewExpertise(p.Expertise...)
	}
	for _, l := range append([]string{p.Languages.Primary}, p.Languages.Secondary...) {
		if tag, err := languageTag(l); err == nil && !slices.Contains(t.Languages, tag) {
			t.Languages = append(t.Languages, tag)
		}
	}
	takes := false
	for _, m := range h.Media {
		n := p.capacity(m.Media)
		t.Capacity[m.Media] = n
		takes = takes || n > 0
	}
	return t, len(t.Queues) > 0 && takes
}

// capacity is how many contacts of media m agent p holds at once in a
// replay: a voice call is exclusive, and a replay's capacities are at most
// MaxCapacity.
func (p AgentProfile) capacity(m presence.Media) int {
	limit := MaxCapacity
	if m == presence.Voice {
		limit = 1
	}
	return min(max(p.Capacity[m.String()], 0), limit)
}

// String is the roster for a report's note.
func (r Roster) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d agents on shift with their own queues, languages and capacities, in %d profiles", r.Profiled, len(r.Teams))
	if r.Unknown > 0 {
		fmt.Fprintf(&b, "; %d the server no longer knows, serving every queue", r.Unknown)
	}
	if r.Idle > 0 {
		fmt.Fprintf(&b, "; %d left out, serving none of the history's queues or media", r.Idle)
	}
	for _, m := range r.Mixed {
		fmt.Fprintf(&b, "; their %s capacities differ, the models take the most common, %d", m, r.Capacity[m])
	}
	return b.String()
}

// answeredBy counts answered contact c of o's language by its agent's
// languages in profiles: the agent's primary, a secondary, another, or an
// agent without a profile.
func (o *ObservedLanguage) answeredBy(profiles map[string]AgentProfile, c pastContact) {
	p, ok := profiles[c.agent]
	switch tier := p.Languages.Normalize().Tier(c.lang); {
	case !ok:
		o.Unknown++
	case tier == presence.TierPrimary:
		o.Primary++
	case tier == presence.TierSecondary:
		o.Secondary++
	default:
		o.Other++
	}
}
