package erlang_test

import (
	"fmt"

	"github.com/switchboardhq/switchboard/bench/erlang"
)

// The Call Centre Helper example: 100 contacts in 30 minutes, 3-minute
// handle time (A = 10 erlangs), 14 agents, answer within 20 s.
func ExampleErlangC() {
	r, err := erlang.ErlangC(100.0/1800, 180, 14, 20)
	if err != nil {
		panic(err)
	}
	fmt.Printf("P(wait) %.4f  SL %.2f%%  ASA %.1f s  occupancy %.1f%%\n",
		r.ProbWait, 100*r.ServiceLevel, r.ASA, 100*r.Occupancy)
	// Output: P(wait) 0.1741  SL 88.84%  ASA 7.8 s  occupancy 71.4%
}

// The same queue with callers who hang up after 2 minutes on average, at
// 14 agents and in overload at 8.
func ExampleErlangA() {
	for _, c := range []int{14, 8} {
		r, err := erlang.ErlangA(100.0/1800, 180, c, 20, 120)
		if err != nil {
			panic(err)
		}
		fmt.Printf("c=%d  P(wait) %.4f  SL %.2f%%  ASA %.1f s  abandon %.2f%%  occupancy %.1f%%\n",
			c, r.ProbWait, 100*r.ServiceLevel, r.ASA, 100*r.AbandonRate, 100*r.Occupancy)
	}
	// Output:
	// c=14  P(wait) 0.1270  SL 93.27%  ASA 2.3 s  abandon 2.28%  occupancy 69.8%
	// c=8  P(wait) 0.7226  SL 40.32%  ASA 29.3 s  abandon 25.80%  occupancy 92.8%
}

// Staffing for 80% within 20 s.
func ExampleAgentsFor() {
	c, r, err := erlang.AgentsFor(100.0/1800, 180, 20, 0.80)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d agents: SL %.2f%%\n", c, 100*r.ServiceLevel)
	// Output: 14 agents: SL 88.84%
}
