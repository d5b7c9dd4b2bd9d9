package sim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/session"
)

// A History is a contact center's own past, made a replay: the sessions
// the server exported to its directory sink (export.DirSink: one session
// metadata document per file, <dir>/<workspace>/<session>.json), each a
// contact that entered a queue, in order of its entry. Replaying it with
// other agents answers the planner's question about a day that happened:
// what would it have been with these agents, or this schedule?
//
// What the documents say is taken as it is: when each contact entered its
// queue, its media, queue and language, how long it waited, and whether an
// agent took it; an answered contact's handle time is its assignment to
// its end, and its wrap-up its end to its wrap-up. What they cannot say is
// drawn, on the seed:
//
//   - Patience. An abandon's is its wait. An answered contact only shows
//     that it would have waited longer than it did: its patience is drawn
//     from the abandons' own distribution given that wait (the
//     Kaplan–Meier estimate), which keeps callers who hang up after about
//     a minute doing so; past the longest abandon, and with
//     HistoryOptions.ExponentialPatience throughout, the patience left is
//     exponential with the mean that the abandons give (the estimate with
//     censored waits: all the waits over the abandons). With
//     HistoryOptions.Patience, it is exponential with the mean given, for
//     a history of too few abandons to tell. With no abandon and none
//     given, contacts wait as long as it takes.
//   - An abandon's handle time, which it never had: one of its media's
//     answered contacts', drawn.
//
// An answered contact's wrap-up is its own (end to wrap-up, at least a
// millisecond; its media's mean when the history does not have it yet);
// an abandon takes the wrap-up of the answered contact whose handle time
// it draws. Each agent's capacity for a media is the most contacts of it
// any agent held at once in the history.
// A transferred contact is one contact of its last queue, handled from
// its first assignment to its end.
type History struct {
	// Dir is the directory read and Workspace the workspace replayed.
	Dir, Workspace string
	// Start is the replay's time 0: HistoryOptions.From, or midnight (in
	// HistoryOptions.Location) of the day of the first contact. End is its
	// end: HistoryOptions.To, or the midnight after the last contact. A
	// replay is whole days, unless told otherwise.
	Start, End time.Time
	// Arrivals are the contacts, from Start.
	Arrivals []Arrival
	// Media are the media of the contacts, each with its share, its mean
	// handle time and wrap-up and the capacity seen (the most at once).
	Media []MediaShare
	// Queues and Languages are the contacts' queues (names made ids: what
	// is not a letter, digit, '-' or '_' becomes '_') and languages, with
	// their shares; a queue's priority is its contacts' most common.
	Queues    []QueueShare
	Languages []LanguageShare
	// HandleCV is the handle times' coefficient of variation, each over its
	// media's mean.
	HandleCV float64
	// Patience is the estimated mean patience, from Abandons abandons (0:
	// none).
	Patience time.Duration
	Abandons int
	// ObservedPatience: answered contacts' patience is drawn from the
	// abandons' own distribution (unless HistoryOptions.ExponentialPatience
	// or GivenPatience).
	ObservedPatience bool
	// GivenPatience is HistoryOptions.Patience: when set, answered
	// contacts' patience past their wait is drawn exponential with this
	// mean, and the models take it, in place of Patience.
	GivenPatience time.Duration
	// Files is how many documents were read; Skipped counts those that
	// are not contacts of the replay, by reason.
	Files   int
	Skipped map[string]int
	// Agents is how many agents took contacts.
	Agents int
	// Location is the replay's clock (HistoryOptions.Location, UTC when
	// none): each interval's start is reported on it.
	Location *time.Location
	// Statuses is the agents' status log, when given (ReadStatuses): each
	// interval then reports the agents available in it (Available).
	Statuses []StatusChange
	// Profiles are the server's agents, when given (ReadProfiles): a
	// replay on the log's shifts then gives each their own (Roster).
	Profiles map[string]AgentProfile
	// ReplaysMissed says the replay sets agents away for missed offers
	// itself (manual accept with misses, Config.Miss): its shifts (Shifts,
	// Roster) then keep an agent on through the log's aways for missed
	// offers, which would otherwise be counted twice. What the history
	// observed (Observe, Available) keeps them.
	ReplaysMissed bool
	// Misses is what the status log said of the offers that rang out,
	// when the replay's agents miss offers at that rate (--miss observed).
	Misses *MissEstimate
	// Offers is what the documents' offers say, when any lists them.
	Offers *OfferTally
	// Routing is what the server's queues gave the replay (ApplyQueues):
	// without them, the replay routes by queue, language and priority,
	// and no agent or contact has or requires expertise.
	Routing *RoutingReport

	past     []pastContact
	work     []workSpan
	queueIDs map[string]string // the server's queue ids, to the replay's names
}

