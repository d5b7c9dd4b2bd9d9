package hub

import (
	"time"

	"go.uber.org/zap"
)

// timer is a hub deadline: for now only a session's wrap-up timeout. Timers
// are never cancelled; when one fires, the hub checks it still holds.
type timer struct {
	at      time.Time
	session string
	visitor string // a visitor's disconnect grace
	idle    bool   // a chat waiting for the customer may stop counting (idle release)
}

// lessTimer orders hub timers by (at, session).
func lessTimer(a, b *timer) bool {
	if c := a.at.Compare(b.at); c != 0 {
		return c < 0
	}
	return a.session < b.session
}

// fireTimer completes the wrap-up of a session whose timeout passed, with
// code "timeout", if it still awaits wrap-up.
func (h *Hub) fireTimer(t timer, now time.Time) {
	if t.visitor != "" {
		h.visitorGraceDue(t, now)
		return
	}
	if t.idle {
		h.idleDue(t, now)
		return
	}
	s := h.sessions[t.session]
	if s == nil || !s.NeedsWrapup() || !s.wrapupDue.Equal(t.at) {
		return
	}
	if err := h.wrapup(s, "", "", "", now, true); err != nil {
		h.cfg.Logger.Error("wrap-up timeout", zap.String("session", s.ID), zap.Error(err))
	}
}
