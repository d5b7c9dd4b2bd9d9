package hub

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/session"
)

// The contact key is memoized per session: every change of the contact or
// the visitor must show in the next key.
func TestContactKeyFollowsChanges(t *testing.T) {
	s := &sessState{Session: session.New("s1", "default", session.WebChat, time.Unix(0, 0))}
	steps := []struct {
		change func()
		want   string
	}{
		{func() {}, ""},
		{func() { s.VisitorID = "v1" }, "visitor:v1"},
		{func() { s.Contact = session.Contact{Email: "Ana@Example.io", Verified: true} }, "email:ana@example.io"},
		{func() { s.Contact.Verified = false }, "visitor:v1"},
		{func() { s.Contact = session.Contact{Phone: "+34 600", Verified: true} }, "phone:34600"},
		{func() { s.Contact = session.Contact{}; s.VisitorID = "v2" }, "visitor:v2"},
	}
	for i, st := range steps {
		st.change()
		if got := s.contactKey(); got != st.want || got != s.ContactKey() {
			t.Fatalf("step %d: contactKey %q, ContactKey %q, want %q", i, got, s.ContactKey(), st.want)
		}
	}
}
