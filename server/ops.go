package server

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus collectors, registered on their own
// registry so that several servers (tests) can live in one process.
type metrics struct {
	reg       *prometheus.Registry
	hub       *hubMetrics
	conns     *prometheus.GaugeVec
	frames    *prometheus.CounterVec
	refusals  *prometheus.CounterVec
	closes    *prometheus.CounterVec
	httpCalls *prometheus.CounterVec
	pushes    *prometheus.HistogramVec
	pruned    prometheus.Counter
}

// pushBuckets bound the push latencies: fine from 0.1 ms to 20 ms, where
// a healthy server's offers and messages fall, coarse up to 5 s.
var pushBuckets = []float64{.0001, .00025, .0005, .00075, .001, .0015, .002, .003, .005, .0075,
	.01, .015, .02, .03, .05, .075, .1, .15, .25, .5, 1, 2.5, 5}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry(),
		conns: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "switchboard_connections",
			Help: "Open websocket connections by kind (agent, visitor)."}, []string{"kind"}),
		frames: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_frames_received_total",
			Help: "Client frames received by kind and type."}, []string{"kind", "type"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_refusals_total",
			Help: "Client frames and HTTP calls refused, by error code."}, []string{"code"}),
		closes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_socket_closes_total",
			Help: "Sockets closed by the server, by close code."}, []string{"code"}),
		httpCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_http_requests_total",
			Help: "HTTP API requests by route and status class."}, []string{"route", "class"}),
		pushes: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "switchboard_push_latency_seconds",
			Help: "From the command that caused a pushed frame reaching the hub (a client frame read and decoded, " +
				"an API call) to the frame taken by the recipient socket's writer, by socket kind and frame type: " +
				"the server's share of an offer's or a message's latency.",
			Buckets: pushBuckets}, []string{"kind", "type"}),
		pruned: prometheus.NewCounter(prometheus.CounterOpts{Name: "switchboard_status_log_pruned_total",
			Help: "Agents' status changes removed from the store past the status retention."}),
	}
	m.reg.MustRegister(m.conns, m.frames, m.refusals, m.closes, m.httpCalls, m.pushes, m.pruned,
		// The scheduler's metrics include go_sched_latencies_seconds: how long
		// goroutines waited to run. Under load it tells a CPU-starved process
		// (waits of milliseconds) from a slow store or a busy hub loop.
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsScheduler)),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.hub = newHubMetrics(m.reg)
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// healthz answers 200 while the process serves HTTP.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when every workspace's hub runs and the server is not
// shutting down, else 503.
func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	select {
	case <-s.closing:
		writeProblem(w, "unavailable", "shutting down")
		return
	default:
	}
	for _, id := range s.workspaceIDs() {
		if !s.workspace(id).hub.Ready() {
			writeProblem(w, "unavailable", "workspace "+id+" is not running")
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