// workSpan is an agent holding a contact of a media, from its assignment
// to its wrap-up (or end), from Start.
type workSpan struct {
	agent    string
	media    presence.Media
	from, to time.Duration
}

// Working is, for each interval of length iv from Start to End (the last
// one whole, as a replay cuts it), how many agents the documents show
// working in it: those who took a contact in it, or held one through all
// of it. The documents do not say when agents were logged in, so this is
// what a replay "as it was" can staff each interval with (--schedule
// seen). An agent on shift who took nothing in an interval and held
// nothing through it is not seen, which happens when contacts are few. An
// agent finishing after their shift a contact taken before it is not
// counted, unless the contact lasts the whole interval.
func (h *History) Working(iv time.Duration) []int {
	if iv <= 0 {
		return nil
	}
	n := int((h.End.Sub(h.Start) + iv - 1) / iv)
	seen := make([]map[string]bool, n)
	add := func(k int, agent string) {
		if k < 0 || k >= n {
			return
		}
		if seen[k] == nil {
			seen[k] = map[string]bool{}
		}
		seen[k][agent] = true
	}
	for _, w := range h.work {
		k := int(w.from / iv)
		add(k, w.agent)
		for k++; time.Duration(k+1)*iv <= w.to; k++ {
			add(k, w.agent)
		}
	}
	out := make([]int, n)
	for k := range seen {
		out[k] = len(seen[k])
	}
	return out
}

// meanPatience is the mean patience the replay draws with and the models
// take: the one given, else the estimate.
func (h *History) meanPatience() time.Duration {
	if h.GivenPatience > 0 {
		return h.GivenPatience
	}
	return h.Patience
}

// HistoryOptions choose the part of a History to replay.
type HistoryOptions struct {
	// Workspace is the workspace, a folder of the directory: "" for the
	// only one, or when the directory is a workspace's own folder.
	Workspace string
	// From and To bound the contacts' queue entries, [From, To): zero for
	// no bound.
	From, To time.Time
	// Location is the replay's clock: nil for UTC.
	Location *time.Location
	// Seed seeds the draws.
	Seed uint64
	// Patience, when set, is the mean of an answered contact's patience
	// past its wait, drawn exponential, in place of the history's estimate:
	// for a history of too few abandons to tell it.
	Patience time.Duration
	// ExponentialPatience draws an answered contact's patience past its
	// wait exponential, with the mean of the censored estimate, instead of
	// from the abandons' own distribution (the Kaplan–Meier estimate, with
	// an exponential tail past the longest abandon).
	ExponentialPatience bool
}

// pastContact is what a contact of a history did: its arrival (seconds from
// Start), its media (an index into History.Media), and its wait when
// answered.
type pastContact struct {
	at          float64
	media       int
	answered    bool
	wait        float64
	lang, agent string
}

// historyDoc is the part of a session metadata document a History reads.
type historyDoc struct {
	ID         string          `json:"id"`
	Workspace  string          `json:"workspace"`
	Media      *presence.Media `json:"media"`
	Lang       string          `json:"lang"`
	Queued     string          `json:"queued"`
	Assigned   string          `json:"assigned"`
	Ended      string          `json:"ended"`
	WrappedUp  string          `json:"wrapped_up"`
	Deflection *struct{}       `json:"deflection"`
	Queue      struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Priority int    `json:"priority"`
	} `json:"queue"`
	Agent *struct {
		ID string `json:"id"`
	} `json:"agent"`
	Offers    []session.MetaOffer `json:"offers"` // nil in documents from before the server listed them
	Expertise []string            `json:"expertise"`
}

// historyContact is one document, read.
type historyContact struct {
	queued, assigned, ended, wrapped time.Time
	media                            presence.Media
	queue, lang, agent, id           string
	queueID                          string // the server's id of the queue
	priority                         int
	expertise                        []string // what it required itself
	// offers are the document's, nil when it does not list them.
	offers []historyOffer
}

