package session

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// roundTrip stores s as JSON and reloads it.
func roundTrip(t tb, s *Session) *Session {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var back Session
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return &back
}

func TestJSONRoundTrip(t *testing.T) {
	sessions := map[string]*Session{"full": fullSession(t)}
	for _, name := range allFixtures() {
		sessions[name] = fixture(t, name)
	}
	for name, s := range sessions {
		if back := roundTrip(t, s); !reflect.DeepEqual(back, s) {
			t.Errorf("%s: round trip differs:\n got %+v\nwant %+v", name, back, s)
		}
	}
}

// TestJSONRoundTripNonUTC checks that times given in another zone, with
// nanoseconds, are stored so that the round trip is still exact.
func TestJSONRoundTripNonUTC(t *testing.T) {
	madrid := time.FixedZone("CET", 3600)
	now := time.Date(2025, 3, 1, 10, 42, 1, 123456789, madrid)
	s := New("s1", "default", WebChat, now)
	must(t, s.Enqueue("support", "Support", 4, now.Add(time.Second)))
	if back := roundTrip(t, s); !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", back, s)
	}
	if s.CreatedAt.Location() != time.UTC {
		t.Fatalf("created_at location %v, want UTC", s.CreatedAt.Location())
	}
}

func TestStoredJSONKeys(t *testing.T) {
	b, err := json.Marshal(fixture(t, "queued"))
	must(t, err)
	const want = `{"id":"s1","workspace":"default","channel":"voice_inbound","media":"voice",` +
		`"queue":{"id":"support","name":"Support"},"priority":4,"state":1,` +
		`"journey":[{"event":"routed","at":"2025-03-01T09:42:02Z","detail":"support"}],` +
		`"created_at":"2025-03-01T09:42:01Z","queued_at":"2025-03-01T09:42:02Z","updated_at":"2025-03-01T09:42:02Z"}`
	if string(b) != want {
		t.Fatalf("stored JSON\n got %s\nwant %s", b, want)
	}
}
