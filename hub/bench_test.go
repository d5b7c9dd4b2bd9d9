package hub

import (
	"bytes"
	"context"
	"strconv"
	"testing"

	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
)

// BenchmarkDoSend measures commands per second through Do: chat messages
// from many goroutines into connected sessions, each batch one MemStore
// commit.
func BenchmarkDoSend(b *testing.B) {
	th := newTestHub(b, Config{})
	th.setup(QueueSpec{Queue: router.Queue{AcceptMode: router.Auto}}, "ana", "ben", "cat", "dan")
	var ids []string
	for i := range 8 {
		ids = append(ids, th.do(StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v" + strconv.Itoa(i)}).Session)
	}
	ctx := context.Background()
	b.SetParallelism(32) // many sockets at once: batches form
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			id := ids[i%len(ids)]
			vid := "v" + strconv.Itoa(i%len(ids))
			if _, err := th.Do(ctx, Send{Session: id, From: Party{Kind: session.KindVisitor, ID: vid}, Text: "hello"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
	b.ReportMetric(float64(b.N)/float64(th.store.Commits()), "cmds/commit")
}

// BenchmarkRoutedChat measures one whole chat through Do, with an agent and
// a visitor subscribed: start with a first message, offer, accept, a
// message each way, end by the visitor, wrap-up.
func BenchmarkRoutedChat(b *testing.B) {
	th := newTestHub(b, Config{})
	th.setup(QueueSpec{}, "ana")
	agent := th.sub(Filter{Agent: "ana", Queue: 1 << 12})
	vis := th.sub(Filter{Visitor: "v1", Queue: 1 << 12})
	ctx := context.Background()
	must := func(r Reply, err error) Reply {
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		id := must(th.Do(ctx, StartSession{Channel: session.WebChat, Queue: "support", VisitorID: "v1", Text: "hello"})).Session
		offer := waitOffer(b, agent)
		must(th.Do(ctx, Accept{Agent: "ana", Offer: offer}))
		must(th.Do(ctx, Send{Session: id, From: Party{Kind: session.KindAgent, ID: "ana"}, Text: "hi"}))
		must(th.Do(ctx, Send{Session: id, From: Party{Kind: session.KindVisitor, ID: "v1"}, Text: "thanks"}))
		must(th.Do(ctx, End{Session: id, By: Party{Kind: session.KindVisitor, ID: "v1"}}))
		must(th.Do(ctx, Wrapup{Agent: "ana", Session: id, Code: "solved"}))
		drain(agent)
		drain(vis)
	}
}

var offerIDKey = []byte(`"offer":{"id":"`)

// waitOffer reads frames until an offer and returns its id, without
// decoding the whole frame.
func waitOffer(b *testing.B, s *Subscription) router.OfferID {
	for f := range s.C() {
		if f.Type != FrameOffer {
			continue
		}
		i := bytes.Index(f.JSON, offerIDKey)
		rest := f.JSON[i+len(offerIDKey):]
		n, err := strconv.ParseUint(string(rest[:bytes.IndexByte(rest, '"')]), 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		return router.OfferID(n)
	}
	b.Fatal("subscription closed: " + s.Reason())
	return 0
}
