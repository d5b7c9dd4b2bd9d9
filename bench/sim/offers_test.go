package sim

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/session"
)

// offersDay writes 20 answered chats whose documents list their offers:
// each accepted after 1, 2 or 3 s in turn; every fourth after one that
// rang out for 15 s; and one each rerouted as it rang, taken by another
// and declined. It returns the directory.
func offersDay(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for i := range 20 {
		start := day0.Add(8*time.Hour + time.Duration(i)*time.Minute)
		at := func(s float64) string { return session.FormatTime(start.Add(seconds(s))) }
		var offers []session.MetaOffer
		wait := 0.0
		if i%4 == 0 {
			offers = append(offers, session.MetaOffer{Agent: "ana", At: at(0), Result: session.OfferMissed, EndedAt: at(15)})
			wait = 15
		}
		switch i {
		case 5:
			offers = append(offers, session.MetaOffer{Agent: "cy", At: at(0), Result: session.OfferWithdrawn, Reason: session.WithdrawnRerouted, EndedAt: at(0.5)})
		case 6:
			offers = append(offers, session.MetaOffer{Agent: "cy", At: at(0), Result: session.OfferWithdrawn, Reason: session.WithdrawnTaken, EndedAt: at(1)})
		case 7:
			offers = append(offers, session.MetaOffer{Agent: "cy", At: at(0), Result: session.OfferDeclined, EndedAt: at(0.5)})
		}
		delay := float64(1 + i%3)
		offers = append(offers, session.MetaOffer{Agent: "ben", At: at(wait), Result: session.OfferAccepted, EndedAt: at(wait + delay)})
		wait += delay
		writeDoc(t, dir, session.Metadata{ID: fmt.Sprintf("s%02d", i), Workspace: "acme", Media: presence.Chat,
			Created: at(0), Queued: at(0), Assigned: at(wait), Connected: at(wait), Ended: at(wait + 300),
			Queue: session.MetaQueue{ID: "support", Name: "Support"}, Agent: &session.Ref{ID: "ben"},
			Transfers: []session.MetaTransfer{}, Participants: []session.MetaParticipant{}, Offers: offers})
	}
	return dir
}

