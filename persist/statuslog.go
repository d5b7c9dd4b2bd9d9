package persist

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// The agents' status log is kept twice: in time order ('p', ScanStatuses)
// for a workspace's day, and by agent ('h', ScanAgentStatuses) for one
// agent's past, which a scan of the time-ordered log would find only by
// reading every other agent's changes of the span too. PutStatus writes
// both and PruneStatuses removes both.

// pruneChunk is how many status changes PruneStatuses removes per commit.
const pruneChunk = 4096

// ScanAgentStatuses calls fn for agent agentID's status changes in
// workspace ws logged at from or later and before to (no bound when zero),
// in time order, from the one after (after, afterAgent) in ScanStatuses'
// order when after is not zero: a page's last entry, to read the next page.
func (s *Store) ScanAgentStatuses(ws, agentID string, from, to, after time.Time, afterAgent string, fn func(at time.Time, val []byte) error) error {
	prefix := prefixAgentStatuses(nil, ws, agentID)
	var next []byte
	if !after.IsZero() {
		// The agent's change at the page's last instant comes after the
		// page when its id sorts after the last entry's agent.
		next = appendTime(bytes.Clone(prefix), after)
		if agentID <= afterAgent {
			next = append(next, 0)
		}
	}
	sp, ok := timeSpan(prefix, from, to, next)
	if !ok {
		return nil
	}
	_, err := s.walk(sp, func(k, v []byte) error {
		at, rest, ok := readTime(k[len(prefix):])
		if !ok || len(rest) != 0 {
			return malformed(k)
		}
		return fn(at, v)
	})
	return err
}

// timeSpan is the span of the keys prefix ‖ time(t) ‖ … with t from from
// and before to (no bound when zero), starting at next when that is later
// (nil: no cursor). It is false when the span is empty.
func timeSpan(prefix []byte, from, to time.Time, next []byte) (span, bool) {
	sp := span{lo: prefix, hi: prefixEnd(prefix)}
	if !from.IsZero() {
		sp.lo = appendTime(bytes.Clone(prefix), from)
	}
	if !to.IsZero() {
		sp.hi = appendTime(bytes.Clone(prefix), to)
	}
	if next != nil && bytes.Compare(next, sp.lo) > 0 {
		sp.lo = next
	}
	return sp, bytes.Compare(sp.lo, sp.hi) < 0
}

// PruneStatuses removes the status changes of workspace ws logged before
// before, from both orders, a few thousand per commit, and returns how
// many it removed. What it removed is gone even if it then fails.
func (s *Store) PruneStatuses(ws string, before time.Time) (n int, err error) {
	prefix := appendTable(nil, ws, subStatus)
	sp := span{lo: prefix, hi: appendTime(bytes.Clone(prefix), before), limit: pruneChunk}
	b := s.NewBatch()
	defer b.Close()
	for {
		var last []byte
		more, err := s.walk(sp, func(k, _ []byte) error {
			at, agentID, ok := readTimeID(k[len(prefix):])
			if !ok {
				return malformed(k)
			}
			b.del(k)
			b.key = keyAgentStatus(b.key[:0], ws, agentID, at)
			b.del(b.key)
			last = append(last[:0], k...)
			return nil
		})
		if err != nil {
			return n, err
		}
		count := b.Len() / 2
		if err := s.Commit(b); err != nil {
			return n, err
		}
		n += count
		if !more {
			return n, nil
		}
		sp.lo = append(bytes.Clone(last), 0)
	}
}

// migrateSchema brings a store of schema version from up to SchemaVersion.
// Each step is idempotent and the version is written after it, synced, so a
// crash midway does the step again at the next Open.
func (s *Store) migrateSchema(from uint32) error {
	if from < 2 {
		n, err := s.indexStatusesByAgent()
		if err != nil {
			return fmt.Errorf("persist: schema 1 to 2, indexing the status log by agent: %w", err)
		}
		s.log.Info(fmt.Sprintf("store upgraded from schema %d to %d: %d status changes indexed by agent", from, SchemaVersion, n))
	}
	val := binary.BigEndian.AppendUint32(nil, SchemaVersion)
	if err := s.db.Set(keySchema, val, pebble.Sync); err != nil {
		return fmt.Errorf("persist: write schema version: %w", err)
	}
	return nil
}

// indexStatusesByAgent writes the by-agent entry of every status change of
// every workspace (schema 1 kept only the time-ordered log).
func (s *Store) indexStatusesByAgent() (n int, err error) {
	pb := s.db.NewBatch()
	defer func() { _ = pb.Close() }()
	var key []byte
	err = s.eachWorkspace(func(it *pebble.Iterator, ws string, prefix []byte) (bool, error) {
		lo := append(bytes.Clone(prefix), subStatus)
		hi := prefixEnd(lo)
		for ok := it.SeekGE(lo); ok && bytes.Compare(it.Key(), hi) < 0; ok = it.Next() {
			at, agentID, good := readTimeID(it.Key()[len(lo):])
			if !good {
				return false, malformed(it.Key())
			}
			val, err := it.ValueAndErr()
			if err != nil {
				return false, err
			}
			key = keyAgentStatus(key[:0], ws, agentID, at)
			if err := pb.Set(key, val, nil); err != nil {
				return false, err
			}
			n++
			if pb.Len() >= 4<<20 {
				if err := pb.Commit(pebble.NoSync); err != nil {
					return false, err
				}
				pb.Reset()
			}
		}
		return true, nil
	})
	if err != nil {
		return n, err
	}
	return n, pb.Commit(pebble.NoSync) // synced with the version after it
}
