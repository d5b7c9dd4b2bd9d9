package hub

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
)

// Fan-out benchmarks: one event, encoded once by emit, queued by release on
// every subscription it is meant for. Each op is one command through Do on a
// running hub (MemStore), so ns/op and allocs/op include the command, its
// cycle and its commit; what matters is how they grow with the number of
// recipients N. Subscriptions are taken through Subscribe, as the server
// does, and drained by the benchmark goroutine after each command (Do
// returns after release, so every frame of the op is queued by then): the
// receive stands in for the socket writer's and is part of the
// per-recipient cost.
//
// Each benchmark also checks that the frame is encoded once: every
// recipient's copy must share the same JSON bytes (the same backing array),
// and it reports the distinct encodings it saw per op ("encodings/op") and
// the frames delivered per op ("frames/op").
//
//	go test -run XXX -bench 'Card|Fanout' -benchmem -count 3 ./hub

// fanoutSizes are the recipient counts of the fan-out benchmarks.
var fanoutSizes = []int{1, 10, 100}

// fanoutChat starts a chat of visitor v1 in queue "support" (auto accept)
// and returns its id once agent "ana" holds it.
func fanoutChat(b *testing.B, th *testHub) string {
	b.Helper()
	th.setup(QueueSpec{Queue: router.Queue{AcceptMode: router.Auto}}, "ana")
	id := th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1", Text: "hello"}).Session
	rep := th.do(GetCard{Session: id})
	if rep.Card == nil || rep.Card.Agent == nil || rep.Card.Agent.ID != "ana" {
		b.Fatalf("session %s not assigned to ana: %+v", id, rep.Card)
	}
	return id
}

// fanoutCount drains subs of the frames queued now and counts those of type
// typ. It returns seen[:0] with the distinct encodings (backing arrays) of
// those frames appended, and the size of the last one. A closed
// subscription shows as missing frames.
func fanoutCount(subs []*Subscription, typ string, seen []*byte) (frames, size int, _ []*byte) {
	seen = seen[:0]
	for _, s := range subs {
		for len(s.C()) > 0 {
			f := <-s.C()
			if f.Type != typ {
				continue
			}
			frames, size = frames+1, len(f.JSON)
			if p := &f.JSON[0]; !slices.Contains(seen, p) {
				seen = append(seen, p)
			}
		}
	}
	return frames, size, seen
}

// BenchmarkCardEncodeOnce measures a card update fanned out to N supervisor
// subscriptions: an Annotate (the agent edits the notes) on a chat in
// progress, whose card goes to the assignee (not subscribed here) and every
// supervisor, who also get the queue's queue_stats frame. supervisors=0 is
// the baseline: nobody listens, so nothing is encoded.
func BenchmarkCardEncodeOnce(b *testing.B) {
	for _, n := range append([]int{0}, fanoutSizes...) {
		b.Run(fmt.Sprint("supervisors=", n), func(b *testing.B) {
			th := newTestHub(b, Config{})
			id := fanoutChat(b, th)
			subs := make([]*Subscription, n)
			for i := range subs {
				subs[i] = th.sub(Filter{Supervisor: true, Queue: 1 << 10})
			}
			notes := [2]string{"Order 100017: return label sent.", "Order 100017: refund issued."}
			cmds := [2]Command{
				Annotate{Agent: "ana", Session: id, Notes: &notes[0]},
				Annotate{Agent: "ana", Session: id, Notes: &notes[1]},
			}
			ctx := context.Background()
			seen := make([]*byte, 0, 4)
			var frames, encodings, size int
			_, _, seen = fanoutCount(subs, FrameCard, seen) // the frames of the setup
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := th.Do(ctx, cmds[i&1]); err != nil {
					b.Fatal(err)
				}
				var k int
				k, size, seen = fanoutCount(subs, FrameCard, seen)
				frames, encodings = frames+k, encodings+len(seen)
			}
			b.StopTimer()
			if frames != n*b.N || encodings > b.N {
				b.Fatalf("%d card frames (want %d), %d encodings (want ≤ %d)", frames, n*b.N, encodings, b.N)
			}
			b.ReportMetric(float64(frames)/float64(b.N), "frames/op")
			b.ReportMetric(float64(encodings)/float64(b.N), "encodings/op")
			b.ReportMetric(float64(size), "frame-B")
		})
	}
}

// BenchmarkFanoutMessage measures a chat message fanned out: the visitor of
// a chat in progress sends a message, one event for the agents of the
// session and the visitor. The assignee has N subscriptions (the hub
// delivers to every subscription of an agent; the server keeps one per
// socket), and the visitor one, so N+1 frames per op.
func BenchmarkFanoutMessage(b *testing.B) {
	for _, n := range fanoutSizes {
		b.Run(fmt.Sprint("recipients=", n+1), func(b *testing.B) {
			th := newTestHub(b, Config{})
			id := fanoutChat(b, th)
			subs := make([]*Subscription, 0, n+1)
			for range n {
				subs = append(subs, th.sub(Filter{Agent: "ana", Queue: 1 << 10}))
			}
			subs = append(subs, th.sub(Filter{Visitor: "v1", Queue: 1 << 10}))
			cmd := Send{Session: id, From: Party{Kind: session.KindVisitor, ID: "v1"},
				Text: "Hello, I would like to return the shoes from order 100017, they are a size too small."}
			ctx := context.Background()
			seen := make([]*byte, 0, 4)
			var frames, encodings, size int
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := th.Do(ctx, cmd); err != nil {
					b.Fatal(err)
				}
				var k int
				k, size, seen = fanoutCount(subs, FrameMessage, seen)
				frames, encodings = frames+k, encodings+len(seen)
			}
			b.StopTimer()
			if frames != (n+1)*b.N || encodings != b.N {
				b.Fatalf("%d message frames (want %d), %d encodings (want %d)", frames, (n+1)*b.N, encodings, b.N)
			}
			b.ReportMetric(float64(frames)/float64(b.N), "frames/op")
			b.ReportMetric(float64(encodings)/float64(b.N), "encodings/op")
			b.ReportMetric(float64(size), "frame-B")
		})
	}
}
