package hub

import (
	"cmp"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
	"go.uber.org/zap"
)

// Recovery is what New rebuilt from a Recoverable store (Hub.Recovered).
//
// New recovers whenever Config.Store implements Recoverable, before it
// returns, so that a hub on a persistent store can never start empty over
// stored state. What comes back:
//
//   - Queues, with their specs, and agents, with their profiles and
//     memberships. Agents come back offline (nobody is connected after a
//     restart), keeping the reason of their stored status; they are routed
//     to again once they reconnect and set themselves available. The
//     status log has those who were not offline go offline at the
//     restart.
//   - Open sessions in id (creation) order. Waiting ones go back to their
//     queues with their original enqueue time and in their original order,
//     without deflection, excluding the agents who declined, missed or
//     released them. Assigned, connected and ended-but-not-wrapped-up ones
//     hold a slot of their agent even past capacity; wrap-up deadlines are
//     re-armed from the stored end time and the queue's wrap-up timeout.
//   - The router's next offer id and the last session id, from the
//     checkpoint, so that no id is handed out twice.
//
// What does not come back:
//
//   - Offers pending at the crash. Their sessions are waiting sessions and
//     are offered again, possibly to the same agent, once an eligible agent
//     is available. A transfer to an agent in flight at the crash is
//     refused (the session stays with its agent; journey transfer_refused).
//   - Send's client ids: a client that retries a message sent just before
//     the crash appends it again.
//   - Agents' connections and disconnect grace.
//
// After a failed commit a persist.Store refuses everything: the owner closes
// and reopens it, then builds a new Hub on it, which finds every
// acknowledged change.
type Recovery struct {
	Queues   int
	Agents   int
	Waiting  int // sessions back in their queues
	Assigned int // sessions with their agent, not ended
	Wrapup   int // ended sessions awaiting wrap-up
	Other    int // open sessions the router does not hold (not yet queued)
	Duration time.Duration
}

// Sessions is how many open sessions came back.
func (r Recovery) Sessions() int { return r.Waiting + r.Assigned + r.Wrapup + r.Other }

// Recovered returns what New rebuilt from the store (zero for a store that
// is not Recoverable).
func (h *Hub) Recovered() Recovery { return h.recovered }

// recoverState rebuilds the hub from its store, when the store is
// Recoverable. It runs in New, before the loop: it owns the state.
func (h *Hub) recoverState() error {
	rs, ok := h.cfg.Store.(Recoverable)
	if !ok {
		return nil
	}
	start := time.Now() // measured, not used in a decision
	now := h.cfg.Clock.Now()
	cp, err := rs.LoadCheckpoint()
	if err != nil {
		return fmt.Errorf("hub: recovery: %w", err)
	}
	steps := []func(Recoverable, time.Time) error{h.recoverQueues, h.recoverAgents, h.recoverSessions}
	for _, step := range steps {
		if err := step(rs, now); err != nil {
			return fmt.Errorf("hub: recovery: %w", err)
		}
	}
	h.r.Decisions() // Queued and NoOneAvailable of restored sessions: nobody to tell yet
	h.r.SetNextOfferID(max(h.r.NextOfferID(), router.OfferID(cp.NextOfferID)))
	if id, err := strconv.ParseUint(cp.LastSessionID, 16, 64); err == nil {
		h.lastID = max(h.lastID, id)
	}
	// Changes recovery made (transfers in flight refused) are committed now,
	// with a checkpoint.
	err = h.commit()
	h.cyc.reset()
	if err != nil {
		return fmt.Errorf("hub: recovery: commit: %w", err)
	}
	rec := &h.recovered
	rec.Duration = time.Since(start)
	h.cfg.Logger.Info("recovered from the store", zap.Duration("took", rec.Duration),
		zap.Int("queues", rec.Queues), zap.Int("agents", rec.Agents), zap.Int("waiting", rec.Waiting),
		zap.Int("assigned", rec.Assigned), zap.Int("wrapup", rec.Wrapup), zap.Int("other", rec.Other),
		zap.Uint64("next_offer_id", uint64(h.r.NextOfferID())), zap.String("last_session_id", formatID(h.lastID)))
	return nil
}

