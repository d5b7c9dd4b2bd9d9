package server

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

// statusPruneEvery is how often the status log is pruned past the
// retention (Config.StatusRetention, or a workspace's status_retention).
const statusPruneEvery = time.Hour

// startPruner starts pruneStatusLog once, when a retention is first set:
// the server's, at start, or a workspace's. It is called at start and
// with s.wsWrites held.
func (s *Server) startPruner() {
	if s.pruning || !s.enter(&s.wg) {
		return
	}
	s.pruning = true
	go func() {
		defer s.wg.Done()
		s.pruneStatusLog()
	}()
}

// retentionChanged has the pruner prune at once, after a workspace's
// retention changed (starting it if it did not run). The caller holds
// s.wsWrites.
func (s *Server) retentionChanged() {
	s.startPruner()
	select {
	case s.pruneNow <- struct{}{}:
	default: // a round is already due
	}
}

// pruneStatusLog removes the agents' status changes older than their
// workspace's retention from every workspace's log, now and then every
// statusPruneEvery on the server's clock (or at once when pruneNow is
// signalled: a workspace's retention changed), until the server closes.
func (s *Server) pruneStatusLog() {
	clock := s.cfg.Clock
	for {
		s.pruneStatuses(clock.Now())
		c, stop := clock.At(clock.Now().Add(statusPruneEvery))
		select {
		case <-c:
		case <-s.pruneNow:
		case <-s.ctx.Done():
			stop()
			return
		}
		stop()
	}
}

// retention is how long workspace id keeps its status log: its own
// status_retention, or the server's; 0 is forever.
func (s *Server) retention(id string) time.Duration {
	var own string
	if ws := s.workspace(id); ws != nil {
		own = ws.rec().StatusRetention
	}
	if own == "" {
		return s.cfg.StatusRetention
	}
	d, _ := ParseRetention(own) // checked when set
	return d
}

// pruneStatuses removes every workspace's status changes logged before
// now less its retention. A failure is logged, and the next round tries
// again.
func (s *Server) pruneStatuses(now time.Time) {
	for _, id := range s.workspaceIDs() {
		keep := s.retention(id)
		if keep <= 0 {
			continue
		}
		before := now.Add(-keep)
		n, err := s.store.PruneStatuses(id, before)
		s.metrics.pruned.Add(float64(n))
		if err != nil {
			s.log.Error("pruning the status log", zap.String("workspace", id), zap.Error(err))
			continue
		}
		if n > 0 {
			s.log.Info("status log pruned", zap.String("workspace", id), zap.Int("changes", n),
				zap.Time("before", before), zap.Duration("retention", keep))
		}
	}
}

// ParseRetention reads a retention: days ("400d"), a duration ("2160h") or
// plain seconds; 0 means forever, and anything under an hour is refused
// as a likely mistake.
func ParseRetention(s string) (d time.Duration, err error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, errors.New("want whole days, e.g. 400d")
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		d, err = ParseDelay(s)
	}
	if err == nil && d > 0 && d < time.Hour {
		err = errors.New("under an hour: want days (400d), hours (2160h), or 0 to keep the log forever")
	}
	return d, err
}

// ParseDelay reads a duration ("15m", "90s") or plain seconds ("900", "0").
func ParseDelay(s string) (time.Duration, error) {
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if n < 0 {
			return 0, errors.New("negative")
		}
		return time.Duration(n * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err == nil && d < 0 {
		return 0, errors.New("negative")
	}
	return d, err
}
