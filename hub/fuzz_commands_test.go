package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
)

// FuzzCommands decodes its input into a sequence of commands from a few
// agents (different capacities, languages and queues), a supervisor, widget
// visitors, API-style inbound sessions and clock advances, runs them against
// a hub on a ManualClock with a MemStore, and after every step checks the
// safety rules (see cmdWorld.check) and that no subscription receives a
// frame it has no business seeing (see cmdWorld.checkFrames).
func FuzzCommands(f *testing.F) {
	for _, s := range cmdSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		runCommands(t, data)
	})
}

// TestCommandSequences runs pseudo-random inputs from a fixed seed through
// the FuzzCommands driver, so that a plain `go test` exercises it.
func TestCommandSequences(t *testing.T) {
	for i, data := range cmdSequences(20260302, 7, 300) {
		t.Run(fmt.Sprintf("seq%03d", i), func(t *testing.T) {
			t.Parallel()
			runCommands(t, data)
		})
	}
}

// cmdSequences returns n pseudo-random inputs for the FuzzCommands driver,
// of 24 to 159 bytes, from the PCG stream (seed, stream).
func cmdSequences(seed, stream uint64, n int) [][]byte {
	rng := rand.New(rand.NewPCG(seed, stream))
	out := make([][]byte, n)
	for i := range out {
		data := make([]byte, 24+rng.IntN(136))
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		out[i] = data
	}
	return out
}

// maxCmdSteps bounds the commands one input runs.
const maxCmdSteps = 160

// cmdDoTimeout is how long a command may wait for its answer: past it the
// hub loop is taken for hung, a failure rather than a hang of the test.
const cmdDoTimeout = 10 * time.Second

// runCommands is the driver shared by FuzzCommands and TestCommandSequences.
func runCommands(t *testing.T, data []byte) { runCommandsOn(t, data, false) }

// runCommandsOn runs data's commands against a running hub, or an inline
// one (Config.Inline), and returns the world with its record.
func runCommandsOn(t *testing.T, data []byte, inline bool) *cmdWorld {
	w := newCmdWorld(t, data, inline)
	for w.in.more() && w.step < maxCmdSteps {
		w.step++
		cmdOps[cmdTable[int(w.in.byte())%len(cmdTable)]].run(w)
		w.afterStep()
	}
	return w
}

// TestInlineHubIsTheLoop runs command sequences against a running hub and
// an inline one (sameOnBoth).
func TestInlineHubIsTheLoop(t *testing.T) {
	for i, data := range cmdSequences(20261123, 8, 100) {
		t.Run(fmt.Sprintf("seq%03d", i), func(t *testing.T) {
			t.Parallel()
			sameOnBoth(t, data)
		})
	}
}

// FuzzInlineHub is TestInlineHubIsTheLoop on the fuzzer's inputs, from
// FuzzCommands' seeds.
func FuzzInlineHub(f *testing.F) {
	for _, s := range cmdSeeds() {
		f.Add(s)
	}
	f.Fuzz(sameOnBoth)
}

// sameOnBoth runs data's commands against a running hub and an inline one:
// every step must be answered alike and send the same frames, and the
// inline hub must pass every check the running one does.
func sameOnBoth(t *testing.T, data []byte) {
	loop, inline := runCommandsOn(t, data, false), runCommandsOn(t, data, true)
	if t.Failed() {
		return
	}
	if len(loop.record) != len(inline.record) {
		t.Errorf("running hub recorded %d lines, inline %d", len(loop.record), len(inline.record))
	}
	for k := range min(len(loop.record), len(inline.record)) {
		if loop.record[k] != inline.record[k] {
			t.Fatalf("line %d differs:\nrunning: %s\ninline:  %s", k, loop.record[k], inline.record[k])
		}
	}
}

// cmdInput hands out the fuzz input a byte at a time; past its end it reads
// zeros.
type cmdInput struct {
	b []byte
	i int
}

func (in *cmdInput) more() bool { return in.i < len(in.b) }

func (in *cmdInput) byte() byte {
	if in.i >= len(in.b) {
		return 0
	}
	c := in.b[in.i]
	in.i++
	return c
}

func (in *cmdInput) intn(n int) int { return int(in.byte()) % n }

// The fixed cast of a run.
var (
	cmdQueueIDs   = []string{"support", "sales", "vip"}
	cmdVisitorIDs = []string{"vis-a", "vis-b", "vis-c", "api-x"} // api-x never says hello
	cmdAgentCast  = []struct {
		id, name, lang, second string
		role                   presence.Role
		capacity               presence.Capacity
		queues                 []string
		expertise              []string
	}{
		{"ag-ana", "Ana Alpha", "en", "", presence.RoleAgent, presence.Capacity{1, 2, 2}, []string{"support", "sales"}, nil},
		{"ag-ben", "Ben Bravo", "es", "en", presence.RoleAgent, presence.Capacity{1, 1, 0}, []string{"support", "vip"}, nil},
		{"ag-cyd", "Cyd Charlie", "fr", "", presence.RoleAgent, presence.Capacity{1, 3, 1}, []string{"sales", "vip"}, []string{"billing"}},
		{"sup-sue", "Sue Sierra", "en", "", presence.RoleSupervisor, presence.Capacity{0, 1, 0}, []string{"support"}, nil},
		{"ag-dee", "Dee Delta", "de", "", presence.RoleAgent, presence.Capacity{1, 1, 1}, nil, nil},
	}
)

// cmdAgent is what the test knows of an agent.
type cmdAgent struct {
	id      string
	sub     *Subscription
	deleted bool
	queues  []string
	profile presence.Profile
	// ever: every queue the agent was a member of, and whether they were
	// ever a supervisor (joiners of needs-help sessions).
	everQueues     map[string]bool
	everSupervisor bool
	// related: sessions whose id and card the agent may see; party: those
	// whose messages they may see (offered, assigned, joined).
	related, party map[string]bool
	// offers: every manual offer id the agent was sent, with its session;
	// closed: those accepted, declined or revoked since.
	offers map[string]string
	closed map[string]bool
	// overflowOK: the agent may be over capacity (capacity lowered under the
	// load, or an idle-released chat came back).
	overflowOK bool
}

// cmdVisitor is what the test knows of a visitor.
type cmdVisitor struct {
	id, secret, email string
	sub               *Subscription
	hello             bool
}

// cmdSession is what the test knows of a session it created.
type cmdSession struct {
	id, owner, queue string
	texts            []string // message texts appended
	contact          []string // contact tokens (emails)
	internal         []string // tokens no visitor may ever see (notes)
	excluded         map[string]bool
	idleable         bool // was waiting_customer in a queue that releases idle chats
	// stored is the last stored record read, decoded from storedRaw.
	stored    *session.Session
	storedRaw []byte
}

// cmdWorld is one run: the hub and the model the checks compare it with.
type cmdWorld struct {
	t      *testing.T
	th     *testHub
	logs   *observer.ObservedLogs
	in     *cmdInput
	data   []byte
	step   int
	trace  []string
	agents []*cmdAgent
	vis    []*cmdVisitor
	sup    *Subscription
	sess   []*cmdSession
	byID   map[string]*cmdSession
	specs  map[string]QueueSpec // queues as last put (deleted ones removed)
	tok    int
	// refused: texts of refused or duplicate sends, which nobody may see.
	refused []string
	// direct: the agent and session of a transfer made this step, whose
	// offer may go to an excluded agent.
	direct [2]string
	// last is the probe of the previous step.
	last *probeResult
	// replyCards are cards answered this step (grants, like the
	// supervisor's cards).
	replyCards []*session.Card
	// record is every command's answer and every frame each subscription
	// got, in order: what TestInlineHubIsTheLoop compares.
	record []string
}

