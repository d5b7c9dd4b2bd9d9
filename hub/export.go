package hub

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Exporter delivers the metadata documents the hub schedules: package export
// implements it. The hub stores every export (Batch.Exports) in the same
// commit as the change that caused it, and only then hands it over, so an
// export the exporter never sees (a full queue, a crash) is still in the
// store for the exporter's sweep.
type Exporter interface {
	// Export is called by the loop, after the commit that stored the export
	// of session's metadata doc due at due. It must not block. doc is the
	// exporter's to keep; workspace is the hub's.
	Export(workspace, session string, doc []byte, due time.Time)
}

// Export is a pending metadata export written with a Batch: the session's
// metadata document (session.Metadata, JSON) to deliver at Due.
type Export struct {
	Session string
	Due     time.Time
	Doc     []byte
}

// exportLater schedules the metadata export of s at the end of this cycle:
// when it finishes, and again after wrap-up or CSAT. The document is encoded
// at commit, so several changes in one cycle export once, with all of them.
// Without a Config.Exporter it does nothing.
func (h *Hub) exportLater(s *sessState) {
	if h.cfg.Exporter == nil || slices.Contains(h.cyc.exports, s) {
		return
	}
	h.cyc.exports = append(h.cyc.exports, s)
}

// commitExports adds the cycle's exports to b, due ExportDelay from now.
// Due times of a hub strictly increase, so that no two exports share a store
// key (due, session) and an export the exporter deletes after delivering it
// is never one the hub has written since.
func (h *Hub) commitExports(b *Batch) error {
	for _, s := range h.cyc.exports {
		doc, err := json.Marshal(s.Metadata(h.cyc.now))
		if err != nil {
			return fmt.Errorf("encoding metadata of session %s: %w", s.ID, err)
		}
		due := h.cyc.now.Add(h.cfg.ExportDelay)
		if !due.After(h.lastExportDue) {
			due = h.lastExportDue.Add(time.Nanosecond)
		}
		h.lastExportDue = due
		b.Exports = append(b.Exports, Export{Session: s.ID, Due: due, Doc: doc})
	}
	return nil
}

// handExports gives the exports of the batch just committed to the
// exporter.
func (h *Hub) handExports() {
	for _, e := range h.batch.Exports {
		h.cfg.Exporter.Export(h.cfg.Workspace, e.Session, e.Doc, e.Due)
	}
}
