package session

import (
	"encoding/json"
	"testing"
	"time"
)

func TestMessageJSON(t *testing.T) {
	m := Message{ID: "m1", Session: "s1", From: Sender{Kind: KindAgent, ID: "ana", Name: "Ana Ruiz"}, Text: "Hola", At: at(1.2345)}
	b, err := json.Marshal(m)
	must(t, err)
	const want = `{"id":"m1","session":"s1","from":{"kind":"agent","id":"ana","name":"Ana Ruiz"},"text":"Hola","at":"2025-03-01T09:42:02.234Z"}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	var back Message
	must(t, json.Unmarshal(b, &back))
	m.At = m.At.Truncate(time.Millisecond)
	if back != m {
		t.Fatalf("round trip %+v, want %+v", back, m)
	}
	if err := json.Unmarshal([]byte(`{"id":"m","at":"yesterday"}`), &back); err == nil {
		t.Fatal("bad at accepted")
	}
}

func TestMessageForVisitor(t *testing.T) {
	tests := []struct {
		from, want Sender
	}{
		{Sender{KindAgent, "ana", "Ana Ruiz"}, Sender{KindAgent, "", "Ana"}},
		{Sender{KindSystem, "bot", "Switchboard"}, Sender{KindSystem, "", "Switchboard"}},
		{Sender{KindVisitor, "v1", "Pat Doe"}, Sender{KindVisitor, "v1", "Pat Doe"}},
	}
	for _, tt := range tests {
		if got := (Message{From: tt.from}).ForVisitor().From; got != tt.want {
			t.Errorf("ForVisitor(%+v) = %+v, want %+v", tt.from, got, tt.want)
		}
	}
}

func TestFormatTranscript(t *testing.T) {
	s := fullSession(t)
	msgs := []Message{
		{From: Sender{Kind: KindVisitor, ID: "v-77", Name: "Pat Doe"}, Text: "Hi, I was charged twice.", At: at(10)},
		{From: Sender{Kind: KindAgent, ID: "ben", Name: "Ben Ode"}, Text: "Let me check.\nOne moment.", At: at(15.9)},
		{From: Sender{Kind: KindSystem}, Text: "Cy Lee joined", At: at(130)},
		{From: Sender{Kind: KindVisitor}, Text: "Thanks!\n", At: at(240)},
	}
	const want = `Session: 01JNQ8ZK3F
Channel: Inbound Call (voice_inbound)
Queue: Billing
Subject: Billing question
Contact: Pat Doe, pat@example.com
Agents: Ben Ode, Cy Lee
Started: 2025-03-01T09:42:01.000Z
Ended: 2025-03-01T09:46:06.000Z (by customer)

[09:42:11] Pat Doe: Hi, I was charged twice.
[09:42:16] Ben Ode: Let me check.
    One moment.
[09:44:11] System: Cy Lee joined
[09:46:01] Visitor: Thanks!
`
	if got := FormatTranscript(s, msgs); got != want {
		t.Fatalf("transcript:\n%s\nwant:\n%s", got, want)
	}
}

func TestFormatTranscriptOpenSession(t *testing.T) {
	got := FormatTranscript(New("s2", "default", WebChat, t0), nil)
	const want = "Session: s2\nChannel: Web Chat (web_chat)\nStarted: 2025-03-01T09:42:01.000Z\n\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