// ReadHistory reads the history in dir.
func ReadHistory(dir string, o HistoryOptions) (*History, error) {
	ws, err := historyWorkspace(dir, o.Workspace)
	if err != nil {
		return nil, err
	}
	loc := cmp.Or(o.Location, time.UTC)
	h := &History{Dir: dir, Workspace: filepath.Base(ws), Skipped: map[string]int{}, End: o.To, Location: loc}
	if !o.To.IsZero() && !o.From.IsZero() && !o.To.After(o.From) {
		return nil, fmt.Errorf("%w: history: %v is not after %v", ErrConfig, o.To, o.From)
	}
	files, err := filepath.Glob(filepath.Join(ws, "*.json"))
	if err != nil {
		return nil, err
	}
	var cs []historyContact
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), ".") {
			continue // a sink's temporary file
		}
		h.Files++
		c, skip, err := readHistoryDoc(f)
		switch {
		case err != nil:
			return nil, err
		case skip == "" && !o.From.IsZero() && c.queued.Before(o.From),
			skip == "" && !o.To.IsZero() && !c.queued.Before(o.To):
			skip = "outside the time asked"
		}
		if skip != "" {
			h.Skipped[skip]++
			continue
		}
		cs = append(cs, c)
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("%w: history: no contact to replay in %s (%d files read)", ErrConfig, ws, h.Files)
	}
	slices.SortStableFunc(cs, func(a, b historyContact) int {
		return cmp.Or(a.queued.Compare(b.queued), strings.Compare(a.id, b.id))
	})
	h.Start = o.From
	if h.Start.IsZero() {
		y, m, d := cs[0].queued.In(loc).Date()
		h.Start = time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	if h.End.IsZero() {
		y, m, d := cs[len(cs)-1].queued.In(loc).Date()
		h.End = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	}
	h.ObservedPatience = !o.ExponentialPatience && o.Patience <= 0
	h.GivenPatience = max(o.Patience, 0)
	if err := h.build(cs, rand.New(rand.NewPCG(o.Seed, 0x68697374))); err != nil {
		return nil, err
	}
	return h, nil
}

// historyWorkspace returns the folder of workspace ws in dir: dir itself
// when it holds documents and ws is "" or its own name.
func historyWorkspace(dir, ws string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("%w: history: %v", ErrConfig, err)
	}
	var folders []string
	docs := false
	for _, e := range entries {
		switch {
		case e.IsDir() && !strings.HasPrefix(e.Name(), "."):
			folders = append(folders, e.Name())
		case strings.HasSuffix(e.Name(), ".json"):
			docs = true
		}
	}
	switch {
	case docs && (ws == "" || ws == filepath.Base(filepath.Clean(dir))):
		return dir, nil
	case ws != "":
		if !slices.Contains(folders, ws) {
			return "", fmt.Errorf("%w: history: no workspace %q in %s (it has %s)", ErrConfig, ws, dir, listOr(folders, "none"))
		}
		return filepath.Join(dir, ws), nil
	case len(folders) == 1:
		return filepath.Join(dir, folders[0]), nil
	case len(folders) == 0:
		return "", fmt.Errorf("%w: history: %s holds no session documents (a server's exports folder, <data>/exports, or one workspace's folder in it)", ErrConfig, dir)
	}
	return "", fmt.Errorf("%w: history: %s holds %d workspaces (%s): choose one", ErrConfig, dir, len(folders), strings.Join(folders, ", "))
}

// listOr is xs joined with commas, or none when empty.
func listOr(xs []string, none string) string {
	if len(xs) == 0 {
		return none
	}
	return strings.Join(xs, ", ")
}

// readHistoryDoc reads the document in file: the contact, or why it is
// not one to replay.
func readHistoryDoc(file string) (c historyContact, skip string, err error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return c, "", fmt.Errorf("%w: history: %v", ErrConfig, err)
	}
	var d historyDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return c, "", fmt.Errorf("%w: history: %s: not a session document: %v", ErrConfig, file, err)
	}
	times := []struct {
		s  string
		at *time.Time
	}{{d.Queued, &c.queued}, {d.Assigned, &c.assigned}, {d.Ended, &c.ended}, {d.WrappedUp, &c.wrapped}}
	for _, t := range times {
		if t.s == "" {
			continue
		}
		if *t.at, err = time.Parse(time.RFC3339Nano, t.s); err != nil {
			return c, "", fmt.Errorf("%w: history: %s: time %q: %v", ErrConfig, file, t.s, err)
		}
	}
	switch {
	case d.Media == nil || d.ID == "":
		return c, "", fmt.Errorf("%w: history: %s: not a session document (no id or media)", ErrConfig, file)
	case d.Deflection != nil:
		return c, "deflected", nil
	case c.queued.IsZero():
		return c, "never queued", nil
	case c.ended.IsZero():
		return c, "not ended", nil
	}
	c.media, c.id, c.priority = *d.Media, d.ID, d.Queue.Priority
	c.queue, c.queueID = queueName(cmp.Or(d.Queue.Name, d.Queue.ID)), d.Queue.ID
	if tag, err := languageTag(d.Lang); err == nil {
		c.lang = tag
	}
	if d.Agent != nil {
		c.agent = d.Agent.ID
	}
	if err := session.ValidateLabels(d.Expertise, session.MaxExpertise); err != nil {
		return c, "", fmt.Errorf("%w: history: %s: expertise: %v", ErrConfig, file, err)
	}
	c.expertise = d.Expertise
	if d.Offers != nil {
		c.offers = make([]historyOffer, 0, len(d.Offers))
	}
	for _, o := range d.Offers {
		ho := historyOffer{agent: o.Agent, result: o.Result, reason: o.Reason}
		switch o.Result {
		case session.OfferAccepted, session.OfferDeclined, session.OfferMissed:
			at, err1 := time.Parse(time.RFC3339Nano, o.At)
			end, err2 := time.Parse(time.RFC3339Nano, o.EndedAt)
			if err := cmp.Or(err1, err2); err != nil || end.Before(at) {
				return c, "", fmt.Errorf("%w: history: %s: offer to %q at %q ended %s at %q: not an offer's times", ErrConfig, file, o.Agent, o.At, o.Result, o.EndedAt)
			}
			ho.took = end.Sub(at)
		case session.OfferWithdrawn:
		default:
			return c, "", fmt.Errorf("%w: history: %s: offer to %q ended %q (accepted, declined, missed or withdrawn)", ErrConfig, file, o.Agent, o.Result)
		}
		c.offers = append(c.offers, ho)
	}
	return c, "", nil
}

