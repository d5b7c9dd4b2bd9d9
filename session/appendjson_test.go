package session

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/switchboardhq/switchboard/presence"
)

// The hand-written encoders must write exactly what json.Marshal writes,
// or fail where it fails. Values are generated field by field: odd
// strings, nil and empty slices, zero and zoned times, odd floats, media
// and states out of range.

func genStr(t *rapid.T, label string) string {
	return rapid.OneOf(
		rapid.SampledFrom([]string{"", "", "ana", "Ana <b>&</b>", "line\nbreak\t\"q\"\\", "\x00\x1f\x7f", "\u2028\u2029",
			"bad \xff utf-8", "日本語 😀", "\ufffd"}),
		rapid.String(),
	).Draw(t, label)
}

func genStrs(t *rapid.T, label string) []string {
	switch rapid.IntRange(0, 2).Draw(t, label+"_kind") {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	return rapid.SliceOfN(rapid.Custom(func(t *rapid.T) string { return genStr(t, "s") }), 1, 4).Draw(t, label)
}

func genTime(t *rapid.T, label string) time.Time {
	switch rapid.IntRange(0, 5).Draw(t, label+"_kind") {
	case 0:
		return time.Time{}
	case 1: // out of JSON's range
		return time.Date(rapid.SampledFrom([]int{-1, 10000}).Draw(t, label+"_year"), 1, 1, 0, 0, 0, 0, time.UTC)
	}
	sec := rapid.Int64Range(0, 5e9).Draw(t, label+"_sec")
	nsec := rapid.SampledFrom([]int64{0, 1, 120000000, 123456789}).Draw(t, label+"_nsec")
	tm := time.Unix(sec, nsec).UTC()
	if rapid.Bool().Draw(t, label+"_zoned") {
		tm = tm.In(time.FixedZone("z", rapid.IntRange(-14*3600, 14*3600).Draw(t, label+"_off")))
	}
	return tm
}

func genFloat(t *rapid.T, label string) float64 {
	return rapid.OneOf(rapid.SampledFrom([]float64{0, 0, 1.5, 61.25, 1e-7, 1e21, math.Copysign(0, -1), math.NaN(), math.Inf(1)}),
		rapid.Float64()).Draw(t, label)
}

func genRef(t *rapid.T, label string) Ref {
	if rapid.Bool().Draw(t, label+"_zero") {
		return Ref{}
	}
	return Ref{ID: genStr(t, label+"_id"), Name: genStr(t, label+"_name")}
}

func genContact(t *rapid.T) Contact {
	if rapid.Bool().Draw(t, "contact_zero") {
		return Contact{}
	}
	return Contact{Name: genStr(t, "cname"), Email: genStr(t, "email"), Phone: genStr(t, "phone"),
		Verified: rapid.Bool().Draw(t, "verified"), Country: genStr(t, "country"), Language: genStr(t, "lang")}
}

func genMedia(t *rapid.T) presence.Media {
	return presence.Media(rapid.SampledFrom([]uint8{0, 1, 2, 1, 9}).Draw(t, "media"))
}

func genSlice[E any](t *rapid.T, label string, elem func(t *rapid.T) E) []E {
	switch rapid.IntRange(0, 2).Draw(t, label+"_kind") {
	case 0:
		return nil
	case 1:
		return []E{}
	}
	return rapid.SliceOfN(rapid.Custom(elem), 1, 3).Draw(t, label)
}

func genSession(t *rapid.T) *Session {
	return &Session{
		ID: genStr(t, "id"), Workspace: genStr(t, "ws"), Channel: Channel(genStr(t, "channel")), Media: genMedia(t),
		Queue: genRef(t, "queue"), Subject: genStr(t, "subject"), Priority: rapid.IntRange(-2, 9).Draw(t, "priority"),
		Expertise: genStrs(t, "expertise"), Contact: genContact(t), VisitorID: genStr(t, "visitor"),
		State: State(rapid.IntRange(-1, 12).Draw(t, "state")), Status: Status(genStr(t, "status")),
		StatusSince: genTime(t, "status_since"), Agent: genRef(t, "agent"), TransferTo: genRef(t, "transfer_to"),
		Passed: genStrs(t, "passed"),
		Participants: genSlice(t, "participants", func(t *rapid.T) Participant {
			return Participant{Kind: Kind(genStr(t, "kind")), ID: genStr(t, "pid"), Name: genStr(t, "pname"), Role: genStr(t, "role"),
				JoinedAt: genTime(t, "joined"), LeftAt: genTime(t, "left")}
		}),
		Transfers: genSlice(t, "transfers", func(t *rapid.T) Transfer {
			return Transfer{At: genTime(t, "tat"), From: genRef(t, "from"), ToQueue: genRef(t, "to_queue"), ToAgent: genRef(t, "to_agent"),
				Note: genStr(t, "note"), Result: genStr(t, "result")}
		}),
		Notes: genStr(t, "notes"), Tags: genStrs(t, "tags"),
		Journey: genSlice(t, "journey", func(t *rapid.T) Event {
			return Event{Event: genStr(t, "event"), At: genTime(t, "eat"), Agent: genStr(t, "eagent"), AgentName: genStr(t, "ename"),
				Detail: genStr(t, "detail")}
		}),
		Pages: genSlice(t, "pages", func(t *rapid.T) Page {
			return Page{URL: genStr(t, "url"), Title: genStr(t, "title"), At: genTime(t, "pat")}
		}),
		CreatedAt: genTime(t, "created"), ScheduledAt: genTime(t, "scheduled"), QueuedAt: genTime(t, "queued"),
		AssignedAt: genTime(t, "assigned"), ConnectedAt: genTime(t, "connected"), EndedAt: genTime(t, "ended"),
		WrappedAt: genTime(t, "wrapped"), UpdatedAt: genTime(t, "updated"),
		OnHold: rapid.Bool().Draw(t, "on_hold"), HoldStartedAt: genTime(t, "hold_started"), HoldSeconds: genFloat(t, "hold_seconds"),
		EndedBy: Party(genStr(t, "ended_by")), Outcome: Outcome(genStr(t, "outcome")), WrapupCode: genStr(t, "code"),
		WrapupNotes: genStr(t, "wnotes"), CSAT: rapid.IntRange(0, 4).Draw(t, "csat"), CSATComment: genStr(t, "csat_comment"),
		Deflection: func() Deflection {
			if rapid.Bool().Draw(t, "deflection_zero") {
				return Deflection{}
			}
			return Deflection{Reason: genStr(t, "reason"), Channel: genStr(t, "dchannel"), Message: genStr(t, "dmessage")}
		}(),
		MessageCount: rapid.IntRange(0, 1000).Draw(t, "messages"), AgentDisconnected: rapid.Bool().Draw(t, "disconnected"),
		AnswerType: genStr(t, "answer_type"),
	}
}

func genCard(t *rapid.T) *Card {
	refPtr := func(label string) *Ref {
		if rapid.Bool().Draw(t, label+"_nil") {
			return nil
		}
		r := genRef(t, label)
		return &r
	}
	return &Card{
		Session: genStr(t, "session"), Channel: Channel(genStr(t, "channel")), Media: genMedia(t), Color: Color(genStr(t, "color")),
		Title: genStr(t, "title"), Icon: genStr(t, "icon"), State: State(rapid.IntRange(-1, 12).Draw(t, "state")),
		StateName: genStr(t, "state_name"), StatusLabel: genStr(t, "label"), Queue: genRef(t, "queue"), Agent: refPtr("agent"),
		Agents:     genSlice(t, "agents", func(t *rapid.T) Ref { return genRef(t, "a") }),
		TransferTo: refPtr("transfer_to"), Contact: genContact(t), Priority: rapid.IntRange(-2, 9).Draw(t, "priority"),
		StartedAt: genStr(t, "started"), QueuedAt: genStr(t, "queued"), ConnectedAt: genStr(t, "connected"),
		EndedAt: genStr(t, "ended"), EndedBy: Party(genStr(t, "ended_by")), WrapupCode: genStr(t, "code"),
		Tags: genStrs(t, "tags"), Expertise: genStrs(t, "expertise"), Notes: genStr(t, "notes"), Outcome: Outcome(genStr(t, "outcome")),
		Journey: genSlice(t, "journey", func(t *rapid.T) CardEvent {
			return CardEvent{Event: genStr(t, "event"), At: genStr(t, "at"), Agent: genStr(t, "agent"), AgentName: genStr(t, "name"),
				Detail: genStr(t, "detail")}
		}),
		Status: Status(genStr(t, "status")), OnHold: rapid.Bool().Draw(t, "on_hold"), HoldSeconds: genFloat(t, "hold"),
		AgentDisconnected: rapid.Bool().Draw(t, "disconnected"), ContactKey: genStr(t, "contact_key"),
	}
}

// sameAsMarshal fails unless got/err is what json.Marshal makes of v.
func sameAsMarshal(t interface{ Fatalf(string, ...any) }, v any, got []byte, err error) {
	want, werr := json.Marshal(v)
	switch {
	case werr != nil && err == nil:
		t.Fatalf("json.Marshal fails (%v), AppendJSON gives %s", werr, got)
	case werr == nil && err != nil:
		t.Fatalf("AppendJSON fails (%v), json.Marshal gives %s", err, want)
	case werr == nil && string(got) != string(want):
		t.Fatalf("AppendJSON\n got %s\nwant %s", got, want)
	}
}

func TestSessionAppendJSONMatchesMarshal(t *testing.T) {
	sessions := []*Session{fullSession(t), New("s1", "default", WebChat, time.Unix(1e9, 0))}
	for _, name := range allFixtures() {
		sessions = append(sessions, fixture(t, name))
	}
	for _, s := range sessions {
		got, err := s.AppendJSON(nil)
		sameAsMarshal(t, s, got, err)
	}
	rapid.Check(t, func(t *rapid.T) {
		s := genSession(t)
		prefix := []byte("prefix")
		got, err := s.AppendJSON(prefix)
		if err != nil && string(got) != "prefix" {
			t.Fatalf("on an error AppendJSON returned %q, want dst unchanged", got)
		}
		if err == nil {
			got = got[len(prefix):]
		}
		sameAsMarshal(t, s, got, err)
	})
}

func TestCardAppendJSONMatchesMarshal(t *testing.T) {
	full := fullSession(t).Card(at(400))
	got, err := full.AppendJSON(nil)
	sameAsMarshal(t, &full, got, err)
	rapid.Check(t, func(t *rapid.T) {
		c := genCard(t)
		got, err := c.AppendJSON(nil)
		sameAsMarshal(t, c, got, err)
	})
}

func TestMessageAppendJSONMatchesMarshal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := Message{ID: genStr(t, "id"), Session: genStr(t, "session"),
			From: Sender{Kind: Kind(genStr(t, "kind")), ID: genStr(t, "from"), Name: genStr(t, "name")},
			Text: genStr(t, "text"), At: genTime(t, "at")}
		if m.At.Year() < 0 || m.At.Year() > 9999 {
			m.At = time.Time{} // FormatTime writes any year; the wire never holds one
		}
		// MarshalJSON is AppendJSON now: the reference is the wire struct.
		wire := messageJSON{ID: m.ID, Session: m.Session, From: m.From, Text: m.Text, At: FormatTime(m.At)}
		sameAsMarshal(t, wire, m.AppendJSON(nil), nil)
	})
}

func BenchmarkSessionAppendJSON(b *testing.B) {
	s := fullSession(b)
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = s.AppendJSON(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkCardAppendJSON(b *testing.B) {
	s := fullSession(b)
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		c := s.Card(at(400))
		var err error
		if buf, err = c.AppendJSON(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}
