package server

import (
	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/persist"
)

// tmpStore adapts persist to hub.Store until hub.PebbleStore lands.
type tmpStore struct {
	st *persist.Store
	ws string
	b  *persist.Batch
}

func newTmpStore(st *persist.Store, ws string) *tmpStore {
	return &tmpStore{st: st, ws: ws, b: st.NewBatch()}
}

func (s *tmpStore) Commit(b *hub.Batch) error {
	pb := s.b
	for _, e := range b.Entities {
		switch e.Kind {
		case hub.KindQueue:
			pb.PutQueue(s.ws, e.ID, e.Value)
		case hub.KindAgent:
			pb.PutAgent(s.ws, e.ID, e.Value)
		case hub.KindSession:
			pb.PutSession(s.ws, e.ID, e.Value, true)
		case hub.KindVisitor:
			pb.PutMeta("visitor/"+s.ws+"/"+e.ID, e.Value)
		}
	}
	for _, e := range b.Deleted {
		switch e.Kind {
		case hub.KindQueue:
			pb.DeleteQueue(s.ws, e.ID)
		case hub.KindAgent:
			pb.DeleteAgent(s.ws, e.ID)
		}
	}
	for _, m := range b.Messages {
		pb.AppendMessage(s.ws, m.Session, m.Seq, m.Value)
	}
	return s.st.Commit(pb)
}

func (s *tmpStore) Visitor(id string) ([]byte, error) {
	return s.st.GetMeta("visitor/" + s.ws + "/" + id)
}
func (s *tmpStore) Session(id string) ([]byte, error) { return s.st.GetSession(s.ws, id) }
func (s *tmpStore) MessagesAfter(sid string, after uint64, limit int) ([]hub.Message, error) {
	ms, err := s.st.Messages(s.ws, sid, after, limit)
	out := make([]hub.Message, len(ms))
	for i, m := range ms {
		out[i] = hub.Message{Session: sid, Seq: m.Seq, Value: m.Value}
	}
	return out, err
}