// queueName makes a queue's name an id of the simulator (validName).
func queueName(s string) string {
	b := []byte(s)
	for i, r := range b {
		if !idChar(rune(r)) {
			b[i] = '_'
		}
	}
	return cmp.Or(string(b[:min(len(b), 32)]), "queue")
}

// build makes the contacts cs, in order of entry, the replay.
func (h *History) build(cs []historyContact, rnd *rand.Rand) error {
	type mediaStat struct {
		n, wrapped, answer int
		handles            []float64
		wrapups            []time.Duration // each answered contact's, 0 when not wrapped up
		wrapup             float64
	}
	var stats [presence.NumMedia]mediaStat
	queues, langs := map[string]int{}, map[string]int{}
	prios := map[string]map[int]int{}
	agents := map[string]bool{}
	var risk float64 // the waits of every contact that may abandon
	var waits []waited
	h.queueIDs = map[string]string{}
	for _, c := range cs {
		if c.offers != nil {
			if h.Offers == nil {
				h.Offers = &OfferTally{}
			}
			h.Offers.add(c.offers)
		}
		s := &stats[c.media]
		s.n++
		queues[c.queue]++
		if c.queueID != "" {
			h.queueIDs[c.queueID] = c.queue
		}
		if prios[c.queue] == nil {
			prios[c.queue] = map[int]int{}
		}
		prios[c.queue][c.priority]++
		if c.lang != "" {
			langs[c.lang]++
		}
		answered := !c.assigned.IsZero()
		if answered {
			s.answer++
			s.handles = append(s.handles, handleOf(c).Seconds())
			s.wrapups = append(s.wrapups, wrapupOf(c))
			if c.agent != "" {
				agents[c.agent] = true
				until := c.wrapped
				if until.IsZero() {
					until = c.ended
				}
				h.work = append(h.work, workSpan{agent: c.agent, media: c.media, from: c.assigned.Sub(h.Start), to: until.Sub(h.Start)})
			}
			if !c.wrapped.IsZero() {
				s.wrapped++
				s.wrapup += max(c.wrapped.Sub(c.ended).Seconds(), 0)
			}
		}
		if c.media == presence.Email {
			continue
		}
		wait := waitOf(c).Seconds()
		risk += wait
		if h.ObservedPatience {
			waits = append(waits, waited{wait: wait, abandoned: !answered})
		}
		if !answered {
			h.Abandons++
		}
	}
	if h.Offers != nil {
		h.Offers.finish()
	}
	h.Agents = len(agents)
	if h.Abandons > 0 {
		h.Patience = seconds(risk / float64(h.Abandons)).Round(time.Millisecond)
	}
	var mediaIndex [presence.NumMedia]int
	var normed []float64 // handle times over their media's mean
	for m := range presence.NumMedia {
		s := &stats[m]
		if s.n == 0 {
			continue
		}
		if s.answer == 0 {
			return fmt.Errorf("%w: history: no %s contact was answered, so none has a handle time to replay", ErrConfig, m)
		}
		mean := seconds(sum(s.handles) / float64(len(s.handles))).Round(time.Millisecond).Seconds()
		for _, x := range s.handles {
			normed = append(normed, x/mean)
		}
		ms := MediaShare{Media: m, Share: float64(s.n), Handle: seconds(mean), Capacity: 1}
		if s.wrapped > 0 {
			ms.Wrapup = seconds(s.wrapup / float64(s.wrapped)).Round(time.Millisecond)
		}
		mediaIndex[m] = len(h.Media)
		h.Media = append(h.Media, ms)
	}
	h.HandleCV = round3(cv(normed))
	h.capacities(&mediaIndex)
	for _, q := range slices.Sorted(maps.Keys(queues)) {
		h.Queues = append(h.Queues, QueueShare{Name: q, Share: float64(queues[q]), Priority: mostCommon(prios[q])})
	}
	for _, l := range slices.Sorted(maps.Keys(langs)) {
		h.Languages = append(h.Languages, LanguageShare{Language: l, Share: float64(langs[l])})
	}
	theta := h.meanPatience().Seconds()
	var observed *survival
	if h.ObservedPatience && theta > 0 {
		sv := newSurvival(waits, theta)
		observed = &sv
	}
	for _, c := range cs {
		at := c.queued.Sub(h.Start)
		wait := waitOf(c)
		a := Arrival{At: at, Media: c.media, Queue: c.queue, Language: c.lang, Expertise: c.expertise}
		p := pastContact{at: at.Seconds(), media: mediaIndex[c.media], answered: !c.assigned.IsZero(), wait: wait.Seconds(), lang: c.lang, agent: c.agent}
		s := &stats[c.media]
		if p.answered {
			a.Handle, a.Wrapup = handleOf(c), wrapupOf(c)
			switch {
			case theta == 0 || c.media == presence.Email:
			case observed != nil:
				a.Patience = max(seconds(observed.draw(wait.Seconds(), rnd)), wait)
			default:
				a.Patience = wait + seconds(rnd.ExpFloat64()*theta)
			}
		} else {
			j := rnd.IntN(len(s.handles))
			a.Handle, a.Wrapup = seconds(s.handles[j]), s.wrapups[j]
			if c.media != presence.Email {
				a.Patience = max(wait, time.Millisecond)
			}
		}
		h.Arrivals = append(h.Arrivals, a)
		h.past = append(h.past, p)
	}
	return nil
}

