package load

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/switchboardhq/switchboard/bench/sim"
	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
)

// Simulated is what the simulator (bench/sim: the hub and its router on
// virtual time, with no sockets, no store and no clients) makes of a run's
// own contacts: the same visitors, callers and emails (chatsOf, callsOf,
// emailsOf: arrival times, languages, patience, chat, talk and handle
// times), the same agents (their primary languages, their chat and email
// slots, a call at a time beside them) and the same accept delay. The
// ideal queue (ideal.go) stands for runs where any free slot may take any
// customer; the simulator stands for every run that replays, among them
// those the ideal queue cannot: several languages, where the router weighs
// a visitor's language against an agent's load; calls beside chats, where
// a call blocks an agent's new chats; emails beside either, which the hub
// assigns without an offer; expertise (Config.Expertise), where the queue
// a contact arrives in says who may take it until its step; broadcast
// offers. The agents with the expertise are dealt among the others in the
// simulator's turn (sim.Config.InterleaveTeams), not at the bench's
// numbers: the router breaks ties between idle agents by id, so only who
// takes the first contacts, when every agent is as idle, may differ. The
// difference from the bench's own counts is what the real server, its
// sockets and its clock cost the customers; the routing is the same code.
type Simulated struct {
	// Chats are the visitors' fates, Calls the callers', Emails the
	// emails' (which never abandon); nil when the run has none.
	Chats  *SimulatedContacts `json:"chats,omitempty"`
	Calls  *SimulatedContacts `json:"calls,omitempty"`
	Emails *SimulatedContacts `json:"emails,omitempty"`
	// Expertise are the visitors of the expertise queue (ExpertiseResult)
	// alone, in a run with expertise and visitors.
	Expertise *SimulatedContacts `json:"expertise,omitempty"`
	// Error, when set, says why the simulator could not replay the run
	// (the other fields are then empty).
	Error string `json:"error,omitempty"`
}

// SimulatedContacts is what the simulator made of one media's contacts.
type SimulatedContacts struct {
	Contacts  int64 `json:"contacts"`
	Answered  int64 `json:"answered"`
	Abandoned int64 `json:"abandoned"`
	// Offer is every contact's wait for its first offer, arrival to offer
	// (an abandon may have had one): the simulated offer_latency_ms,
	// call_offer_latency_ms, or email_assign_latency_ms. Answer is the
	// answered contacts' arrival to their agent's accept: the simulated
	// answer_latency_ms.
	Offer  Summary `json:"offer_ms"`
	Answer Summary `json:"answer_ms"`
}

// simulateRun replays the contacts the workers of a run draw (one Config
// each, as they run it) for agents agents with slots (the run's slots(),
// which a worker's Config does not carry), their primary languages dealt
// round robin (agentLanguage), as prepare creates them. It is nil for runs
// it cannot replay: a hold run, a run that dropped visitors (they never
// reached the server), or one past the simulator's bounds.
func simulateRun(workers []Config, agents int, slots presence.Capacity, dropped int64) *Simulated {
	if dropped > 0 {
		return nil
	}
	cfg, ok := simConfig(workers, agents, slots)
	if !ok {
		return nil
	}
	tally := map[presence.Media]*simTally{}
	var expertise *simTally // the expertise queue's visitors: the second queue's chats
	if workers[0].Expertise != "" && workers[0].Rate > 0 {
		expertise = newSimTally()
	}
	cfg.OnCall = func(c sim.Call) {
		t := tally[c.Media]
		if t == nil {
			t = newSimTally()
			tally[c.Media] = t
		}
		t.add(c)
		if expertise != nil && c.Queue == 1 && c.Media == presence.Chat {
			expertise.add(c)
		}
	}
	if _, err := sim.Run(context.Background(), cfg); err != nil {
		return &Simulated{Error: err.Error()}
	}
	out := &Simulated{}
	if t := tally[presence.Chat]; t != nil {
		out.Chats = t.summary()
	}
	if t := tally[presence.Voice]; t != nil {
		out.Calls = t.summary()
	}
	if t := tally[presence.Email]; t != nil {
		out.Emails = t.summary()
	}
	if expertise != nil {
		out.Expertise = expertise.summary()
	}
	return out
}

