package router

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

const (
	benchAgents  = 10000
	benchQueues  = 200
	benchWaiting = 100000
)

var benchLangs = []string{"en", "es", "fr", "de", "pt"}

// benchRouter builds the scale: 200 queues, 10,000 agents in two
// queues each with chat capacity 3, all available.
func benchRouter(b *testing.B, mode AcceptMode) *Router {
	r := New(Config{})
	for q := 0; q < benchQueues; q++ {
		if err := r.PutQueue(Queue{ID: fmt.Sprintf("q%03d", q), AcceptMode: mode, Aging: time.Minute}, t0); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < benchAgents; i++ {
		id := fmt.Sprintf("a%05d", i)
		p := presence.Profile{ID: id, Capacity: presence.Capacity{1, 3, 5},
			Languages: presence.Languages{Primary: benchLangs[i%5], Secondary: []string{benchLangs[(i+1)%5]}}}
		qs := []string{fmt.Sprintf("q%03d", i%benchQueues), fmt.Sprintf("q%03d", (i*7+3)%benchQueues)}
		if err := r.PutAgent(p, qs, t0); err != nil {
			b.Fatal(err)
		}
		_ = r.Connect(id)
		_ = r.SetStatus(id, presence.Available, t0)
	}
	r.Decisions()
	return r
}

func sessionIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("s%08d", i)
	}
	return ids
}

// BenchmarkDecisionAgentFrees: every agent is full and 100,000 sessions wait
// across 200 queues. One op: a session wraps up, its agent's slot frees and
// the router picks the best waiting session across the agent's queues
// (priority, aging, age) and assigns it; a new session arrives to keep the
// backlog. One routing decision per op.
func BenchmarkDecisionAgentFrees(b *testing.B) {
	r := benchRouter(b, Auto)
	held := benchAgents * 3
	ids := sessionIDs(held + benchWaiting + b.N)
	var assigned []int
	queueOf := make([]int, len(ids))
	now := t0
	queues := make([]string, benchQueues)
	for q := range queues {
		queues[q] = fmt.Sprintf("q%03d", q)
	}
	num := func(id string) int {
		n := 0
		for _, c := range id[1:] {
			n = n*10 + int(c-'0')
		}
		return n
	}
	for i := 0; i < held+benchWaiting; i++ {
		now = now.Add(time.Millisecond)
		queueOf[i] = i % benchQueues
		_ = r.Enqueue(Arrival{Session: ids[i], Queue: queues[queueOf[i]], Media: presence.Chat,
			Priority: 1 + i%8, Language: benchLangs[i%5]}, now)
		for _, d := range r.Decisions() {
			if d.Kind == Assigned {
				assigned = append(assigned, num(d.Session))
			}
		}
	}
	if len(assigned) != held {
		b.Fatalf("%d assigned, want %d", len(assigned), held)
	}
	ring := make([]int, 0, len(assigned)+b.N)
	ring = append(ring, assigned...)
	next, decisions := held+benchWaiting, 0
	b.ReportAllocs()
	b.ResetTimer()
	for i, k := 0, 0; i < b.N; i++ {
		now = now.Add(time.Millisecond)
		q := next % benchQueues
		if k < len(ring) {
			s := ring[k]
			k++
			_ = r.End(ids[s], now)
			_ = r.Wrapup(ids[s], now)
			q = queueOf[s] // the backlog of each queue stays as it was
		}
		queueOf[next] = q
		_ = r.Enqueue(Arrival{Session: ids[next], Queue: queues[q], Media: presence.Chat,
			Priority: 1 + next%8, Language: benchLangs[next%5]}, now)
		next++
		for _, d := range r.Decisions() {
			if d.Kind == Assigned {
				ring = append(ring, num(d.Session))
				decisions++
			}
		}
	}
	b.StopTimer()
	if decisions < b.N*9/10 {
		b.Fatalf("%d decisions for %d ops", decisions, b.N)
	}
	b.ReportMetric(float64(decisions)/b.Elapsed().Seconds(), "decisions/s")
}