// past adds what past contact c met to t, with threshold T.
func (t *tally) past(c pastContact, threshold float64) {
	t.arrivals++
	if !c.answered {
		t.abandoned++
		return
	}
	t.answered++
	t.waitSum += c.wait
	if c.wait <= threshold {
		t.inT++
	}
}

// handleOf is how long answered c's agent served it: assignment to end, at
// least a millisecond.
func handleOf(c historyContact) time.Duration {
	return max(c.ended.Sub(c.assigned), time.Millisecond)
}

// wrapupOf is answered c's wrap-up, end to wrap-up, at least a
// millisecond (0 is the media's mean in a replay): 0 when c was not
// wrapped up.
func wrapupOf(c historyContact) time.Duration {
	if c.wrapped.IsZero() {
		return 0
	}
	return max(c.wrapped.Sub(c.ended), time.Millisecond)
}

// waitOf is how long c waited: queue entry to assignment, or to its end.
func waitOf(c historyContact) time.Duration {
	end := c.assigned
	if end.IsZero() {
		end = c.ended
	}
	return max(end.Sub(c.queued), 0)
}

// capacities sets each media's capacity to the most of its contacts one
// agent held at once (the work spans: assignment to wrap-up, or end).
func (h *History) capacities(index *[presence.NumMedia]int) {
	type edge struct {
		at    time.Duration
		delta int
	}
	type holder struct {
		agent string
		media presence.Media
	}
	held := map[holder][]edge{}
	for _, w := range h.work {
		k := holder{w.agent, w.media}
		held[k] = append(held[k], edge{w.from, 1}, edge{w.to, -1})
	}
	for k, es := range held {
		slices.SortFunc(es, func(a, b edge) int { return cmp.Or(cmp.Compare(a.at, b.at), a.delta-b.delta) }) // ends first
		n, most := 0, 0
		for _, e := range es {
			n += e.delta
			most = max(most, n)
		}
		if ms := &h.Media[index[k.media]]; k.media != presence.Voice && most > ms.Capacity {
			ms.Capacity = min(most, MaxCapacity)
		}
	}
}

// mostCommon is the value counted most often, the smallest among equals.
func mostCommon(counts map[int]int) int {
	best, n := 0, -1
	for v, c := range counts {
		if c > n || c == n && v < best {
			best, n = v, c
		}
	}
	return best
}

// cv is xs' coefficient of variation (0 for fewer than two).
func cv(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	mean := sum(xs) / float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return math.Sqrt(ss/float64(len(xs)-1)) / mean
}

