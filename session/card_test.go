package session

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestCardRules has one row per card rule of DESIGN.md "Cards" and the
// Genesys seed (color, title, icon, status label).
func TestCardRules(t *testing.T) {
	tests := []struct {
		name      string
		ch        Channel
		subject   string
		steps     []string
		then      func(s *Session) error
		color     Color
		title     string
		icon      string
		label     string
		wrapup    string
		connected bool
	}{
		{name: "scheduled", ch: WebChat, color: ColorBlue, title: "Web Chat", icon: IconChat, label: LabelScheduled},
		{name: "waiting in queue", ch: WebChat, steps: []string{"queue"}, color: ColorBlue, title: "Web Chat", icon: IconChat, label: LabelWaiting},
		{name: "back in queue waits", ch: WebChat, steps: []string{"queue", "assign", "connect", "requeue"},
			color: ColorBlue, title: "Web Chat", icon: IconChat, label: LabelWaiting, connected: true},
		{name: "web chat title ignores subject", ch: WebChat, subject: "Refund", steps: []string{"queue", "assign", "connect"},
			color: ColorBlue, title: "Web Chat", icon: IconChat, label: "In progress", connected: true},
		{name: "subject is the title", ch: VoiceInbound, subject: "Billing", steps: []string{"queue"},
			color: ColorBlue, title: "Billing", icon: IconCall, label: LabelWaiting},
		{name: "channel title without subject", ch: VoiceInbound, steps: []string{"queue"},
			color: ColorBlue, title: "Inbound Call", icon: IconCall, label: LabelWaiting},
		{name: "web messaging", ch: WebMessaging, steps: []string{"queue"}, color: ColorBlue, title: "Web Messaging", icon: IconChat, label: LabelWaiting},
		{name: "email icon", ch: Email, steps: []string{"queue"}, color: ColorBlue, title: "Email", icon: IconEmail, label: LabelWaiting},
		{name: "whatsapp", ch: WhatsApp, steps: []string{"queue"}, color: ColorBlue, title: "WhatsApp", icon: IconChat, label: LabelWaiting},
		{name: "assigned", ch: VoiceInbound, steps: []string{"queue", "assign"}, color: ColorBlue, title: "Inbound Call", icon: IconCall, label: LabelAssigned},
		{name: "connecting", ch: VoiceInbound, steps: []string{"queue", "assign", "connecting"},
			color: ColorBlue, title: "Inbound Call", icon: IconCall, label: LabelConnecting},
		{name: "in progress", ch: WebChat, steps: []string{"queue", "assign", "connect"},
			color: ColorBlue, title: "Web Chat", icon: IconChat, label: "In progress", connected: true},
		{name: "waiting for customer", ch: WebChat, steps: []string{"queue", "assign", "connect"},
			then:  func(s *Session) error { return s.SetStatus(StatusWaitingCustomer, at(10)) },
			color: ColorBlue, title: "Web Chat", icon: IconChat, label: "Waiting for customer", connected: true},
		{name: "needs help", ch: WebChat, steps: []string{"queue", "assign", "connect"},
			then:  func(s *Session) error { return s.SetStatus(StatusNeedsHelp, at(10)) },
			color: ColorBlue, title: "Web Chat", icon: IconChat, label: "Needs help", connected: true},
		{name: "agent disconnected", ch: WebChat, steps: []string{"queue", "assign", "connect"},
			then:  func(s *Session) error { return s.SetAgentDisconnected(true, at(10)) },
			color: ColorBlue, title: "Web Chat", icon: IconChat, label: LabelAgentDisconnected, connected: true},
		{name: "on hold", ch: VoiceInbound, steps: []string{"queue", "assign", "connect", "hold"},
			color: ColorBlue, title: "Inbound Call", icon: IconCall, label: LabelOnHold, connected: true},
		{name: "transferring", ch: VoiceInbound, steps: []string{"queue", "assign", "connect", "transfer"},
			color: ColorBlue, title: "Inbound Call", icon: IconCall, label: LabelTransferring, connected: true},
		{name: "customer ended, no code: white", ch: WebChat, steps: []string{"queue", "assign", "connect", "end_customer"},
			color: ColorWhite, title: "Web Chat", icon: IconChat, label: LabelEndedByCustomer, connected: true},
		{name: "customer abandoned in queue: white", ch: VoiceInbound, steps: []string{"queue", "end_customer"},
			color: ColorWhite, title: "Inbound Call", icon: IconCall, label: LabelEndedByCustomer},
		{name: "customer ended, then code: gray with code", ch: WebChat, steps: []string{"queue", "assign", "connect", "end_customer", "wrapup"},
			color: ColorGray, title: "Web Chat", icon: IconChat, label: "resolved", wrapup: "resolved", connected: true},
		{name: "agent ended, awaiting wrap-up: blue", ch: WebChat, steps: []string{"queue", "assign", "connect", "end_agent"},
			color: ColorBlue, title: "Web Chat", icon: IconChat, label: LabelWrapup, connected: true},
		{name: "agent ended, code: gray", ch: WebChat, steps: []string{"queue", "assign", "connect", "end_agent", "wrapup"},
			color: ColorGray, title: "Web Chat", icon: IconChat, label: "resolved", wrapup: "resolved", connected: true},
		{name: "wrap-up timeout: gray", ch: WebChat, steps: []string{"queue", "assign", "connect", "end_agent"},
			then:  func(s *Session) error { return s.WrapupTimeout(at(200)) },
			color: ColorGray, title: "Web Chat", icon: IconChat, label: WrapupTimeoutCode, wrapup: WrapupTimeoutCode, connected: true},
		{name: "system ended with nobody to wrap up: gray", ch: Email, steps: []string{"queue"},
			then:  func(s *Session) error { return s.End(PartySystem, at(10)) },
			color: ColorGray, title: "Email", icon: IconEmail, label: LabelEnded},
		{name: "deflected: gray", ch: WebChat, steps: []string{"queue", "deflect"},
			color: ColorGray, title: "Web Chat", icon: IconChat, label: LabelDeflected},
		{name: "imported state", ch: VoiceOutbound,
			then:  func(s *Session) error { s.State = StateVAAssigned; return nil },
			color: ColorBlue, title: "Outbound Call", icon: IconCall, label: "Va assigned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New("s1", "default", tt.ch, t0)
			s.Subject = tt.subject
			for i, st := range tt.steps {
				must(t, stepFuncs[st](s, at(float64(i+1))))
			}
			if tt.then != nil {
				must(t, tt.then(s))
			}
			c := s.Card(at(300))
			got := []string{string(c.Color), c.Title, c.Icon, c.StatusLabel, c.WrapupCode}
			want := []string{string(tt.color), tt.title, tt.icon, tt.label, tt.wrapup}
			if !slices.Equal(got, want) {
				t.Fatalf("card color/title/icon/label/wrapup = %q, want %q", got, want)
			}
			if (c.ConnectedAt != "") != tt.connected {
				t.Fatalf("connected_at = %q", c.ConnectedAt)
			}
		})
	}
}

