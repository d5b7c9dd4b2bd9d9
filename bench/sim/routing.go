package sim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
)

// Skills-based routing in a run: what a queue requires of the agents who
// take its contacts and how its pool widens as a contact waits
// (QueueShare.Expertise and Steps), what each agent has (Team.Expertise)
// and what a contact requires itself (Arrival.Expertise). The hub routes
// them as it routes the server's. A replay takes them from the server's
// queues (--queue-settings, ReadQueues and History.ApplyQueues), the agents'
// profiles and the documents.

// QueueStep widens a queue's pool once a contact has waited After, as the
// server's queue steps do: it drops the required expertise (the queue's
// and the contact's own), drops the language weight, or adds the agents
// of another of the run's queues (AddQueue, by name).
type QueueStep struct {
	After         time.Duration `json:"-"`
	DropExpertise bool          `json:"drop_expertise,omitempty"`
	DropLanguage  bool          `json:"drop_language,omitempty"`
	AddQueue      string        `json:"add_queue,omitempty"`
}

// MarshalJSON writes the step with After in seconds, as the server's
// queues have it.
func (s QueueStep) MarshalJSON() ([]byte, error) {
	type plain QueueStep
	return json.Marshal(struct {
		After float64 `json:"after"`
		plain
	}{s.After.Seconds(), plain(s)})
}