// recoverQueues puts the stored queues into the router in id order: first
// without their steps, then with them, so that a step may name any queue
// (even one whose own steps name the first).
func (h *Hub) recoverQueues(rs Recoverable, now time.Time) error {
	var specs []QueueSpec
	err := rs.ScanQueues(func(val []byte) error {
		var rec queueRecord
		if err := json.Unmarshal(val, &rec); err != nil {
			return fmt.Errorf("decoding queue record: %w", err)
		}
		spec, err := rec.spec()
		if err != nil {
			return fmt.Errorf("queue %q: %w", rec.ID, err)
		}
		specs = append(specs, spec)
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(specs, func(a, b QueueSpec) int { return cmp.Compare(a.ID, b.ID) })
	for _, withSteps := range []bool{false, true} {
		for _, spec := range specs {
			cfg := spec.Queue
			if !withSteps {
				cfg.Steps = nil
			} else if len(cfg.Steps) == 0 {
				continue
			}
			if err := h.r.PutQueue(cfg, now); err != nil {
				return fmt.Errorf("queue %q: %w", spec.ID, err)
			}
		}
	}
	for _, spec := range specs {
		spec.Queue, _ = h.r.Queue(spec.ID)
		h.queues[spec.ID] = &queueInfo{spec: spec}
	}
	h.recovered.Queues = len(specs)
	return nil
}

// recoverAgents puts the stored agents into the router, offline, keeping
// the reason of their stored status. A membership of a queue that is gone
// is dropped.
func (h *Hub) recoverAgents(rs Recoverable, now time.Time) error {
	return rs.ScanAgents(func(val []byte) error {
		var rec agentRecord
		if err := json.Unmarshal(val, &rec); err != nil {
			return fmt.Errorf("decoding agent record: %w", err)
		}
		p := presence.Profile{ID: rec.ID, Name: rec.Name, Role: rec.Role, Languages: rec.Languages,
			Expertise: rec.Expertise}
		for name, n := range rec.Capacity {
			m, err := presence.ParseMedia(name)
			if err != nil {
				return fmt.Errorf("agent %q: %w", rec.ID, err)
			}
			p.Capacity[m] = n
		}
		queues := slices.DeleteFunc(slices.Clone(rec.Queues), func(q string) bool { return h.queues[q] == nil })
		if len(queues) != len(rec.Queues) {
			h.cfg.Logger.Warn("agent of a queue that is gone", zap.String("agent", rec.ID), zap.Strings("queues", rec.Queues))
		}
		if err := h.r.PutAgent(p, queues, now); err != nil {
			return fmt.Errorf("agent %q: %w", rec.ID, err)
		}
		pa := h.r.Agent(rec.ID)
		if rec.Reason != "" && rec.Status == presence.Offline {
			// Offline to offline: only the reason changes, which the
			// router's pools and counts do not depend on. (Those who
			// were on go offline below with no reason: an away for
			// missed offers does not outlive the restart.)
			_ = pa.SetStatusBy(presence.Offline, rec.Reason)
		}
		a := &agentInfo{profile: pa.Profile, queues: h.r.AgentQueues(rec.ID),
			stored: presenceSnap{status: rec.Status, reason: rec.Reason}}
		if t, err := time.Parse(time.RFC3339Nano, rec.Since); err == nil {
			a.storedSince, a.since = t, t
		}
		a.logged = a.storedSince // a record from before Logged was kept
		if t, err := time.Parse(time.RFC3339Nano, rec.Logged); err == nil {
			a.logged = t
		}
		h.agents[rec.ID] = a
		if rec.Status != presence.Offline {
			// They were on when the server stopped: the log puts them
			// offline as of the restart (when they went is not known),
			// with the first commit.
			a.stored = presenceSnap{status: presence.Offline, reason: pa.Reason()}
			at := h.logStatus(a, a.stored, now)
			a.storedSince, a.since = at, at
			h.storeAgent(a)
		}
		h.recovered.Agents++
		return nil
	})
}

// recoverSessions rebuilds the open sessions in id order. Decoding the
// records (JSON) was two thirds of the time of a recovery done in one
// goroutine, so it runs on every CPU while this goroutine applies the
// decoded sessions in order: 100,000 waiting sessions in 1.1 s against
// 1.7 s (best of two runs) in one goroutine, on 2 CPUs (BenchmarkRecovery).
func (h *Hub) recoverSessions(rs Recoverable, now time.Time) error {
	workers := max(1, runtime.GOMAXPROCS(0))
	work := make(chan *decodeRun, workers)
	ordered := make(chan *decodeRun, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for run := range work {
				run.decode()
			}
		})
	}
	scanErr := make(chan error, 1)
	go func() {
		run := newDecodeRun()
		send := func() {
			work <- run
			ordered <- run
			run = newDecodeRun()
		}
		err := rs.ScanOpenSessions(func(val []byte) error {
			run.add(val)
			if len(run.ends) == decodeRunLen {
				send()
			}
			return nil
		})
		if len(run.ends) > 0 {
			send()
		}
		close(work)
		close(ordered)
		scanErr <- err
	}()
	var (
		seq   uint64
		first error
	)
	for run := range ordered {
		<-run.done
		if first == nil {
			first = run.err
		}
		for _, s := range run.out {
			if first != nil {
				break
			}
			seq++
			first = h.recoverSession(s, seq, now)
		}
	}
	wg.Wait()
	if err := <-scanErr; first == nil {
		first = err
	}
	return first
}