// TestOffersFromTheDocuments: a history whose documents list their offers
// counts them: the accept delays (--accept-delay observed) and the offers
// not taken (--miss observed, with no status log), which the replay takes
// and the table says. Bad offers and flags are refused.
func TestOffersFromTheDocuments(t *testing.T) {
	dir := offersDay(t)
	args := []string{"--history", dir, "--agents", "3", "--accept", "manual", "--offer-timeout", "15", "--quiet"}
	r, _ := simulateMain(t, append(args, "--accept-delay", "observed", "--miss", "observed", "--json")...)
	o := r.History.Offers
	if o == nil {
		t.Fatalf("no offers: %+v", r.History)
	}
	rate := 6.0 / 27 // 5 rang out and 1 rerouted, of 20 accepted, 1 declined and those 6
	if o.Documents != 20 || o.Offered != 28 || o.Accepted != 20 || o.Missed != 5 || o.Rerouted != 1 || o.Declined != 1 || o.Withdrawn != 1 ||
		math.Abs(o.MissRate-rate) > 1e-12 || !(o.MissLow < rate && rate < o.MissHigh) ||
		o.AcceptDelay != 1.95 || o.AcceptP50 != 2 || o.AcceptP90 != 3 || !o.ReplayedDelay || !o.ReplayedMiss {
		t.Errorf("offers %+v", *o)
	}
	// Accepts after 1.95 s on average, exponential, ring out past 15 s
	// e^(−15/1.95) of the time: the replay's agents miss the rest.
	q := math.Exp(-15 / 1.95)
	if r.Input.AcceptDelay != 1.95 || math.Abs(r.Input.Miss-(rate-q)/(1-q)) > 1e-12 || o.Miss != r.Input.Miss || r.History.Misses != nil {
		t.Errorf("the replay's input: accept delay %v, miss %v (the documents' %v)", r.Input.AcceptDelay, r.Input.Miss, o.Miss)
	}
	// Ana let her 5 ring out, Ben took his 20, Cy declined 1 of 2 and had
	// the other rerouted: ρ 0.947 (by hand: MSB 2.083, MSW 0.0208, n0
	// 5.556), so each keeps nearly their own share.
	if b := o.ByAgent; b == nil || b.Agents != 3 || math.Abs(b.Spread-0.9469) > 5e-4 || !b.Replayed ||
		math.Abs(b.Max-0.9914) > 5e-4 || math.Abs(b.Median-0.4924) > 5e-4 || math.Abs(b.Min-0.00062) > 5e-5 {
		t.Errorf("by agent: %+v", o.ByAgent)
	}
	if a := r.Input.AgentMiss; len(a) != 3 || slices.Max(a) < 0.99 || slices.Min(a) > 0.001 {
		t.Errorf("the replay's agents' own misses %v", a)
	}
	// A declined offer: 1 of the 21 answered, after 0.5 s.
	if math.Abs(o.DeclineRate-1.0/21) > 1e-12 || o.DeclineDelay != 0.5 || o.ReplayedDecline || r.Input.Decline != 0 {
		t.Errorf("declines: %v after %v s, replayed %v (input %v)", o.DeclineRate, o.DeclineDelay, o.ReplayedDecline, r.Input.Decline)
	}
	for _, c := range []struct {
		flags []string
		want  []string
	}{
		{[]string{"--miss-alike"}, []string{
			"28 offers in 20 documents: 20 accepted after 1.95 s on average (median 2, p90 3), 5 rang out and 1 was rerouted as it rang (its agent went): 22.2 % not taken",
			"1 declined (4.76 % of those answered, after 0.5 s on average), 1 withdrawn (taken by another, the contact left); the 3 agents let offers ring apart (ρ 0.947): their own rates from 0.0622 to 99.1 %, median 49.2 %; the 2 agents declined apart (ρ 0.999): their own rates from 0.000238 to 99.9 %, median 0.000238 %; the replay's agents accept after the observed mean (--accept-delay observed) and let 22.2 % ring out, and accepts past the offer timeout the rest (--miss observed)",
			"manual accept: 1.95 s to accept on average, 22.19 % of offers missed,",
		}},
		// Ben declined none of his 20, Cy her 1: ρ 0.999 (no variance
		// within), each keeps their own; Ana answered none, and declines
		// the pooled 1/21. Each of the three keeps both their rates.
		{[]string{"--decline", "observed"}, []string{
			"median 49.2 %; the 2 agents declined apart (ρ 0.999): their own rates from 0.000238 to 99.9 %, median 0.000238 %;",
			"the replay's agents accept after the observed mean (--accept-delay observed) and let offers ring out each at their own rate (--miss observed) and decline each their own share of those they answer (--decline observed)",
			"manual accept: 1.95 s to accept on average, each agent misses their own share of offers (0.01655 to 99 %, 49.41 % on average), each declines their own share of the rest (0.0002383 to 99 %, 34.59 % on average) after 0.5 s on average,",
		}},
		{[]string{"--decline", "observed", "--decline-alike"}, []string{
			"and decline 4.76 % of those they answer (--decline observed)",
			"49.41 % on average), 4.762 % of the rest declined after 0.5 s on average,",
		}},
	} {
		_, out := simulateMain(t, append(append(args, "--accept-delay", "observed", "--miss", "observed"), c.flags...)...)
		table := strings.Join(strings.Fields(out), " ")
		for _, want := range c.want {
			if !strings.Contains(table, want) {
				t.Errorf("%v: the table does not say %q:\n%s", c.flags, want, out)
			}
		}
	}
	// Without --miss observed and a given delay, the count is only shown.
	r, _ = simulateMain(t, append(args, "--accept-delay", "1", "--json")...)
	if o := r.History.Offers; o == nil || o.ReplayedDelay || o.ReplayedMiss || r.Input.Miss != 0 || r.Input.AcceptDelay != 1 {
		t.Errorf("offers only shown: %+v, input %+v", r.History.Offers, r.Input)
	}

	// Documents from before the server listed offers have none.
	old := t.TempDir()
	writeDoc(t, old, session.Metadata{ID: "s1", Workspace: "acme", Media: presence.Chat, Created: "2026-11-20T08:00:00.000Z",
		Queued: "2026-11-20T08:00:00.000Z", Assigned: "2026-11-20T08:00:02.000Z", Ended: "2026-11-20T08:05:00.000Z",
		Queue: session.MetaQueue{ID: "support"}, Agent: &session.Ref{ID: "ben"}})
	bad := func(offer string) string {
		d := t.TempDir()
		ws := filepath.Join(d, "acme")
		if err := os.MkdirAll(ws, 0o750); err != nil {
			t.Fatal(err)
		}
		doc := `{"id":"s1","workspace":"acme","media":"chat","created":"2026-11-20T08:00:00.000Z","queued":"2026-11-20T08:00:00.000Z",` +
			`"assigned":"2026-11-20T08:00:02.000Z","ended":"2026-11-20T08:05:00.000Z","queue":{"id":"support"},"offers":[` + offer + `]}`
		if err := os.WriteFile(filepath.Join(ws, "s1.json"), []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--history", old, "--agents", "3", "--accept", "manual", "--accept-delay", "observed"}, "--accept-delay observed needs --history whose documents list their offers"},
		{[]string{"--history", old, "--agents", "3", "--accept", "manual", "--miss", "observed"}, "--miss observed needs --history"},
		{[]string{"--history", dir, "--agents", "3", "--accept-delay", "observed"}, "--accept-delay observed goes with --accept manual"},
		{[]string{"--history", dir, "--agents", "3", "--miss", "observed"}, "--miss observed goes with --accept manual"},
		{[]string{"--agents", "3", "--rate", "0.1", "--handle", "60", "--accept", "manual", "--accept-delay", "observed"}, "--accept-delay observed needs --history"},
		{[]string{"--agents", "3", "--rate", "0.1", "--handle", "60", "--accept", "manual", "--accept-delay", "soon"}, "want seconds, or observed"},
		{[]string{"--agents", "3", "--rate", "0.1", "--handle", "60", "--accept", "manual", "--accept-delay", "-1"}, "--accept-delay -1: want ≥ 0"},
		{[]string{"--history", old, "--agents", "3", "--accept", "manual", "--decline", "observed"}, "--decline observed needs --history whose documents list their offers"},
		{[]string{"--history", dir, "--agents", "3", "--decline", "observed"}, "--decline observed goes with --accept manual"},
		{[]string{"--history", dir, "--agents", "3", "--accept", "manual", "--decline", "observed", "--decline-delay", "2"}, "--decline-delay with --decline observed"},
		{[]string{"--history", dir, "--agents", "3", "--accept", "manual", "--miss", "0.1", "--miss-alike"}, "--miss-alike goes with --miss observed"},
		{[]string{"--agents", "3", "--rate", "0.1", "--handle", "60", "--accept", "manual", "--decline-delay", "2"}, "--decline-delay goes with --decline"},
		{[]string{"--history", dir, "--agents", "3", "--accept", "manual", "--decline", "0.1", "--decline-alike"}, "--decline-alike goes with --decline observed"},
		{[]string{"--agents", "3", "--rate", "0.1", "--handle", "60", "--decline", "0.1"}, "need the manual accept mode"},
		{[]string{"--agents", "3", "--rate", "0.1", "--handle", "60", "--accept", "manual", "--decline", "often"}, "--decline"},
		{[]string{"--history", bad(`{"agent":"ben","at":"2026-11-20T08:00:00.000Z","result":"lost"}`), "--agents", "3"}, `offer to "ben" ended "lost"`},
		{[]string{"--history", bad(`{"agent":"ben","at":"2026-11-20T08:00:05.000Z","result":"accepted","ended_at":"2026-11-20T08:00:02.000Z"}`), "--agents", "3"}, "not an offer's times"},
		{[]string{"--history", bad(`{"agent":"ben","at":"2026-11-20T08:00:00.000Z","result":"missed"}`), "--agents", "3"}, "not an offer's times"},
	} {
		var out, errs bytes.Buffer
		if code := Main(c.args, &out, &errs); code != 2 || !strings.Contains(errs.String(), c.want) {
			t.Errorf("%v: exit %d, %s (want %q)", c.args, code, errs.String(), c.want)
		}
	}
}

// TestDeclinesByAgentReplayed: --decline observed gives each of the
// replay's agents their own share of declines, beside their own misses,
// one day's agent's pair each.
func TestDeclinesByAgentReplayed(t *testing.T) {
	dir := offersDay(t)
	args := []string{"--history", dir, "--agents", "3", "--accept", "manual", "--offer-timeout", "15", "--quiet",
		"--accept-delay", "observed", "--miss", "observed", "--decline", "observed", "--json"}
	r, _ := simulateMain(t, args...)
	d := r.History.Offers.DeclineByAgent
	if d == nil || d.Agents != 2 || d.Spread != 0.999 || !d.Replayed || math.Abs(d.Max-(1+0.001/0.999/21)/(1+0.001/0.999)) > 1e-9 {
		t.Fatalf("declines by agent: %+v", d)
	}
	// Ana (misses nearly all, answered none: the pooled declines), Ben
	// (misses none, declines none), Cy (misses half, declines all but
	// the cap), each a pair, in the order the seed spread them.
	type pair struct{ miss, decline float64 }
	got := map[pair]bool{}
	for i := range r.Input.AgentMiss {
		got[pair{math.Round(r.Input.AgentMiss[i] * 100), math.Round(r.Input.AgentDecline[i] * 100)}] = true
	}
	if want := map[pair]bool{{99, 5}: true, {0, 0}: true, {49, 99}: true}; len(r.Input.AgentDecline) != 3 || !maps.Equal(got, want) {
		t.Errorf("the replay's agents' (miss, decline) in %%: %v, want %v", got, want)
	}
	if r.Offers.Declined == 0 || r.Input.Decline != 1.0/21 {
		t.Errorf("the replay declined %d (input %+v)", r.Offers.Declined, r.Input)
	}
	// --decline-alike: the pooled share for all.
	r, _ = simulateMain(t, append(args, "--decline-alike")...)
	if r.Input.AgentDecline != nil || r.History.Offers.DeclineByAgent.Replayed || r.Input.Decline != 1.0/21 {
		t.Errorf("--decline-alike: input %+v, by agent %+v", r.Input, r.History.Offers.DeclineByAgent)
	}
}
