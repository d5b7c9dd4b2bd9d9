package server

import (
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/hub"
)

// Wire benchmarks: the per-frame work of a socket outside the hub. Each
// client frame is decoded once by its reader (decodeFrameInto); each reply is
// encoded once by its reader (ackFrame, errorFrame); each frame to a client,
// event or reply, gets its seq spliced in by the writer (withSeq) into the
// writer's reused buffer.
//
//	go test -run XXX -bench 'Decode|Encode|withSeq' -benchmem -count 3 ./server

// benchFrames are representative client frames of both sockets, as the
// demo pages and the SDKs send them.
var benchFrames = []struct{ name, json string }{
	{"agent/hello", `{"type":"hello","token":"sbt_5kQ0mJ9cX2vR7wL4nB8pT1yH6dF3gZ0a","resume":{"token":"rs_Hq3V9kL2mX7pW1cN5bT8",` +
		`"last_message_ids":{"0000019a3f2b1c00":"14","0000019a3f2b1c07":"3"}}}`},
	{"agent/presence", `{"type":"presence","status":"available","ref":"r1"}`},
	{"agent/accept", `{"type":"accept","offer":"1042","ref":"r2"}`},
	{"agent/send", `{"type":"send","session":"0000019a3f2b1c00","text":"Thanks for waiting! I have sent the return label ` +
		`to your email; it is valid for 30 days.","client_id":"c-7f3a9e21","ref":"r3"}`},
	{"agent/typing", `{"type":"typing","session":"0000019a3f2b1c00"}`},
	{"agent/annotate", `{"type":"annotate","session":"0000019a3f2b1c00","notes":"Order 100017: return label sent.",` +
		`"add_tags":["billing","returns"],"ref":"r4"}`},
	{"agent/transfer", `{"type":"transfer","session":"0000019a3f2b1c00","queue":"billing","note":"Refund over 200 EUR",` +
		`"ref":"r5"}`},
	{"agent/wrapup", `{"type":"wrapup","session":"0000019a3f2b1c00","code":"solved","outcome":"resolved",` +
		`"notes":"Label sent; customer will ship on Monday.","ref":"r6"}`},
	{"visitor/hello", `{"type":"hello","widget":"wk_live_8d2f6a1c","queue":"sales","name":"Marta García",` +
		`"email":"marta@example.com","language":"es","country":"ES","page":"https://shop.example.com/cart"}`},
	{"visitor/resume", `{"type":"hello","widget":"wk_live_8d2f6a1c","resume":{"visitor":"vQ2m8KcT1xZ7rLw4nB9pY3hF",` +
		`"secret":"s_Jd8Kq2Lm5Nx7Pv9Rt1Wz3Yb6","last_message":"14"}}`},
	{"visitor/send", `{"type":"send","text":"Hello, I would like to return the shoes from order 100017, they are a ` +
		`size too small.","client_id":"c-1","ref":"v1"}`},
	{"visitor/typing", `{"type":"typing"}`},
	{"visitor/page", `{"type":"page","url":"https://shop.example.com/help/returns","title":"Returns and refunds"}`},
	{"visitor/csat", `{"type":"csat","rating":4,"comment":"Quick and friendly, thank you!","ref":"v2"}`},
}

// BenchmarkDecodeFrame decodes one client frame, as the reader of a socket
// does for every frame before it reaches a hub: into a frame from
// framePool, given back once handled (a hello's frame is not pooled, but
// decodes the same way).
func BenchmarkDecodeFrame(b *testing.B) {
	for _, fr := range benchFrames {
		data := []byte(fr.json)
		if _, werr := decodeFrame(data); werr != nil {
			b.Fatalf("%s: %v", fr.name, werr)
		}
		b.Run(fr.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() { // as serveFrames: into a pooled frame, given back
				f, werr := decodeFrameInto(data, framePool.Get().(*inFrame))
				if werr != nil {
					b.Fatal(werr)
				}
				putFrame(f)
			}
		})
	}
}

