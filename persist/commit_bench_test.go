package persist

import (
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// BenchmarkCommitHubBatch measures one commit of a realistic hub cycle: 64
// chat messages into 64 of 512 chats going on, which is what the hub's
// PebbleStore puts in one batch for them: per message, the session record
// rewritten whole (about 1 KiB, still open) and the message appended (about
// 200 bytes), then the checkpoint. Each op fills the batch and commits it,
// as the hub does once per loop cycle.
//
//   - disk/sync: Store.Commit on a real directory, with fsync (production).
//   - disk/nosync: the same batch written to the same write-ahead log without
//     waiting for the fsync (pebble.NoSync, bypassing Store.Commit): what the
//     fsync costs, by difference.
//
// Run:
//
//	go test -run XXX -bench CommitHubBatch -benchmem -count 3 ./persist
func BenchmarkCommitHubBatch(b *testing.B) {
	const perCommit, chats = 64, 512
	vals := make([][]byte, chats)
	ids := make([]string, chats)
	for i := range chats {
		vals[i], ids[i] = sessionValue(i), benchID(i)
	}
	msg := []byte(`{"id":"15","session":"0000000000000000","from":{"kind":"visitor","id":"v1","name":"Visitor 1"},` +
		`"text":"Hello, I would like to return the shoes from order 100017, they are a size too small.",` +
		`"at":"2026-03-01T09:00:00.000Z"}`)
	checkpoint := []byte(`{"next_offer_id":104217,"last_session_id":"0000019a3f2b1c00"}`)
	for _, c := range []struct {
		name string
		sync bool
	}{{"disk/sync", true}, {"disk/nosync", false}} {
		b.Run(c.name, func(b *testing.B) {
			s := openBench(b, b.TempDir())
			batch := s.NewBatch()
			defer batch.Close()
			seqs := make([]uint64, chats)
			var bytes int
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				for j := range perCommit {
					k := (i*perCommit + j) % chats
					seqs[k]++
					batch.PutSession("default", ids[k], vals[k], true)
					batch.AppendMessage("default", ids[k], seqs[k], msg)
				}
				batch.PutCheckpoint("default", checkpoint)
				bytes = batch.Size()
				if err := commitBench(s, batch, c.sync); err != nil {
					b.Fatal(err)
				}
			}
			elapsed := time.Since(start)
			b.StopTimer()
			b.SetBytes(int64(bytes))
			b.ReportMetric(float64(b.N*perCommit)/elapsed.Seconds(), "cmds/s")
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N*perCommit), "ns/cmd")
		})
	}
}

// commitBench commits batch: through Store.Commit when sync, else straight
// to Pebble without waiting for the fsync.
func commitBench(s *Store, batch *Batch, sync bool) error {
	if sync {
		return s.Commit(batch)
	}
	if err := batch.pb.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	batch.Reset()
	return nil
}
