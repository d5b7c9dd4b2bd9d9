// Package router is Switchboard's matching engine: per-queue waiting sets
// ordered by effective priority then original enqueue time, agent pools
// indexed by load and language, offers (manual single, manual broadcast, auto
// assignment, direct transfer offers) with their deadlines, widening steps,
// sticky routing, deflection, and an explanation for every offer.
//
// The router is pure and deterministic: no I/O, no goroutines, no clock
// reads, no map iteration in any decision. Time is passed to every call; the
// caller owns the clock and asks NextDeadline when to call Advance. The same
// calls in the same order give the same decisions, which the caller drains
// with Decisions after each call.
//
// A Router is not safe for concurrent use: it is owned by one workspace's hub
// loop.
//
// Complexity: choosing an agent for a session reads the first eligible
// members of at most three ordered pools per queue (all members with a free
// slot, those whose primary language matches, those whose secondary matches):
// O(log n) in agents. Choosing a session for an agent reads the first eligible
// session of at most eight priority classes per queue of the agent: O(log n)
// in waiting sessions. Skipped entries (declined, missing expertise) add to
// that, amortised by how rarely they occur.
package router
