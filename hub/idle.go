package hub

import (
	"time"

	"github.com/switchboardhq/switchboard/session"
	"go.uber.org/zap"
)

// Idle release (DESIGN.md "Routing"): a chat that is waiting_customer for
// longer than its queue's idle_release stops counting against its agent's
// capacity, so the agent can take other work, until the visitor writes
// again (or the agent sets it back in progress). It may then count past
// capacity; the agent is simply offered nothing until they are under it.
// Whether a chat is released is not stored: after a restart it counts again
// until it idles once more.

// armIdle starts s's idle-release timer when it just became
// waiting_customer in a queue that releases idle chats.
func (h *Hub) armIdle(s *sessState, now time.Time) {
	q := h.queues[s.Queue.ID]
	if q == nil || q.spec.IdleRelease <= 0 || s.Status != session.StatusWaitingCustomer {
		return
	}
	h.timers.Push(timer{at: now.Add(q.spec.IdleRelease), session: s.ID, idle: true})
}

// idleDue releases s's slot when it is still waiting for the customer and
// has been since before the timer was set.
func (h *Hub) idleDue(t timer, now time.Time) {
	s := h.sessions[t.session]
	if s == nil || s.idleReleased || s.Status != session.StatusWaitingCustomer || s.Finished() {
		return
	}
	q := h.queues[s.Queue.ID]
	if q == nil || q.spec.IdleRelease <= 0 || now.Sub(s.StatusSince) < q.spec.IdleRelease {
		return
	}
	if err := h.r.SetIdle(s.ID, true, now); err != nil {
		h.cfg.Logger.Warn("idle release", zap.String("session", s.ID), zap.Error(err))
		return
	}
	s.idleReleased = true
	h.touchAgent(s.Agent.ID)
}

// unidle makes a released chat count again (the visitor wrote, or the agent
// took it back in progress).
func (h *Hub) unidle(s *sessState, now time.Time) {
	if !s.idleReleased {
		return
	}
	s.idleReleased = false
	if s.Finished() {
		return
	}
	if err := h.r.SetIdle(s.ID, false, now); err != nil {
		h.cfg.Logger.Warn("idle release end", zap.String("session", s.ID), zap.Error(err))
	}
	h.touchAgent(s.Agent.ID)
}