// Config returns base with the history as its load: the arrivals, and
// the media (their handle times, wrap-ups and capacities: base's capacity
// for chat, when set, and base.Media's capacities, when set, instead of
// those seen), queues, languages, handle-time spread and patience they
// show, for the models; an Interval of base's cuts it into intervals.
// Base gives the agents, teams or schedule, the thresholds, the accept
// mode and the seed.
func (h *History) Config(base Config) Config {
	c := base
	c.Arrivals, c.Duration = h.Arrivals, h.End.Sub(h.Start)
	if h.Routing == nil && slices.ContainsFunc(h.Arrivals, func(a Arrival) bool { return a.Expertise != nil }) {
		c.Arrivals = slices.Clone(h.Arrivals)
		for i := range c.Arrivals {
			c.Arrivals[i].Expertise = nil
		}
	}
	c.Queues, c.Languages = h.Queues, h.Languages
	c.Patience = h.meanPatience()
	c.HandleDist, c.HandleCV = Lognormal, h.HandleCV
	if h.HandleCV < 0.01 {
		c.HandleDist, c.HandleCV = Constant, 0
	}
	c.HandleCV = min(c.HandleCV, 10)
	media := slices.Clone(h.Media)
	for i := range media {
		m := &media[i]
		if j := slices.IndexFunc(base.Media, func(b MediaShare) bool { return b.Media == m.Media }); j >= 0 {
			m.Capacity = cmp.Or(base.Media[j].Capacity, m.Capacity)
			m.SLThreshold = base.Media[j].SLThreshold
		}
		if m.Media == presence.Chat && base.Capacity > 0 {
			m.Capacity = base.Capacity
		}
	}
	if len(media) == 1 && media[0].Media == presence.Chat {
		m := media[0]
		c.Media, c.Handle, c.Wrapup, c.Capacity = nil, m.Handle, m.Wrapup, m.Capacity
		c.SLThreshold = cmp.Or(m.SLThreshold, c.SLThreshold)
		return c
	}
	c.Media, c.Handle, c.Wrapup, c.Capacity = media, 0, 0, 0
	return c
}

// HistoryReport is what a replayed history was, and did.
type HistoryReport struct {
	Dir       string `json:"dir"`
	Workspace string `json:"workspace"`
	// From and To are the replay's time 0 and its end.
	From string `json:"from"`
	To   string `json:"to"`
	// Files is how many documents were read, Contacts how many were
	// replayed, and Skipped why the others were not.
	Files    int            `json:"files"`
	Contacts int            `json:"contacts"`
	Skipped  map[string]int `json:"skipped,omitempty"`
	// Agents is how many agents took contacts.
	Agents int `json:"agents"`
	// Patience is the estimated mean patience, seconds (0: no abandon),
	// from Abandons abandons; HandleCV the handle times' spread.
	Patience float64 `json:"patience"`
	Abandons int     `json:"abandons"`
	// PatienceLow and PatienceHigh bound the estimate's 95 % confidence
	// interval, seconds: from few abandons, it is wide (patienceRange).
	PatienceLow  float64 `json:"patience_low,omitempty"`
	PatienceHigh float64 `json:"patience_high,omitempty"`
	// PatienceGiven is the mean patience given in place of the estimate
	// (--patience), seconds: answered contacts' was drawn exponential
	// with it.
	PatienceGiven float64 `json:"patience_given,omitempty"`
	// ObservedPatience: an answered contact's patience past its wait was
	// drawn from the abandons' own distribution (--patience-dist observed,
	// the default); false when it was drawn exponential or no contact
	// abandoned.
	ObservedPatience bool    `json:"observed_patience,omitempty"`
	HandleCV         float64 `json:"handle_cv"`
	// Observed is what the contacts met in the history, with the
	// definitions and thresholds of the simulated figures; each media's
	// and each interval's are in Report.Media and Report.Intervals.
	Observed Part `json:"observed"`
	// Statuses is how many entries of the agents' status log were read,
	// of how many agents (--statuses); Occupancy is the agents' busy time
	// over the time they worked, by the log and the documents.
	Statuses       int     `json:"statuses,omitempty"`
	StatusesAgents int     `json:"statuses_agents,omitempty"`
	Occupancy      float64 `json:"occupancy,omitempty"`
	// MissedAways is how many times in the window the log shows the hub
	// setting an agent away for missed offers; ReplaysMissed that the
	// replay left these to its own misses (History.ReplaysMissed) instead
	// of taking the agents off shift for them.
	MissedAways   int  `json:"missed_aways,omitempty"`
	ReplaysMissed bool `json:"replays_missed,omitempty"`
	// Misses is the fraction of offers that rang out, estimated from the
	// log's aways for missed offers (History.EstimateMisses): given when
	// the log has such aways, or with --miss observed.
	Misses *MissEstimate `json:"misses,omitempty"`
	// Offers is what the documents' offers say (History.Offers), when any
	// lists them: the offers that rang out and the accept delays, counted.
	Offers *OfferTally `json:"offers,omitempty"`
	// Roster is what the agents' own profiles gave the replay, when given
	// (--profiles, History.Profiles).
	Roster *RosterReport `json:"roster,omitempty"`
	// Routing is what the server's queues gave it (--queue-settings,
	// History.Routing).
	Routing *RoutingReport `json:"routing,omitempty"`
}