func newCmdWorld(t *testing.T, data []byte, inline bool) *cmdWorld {
	core, logs := observer.New(zapcore.WarnLevel)
	in := &cmdInput{b: data}
	setup := in.byte()
	cfg := Config{Logger: zap.New(core), SubscriberQueue: 4096, VisitorGrace: 20 * time.Second, Inline: inline,
		Router: router.Config{Grace: 10 * time.Second, MissLimit: 2 + int(setup>>6)}}
	w := &cmdWorld{t: t, th: newTestHub(t, cfg), logs: logs, in: in, data: data,
		byID: map[string]*cmdSession{}, specs: map[string]QueueSpec{}}
	w.sup = w.subscribe(Filter{Supervisor: true})
	for _, q := range cmdQueueIDs {
		spec := w.queueSpec(q, setup)
		w.must(PutQueue{Spec: spec})
		w.specs[q] = spec
	}
	for _, c := range cmdAgentCast {
		a := &cmdAgent{id: c.id, everQueues: map[string]bool{}, related: map[string]bool{},
			party: map[string]bool{}, offers: map[string]string{}, closed: map[string]bool{}}
		a.sub = w.subscribe(Filter{Agent: c.id})
		w.agents = append(w.agents, a)
		w.putAgent(a, presence.Profile{ID: c.id, Name: c.name, Role: c.role,
			Languages: presence.Languages{Primary: c.lang, Secondary: secondLang(c.second)},
			Expertise: presence.NewExpertise(c.expertise...), Capacity: c.capacity}, c.queues)
		if len(c.queues) > 0 {
			w.must(AgentConnect{Agent: c.id})
			if setup&1 == 0 || c.id != "ag-ben" { // ben may start offline
				w.must(SetPresence{Agent: c.id, Status: presence.Available})
			}
		}
	}
	for i, id := range cmdVisitorIDs {
		v := &cmdVisitor{id: id, secret: fmt.Sprintf("hash-%d", i), email: id + "@example.test"}
		v.sub = w.subscribe(Filter{Visitor: id})
		w.vis = append(w.vis, v)
	}
	w.afterStep()
	return w
}

func secondLang(tag string) []string {
	if tag == "" {
		return nil
	}
	return []string{tag}
}

// queueSpec returns the setup spec of queue id, varied by the setup byte.
func (w *cmdWorld) queueSpec(id string, setup byte) QueueSpec {
	spec := QueueSpec{Queue: router.Queue{ID: id}, Name: strings.ToUpper(id[:1]) + id[1:]}
	switch id {
	case "support":
		spec.WrapupCodes = []string{"solved", "unsolved"}
		spec.WrapupTimeout = 30 * time.Second
		if setup&2 != 0 {
			spec.IdleRelease = 15 * time.Second
		}
	case "sales":
		if setup&4 != 0 {
			spec.AcceptMode = router.Auto
		}
		spec.DeflectNoAgents = setup&8 != 0
		if setup&16 != 0 {
			spec.MaxWaiting = 2
		}
	case "vip":
		spec.OfferMode, spec.MaxOffers, spec.Priority = router.Broadcast, 2, 2
		spec.OfferTimeout = 10 * time.Second
		if setup&32 != 0 {
			spec.Steps = []router.Step{{After: 30 * time.Second, AddQueue: "support"}}
		}
	}
	return spec
}

// ---- running commands ----

// do runs cmd, records it in the trace and checks that a refusal is a typed
// hub error with a client-facing code.
func (w *cmdWorld) do(cmd Command) (Reply, error) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cmdDoTimeout)
	defer cancel()
	var stack []byte
	rep, err := w.th.Do(ctx, cmdTraced{cmd, &stack})
	if stack != nil {
		w.trace = append(w.trace, fmt.Sprintf("%3d %T %+v", w.step, cmd, cmd))
		w.fail("%T panicked in the hub loop: %s", cmd, stack)
	}
	line := fmt.Sprintf("%3d %T %+v", w.step, cmd, cmd)
	if len(line) > 300 {
		line = line[:300] + "…"
	}
	if err != nil {
		line += " -> " + err.Error()
	}
	w.trace = append(w.trace, line)
	answer, jerr := json.Marshal(rep)
	if jerr != nil {
		answer = []byte(jerr.Error())
	}
	w.record = append(w.record, fmt.Sprintf("%3d %T %s %v", w.step, cmd, answer, err))
	if err != nil {
		var he *Error
		switch {
		case ctx.Err() != nil:
			w.fail("%T: no answer in %s: the hub loop hangs", cmd, cmdDoTimeout)
		case !errors.As(err, &he):
			w.fail("%T refused with an untyped error %T: %v", cmd, err, err)
		case he.Code == CodeInternal || he.Code == CodeUnavailable || he.Code == CodeRateLimited || he.Code == "":
			w.fail("%T refused with code %q: %v", cmd, he.Code, err)
		case !slices.Contains([]Code{CodeBadRequest, CodeUnauthorized, CodeForbidden, CodeNotFound, CodeConflict, CodeTooLarge}, he.Code):
			w.fail("%T refused with unknown code %q: %v", cmd, he.Code, err)
		}
	}
	if rep.Card != nil {
		w.replyCards = append(w.replyCards, rep.Card)
	}
	return rep, err
}

// cmdTraced applies a command and settles its decisions, as the loop does,
// and keeps the stack of a panic (the loop recovers it and fails the hub,
// which the test then sees as an internal error).
type cmdTraced struct {
	Command
	stack *[]byte
}

func (c cmdTraced) apply(h *Hub, now time.Time) (rep Reply, err error) {
	defer func() {
		if p := recover(); p != nil {
			*c.stack = fmt.Appendf(nil, "%v\n%s", p, debug.Stack())
			panic(p)
		}
	}()
	rep, err = c.Command.apply(h, now)
	h.settle(now)
	return rep, err
}

// must runs a setup command that must succeed.
func (w *cmdWorld) must(cmd Command) Reply {
	w.t.Helper()
	rep, err := w.do(cmd)
	if err != nil {
		w.fail("setup %T: %v", cmd, err)
	}
	return rep
}

// trySubscribe subscribes with f, or returns nil if the hub refuses.
func (w *cmdWorld) trySubscribe(f Filter) *Subscription {
	ctx, cancel := context.WithTimeout(context.Background(), cmdDoTimeout)
	defer cancel()
	s, err := w.th.Subscribe(ctx, f)
	if ctx.Err() != nil {
		w.fail("subscribe %+v: no answer in %s: the hub loop hangs", f, cmdDoTimeout)
	}
	if err != nil {
		w.trace = append(w.trace, fmt.Sprintf("%3d subscribe %+v -> %v", w.step, f, err))
		return nil
	}
	w.t.Cleanup(s.Close)
	return s
}

func (w *cmdWorld) subscribe(f Filter) *Subscription {
	s := w.trySubscribe(f)
	if s == nil {
		w.fail("subscribe %+v refused", f)
	}
	return s
}

// fail stops the run with the trace, the hub's warnings and the input.
func (w *cmdWorld) fail(format string, args ...any) {
	w.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "step %d: %s\n", w.step, fmt.Sprintf(format, args...))
	tr := w.trace
	if len(tr) > 80 {
		fmt.Fprintf(&b, "... %d earlier commands\n", len(tr)-80)
		tr = tr[len(tr)-80:]
	}
	for _, l := range tr {
		b.WriteString(l + "\n")
	}
	for _, e := range w.logs.All() {
		fmt.Fprintf(&b, "log %s: %s %v\n", e.Level, e.Message, e.ContextMap())
	}
	fmt.Fprintf(&b, "input, as testdata/fuzz/FuzzCommands/<name> to replay it:\ngo test fuzz v1\n[]byte(%q)", w.data)
	w.t.Fatal(b.String())
}

// token returns a fresh unique token: text that appears nowhere else.
func (w *cmdWorld) token(kind string) string {
	w.tok++
	return fmt.Sprintf("%s%dq", kind, w.tok)
}

// text returns a message text: mostly a fresh token, sometimes invalid.
func (w *cmdWorld) text() string {
	switch w.in.intn(16) {
	case 0:
		return ""
	case 1:
		return "   "
	case 2:
		return strings.Repeat("x", session.MaxTextLen+1)
	}
	return w.token("tk")
}

// sent records the outcome of a command that carried text: appended to the
// session of rep, or seen by nobody.
func (w *cmdWorld) sent(text string, rep Reply, err error) {
	if !strings.HasPrefix(text, "tk") {
		return
	}
	if err != nil || rep.Duplicate || rep.Message == "" {
		w.refused = append(w.refused, text)
		return
	}
	if s := w.byID[rep.Session]; s != nil {
		s.texts = append(s.texts, text)
	} else {
		w.fail("message appended to unknown session %q", rep.Session)
	}
}

