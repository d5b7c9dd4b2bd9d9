package session

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestAnnotate(t *testing.T) {
	s := fixture(t, "connected")
	must(t, s.Annotate(ptr("first call"), []string{" billing ", "vip", "billing"}, nil, []string{"es", "refunds"}, at(10)))
	must(t, s.Annotate(nil, []string{"late"}, []string{"vip "}, nil, at(11)))
	if s.Notes != "first call" || !reflect.DeepEqual(s.Tags, []string{"billing", "late"}) ||
		!reflect.DeepEqual(s.Expertise, []string{"es", "refunds"}) {
		t.Fatalf("notes %q tags %v expertise %v", s.Notes, s.Tags, s.Expertise)
	}
	must(t, s.Annotate(ptr(""), nil, []string{"billing", "late"}, []string{}, at(12)))
	if s.Notes != "" || s.Tags != nil || s.Expertise != nil {
		t.Fatalf("after clearing: notes %q tags %#v expertise %#v", s.Notes, s.Tags, s.Expertise)
	}
}

func TestAnnotateTooManyTags(t *testing.T) {
	s := fixture(t, "connected")
	tags := make([]string, MaxTags)
	for i := range tags {
		tags[i] = fmt.Sprint("t", i)
	}
	must(t, s.Annotate(nil, tags, nil, nil, at(10)))
	before := snapshot(t, s)
	err := s.Annotate(ptr("kept?"), []string{"one-more"}, nil, nil, at(11))
	if !errors.Is(err, ErrTooMany) || snapshot(t, s) != before {
		t.Fatalf("err = %v, or session changed", err)
	}
	must(t, s.Annotate(nil, []string{"one-more"}, []string{"t0"}, nil, at(12)))
}

func TestContactKey(t *testing.T) {
	tests := []struct {
		name    string
		contact Contact
		visitor string
		want    string
	}{
		{"verified email", Contact{Email: " Pat@Example.COM ", Phone: "+1 222", Verified: true}, "v1", "email:pat@example.com"},
		{"verified phone", Contact{Phone: "+1 (222) 333-4444", Verified: true}, "v1", "phone:12223334444"},
		{"unverified", Contact{Email: "pat@example.com"}, "v1", "visitor:v1"},
		{"nothing", Contact{}, "", ""},
	}
	for _, tt := range tests {
		s := New("s1", "default", WebChat, t0)
		s.Contact, s.VisitorID = tt.contact, tt.visitor
		if got := s.ContactKey(); got != tt.want {
			t.Errorf("%s: ContactKey = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestVerifyContact checks that an unverified email never becomes part of
// the verified identity, and that verified values are kept.
func TestVerifyContact(t *testing.T) {
	s := fixture(t, "connected")
	must(t, s.SetCustomer("v1", Contact{Name: "Pat", Email: "old@example.com", Language: "es"}, at(4)))
	must(t, s.VerifyContact("", "+34 600 000 000", at(10)))
	if s.ContactKey() != "phone:34600000000" || s.Contact.Email != "" {
		t.Fatalf("contact %+v key %s", s.Contact, s.ContactKey())
	}
	if e := lastEvent(t, s); e.Event != EventVerified || e.Detail != "phone" {
		t.Fatalf("event %+v", e)
	}
	must(t, s.VerifyContact("Pat@Example.com", "", at(11)))
	if s.ContactKey() != "email:pat@example.com" || s.Contact.Phone != "+34 600 000 000" {
		t.Fatalf("contact %+v key %s", s.Contact, s.ContactKey())
	}
}

func TestSetCustomerAddsOneVisitorRecord(t *testing.T) {
	s := fixture(t, "queued")
	must(t, s.SetCustomer("v1", Contact{Name: "Pat"}, at(5)))
	must(t, s.SetCustomer("", Contact{Name: "Pat Doe"}, at(6)))
	if len(s.Participants) != 1 || s.VisitorID != "v1" || s.Contact.Name != "Pat Doe" {
		t.Fatalf("participants %+v visitor %q contact %+v", s.Participants, s.VisitorID, s.Contact)
	}
	if p := s.Participants[0]; p.Kind != KindVisitor || p.Role != RoleCustomer {
		t.Fatalf("visitor record %+v", p)
	}
}

func TestPagesAreCapped(t *testing.T) {
	s := fixture(t, "queued")
	for i := range MaxPages + 5 {
		must(t, s.AddPage(fmt.Sprintf("https://example.com/%d", i), "", at(float64(10+i))))
	}
	if len(s.Pages) != MaxPages || s.Pages[0].URL != "https://example.com/5" {
		t.Fatalf("%d pages, first %s", len(s.Pages), s.Pages[0].URL)
	}
	for len(s.Journey) < MaxJourney {
		must(t, s.AddPage("https://example.com/x", "", at(100)))
	}
	must(t, s.AddPage("https://example.com/y", "", at(101)))
	if len(s.Journey) != MaxJourney || s.Pages[len(s.Pages)-1].URL != "https://example.com/y" {
		t.Fatalf("journey %d, last page %s", len(s.Journey), s.Pages[len(s.Pages)-1].URL)
	}
	must(t, s.End(PartyCustomer, at(102)))
	if lastEvent(t, s).Event != EventAbandoned {
		t.Fatal("lifecycle events must still be logged past MaxJourney")
	}
}

func TestAgentDisconnected(t *testing.T) {
	s := fixture(t, "connected")
	must(t, s.SetAgentDisconnected(true, at(10)))
	before := snapshot(t, s)
	must(t, s.SetAgentDisconnected(true, at(11)))
	if snapshot(t, s) != before {
		t.Fatal("setting the same flag changed the session")
	}
	must(t, s.SetAgentDisconnected(false, at(12)))
	if s.AgentDisconnected || lastEvent(t, s).Event != EventAgentReconnected {
		t.Fatalf("flag %v event %+v", s.AgentDisconnected, lastEvent(t, s))
	}
}

func TestValidateHelpers(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"text ok", ValidateText("hola"), nil},
		{"text blank", ValidateText("  \n"), ErrInvalid},
		{"text long", ValidateText(string(make([]byte, MaxTextLen+1))), ErrTooLong},
		{"text max", ValidateText(string(make([]byte, MaxTextLen-1)) + "a"), nil},
		{"text bad utf8", ValidateText("a\xc3"), ErrInvalid},
		{"notes empty", ValidateNotes(""), nil},
		{"label long", ValidateLabel(string(make([]byte, MaxTagLen+1))), ErrTooLong},
		{"labels many", ValidateLabels(make([]string, MaxExpertise+1), MaxExpertise), ErrTooMany},
		{"contact ok", ValidateContact(Contact{Name: "Pat", Email: "p@x.io"}), nil},
		{"contact long phone", ValidateContact(Contact{Phone: string(make([]byte, MaxPhoneLen+1))}), ErrTooLong},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) || (tt.want == nil && tt.err != nil) {
			t.Errorf("%s: err = %v, want %v", tt.name, tt.err, tt.want)
		}
	}
}
