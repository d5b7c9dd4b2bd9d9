package hub

import (
	"strconv"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
	"go.uber.org/zap"
)

// settle applies the router's pending decisions to the sessions, then
// flushes the cards and presence frames of what changed. It runs after every
// command and every timer, so that frames follow the order of causes.
func (h *Hub) settle(now time.Time) {
	for _, d := range h.r.Decisions() {
		h.decide(d, now)
	}
	h.flush(now)
}

// decide turns one router decision into session changes and events. An
// error from a session here means the router and the session disagree: a
// bug, logged, never a refusal of the command that caused it.
func (h *Hub) decide(d router.Decision, now time.Time) {
	h.cfg.Observer.Decision(d.Kind.String(), d.Reason)
	if d.Agent != "" {
		h.touchAgent(d.Agent)
	}
	if d.From != "" {
		h.touchAgent(d.From)
	}
	if d.Queue != "" {
		h.touchQueueStats(d.Queue)
	}
	if d.Kind == router.StatusChanged {
		if d.Reason == router.ReasonOffline {
			h.flagSessions(d.Agent, true, now)
		}
		return
	}
	s := h.sessions[d.Session]
	if s == nil {
		if d.Session != "" {
			h.cfg.Logger.Warn("decision for an unknown session", zap.Stringer("decision", d))
		}
		return
	}
	var err error
	switch d.Kind {
	case router.Queued:
		h.emitQueued(s, now)
	case router.Offered:
		err = s.OfferedReason(d.Agent, h.agentName(d.Agent), explain(d.Explain), now)
		h.touchSession(s)
		h.emitOffer(s, d, now)
	case router.Assigned:
		err = h.assigned(s, d, now)
	case router.Revoked:
		err = h.revoked(s, d, now)
	case router.Deflected:
		err = s.Deflect(d.Reason, "", h.deflectMessage(s), now)
		h.touchSession(s)
		h.exportLater(s)
		h.emit(FrameDeflected, deflectedFrame{Type: FrameDeflected, Reason: d.Reason, Message: s.Deflection.Message},
			target{visitor: s.VisitorID})
	case router.NoOneAvailable:
		err = s.NoOneAvailable(now)
		h.touchSession(s)
	case router.TransferAccepted:
		err = h.transferAccepted(s, d, now)
	case router.TransferRefused:
		err = s.TransferRefused(now)
		h.touchSession(s)
	case router.Widened:
		h.touchSession(s)
	}
	if err != nil {
		h.cfg.Logger.Error("session refused a router decision", zap.Stringer("decision", d), zap.Error(err))
	}
}

// assigned records an assignment: assigned, and connected at once for chat
// and email (voice waits for the telephony system's "connected").
func (h *Hub) assigned(s *sessState, d router.Decision, now time.Time) error {
	h.touchSession(s)
	h.rememberAgent(s, d.Agent)
	h.cyc.movedQueue(s.Queue.ID)
	if err := s.Assign(d.Agent, h.agentName(d.Agent), now); err != nil {
		return err
	}
	if s.Media != presence.Voice {
		if err := s.Connect(now); err != nil {
			return err
		}
	}
	if d.Reason == router.ReasonAuto {
		h.emitOffer(s, d, now)
	}
	h.emit(FrameAgentJoined, agentJoinedFrame{Type: FrameAgentJoined, Name: session.FirstName(s.Agent.Name)},
		target{visitor: s.VisitorID})
	return nil
}

// revoked records a withdrawn offer: a miss or a decline on the journey, and
// offer_revoked to the agent (not for their own decline).
func (h *Hub) revoked(s *sessState, d router.Decision, now time.Time) error {
	var err error
	switch d.Reason {
	case router.ReasonTimeout:
		err = s.Missed(d.Agent, now)
		h.touchSession(s)
	case router.ReasonDeclined:
		err = s.Declined(d.Agent, now)
		h.touchSession(s)
		return err
	case router.ReasonRerouted: // taken and abandoned show on the journey already
		s.OfferRerouted(d.Agent, now)
		h.touchSession(s)
	}
	id := offerIDString(d.Offer)
	h.emit(FrameOfferRevoked, offerRevokedFrame{Type: FrameOfferRevoked, Offer: id, Reason: d.Reason},
		target{agents: []string{d.Agent}})
	return err
}

