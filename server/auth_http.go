package server

import (
	"errors"
	"net"
	"net/http"

	"github.com/switchboardhq/switchboard/persist"
)

// caller is who made an HTTP API call.
type caller struct {
	admin bool   // the server admin key
	ws    string // the workspace acted on
	agent string // set when authenticated by an agent token
	super bool   // the agent is a supervisor
}

// authenticate resolves the bearer credential of r: the admin key (acting on
// the Switchboard-Workspace header's workspace, default "default"), a
// workspace API key, or an agent token. It returns a PROTOCOL.md error code.
func (s *Server) authenticate(r *http.Request) (caller, *wireError) {
	tok := bearer(r)
	if tok == "" {
		return caller{}, &wireError{"unauthorized", "missing Authorization: Bearer credential"}
	}
	h := hashSecret(tok)
	if sameHash(h, s.adminHash) {
		ws := r.Header.Get("Switchboard-Workspace")
		if ws == "" {
			ws = "default"
		}
		return caller{admin: true, ws: ws}, nil
	}
	for _, id := range s.workspaceIDs() {
		w := s.workspace(id)
		for _, k := range w.rec().APIKeyHashes {
			if sameHash(h, k) {
				return caller{ws: id}, nil
			}
		}
	}
	ws, agent, err := s.store.AgentByToken([]byte(h))
	switch {
	case errors.Is(err, persist.ErrNotFound):
		return caller{}, &wireError{"unauthorized", "unknown credential"}
	case err != nil:
		return caller{}, &wireError{"unavailable", "store unavailable"}
	}
	return caller{ws: ws, agent: agent, super: s.isSupervisor(ws, agent)}, nil
}

// clientAddr is the remote address without port, the key of per-address
// limits.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
