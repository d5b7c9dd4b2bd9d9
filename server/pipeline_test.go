package server

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/hub"
)

// TestPipelinedCommands sends a burst of commands without waiting for
// answers, mixing hub commands with frames refused at once (bad input) and
// pings: every command is answered once, in the order sent, and the
// messages reach the other side in the order sent.
func TestPipelinedCommands(t *testing.T) {
	e := newEnv(t)
	ag := e.available("ana")
	v, _ := e.visitor(nil)
	sid := str(v.ok(map[string]any{"type": "send", "text": "hello"}), "session")
	off := ag.wait("offer", nil)
	ag.ok(map[string]any{"type": "accept", "offer": offerID(off)})

	const n = 200
	want := make([]string, 0, n)
	for i := 0; i < n; i++ {
		ref := "p" + strconv.Itoa(i)
		switch i % 10 {
		case 3:
			ag.send(map[string]any{"type": "send", "session": sid, "ref": ref}) // no text: refused at once
			want = append(want, ref+":error:bad_request")
		case 6:
			ag.send(map[string]any{"type": "ping", "ref": ref})
			want = append(want, ref+":ack")
		case 8:
			ag.send(map[string]any{"type": "send", "session": "nope", "text": "x", "ref": ref}) // refused by the hub
			want = append(want, ref+":error:not_found")
		default:
			ag.send(map[string]any{"type": "send", "session": sid, "text": fmt.Sprintf("m%03d", i), "ref": ref})
			want = append(want, ref+":ack")
		}
	}
	var got []string
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < n && time.Now().Before(deadline) {
		m := ag.waitAny(func(m map[string]any) bool { return m["type"] == "ack" || m["type"] == "error" }, "answer")
		a := str(m, "ref") + ":" + str(m, "type")
		if m["type"] == "error" {
			a += ":" + str(m, "code")
		}
		got = append(got, a)
	}
	if !reflect.DeepEqual(got, want) {
		for i := range want {
			if i >= len(got) || got[i] != want[i] {
				t.Fatalf("answer %d: got %v, want %s (got %d answers)", i, got[min(i, len(got)-1)], want[i], len(got))
			}
		}
	}
	// The visitor sees the agent's messages in the order sent.
	last := -1
	for i := 0; i < n; i++ {
		if i%10 == 3 || i%10 == 6 || i%10 == 8 {
			continue
		}
		m := v.wait("message", func(m map[string]any) bool { return str(m, "message", "from", "kind") == "agent" })
		k, err := strconv.Atoi(str(m, "message", "text")[1:])
		if err != nil || k <= last {
			t.Fatalf("message %v after m%03d", m, last)
		}
		last = k
	}
}

// TestAckFrame checks the hand-built ack against encoding/json.
func TestAckFrame(t *testing.T) {
	for _, tc := range []struct {
		ref    string
		rep    hub.Reply
		with   ackFields
		fields map[string]any // what the ack must carry beside type and ref
	}{
		{"1", hub.Reply{Session: "s"}, 0, nil},
		{"r7", hub.Reply{Session: "019cae6b66000000"}, ackSession, map[string]any{"session": "019cae6b66000000"}},
		{`a"b\c<d>&é` + "\n\x01", hub.Reply{Message: "12", Session: "s\u2028"}, ackSession | ackMessage,
			map[string]any{"message": "12", "session": "s\u2028"}},
		{"m", hub.Reply{Message: "3"}, ackMessage, map[string]any{"message": "3"}},
		{"e", hub.Reply{}, ackSession, map[string]any{"session": ""}},
		{"v", hub.Reply{Session: "s1"}, ackSession | ackMessage | ackIfSet, map[string]any{"session": "s1"}},
	} {
		var got, want map[string]any
		frame := ackFrame(tc.ref, tc.rep, tc.with)
		if err := json.Unmarshal(frame, &got); err != nil {
			t.Fatalf("%q: %v: %s", tc.ref, err, frame)
		}
		m := map[string]any{"type": "ack", "ref": tc.ref}
		for k, v := range tc.fields {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		_ = json.Unmarshal(b, &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ackFrame(%q, %+v, %b) = %s, want %s", tc.ref, tc.rep, tc.with, frame, b)
		}
	}
}

// TestPipelinedFramesKeepTheirOwnFields: a socket decodes each frame into a
// pooled frame and buffer, and goes on reading while earlier commands wait
// in the hub. With the disk stuck, an agent's burst of annotates (each with
// its own tags), sends and typing is read while the first commit hangs;
// once the disk answers, every command has applied the tags and text of its
// own frame. A frame reused without zeroing would have written later tags
// into the slices the waiting commands hold.
func TestPipelinedFramesKeepTheirOwnFields(t *testing.T) {
	fs := newStallFS()
	e := newEnvWith(t, Config{FS: fs, DataDir: "data", Hub: hub.Config{StallTimeout: -1}})
	ag := e.available("ana")
	v, _ := e.visitor(nil)
	sid := str(v.ok(map[string]any{"type": "send", "text": "hello"}), "session")
	off := ag.wait("offer", nil)
	ag.ok(map[string]any{"type": "accept", "offer": offerID(off)})

	const n = 10 // 30 frames: within the 32 commands a socket may have in the hub
	unstick := fs.stick(t)
	var wantTags []string
	for i := range n {
		tags := []string{fmt.Sprintf("a%02d", i), fmt.Sprintf("b%02d", i)}
		wantTags = append(wantTags, tags...)
		ag.send(map[string]any{"type": "annotate", "session": sid, "add_tags": tags, "ref": fmt.Sprintf("t%d", i)})
		ag.send(map[string]any{"type": "send", "session": sid, "text": fmt.Sprintf("m%02d", i), "ref": fmt.Sprintf("s%d", i)})
		ag.send(map[string]any{"type": "typing", "session": sid})
	}
	fs.waitHung(t)
	e.waitFramesRead("agent", "send", n, "the agent's sends, while the commit hangs")
	e.waitFramesRead("agent", "annotate", n, "the agent's annotates, while the commit hangs")
	unstick()

	for i := range n {
		for _, ref := range []string{fmt.Sprintf("t%d", i), fmt.Sprintf("s%d", i)} {
			if a := ag.waitAny(func(m map[string]any) bool { return m["ref"] == ref }, "answer to "+ref); a["type"] != "ack" {
				t.Fatalf("%s: %v", ref, a)
			}
		}
		m := v.wait("message", func(m map[string]any) bool { return str(m, "message", "from", "kind") == "agent" })
		if got, want := str(m, "message", "text"), fmt.Sprintf("m%02d", i); got != want {
			t.Fatalf("agent message %d: %q, want %q", i, got, want)
		}
	}
	code, card := e.api("GET", "/v1/sessions/"+sid, "")
	if code != 200 {
		t.Fatalf("GET session: %d %v", code, card)
	}
	var gotTags []string
	for _, x := range get(card, "tags").([]any) {
		gotTags = append(gotTags, x.(string))
	}
	slices.Sort(gotTags)
	slices.Sort(wantTags)
	if !slices.Equal(gotTags, wantTags) {
		t.Fatalf("tags %v, want %v", gotTags, wantTags)
	}
}