func (h *Hub) deflectMessage(s *sessState) string {
	if q := h.queues[s.Queue.ID]; q != nil {
		return q.spec.DeflectMessage
	}
	return ""
}

// emitOffer sends an offer frame (manual, or auto for an assignment) with the
// session's card to the agent.
func (h *Hub) emitOffer(s *sessState, d router.Decision, now time.Time) {
	t := target{agents: []string{d.Agent}}
	if !h.wanted(t) {
		return
	}
	info := OfferInfo{ID: offerIDString(d.Offer), Session: s.ID, Queue: d.Queue, Media: d.Media, Mode: "manual"}
	if d.Kind == router.Assigned {
		info.Mode, info.ID = "auto", ""
	} else {
		info.ExpiresAt = session.FormatTime(d.Expires)
	}
	card := s.Card(now)
	b, err := appendOfferFrame(h.scratch[:0], &info, &card)
	h.emitEncoded(FrameOffer, b, err, t)
}

// explain renders an offer's explanation as its journey detail.
func explain(e router.Explanation) string {
	b := make([]byte, 0, 96)
	b = append(b, "score="...)
	b = strconv.AppendFloat(b, e.Score, 'f', 3, 64)
	b = append(b, " load="...)
	b = strconv.AppendFloat(b, e.Load, 'f', 3, 64)
	b = append(b, " language="...)
	b = strconv.AppendFloat(b, e.LanguagePart, 'f', 3, 64)
	if e.RunnerUp != "" {
		b = append(b, " runner_up="...)
		b = append(b, e.RunnerUp...)
		b = append(b, '(')
		b = strconv.AppendFloat(b, e.RunnerUpScore, 'f', 3, 64)
		b = append(b, ')')
	}
	b = append(b, " eligible="...)
	b = strconv.AppendInt(b, int64(e.Eligible), 10)
	if e.Sticky {
		b = append(b, " sticky"...)
	}
	if e.By != "" {
		b = append(b, " by="...)
		b = append(b, e.By...)
	}
	return string(b)
}

// flush sends the cards of the sessions touched since the last flush to
// their agents and the supervisors, the presence of touched agents whose
// presence changed, and forgets sessions that are over.
func (h *Hub) flush(now time.Time) {
	c := &h.cyc
	for _, s := range c.touchedSessions {
		s.touched = false
		h.emitCard(s, now)
		if !s.Open() && h.sessions[s.ID] == s {
			delete(h.sessions, s.ID)
		}
	}
	clear(c.touchedSessions)
	c.touchedSessions = c.touchedSessions[:0]
	for _, a := range c.touchedAgents {
		a.touched = false
		h.presenceCheck(a)
	}
	clear(c.touchedAgents)
	c.touchedAgents = c.touchedAgents[:0]
}

// cardAgents appends the agents who see s's card to dst.
func cardAgents(dst []string, s *sessState) []string {
	if s.Agent.ID != "" {
		dst = append(dst, s.Agent.ID)
	}
	for _, p := range s.Participants {
		if p.Kind == session.KindAgent && p.LeftAt.IsZero() && p.ID != s.Agent.ID {
			dst = append(dst, p.ID)
		}
	}
	return dst
}

// transferAccepted moves s to the agent who accepted its transfer and tells
// the visitor who left and who joined.
func (h *Hub) transferAccepted(s *sessState, d router.Decision, now time.Time) error {
	from := s.Agent
	if err := s.TransferAccepted(now); err != nil {
		return err
	}
	h.touchSession(s)
	h.emitCardTo(s, from.ID) // the last card the previous agent gets
	h.emit(FrameAgentLeft, agentLeftFrame{Type: FrameAgentLeft, Name: session.FirstName(from.Name)},
		target{visitor: s.VisitorID})
	h.emit(FrameAgentJoined, agentJoinedFrame{Type: FrameAgentJoined, Name: session.FirstName(s.Agent.Name)},
		target{visitor: s.VisitorID})
	return nil
}

