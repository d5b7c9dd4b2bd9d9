package load

import (
	"cmp"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
)

// Result is what a run measured: the JSON of `switchboard bench --json`.
// Latencies are in milliseconds.
type Result struct {
	Addr      string  `json:"addr"`
	Workspace string  `json:"workspace"`
	Agents    int     `json:"agents"`
	Rate      float64 `json:"rate"`
	// CallRate is the calls posted per second asked for (--calls).
	CallRate float64 `json:"call_rate,omitempty"`
	// EmailRate is the emails posted per second asked for (--emails).
	EmailRate   float64 `json:"email_rate,omitempty"`
	DurationSec float64 `json:"duration_s"`
	Workers     int     `json:"workers"`

	// AgentConnectSec is how long connecting every agent took;
	// ConnectPerSec the sockets connected per second then.
	AgentConnectSec float64 `json:"agent_connect_s"`
	ConnectPerSec   float64 `json:"connect_per_s"`
	SocketsMax      int64   `json:"sockets_max"`

	Connect Summary `json:"connect_ms"`
	Offer   Summary `json:"offer_latency_ms"`
	Accept  Summary `json:"accept_latency_ms"`
	Answer  Summary `json:"answer_latency_ms"`
	Relay   Summary `json:"relay_latency_ms"`
	// Deliver is the one-way half of Relay: a visitor's message leaving
	// the client to its arrival on the agent's socket.
	Deliver Summary `json:"deliver_latency_ms"`
	// CallPost is a call's POST /v1/sessions, sent to its 201 (the call
	// stored durably); CallOffer the POST sent to the call's offer on an
	// agent's socket; CallEvent a telephony event's POST (connected,
	// ended) to its 200. Empty without --calls.
	CallPost  Summary `json:"call_post_ms"`
	CallOffer Summary `json:"call_offer_latency_ms"`
	CallEvent Summary `json:"call_event_ms"`
	// EmailPost is an email's POST /v1/sessions, sent to its 201;
	// EmailAssign the POST sent to the email's assignment (an offer of mode
	// auto) on an agent's socket. Empty without --emails.
	EmailPost   Summary `json:"email_post_ms"`
	EmailAssign Summary `json:"email_assign_latency_ms"`

	Visitors  int64 `json:"visitors"`
	Chats     int64 `json:"chats"`
	Finished  int64 `json:"finished"`
	Abandoned int64 `json:"abandoned"`
	Dropped   int64 `json:"dropped"`
	Revoked   int64 `json:"offers_revoked"`
	// OffersMissed are the offers agents let ring out (--miss); SetAway
	// the times the hub set an agent away for missing MissLimit in a row
	// (the workspace's miss_limit; 0: the server's default, 3).
	OffersMissed int64 `json:"offers_missed,omitempty"`
	SetAway      int64 `json:"set_away,omitempty"`
	// AcceptsCut are the accepts agents meant to send but did not: the
	// offer was revoked (it rang out, or was rerouted) within the accept
	// delay, as on a machine too busy to keep time. An accept sent and
	// crossing the revocation is refused instead, an error on accept.
	AcceptsCut int64 `json:"accepts_cut,omitempty"`
	// AcceptsLost are the broadcast offers (--broadcast) another agent took
	// first: withdrawn within the accept delay, or refused as the accept
	// crossed the withdrawal (then not an error).
	AcceptsLost int64 `json:"accepts_lost,omitempty"`
	// Broadcast is the run's --broadcast: 0 for single offers.
	Broadcast int `json:"broadcast,omitempty"`
	// OffersDeclined are the declines the server acknowledged (--decline).
	OffersDeclined int64 `json:"offers_declined,omitempty"`
	MissLimit      int   `json:"miss_limit,omitempty"`
	Messages       int64 `json:"messages"`
	// Calls were posted and stored (201); CallsAnswered accepted by an
	// agent; CallsEnded hung up, ended by the hub and wrapped up.
	Calls         int64 `json:"calls"`
	CallsAnswered int64 `json:"calls_answered"`
	CallsEnded    int64 `json:"calls_ended"`
	// CallsAbandoned were hung up by their callers in the queue
	// (--patience).
	CallsAbandoned int64 `json:"calls_abandoned"`
	// CallsIdeal is what an ideal queue makes of the same calls with as
	// many agents (ideal.go): set for runs of calls alone whose agents
	// miss no offer.
	CallsIdeal *IdealCalls `json:"calls_ideal,omitempty"`
	// ChatsIdeal is what an ideal queue makes of the same visitors with
	// as many chat slots (ideal.go): set for runs of chats alone that
	// dropped no visitor and whose agents miss no offer.
	ChatsIdeal *IdealChats `json:"chats_ideal,omitempty"`
	// Simulated is what the simulator makes of the same visitors, callers,
	// emails and agents (simulated.go): set for runs that dropped no
	// visitor, unless SkipSimulation.
	Simulated *Simulated `json:"simulated,omitempty"`
	// Emails were posted and stored; EmailsAssigned assigned to an agent;
	// EmailsEnded answered, ended and wrapped up.
	Emails         int64 `json:"emails"`
	EmailsAssigned int64 `json:"emails_assigned"`
	EmailsEnded    int64 `json:"emails_ended"`

	FramesIn        int64   `json:"frames_in"`
	FramesOut       int64   `json:"frames_out"`
	FramesInPerSec  float64 `json:"frames_in_per_s"`
	FramesOutPerSec float64 `json:"frames_out_per_s"`

	Errors map[string]int64 `json:"errors"`
	Server *ServerStats     `json:"server,omitempty"`
	// ServerView is what the server's /metrics said about the run: its
	// hub loop, commits, collections and scheduler (serverview.go).
	ServerView *ServerView `json:"server_view,omitempty"`
	// ClientCPUSeconds is the CPU the bench's own processes used while
	// visitors arrived and drained; ClientCPUPercent the same over the
	// run's wall time (100 = one core). On one machine the load generator
	// and the server share the cores: this is the generator's share.
	ClientCPUSeconds float64 `json:"client_cpu_seconds"`
	ClientCPUPercent float64 `json:"client_cpu_percent"`
	// ClientKiBPerSocket is this process's Go memory (heap and stacks in
	// use, after a collection) over its sockets, when it held the most:
	// the client's cost. 0 for runs that never held 50 sockets.
	ClientKiBPerSocket float64 `json:"client_kib_per_socket"`
	// Expertise is what the run's expertise queue saw (Config.Expertise);
	// nil for a run without.
	Expertise *ExpertiseResult `json:"expertise,omitempty"`
	// Hold is what a hold run (--hold) measured; nil for chat runs.
	Hold *HoldStats `json:"hold,omitempty"`

	Timeline []Point `json:"timeline"`
	// Hists are the raw histograms, sent by workers to be merged.
	Hists map[string]*Hist `json:"hists,omitempty"`
}

