package load

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/router"
)

// agent is one agent desktop: it answers every offer after the accept
// delay, declining a share Config.Decline (but lets a share Config.Miss
// ring out, and comes back Config.BackAfter after the hub set it away for
// missing Config.MissLimit in a row), echoes every visitor message,
// answers every email assigned to it (email.go), and wraps up every ended
// session.
type agent struct {
	r    *runner
	n    int // the agent's index in the run
	cred AgentCred
	s    *sock
	mu   sync.Mutex
	sent map[string]accepting // accept ref → the accept sent
	// ringing are the offers whose answer waits for the accept delay:
	// offer id → the answer's timer, stopped when the offer is revoked
	// first (its visitor or caller gave up).
	ringing map[string]ringing
	// crossed are the accepts that crossed their offer's withdrawal, by
	// offer id, until both the withdrawal and the hub's refusal have come,
	// in either order (settleCrossed).
	crossed map[string]crossing
	misses  bool            // the agent lets a share Config.Miss ring (Config.MissAgents)
	refuses bool            // the agent declines a share Config.Decline (Config.DeclineAgents)
	busy    map[string]work // sessions accepted or assigned, not yet wrapped up
	away    bool            // set away for missed offers, until its next offer
	rng     *rand.Rand      // email handle times, and talk times of calls not the bench's (under mu)
}

// crossing is what came of an accept that crossed its offer's
// withdrawal: the withdrawal's reason and the refusal's error kind, each
// "" until it comes.
type crossing struct{ reason, refusal string }

// ringing is an offer the agent will answer once its timer fires: accept
// it, or decline it.
type ringing struct {
	timer   *time.Timer
	decline bool
}

// accepting is an accept an agent sent: when, and for a call the talk
// time its softphone will hold it for once the accept is acknowledged.
type accepting struct {
	at   time.Time
	talk time.Duration
}

// work is what an agent holds: a chat, a call or an email.
type work uint8

const (
	workChat work = iota
	workCall
	workEmail
)

// run connects the agent, then serves it until ctx ends. ready is called
// once, with whether the agent came online.
func (a *agent) run(ctx context.Context, ready func(bool)) {
	r := a.r
	start := time.Now()
	ws, err := r.dialer.dial(ctx, "/v1/ws/agent", false)
	if err != nil {
		r.fail(errKind("agent_dial", err))
		ready(false)
		return
	}
	defer func() { _ = ws.CloseNow() }()
	a.s = &sock{ws: ws, r: r, skip: agentSkips}
	a.sent, a.busy, a.ringing, a.crossed = map[string]accepting{}, map[string]work{}, map[string]ringing{}, map[string]crossing{}
	a.misses = r.cfg.Miss > 0 && pickedAgent(a.cred.ID, a.n, r.cfg.MissAgents)
	a.refuses = r.cfg.Decline > 0 && pickedAgent(a.cred.ID, a.n, r.cfg.DeclineAgents)
	// Its own stream: visitor n's gaps draw from (Seed, n<<8|Worker).
	a.rng = rand.New(rand.NewPCG(r.cfg.Seed^0x6167656e74, uint64(a.n)<<8|uint64(r.cfg.Worker)))
	if err := a.s.send(ctx, map[string]any{"type": "hello", "token": a.cred.Token}); err != nil {
		r.fail(errKind("agent_hello", err))
		ready(false)
		return
	}
	if err := a.s.serve(ctx, func(f *frame) bool { return f.Type == "welcome" }); err != nil {
		r.fail(errKind("agent_hello", err))
		ready(false)
		return
	}
	r.connect.Add(time.Since(start))
	r.sockets.Add(1)
	defer r.sockets.Add(-1)
	if err := a.s.send(ctx, map[string]any{"type": "presence", "status": "available"}); err != nil {
		r.fail(errKind("agent_presence", err))
		ready(false)
		return
	}
	ready(true)
	err = a.s.serve(ctx, func(f *frame) bool {
		a.handle(ctx, f)
		return false
	})
	if ctx.Err() == nil {
		r.fail(errKind("agent_read", err))
	}
	a.mu.Lock()
	for _, c := range a.crossed { // refusals whose withdrawal never came
		if c.refusal != "" {
			r.fail(c.refusal)
		}
	}
	a.mu.Unlock()
}

