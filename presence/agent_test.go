package presence

import (
	"errors"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

func newAgent(t *testing.T, c Capacity) *Agent {
	t.Helper()
	a, err := NewAgent(Profile{ID: "ana", Capacity: c,
		Languages: Languages{Primary: "es-MX", Secondary: []string{"EN", "es", ""}},
		Expertise: NewExpertise("Billing", "vip", "billing")})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestNormalizeLanguagesAndExpertise(t *testing.T) {
	a := newAgent(t, Capacity{1, 3, 5})
	if a.Languages.Primary != "es" || len(a.Languages.Secondary) != 1 || a.Languages.Secondary[0] != "en" {
		t.Fatalf("languages %+v", a.Languages)
	}
	for lang, want := range map[string]Tier{"es": TierPrimary, "en": TierSecondary, "fr": TierNone, "": TierNone} {
		if got := a.Languages.Tier(BaseLanguage(lang)); got != want {
			t.Errorf("tier(%q) = %d, want %d", lang, got, want)
		}
	}
	if BaseLanguage("pt_BR") != "pt" || BaseLanguage(" en-GB ") != "en" {
		t.Error("base language")
	}
	if !a.Expertise.HasAll(NewExpertise("VIP")) || a.Expertise.HasAll(NewExpertise("vip", "legal")) || len(a.Expertise) != 2 {
		t.Fatalf("expertise %v", a.Expertise)
	}
}

func TestStatusRules(t *testing.T) {
	a := newAgent(t, Capacity{1, 2, 5})
	if a.Status() != Offline || a.Effective() != Offline {
		t.Fatal("new agent not offline")
	}
	for _, s := range []Status{Busy, AfterCallWork, Status(77)} {
		if err := a.SetStatus(s); !errors.Is(err, ErrIllegalStatus) || a.Status() != Offline {
			t.Errorf("SetStatus(%s) = %v, status %s", s, err, a.Status())
		}
	}
	must(t, a.SetStatus(Available))
	must(t, a.Hold(Chat))
	must(t, a.Hold(Chat))
	if a.Effective() != Available { // email still free
		t.Fatalf("effective %s", a.Effective())
	}
	b := newAgent(t, Capacity{0, 1, 0})
	must(t, b.SetStatus(Available))
	must(t, b.Hold(Chat))
	if b.Effective() != Busy {
		t.Fatalf("full agent %s", b.Effective())
	}
}

func TestSlots(t *testing.T) {
	a := newAgent(t, Capacity{1, 2, 1})
	must(t, a.Hold(Chat))
	must(t, a.Hold(Voice))
	if a.HasFree(Chat) || a.HasFree(Voice) || !a.HasFree(Email) {
		t.Fatal("voice must block voice and chat, not email")
	}
	if err := a.Hold(Chat); !errors.Is(err, ErrNoSlot) || a.Active(Chat) != 1 {
		t.Fatalf("hold past voice: %v", err)
	}
	must(t, a.Hold(Email))
	if err := a.Hold(Email); !errors.Is(err, ErrNoSlot) {
		t.Fatal("over email capacity")
	}
	must(t, a.BeginWrapup(Voice))
	must(t, a.SetStatus(Available))
	if a.Effective() != AfterCallWork {
		t.Fatalf("effective %s during voice wrap-up", a.Effective())
	}
	must(t, a.EndWrapup(Voice))
	if err := a.EndWrapup(Voice); !errors.Is(err, ErrNoHeldSlot) {
		t.Fatal("end wrap-up twice")
	}
	if err := a.Release(Voice); !errors.Is(err, ErrNoHeldSlot) {
		t.Fatal("release unheld")
	}
	if n, d := a.Load(Chat); n != 1 || d != 2 || a.LoadFloat(Voice) != 0 {
		t.Fatalf("load %d/%d", n, d)
	}
	if n, d := newAgent(t, Capacity{}).Load(Chat); n != 1 || d != 1 {
		t.Fatal("zero capacity must load as full")
	}
	if _, err := NewAgent(Profile{ID: "x", Capacity: Capacity{0, MaxCapacity + 1}}); !errors.Is(err, ErrBadCapacity) {
		t.Fatal("capacity bound")
	}
}

func TestMissedOffersSetAway(t *testing.T) {
	a := newAgent(t, Capacity{1, 2, 1})
	must(t, a.SetStatus(Available))
	if a.Missed(3) || a.Missed(3) {
		t.Fatal("away too early")
	}
	a.Answered()
	if a.Missed(3) || a.Missed(3) || !a.Missed(3) {
		t.Fatal("three misses in a row must set away")
	}
	if a.Status() != Away || a.Reason() != "missed_offers" {
		t.Fatalf("%s %q", a.Status(), a.Reason())
	}
	must(t, a.SetStatus(Available))
	if a.MissedInRow() != 0 || a.Reason() != "" {
		t.Fatal("available must reset the count")
	}
}

func TestDisconnectGrace(t *testing.T) {
	a := newAgent(t, Capacity{1, 2, 1})
	must(t, a.SetStatus(Available))
	a.Connect()
	a.Connect()
	if !a.Disconnect(t0, 30*time.Second).IsZero() {
		t.Fatal("a socket remains: no grace")
	}
	until := a.Disconnect(t0, 30*time.Second)
	if !until.Equal(t0.Add(30 * time.Second)) {
		t.Fatalf("grace until %v", until)
	}
	if a.GraceDue(t0.Add(29 * time.Second)) {
		t.Fatal("due too early")
	}
	a.Connect()
	if a.GraceDue(t0.Add(time.Hour)) || !a.GraceUntil().IsZero() {
		t.Fatal("reconnect must cancel grace")
	}
	a.Disconnect(t0, 30*time.Second)
	if !a.GraceDue(t0.Add(30 * time.Second)) {
		t.Fatal("grace not due")
	}
	must(t, a.SetStatusBy(Offline, "disconnected"))
	if a.GraceDue(t0.Add(time.Hour)) || a.Reason() != "disconnected" {
		t.Fatal("offline agent has no grace")
	}
}

func TestWireNames(t *testing.T) {
	for m := Media(0); m < NumMedia; m++ {
		b, _ := m.MarshalText()
		var back Media
		if err := back.UnmarshalText(b); err != nil || back != m {
			t.Errorf("media %s round trip", m)
		}
	}
	for s := Offline; s < numStatus; s++ {
		b, _ := s.MarshalText()
		var back Status
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("status %s round trip", s)
		}
	}
	if _, err := ParseMedia("fax"); err == nil {
		t.Error("unknown media parsed")
	}
	if _, err := Media(9).MarshalText(); err == nil {
		t.Error("invalid media marshalled")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