// created records a session a command created (or acted on).
func (w *cmdWorld) created(rep Reply, owner, queue string, contact ...string) *cmdSession {
	if rep.Session == "" {
		return nil
	}
	if s := w.byID[rep.Session]; s != nil {
		return s
	}
	s := &cmdSession{id: rep.Session, owner: owner, queue: queue, excluded: map[string]bool{}}
	for _, c := range contact {
		if c != "" {
			s.contact = append(s.contact, c)
		}
	}
	w.sess = append(w.sess, s)
	w.byID[s.id] = s
	return s
}

func (w *cmdWorld) agent(id string) *cmdAgent {
	for _, a := range w.agents {
		if a.id == id {
			return a
		}
	}
	return nil
}

// pickAgent returns an agent of the cast, or an unknown id.
func (w *cmdWorld) pickAgent() string {
	i := w.in.intn(len(w.agents) + 1)
	if i == len(w.agents) {
		return "ag-zed"
	}
	return w.agents[i].id
}

// pickAgentFor returns, mostly, the agent holding session id.
func (w *cmdWorld) pickAgentFor(id string) string {
	if w.in.intn(4) != 0 && w.last != nil {
		if c := w.last.cards[id]; c != nil && c.Agent != nil {
			return c.Agent.ID
		}
	}
	return w.pickAgent()
}

// pickSession returns, mostly, an open session; sometimes a closed one or an
// unknown id.
func (w *cmdWorld) pickSession() string {
	b := w.in.byte()
	if len(w.sess) == 0 || b%8 == 7 {
		return "0000000000000bad"
	}
	if b%4 != 0 && w.last != nil {
		var open []string
		for _, s := range w.sess {
			if w.last.cards[s.id] != nil {
				open = append(open, s.id)
			}
		}
		if len(open) > 0 {
			return open[int(b>>2)%len(open)]
		}
	}
	return w.sess[int(b>>2)%len(w.sess)].id
}

// pickSessionWhere returns, mostly, an open session whose last card
// satisfies ok, so that commands meant for a state mostly find it.
func (w *cmdWorld) pickSessionWhere(ok func(c *session.Card) bool) string {
	b := w.in.byte()
	if b%4 != 0 && w.last != nil {
		var fit []string
		for _, s := range w.sess {
			if c := w.last.cards[s.id]; c != nil && ok(c) {
				fit = append(fit, s.id)
			}
		}
		if len(fit) > 0 {
			return fit[int(b>>2)%len(fit)]
		}
	}
	return w.pickSession()
}

func isConnected(c *session.Card) bool { return c.StateName == "connected" }

// pickVisitor returns, mostly, a visitor who said hello.
func (w *cmdWorld) pickVisitor() *cmdVisitor {
	b := w.in.byte()
	if b%4 != 0 {
		var known []*cmdVisitor
		for _, v := range w.vis {
			if v.hello {
				known = append(known, v)
			}
		}
		if len(known) > 0 {
			return known[int(b>>2)%len(known)]
		}
	}
	return w.vis[int(b>>2)%len(w.vis)]
}

func (w *cmdWorld) pickQueue() string {
	i := w.in.intn(len(cmdQueueIDs) + 1)
	if i == len(cmdQueueIDs) {
		return "nowhere"
	}
	return cmdQueueIDs[i]
}

// pickParty returns who acts on session id: its visitor, its agent, another
// agent, another visitor, or nonsense.
func (w *cmdWorld) pickParty(id string) Party {
	switch w.in.intn(6) {
	case 0, 1:
		if s := w.byID[id]; s != nil && s.owner != "" {
			return Party{Kind: session.KindVisitor, ID: s.owner}
		}
		return Party{Kind: session.KindVisitor, ID: w.pickVisitor().id}
	case 2, 3:
		return Party{Kind: session.KindAgent, ID: w.pickAgentFor(id)}
	case 4:
		return Party{Kind: session.KindVisitor, ID: w.pickVisitor().id}
	}
	return Party{Kind: session.KindSystem, ID: "robot"}
}

// pickOffer returns, mostly, an offer pending with some agent and that
// agent; sometimes someone else's offer, a stale one or nonsense.
func (w *cmdWorld) pickOffer() (string, router.OfferID) {
	b := w.in.byte()
	type ao struct{ agent, offer string }
	var pending, all []ao
	for _, a := range w.agents {
		for id := range a.offers {
			all = append(all, ao{a.id, id})
			if !a.closed[id] {
				pending = append(pending, ao{a.id, id})
			}
		}
	}
	less := func(x, y ao) int { return strings.Compare(x.agent+"/"+x.offer, y.agent+"/"+y.offer) }
	slices.SortFunc(pending, less)
	slices.SortFunc(all, less)
	var pick ao
	switch {
	case b%8 == 7 || len(all) == 0:
		return w.pickAgent(), router.OfferID(1 + uint64(b)*1000)
	case b%8 == 6 || len(pending) == 0:
		pick = all[int(b>>3)%len(all)]
	default:
		pick = pending[int(b>>3)%len(pending)]
	}
	if w.in.intn(6) == 0 {
		pick.agent = w.pickAgent()
	}
	id, err := ParseOfferID(pick.offer)
	if err != nil {
		w.fail("offer id %q: %v", pick.offer, err)
	}
	return pick.agent, id
}

// putAgent puts a's profile and memberships and tracks them.
func (w *cmdWorld) putAgent(a *cmdAgent, p presence.Profile, queues []string) {
	_, err := w.do(PutAgent{Profile: p, Queues: queues})
	if err != nil {
		return
	}
	if w.last != nil {
		if v, ok := w.last.agents[a.id]; ok {
			for m := presence.Media(0); m < presence.NumMedia; m++ {
				if v.Load[m.String()].Active > p.Capacity[m] {
					a.overflowOK = true
				}
			}
		}
	}
	a.deleted, a.profile, a.queues = false, p, slices.Clone(queues)
	for _, q := range queues {
		a.everQueues[q] = true
	}
	if p.Role == presence.RoleSupervisor {
		a.everSupervisor = true
	}
}

// cmdOp is one kind of step; weight is how many of the input byte's values
// choose it.
type cmdOp struct {
	name   string
	weight int
	run    func(w *cmdWorld)
}

// cmdTable maps an input byte (modulo its length) to an index of cmdOps.
var cmdTable = func() []int {
	var t []int
	for i, o := range cmdOps {
		for range max(o.weight, 1) {
			t = append(t, i)
		}
	}
	return t
}()

