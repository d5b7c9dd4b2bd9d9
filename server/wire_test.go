package server

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecodeFrame(t *testing.T) {
	for _, tc := range []struct {
		in   string
		code string
	}{
		{`{"type":"ping"}`, ""},
		{`{"type":"send","session":"s1","text":"hola","ref":"r1"}`, ""},
		{`{"type":"ping","unknown":1}`, ""},
		{`not json`, "bad_request"},
		{`{"type":"ping"} {"type":"ping"}`, "bad_request"},
		{`{"ref":"x"}`, "bad_request"},
		{`{"type":"send","text":"` + strings.Repeat("a", maxText+1) + `"}`, "bad_request"},
		{`{"type":"annotate","add_tags":[""]}`, "bad_request"},
		{`{"type":"ping","ref":"` + strings.Repeat("r", 65) + `"}`, "bad_request"},
		{"{\"type\":\"ping\",\"text\":\"\xff\"}", "bad_request"},
		{`[1,2]`, "bad_request"},
		{`{"type":"send","text":123}`, "bad_request"},
	} {
		_, err := decodeFrame([]byte(tc.in))
		got := ""
		if err != nil {
			got = err.Code
		}
		if got != tc.code {
			t.Errorf("decode %.40q: %q, want %q (%v)", tc.in, got, tc.code, err)
		}
	}
}

func TestWithSeq(t *testing.T) {
	for _, in := range []string{`{"type":"pong"}`, `{}`, `{"type":"message","message":{"text":"}"}}`} {
		out := withSeq(nil, 42, []byte(in))
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil || m["seq"] != float64(42) {
			t.Fatalf("withSeq(%s) = %s (%v)", in, out, err)
		}
	}
}

func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{`{"type":"hello","token":"x"}`, `{"type":"send","session":"s","text":"t"}`,
		`{"type":"annotate","notes":"n","add_tags":["a"]}`, `{}`, `[]`, `{"type":"hello","resume":{"token":"t","last_message_ids":{"s":"m"}}}`} {
		f.Add([]byte(s))
	}
	for _, fr := range benchFrames {
		f.Add([]byte(fr.json))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if utf8.Valid(data) {
			sameAsUnmarshal(t, data) // the hand-written decoder is json.Unmarshal's
		}
		fr, err := decodeFrame(data)
		if err == nil && (fr == nil || fr.Type == "") {
			t.Fatal("accepted a frame without type")
		}
		if err != nil && err.Code != "bad_request" {
			t.Fatalf("code %q", err.Code)
		}
	})
}
