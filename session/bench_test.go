package session

import (
	"encoding/json"
	"testing"
)

// BenchmarkCardJSON measures building and encoding the card of a session
// with a realistic journey (the full call: 16 events), once per push.
func BenchmarkCardJSON(b *testing.B) {
	s := fullSession(b)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		buf, err := json.Marshal(s.Card(at(400)))
		if err != nil {
			b.Fatal(err)
		}
		n = len(buf)
	}
	b.SetBytes(int64(n))
}

// BenchmarkCard measures building the card alone.
func BenchmarkCard(b *testing.B) {
	s := fullSession(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Card(at(400))
	}
}

// BenchmarkSessionJSON measures storing a session whole, as the hub does on
// every change.
func BenchmarkSessionJSON(b *testing.B) {
	s := fullSession(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFormatTime measures one wire time: a card carries a dozen.
func BenchmarkFormatTime(b *testing.B) {
	t := at(400)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = appendTime(buf[:0], t)
	}
}
