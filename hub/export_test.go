package hub

import (
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/switchboardhq/switchboard/session"
	"go.uber.org/zap/zaptest"
)

// fakeExporter records what the hub hands over.
type fakeExporter struct {
	mu    sync.Mutex
	calls []fakeExport
}

type fakeExport struct {
	ws, session string
	doc         session.Metadata
	due         time.Time
}

func (f *fakeExporter) Export(ws, id string, doc []byte, due time.Time) {
	var md session.Metadata
	if err := json.Unmarshal(doc, &md); err != nil {
		panic(err)
	}
	f.mu.Lock()
	f.calls = append(f.calls, fakeExport{ws, id, md, due})
	f.mu.Unlock()
}

func (f *fakeExporter) got() []fakeExport {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// The metadata export is stored in the commit of the change that caused it
// (finish, wrap-up, CSAT), then handed to the exporter with its due time.
func TestExportsStoredWithTheirChange(t *testing.T) {
	st := openPebble(t, vfs.NewMem(), "exports")
	clock := NewManualClock(t0)
	ex := &fakeExporter{}
	h, err := New(Config{Workspace: testWS, Clock: clock, Store: NewPebbleStore(st, testWS),
		Logger: zaptest.NewLogger(t), Exporter: ex, ExportDelay: 15 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	th := runHub(t, h, clock)
	th.setup(QueueSpec{WrapupCodes: []string{"solved"}}, "ana")
	th.do(VisitorHello{Visitor: "v1", New: true, Contact: session.Contact{Name: "Vera", Language: "es"}})
	id := th.do(VisitorSend{Visitor: "v1", Text: "hola"}).Session
	th.do(Accept{Agent: "ana", Offer: th.offerTo("ana", id)})
	if n := len(ex.got()); n != 0 {
		t.Fatalf("%d exports before the end", n)
	}
	th.do(End{Session: id, By: Party{Kind: session.KindAgent, ID: "ana"}})
	th.do(Wrapup{Agent: "ana", Session: id, Code: "solved"})
	th.do(CSAT{Visitor: "v1", Rating: 4, Comment: "genial"})

	calls := ex.got()
	if len(calls) != 3 {
		t.Fatalf("%d exports, want 3 (end, wrap-up, csat): %+v", len(calls), calls)
	}
	due := t0.Add(15 * time.Minute)
	for i, c := range calls {
		// The clock did not move: due times still differ, by a nanosecond.
		if c.ws != testWS || c.session != id || !c.due.Equal(due.Add(time.Duration(i))) || c.doc.Status != session.StateFinished {
			t.Errorf("export %d: %s %s due %v status %d", i, c.ws, c.session, c.due, c.doc.Status)
		}
	}
	if calls[0].doc.Disposition != nil || calls[1].doc.Disposition == nil || calls[1].doc.Disposition.Code != "solved" ||
		calls[1].doc.CSAT != nil || calls[2].doc.CSAT == nil || calls[2].doc.CSAT.Rating != 4 {
		t.Errorf("documents do not follow the changes: %+v", calls)
	}

	var stored []time.Time
	err = st.ScanExports(testWS, func(d time.Time, sid string, val []byte) error {
		var md session.Metadata
		if sid != id || json.Unmarshal(val, &md) != nil || md.ID != id {
			t.Errorf("stored export %s %q", sid, val)
		}
		stored = append(stored, d)
		return nil
	})
	if err != nil || len(stored) != 3 || !stored[0].Equal(due) {
		t.Fatalf("stored exports %v, %v", stored, err)
	}
}

// Without an Exporter nothing is stored nor handed.
func TestNoExporterNoExports(t *testing.T) {
	th := newTestHub(t, Config{})
	th.setup(QueueSpec{}, "ana")
	th.do(VisitorHello{Visitor: "v1", New: true})
	id := th.do(VisitorSend{Visitor: "v1", Text: "hi"}).Session
	th.do(End{Session: id, By: Party{Kind: session.KindVisitor, ID: "v1"}})
	if ex := th.store.Exports(); len(ex) != 0 {
		t.Fatalf("exports without an exporter: %+v", ex)
	}
}

// A MemStore keeps the exports of its batches.
func TestMemStoreKeepsExports(t *testing.T) {
	ex := &fakeExporter{}
	th := newTestHub(t, Config{Exporter: ex})
	th.setup(QueueSpec{}, "ana")
	th.do(VisitorHello{Visitor: "v1", New: true})
	id := th.do(VisitorSend{Visitor: "v1", Text: "hi"}).Session
	th.do(End{Session: id, By: Party{Kind: session.KindVisitor, ID: "v1"}}) // abandoned in queue
	got := th.store.Exports()
	if len(got) != 1 || got[0].Session != id || !got[0].Due.Equal(t0) || len(ex.got()) != 1 {
		t.Fatalf("MemStore exports %+v, handed %d", got, len(ex.got()))
	}
	var md session.Metadata
	if err := json.Unmarshal(got[0].Doc, &md); err != nil || md.Outcome != session.OutcomeAbandoned {
		t.Fatalf("document %s: %v", got[0].Doc, err)
	}
}
