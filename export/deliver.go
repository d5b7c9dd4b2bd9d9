package export

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"
)

// job is one delivery: the newest document of a session, and every pending
// export of the session it replaces (deleted once it is delivered).
type job struct {
	key  key
	doc  []byte
	due  time.Time   // of doc
	dues []time.Time // all to delete, due included
	skip []string    // sinks that already have doc
}

// result is a job's outcome, for the scheduler.
type result struct {
	job       *job
	sent      []string // sinks that have the document
	err       error    // nil: delivered to every sink and deleted
	permanent bool     // every sink that failed failed permanently
}

// deliver runs j on a worker: every sink, then the deletion of the pending
// exports; then it reports to the scheduler.
func (e *Exporter) deliver(j *job) {
	r := result{job: j}
	transient := false
	for _, sk := range e.cfg.Sinks {
		name := sk.Name()
		if slices.Contains(j.skip, name) {
			r.sent = append(r.sent, name)
			continue
		}
		if err := e.send(sk, j); err != nil {
			r.err = errors.Join(r.err, fmt.Errorf("sink %s: %w", name, err))
			transient = transient || !IsPermanent(err)
			continue
		}
		r.sent = append(r.sent, name)
	}
	r.permanent = r.err != nil && !transient
	if r.err == nil {
		r.err = e.remove(j)
	}
	select {
	case e.done <- r:
	case <-e.ctx.Done():
	}
}

// send tries sink sk up to Config.Attempts times, with backoff.
func (e *Exporter) send(sk Sink, j *job) error {
	for n := 1; ; n++ {
		err := sk.Send(e.ctx, j.key.ws, j.key.session, j.doc)
		if err == nil || IsPermanent(err) || n >= e.cfg.Attempts || e.ctx.Err() != nil {
			return err
		}
		d := backoff(n, e.cfg.Backoff, e.cfg.MaxBackoff)
		e.cfg.Logger.Debug("export try failed", zap.String("sink", sk.Name()), zap.String("session", j.key.session),
			zap.Int("try", n), zap.Duration("retry_in", d), zap.Error(err))
		if !e.sleep(d) {
			return err
		}
	}
}

// sleep waits d on the clock; false if the exporter closed first.
func (e *Exporter) sleep(d time.Duration) bool {
	c, stop := e.cfg.Clock.At(e.cfg.Clock.Now().Add(d))
	defer stop()
	select {
	case <-c:
		return true
	case <-e.ctx.Done():
		return false
	}
}

// remove deletes j's pending exports from the store. The record is the
// exporter's alone (the hub only writes it), so it is deleted here rather
// than through a hub command.
func (e *Exporter) remove(j *job) error {
	b := e.cfg.Store.NewBatch()
	defer b.Close()
	for _, d := range j.dues {
		b.DeleteExport(j.key.ws, d, j.key.session)
	}
	if err := e.cfg.Store.Commit(b); err != nil {
		return fmt.Errorf("deleting delivered export: %w", err)
	}
	return nil
}