// ExpertiseResult is what a run's expertise queue (ExpertiseQueueID,
// Config.Expertise) saw.
type ExpertiseResult struct {
	// Label is the expertise the queue requires, until DropSec when its
	// step drops it (0: never).
	Label   string  `json:"label"`
	Queue   string  `json:"queue"`
	DropSec float64 `json:"drop_s,omitempty"`
	// Agents is how many of the run's agents have it.
	Agents int `json:"agents"`
	// Visitors, Calls and Emails are the contacts that arrived in the
	// queue; Abandoned its visitors who left before an agent joined.
	Visitors  int64 `json:"visitors"`
	Calls     int64 `json:"calls"`
	Emails    int64 `json:"emails"`
	Abandoned int64 `json:"abandoned"`
	// Answer is its visitors' answer_latency_ms: first message to the
	// agent joined.
	Answer Summary `json:"answer_latency_ms"`
}

func (r *runner) result(elapsed, connectTime time.Duration) *Result {
	res := &Result{Addr: r.cfg.Addr, Workspace: r.setup.Workspace, Agents: len(r.setup.Agents), Rate: r.cfg.Rate, CallRate: r.cfg.Calls,
		Calls: r.callsPosted.Load(), CallsAnswered: r.callsAnswered.Load(), CallsEnded: r.callsEnded.Load(), CallsAbandoned: r.callsAbandoned.Load(),
		EmailRate: r.cfg.Emails, Emails: r.emailsPosted.Load(), EmailsAssigned: r.emailsAssigned.Load(), EmailsEnded: r.emailsEnded.Load(),
		DurationSec: elapsed.Seconds(), Workers: 1, AgentConnectSec: connectTime.Seconds(),
		Visitors: r.arrivals.Load(), Chats: r.chats.Load(), Finished: r.finished.Load(), Abandoned: r.abandoned.Load(),
		Dropped: r.dropped.Load(), Revoked: r.revoked.Load(), Messages: r.messages.Load(),
		OffersMissed: r.missed.Load(), SetAway: r.setAway.Load(), AcceptsCut: r.cut.Load(), AcceptsLost: r.lost.Load(), Broadcast: r.cfg.Broadcast, OffersDeclined: r.declined.Load(), MissLimit: r.cfg.MissLimit,
		FramesIn: r.framesIn.Load(), FramesOut: r.framesOut.Load(),
		Hists: map[string]*Hist{"connect": r.connect, "offer": r.offer, "accept": r.accept, "answer": r.answer, "relay": r.relay, "deliver": r.deliver,
			"call_post": r.callPost, "call_offer": r.callOffer, "call_event": r.callEvent,
			"email_post": r.emailPost, "email_assign": r.emailAssign}}
	if r.cfg.Expertise != "" {
		res.Expertise = &ExpertiseResult{Label: r.cfg.Expertise, Queue: ExpertiseQueueID, DropSec: r.cfg.ExpertiseDrop.Seconds(),
			Visitors: r.expertise[presence.Chat].Load(), Calls: r.expertise[presence.Voice].Load(), Emails: r.expertise[presence.Email].Load(),
			Abandoned: r.expertAbandoned.Load()}
		for i, a := range r.setup.Agents {
			if r.cfg.expert(a.ID, i) {
				res.Expertise.Agents++
			}
		}
		res.Hists["expertise_answer"] = r.expertiseAnswer
	}
	if connectTime > 0 {
		res.ConnectPerSec = float64(len(r.setup.Agents)) / connectTime.Seconds()
	}
	r.mu.Lock()
	res.Errors = map[string]int64{}
	for k, v := range r.errors {
		res.Errors[k] = v
	}
	res.Timeline = append([]Point(nil), r.timeline...)
	r.mu.Unlock()
	for _, p := range res.Timeline {
		res.SocketsMax = max(res.SocketsMax, p.Sockets)
	}
	res.SocketsMax = max(res.SocketsMax, int64(len(r.setup.Agents)))
	r.memMu.Lock()
	res.ClientKiBPerSocket = r.kibPerSocket
	r.memMu.Unlock()
	res.Server = r.proc.stats()
	res.ServerView, res.ClientCPUSeconds = r.view, r.clientCPU
	if r.cfg.Worker == 0 { // a worker's calls and chats are replayed with all the others' by its parent
		res.CallsIdeal = idealCalls([]Config{r.cfg}, len(r.setup.Agents))
		res.ChatsIdeal = idealChats([]Config{r.cfg}, len(r.setup.Agents)*r.cfg.Capacity, res.Dropped)
		if !r.cfg.SkipSimulation {
			res.Simulated = simulateRun([]Config{r.cfg}, len(r.setup.Agents), r.cfg.slots(), res.Dropped)
		}
	}
	res.finish()
	return res
}

