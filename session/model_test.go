package session

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/switchboardhq/switchboard/presence"
)

func TestChannels(t *testing.T) {
	tests := []struct {
		ch     Channel
		media  presence.Media
		title  string
		icon   string
		widget bool
	}{
		{VoiceInbound, presence.Voice, "Inbound Call", IconCall, false},
		{VoiceOutbound, presence.Voice, "Outbound Call", IconCall, false},
		{VoiceCallback, presence.Voice, "Callback", IconCall, false},
		{WebChat, presence.Chat, "Web Chat", IconChat, true},
		{WebMessaging, presence.Chat, "Web Messaging", IconChat, true},
		{SMSInbound, presence.Chat, "SMS", IconChat, false},
		{SMSOutbound, presence.Chat, "Outbound SMS", IconChat, false},
		{WhatsApp, presence.Chat, "WhatsApp", IconChat, false},
		{Email, presence.Email, "Email", IconEmail, false},
	}
	if len(tests) != len(Channels()) {
		t.Fatalf("%d channels tested, %d defined", len(tests), len(Channels()))
	}
	for _, tt := range tests {
		if !tt.ch.Valid() || tt.ch.Media() != tt.media || tt.ch.Title() != tt.title || tt.ch.Icon() != tt.icon || tt.ch.Widget() != tt.widget {
			t.Errorf("%s: valid %v media %v title %q icon %q widget %v", tt.ch, tt.ch.Valid(), tt.ch.Media(), tt.ch.Title(), tt.ch.Icon(), tt.ch.Widget())
		}
	}
	if Channel("fax").Valid() || Channel("fax").Title() != "fax" || Channel("fax").Media() != presence.Chat {
		t.Error("unknown channel")
	}
}

func TestStates(t *testing.T) {
	want := map[State]string{0: "scheduled", 1: "queued", 2: "assigned", 3: "connecting", 4: "switching",
		5: "connected", 8: "finished", 9: "failed", 10: "recovered", 11: "deflected", 12: "selecting",
		13: "va_assigned", 14: "va_connected", 15: "preview_pending", 16: "preview_ready",
		17: "campaign_connecting", 18: "campaign_connected", 19: "requeued", 20: "predictive_waiting",
		21: "progressive_waiting", 22: "preview_waiting", 23: "campaign_dialing", 80: "voicemail",
		81: "voicemail_received"}
	for code := State(-1); code <= 100; code++ {
		name, known := want[code]
		if code.Known() != known || (known && code.Name() != name) {
			t.Errorf("state %d: known %v name %q", code, code.Known(), code.Name())
		}
		if known {
			if p, err := ParseState(name); err != nil || p != code {
				t.Errorf("ParseState(%q) = %v, %v", name, p, err)
			}
		}
	}
	if State(6).Name() != "state(6)" {
		t.Errorf("unknown name %q", State(6).Name())
	}
	if p, err := ParseState("19"); err != nil || p != StateRequeued {
		t.Errorf("ParseState(19) = %v, %v", p, err)
	}
	if _, err := ParseState("6"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseState(6) err = %v", err)
	}
}

func TestStatusOutcomeParty(t *testing.T) {
	for st, label := range map[Status]string{StatusInProgress: "In progress", StatusWaitingCustomer: "Waiting for customer", StatusNeedsHelp: "Needs help"} {
		if !st.Valid() || st.Label() != label {
			t.Errorf("%s: %q", st, st.Label())
		}
	}
	for _, o := range []Outcome{OutcomeSuccess, OutcomeEscalated, OutcomeNoAnswer, OutcomeNoOneAvailable, OutcomeAbandoned} {
		if !o.Valid() {
			t.Errorf("%s invalid", o)
		}
	}
	if Status("busy").Valid() || Outcome("great").Valid() || Party("bot").Valid() {
		t.Error("unknown value valid")
	}
}

func TestFormatTime(t *testing.T) {
	if got := FormatTime(at(0.5).In(time.FixedZone("EST", -5*3600))); got != "2025-03-01T09:42:01.500Z" {
		t.Errorf("FormatTime = %q", got)
	}
	if FormatTime(time.Time{}) != "" {
		t.Error("zero time not empty")
	}
}

// TestPure checks the package's promise: no clock, no goroutine, no I/O, no
// randomness in non-test files.
func TestPure(t *testing.T) {
	files, err := filepath.Glob("*.go")
	must(t, err)
	banned := map[string]bool{`"os"`: true, `"net"`: true, `"net/http"`: true, `"math/rand"`: true,
		`"math/rand/v2"`: true, `"sync"`: true, `"io"`: true, `"log"`: true}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		must(t, err)
		for _, imp := range file.Imports {
			if banned[imp.Path.Value] {
				t.Errorf("%s imports %s", f, imp.Path.Value)
			}
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GoStmt:
				t.Errorf("%s starts a goroutine", f)
			case *ast.SelectorExpr:
				if id, ok := n.X.(*ast.Ident); ok && id.Name == "time" && clockFuncs[n.Sel.Name] {
					t.Errorf("%s calls time.%s", f, n.Sel.Name)
				}
			}
			return true
		})
	}
}

var clockFuncs = map[string]bool{"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true,
	"AfterFunc": true, "NewTimer": true, "NewTicker": true, "Tick": true}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(s *Session)
		ok     bool
	}{
		{"as built", func(s *Session) {}, true},
		{"imported campaign state", func(s *Session) { s.State = StateCampaignDialing }, true},
		{"unknown state", func(s *Session) { s.State = 7 }, false},
		{"unknown channel", func(s *Session) { s.Channel = "fax" }, false},
		{"media mismatch", func(s *Session) { s.Media = presence.Email }, false},
		{"priority", func(s *Session) { s.Priority = 9 }, false},
		{"csat", func(s *Session) { s.CSAT = 5 }, false},
		{"hold", func(s *Session) { s.OnHold = true }, false},
		{"journey backwards", func(s *Session) { s.Journey[1].At = t0.Add(-time.Hour) }, false},
		{"empty id", func(s *Session) { s.ID = "" }, false},
	}
	for _, tt := range tests {
		s := fullSession(t)
		tt.mutate(s)
		if err := s.Validate(); (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("%s: Validate = %v", tt.name, err)
		}
	}
}

// TestFormatTimeIsAppendFormat checks the hand-written layout against
// time's own formatting of TimeLayout, for any instant in any zone, the
// years the layout cannot hold included.
func TestFormatTimeIsAppendFormat(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var sec int64
		switch rapid.IntRange(0, 2).Draw(t, "range") {
		case 0: // the years a contact center sees
			sec = rapid.Int64Range(946684800, 4102444800).Draw(t, "sec")
		case 1: // any year the layout holds, and a few either side
			sec = rapid.Int64Range(-62167219200-1e9, 253402300800+1e9).Draw(t, "sec")
		default:
			sec = rapid.Int64().Draw(t, "sec") / 4
		}
		nsec := rapid.Int64Range(0, 999_999_999).Draw(t, "nsec")
		zone := time.FixedZone("Z", rapid.IntRange(-14*3600, 14*3600).Draw(t, "offset"))
		at := time.Unix(sec, nsec).In(zone)
		want := at.UTC().Format(TimeLayout)
		if got := FormatTime(at); got != want {
			t.Fatalf("FormatTime(%v) = %q, want %q", at, got, want)
		}
	})
	for _, s := range []string{"0000-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z", "2024-02-29T12:00:00.001Z"} {
		at, err := time.Parse(TimeLayout, s)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatTime(at); got != s {
			t.Errorf("FormatTime(%s) = %q", s, got)
		}
	}
}
