package hub

import (
	"encoding/json"

	"go.uber.org/zap"
)

// outEvent is an event waiting for the end of its cycle's commit. Its
// recipients are fixed when it is emitted: the agents in arena[from:to], the
// supervisors, and the subscriptions of the visitor id visitor.
type outEvent struct {
	frame       Frame
	from, to    int
	supervisors bool
	visitor     string // a visitor id
}

// target names the recipients of an event being emitted.
type target struct {
	agents      []string
	supervisors bool
	visitor     string // a visitor id
}

// wanted reports whether any subscription would receive an event for t, so
// that nobody pays to encode an event no one reads.
func (h *Hub) wanted(t target) bool {
	if t.supervisors && len(h.supervisors) > 0 {
		return true
	}
	if t.visitor != "" && len(h.subsByVisitor[t.visitor]) > 0 {
		return true
	}
	for _, a := range t.agents {
		if len(h.subsByAgent[a]) > 0 {
			return true
		}
	}
	return false
}

// emit encodes v once as frame typ and queues it for t, if anyone listens.
func (h *Hub) emit(typ string, v any, t target) {
	if !h.wanted(t) {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		h.cfg.Logger.Error("encoding event", zap.String("type", typ), zap.Error(err))
		return
	}
	h.emitJSON(typ, b, t)
}

// emitJSON queues frame b, encoded by the caller, for t. Callers that
// encode by hand check wanted(t) first.
func (h *Hub) emitJSON(typ string, b []byte, t target) {
	c := &h.cyc
	from := len(c.arena)
	c.arena = append(c.arena, t.agents...)
	c.events = append(c.events, outEvent{frame: Frame{Type: typ, JSON: b, cause: h.cause}, from: from, to: len(c.arena),
		supervisors: t.supervisors, visitor: t.visitor})
}

// release delivers the cycle's events, in order, after the commit.
func (h *Hub) release() {
	c := &h.cyc
	for i := range c.events {
		ev := &c.events[i]
		h.mark++
		for _, a := range c.arena[ev.from:ev.to] {
			for _, s := range h.subsByAgent[a] {
				h.send(s, ev.frame)
			}
		}
		if ev.supervisors {
			for _, s := range h.supervisors {
				h.send(s, ev.frame)
			}
		}
		if ev.visitor != "" {
			for _, s := range h.subsByVisitor[ev.visitor] {
				h.send(s, ev.frame)
			}
		}
	}
	h.sweepSubs()
}

func zapReason(r string) zap.Field { return zap.String("reason", r) }
func zapAgent(a string) zap.Field  { return zap.String("agent", a) }