// finish fills the figures derived from the histograms and counters.
func (res *Result) finish() {
	h := res.Hists
	res.Connect, res.Offer, res.Accept = h["connect"].Summary(), h["offer"].Summary(), h["accept"].Summary()
	res.Answer, res.Relay, res.Deliver = h["answer"].Summary(), h["relay"].Summary(), h["deliver"].Summary()
	res.CallPost, res.CallOffer, res.CallEvent = h["call_post"].Summary(), h["call_offer"].Summary(), h["call_event"].Summary()
	res.EmailPost, res.EmailAssign = h["email_post"].Summary(), h["email_assign"].Summary()
	if res.Expertise != nil {
		res.Expertise.Answer = h["expertise_answer"].Summary()
	}
	if res.DurationSec > 0 {
		res.FramesInPerSec = float64(res.FramesIn) / res.DurationSec
		res.FramesOutPerSec = float64(res.FramesOut) / res.DurationSec
		res.ClientCPUPercent = 100 * res.ClientCPUSeconds / res.DurationSec
	}
}

// merge adds a worker's result to res.
func (res *Result) merge(o *Result) {
	for k, hh := range o.Hists {
		if res.Hists[k] == nil {
			res.Hists[k] = NewHist()
		}
		res.Hists[k].Merge(hh)
	}
	res.Agents += o.Agents
	res.Rate += o.Rate
	res.CallRate += o.CallRate
	res.Calls += o.Calls
	res.CallsAnswered += o.CallsAnswered
	res.CallsEnded += o.CallsEnded
	res.CallsAbandoned += o.CallsAbandoned
	res.EmailRate += o.EmailRate
	res.Emails += o.Emails
	res.EmailsAssigned += o.EmailsAssigned
	res.EmailsEnded += o.EmailsEnded
	res.DurationSec = max(res.DurationSec, o.DurationSec)
	res.AgentConnectSec = max(res.AgentConnectSec, o.AgentConnectSec)
	res.ConnectPerSec += o.ConnectPerSec
	res.SocketsMax += o.SocketsMax
	res.Visitors += o.Visitors
	res.Chats += o.Chats
	res.Finished += o.Finished
	res.Abandoned += o.Abandoned
	res.Dropped += o.Dropped
	res.Revoked += o.Revoked
	res.OffersMissed += o.OffersMissed
	res.SetAway += o.SetAway
	res.AcceptsCut += o.AcceptsCut
	res.AcceptsLost += o.AcceptsLost
	res.Broadcast = max(res.Broadcast, o.Broadcast)
	res.OffersDeclined += o.OffersDeclined
	res.Messages += o.Messages
	res.FramesIn += o.FramesIn
	res.FramesOut += o.FramesOut
	if e := o.Expertise; e != nil {
		if res.Expertise == nil {
			res.Expertise = &ExpertiseResult{Label: e.Label, Queue: e.Queue, DropSec: e.DropSec}
		}
		res.Expertise.Agents += e.Agents
		res.Expertise.Visitors += e.Visitors
		res.Expertise.Calls += e.Calls
		res.Expertise.Emails += e.Emails
		res.Expertise.Abandoned += e.Abandoned
	}
	res.ClientKiBPerSocket = max(res.ClientKiBPerSocket, o.ClientKiBPerSocket)
	res.ClientCPUSeconds += o.ClientCPUSeconds
	if res.ServerView == nil {
		res.ServerView = o.ServerView
	}
	for k, v := range o.Errors {
		res.Errors[k] += v
	}
	for i, p := range o.Timeline {
		if i >= len(res.Timeline) {
			res.Timeline = append(res.Timeline, p)
			continue
		}
		q := &res.Timeline[i]
		q.Busy += p.Busy
		q.Active += p.Active
		q.Calls += p.Calls
		q.Emails += p.Emails
		q.Sockets += p.Sockets
		q.FramesIn += p.FramesIn
		q.FramesOut += p.FramesOut
		q.Waiting = max(q.Waiting, p.Waiting)
		q.ServerRSS = max(q.ServerRSS, p.ServerRSS)
	}
}