// BenchmarkEncodeFrame encodes the replies a reader sends: the ack of a
// send (with the message id), the ack of an accept (with the session), a
// bare ack, and an error frame.
func BenchmarkEncodeFrame(b *testing.B) {
	for _, c := range []struct {
		name string
		fn   func() []byte
	}{
		{"ack/send", func() []byte { return ackFrame("r3", hub.Reply{Message: "15"}, ackMessage) }},
		{"ack/accept", func() []byte { return ackFrame("r2", hub.Reply{Session: "0000019a3f2b1c00"}, ackSession) }},
		{"ack/bare", func() []byte { return ackFrame("r1", hub.Reply{}, 0) }},
		{"error", func() []byte { return errorFrame("r4", &wireError{"not_found", "no session 0000019a3f2b1c00"}) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.fn())))
			b.ReportAllocs()
			for b.Loop() {
				_ = c.fn()
			}
		})
	}
}

// benchEvents are hub frames (without seq) of typical sizes: a message
// event, a card (about 1 KiB: the card of a chat in progress), and an ack.
var benchEvents = []struct{ name, json string }{
	{"ack", `{"message":"15","ref":"r3","type":"ack"}`},
	{"message", `{"type":"message","session":"0000019a3f2b1c00","message":{"id":"15","session":"0000019a3f2b1c00",` +
		`"from":{"kind":"visitor","id":"v1","name":"Marta García"},"text":"Hello, I would like to return the shoes ` +
		`from order 100017, they are a size too small.","at":"2026-03-02T10:00:00Z"}}`},
	{"card", `{"type":"card","card":{"session":"0000019a3f2b1c00","channel":"web_chat","media":"chat","color":"green",` +
		`"title":"Marta García","icon":"chat","state":5,"state_name":"connected","status_label":"In progress",` +
		`"queue":{"id":"support","name":"Support"},"agent":{"id":"ana","name":"Ana Example"},` +
		`"agents":[{"id":"ana","name":"Ana Example"}],"contact":{"name":"Marta García","email":"marta@example.com",` +
		`"language":"es","country":"ES"},"priority":3,"started_at":"2026-03-02T10:00:00Z",` +
		`"queued_at":"2026-03-02T10:00:00Z","connected_at":"2026-03-02T10:00:09Z","tags":["billing","returns"],` +
		`"notes":"Order 100017: return label sent.","pages":["https://shop.example.com/cart",` +
		`"https://shop.example.com/help/returns"],"waited":9,"handled":231,"messages":15,` +
		`"last_message_at":"2026-03-02T10:03:51Z","journey":[{"at":"2026-03-02T10:00:00Z","event":"routed",` +
		`"queue":"support"},{"at":"2026-03-02T10:00:01Z","event":"offered","agent":"ana"},` +
		`{"at":"2026-03-02T10:00:09Z","event":"connected","agent":"ana"}]}}`},
}

// Benchmark_withSeq splices a connection's seq into a shared event frame, as
// the socket writer does before every write: into the writer's reused
// buffer ("reused", what conn.writer does), and into a fresh one ("fresh",
// for comparison: what a per-frame buffer would cost).
func Benchmark_withSeq(b *testing.B) {
	for _, ev := range benchEvents {
		frame := []byte(ev.json)
		b.Run(ev.name+"/reused", func(b *testing.B) {
			buf := make([]byte, 0, 1024) // as conn.writer
			seq := uint64(1 << 20)
			b.SetBytes(int64(len(frame)))
			b.ReportAllocs()
			for b.Loop() {
				seq++
				buf = withSeq(buf[:0], seq, frame)
			}
			if !strings.HasPrefix(string(buf), `{"seq":`) {
				b.Fatalf("%s", buf)
			}
		})
		b.Run(ev.name+"/fresh", func(b *testing.B) {
			seq := uint64(1 << 20)
			b.SetBytes(int64(len(frame)))
			b.ReportAllocs()
			for b.Loop() {
				seq++
				_ = withSeq(nil, seq, frame)
			}
		})
	}
}
