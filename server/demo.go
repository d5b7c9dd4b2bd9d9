package server

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
)

// createDemo creates the demo workspace of PROTOCOL.md ("Starting the
// server"): widget key demo, queue support (manual, single offers), queue
// sales (auto), agents ana, ben and supervisor sam, each with a token.
func (s *Server) createDemo() error {
	rec := workspaceRecord{ID: "default", Name: "Demo", WidgetKeys: []string{"demo"}}
	if err := s.putWorkspace(rec); err != nil {
		return err
	}
	if err := s.startWorkspace(rec); err != nil {
		return err
	}
	h := s.workspace("default").hub
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmds := []hub.Command{
		hub.PutQueue{Spec: hub.QueueSpec{Name: "Support", WrapupCodes: []string{"solved", "follow_up", "no_answer"},
			Queue: router.Queue{ID: "support", AcceptMode: router.Manual, OfferMode: router.Single}}},
		hub.PutQueue{Spec: hub.QueueSpec{Name: "Sales", Queue: router.Queue{ID: "sales", AcceptMode: router.Auto}}},
		hub.PutAgent{Profile: presence.Profile{ID: "ana", Name: "Ana Ruiz", Role: presence.RoleAgent,
			Languages: presence.Languages{Primary: "es", Secondary: []string{"en"}},
			Capacity:  presence.Capacity{presence.Voice: 1, presence.Chat: 3, presence.Email: 5}}, Queues: []string{"support", "sales"}},
		hub.PutAgent{Profile: presence.Profile{ID: "ben", Name: "Ben Carter", Role: presence.RoleAgent,
			Languages: presence.Languages{Primary: "en"},
			Capacity:  presence.Capacity{presence.Voice: 1, presence.Chat: 2, presence.Email: 5}}, Queues: []string{"support", "sales"}},
		hub.PutAgent{Profile: presence.Profile{ID: "sam", Name: "Sam Lee", Role: presence.RoleSupervisor,
			Languages: presence.Languages{Primary: "en", Secondary: []string{"es"}},
			Capacity:  presence.Capacity{presence.Voice: 1, presence.Chat: 2, presence.Email: 5}}, Queues: []string{"support"}},
	}
	for _, c := range cmds {
		if _, err := h.Do(ctx, c); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	s.demoTokens = map[string]string{}
	for _, a := range []string{"ana", "ben", "sam"} {
		tok, err := s.issueToken("default", a)
		if err != nil {
			return err
		}
		s.demoTokens[a] = tok
	}
	return nil
}