// patienceText says how the replay drew patience: what the history
// estimated, how well it knows it, and how answered contacts' was drawn.
func (hr *HistoryReport) patienceText() string {
	abandons := "1 abandon"
	if hr.Abandons != 1 {
		abandons = fmt.Sprintf("%d abandons", hr.Abandons)
	}
	rng := fmt.Sprintf("(95 %% between %s and %s s if exponential)", sig3(hr.PatienceLow), sig3(hr.PatienceHigh))
	switch {
	case hr.PatienceGiven > 0 && hr.Abandons == 0:
		return fmt.Sprintf("patience %.4g s on average as given (--patience), answered contacts' drawn exponential past their wait; no contact abandoned in the history", hr.PatienceGiven)
	case hr.PatienceGiven > 0:
		return fmt.Sprintf("patience %.4g s on average as given (--patience), answered contacts' drawn exponential past their wait; the history estimated %.4g s from %s %s",
			hr.PatienceGiven, hr.Patience, abandons, rng)
	case hr.Abandons == 0:
		return "no contact abandoned: contacts wait as long as it takes (--patience S gives them a patience)"
	}
	est := fmt.Sprintf("patience %.4g s on average, estimated from %s %s", hr.Patience, abandons, rng)
	if hr.PatienceHigh > 2*hr.PatienceLow {
		est += ", too few abandons to know it well (--patience S gives it)"
	}
	if hr.ObservedPatience {
		return est + "; answered contacts' drawn from the abandons' own distribution"
	}
	return est + "; answered contacts' drawn exponential"
}

// sig3 is x to three significant digits, without an exponent: 4.71, 352,
// 8110.
func sig3(x float64) string {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(x))))
	return strconv.FormatFloat(math.Round(x*p)/p, 'f', -1, 64)
}

// RosterReport is a replay's roster (Roster): how many agents on shift
// had their own profile, how many the server no longer knew, how many were
// left out, and in how many profiles (teams) the agents came.
type RosterReport struct {
	Profiled int `json:"profiled"`
	Unknown  int `json:"unknown"`
	Idle     int `json:"idle"`
	Profiles int `json:"profiles"`
	text     string
}