// settleCrossed adds got to what came of the accept of offer id that
// crossed its withdrawal, and settles it once both the withdrawal and the
// hub's refusal have come: lost to another agent of a broadcast
// (ReasonTaken), else an error of the refusal's kind. It runs under a.mu.
func (a *agent) settleCrossed(id string, got crossing) {
	c := a.crossed[id]
	c.reason, c.refusal = cmp.Or(c.reason, got.reason), cmp.Or(c.refusal, got.refusal)
	if c.reason == "" || c.refusal == "" {
		a.crossed[id] = c
		return
	}
	delete(a.crossed, id)
	if c.reason == router.ReasonTaken {
		a.r.lost.Add(1)
	} else {
		a.r.fail(c.refusal)
	}
}

// agentReads is what an agent acts on besides cards: the frames handle
// reads, and a visitor's messages.
var agentReads = reads("visitor", "welcome", "offer", "ack", "error", "offer_revoked")

// agentSkips is an agent socket's sock.skip: agentReads, a session's card
// only once it is finished and not yet wrapped up (the cards of every
// other change are most of what an agent socket receives, by bytes), and
// the agent's own presence only when the hub set it away for missed
// offers (not each change of its load).
func agentSkips(t string, b []byte) bool {
	switch t {
	case "card":
		return !bytes.Contains(b, []byte(`"state_name":"finished"`)) || bytes.Contains(b, []byte(`"wrapup_code":`))
	case "presence":
		return !bytes.Contains(b, []byte(`"`+router.ReasonMissed+`"`))
	}
	return agentReads(t, b)
}