func TestCardFields(t *testing.T) {
	s := fixture(t, "connected")
	must(t, s.SetCustomer("v1", Contact{Name: "Pat", Email: "pat@example.com", Language: "es"}, at(4)))
	must(t, s.Hold(at(10)))
	c := s.Card(at(12.25))
	if c.Session != "s1" || c.State != StateConnected || c.StateName != "connected" || c.Media.String() != "voice" {
		t.Fatalf("ids: %+v", c)
	}
	if c.StartedAt != "2025-03-01T09:42:01.000Z" || c.ConnectedAt != "2025-03-01T09:42:04.000Z" || c.EndedAt != "" {
		t.Fatalf("times: %s %s %s", c.StartedAt, c.ConnectedAt, c.EndedAt)
	}
	if c.Agent == nil || *c.Agent != (Ref{"ana", "Ana Ruiz"}) || !reflect.DeepEqual(c.Agents, []Ref{{"ana", "Ana Ruiz"}}) {
		t.Fatalf("agent %v agents %v", c.Agent, c.Agents)
	}
	if !c.OnHold || c.HoldSeconds != 2.25 || c.Status != StatusInProgress || c.Queue.Name != "Support" {
		t.Fatalf("hold %v %v status %q queue %v", c.OnHold, c.HoldSeconds, c.Status, c.Queue)
	}
	if len(c.Journey) != len(s.Journey) || c.Journey[0] != (CardEvent{Event: EventRouted, At: "2025-03-01T09:42:02.000Z", Detail: "support"}) {
		t.Fatalf("journey %+v", c.Journey)
	}
}