// cmdOps are the steps an input byte chooses from (through cmdTable).
// Appending keeps the seeds meaning what they meant; reordering or
// reweighting does not.
var cmdOps = []cmdOp{
	{"hello", 3, opHello},
	{"visitor_send", 5, opVisitorSend},
	{"visitor_disconnect", 1, func(w *cmdWorld) { w.do(VisitorDisconnect{Visitor: w.pickVisitor().id}) }},
	{"visitor_leave", 1, func(w *cmdWorld) { w.do(VisitorLeave{Visitor: w.pickVisitor().id}) }},
	{"page_view", 1, func(w *cmdWorld) {
		w.do(PageView{Visitor: w.pickVisitor().id, URL: "https://shop.example/" + w.token("pg"), Title: "Page"})
	}},
	{"csat", 1, func(w *cmdWorld) {
		w.do(CSAT{Visitor: w.pickVisitor().id, Rating: w.in.intn(6), Comment: "ok"})
	}},
	{"start_session", 4, opStartSession},
	{"send", 4, opSend},
	{"typing", 2, opTyping},
	{"end", 3, func(w *cmdWorld) {
		id := w.pickSession()
		p := w.pickParty(id)
		_, err := w.do(End{Session: id, By: p})
		w.checkAuthorized("End", id, p, err)
	}},
	{"accept", 6, opAccept},
	{"decline", 2, func(w *cmdWorld) {
		a, o := w.pickOffer()
		rep, err := w.do(Decline{Agent: a, Offer: o, Reason: "busy"})
		if err == nil {
			w.closeOffer(a, o)
			if s := w.byID[rep.Session]; s != nil {
				s.excluded[a] = true
			}
		}
	}},
	{"wrapup", 3, func(w *cmdWorld) {
		id := w.pickSessionWhere(func(c *session.Card) bool { return c.StateName == "finished" })
		codes := []string{"solved", "unsolved", "nope", ""}
		outcomes := []session.Outcome{"", session.OutcomeSuccess, session.OutcomeEscalated, "bogus"}
		notes := w.token("wn")
		if s := w.byID[id]; s != nil {
			s.internal = append(s.internal, notes)
		}
		w.do(Wrapup{Agent: w.pickAgentFor(id), Session: id, Code: codes[w.in.intn(4)], Notes: notes,
			Outcome: outcomes[w.in.intn(4)]})
	}},
	{"set_presence", 2, func(w *cmdWorld) {
		w.do(SetPresence{Agent: w.pickAgent(), Status: presence.Status(w.in.intn(6))})
	}},
	{"agent_connect", 1, func(w *cmdWorld) { w.do(AgentConnect{Agent: w.pickAgent()}) }},
	{"miss_limit", 1, func(w *cmdWorld) { w.do(SetMissLimit{Limit: w.in.intn(router.MaxMissLimit+3) - 1}) }},
	{"agent_disconnect", 1, func(w *cmdWorld) { w.do(AgentDisconnect{Agent: w.pickAgent()}) }},
	{"conversation_status", 3, func(w *cmdWorld) {
		id := w.pickSessionWhere(isConnected)
		st := []session.Status{session.StatusInProgress, session.StatusWaitingCustomer, session.StatusNeedsHelp, "asleep"}
		w.do(SetConversationStatus{Agent: w.pickAgentFor(id), Session: id, Status: st[w.in.intn(4)]})
	}},
	{"join", 2, func(w *cmdWorld) {
		id, a := w.pickSessionWhere(isConnected), w.pickAgent()
		if w.in.intn(2) == 0 {
			a = "sup-sue"
		}
		if _, err := w.do(Join{Agent: a, Session: id}); err == nil {
			w.grant(a, id)
		}
	}},
	{"transfer", 3, opTransfer},
	{"release", 1, func(w *cmdWorld) {
		id := w.pickSessionWhere(isConnected)
		a := w.pickAgentFor(id)
		if _, err := w.do(Release{Agent: a, Session: id}); err == nil {
			w.byID[id].excluded[a] = true
		}
	}},
	{"hold", 2, func(w *cmdWorld) {
		id := w.pickSessionWhere(func(c *session.Card) bool { return isConnected(c) && c.Media == presence.Voice })
		w.do(Hold{Agent: w.pickAgentFor(id), Session: id, On: w.in.intn(2) == 0})
	}},
	{"annotate", 1, func(w *cmdWorld) {
		id := w.pickSessionWhere(isConnected)
		notes := w.token("nt")
		tag := w.token("tg")
		if s := w.byID[id]; s != nil {
			s.internal = append(s.internal, notes, tag)
		}
		var exp []string
		if w.in.intn(2) == 0 {
			exp = []string{"billing"}
		}
		w.do(Annotate{Agent: w.pickAgentFor(id), Session: id, Notes: &notes, AddTags: []string{tag}, Expertise: exp})
	}},
	{"verify_contact", 1, func(w *cmdWorld) {
		id := w.pickSession()
		email := ""
		if s := w.byID[id]; s != nil && len(s.contact) > 0 {
			email = s.contact[0]
		}
		if w.in.intn(3) == 0 {
			email = "not-an-email"
		}
		w.do(VerifyContact{Agent: w.pickAgentFor(id), Session: id, Email: email})
	}},
	{"channel_event", 3, func(w *cmdWorld) {
		id := w.pickSessionWhere(func(c *session.Card) bool { return c.Media == presence.Voice })
		events := []string{"connected", "hold", "unhold", "ended", "message", "message", "exploded"}
		bys := []string{"", "customer", "agent", "martian"}
		ev := ChannelEvent{Session: id, Event: events[w.in.intn(len(events))], By: bys[w.in.intn(len(bys))]}
		if c := w.last.cards[id]; c != nil && c.StateName == "assigned" && w.in.intn(2) == 0 {
			ev.Event = "connected" // the telephony system's usual next word
		}
		if ev.Event == "message" {
			ev.Text = w.text()
		}
		rep, err := w.do(ev)
		if ev.Event == "message" {
			w.sent(ev.Text, rep, err)
		}
	}},
	{"put_agent", 1, opPutAgent},
	{"put_queue", 1, func(w *cmdWorld) {
		id := cmdQueueIDs[w.in.intn(len(cmdQueueIDs))]
		spec := w.queueSpec(id, w.in.byte()) // steps may change under waiting sessions
		if w.in.intn(8) == 0 {
			spec.Name = ""
		}
		if _, err := w.do(PutQueue{Spec: spec}); err == nil {
			w.specs[id] = spec
		}
	}},
	{"delete_queue", 1, func(w *cmdWorld) {
		id := w.pickQueue()
		if _, err := w.do(DeleteQueue{ID: id}); err == nil {
			delete(w.specs, id)
			for _, a := range w.agents {
				a.queues = slices.DeleteFunc(a.queues, func(q string) bool { return q == id })
			}
		}
	}},
	{"delete_agent", 1, func(w *cmdWorld) {
		id := w.pickAgent()
		if _, err := w.do(DeleteAgent{ID: id}); err == nil {
			w.agent(id).deleted = true
		}
	}},
	{"advance", 4, func(w *cmdWorld) {
		d := []time.Duration{time.Second, 5 * time.Second, 11 * time.Second, 16 * time.Second,
			21 * time.Second, 31 * time.Second, 2*time.Minute + time.Second, 10 * time.Minute}[w.in.intn(8)]
		w.trace = append(w.trace, fmt.Sprintf("%3d advance %s", w.step, d))
		w.th.clock.Advance(d)
	}},
	{"query", 2, opQuery},
	{"resubscribe", 1, opResubscribe},
	{"advance_short", 2, func(w *cmdWorld) {
		w.trace = append(w.trace, fmt.Sprintf("%3d advance 20s", w.step))
		w.th.clock.Advance(20 * time.Second)
	}},
}

func opHello(w *cmdWorld) {
	v := w.pickVisitor()
	mode := w.in.intn(4)
	c := VisitorHello{Visitor: v.id, SecretHash: v.secret, New: !v.hello}
	switch mode {
	case 1:
		c.New = !c.New
	case 2:
		c.SecretHash = "wrong"
	}
	if w.in.intn(2) == 0 {
		c.Contact = session.Contact{Name: "Vera " + v.id, Email: v.email, Language: []string{"en", "es", "fr", "pt"}[w.in.intn(4)]}
	}
	if q := w.in.intn(5); q < 4 {
		c.Queue = append([]string{""}, cmdQueueIDs...)[q]
	} else {
		c.Queue = "nowhere"
	}
	if w.in.intn(2) == 0 {
		c.Page = "https://shop.example/" + w.token("pg")
	}
	rep, err := w.do(c)
	if err != nil {
		return
	}
	v.hello = true
	if rep.Session != "" {
		if s := w.byID[rep.Session]; s == nil || s.owner != v.id {
			w.fail("hello of %s answers session %s, not theirs", v.id, rep.Session)
		}
	}
}

func opVisitorSend(w *cmdWorld) {
	v := w.pickVisitor()
	text := w.text()
	cid := []string{"", "", "c1", "c2"}[w.in.intn(4)]
	rep, err := w.do(VisitorSend{Visitor: v.id, Text: text, ClientID: cid})
	if err == nil {
		if s := w.byID[rep.Session]; s != nil && s.owner != v.id {
			w.fail("visitor %s wrote into session %s of %q", v.id, rep.Session, s.owner)
		}
		w.created(rep, v.id, "", v.email)
	}
	w.sent(text, rep, err)
}

