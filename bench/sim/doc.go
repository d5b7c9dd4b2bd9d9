// Package sim runs the real hub and router on virtual time, with no sockets,
// to measure what a contact center would see under a given load, and puts
// the figures beside the Erlang C (and, with patience, Erlang A) predictions
// of package erlang. It is `switchboard simulate`.
//
// # The model
//
// By default, one queue (auto accept) and c agents, each with chat capacity
// 1, so that each agent serves one contact at a time: an M/M/c queue, or
// M/M/c+M when patience is set.
//
//   - Arrivals are a Poisson process of rate λ (seeded math/rand/v2).
//   - Handle times have mean h, drawn at arrival: exponential by default;
//     lognormal with a given coefficient of variation (the usual fit of
//     measured handle times), or constant (M/D/c), with Config.HandleDist.
//   - Patience is exponential with mean θ: a contact still waiting when its
//     patience runs out leaves (End by the visitor), and counts as abandoned.
//   - Agents accept at once (the queue's accept mode is auto) and end the
//     chat after its handle time. They then wrap it up after Config.Wrapup,
//     the after-contact work, holding the chat's slot until the hub's
//     Wrapup frees it; 0 by default, as in M/M/c, where an agent is free the
//     moment service ends.
//   - With Config.Accept manual, the hub offers each contact and the agent
//     accepts after an exponential time (Config.AcceptDelay), declines it
//     (Config.Decline, each agent's own with Config.AgentDecline) or lets
//     the offer ring out (Config.Miss, each agent's own with
//     Config.AgentMiss, or a time past the offer timeout). The hub then
//     offers the contact to another agent, never again to one who missed
//     or declined it, and sets an agent who missed Config.MissLimit in a
//     row (3 by default) away; the driver brings them back after
//     Config.BackAfter. The report counts the offers, and the contacts left
//     waiting because every agent had missed them. The models know none of this. A history's status log
//     says how often its agents missed offers (History.EstimateMisses:
//     the aways against the offers taken, each after as many misses in a
//     row as the log's miss_limit says); its documents, when they list
//     their offers, say it as a count (History.Offers: the offers not
//     taken, by agent too (AgentRates), the declines, and the accepted
//     offers' delays).
//
// Agents may serve several chats at once (Config.Capacity): the models then
// count each chat slot as an agent, which holds when a chat takes as long
// however many others its agent has; the hub fills any free slot, so the
// waits are those of that many agents.
//
// A run may also have several queues, each taking a share of the arrivals
// (Config.Queues), with a priority each; visitors who bring a language, drawn by shares
// (Config.Languages); and teams of agents, each serving some of the queues
// and speaking some of the languages (Config.Teams). Routing is then the
// router's own: which free agent takes a contact weighs the language
// against load, and which waiting contact a freed agent takes follows the
// queues' priorities and waits. The report gives each queue's and each
// language's figures, how often visitors were answered in their language,
// and each team's occupancy.
//
// # Blended media
//
// With Config.Media contacts arrive by voice, chat and email in given
// shares, each media with its own handle time, wrap-up, capacity and
// service-level threshold, and every agent serves every media: blended
// agents. Calls come from the telephony system's side, as in production:
// StartSession on a voice channel, the call reported connected at once when
// assigned and ended by the agent (or, waiting, by the customer) through
// ChannelEvent. Emails never abandon. The hub's rules decide who takes
// what: a call blocks new calls and chats while its agent holds it (offer
// to wrap-up), chats already open go on, and email blocks nothing, so an
// agent may take an email on a call and a call beside open chats. The
// report gives each media's figures within its own threshold and the share
// of its slots busy; an agent's occupancy is the time they hold any
// contact. No queueing model describes that pool, so a blended run has no
// prediction; a staffing search needs its targets in every media and puts
// its answer beside the sum of dedicated teams, one per media, each the
// fewest Erlang C (or A) says for that media alone: the planner's usual way
// of staffing channels apart. Media go with a day's profile and schedule:
// each interval then gives its figures media by media, and StaffProfile
// staffs each interval with blended agents beside its dedicated teams.
//
// # Predictions
//
// Beside the run-wide figures the report puts Erlang C (no patience) or
// Erlang A (patience) for the same load on all the agents. That is the
// run's own model only for one pool of agents with exponential handle
// times; otherwise the report says so in a note, and:
//
//   - with wrap-up, the models take handle time plus wrap-up as the time a
//     contact holds its slot (average handle time, as workforce tools
//     count it); that time has a cv of h/(h+w) times the handle times';
//   - with other handle-time distributions, or wrap-up, and no patience, it
//     adds the Allen–Cunneen approximation of M/G/c (Erlang C's waits
//     scaled by (1 + cv²)/2; exact for one agent, where it is
//     Pollaczek–Khinchine);
//   - a queue whose team serves it alone is its own M/M/c, and gets its
//     own Erlang C or A;
//   - queues of different priorities served by one pool get Cobham's mean
//     wait per priority class (erlang.PriorityASA), with exponential
//     handle times and no patience.
//
// # A day's profile
//
// With Config.Profile the arrival rate changes from interval to interval
// of a cycle, such as the half hours of a day, closed hours at rate 0, and
// Config.Schedule says how many agents are on shift in each: those coming
// on shift are set available and take what waits for them at once, those
// going off are set away and finish the chats they have. The report gives
// each interval's figures over every cycle of the window beside the
// interval's own Erlang C or A, as if its rate and agents held steady,
// which is how workforce planning staffs intervals; the simulation shows
// where that fails, when a busy interval's queue spills into the next.
//
// # Staffing
//
// Staff answers the planner's question the other way round: given the
// load and targets (a service level, an ASA, an abandon rate, an occupancy
// cap), the fewest agents whose simulation reaches them all. It starts at
// the model's answer (Erlang C, or Erlang A with patience: what an Erlang
// calculator says) and steps down or up from it, with doubling steps and a
// bisection, on the same seed for every count, so the counts are compared
// on the same arrivals (common random numbers). The report shows each
// trial beside the model's figures for the same agents. The simulation,
// not the model, decides: with steady handle times it may need an agent
// fewer than Erlang C says, with long-tailed ones more. A trial is one run,
// so the answer holds for its point estimates; a longer Duration narrows
// their intervals.
//
// StaffProfile staffs a profile: each open interval by Staff on its own
// rate, then the day on the schedule found.
//
// Targets.Shrinkage turns the answer into a roster: the share of paid
// time agents are not available for contacts (breaks, meetings, training,
// absence). The search still finds the agents available; Staffing.Scheduled
// (and ModelScheduled, for the model's answer) is how many to schedule so
// that that many are, Agents / (1 − Shrinkage) rounded up, and a staffed
// day adds each interval's roster and its agent-hours.
//
// # A replay, and a contact center's history
//
// Config.Arrivals replace the draws with given contacts: a load test's own
// (bench/load replays every run), or a contact center's past. ReadHistory
// reads the session documents a server exported (<data>/exports) and
// makes them a replay: each contact's queue entry, media, queue,
// language and handle time as they were, its patience as the abandons
// let it be estimated (History). Replayed with other agents or another
// schedule, the day shows what those would have made of it; History.Observe
// puts what the contacts met beside the run's figures, run-wide, by media
// and by interval. An Interval cuts a replay into intervals, with the
// arrivals' own rate in each as its profile, which a Schedule staffs and
// StaffProfile can search.
//
// A queue may route by expertise, as the server's do (QueueShare.Expertise
// and Steps, Team.Expertise, Arrival.Expertise): the hub then offers a
// contact only to agents who have what its queue and it require, until a
// step drops that or adds another queue's agents. With manual accept, a
// queue may broadcast its offers (QueueShare.OfferMode, MaxOffers): each
// contact rings on several agents at once, and the first to accept takes
// it. A replay takes them from the server's queues (ReadQueues,
// History.ApplyQueues), the agents' profiles (Roster) and the documents.
//
// # The driver
//
// A discrete-event loop keeps a heap of the next arrival, ends of service
// and abandonments. For each event it moves the hub's ManualClock to the
// event's time and applies it with Hub.Do: StartSession, End then Wrapup, or
// End by the visitor. Assignments are the router's: a contact is assigned at
// once when StartSession's reply card names an agent, and otherwise when an
// agent frees up, which the driver reads from that agent's subscription (the
// auto offer frame) right after the Wrapup; the hub queues a command's events
// before it answers it, so nothing is missed or read late. Only the driver
// calls Do, one command at a time, so a run is a deterministic function of
// its Config. Committed batches go to a store that keeps nothing, so memory
// stays flat however long the run.
//
// # Measures
//
// Contacts that arrive during the warm-up are served but not counted; those
// that arrive in the measured window are followed until they are answered or
// abandon. The definitions match package erlang:
//
//	service level  answered within T / all counted arrivals (an abandon
//	               never counts as answered, however early it left)
//	ASA            mean wait of answered contacts, queue entry to
//	               assignment, zero waits included
//	abandon rate   abandoned / all counted arrivals
//	occupancy      busy slot-time in the window / (c × capacity × window)
//	               (a slot is one of an agent's chats at once; capacity 1
//	               by default); blended: the time agents hold any contact
//	               / (c × window)
//
// Fairness is per agent over the window: contacts handled and busy time,
// summarised by Jain's index of busy time, (Σx)² / (n·Σx²), which is 1 when
// every agent was equally busy and 1/n when one agent did everything.
//
// # Concurrency
//
// Run drives one hub from the calling goroutine. The hub is inline
// (hub.Config.Inline): each command's cycle, its timers, apply, commit and
// frames, runs on that goroutine before Do returns, with no hand-off to a
// loop goroutine and back. A deadline the clock passed fires in the next
// command's cycle, and the driver sends one (a query) when a deadline of the
// hub's is the next thing due. Separate Runs share nothing and may run in
// parallel.
package sim
