package sim

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
)

// runBench runs cfg b.N times and reports the wall time per contact
// counted (the warm-up's are not) and the hub commands per second of wall
// time: the simulator's own speed,
// which is the hub's per command with no sockets, store or hand-offs.
func runBench(b *testing.B, cfg Config) {
	b.ReportAllocs()
	var r *Report
	for b.Loop() {
		var err error
		if r, err = Run(context.Background(), cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(r.WallSeconds*1e6/float64(r.Simulated.Arrivals), "µs/contact")
	b.ReportMetric(float64(r.Commands)/r.WallSeconds, "commands/s")
}

// BenchmarkSimulateDay simulates six hours (and 36 minutes of warm-up) of
// `switchboard simulate`'s usual shape: 100 agents, one queue, a contact a
// second of 90 s on average (90 % occupancy).
func BenchmarkSimulateDay(b *testing.B) {
	runBench(b, Config{Agents: 100, Rate: 1, Handle: 90 * time.Second, Duration: 6 * time.Hour, Seed: 1})
}

// BenchmarkSimulateReplay replays a load test as the bench does once a run
// is over: 5,000 agents of 3 chat slots who accept each offer after 200
// ms, 500 chats a second for 30 s, 10 s each on average.
func BenchmarkSimulateReplay(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	arrivals := make([]Arrival, 0, 15000)
	at := 0.0
	for at < 30 {
		at += rng.ExpFloat64() / 500
		arrivals = append(arrivals, Arrival{At: seconds(at), Media: presence.Chat, Handle: seconds(rng.ExpFloat64() * 10)})
	}
	runBench(b, Config{Agents: 5000, Capacity: 3, Handle: 10 * time.Second, Accept: router.Manual, AcceptDelay: 200 * time.Millisecond,
		AcceptDist: Constant, Arrivals: arrivals, Seed: 1})
}