// WriteTable writes res as a readable table.
func (res *Result) WriteTable(w io.Writer) error {
	var b strings.Builder
	calls := ""
	if res.CallRate > 0 {
		calls = fmt.Sprintf(", %g calls/s", res.CallRate)
	}
	if res.EmailRate > 0 {
		calls += fmt.Sprintf(", %g emails/s", res.EmailRate)
	}
	fmt.Fprintf(&b, "switchboard bench: %s, workspace %s, %d agents, %g visitors/s%s, %.1f s, %d process(es)\n\n",
		res.Addr, res.Workspace, res.Agents, res.Rate, calls, res.DurationSec, res.Workers)
	fmt.Fprintf(&b, "sockets: %d agents online in %.2f s (%.0f/s); at most %d sockets; client %.1f KiB/socket\n",
		res.Agents, res.AgentConnectSec, res.ConnectPerSec, res.SocketsMax, res.ClientKiBPerSocket)
	fmt.Fprintf(&b, "visitors %d, chats %d, finished %d, abandoned %d, dropped %d, offers revoked %d, messages %d\n",
		res.Visitors, res.Chats, res.Finished, res.Abandoned, res.Dropped, res.Revoked, res.Messages)
	if res.OffersMissed > 0 || res.SetAway > 0 {
		fmt.Fprintf(&b, "offers let ring out %d (--miss); agents set away for %d in a row %d times\n", res.OffersMissed,
			cmp.Or(res.MissLimit, router.DefaultMissLimit), res.SetAway)
	}
	if res.OffersDeclined > 0 {
		fmt.Fprintf(&b, "offers declined %d (--decline)\n", res.OffersDeclined)
	}
	if res.Broadcast > 0 {
		fmt.Fprintf(&b, "offers broadcast to %d agents at once; offers another agent took first %d\n", res.Broadcast, res.AcceptsLost)
	}
	if res.AcceptsCut > 0 {
		fmt.Fprintf(&b, "accepts cut short %d: the offer rang out or was rerouted within the accept delay\n", res.AcceptsCut)
	}
	// beside writes what a reference (an ideal queue, the simulator) made
	// of the run's customers, against the run's own abandon rate.
	beside := func(what string, answered, abandoned, of, hereAbandoned, hereOf int64) {
		fmt.Fprintf(&b, "%s: answered %d, abandoned %d (%.1f %%, against %.1f %% here)\n",
			what, answered, abandoned, 100*ratio(abandoned, of), 100*ratio(hereAbandoned, hereOf))
	}
	if id := res.ChatsIdeal; id != nil {
		beside("an ideal queue, the same visitors and chat slots", id.Answered, id.Abandoned, id.Chats, res.Abandoned, res.Visitors)
	}
	if s := res.Simulated; s != nil && s.Chats != nil {
		beside("the simulator, the same visitors and agents", s.Chats.Answered, s.Chats.Abandoned, s.Chats.Contacts, res.Abandoned, res.Visitors)
	}
	if e := res.Expertise; e != nil {
		drop := "no step drops it"
		if e.DropSec > 0 {
			drop = fmt.Sprintf("its step drops it after %v", time.Duration(e.DropSec*float64(time.Second)))
		}
		fmt.Fprintf(&b, "expertise %s (queue %s, %s): %d of %d agents have it; %d visitors, %d calls and %d emails require it; %d of its visitors abandoned\n",
			e.Label, e.Queue, drop, e.Agents, res.Agents, e.Visitors, e.Calls, e.Emails, e.Abandoned)
		if s := res.Simulated; s != nil && s.Expertise != nil {
			beside("the simulator, the same "+e.Label+" visitors", s.Expertise.Answered, s.Expertise.Abandoned, s.Expertise.Contacts, e.Abandoned, e.Visitors)
		}
	}
	if res.CallRate > 0 {
		fmt.Fprintf(&b, "calls %d, answered %d, abandoned %d, ended and wrapped up %d\n", res.Calls, res.CallsAnswered, res.CallsAbandoned, res.CallsEnded)
		if id := res.CallsIdeal; id != nil {
			beside("an ideal queue, the same callers and agents", id.Answered, id.Abandoned, id.Calls, res.CallsAbandoned, res.Calls)
		}
		if s := res.Simulated; s != nil && s.Calls != nil {
			beside("the simulator, the same callers and agents", s.Calls.Answered, s.Calls.Abandoned, s.Calls.Contacts, res.CallsAbandoned, res.Calls)
		}
	}
	if s := res.Simulated; s != nil && s.Error != "" {
		fmt.Fprintf(&b, "the simulator could not replay the run: %s\n", s.Error)
	}
	if res.EmailRate > 0 {
		fmt.Fprintf(&b, "emails %d, assigned %d, answered and wrapped up %d\n", res.Emails, res.EmailsAssigned, res.EmailsEnded)
		if s := res.Simulated; s != nil && s.Emails != nil {
			fmt.Fprintf(&b, "the simulator, the same emails and agents: assigned %d of %d\n", s.Emails.Answered, s.Emails.Contacts)
		}
	}
	fmt.Fprintf(&b, "frames: %d in (%.0f/s), %d out (%.0f/s)\n\n", res.FramesIn, res.FramesInPerSec, res.FramesOut, res.FramesOutPerSec)
	fmt.Fprintf(&b, "%-34s %8s %9s %9s %9s %9s %9s\n", "latency (ms)", "count", "mean", "p50", "p90", "p99", "max")
	type row struct {
		name string
		s    Summary
	}
	chats := res.Rate > 0 || res.CallRate == 0 && res.EmailRate == 0 // a run of calls or emails alone has no chat to time
	rows := []row{{"connect (dial → welcome)", res.Connect}}
	if chats {
		rows = append(rows, row{"offer (first message → offer)", res.Offer})
		if res.ChatsIdeal != nil {
			rows = append(rows, row{"  in an ideal queue", res.ChatsIdeal.Offer})
		}
		if s := res.Simulated; s != nil && s.Chats != nil {
			rows = append(rows, row{"  in the simulator", s.Chats.Offer})
		}
	}
	if chats || res.CallRate > 0 {
		rows = append(rows, row{"accept (accept → ack)", res.Accept})
	}
	if chats {
		rows = append(rows, row{"answer (first msg → agent joined)", res.Answer})
		if res.ChatsIdeal != nil {
			rows = append(rows, row{"  in an ideal queue", res.ChatsIdeal.Answer})
		}
		if s := res.Simulated; s != nil && s.Chats != nil {
			rows = append(rows, row{"  in the simulator", s.Chats.Answer})
		}
		if e := res.Expertise; e != nil && e.Visitors > 0 {
			rows = append(rows, row{"  its " + e.Label + " visitors", e.Answer})
			if s := res.Simulated; s != nil && s.Expertise != nil {
				rows = append(rows, row{"    in the simulator", s.Expertise.Answer})
			}
		}
		rows = append(rows, row{"deliver (visitor → agent)", res.Deliver}, row{"relay (visitor → agent → visitor)", res.Relay})
	}
	if res.CallRate > 0 {
		rows = append(rows, row{"call post (POST → 201)", res.CallPost},
			row{"call offer (POST → offer)", res.CallOffer})
		if res.CallsIdeal != nil {
			rows = append(rows, row{"  in an ideal queue", res.CallsIdeal.Wait})
		}
		if s := res.Simulated; s != nil && s.Calls != nil {
			rows = append(rows, row{"  in the simulator", s.Calls.Offer})
		}
		rows = append(rows, row{"call event (POST → 200)", res.CallEvent})
	}
	if res.EmailRate > 0 {
		rows = append(rows, row{"email post (POST → 201)", res.EmailPost},
			row{"email assign (POST → offer, auto)", res.EmailAssign})
		if s := res.Simulated; s != nil && s.Emails != nil {
			rows = append(rows, row{"  in the simulator", s.Emails.Offer})
		}
	}
	for _, row := range rows {
		s := row.s
		fmt.Fprintf(&b, "%-34s %8d %9.2f %9.2f %9.2f %9.2f %9.2f\n", row.name, s.Count, s.Mean, s.P50, s.P90, s.P99, s.Max)
	}
	if len(res.Errors) == 0 {
		b.WriteString("\nerrors: none\n")
	} else {
		b.WriteString("\nerrors:\n")
		for _, k := range sortedKeys(res.Errors) {
			fmt.Fprintf(&b, "  %-40s %d\n", k, res.Errors[k])
		}
	}
	if h := res.Hold; h != nil {
		h.writeTable(&b)
	}
	if s := res.Server; s != nil {
		fmt.Fprintf(&b, "server pid %d: RSS max %.1f MiB, end %.1f MiB; CPU %.1f s (%.0f %% of one core)\n",
			s.PID, s.RSSMaxMiB, s.RSSEndMiB, s.CPUSeconds, s.CPUPercent)
	}
	if res.ClientCPUSeconds > 0 {
		fmt.Fprintf(&b, "bench client: CPU %.1f s (%.0f %% of one core)\n", res.ClientCPUSeconds, res.ClientCPUPercent)
	}
	if v := res.ServerView; v != nil {
		v.writeTable(&b, res.CallRate > 0)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
