package hub

import (
	"encoding/json"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/session"
)

// The hand-written frames must be what json.Marshal makes of the frame
// structs (the card and message bodies are checked in package session).

type offerFrame struct {
	Type  string        `json:"type"`
	Offer OfferInfo     `json:"offer"`
	Card  *session.Card `json:"card"`
}

type cardFrame struct {
	Type string        `json:"type"`
	Card *session.Card `json:"card"`
}

type messageFrame struct {
	Type    string          `json:"type"`
	Session string          `json:"session"`
	Message session.Message `json:"message"`
}

func TestAppendedFramesMatchMarshal(t *testing.T) {
	str := rapid.OneOf(rapid.SampledFrom([]string{"", "s1", "<&>", "a\"b\\c\n", "\xff", "\u2028"}), rapid.String())
	rapid.Check(t, func(t *rapid.T) {
		now := time.Unix(rapid.Int64Range(0, 4e9).Draw(t, "now"), rapid.Int64Range(0, 999999999).Draw(t, "ns"))
		s := session.New(str.Draw(t, "id"), "default", session.WebChat, now)
		s.Contact.Name = str.Draw(t, "contact")
		if rapid.Bool().Draw(t, "queued") {
			_ = s.Enqueue(str.Draw(t, "queue"), str.Draw(t, "queue_name"), rapid.IntRange(1, 8).Draw(t, "priority"), now)
		}
		card := s.Card(now)

		m := session.Message{ID: str.Draw(t, "mid"), Session: str.Draw(t, "msession"),
			From: session.Sender{Kind: session.Kind(str.Draw(t, "kind")), ID: str.Draw(t, "from"), Name: str.Draw(t, "name")},
			Text: str.Draw(t, "text"), At: now}
		same(t, "message", appendMessageFrame([]byte{}, s.ID, m), nil,
			messageFrame{Type: FrameMessage, Session: s.ID, Message: m})

		b, err := appendCardFrame(nil, &card)
		same(t, "card", b, err, cardFrame{Type: FrameCard, Card: &card})

		o := OfferInfo{ID: str.Draw(t, "offer"), Session: s.ID, Queue: str.Draw(t, "oqueue"),
			Media: presence.Media(rapid.IntRange(0, 4).Draw(t, "media")), Mode: str.Draw(t, "mode"), ExpiresAt: str.Draw(t, "expires")}
		b, err = appendOfferFrame(nil, &o, &card)
		same(t, "offer", b, err, offerFrame{Type: FrameOffer, Offer: o, Card: &card})
	})
}

func same(t *rapid.T, what string, got []byte, err error, v any) {
	want, werr := json.Marshal(v)
	switch {
	case (werr == nil) != (err == nil):
		t.Fatalf("%s: error %v, json.Marshal's %v", what, err, werr)
	case werr == nil && string(got) != string(want):
		t.Fatalf("%s frame\n got %s\nwant %s", what, got, want)
	}
}