// BenchmarkDecisionSessionArrives: agents have free slots. One op: a session
// arrives and the router picks the best agent of its queue (load, language
// tier, idle time; with runner-up) and assigns it; the session then ends and
// wraps up, freeing the slot. One routing decision per op.
func BenchmarkDecisionSessionArrives(b *testing.B) {
	r := benchRouter(b, Auto)
	ids := sessionIDs(1024)
	now := t0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		now = now.Add(time.Millisecond)
		id := ids[i%1024]
		_ = r.Enqueue(Arrival{Session: id, Queue: "q" + id[6:9][:3], Media: presence.Chat, Language: benchLangs[i%5]}, now)
		_ = r.End(id, now)
		_ = r.Wrapup(id, now)
		r.Decisions()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

// BenchmarkWaitingMemory measures router memory per waiting session with
// 100,000 waiting across 200 queues (measured once, before the timer), then
// times reading a queue's live stats, which the supervisor view polls.
func BenchmarkWaitingMemory(b *testing.B) {
	ids := sessionIDs(benchWaiting)
	queues := make([]string, benchQueues)
	for q := range queues {
		queues[q] = fmt.Sprintf("q%03d", q)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := New(Config{})
	for _, q := range queues {
		_ = r.PutQueue(Queue{ID: q}, t0)
	}
	for j, id := range ids {
		_ = r.Enqueue(Arrival{Session: id, Queue: queues[j%benchQueues], Media: presence.Chat,
			Priority: 1 + j%8, Language: "en"}, t0.Add(time.Duration(j)*time.Millisecond))
		r.Decisions()
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perSession := float64(after.HeapAlloc-before.HeapAlloc) / benchWaiting
	now := t0.Add(200 * time.Second)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := r.Stats(queues[i%benchQueues], now); !ok {
			b.Fatal("no queue")
		}
	}
	b.ReportMetric(perSession, "bytes/waiting") // after the loop: ResetTimer drops metrics
}

// BenchmarkChooseSession times the choice alone when an agent frees up: the
// best of 100,000 waiting sessions across the agent's two queues (eight
// priority classes each, aging, exclusions). Nothing is changed.
func BenchmarkChooseSession(b *testing.B) {
	r := benchRouter(b, Manual)
	ids := sessionIDs(benchWaiting + benchAgents*3) // 30,000 take every slot as offers; 100,000 wait
	now := t0
	for i, id := range ids {
		now = now.Add(time.Millisecond)
		_ = r.Enqueue(Arrival{Session: id, Queue: fmt.Sprintf("q%03d", i%benchQueues), Media: presence.Chat,
			Priority: 1 + i%8, Language: benchLangs[i%5]}, now)
		r.Decisions()
	}
	agents := make([]*agentState, 0, benchAgents)
	for _, id := range sortedKeys(r.agents) {
		agents = append(agents, r.agents[id])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r.bestSession(agents[i%len(agents)], presence.Chat, now) == nil {
			b.Fatal("no session")
		}
	}
	if n := r.queues["q000"].nwaiting * benchQueues; n < benchWaiting {
		b.Fatalf("only ~%d waiting", n)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

// BenchmarkChooseAgent times the choice alone when a session arrives: the
// best of the free members of its queue (load, language tier against the
// primary and secondary indexes, idle time, runner-up). Nothing is changed.
func BenchmarkChooseAgent(b *testing.B) {
	r := benchRouter(b, Manual)
	var ss []*sess
	for q := 0; q < benchQueues; q++ {
		qs := r.queues[fmt.Sprintf("q%03d", q)]
		ss = append(ss, &sess{id: "x", q: qs, media: presence.Chat, prio: 5, lang: benchLangs[q%5], inTree: true})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := r.bestAgent(ss[i%len(ss)]); !ok {
			b.Fatal("no agent")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

// BenchmarkQueueHead compares reading the first 200 in line of one queue
// holding 100,000 waiting sessions (what the hub does each cycle the line
// moves) with sorting the whole queue.
func BenchmarkQueueHead(b *testing.B) {
	r := New(Config{})
	_ = r.PutQueue(Queue{ID: "q", Aging: time.Minute}, t0)
	for j, id := range sessionIDs(benchWaiting) {
		_ = r.Enqueue(Arrival{Session: id, Queue: "q", Media: presence.Chat, Priority: 1 + j%8},
			t0.Add(time.Duration(j)*time.Millisecond))
		r.Decisions()
	}
	now := t0.Add(200 * time.Second)
	buf := make([]string, 0, benchWaiting)
	b.Run("head200", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			buf = r.Head(buf[:0], "q", 200, now)
		}
	})
	b.Run("sortAll", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			buf = r.Waiting(buf[:0], "q", now)
		}
	})
}