// handle acts on one frame, in the order the socket read them.
func (a *agent) handle(ctx context.Context, f *frame) {
	r := a.r
	now := f.at
	switch f.Type {
	case "offer":
		var o offerInfo
		if json.Unmarshal(f.Offer, &o) != nil || o.ID == "" && o.Mode != "auto" {
			return
		}
		kind := workChat
		switch o.Media {
		case "voice":
			kind = workCall
		case "email":
			kind = workEmail
		}
		var talk time.Duration // a call's or an email's own (callTalk, emailHandle)
		own := false
		if f.Card != nil {
			if st, ok := stampOf(f.Card.Contact.Name); ok {
				r.offerHist(st.kind).Add(now.Sub(st.at))
				switch st.kind {
				case workCall:
					talk, own = callTalk(r.cfg, st.worker, st.n), true
				case workEmail:
					talk, own = emailHandle(r.cfg, st.worker, st.n), true
				}
			}
		}
		switch {
		case own:
		case kind == workCall: // a call the bench did not post
			talk = a.draw(r.cfg.CallLength)
		case kind == workEmail:
			talk = a.draw(r.cfg.EmailLength)
		}
		if o.Mode == "auto" { // assigned already (no offer id): nothing to accept
			if o.Session != "" {
				a.take(ctx, o.Session, kind, talk)
			}
			return
		}
		a.mu.Lock()
		a.away = false // offered: available again
		miss := a.misses && a.rng.Float64() < r.cfg.Miss
		decline := !miss && a.refuses && a.rng.Float64() < r.cfg.Decline
		a.mu.Unlock()
		if miss { // it rings out: the hub offers the contact on
			r.missed.Add(1)
			return
		}
		typ, ref := "accept", "acc-"+o.ID
		switch {
		case decline:
			typ, ref = "decline", "dec-"+o.ID
		case kind == workCall:
			ref = "call-" + o.ID
		}
		answer := func() {
			a.mu.Lock() // no longer ringing, and sent, at once: a withdrawal sees one or the other
			delete(a.ringing, o.ID)
			if !decline {
				a.sent[ref] = accepting{at: time.Now(), talk: talk}
			}
			a.mu.Unlock()
			if err := a.s.send(ctx, map[string]any{"type": typ, "offer": o.ID, "ref": ref}); err != nil && ctx.Err() == nil {
				r.fail(errKind("agent_write", err))
			}
		}
		if d := r.cfg.AcceptDelay; d > 0 {
			a.mu.Lock() // the timer's func waits for it to be in ringing
			a.ringing[o.ID] = ringing{decline: decline, timer: time.AfterFunc(d, answer)}
			a.mu.Unlock()
		} else {
			answer()
		}
	case "ack":
		if strings.HasPrefix(f.Ref, "dec-") {
			r.declined.Add(1)
			return
		}
		a.mu.Lock()
		acc, ok := a.sent[f.Ref]
		delete(a.sent, f.Ref)
		a.mu.Unlock()
		if ok && f.Session != "" {
			r.accept.Add(now.Sub(acc.at))
			kind := workChat
			if strings.HasPrefix(f.Ref, "call-") {
				kind = workCall
			}
			a.take(ctx, f.Session, kind, acc.talk)
		}
	case "error":
		a.mu.Lock()
		delete(a.sent, f.Ref)
		if id, accept := strings.CutPrefix(f.Ref, "acc-"); accept && f.Code == "conflict" {
			a.settleCrossed(id, crossing{refusal: agentErrKind(f)}) // lost to another agent, or withdrawn for another reason
			a.mu.Unlock()
			return
		}
		a.mu.Unlock()
		r.fail(agentErrKind(f))
	case "presence":
		if f.Status != "away" || f.Reason != router.ReasonMissed {
			return
		}
		a.mu.Lock()
		already := a.away // its load changed while away: the same away
		a.away = true
		a.mu.Unlock()
		if already {
			return
		}
		r.setAway.Add(1)
		time.AfterFunc(r.cfg.BackAfter, func() {
			if ctx.Err() != nil {
				return
			}
			if err := a.s.send(ctx, map[string]any{"type": "presence", "status": "available"}); err != nil && ctx.Err() == nil {
				r.fail(errKind("agent_presence", err))
			}
		})
	case "offer_revoked":
		r.revoked.Add(1)
		var id string
		if json.Unmarshal(f.Offer, &id) == nil {
			taken := f.Reason == router.ReasonTaken // another agent of a broadcast was first
			a.mu.Lock()
			rg, ringing := a.ringing[id]
			delete(a.ringing, id)
			stopped := ringing && rg.timer.Stop() // else it fired: its answer crosses the revocation
			_, accepting := a.sent["acc-"+id]
			// An accept crosses the withdrawal when its timer fired (its
			// answer waits for a.mu, or was sent), or the hub already
			// refused it.
			crossed := ringing && !stopped && !rg.decline || accepting || a.crossed[id].refusal != ""
			switch {
			case stopped && rg.decline:
			case stopped && taken:
				r.lost.Add(1)
			case stopped:
				r.cut.Add(1)
			case crossed:
				a.settleCrossed(id, crossing{reason: cmp.Or(f.Reason, "withdrawn")})
			}
			a.mu.Unlock()
		}
	case "message":
		if m := f.chat(); m != nil && m.From.Kind == "visitor" && strings.HasPrefix(m.Text, "rt ") {
			if ns, err := strconv.ParseInt(m.Text[3:], 10, 64); err == nil {
				r.deliver.Add(now.Sub(time.Unix(0, ns)))
			}
			if err := a.s.send(ctx, map[string]any{"type": "send", "session": f.Session, "text": m.Text, "ref": "echo-" + f.Session}); err != nil && ctx.Err() == nil {
				r.fail(errKind("agent_write", err))
			}
		}
	case "card":
		c := f.Card
		if c == nil || c.StateName != "finished" || c.WrapupCode != "" {
			return
		}
		a.mu.Lock()
		kind, mine := a.busy[c.Session]
		delete(a.busy, c.Session)
		if mine && len(a.busy) == 0 {
			r.agentsBusy.Add(-1)
		}
		a.mu.Unlock()
		if !mine {
			return
		}
		switch kind {
		case workCall:
			r.activeCalls.Add(-1)
			r.callsEnded.Add(1)
		case workEmail:
			r.activeEmails.Add(-1)
			r.emailsEnded.Add(1)
		default:
			r.activeChats.Add(-1)
		}
		if err := a.s.send(ctx, map[string]any{"type": "wrapup", "session": c.Session, "code": "done", "ref": "wrap-" + c.Session}); err != nil && ctx.Err() == nil {
			r.fail(errKind("agent_write", err))
		}
	}
}