func opStartSession(w *cmdWorld) {
	chans := session.Channels()
	c := StartSession{Queue: w.pickQueue(), Priority: w.in.intn(10)}
	if i := w.in.intn(len(chans) + 1); i < len(chans) {
		c.Channel = chans[i]
	} else {
		c.Channel = "fax"
	}
	if i := w.in.intn(len(w.vis) + 2); i < len(w.vis) {
		c.VisitorID = w.vis[i].id
	}
	email := ""
	if w.in.intn(2) == 0 {
		email = w.token("c") + "@example.test"
		c.Contact = session.Contact{Name: "Carl Caller", Email: email, Language: []string{"en", "fr", ""}[w.in.intn(3)]}
	}
	if w.in.intn(3) == 0 {
		c.Expertise = []string{"billing"}
	}
	if w.in.intn(2) == 0 {
		c.Text = w.text()
	}
	c.Subject = w.token("sj")
	rep, err := w.do(c)
	if err == nil {
		s := w.created(rep, c.VisitorID, c.Queue, email)
		if c.VisitorID != "" {
			if v := w.visitor(c.VisitorID); v != nil {
				s.contact = append(s.contact, v.email)
			}
		}
	}
	w.sent(c.Text, rep, err)
}

func (w *cmdWorld) visitor(id string) *cmdVisitor {
	for _, v := range w.vis {
		if v.id == id {
			return v
		}
	}
	return nil
}

func opSend(w *cmdWorld) {
	id := w.pickSession()
	p := w.pickParty(id)
	text := w.text()
	cid := []string{"", "", "k1", "k2"}[w.in.intn(4)]
	rep, err := w.do(Send{Session: id, From: p, Text: text, ClientID: cid})
	w.checkAuthorized("Send", id, p, err)
	w.sent(text, rep, err)
}

func opTyping(w *cmdWorld) {
	id := w.pickSession()
	p := w.pickParty(id)
	if p.Kind == session.KindVisitor && w.in.intn(2) == 0 {
		id = ""
	}
	_, err := w.do(Typing{Session: id, From: p})
	if id != "" {
		w.checkAuthorized("Typing", id, p, err)
	}
}

func opAccept(w *cmdWorld) {
	a, o := w.pickOffer()
	rep, err := w.do(Accept{Agent: a, Offer: o})
	if err != nil {
		return
	}
	w.closeOffer(a, o)
	w.grant(a, rep.Session)
	// The session is now the agent's.
	card, err := w.do(GetCard{Session: rep.Session})
	if err != nil || card.Card.Agent == nil || card.Card.Agent.ID != a {
		w.fail("%s accepted offer %d of %s, card then says %+v (%v)", a, o, rep.Session, card.Card, err)
	}
}

func (w *cmdWorld) closeOffer(agent string, o router.OfferID) {
	if a := w.agent(agent); a != nil {
		a.closed[offerIDString(o)] = true
	}
}

func opTransfer(w *cmdWorld) {
	id := w.pickSessionWhere(isConnected)
	c := Transfer{Agent: w.pickAgentFor(id), Session: id, Note: w.token("tn")}
	switch w.in.intn(4) {
	case 0:
		c.Queue = w.pickQueue()
	case 1, 2:
		c.To = w.pickAgent()
	case 3:
		if w.in.intn(2) == 0 {
			c.Queue, c.To = w.pickQueue(), w.pickAgent()
		}
	}
	if s := w.byID[id]; s != nil {
		s.internal = append(s.internal, c.Note)
	}
	if _, err := w.do(c); err == nil {
		if c.Queue != "" {
			w.byID[id].excluded[c.Agent] = true
		} else {
			w.direct = [2]string{c.To, id}
		}
	}
}

func opPutAgent(w *cmdWorld) {
	a := w.agents[w.in.intn(len(w.agents))]
	p := a.profile
	if p.ID == "" {
		return
	}
	p.Capacity = presence.Capacity{w.in.intn(3), w.in.intn(4), w.in.intn(3)}
	if w.in.intn(8) == 0 {
		p.Capacity[presence.Chat] = -1
	}
	mask := w.in.byte()
	var queues []string
	for i, q := range cmdQueueIDs {
		if mask&(1<<i) != 0 {
			queues = append(queues, q)
		}
	}
	if mask&8 != 0 {
		if p.Role == presence.RoleSupervisor {
			p.Role = presence.RoleAgent
		} else {
			p.Role = presence.RoleSupervisor
		}
	}
	if mask&16 != 0 {
		p.Languages = presence.Languages{Primary: []string{"en", "es", "fr"}[int(mask>>5)%3]}
	}
	if mask&128 != 0 {
		p.Name = ""
	}
	w.putAgent(a, p, queues)
}

func opQuery(w *cmdWorld) {
	id := w.pickSession()
	switch w.in.intn(4) {
	case 0, 1:
		p := w.pickParty(id)
		after := []string{"", "1", "x"}[w.in.intn(3)]
		rep, err := w.do(MessagesAfter{Session: id, After: after, Party: p})
		w.checkAuthorized("MessagesAfter", id, p, err)
		if err == nil {
			for _, b := range rep.Frames {
				w.checkFrame(p, Frame{Type: FrameMessage, JSON: b})
			}
		}
	case 2:
		w.do(GetCard{Session: id})
	case 3:
		w.do(Snapshot{})
	}
}

// opResubscribe replaces a client's subscription with a new one (the new
// one first, so that nothing is missed) and drains the old one to its end.
func opResubscribe(w *cmdWorld) {
	i := w.in.intn(len(w.agents) + len(w.vis))
	w.trace = append(w.trace, fmt.Sprintf("%3d resubscribe %d", w.step, i))
	if i < len(w.agents) {
		a := w.agents[i]
		if old := a.sub; old != nil {
			a.sub = w.trySubscribe(Filter{Agent: a.id})
			w.checkFrames(Party{Kind: session.KindAgent, ID: a.id}, w.drain(old, true))
		}
		return
	}
	v := w.vis[i-len(w.agents)]
	old := v.sub
	v.sub = w.subscribe(Filter{Visitor: v.id})
	w.checkFrames(Party{Kind: session.KindVisitor, ID: v.id}, w.drain(old, true))
}

// checkAuthorized fails when party p acted on session id with success
// though p has nothing to do with it.
func (w *cmdWorld) checkAuthorized(what, id string, p Party, err error) {
	if err != nil {
		return
	}
	s := w.byID[id]
	switch {
	case s == nil:
		w.fail("%s on unknown session %q succeeded", what, id)
	case p.Kind == session.KindVisitor && p.ID != s.owner:
		w.fail("%s by visitor %s on session %s of %q succeeded", what, p.ID, id, s.owner)
	case p.Kind == session.KindAgent:
		a := w.agent(p.ID)
		if a == nil || !a.party[id] {
			w.fail("%s by agent %s on session %s they never took part in succeeded", what, p.ID, id)
		}
	case p.Kind != session.KindAgent && p.Kind != session.KindVisitor:
		w.fail("%s by %s %q succeeded", what, p.Kind, p.ID)
	}
}

// ---- after each step ----

// afterStep drains every subscription, probes the hub and checks it all.
func (w *cmdWorld) afterStep() {
	w.t.Helper()
	p := w.probe()
	supFrames := w.drain(w.sup, false)
	agentFrames := make([][]Frame, len(w.agents))
	for i, a := range w.agents {
		agentFrames[i] = w.drainAgent(a)
	}
	visFrames := make([][]Frame, len(w.vis))
	for i, v := range w.vis {
		visFrames[i] = w.drain(v.sub, false)
	}
	w.recordFrames("supervisor", supFrames)
	for i, a := range w.agents {
		w.recordFrames(a.id, agentFrames[i])
	}
	for i, v := range w.vis {
		w.recordFrames(v.id, visFrames[i])
	}
	// First learn who may see what from this step's cards and offers.
	for _, f := range supFrames {
		w.checkSupervisorFrame(f)
	}
	for _, c := range w.replyCards {
		w.grantCard(c)
	}
	for _, c := range p.cards {
		w.grantCard(c)
	}
	for i, a := range w.agents {
		for _, f := range agentFrames[i] {
			w.learnAgentFrame(a, f)
		}
	}
	// Then check what each client got.
	for i, a := range w.agents {
		w.checkFrames(Party{Kind: session.KindAgent, ID: a.id}, agentFrames[i])
	}
	for i, v := range w.vis {
		w.checkFrames(Party{Kind: session.KindVisitor, ID: v.id}, visFrames[i])
	}
	w.check(p)
	w.replyCards = w.replyCards[:0]
	w.direct = [2]string{}
	w.last = p
}

