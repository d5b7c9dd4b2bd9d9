package load

import (
	"cmp"
	"iter"
	"slices"
	"time"

	"github.com/switchboardhq/switchboard/internal/minheap"
)

// IdealCalls is what an ideal queue makes of a run's calls: the same
// callers (arrival times, patience and talk times, callsOf) and as many
// agents, with no time lost between them: the first caller still waiting
// is offered to an agent the instant one is free, and an agent holds a
// call for the accept delay and its talk time. A caller whose patience
// runs out before an agent answered (in the queue, or while the agent's
// phone rings, when the bench's connector finds the call still queued and
// hangs up) gives up. Set for runs of calls alone (no chats or emails for
// the agents), where the difference from the bench's own counts is what
// the real server costs the callers.
type IdealCalls struct {
	Calls     int64 `json:"calls"`
	Answered  int64 `json:"answered"`
	Abandoned int64 `json:"abandoned"`
	// Wait is the answered calls' waits, arrival to offer: the ideal
	// call_offer_latency_ms.
	Wait Summary `json:"wait_ms"`
}

// IdealChats is what an ideal queue makes of a run's chats: the same
// visitors (arrival times, patience and chat lengths, chatsOf) and as many
// chat slots (agents times their capacity), with no time lost between
// them: the first visitor still waiting is offered to a slot the instant
// one is free, and a chat holds its slot for the accept delay and its
// length. A visitor whose patience runs out before an agent joined (in
// the queue, or while the agent's offer rings) leaves. Set for runs of
// chats alone, where any free slot may take any visitor, as the hub's
// router does whatever the languages: it weighs a visitor's language in
// choosing among free agents, and never keeps a visitor waiting beside a
// free slot (TestSimulatorLanguagesHoldNoOneBack). The difference from
// the bench's own counts is what the real server costs the visitors.
type IdealChats struct {
	Chats     int64 `json:"chats"`
	Answered  int64 `json:"answered"`
	Abandoned int64 `json:"abandoned"`
	// Offer is every offer's wait, arrival to offer: the ideal
	// offer_latency_ms. Answer is the answered chats' arrival to their
	// agent joining (the offer and the accept delay): the ideal
	// answer_latency_ms.
	Offer  Summary `json:"offer_ms"`
	Answer Summary `json:"answer_ms"`
}

// idealFits says whether the ideal queue stands for a run of w: a chat or
// call run (not a hold), whose agents miss no offer (the ideal queue knows
// no misses: the simulator's replay does), and where any free slot takes
// any customer, one offer at a time (no expertise, no broadcast).
func idealFits(w Config) bool {
	return w.Hold == 0 && w.Miss == 0 && w.Expertise == "" && w.Broadcast == 0
}

// idealCalls runs the ideal queue on the calls the workers of a run post
// (one Config each, as they run it) for agents agents; nil unless the run
// posts calls alone and the ideal queue fits it (idealFits).
func idealCalls(workers []Config, agents int) *IdealCalls {
	if len(workers) == 0 || workers[0].Calls <= 0 || workers[0].Rate > 0 || workers[0].Emails > 0 || !idealFits(workers[0]) {
		return nil
	}
	jobs := replay(workers, callsOf)
	q := idealQueue(jobs, agents, max(workers[0].AcceptDelay, 0))
	return &IdealCalls{Calls: int64(len(jobs)), Answered: q.answered, Abandoned: q.abandoned, Wait: q.offer.Summary()}
}

// idealChats runs the ideal queue on the visitors the workers of a run
// open (one Config each, as they run it) for slots chat slots; nil unless
// the run opens visitors alone, the ideal queue fits it (idealFits), and
// it dropped none (a dropped visitor never reached the server).
func idealChats(workers []Config, slots int, dropped int64) *IdealChats {
	if len(workers) == 0 || workers[0].Rate <= 0 || workers[0].Calls > 0 || workers[0].Emails > 0 || !idealFits(workers[0]) || dropped > 0 {
		return nil
	}
	jobs := replay(workers, chatsOf)
	q := idealQueue(jobs, slots, max(workers[0].AcceptDelay, 0))
	return &IdealChats{Chats: int64(len(jobs)), Answered: q.answered, Abandoned: q.abandoned,
		Offer: q.offer.Summary(), Answer: q.answer.Summary()}
}

// A job is one customer in the ideal queue: when it arrives, how long it
// waits before giving up (0: as long as it takes), and how long it holds
// a slot once answered.
type job struct{ at, patience, hold time.Duration }

// replay is the jobs of every worker's draws (callsOf, chatsOf), in
// order of arrival.
func replay[T interface{ job() job }](workers []Config, of func(Config) iter.Seq[T]) []job {
	var jobs []job
	for _, cfg := range workers {
		for w := range of(cfg) {
			jobs = append(jobs, w.job())
		}
	}
	slices.SortStableFunc(jobs, func(a, b job) int { return cmp.Compare(a.at, b.at) })
	return jobs
}

func (c plannedCall) job() job { return job{at: c.at, patience: c.patience, hold: c.talk} }
func (c plannedChat) job() job { return job{at: c.at, patience: c.patience, hold: c.chat} }

// idealRun is what the ideal queue made of its jobs: how many were
// answered and abandoned, every offer's wait (arrival to offer) and the
// answered jobs' arrival to answer (the offer and the ring).
type idealRun struct {
	answered, abandoned int64
	offer, answer       *Hist
}

// idealQueue serves jobs, sorted by arrival, by slots identical slots
// in one first-come-first-served queue, each job holding its slot for
// ring and its hold. A customer whose patience runs out before a slot is
// free gives up, and so does one whose patience runs out while its offer
// rings, whose slot is free again then: a visitor waits for its agent to
// join, a caller for its agent to answer.
func idealQueue(jobs []job, slots int, ring time.Duration) idealRun {
	res := idealRun{offer: NewHist(), answer: NewHist()}
	busy := minheap.New(func(a, b *time.Duration) bool { return *a < *b }) // when each busy slot is free again
	var queue []job
	offer := func(j job, now time.Duration) {
		if j.patience > 0 && now-j.at > j.patience {
			res.abandoned++ // gave up before now
			return
		}
		res.offer.Add(now - j.at)
		if j.patience > 0 && now+ring-j.at > j.patience {
			busy.Push(j.at + j.patience) // gives up while the offer rings
			res.abandoned++
			return
		}
		busy.Push(now + ring + j.hold)
		res.answer.Add(now + ring - j.at)
		res.answered++
	}
	i := 0
	for i < len(jobs) || len(queue) > 0 && busy.Len() > 0 {
		if busy.Len() > 0 && (i == len(jobs) || *busy.Min() <= jobs[i].at) {
			now := busy.Pop()
			for len(queue) > 0 && busy.Len() < slots {
				j := queue[0]
				queue = queue[1:]
				offer(j, now)
			}
			continue
		}
		j := jobs[i]
		i++
		if busy.Len() < slots && len(queue) == 0 {
			offer(j, j.at)
		} else {
			queue = append(queue, j)
		}
	}
	for _, j := range queue { // no slot at all: the patient wait for ever
		if j.patience > 0 {
			res.abandoned++
		}
	}
	return res
}

// ratio is a / b, 0 when b is.
func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
