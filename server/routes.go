package server

import (
	"net/http"

	"github.com/switchboardhq/switchboard/web"
)

// routes builds the server's mux (Go 1.22 patterns).
func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /v1/ws/agent", s.detached(s.agentSocket))
	m.HandleFunc("GET /v1/ws/visitor", s.detached(s.visitorSocket))

	m.HandleFunc("PUT /v1/queues/{id}", s.api("queues.put", integration, s.putQueue))
	m.HandleFunc("GET /v1/queues", s.api("queues.list", anyCaller, s.getQueues))
	m.HandleFunc("GET /v1/queues/{id}", s.api("queues.get", anyCaller, s.getQueues))
	m.HandleFunc("DELETE /v1/queues/{id}", s.api("queues.delete", integration, s.deleteQueue))
	m.HandleFunc("GET /v1/queues/{id}/waiting", s.api("queues.waiting", anyCaller, s.getWaiting))
	m.HandleFunc("PUT /v1/agents/{id}", s.api("agents.put", integration, s.putAgent))
	m.HandleFunc("GET /v1/agents", s.api("agents.list", anyCaller, s.getAgents))
	m.HandleFunc("GET /v1/agents/{id}", s.api("agents.get", anyCaller, s.getAgents))
	m.HandleFunc("DELETE /v1/agents/{id}", s.api("agents.delete", integration, s.deleteAgent))
	m.HandleFunc("POST /v1/agents/{id}/token", s.api("agents.token", integration, s.postToken))
	m.HandleFunc("POST /v1/sessions", s.api("sessions.create", integration, s.postSession))
	m.HandleFunc("POST /v1/sessions/{id}/events", s.api("sessions.event", integration, s.postEvent))
	m.HandleFunc("GET /v1/sessions", s.api("sessions.search", anyCaller, s.searchSessions))
	m.HandleFunc("GET /v1/sessions/{id}", s.api("sessions.get", anyCaller, s.getSession))
	m.HandleFunc("GET /v1/sessions/{id}/transcript", s.api("sessions.transcript", anyCaller, s.getTranscript))
	m.HandleFunc("GET /v1/sessions/{id}/metadata", s.api("sessions.metadata", anyCaller, s.getMetadata))
	m.HandleFunc("GET /v1/stats", s.api("stats", anyCaller, s.getStats))
	m.HandleFunc("GET /v1/agent-statuses", s.api("agents.statuses", anyCaller, s.getStatuses))
	m.HandleFunc("GET /v1/workspace", s.api("workspace.get", integration, s.getWorkspace))
	m.HandleFunc("PATCH /v1/workspace", s.api("workspace.patch", integration, s.patchWorkspace))
	m.HandleFunc("PUT /v1/workspaces/{id}", s.api("workspaces.put", adminOnly, s.putWorkspaces))
	m.HandleFunc("GET /v1/workspaces", s.api("workspaces.list", adminOnly, s.listWorkspaces))
	m.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		s.refuse(w, "not_found", "no such endpoint: "+r.Method+" "+r.URL.Path)
	})

	m.Handle("GET /metrics", s.metrics.handler())
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /readyz", s.readyz)
	m.Handle("/", web.NewHandler(web.Options{FrameAncestors: s.cfg.FrameAncestors}))
	s.mux = m
}