func (h *Hub) emitCard(s *sessState, now time.Time) {
	var buf [4]string
	t := target{agents: cardAgents(buf[:0], s), supervisors: true}
	if s.Status == session.StatusNeedsHelp {
		t.agents = append(t.agents, h.joiners(s)...) // the needs-help list is live
	}
	h.emitCardFrame(s, now, t)
}

// presenceCheck stores and announces a's presence when it changed.
func (h *Hub) presenceCheck(a *agentInfo) {
	p := h.r.Agent(a.profile.ID)
	if p == nil {
		return
	}
	snap := presenceSnap{status: p.Effective(), reason: p.Reason(), cap: p.Capacity}
	for m := range snap.active {
		snap.active[m] = p.Active(presence.Media(m))
	}
	if st := (presenceSnap{status: p.Status(), reason: p.Reason()}); st != a.stored {
		at := h.logStatus(a, st, h.cyc.now)
		if st.status != a.stored.status {
			a.storedSince = at
		}
		a.stored = st
		h.storeAgent(a)
	}
	if snap == a.sent {
		return
	}
	if snap.status != a.sent.status {
		a.since = h.cyc.now
	}
	a.sent = snap
	if len(h.supervisors) > 0 {
		h.emit(FrameAgentStatus, agentStatusFrame{Type: FrameAgentStatus, Agent: h.agentView(a)}, target{supervisors: true})
	}
	t := target{agents: []string{a.profile.ID}}
	if !h.wanted(t) {
		return
	}
	f := presenceFrame{Type: FramePresence, Status: snap.status, Reason: snap.reason, Load: make(map[string]MediaLoad, presence.NumMedia),
		StatusSince: session.FormatTime(a.since)}
	for m := range snap.active {
		f.Load[presence.Media(m).String()] = MediaLoad{Active: snap.active[m], Capacity: snap.cap[m]}
	}
	h.emit(FramePresence, f, t)
}

// logStatus logs a's own status st, set at at, with the next commit, and
// returns the time logged: at, or a nanosecond after a's last entry when
// that is not before at (changes in one cycle share its time, and the
// store keeps one entry per agent and instant). An away for missed offers
// says after how many in a row.
func (h *Hub) logStatus(a *agentInfo, st presenceSnap, at time.Time) time.Time {
	if !at.After(a.logged) {
		at = a.logged.Add(time.Nanosecond)
	}
	a.logged = at
	c := StatusChange{Agent: a.profile.ID, At: at, Status: st.status, Reason: st.reason}
	if st.status == presence.Away && st.reason == router.ReasonMissed {
		c.MissLimit = h.r.MissLimit()
	}
	h.cyc.statuses = append(h.cyc.statuses, c)
	return at
}

// flushStats sends one queue_stats frame to the supervisors for the queues
// whose figures may have changed this cycle.
func (h *Hub) flushStats() {
	c := &h.cyc
	if len(c.statsQueues) == 0 || len(h.supervisors) == 0 {
		return
	}
	f := queueStatsFrame{Type: FrameQueueStats, Queues: make([]QueueStat, 0, len(c.statsQueues))}
	for _, id := range c.statsQueues {
		st, ok := h.r.Stats(id, c.now)
		if !ok || h.queues[id] == nil {
			continue
		}
		f.Queues = append(f.Queues, QueueStat{ID: id, Name: h.queues[id].spec.Name, Waiting: st.Waiting,
			LongestWait: st.LongestWait.Seconds(), AgentsAvailable: st.AgentsAvailable, AgentsOnline: st.AgentsOnline,
			Offered: st.Offered, Answered: st.Answered, Abandoned: st.Abandoned, ServiceLevel: st.ServiceLevel})
	}
	h.emit(FrameQueueStats, f, target{supervisors: true})
}