// simConfig is the simulator's replay of the contacts the workers of a
// run draw, for agents agents with slots (the run's slots()); false for
// runs it cannot replay (see simulateRun).
func simConfig(workers []Config, agents int, slots presence.Capacity) (sim.Config, bool) {
	if len(workers) == 0 {
		return sim.Config{}, false
	}
	w0 := workers[0]
	inBounds := func(media presence.Media, rate float64) bool {
		return rate <= 0 || slots[media] >= 1 && slots[media] <= sim.MaxCapacity
	}
	if w0.Hold > 0 || w0.Rate <= 0 && w0.Calls <= 0 && w0.Emails <= 0 || agents < 1 || agents > sim.MaxAgents ||
		!inBounds(presence.Chat, w0.Rate) || !inBounds(presence.Voice, w0.Calls) || !inBounds(presence.Email, w0.Emails) {
		return sim.Config{}, false
	}
	cfg := sim.Config{Agents: agents, Handle: w0.ChatLength, Accept: router.Manual, AcceptDelay: max(w0.AcceptDelay, 0), InterleaveTeams: true,
		AcceptDist: sim.Constant, Patience: w0.Patience, Duration: w0.Duration, Seed: w0.Seed,
		Miss: w0.Miss, BackAfter: w0.BackAfter, MissLimit: w0.MissLimit, OfferTimeout: w0.OfferTimeout}
	type kind struct {
		lang   string
		expert bool
	}
	count := map[kind]int{}
	for i := range agents {
		count[kind{presence.BaseLanguage(w0.agentLanguage(i)), w0.expert(agentID(i), i)}]++
	}
	for _, l := range w0.languages() {
		b := presence.BaseLanguage(l)
		if slices.ContainsFunc(cfg.Languages, func(s sim.LanguageShare) bool { return s.Language == b }) {
			continue
		}
		cfg.Languages = append(cfg.Languages, sim.LanguageShare{Language: b, Share: 1})
		if n := count[kind{b, false}]; n > 0 {
			cfg.Teams = append(cfg.Teams, sim.Team{Agents: n, Languages: []string{b}})
		}
		if n := count[kind{b, true}]; n > 0 {
			cfg.Teams = append(cfg.Teams, sim.Team{Agents: n, Languages: []string{b}, Expertise: []string{w0.Expertise}})
		}
	}
	if w0.Expertise != "" || w0.Broadcast > 0 { // the arrivals say which queue: the shares are not drawn
		bench := sim.QueueShare{Name: QueueID, Share: 1}
		if w0.Broadcast > 0 {
			bench.OfferMode, bench.MaxOffers = router.Broadcast, w0.Broadcast
		}
		cfg.Queues = []sim.QueueShare{bench}
		if w0.Expertise != "" {
			expert := bench
			expert.Name, expert.Expertise = ExpertiseQueueID, []string{w0.Expertise}
			if w0.ExpertiseDrop > 0 {
				expert.Steps = []sim.QueueStep{{After: w0.ExpertiseDrop, DropExpertise: true}}
			}
			cfg.Queues = append(cfg.Queues, expert)
		}
	}
	if w0.Calls <= 0 && w0.Emails <= 0 {
		cfg.Capacity = slots[presence.Chat] // chats alone: no media
	} else {
		for _, m := range []struct {
			media  presence.Media
			rate   float64
			handle time.Duration
		}{{presence.Chat, w0.Rate, w0.ChatLength}, {presence.Voice, w0.Calls, w0.CallLength}, {presence.Email, w0.Emails, w0.EmailLength}} {
			if m.rate > 0 {
				cfg.Media = append(cfg.Media, sim.MediaShare{Media: m.media, Share: m.rate, Handle: m.handle, Capacity: slots[m.media]})
			}
		}
	}
	cfg.Arrivals = replayArrivals(workers, len(cfg.Queues) > 0)
	return cfg, len(cfg.Arrivals) > 0
}

// replayArrivals are the visitors, callers and emails of every worker, in
// order of arrival. A visitor or caller waits for its agent to accept, and
// leaves when its patience runs out before, in the queue or while the
// offer rings; an email waits as long as it takes. With named, each
// arrives in its queue (queueOf), as the replay names its queues.
func replayArrivals(workers []Config, named bool) []sim.Arrival {
	var out []sim.Arrival
	for _, w := range workers {
		queue := func(kind uint64, n int) string {
			if !named {
				return ""
			}
			return queueOf(w, kind, n)
		}
		if w.Rate > 0 {
			for c := range chatsOf(w) {
				out = append(out, sim.Arrival{At: c.at, Media: presence.Chat, Queue: queue(chatKind, c.n), Language: c.lang,
					Handle: max(c.chat, 1), Patience: c.patience})
			}
		}
		if w.Calls > 0 {
			for c := range callsOf(w) {
				out = append(out, sim.Arrival{At: c.at, Media: presence.Voice, Queue: queue(callKind, c.n), Handle: max(c.talk, 1),
					Patience: c.patience})
			}
		}
		if w.Emails > 0 {
			for e := range emailsOf(w) {
				out = append(out, sim.Arrival{At: e.at, Media: presence.Email, Queue: queue(emailKind, e.n), Handle: max(e.handle, 1)})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b sim.Arrival) int { return cmp.Compare(a.At, b.At) })
	return out
}

// simTally counts one media's contacts as the simulator resolves them.
type simTally struct {
	contacts, answered, abandoned int64
	offer, answer                 *Hist
}

func newSimTally() *simTally { return &simTally{offer: NewHist(), answer: NewHist()} }

// add counts contact c.
func (t *simTally) add(c sim.Call) {
	t.contacts++
	if c.Offered {
		t.offer.Add(fromSeconds(c.OfferWait))
	}
	if c.Answered {
		t.answered++
		t.answer.Add(fromSeconds(c.Wait))
	} else {
		t.abandoned++
	}
}

func (t *simTally) summary() *SimulatedContacts {
	return &SimulatedContacts{Contacts: t.contacts, Answered: t.answered, Abandoned: t.abandoned,
		Offer: t.offer.Summary(), Answer: t.answer.Summary()}
}

// fromSeconds converts seconds of simulated time to a Duration.
func fromSeconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
