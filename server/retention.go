package server

import (
	"time"

	"go.uber.org/zap"
)

// statusPruneEvery is how often the status log is pruned past the
// retention (Config.StatusRetention).
const statusPruneEvery = time.Hour

// pruneStatusLog removes the agents' status changes older than the
// retention from every workspace's log, now and then every
// statusPruneEvery on the server's clock, until the server closes.
func (s *Server) pruneStatusLog() {
	clock := s.cfg.Clock
	for {
		s.pruneStatuses(clock.Now().Add(-s.cfg.StatusRetention))
		c, stop := clock.At(clock.Now().Add(statusPruneEvery))
		select {
		case <-c:
			stop()
		case <-s.ctx.Done():
			stop()
			return
		}
	}
}

// pruneStatuses removes every workspace's status changes logged before
// before. A failure is logged, and the next round tries again.
func (s *Server) pruneStatuses(before time.Time) {
	for _, ws := range s.workspaceIDs() {
		n, err := s.store.PruneStatuses(ws, before)
		s.metrics.pruned.Add(float64(n))
		if err != nil {
			s.log.Error("pruning the status log", zap.String("workspace", ws), zap.Error(err))
			continue
		}
		if n > 0 {
			s.log.Info("status log pruned", zap.String("workspace", ws), zap.Int("changes", n),
				zap.Time("before", before), zap.Duration("retention", s.cfg.StatusRetention))
		}
	}
}