// take records session sid as the agent's, accepted (its ack came) or
// assigned (an email), and starts what follows: a chat waits for its
// visitor's messages, a call's softphone reports it connected (its caller
// hangs up after talk), an email gets its reply after talk.
func (a *agent) take(ctx context.Context, sid string, kind work, talk time.Duration) {
	r := a.r
	a.mu.Lock()
	if _, dup := a.busy[sid]; dup {
		a.mu.Unlock()
		return
	}
	if len(a.busy) == 0 {
		r.agentsBusy.Add(1)
	}
	a.busy[sid] = kind
	a.mu.Unlock()
	switch kind {
	case workCall:
		r.activeCalls.Add(1)
		a.answered(ctx, sid, talk)
	case workEmail:
		r.activeEmails.Add(1)
		a.answerEmail(ctx, sid, talk)
	default:
		r.chats.Add(1)
		r.activeChats.Add(1)
	}
}

// draw draws an exponential time of mean from the agent's generator: the
// talk time of a call, or the handle time of an email, the bench did not
// post.
func (a *agent) draw(mean time.Duration) time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return time.Duration(a.rng.ExpFloat64() * float64(mean))
}

// stamp builds a visitor's contact name carrying the time it sent its
// first message: "bv-<worker>-<n>-<unix nanoseconds>".
func stamp(worker, n int, at time.Time) string { return stampAs("bv", worker, n, at) }

// stampAs is a stamped name with its kind's prefix: a visitor's, a call's
// or an email's.
func stampAs(prefix string, worker, n int, at time.Time) string {
	return prefix + "-" + strconv.Itoa(worker) + "-" + strconv.Itoa(n) + "-" + strconv.FormatInt(at.UnixNano(), 10)
}

// A stamped name's contents (stampAs): whose it is (a visitor's chat, a
// call or an email), its worker and number there, and when it was sent.
type stamped struct {
	kind      work
	worker, n int
	at        time.Time
}

// stampOf reads a stamped name back: a visitor's (stamp), a call's
// (callStamp) or an email's (emailStamp).
func stampOf(name string) (stamped, bool) {
	prefix, rest, _ := strings.Cut(name, "-")
	worker, rest, _ := strings.Cut(rest, "-")
	n, ns, ok := strings.Cut(rest, "-")
	st := stamped{kind: workChat}
	switch prefix {
	case "bv":
	case "bc":
		st.kind = workCall
	case "be":
		st.kind = workEmail
	default:
		return stamped{}, false
	}
	w, err1 := strconv.Atoi(worker)
	c, err2 := strconv.Atoi(n)
	t, err3 := strconv.ParseInt(ns, 10, 64)
	if !ok || err1 != nil || err2 != nil || err3 != nil || w < 0 || c < 1 {
		return stamped{}, false
	}
	st.worker, st.n, st.at = w, c, time.Unix(0, t)
	return st, true
}

// offerHist is the histogram of the offers (or assignments) of kind.
func (r *runner) offerHist(kind work) *Hist {
	switch kind {
	case workCall:
		return r.callOffer
	case workEmail:
		return r.emailAssign
	}
	return r.offer
}

// agentErrKind names an error frame an agent got for the errors table:
// "agent_error_<code>_on_<command>", the command read from the ref the
// agent gave it (accept, send or wrapup), so that a send that crossed the
// visitor's leave is told from an accept that came too late.
func agentErrKind(f *frame) string {
	kind := "agent_error_" + f.Code
	prefix, _, _ := strings.Cut(f.Ref, "-")
	if cmd, ok := map[string]string{"acc": "accept", "dec": "decline", "call": "call_accept", "echo": "send", "wrap": "wrapup",
		"reply": "email_reply", "end": "email_end"}[prefix]; ok {
		kind += "_on_" + cmd
	}
	return kind
}

// pickedAgent says whether the agent of id (agent-00001, …; else the
// process's n-th) is among the share of the agents who let offers ring
// (Config.MissAgents) or decline (Config.DeclineAgents): every agent with
// share 0, else those whose number crosses a whole multiple of 1/share,
// spread evenly over the agents.
func pickedAgent(id string, n int, share float64) bool {
	if share == 0 || share >= 1 {
		return true
	}
	if g, err := strconv.Atoi(strings.TrimPrefix(id, "agent-")); err == nil && g > 0 {
		n = g - 1
	}
	return math.Floor(float64(n+1)*share) > math.Floor(float64(n)*share)
}