// TestCardJSONShape checks the keys of PROTOCOL.md: lists are arrays, never
// null; optional fields are absent when empty.
func TestCardJSONShape(t *testing.T) {
	var m map[string]any
	b, err := json.Marshal(fixture(t, "queued").Card(at(10)))
	must(t, err)
	must(t, json.Unmarshal(b, &m))
	for _, k := range []string{"session", "channel", "media", "color", "title", "icon", "state", "state_name",
		"status_label", "queue", "agents", "contact", "started_at", "tags", "expertise", "notes", "journey", "status"} {
		if _, ok := m[k]; !ok {
			t.Errorf("card lacks %q", k)
		}
	}
	for _, k := range []string{"tags", "expertise", "agents", "journey"} {
		if _, ok := m[k].([]any); !ok {
			t.Errorf("%s = %v, want an array", k, m[k])
		}
	}
	for _, k := range []string{"agent", "connected_at", "ended_at", "wrapup_code", "outcome", "agent_disconnected"} {
		if _, ok := m[k]; ok {
			t.Errorf("card has empty optional %q", k)
		}
	}
	if m["media"] != "voice" || m["state"] != 1.0 {
		t.Errorf("media %v state %v", m["media"], m["state"])
	}
}

func TestCardSharesNoMemory(t *testing.T) {
	s := fixture(t, "connected")
	must(t, s.Annotate(nil, []string{"a"}, nil, []string{"x"}, at(10)))
	c := s.Card(at(10))
	c.Tags[0], c.Expertise[0], c.Agents[0].Name = "changed", "changed", "changed"
	if s.Tags[0] != "a" || s.Expertise[0] != "x" || s.Participants[0].Name != "Ana Ruiz" {
		t.Fatal("card aliases the session")
	}
}

func TestVisitorView(t *testing.T) {
	s := fixture(t, "connected")
	must(t, s.Annotate(ptr("secret"), []string{"vip"}, nil, nil, at(10)))
	v := s.VisitorView()
	if v.Agent != "Ana" || v.State != StateConnected || v.Ended || v.Waiting {
		t.Fatalf("view %+v", v)
	}
	b, err := json.Marshal(v)
	must(t, err)
	for _, leak := range []string{"ana", "Ruiz", "secret", "vip", "journey", "support"} {
		if strings.Contains(string(b), leak) {
			t.Fatalf("visitor view leaks %q: %s", leak, b)
		}
	}
	d := fixture(t, "queued")
	must(t, d.Deflect("after_hours_message_only", "voicemail", "We open at 9.", at(10)))
	v = d.VisitorView()
	if !v.Ended || v.Deflection == nil || *v.Deflection != (VisitorDeflection{"after_hours_message_only", "We open at 9."}) {
		t.Fatalf("deflected view %+v", v)
	}
}

func TestCardAgentsOncePerAgent(t *testing.T) {
	s := fixture(t, "requeued") // ana assigned, then released
	must(t, s.Assign("ana", "Ana R.", at(10)))
	must(t, s.Connect(at(11)))
	must(t, s.Join("cy", "Cy Lee", at(12)))
	want := []Ref{{"ana", "Ana R."}, {"cy", "Cy Lee"}}
	if got := s.Card(at(20)).Agents; !reflect.DeepEqual(got, want) {
		t.Fatalf("agents = %v, want %v", got, want)
	}
}
