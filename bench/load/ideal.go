package load

import (
	"cmp"
	"slices"
	"time"

	"github.com/switchboardhq/switchboard/internal/minheap"
)

// IdealCalls is what an ideal queue makes of a run's calls: the same
// callers (arrival times, patience and talk times, callsOf) and as many
// agents, with no time lost between them: the first caller still waiting
// is offered to an agent the instant one is free, and an agent holds a
// call for the accept delay and its talk time. Set for runs of calls
// alone (no chats or emails for the agents), where the difference from
// the bench's own counts is what the real server costs the callers.
type IdealCalls struct {
	Calls     int64 `json:"calls"`
	Answered  int64 `json:"answered"`
	Abandoned int64 `json:"abandoned"`
	// Wait is the answered calls' waits, arrival to offer: the ideal
	// call_offer_latency_ms.
	Wait Summary `json:"wait_ms"`
}

// idealCalls runs the ideal queue on the calls the workers of a run post
// (one Config each, as they run it) for agents agents; nil unless the run
// posts calls alone.
func idealCalls(workers []Config, agents int) *IdealCalls {
	if len(workers) == 0 || workers[0].Calls <= 0 || workers[0].Rate > 0 || workers[0].Emails > 0 || workers[0].Hold > 0 {
		return nil
	}
	var calls []plannedCall
	for _, cfg := range workers {
		calls = slices.AppendSeq(calls, callsOf(cfg))
	}
	slices.SortStableFunc(calls, func(a, b plannedCall) int { return cmp.Compare(a.at, b.at) })
	return idealQueue(calls, agents, max(workers[0].AcceptDelay, 0))
}

// idealQueue serves calls, in order of arrival, by agents identical agents
// in one first-come-first-served queue, each call holding its agent for
// ring and its talk time; a caller whose patience runs out before an
// agent is free hangs up.
func idealQueue(calls []plannedCall, agents int, ring time.Duration) *IdealCalls {
	res := &IdealCalls{Calls: int64(len(calls))}
	waits := NewHist()
	busy := minheap.New(func(a, b *time.Duration) bool { return *a < *b }) // when each busy agent is free again
	var queue []plannedCall
	offer := func(c plannedCall, now time.Duration) {
		busy.Push(now + ring + c.talk)
		waits.Add(now - c.at)
		res.Answered++
	}
	i := 0
	for i < len(calls) || len(queue) > 0 && busy.Len() > 0 {
		if busy.Len() > 0 && (i == len(calls) || *busy.Min() <= calls[i].at) {
			now := busy.Pop()
			for len(queue) > 0 && busy.Len() < agents {
				c := queue[0]
				queue = queue[1:]
				if c.patience > 0 && now-c.at > c.patience {
					res.Abandoned++ // hung up before now
					continue
				}
				offer(c, now)
			}
			continue
		}
		c := calls[i]
		i++
		if busy.Len() < agents && len(queue) == 0 {
			offer(c, c.at)
		} else {
			queue = append(queue, c)
		}
	}
	for _, c := range queue { // no agent at all: the patient wait for ever
		if c.patience > 0 {
			res.Abandoned++
		}
	}
	res.Wait = waits.Summary()
	return res
}

// ratio is a / b, 0 when b is.
func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