// UnmarshalJSON reads a step as MarshalJSON writes it.
func (s *QueueStep) UnmarshalJSON(b []byte) error {
	type plain QueueStep
	var v struct {
		After float64 `json:"after"`
		plain
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = QueueStep(v.plain)
	s.After = seconds(v.After)
	return nil
}

// maxQueueDelay bounds a queue's steps' and aging's times, as the server
// does.
const maxQueueDelay = hub.MaxQueueDuration

// MarshalJSON writes the queue with Aging in seconds.
func (q QueueShare) MarshalJSON() ([]byte, error) {
	type plain QueueShare
	return json.Marshal(struct {
		plain
		Aging float64 `json:"aging,omitempty"`
	}{plain(q), q.Aging.Seconds()})
}

// UnmarshalJSON reads a queue as MarshalJSON writes it.
func (q *QueueShare) UnmarshalJSON(b []byte) error {
	type plain QueueShare
	var v struct {
		plain
		Aging float64 `json:"aging"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*q = QueueShare(v.plain)
	q.Aging = seconds(v.Aging)
	return nil
}

// routes reports whether q routes by more than its share and priority.
func (q *QueueShare) routes() bool {
	return len(q.Expertise) > 0 || len(q.Steps) > 0 || q.LanguageWeight != nil || q.Aging > 0 || q.OfferMode == router.Broadcast
}

// checkRouting validates the queues' routing as the router checks a
// queue's (router.Queue.Validate), and what the router leaves to the
// server or a run: a step's added queue is another of the run's, a step
// widens something, the times are at most a week; the labels as the
// server's; the teams' expertise and the arrivals' (once the queues'
// names are checked).
func (c *Config) checkRouting() error {
	for i, q := range c.Queues {
		rq := c.routerQueue(i)
		if err := rq.Validate(); err != nil {
			return fmt.Errorf("%w: queue %q: %w", ErrConfig, q.Name, err)
		}
		if err := checkExpertise(q.Expertise); err != nil {
			return fmt.Errorf("%w: queue %q: %w", ErrConfig, q.Name, err)
		}
		if q.Aging > maxQueueDelay {
			return fmt.Errorf("%w: queue %q: aging %v (0 to %v)", ErrConfig, q.Name, q.Aging, maxQueueDelay)
		}
		for i, s := range q.Steps {
			switch {
			case s.After > maxQueueDelay:
				return fmt.Errorf("%w: queue %q: step %d after %v (0 to %v)", ErrConfig, q.Name, i+1, s.After, maxQueueDelay)
			case s.AddQueue != "" && !slices.ContainsFunc(c.Queues, func(o QueueShare) bool { return o.Name == s.AddQueue }):
				return fmt.Errorf("%w: queue %q: step %d adds queue %q, not among the run's queues", ErrConfig, q.Name, i+1, s.AddQueue)
			case !s.DropExpertise && !s.DropLanguage && s.AddQueue == "":
				return fmt.Errorf("%w: queue %q: step %d widens nothing (drop_expertise, drop_language or add_queue)", ErrConfig, q.Name, i+1)
			}
		}
	}
	for i, t := range c.Teams {
		if err := checkExpertise(t.Expertise); err != nil {
			return fmt.Errorf("%w: team %d: %w", ErrConfig, i+1, err)
		}
	}
	for i, a := range c.Arrivals {
		if err := session.ValidateLabels(a.Expertise, session.MaxExpertise); err != nil {
			return fmt.Errorf("%w: arrival %d: expertise: %w", ErrConfig, i+1, err)
		}
	}
	return nil
}

// checkExpertise validates an agent's or a queue's expertise labels.
func checkExpertise(labels []string) error {
	for _, l := range labels {
		if err := session.ValidateLabel(l); err != nil {
			return fmt.Errorf("expertise: %w", err)
		}
	}
	return nil
}

// routerQueue is the routing of queue i of the run, as the hub's router
// takes it: the queues' ids are their names, a step's added queue too.
func (c *Config) routerQueue(i int) router.Queue {
	if i >= len(c.Queues) {
		return router.Queue{ID: queueID}
	}
	s := c.Queues[i]
	q := router.Queue{ID: s.Name, Priority: s.Priority, Expertise: presence.NewExpertise(s.Expertise...), LanguageWeight: s.LanguageWeight, Aging: s.Aging,
		OfferMode: s.OfferMode, MaxOffers: s.MaxOffers}
	for _, st := range s.Steps {
		q.Steps = append(q.Steps, router.Step{After: st.After, DropExpertise: st.DropExpertise, DropLanguage: st.DropLanguage, AddQueue: st.AddQueue})
	}
	return q
}

// expertise is what contact c requires itself: a replayed arrival's.
func (d *driver) expertise(c *call) []string {
	if len(d.cfg.Arrivals) == 0 {
		return nil
	}
	return d.cfg.Arrivals[c.n-1].Expertise
}

// scheduleSteps has the hub run a cycle as each step of c's queue comes
// due while c may still wait, for the hub's timers fire only in a cycle:
// a step that widens the pool then offers c at once, as on a server. The
// tick names c, and is skipped once c is taken or gone.
func (d *driver) scheduleSteps(c *call) {
	if c.queue >= len(d.cfg.Queues) {
		return
	}
	steps := d.cfg.Queues[c.queue].Steps
	for i, s := range steps {
		after := s.After.Seconds()
		if i > 0 && s.After == steps[i-1].After || c.patience > 0 && after >= c.patience {
			continue
		}
		d.schedule(event{at: d.now + after + tickAfter, kind: evTick, call: c})
	}
}

// ReadQueues reads the server's queues saved from GET /v1/queues ({"queues":
// [...]}), a JSON array of queues or one queue per line, as the server
// reads a queue's body; the live stats the listing adds are left out.
func ReadQueues(path string) ([]hub.QueueSpec, error) {
	var out []hub.QueueSpec
	_, err := readEntries(path, "queues", func(q map[string]json.RawMessage) error {
		var id string
		if err := json.Unmarshal(q["id"], &id); err != nil || id == "" {
			return fmt.Errorf("not a queue (id)")
		}
		delete(q, "stats")
		body, _ := json.Marshal(q)
		spec, err := hub.ParseQueue(id, body)
		if err != nil {
			return fmt.Errorf("queue %q: %w", id, err)
		}
		out = append(out, spec)
		return nil
	})
	return out, err
}

// RoutingReport is what the server's queues gave a replay (--queue-settings): how
// many of its queues had their own routing, how many contacts required
// expertise of their own, and what of the queues' definitions a replay
// does not take.
type RoutingReport struct {
	Queues        int      `json:"queues"`
	Routed        int      `json:"routed"`
	ExpertiseOwn  int      `json:"expertise_contacts"`
	NotReplayed   []string `json:"not_replayed,omitempty"`
	queueSettings []string
}

func (r *RoutingReport) text() string {
	s := fmt.Sprintf("the queues' routing: %d of %d queues route by more than priority", r.Routed, r.Queues)
	if len(r.queueSettings) > 0 {
		s += " (" + strings.Join(r.queueSettings, "; ") + ")"
	}
	s += fmt.Sprintf("; %s of the replay required expertise of their own", counted(r.ExpertiseOwn, "contact", "contacts"))
	if len(r.NotReplayed) > 0 {
		s += "; not replayed: " + strings.Join(r.NotReplayed, ", ")
	}
	return s
}

// ApplyQueues gives the history's queues the server's routing (specs, by
// the server's queue id): required expertise, steps, language weight and
// aging; the agents' profiles then bring their expertise (Roster) and the
// contacts their own (the documents'). A step that adds a queue with no
// contact in the history is replayed without it, and said so, as are the
// settings a replay does not take. A history queue the specs do not name
// routes as in a replay without them.
func (h *History) ApplyQueues(specs []hub.QueueSpec) *RoutingReport {
	r := &RoutingReport{Queues: len(h.Queues)}
	skipped := map[string]bool{}
	byName := map[string]hub.QueueSpec{}
	for _, s := range specs {
		if name, ok := h.queueIDs[s.ID]; ok {
			byName[name] = s
		}
	}
	for i := range h.Queues {
		q := &h.Queues[i]
		s, ok := byName[q.Name]
		if !ok {
			continue
		}
		q.Expertise, q.LanguageWeight, q.Aging = s.Expertise, s.LanguageWeight, s.Aging
		if s.OfferMode == router.Broadcast {
			q.OfferMode, q.MaxOffers = s.OfferMode, s.MaxOffers
		}
		var steps []string
		for _, st := range s.Steps {
			qs := QueueStep{After: st.After, DropExpertise: st.DropExpertise, DropLanguage: st.DropLanguage}
			if st.AddQueue != "" {
				if qs.AddQueue = h.queueIDs[st.AddQueue]; qs.AddQueue == "" {
					skipped[fmt.Sprintf("%s's step adding %s (no contact of it in the history)", q.Name, st.AddQueue)] = true
				}
			}
			if qs.DropExpertise || qs.DropLanguage || qs.AddQueue != "" {
				q.Steps = append(q.Steps, qs)
				steps = append(steps, qs.String())
			}
		}
		if q.routes() {
			r.Routed++
			desc := q.Name
			if len(q.Expertise) > 0 {
				desc += " requires " + strings.Join(q.Expertise, ", ")
			}
			if len(steps) > 0 {
				desc += ", " + strings.Join(steps, ", ")
			}
			if q.OfferMode == router.Broadcast {
				desc += fmt.Sprintf(", offers to %d agents at once", cmp.Or(q.MaxOffers, router.DefaultMaxOffers))
			}
			r.queueSettings = append(r.queueSettings, desc)
		}
		for what, set := range map[string]bool{
			"business hours":           s.Hours != nil,
			"max_waiting and max_wait": s.MaxWaiting > 0 || s.MaxWait > 0, "deflect_no_agents": s.DeflectNoAgents,
		} {
			if set {
				skipped[what] = true
			}
		}
	}
	for _, a := range h.Arrivals {
		if len(a.Expertise) > 0 {
			r.ExpertiseOwn++
		}
	}
	r.NotReplayed = slices.Sorted(maps.Keys(skipped))
	h.Routing = r
	return r
}

// String is the step as the table says it.
func (s QueueStep) String() string {
	var did []string
	if s.DropExpertise {
		did = append(did, "drops the expertise")
	}
	if s.DropLanguage {
		did = append(did, "drops the language")
	}
	if s.AddQueue != "" {
		did = append(did, "adds "+s.AddQueue+"'s agents")
	}
	return fmt.Sprintf("after %s s %s", sig3(s.After.Seconds()), strings.Join(did, " and "))
}