// recordFrames adds to the record the frames who got this step.
func (w *cmdWorld) recordFrames(who string, frames []Frame) {
	for _, f := range frames {
		w.record = append(w.record, fmt.Sprintf("%3d %s %s %s", w.step, who, f.Type, f.JSON))
	}
}

// drain returns the frames queued on s. A subscription the hub closed is a
// failure unless the test closed it (closed), in which case it is drained to
// its end.
func (w *cmdWorld) drain(s *Subscription, closed bool) []Frame {
	if closed {
		s.Close()
	}
	var out []Frame
	timeout := time.After(cmdDoTimeout)
	for {
		if closed {
			select {
			case f, ok := <-s.C():
				if !ok {
					return out
				}
				out = append(out, f)
			case <-timeout:
				w.fail("subscription %+v not ended %s after Close: the hub loop hangs", s.filter, cmdDoTimeout)
			}
			continue
		}
		select {
		case f, ok := <-s.C():
			if !ok {
				w.fail("subscription %+v closed: %s", s.filter, s.Reason())
			}
			out = append(out, f)
		default:
			return out
		}
	}
}

// drainAgent drains an agent's subscription. The hub ends the subscriptions
// of a deleted agent: the test then subscribes again at once, so that it
// misses nothing should the agent be put back (and leaves the agent without
// one if the hub refuses that until then).
func (w *cmdWorld) drainAgent(a *cmdAgent) []Frame {
	if a.sub == nil && !a.deleted {
		a.sub = w.trySubscribe(Filter{Agent: a.id})
	}
	if a.sub == nil {
		return nil
	}
	var out []Frame
	for {
		select {
		case f, ok := <-a.sub.C():
			if !ok {
				if !a.deleted || a.sub.Reason() == ReasonSlowConsumer {
					w.fail("subscription of agent %s closed: %s", a.id, a.sub.Reason())
				}
				// A client whose feed ended starts again from a welcome:
				// its offers are no longer its to be told about.
				for id := range a.offers {
					a.closed[id] = true
				}
				a.sub = w.trySubscribe(Filter{Agent: a.id})
				return out
			}
			out = append(out, f)
		default:
			return out
		}
	}
}

// cmdFrame is any frame decoded.
type cmdFrame struct {
	Type    string          `json:"type"`
	Session string          `json:"session"`
	Offer   json.RawMessage `json:"offer"`
	Reason  string          `json:"reason"`
	Card    *session.Card   `json:"card"`
	Message *struct {
		ID      string         `json:"id"`
		Session string         `json:"session"`
		From    session.Sender `json:"from"`
		Text    string         `json:"text"`
	} `json:"message"`
	From *session.Sender `json:"from"`
}

func (w *cmdWorld) decode(f Frame) cmdFrame {
	var d cmdFrame
	if err := json.Unmarshal(f.JSON, &d); err != nil {
		w.fail("frame %s does not decode: %v", f.JSON, err)
	}
	if d.Type != f.Type {
		w.fail("frame of type %q says %q: %s", f.Type, d.Type, f.JSON)
	}
	return d
}

func (w *cmdWorld) checkSupervisorFrame(f Frame) {
	d := w.decode(f)
	switch f.Type {
	case FrameCard:
		if d.Card == nil || w.byID[d.Card.Session] == nil {
			w.fail("supervisor card of unknown session: %s", f.JSON)
		}
		w.grantCard(d.Card)
	case FrameQueueStats, FrameAgentStatus:
	default:
		w.fail("supervisor got a %s frame: %s", f.Type, f.JSON)
	}
	for _, s := range w.sess {
		for _, tx := range s.texts {
			if bytes.Contains(f.JSON, []byte(tx)) {
				w.fail("supervisor frame carries message text %q of %s: %s", tx, s.id, f.JSON)
			}
		}
	}
	w.checkRefused("supervisor", f)
}

// grantCard lets the agents a card names see the session, and the agents who
// may join it see it while it needs help.
func (w *cmdWorld) grantCard(c *session.Card) {
	if c.Agent != nil {
		w.grant(c.Agent.ID, c.Session)
	}
	for _, r := range c.Agents {
		w.grant(r.ID, c.Session)
	}
	if c.TransferTo != nil {
		w.grant(c.TransferTo.ID, c.Session)
	}
	s := w.byID[c.Session]
	if s == nil {
		return
	}
	if c.Status == session.StatusWaitingCustomer {
		if spec, ok := w.specs[c.Queue.ID]; ok && spec.IdleRelease > 0 {
			s.idleable = true
			if c.Agent != nil {
				if a := w.agent(c.Agent.ID); a != nil {
					a.overflowOK = true
				}
			}
		}
	}
	if c.Status == session.StatusNeedsHelp {
		for _, a := range w.agents {
			if a.everSupervisor || a.everQueues[c.Queue.ID] {
				a.related[c.Session] = true
			}
		}
	}
}

// grant lets agent see session id and its messages.
func (w *cmdWorld) grant(agent, id string) {
	if a := w.agent(agent); a != nil && id != "" {
		a.related[id], a.party[id] = true, true
	}
}

// learnAgentFrame records the offers an agent is sent, checking that each
// goes to a member of its queue (or the target of a transfer) who did not
// pass on the session before.
func (w *cmdWorld) learnAgentFrame(a *cmdAgent, f Frame) {
	d := w.decode(f)
	switch f.Type {
	case FrameOffer:
		var o OfferInfo
		if err := json.Unmarshal(d.Offer, &o); err != nil {
			w.fail("offer frame %s: %v", f.JSON, err)
		}
		s := w.byID[o.Session]
		if s == nil {
			w.fail("%s offered unknown session: %s", a.id, f.JSON)
		}
		direct := w.direct == [2]string{a.id, o.Session}
		if !direct && !w.mayServe(a, o.Queue) {
			w.fail("%s offered %s of queue %s, not theirs (queues %v): %s", a.id, o.Session, o.Queue, a.queues, f.JSON)
		}
		if !direct && s.excluded[a.id] {
			w.fail("%s offered %s again after declining, missing or releasing it: %s", a.id, o.Session, f.JSON)
		}
		w.grant(a.id, o.Session)
		if o.Mode == "manual" {
			if o.ID == "" {
				w.fail("manual offer without id: %s", f.JSON)
			}
			if _, dup := a.offers[o.ID]; dup {
				w.fail("offer %s sent twice to %s", o.ID, a.id)
			}
			a.offers[o.ID] = o.Session
		}
	case FrameOfferRevoked:
		var id string
		if err := json.Unmarshal(d.Offer, &id); err != nil {
			w.fail("offer_revoked frame %s: %v", f.JSON, err)
		}
		sid, ok := a.offers[id]
		if !ok {
			w.fail("%s told offer %s was revoked, never offered it: %s", a.id, id, f.JSON)
		}
		if d.Reason == router.ReasonTimeout {
			w.byID[sid].excluded[a.id] = true
		}
		a.closed[id] = true
	}
}

// mayServe reports whether a may be offered a session of queue q: a member,
// or a member of a queue q's steps add.
func (w *cmdWorld) mayServe(a *cmdAgent, q string) bool {
	if slices.Contains(a.queues, q) {
		return true
	}
	for _, st := range w.specs[q].Steps {
		if slices.Contains(a.queues, st.AddQueue) {
			return true
		}
	}
	return false
}

// checkFrames checks the frames delivered to p's subscription.
func (w *cmdWorld) checkFrames(p Party, frames []Frame) {
	for _, f := range frames {
		w.checkFrame(p, f)
	}
}

