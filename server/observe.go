package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/switchboardhq/switchboard/hub"
)

// hubMetrics are the hubs' measurements (hub.Observer), by workspace.
type hubMetrics struct {
	commands  *prometheus.CounterVec
	commit    *prometheus.HistogramVec
	apply     *prometheus.HistogramVec
	batch     *prometheus.HistogramVec
	decisions *prometheus.CounterVec
}

func newHubMetrics(reg *prometheus.Registry) *hubMetrics {
	m := &hubMetrics{
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_commands_total",
			Help: "Commands applied by the hub, by workspace, command and refusal code (\"\" accepted)."},
			[]string{"workspace", "command", "code"}),
		commit: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "switchboard_commit_seconds",
			Help:    "Durable commit (one synced Pebble batch) per hub cycle.",
			Buckets: prometheus.ExponentialBuckets(50e-6, 2, 16)}, []string{"workspace"}),
		apply: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "switchboard_cycle_apply_seconds",
			Help:    "Applying one cycle's commands and routing, before the commit.",
			Buckets: prometheus.ExponentialBuckets(10e-6, 2, 16)}, []string{"workspace"}),
		batch: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "switchboard_cycle_commands",
			Help:    "Commands per hub cycle (group commit size).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10)}, []string{"workspace"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_routing_decisions_total",
			Help: "Routing decisions by kind (offered, assigned, revoked, deflected, ...) and reason."},
			[]string{"workspace", "kind", "reason"}),
	}
	reg.MustRegister(m.commands, m.commit, m.apply, m.batch, m.decisions)
	return m
}

// observer returns the hub.Observer of workspace ws.
func (m *hubMetrics) observer(ws string) hub.Observer { return &wsObserver{m: m, ws: ws} }

type wsObserver struct {
	m  *hubMetrics
	ws string
}

func (o *wsObserver) Command(name string, code hub.Code) {
	o.m.commands.WithLabelValues(o.ws, name, string(code)).Inc()
}

func (o *wsObserver) Cycle(n int, apply, commit time.Duration) {
	o.m.batch.WithLabelValues(o.ws).Observe(float64(n))
	o.m.apply.WithLabelValues(o.ws).Observe(apply.Seconds())
	if commit > 0 {
		o.m.commit.WithLabelValues(o.ws).Observe(commit.Seconds())
	}
}

func (o *wsObserver) Decision(kind, reason string) {
	o.m.decisions.WithLabelValues(o.ws, kind, reason).Inc()
}

// queueCollector reads every queue's live figures from the hubs at scrape
// time.
type queueCollector struct {
	s                                            *Server
	waiting, longest, available, online, service *prometheus.Desc
}

func newQueueCollector(s *Server) *queueCollector {
	l := []string{"workspace", "queue"}
	return &queueCollector{s: s,
		waiting:   prometheus.NewDesc("switchboard_queue_waiting", "Sessions waiting in the queue.", l, nil),
		longest:   prometheus.NewDesc("switchboard_queue_longest_wait_seconds", "How long the oldest waiting session has waited.", l, nil),
		available: prometheus.NewDesc("switchboard_queue_agents_available", "Members whose status is available.", l, nil),
		online:    prometheus.NewDesc("switchboard_queue_agents_online", "Members not offline.", l, nil),
		service:   prometheus.NewDesc("switchboard_queue_service_level", "Share of answered sessions answered within the service-level time.", l, nil),
	}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.waiting, c.longest, c.available, c.online, c.service} {
		ch <- d
	}
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	for _, id := range c.s.workspaceIDs() {
		w := c.s.workspace(id)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		rep, err := w.hub.Do(ctx, hub.Stats{})
		cancel()
		if err != nil {
			continue
		}
		st, ok := rep.Data.(hub.WorkspaceStats)
		if !ok {
			continue
		}
		for _, q := range st.Queues {
			g := func(d *prometheus.Desc, v float64) {
				ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, id, q.ID)
			}
			g(c.waiting, float64(q.Waiting))
			g(c.longest, q.LongestWait)
			g(c.available, float64(q.AgentsAvailable))
			g(c.online, float64(q.AgentsOnline))
			g(c.service, q.ServiceLevel)
		}
	}
}