// decodeRunLen is how many session records a decoder takes at a time.
const decodeRunLen = 256

// decodeRun is a run of stored session records, copied out of the scan,
// and their decoding; done is closed once out or err is set.
type decodeRun struct {
	raw  []byte
	ends []int
	out  []*sessState
	err  error
	done chan struct{}
}

func newDecodeRun() *decodeRun {
	return &decodeRun{ends: make([]int, 0, decodeRunLen), done: make(chan struct{})}
}

func (r *decodeRun) add(val []byte) {
	if r.raw == nil {
		r.raw = make([]byte, 0, len(val)*decodeRunLen*5/4) // records are about the same size
	}
	r.raw = append(r.raw, val...)
	r.ends = append(r.ends, len(r.raw))
}

func (r *decodeRun) decode() {
	defer close(r.done)
	r.out = make([]*sessState, len(r.ends))
	all := make([]session.Session, len(r.ends))
	start := 0
	for i, end := range r.ends {
		if err := json.Unmarshal(r.raw[start:end], &all[i]); err != nil {
			r.err = fmt.Errorf("decoding session record: %w", err)
			return
		}
		r.out[i] = &sessState{Session: &all[i]}
		start = end
	}
	r.raw = nil
}

// recoverSession adds decoded session s to the hub and the router.
func (h *Hub) recoverSession(s *sessState, seq uint64, now time.Time) error {
	if h.sessions[s.ID] != nil {
		return fmt.Errorf("session %q stored twice", s.ID)
	}
	h.sessions[s.ID] = s
	if id, err := strconv.ParseUint(s.ID, 16, 64); err == nil {
		h.lastID = max(h.lastID, id)
	}
	if err := h.restoreSession(s, seq, now); err != nil {
		// The stored state and the router disagree (a bug): the session
		// stays in the hub, where it can still be ended.
		h.cfg.Logger.Error("open session not routed after recovery", zap.String("session", s.ID), zap.Error(err))
		h.recovered.Other++
	}
	h.r.Decisions()
	return nil
}

// restoreSession puts s back into the router as it was: waiting in its
// queue, or holding its agent's slot. The wrap-up deadline of an ended
// session is re-armed even if the router refuses it, so that it closes.
func (h *Hub) restoreSession(s *sessState, seq uint64, now time.Time) error {
	if s.NeedsWrapup() {
		h.rearmWrapup(s)
	}
	in := router.Arrival{Session: s.ID, Queue: s.Queue.ID, Media: s.Media, Priority: s.Priority,
		Language: s.Contact.Language, Expertise: s.Expertise, EnqueuedAt: s.QueuedAt, Seq: seq, Restore: true}
	switch {
	case s.State.Waiting():
		in.Excluded = excludedAgents(s.Session)
		if err := h.r.Enqueue(in, now); err != nil {
			return err
		}
		h.recovered.Waiting++
	case s.Agent.ID != "" && s.Queue.ID != "":
		ended := s.Finished()
		if err := h.r.Restore(in, s.Agent.ID, ended, false, now); err != nil {
			return err
		}
		if ended {
			h.recovered.Wrapup++
			return nil
		}
		if a := h.agents[s.Agent.ID]; a != nil && s.AgentDisconnected {
			a.flagged = true
		}
		if s.State == session.StateSwitching {
			// The router's transfer offer is gone with the crash.
			if err := s.TransferRefused(now); err != nil {
				return err
			}
			h.markDirty(s)
		}
		h.recovered.Assigned++
	default:
		h.recovered.Other++
	}
	return nil
}

// rearmWrapup pushes the wrap-up deadline of ended session s: its end plus
// its queue's wrap-up timeout (due at once if that has passed).
func (h *Hub) rearmWrapup(s *sessState) {
	timeout := DefaultWrapupTimeout
	if q := h.queues[s.Queue.ID]; q != nil {
		timeout = q.spec.wrapupTimeout()
	}
	s.wrapupDue = s.EndedAt.Add(timeout)
	h.timers.Push(timer{at: s.wrapupDue, session: s.ID})
}

// excludedAgents are the agents the router must not offer waiting session
// s to: those who declined or missed it (Passed) and those who held it
// before (assignees who left: they released it or transferred it away).
func excludedAgents(s *session.Session) []string {
	out := slices.Clone(s.Passed)
	for _, p := range s.Participants {
		if p.Kind == session.KindAgent && p.Role == session.RoleAssignee && !p.LeftAt.IsZero() &&
			!slices.Contains(out, p.ID) {
			out = append(out, p.ID)
		}
	}
	return out
}
