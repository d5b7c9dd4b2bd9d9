package hub

import (
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/session"
)

// PutQueue creates or replaces a queue. Its waiting sessions are routed
// again under the new rules.
type PutQueue struct {
	Spec QueueSpec
}

func (c PutQueue) apply(h *Hub, now time.Time) (Reply, error) {
	spec := c.Spec
	if err := spec.validate(); err != nil {
		return Reply{}, err
	}
	spec.WrapupCodes = append([]string(nil), spec.WrapupCodes...)
	if err := h.r.PutQueue(spec.Queue, now); err != nil {
		return Reply{}, err
	}
	spec.Queue, _ = h.r.Queue(spec.ID) // normalized
	q := h.queues[spec.ID]
	if q == nil {
		q = &queueInfo{}
		h.queues[spec.ID] = q
	}
	q.spec = spec
	h.storeQueue(q)
	h.touchQueueStats(spec.ID)
	return Reply{}, nil
}

// SetMissLimit sets how many offers in a row an agent may let ring out
// before the hub sets them away (1..router.MaxMissLimit; the workspace's
// miss_limit). It counts from the next offer that rings out. The hub does
// not store it: whoever keeps the workspace's settings passes it again in
// Config.Router at the next start.
type SetMissLimit struct {
	Limit int
}

func (c SetMissLimit) apply(h *Hub, now time.Time) (Reply, error) {
	return Reply{}, h.r.SetMissLimit(c.Limit)
}

// PutAgent creates or updates an agent: profile and queue memberships. A new
// agent is offline.
type PutAgent struct {
	Profile presence.Profile
	Queues  []string
}

func (c PutAgent) apply(h *Hub, now time.Time) (Reply, error) {
	p := c.Profile
	switch {
	case p.ID == "":
		return Reply{}, errorf(CodeBadRequest, "agent id is required")
	case strings.TrimSpace(p.Name) == "":
		return Reply{}, errorf(CodeBadRequest, "agent %q: name is required", p.ID)
	case len(p.Name) > session.MaxNameLen:
		return Reply{}, errorf(CodeBadRequest, "agent %q: name over %d bytes", p.ID, session.MaxNameLen)
	}
	queues := append([]string(nil), c.Queues...)
	if err := h.r.PutAgent(p, queues, now); err != nil {
		return Reply{}, err
	}
	a := h.agents[p.ID]
	if a == nil {
		// offline, as sent's zero status; logging after the entries of
		// one deleted under the id at this instant
		a = &agentInfo{since: now, logged: h.goneLogged[p.ID]}
		delete(h.goneLogged, p.ID)
		h.agents[p.ID] = a
	}
	a.profile = h.r.Agent(p.ID).Profile // normalized
	a.queues = h.r.AgentQueues(p.ID)
	h.storeAgent(a)
	h.touchAgent(p.ID)
	h.agentChanged(p.ID, false)
	return Reply{}, nil
}
