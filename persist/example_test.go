package persist_test

import (
	"fmt"
	"log"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/switchboardhq/switchboard/persist"
)

// A hub cycle: fill one batch with everything the cycle changed, commit it
// with one fsync, and only then acknowledge. At start-up, recovery reads the
// open sessions back.
func Example() {
	s, err := persist.Open("data", persist.Options{FS: vfs.NewMem()}) // a directory on disk in production
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	b := s.NewBatch()
	defer b.Close()
	b.PutSession("default", "0001", []byte(`{"status":"queued"}`), true)
	b.PutSession("default", "0002", []byte(`{"status":"connected"}`), true)
	b.AppendMessage("default", "0002", 1, []byte(`{"text":"hello"}`))
	b.IndexContact("default", "visitor:v42", "0002")
	if err := s.Commit(b); err != nil {
		log.Fatal(err) // the store has failed: stop, restart, recover
	}

	// 0001 is abandoned and wrapped up: it leaves the open index.
	b.PutSession("default", "0001", []byte(`{"status":"finished"}`), false)
	if err := s.Commit(b); err != nil {
		log.Fatal(err)
	}

	err = s.ScanOpenSessions("default", func(id string, val []byte) error {
		fmt.Printf("open %s %s\n", id, val)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	msgs, _ := s.Messages("default", "0002", 0, 0)
	fmt.Printf("%d message(s), last %s\n", len(msgs), msgs[len(msgs)-1].Value)
	// Output:
	// open 0002 {"status":"connected"}
	// 1 message(s), last {"text":"hello"}
}