var (
	agentFrameTypes = []string{FrameOffer, FrameOfferRevoked, FrameCard, FrameMessage, FramePresence, FrameTyping,
		FrameNeedsHelp, FrameNeedsHelpCleared}
	visitorFrameTypes = []string{FrameQueued, FrameAgentJoined, FrameAgentLeft, FrameMessage, FrameEnded,
		FrameDeflected, FrameTyping}
)

// checkFrame checks one frame delivered to p: a type p may receive, about a
// session p may see, carrying no id, message, contact or note of a session
// p has nothing to do with.
func (w *cmdWorld) checkFrame(p Party, f Frame) {
	d := w.decode(f)
	who := fmt.Sprintf("%s %s", p.Kind, p.ID)
	w.checkRefused(who, f)
	if p.Kind == session.KindVisitor {
		w.checkVisitorFrame(p.ID, f, d)
		return
	}
	a := w.agent(p.ID)
	if !slices.Contains(agentFrameTypes, f.Type) {
		w.fail("%s got a %s frame: %s", who, f.Type, f.JSON)
	}
	sid := d.Session
	if d.Card != nil {
		sid = d.Card.Session
	}
	if d.Message != nil {
		sid = d.Message.Session
	}
	switch f.Type {
	case FrameMessage, FrameTyping:
		if !a.party[sid] {
			w.fail("%s got a %s of session %s they take no part in: %s", who, f.Type, sid, f.JSON)
		}
	case FrameCard, FrameNeedsHelp, FrameNeedsHelpCleared:
		if !a.related[sid] && !a.everSupervisor {
			w.fail("%s got a %s of session %s they may not see: %s", who, f.Type, sid, f.JSON)
		}
	}
	for _, s := range w.sess {
		if !a.related[s.id] && !a.everSupervisor && bytes.Contains(f.JSON, []byte(s.id)) {
			w.fail("%s got session id %s they may not see: %s", who, s.id, f.JSON)
		}
		if a.party[s.id] {
			continue
		}
		for _, tx := range s.texts {
			if bytes.Contains(f.JSON, []byte(tx)) {
				w.fail("%s got message %q of session %s they take no part in: %s", who, tx, s.id, f.JSON)
			}
		}
	}
}

func (w *cmdWorld) checkVisitorFrame(v string, f Frame, d cmdFrame) {
	who := "visitor " + v
	if !slices.Contains(visitorFrameTypes, f.Type) {
		w.fail("%s got a %s frame: %s", who, f.Type, f.JSON)
	}
	owns := false
	for _, s := range w.sess {
		owns = owns || s.owner == v
	}
	if !owns {
		w.fail("%s, who has no session, got %s", who, f.JSON)
	}
	if d.Message != nil {
		if s := w.byID[d.Message.Session]; s == nil || s.owner != v {
			w.fail("%s got a message of session %s: %s", who, d.Message.Session, f.JSON)
		}
		if fr := d.Message.From; (fr.Kind == session.KindVisitor && fr.ID != v) || (fr.Kind != session.KindVisitor && fr.ID != "") {
			w.fail("%s got a message with sender id %q: %s", who, fr.ID, f.JSON)
		}
	}
	if d.From != nil && d.From.ID != "" {
		w.fail("%s got a frame with sender id %q: %s", who, d.From.ID, f.JSON)
	}
	own := map[string]bool{}
	if x := w.visitor(v); x != nil {
		own[x.email] = true
	}
	for _, s := range w.sess {
		if s.owner == v {
			for _, c := range s.contact {
				own[c] = true
			}
		}
	}
	for _, s := range w.sess {
		for _, tok := range s.internal {
			if bytes.Contains(f.JSON, []byte(tok)) {
				w.fail("%s got internal note %q of session %s: %s", who, tok, s.id, f.JSON)
			}
		}
		if s.owner == v {
			continue
		}
		secrets := append([]string{s.id}, s.texts...)
		for _, c := range s.contact {
			if !own[c] {
				secrets = append(secrets, c)
			}
		}
		for _, tok := range secrets {
			if bytes.Contains(f.JSON, []byte(tok)) {
				w.fail("%s got %q of session %s of %q: %s", who, tok, s.id, s.owner, f.JSON)
			}
		}
	}
	for _, a := range w.agents {
		if bytes.Contains(f.JSON, []byte(a.id)) {
			w.fail("%s got agent id %s: %s", who, a.id, f.JSON)
		}
	}
	for _, o := range w.vis {
		if o.id != v && bytes.Contains(f.JSON, []byte(o.id)) {
			w.fail("%s got visitor id %s: %s", who, o.id, f.JSON)
		}
	}
}

// checkRefused fails when f carries the text of a refused send.
func (w *cmdWorld) checkRefused(who string, f Frame) {
	for _, tx := range w.refused {
		if bytes.Contains(f.JSON, []byte(tx)) {
			w.fail("%s got the refused message %q: %s", who, tx, f.JSON)
		}
	}
}

// ---- the probe ----

// probeResult is the hub's state as its queries answer it, read in one
// loop cycle.
type probeResult struct {
	invariants error
	agents     map[string]AgentView
	welcomes   map[string]*Welcome
	cards      map[string]*session.Card // open sessions among those asked
	stored     map[string][]byte        // every session asked, as stored after the probe's commit
	waiting    map[string][]string      // by queue
	open       int                      // sessions the hub holds
}

// cmdProbe reads the hub through its own queries (ListAgents, AgentWelcome,
// GetCard, QueueWaiting, Stats) and the router's invariant check, inside the
// loop, so that it sees one consistent state. It must not read the store:
// its cycle has not committed yet.
type cmdProbe struct {
	sessions, queues []string
}

func (c cmdProbe) apply(h *Hub, now time.Time) (Reply, error) {
	p := &probeResult{invariants: h.r.CheckInvariants(now), agents: map[string]AgentView{},
		welcomes: map[string]*Welcome{}, cards: map[string]*session.Card{}, stored: map[string][]byte{},
		waiting: map[string][]string{}}
	rep, err := ListAgents{}.apply(h, now)
	if err != nil {
		return Reply{}, err
	}
	for _, v := range rep.Data.([]AgentView) {
		p.agents[v.ID] = v
		wr, err := AgentWelcome{Agent: v.ID}.apply(h, now)
		if err != nil {
			return Reply{}, err
		}
		p.welcomes[v.ID] = wr.Welcome
	}
	for _, id := range c.sessions {
		if r, err := (GetCard{Session: id}).apply(h, now); err == nil {
			p.cards[id] = r.Card
		}
	}
	for _, q := range c.queues {
		if r, err := (QueueWaiting{ID: q}).apply(h, now); err == nil {
			p.waiting[q] = r.Data.([]string)
		}
	}
	st, _ := Stats{}.apply(h, now)
	p.open = st.Data.(WorkspaceStats).OpenSessions
	return Reply{Data: p}, nil
}

func (w *cmdWorld) probe() *probeResult {
	c := cmdProbe{queues: cmdQueueIDs}
	for _, s := range w.sess {
		c.sessions = append(c.sessions, s.id)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cmdDoTimeout)
	defer cancel()
	rep, err := w.th.Do(ctx, c)
	if err != nil {
		w.fail("probe: %v (the hub failed or hangs)", err)
	}
	// The store is read once the probe's cycle has committed: a timer that
	// fired in that cycle changed memory before the commit.
	p := rep.Data.(*probeResult)
	for _, id := range c.sessions {
		if v, err := w.th.store.ReadSession(id); err == nil {
			p.stored[id] = v
		}
	}
	return p
}

var holdingStates = []string{"assigned", "connecting", "switching", "connected"}