// Observe adds the history, and what its contacts met, to r, the report
// of its replay.
func (h *History) Observe(r *Report) {
	skipped := h.Skipped
	if len(skipped) == 0 {
		skipped = nil
	}
	hr := &HistoryReport{Dir: h.Dir, Workspace: h.Workspace, From: h.Start.Format(time.RFC3339), To: h.End.Format(time.RFC3339),
		Files: h.Files, Contacts: len(h.Arrivals), Skipped: skipped, Agents: h.Agents,
		Patience: h.Patience.Seconds(), Abandons: h.Abandons, HandleCV: h.HandleCV,
		ObservedPatience: h.ObservedPatience && h.Abandons > 0, PatienceGiven: h.GivenPatience.Seconds()}
	hr.PatienceLow, hr.PatienceHigh = patienceRange(h.Patience.Seconds(), h.Abandons)
	// One pass over the contacts, into the tallies the simulated figures
	// use: run-wide, each media's (in h.Media's order), each interval's,
	// each language's (in r.Languages' order).
	thresholds := make([]float64, len(h.Media))
	for m, ms := range h.Media {
		thresholds[m] = r.Input.SLThreshold
		if j := slices.IndexFunc(r.Media, func(mr MediaReport) bool { return mr.Media == ms.Media.String() }); j >= 0 {
			thresholds[m] = r.Media[j].SLThreshold
		}
	}
	var all tally
	media, ivs := make([]tally, len(h.Media)), make([]tally, len(r.Intervals))
	langs, langTallies := make([]ObservedLanguage, len(r.Languages)), make([]tally, len(r.Languages))
	langIndex := make(map[string]int, len(r.Languages))
	for j, l := range r.Languages {
		langIndex[l.Language] = j
	}
	for _, c := range h.past {
		ts := []*tally{&all, &media[c.media]}
		if len(ivs) > 0 {
			if g, _ := intervalOf(c.at, r.Input.Interval); g < len(ivs) {
				ts = append(ts, &ivs[g])
			}
		}
		if j, ok := langIndex[c.lang]; ok {
			ts = append(ts, &langTallies[j])
			if c.answered && h.Profiles != nil {
				langs[j].answeredBy(h.Profiles, c)
			}
		}
		for _, t := range ts {
			t.past(c, thresholds[c.media])
		}
	}
	hr.Observed = all.part()
	for j := range r.Languages {
		o := &langs[j]
		o.Part = langTallies[j].part()
		o.MatchRate = ratio(float64(o.Primary+o.Secondary), float64(o.Primary+o.Secondary+o.Other))
		r.Languages[j].Observed = o
	}
	for j := range r.Media {
		m := slices.IndexFunc(h.Media, func(ms MediaShare) bool { return ms.Media.String() == r.Media[j].Media })
		p := media[m].part()
		r.Media[j].Observed = &p
	}
	if h.Offers != nil {
		o := *h.Offers
		hr.Offers = &o
	}
	loc := cmp.Or(h.Location, time.UTC)
	working := h.Working(seconds(r.Input.Interval))
	var available []float64
	if len(h.Statuses) > 0 {
		shifts := h.shiftsByAgent(false)
		available = h.available(shifts, seconds(r.Input.Interval))
		hr.MissedAways = h.missedAways()
		hr.ReplaysMissed = h.ReplaysMissed && hr.MissedAways > 0
		if h.Misses != nil {
			e := *h.Misses
			hr.Misses = &e
		} else if hr.MissedAways > 0 {
			e := h.EstimateMisses()
			hr.Misses = &e
		}
		agents := map[string]bool{}
		for _, e := range h.Statuses {
			agents[e.Agent] = true
		}
		hr.Statuses, hr.StatusesAgents = len(h.Statuses), len(agents)
		var capacity func(agent string) int // a single media's; nil in a blend
		if len(r.Media) == 0 {
			capacity = func(agent string) int {
				if p, ok := h.Profiles[agent]; ok { // their own
					return p.capacity(presence.Chat)
				}
				return r.Input.Capacity
			}
		}
		hr.Occupancy = h.occupancy(shifts, capacity)
	}
	if h.Profiles != nil {
		if roster, err := h.Roster(h.Profiles); err == nil {
			hr.Roster = &RosterReport{Profiled: roster.Profiled, Unknown: roster.Unknown, Idle: roster.Idle, Profiles: len(roster.Teams), text: roster.String()}
		}
	}
	hr.Routing = h.Routing
	for k := range r.Intervals {
		if k < len(working) {
			r.Intervals[k].AgentsSeen = working[k]
		}
		if k < len(available) {
			r.Intervals[k].AgentsAvailable = available[k]
		}
		p := ivs[k].part()
		r.Intervals[k].Observed = &p
		r.Intervals[k].Clock = h.Start.Add(seconds(r.Intervals[k].Start)).In(loc).Format(time.RFC3339)
	}
	r.History = hr
}

// write adds the history's lines to a report's table.
func (hr *HistoryReport) write(b *strings.Builder) {
	var skipped []string
	for _, why := range slices.Sorted(maps.Keys(hr.Skipped)) {
		skipped = append(skipped, fmt.Sprintf("%d %s", hr.Skipped[why], why))
	}
	skip := ""
	if len(skipped) > 0 {
		skip = " (not replayed: " + strings.Join(skipped, ", ") + ")"
	}
	fmt.Fprintf(b, "history: %s, workspace %s\n", hr.Dir, hr.Workspace)
	writeWrapped(b, "history: ", fmt.Sprintf("%s to %s: %d contacts of %d documents%s; %s took contacts",
		hr.From, hr.To, hr.Contacts, hr.Files, skip, counted(hr.Agents, "agent", "agents")), noteWidth)
	writeWrapped(b, "history: ", fmt.Sprintf("%s; handle times' cv %.3g", hr.patienceText(), hr.HandleCV), noteWidth)
	if hr.Statuses > 0 {
		fmt.Fprintf(b, "history: the status log: %d changes of %d agents' status\n", hr.Statuses, hr.StatusesAgents)
	}
	if hr.MissedAways > 0 {
		how := "the replay takes them off shift for it, as the log does"
		if hr.ReplaysMissed {
			how = "the replay keeps them on shift and sets them away for its own misses (--miss)"
		}
		writeWrapped(b, "history: ", fmt.Sprintf("the hub set agents away for missed offers %s; %s", times(hr.MissedAways), how), noteWidth)
	}
	if hr.Offers != nil {
		writeWrapped(b, "history: ", hr.Offers.text(), noteWidth)
	}
	if hr.Misses != nil {
		writeWrapped(b, "history: ", hr.Misses.text(), noteWidth)
	}
	if hr.Roster != nil {
		writeWrapped(b, "history: ", "the roster: "+hr.Roster.text, noteWidth)
	}
	if hr.Routing != nil {
		writeWrapped(b, "history: ", hr.Routing.text(), noteWidth)
	}
}
