// Package load is `switchboard bench`: it drives a running server through
// real websockets and measures it from the outside.
//
// It sets up its own workspace through the HTTP API (PUT
// /v1/workspaces/{id} with the admin key, then a queue, agents and their
// tokens), connects A agents that accept offers after a delay (but let a
// share --miss of them ring out, coming back --back-after once the hub
// set them away for --miss-limit in a row, 3 by default, the bench
// workspace's miss_limit; the queue's offers ring --offer-timeout)
// and echo every visitor message, and opens visitors as a Poisson process: each says
// hello with its first message pipelined behind it, waits for an agent
// (leaving after a patience, when set: exponential, or lognormal with
// --patience-cv), then sends messages at
// an exponential rhythm for an exponential chat length, and leaves.
//
// With --calls C it also hands voice calls to the hub as a telephony
// system does, over the HTTP API: a connector posts C calls per second
// (POST /v1/sessions, channel voice_inbound) as a Poisson process; the hub
// offers each to an agent (who takes one call at a time, and no new chat
// while on a call); the agent accepts; its softphone reports the call
// connected (POST /v1/sessions/{id}/events) and, after an exponential talk
// time (--call-length), the caller hangs up (event ended, by customer);
// the agent wraps up. The softphone's events are posted from the agent's
// own process. With --patience a caller whose patience runs out while the
// call still waits in the queue, its offer ringing on an agent's desk
// included, hangs up (event ended, by customer, which the hub counts as
// abandoned).
//
// The calls are the seed's: their arrival times and patience come from
// the worker's call stream, and each call's talk time from a stream of
// its own, whichever agent answers it (draws.go). So a run of calls alone
// (no chats or emails beside them) is set beside an ideal queue of the
// same callers and as many agents, which wastes no time between a free
// agent and the next caller, and where a caller whose patience runs out
// while the agent's phone rings hangs up (ideal.go, calls_ideal in the
// JSON): what the run lost beyond it, the real server cost the callers.
// Over long runs the ideal queue of the bench's callers is Erlang A,
// which checks the draws.
// Visitors replay the same way (chatsOf): a run of chats alone that
// dropped no visitor is set beside an ideal queue of its visitors and as
// many chat slots (agents times --capacity), where a visitor whose
// patience runs out before its agent joined, in the queue or while the
// offer rings, leaves (chats_ideal in the JSON). Any slot takes any
// visitor whatever the languages: the router weighs a visitor's language
// in choosing among free agents, and keeps no visitor waiting beside a
// free slot.
//
// Once a run of chats, calls, emails or any of them together is over, the
// simulator replays its visitors, callers and emails (simulated.go,
// simulated in the JSON): the real hub and router on virtual time, with
// the same agents (their languages, chat and email slots and a call at a
// time) and accept delay, and no sockets, store or clock. It stands where
// the ideal queue cannot: several languages; calls beside chats, where a
// call blocks its agent's new chats; emails beside either. What the run
// lost beyond it, the server's real time cost the customers; the routing
// is the same code. --simulate=false skips it (it takes about 0.1 ms of
// wall time per contact).
//
// With --emails E a mail poller posts E emails per second (channel email).
// The hub assigns each without an offer to accept (an offer frame of mode
// auto) to an agent with a free email slot (--email-capacity each, 5 by
// default); after the email's handle time (exponential, --email-length,
// from a stream of its own as a call's talk time) the agent sends its
// reply, ends the session and wraps up. --rate 0 with --calls or --emails
// runs them alone.
//
// With --expertise LABEL the run routes by skill, as a contact center
// does: the bench creates a second queue, bench-expertise, that requires
// the label of its agents (until --expertise-drop, its step that drops
// it), gives the label to a share --expertise-agents of the agents
// (spread over their numbers, as --miss-agents picks), and sends a share
// --expertise-contacts of its visitors, callers and emails there, each by
// a draw of its own beside the arrival streams (queueOf: the same run
// without --expertise has the same contacts). Every agent serves both
// queues. The report gives the queue's contacts, its visitors' answer
// time apart (expertise in the JSON), and the simulator's replay of them.
// The run's exports, status log, agents and queues are then a day routed
// by expertise for `switchboard simulate --history … --profiles
// --queue-settings` to replay.
//
// With --broadcast N the bench's queues offer each contact to N agents at
// once (offer_mode broadcast, max_offers N): the first to accept takes
// it, and the hub withdraws the others' offers (reason taken). An agent
// whose accept delay was not over then sends nothing; one whose accept
// crossed the withdrawal is refused as a conflict. Both are counted as
// accepts lost (accepts_lost in the JSON), not as errors, once the
// withdrawal's reason says another agent took the contact.
//
// # What is measured
//
//	connect   dial to welcome, for every socket
//	offer     the visitor's hello and first message leaving the client to
//	          the offer reaching an agent (the visitor's send time travels
//	          in its contact name, so it works across worker processes on
//	          one host)
//	accept    an agent's accept leaving to its ack: offer to connected,
//	          minus the configured accept delay
//	answer    first message to agent_joined at the visitor (queueing
//	          included)
//	deliver   a visitor message leaving the client to its arrival on the
//	          agent's socket (one way; the send time travels in the text)
//	relay     a visitor message's round trip visitor → hub → agent → hub →
//	          visitor (the agent echoes it at once)
//	call post    a call's POST to its 201: the call stored durably
//	call offer   a call's POST leaving to its offer reaching an agent (the
//	             time travels in the contact's name, as for visitors)
//	call event   a telephony event's POST (connected, ended) to its 200
//	email post   an email's POST to its 201
//	email assign an email's POST leaving to its assignment reaching an
//	             agent (queueing for a free slot included)
//
// API refusals of the calls and emails (a 429 past the server's limit of API calls
// per address, a 404) are counted under errors and not retried; against
// a local server the calls spread over loopback source addresses, 150 API
// calls per second each.
//
// Latencies go to log-bucketed histograms (±2 %, fixed memory, mergeable);
// frames are counted in and out; every failure is counted by kind. While it
// runs, a sampler reads the queue's length from the API and counts busy
// agents each second for the HTML report's charts.
//
// # Where the time went
//
// Beside the latencies, a run reports why they are what they are. The
// server's own view (server_view) comes from its /metrics, read when the
// visitors start arriving and again at the end: how busy the workspace's
// hub loop was (applying and committing; near 1 it queues commands behind
// each other's commits), the mean commit and apply time per cycle, the
// commands per commit, the collections, and the share of the server's
// goroutine wake-ups that waited longer than about 1, 10 and 100 ms for a CPU
// (go_sched_latencies_seconds: a CPU-starved server), and the server's own
// share of the offer and relay latencies (server_offer_ms,
// server_message_ms: switchboard_push_latency_seconds on agent sockets,
// from the visitor's frame reaching the hub to the agent's frame taken by
// its socket's writer, quantiles estimated from the buckets). What the
// bench measured beyond that share was spent in the sockets, in the
// bench's clients, or in the server's reader waiting to run. The bench's own CPU
// (client_cpu_seconds, all its processes) says how much of the machine the
// load generator took from the server when both run on one host.
//
// # Cost
//
// A socket costs one reader goroutine and the websocket library's buffers;
// timers drive visitors' messages. The reader's stack stays at 4 KiB: the
// dial, and each frame's decode and handling, run on a goroutine of their
// own (internal/offstack). A socket decodes only the frames its
// role acts on: the type is read from the frame's first bytes, and the
// rest (presence, queue positions, its own messages echoed back, the cards
// of sessions not yet finished) are counted and dropped (socket.go). The
// client measures its memory per socket at each new peak of sockets
// (client_kib_per_socket). SWITCHBOARD_BENCH_CPUPROFILE=PREFIX and
// SWITCHBOARD_BENCH_MEMPROFILE=PREFIX have every bench process write a CPU
// profile of its run and a heap profile at its peak (profile.go).
//
// The per-process open-file limit (about 20,000 here) caps sockets: above
// MaxSocketsPerProcess the command re-execs itself as worker processes
// (`switchboard bench --worker`), splits agents and arrival rate among
// them, and merges their histograms.
//
// # Hold runs
//
// With --hold D the run measures idle sockets instead of chats: it reads
// the server's memory from its /metrics (after a collection when
// --server-pprof names the server's pprof address), connects --agents
// agents (hello, then presence available) and --visitors visitors (hello
// only: no chat starts) at --rate per second, holds them for D, reads the
// server again and reports the difference per socket, with the client's
// own memory per socket. Above MaxSocketsPerProcess sockets the workers
// connect their share, report, and hold until the parent has read the
// server (hold.go).
//
// # Rate limits
//
// The server limits new chats and visitor frames per client address. When
// the server is on a loopback address, visitors spread their sockets over
// source addresses in 127.0.0.0/8 so that a bench measures the hub rather
// than the limiter; against a remote server the refusals show under errors.
//
// # Concurrency
//
// Run may be called from any goroutine; it starts and stops every goroutine
// it needs before it returns.
package load