// check checks the safety rules on a probe: the router's own invariants; no
// agent over capacity; each slot held by exactly one offer or session (so no
// session is held by two agents); every session waiting, offered, assigned,
// in wrap-up or finished, stored as the hub holds it; offers only of
// sessions that may take one; no message from the hub logged as an error.
func (w *cmdWorld) check(p *probeResult) {
	if p.invariants != nil {
		w.fail("router invariant: %v", p.invariants)
	}
	for _, e := range w.logs.All() {
		if e.Level >= zapcore.ErrorLevel {
			w.fail("the hub logged an error: %s %v", e.Message, e.ContextMap())
		}
	}
	// Offers pending, by session and by agent and media.
	offered := map[string][]string{}
	for _, a := range w.agents {
		wel, ok := p.welcomes[a.id]
		if ok == a.deleted {
			w.fail("agent %s deleted=%v but listed=%v", a.id, a.deleted, ok)
		}
		if !ok {
			continue
		}
		for _, o := range wel.Offers {
			if _, seen := a.offers[o.Offer.ID]; !seen || a.closed[o.Offer.ID] {
				w.fail("offer %s of %s pending with %s, who was never sent it or was told it is over", o.Offer.ID, o.Offer.Session, a.id)
			}
			offered[o.Offer.Session] = append(offered[o.Offer.Session], a.id)
		}
		for id, sid := range a.offers {
			if !a.closed[id] && !slices.ContainsFunc(wel.Offers, func(o OfferView) bool { return o.Offer.ID == id }) {
				w.fail("offer %s of %s to %s is over but the agent was never told", id, sid, a.id)
			}
		}
		for _, c := range wel.Cards {
			if !a.related[c.Session] {
				w.fail("welcome of %s shows session %s", a.id, c.Session)
			}
		}
		for _, c := range wel.NeedsHelp {
			if c.Status != session.StatusNeedsHelp || !(a.everSupervisor || a.everQueues[c.Queue.ID]) {
				w.fail("welcome of %s lists %s as needing help (status %s, queue %s)", a.id, c.Session, c.Status, c.Queue.ID)
			}
		}
	}
	w.checkLoad(p)
	// Every session is somewhere.
	inLine := map[string]string{}
	for q, ids := range p.waiting {
		for _, id := range ids {
			if prev, dup := inLine[id]; dup {
				w.fail("session %s waits in %s and %s", id, prev, q)
			}
			inLine[id] = q
			c := p.cards[id]
			if c == nil || !slices.Contains([]string{"queued", "requeued"}, c.StateName) || c.Queue.ID != q {
				w.fail("queue %s lists %s, which is not waiting there: %+v", q, id, c)
			}
		}
	}
	open := 0
	for _, s := range w.sess {
		c, raw := p.cards[s.id], p.stored[s.id]
		if raw == nil {
			w.fail("session %s is not stored", s.id)
		}
		st := w.storedSession(s, raw)
		if c == nil {
			if st.Open() {
				w.fail("session %s lost: the hub no longer holds it, stored in state %s (agent %q, wrap-up %q)",
					s.id, st.State, st.Agent.ID, st.WrapupCode)
			}
			if len(offered[s.id]) > 0 {
				w.fail("session %s is over but offered to %v", s.id, offered[s.id])
			}
			continue
		}
		open++
		if st.State != c.State || st.Agent.ID != refID(c.Agent) || st.MessageCount != len(s.texts) {
			w.fail("session %s stored as %s/%q/%d messages, held as %s/%q/%d", s.id, st.State, st.Agent.ID,
				st.MessageCount, c.State, refID(c.Agent), len(s.texts))
		}
		if n := len(w.th.store.Messages(s.id)); n != len(s.texts) {
			w.fail("session %s: %d messages stored, %d appended", s.id, n, len(s.texts))
		}
		switch {
		case c.StateName == "queued" || c.StateName == "requeued":
			if inLine[s.id] == "" && len(offered[s.id]) == 0 {
				w.fail("session %s lost: %s but in no queue and offered to nobody", s.id, c.StateName)
			}
		case slices.Contains(holdingStates, c.StateName):
			if c.Agent == nil {
				w.fail("session %s %s without an agent", s.id, c.StateName)
			}
		case c.StateName == "finished":
			if c.Agent == nil || c.WrapupCode != "" {
				w.fail("finished session %s held though it awaits no wrap-up: %+v", s.id, c)
			}
		default:
			w.fail("session %s held in state %s", s.id, c.StateName)
		}
		for _, a := range offered[s.id] {
			ok := c.StateName == "queued" || c.StateName == "requeued" ||
				(c.StateName == "switching" && c.TransferTo != nil && c.TransferTo.ID == a)
			if !ok {
				w.fail("session %s (%s, agent %q) offered to %s", s.id, c.StateName, refID(c.Agent), a)
			}
		}
	}
	if p.open != open {
		w.fail("the hub holds %d sessions, %d of them known", p.open, open)
	}
}

// storedSession decodes the stored record of s, reusing the last decoding
// while the record is unchanged (decoding every record every step is most
// of the driver's time).
func (w *cmdWorld) storedSession(s *cmdSession, raw []byte) *session.Session {
	if s.stored != nil && bytes.Equal(raw, s.storedRaw) {
		return s.stored
	}
	st := &session.Session{}
	if err := json.Unmarshal(raw, st); err != nil {
		w.fail("stored session %s: %v", s.id, err)
	}
	s.stored, s.storedRaw = st, raw
	return st
}

func refID(r *session.Ref) string {
	if r == nil {
		return ""
	}
	return r.ID
}

// checkLoad checks every agent's load against capacity and against the
// offers and sessions they hold: a slot per pending offer and per session
// assigned to them until its wrap-up (less idle-released chats).
func (w *cmdWorld) checkLoad(p *probeResult) {
	for _, a := range w.agents {
		v, ok := p.agents[a.id]
		if !ok {
			continue
		}
		var offers, held, idle [presence.NumMedia]int
		for _, o := range p.welcomes[a.id].Offers {
			offers[o.Offer.Media]++
		}
		for id, c := range p.cards {
			if refID(c.Agent) != a.id {
				continue
			}
			if slices.Contains(holdingStates, c.StateName) || (c.StateName == "finished" && c.WrapupCode == "") {
				held[c.Media]++
				if w.byID[id].idleable {
					idle[c.Media]++
				}
			}
		}
		over := false
		for m := presence.Media(0); m < presence.NumMedia; m++ {
			l := v.Load[m.String()]
			if l.Active > l.Capacity {
				over = true
				// Each chat of theirs that idle release may have freed can
				// come back (the visitor writes) after the freed slot went
				// to other work, one past capacity each (hub/idle.go).
				if !a.overflowOK && l.Active > l.Capacity+idle[m] {
					w.fail("agent %s over capacity: %s %d/%d", a.id, m, l.Active, l.Capacity)
				}
			}
			if want := offers[m] + held[m]; l.Active > want || l.Active < want-idle[m] {
				w.fail("agent %s: %s load %d, but %d offers and %d sessions (%d idle-releasable)", a.id, m,
					l.Active, offers[m], held[m], idle[m])
			}
		}
		if !over {
			a.overflowOK = false
		}
	}
}

// cmdSeeds are hand-made inputs that walk one path each. More seeds are in
// testdata/fuzz/FuzzCommands: random inputs picked because between them
// they make every command succeed at least once.
func cmdSeeds() [][]byte {
	op := func(name string) byte {
		for i, o := range cmdTable {
			if cmdOps[o].name == name {
				return byte(i)
			}
		}
		panic("no op " + name)
	}
	return [][]byte{
		// A widget chat: hello, first message, accept, messages both ways,
		// typing, end by the agent, wrap-up, CSAT.
		{0, op("hello"), 0, 0, 1, 1, 1, op("visitor_send"), 1, 5, 0, op("accept"), 0, 1,
			op("send"), 1, 2, 1, 5, 0, op("send"), 1, 0, 5, 0, op("typing"), 1, 0, 1,
			op("end"), 1, 2, 1, op("wrapup"), 1, 1, 0, 1, op("csat"), 1, 4},
		// The broadcast vip queue: a decline, a missed offer, an agent who
		// drops and comes back.
		{0, op("start_session"), 2, 0, 3, 4, 1, 1, 0, 5, op("decline"), 0, 1, op("advance"), 2,
			op("accept"), 6, 1, op("agent_disconnect"), 2, op("advance"), 7, op("agent_connect"), 2,
			op("set_presence"), 2, 1, op("advance_short")},
		// Regression: a refused CSAT (rating 5) of a chat that had left
		// memory left it held as open.
		{0, op("hello"), 0, 0, 1, 1, 1, op("visitor_send"), 1, 5, 0, op("visitor_leave"), 1, op("csat"), 1, 5},
	}
}
