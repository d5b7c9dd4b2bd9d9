package load

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// visitor is one chat from the widget's side.
type visitor struct {
	r        *runner
	n        int
	chat     time.Duration // how long to chat once an agent joined
	patience time.Duration // 0: wait forever
	gaps     *rand.Rand
	lang     string
	queue    string // queueOf
}

// run opens the socket, says hello with the first message right behind it,
// waits for an agent, chats, leaves, and returns once the hub ended the
// chat or ctx ended.
func (v *visitor) run(ctx context.Context) {
	r := v.r
	start := time.Now()
	ws, err := r.dialer.dial(ctx, "/v1/ws/visitor", true)
	if err != nil {
		r.fail(errKind("visitor_dial", err))
		return
	}
	defer func() { _ = ws.CloseNow() }()
	r.sockets.Add(1)
	defer r.sockets.Add(-1)
	s := &sock{ws: ws, r: r, skip: visitorSkips}
	sent := time.Now()
	if err := s.send(ctx, v.hello(sent)); err != nil {
		r.fail(errKind("visitor_hello", err))
		return
	}
	if err := s.send(ctx, map[string]any{"type": "send", "text": "hello, I need help"}); err != nil {
		r.fail(errKind("visitor_write", err))
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex // timer and the draws, shared with timer goroutines
		timer    *time.Timer
		joined   bool
		leaveAt  time.Time
		welcomed bool
	)
	stopTimer := func() {
		mu.Lock()
		defer mu.Unlock()
		if timer != nil {
			timer.Stop()
		}
	}
	defer stopTimer()
	leave := func() {
		if err := s.send(ctx, map[string]any{"type": "leave"}); err != nil && ctx.Err() == nil {
			r.fail(errKind("visitor_write", err))
		}
	}
	if v.patience > 0 {
		mu.Lock()
		timer = time.AfterFunc(v.patience, func() {
			r.abandoned.Add(1)
			if v.queue == ExpertiseQueueID {
				r.expertAbandoned.Add(1)
			}
			leave()
		})
		mu.Unlock()
	}
	var next func()
	next = func() {
		if ctx.Err() != nil {
			return
		}
		mu.Lock()
		over := !time.Now().Before(leaveAt)
		mu.Unlock()
		if over {
			leave()
			return
		}
		msg := "rt " + strconv.FormatInt(time.Now().UnixNano(), 10)
		if err := s.send(ctx, map[string]any{"type": "send", "text": msg}); err != nil {
			if ctx.Err() == nil {
				r.fail(errKind("visitor_write", err))
			}
			return
		}
		r.messages.Add(1)
		mu.Lock()
		timer = time.AfterFunc(v.untilNext(leaveAt), next)
		mu.Unlock()
	}
	err = s.serve(ctx, func(f *frame) (end bool) {
		now := f.at
		switch f.Type {
		case "welcome":
			if !welcomed {
				welcomed = true
				r.connect.Add(now.Sub(start))
			}
		case "agent_joined":
			if joined {
				return false
			}
			joined = true
			stopTimer()
			r.answer.Add(now.Sub(sent))
			if v.queue == ExpertiseQueueID {
				r.expertiseAnswer.Add(now.Sub(sent))
			}
			mu.Lock()
			leaveAt = now.Add(v.chat)
			timer = time.AfterFunc(v.untilNext(leaveAt), next)
			mu.Unlock()
		case "message":
			if m := f.chat(); m != nil && m.From.Kind == "agent" && strings.HasPrefix(m.Text, "rt ") {
				if ns, err := strconv.ParseInt(m.Text[3:], 10, 64); err == nil {
					r.relay.Add(now.Sub(time.Unix(0, ns)))
				}
			}
		case "ended", "deflected":
			if f.Type == "deflected" {
				r.fail("visitor_deflected_" + f.Reason)
			}
			r.finished.Add(1)
			return true
		case "error":
			r.fail("visitor_error_" + f.Code)
		}
		return false
	})
	if err != nil && ctx.Err() == nil {
		r.fail(errKind("visitor_read", err))
	}
}

// visitorSkips is a visitor socket's sock.skip: the visitor acts on the
// frames run reads, and on an agent's messages.
var visitorSkips = reads("agent", "welcome", "agent_joined", "ended", "deflected", "error")

// hello is the visitor's hello, its contact name stamped with at.
func (v *visitor) hello(at time.Time) map[string]any {
	return map[string]any{"type": "hello", "widget": v.r.setup.widgetKey(v.n), "queue": v.queue,
		"name": stamp(v.r.cfg.Worker, v.n, at), "language": v.lang}
}

// untilNext is the time to the visitor's next message, or to its leave
// when that comes first: a chat lasts its drawn length, not up to a gap
// more.
func (v *visitor) untilNext(leaveAt time.Time) time.Duration {
	return max(0, min(v.gap(), time.Until(leaveAt)))
}

// gap draws the time to the next message. The draws come from the
// visitor's own generator, seeded from the run's seed, so timer goroutines
// need no lock.
func (v *visitor) gap() time.Duration {
	return time.Duration(v.gaps.ExpFloat64() * float64(v.r.cfg.MessageGap))
}
