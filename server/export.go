package server

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/switchboardhq/switchboard/export"
	"github.com/switchboardhq/switchboard/hub"
)

// DefaultExportDelay is how long after a session finishes (or is wrapped up,
// or rated) its metadata document is exported: the CCAI metadata file is
// updated 15 minutes after the session ends.
const DefaultExportDelay = 15 * time.Minute

// NoExportDir, as Config.ExportDir, turns the directory sink off.
const NoExportDir = "-"

// exportDelay is the hubs' ExportDelay for cfg.ExportDelay.
func exportDelay(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return DefaultExportDelay
	case d < 0:
		return 0
	}
	return d
}

// exportSinks returns the sinks cfg asks for (none: no export).
func exportSinks(cfg *Config) ([]export.Sink, error) {
	var sinks []export.Sink
	dir := cfg.ExportDir
	if dir == "" && cfg.DataDir != "" {
		dir = filepath.Join(cfg.DataDir, "exports")
	}
	if dir != "" && dir != NoExportDir {
		d, err := export.NewDirSink(dir)
		if err != nil {
			return nil, err
		}
		sinks = append(sinks, d)
	}
	if cfg.ExportWebhook != "" {
		w, err := export.NewWebhookSink(export.WebhookConfig{URL: cfg.ExportWebhook})
		if err != nil {
			return nil, err
		}
		sinks = append(sinks, w)
	}
	return sinks, nil
}

// startExporter starts the exporter of s's store when cfg names a sink, and
// makes every hub schedule exports to it. Its first sweep resumes the
// exports left pending at the last stop.
func (s *Server) startExporter() error {
	sinks, err := exportSinks(&s.cfg)
	if err != nil || len(sinks) == 0 {
		return err
	}
	ec := s.cfg.Export
	ec.Store, ec.Sinks, ec.Clock, ec.Logger = s.store, sinks, s.cfg.Clock, s.log
	if ec.Clock == nil {
		ec.Clock = hub.RealClock()
	}
	ex, err := export.New(ec)
	if err != nil {
		return fmt.Errorf("starting the exporter: %w", err)
	}
	s.exporter = ex
	s.cfg.Hub.Exporter, s.cfg.Hub.ExportDelay = ex, exportDelay(s.cfg.ExportDelay)
	return nil
}

// stopExporter stops the exporter, if any: after the hubs, before the store.
func (s *Server) stopExporter() {
	if s.exporter != nil {
		_ = s.exporter.Close()
	}
}

// Exporter returns the running exporter, nil when no sink is configured.
func (s *Server) Exporter() *export.Exporter { return s.exporter }
