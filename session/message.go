package session

import (
	"encoding/json"
	"fmt"
	"time"
)

// Message is one chat message of a session's transcript. On the wire
// (PROTOCOL.md "message") At is a FormatTime string, so a JSON round trip
// keeps it to the millisecond.
type Message struct {
	ID      string
	Session string
	From    Sender
	Text    string
	At      time.Time
}

// Sender is who wrote a message. Visitors see an agent's first name only and
// never an agent id (Message.ForVisitor).
type Sender struct {
	Kind Kind   `json:"kind"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// messageJSON is the wire form of Message.
type messageJSON struct {
	ID      string `json:"id"`
	Session string `json:"session,omitempty"`
	From    Sender `json:"from"`
	Text    string `json:"text"`
	At      string `json:"at"`
}

// MarshalJSON encodes m as AppendJSON does.
func (m Message) MarshalJSON() ([]byte, error) { return m.AppendJSON(nil), nil }

// UnmarshalJSON decodes the wire form; at must be RFC 3339 or absent.
func (m *Message) UnmarshalJSON(b []byte) error {
	var w messageJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	var at time.Time
	if w.At != "" {
		t, err := time.Parse(time.RFC3339, w.At)
		if err != nil {
			return fmt.Errorf("session: message at: %w", err)
		}
		at = t.UTC()
	}
	*m = Message{ID: w.ID, Session: w.Session, From: w.From, Text: w.Text, At: at}
	return nil
}

// ForVisitor returns m as a visitor may see it: an agent or system sender
// loses its id and an agent keeps only the first name.
func (m Message) ForVisitor() Message {
	if m.From.Kind == KindVisitor {
		return m
	}
	m.From.ID = ""
	if m.From.Kind == KindAgent {
		m.From.Name = FirstName(m.From.Name)
	}
	return m
}
