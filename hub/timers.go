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

// timerHeap is a min-heap of timers by (at, session).
type timerHeap []timer

func (h timerHeap) less(i, j int) bool {
	if c := h[i].at.Compare(h[j].at); c != 0 {
		return c < 0
	}
	return h[i].session < h[j].session
}

func (h *timerHeap) push(t timer) {
	*h = append(*h, t)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *timerHeap) pop() timer {
	s := *h
	t := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s[n] = timer{}
	s = s[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && s.less(l, m) {
			m = l
		}
		if l+1 < n && s.less(l+1, m) {
			m = l + 1
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return t
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
