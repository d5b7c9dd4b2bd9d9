package persist

import (
	"fmt"
	"runtime"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
	"go.uber.org/zap"
)

// Options configures Open. The zero value is a working configuration: every
// field says what its zero means.
type Options struct {
	// FS is the file system the store lives on. Nil means the operating
	// system's. Tests pass vfs.NewMem(), or an errorfs wrapper to inject
	// faults.
	FS vfs.FS

	// Logger receives the store's warnings and Pebble's own log lines, under
	// the name "persist". Nil means zap.NewNop().
	Logger *zap.Logger

	// CacheSize is Pebble's block cache, in bytes. Zero means 64 MiB.
	CacheSize int64

	// MemTableSize is the size of one Pebble memtable, in bytes. Zero means
	// 16 MiB. Larger means fewer flushes and L0 files under a stream of small
	// writes, more write-ahead log to replay at Open, and more disk held by
	// the logs Pebble keeps for reuse (up to 4 of about this size).
	MemTableSize uint64

	// SessionCacheSize is how many session records GetSession keeps in an LRU
	// cache (the finished sessions the hub no longer holds are read back
	// through it). Zero means 4096; negative disables the cache.
	SessionCacheSize int
}

const (
	defaultCacheSize        = 64 << 20
	defaultMemTableSize     = 16 << 20
	defaultSessionCacheSize = 4096
	maxMemTableSize         = 1 << 30
)

// formatVersion pins Pebble's on-disk format rather than following the
// library's default, which may move under an upgrade. It is the newest
// format of Pebble v2.1.
const formatVersion = pebble.FormatValueSeparation

// validate checks the options and fills in the defaults.
func (o Options) validate() (Options, error) {
	if o.CacheSize < 0 {
		return o, fmt.Errorf("persist: CacheSize %d is negative", o.CacheSize)
	}
	if o.MemTableSize > maxMemTableSize {
		return o, fmt.Errorf("persist: MemTableSize %d is above %d", o.MemTableSize, maxMemTableSize)
	}
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.CacheSize == 0 {
		o.CacheSize = defaultCacheSize
	}
	if o.MemTableSize == 0 {
		o.MemTableSize = defaultMemTableSize
	}
	if o.SessionCacheSize == 0 {
		o.SessionCacheSize = defaultSessionCacheSize
	}
	return o, nil
}

// pebbleOptions translates o (validated) into Pebble's options, tuned for the
// hub's workload: many small batches, each committed with fsync, from one
// loop per workspace; point reads of finished sessions; prefix scans at
// recovery.
func (o Options) pebbleOptions(log *zap.Logger) *pebble.Options {
	po := &pebble.Options{
		FS:                 o.FS,
		CacheSize:          o.CacheSize,
		FormatMajorVersion: formatVersion,
		Logger:             pebbleLogger{log.Sugar()},
		EventListener:      eventListener(log),

		// The hub already groups every command of a loop cycle into one batch,
		// and Pebble's commit pipeline lets batches from several workspaces
		// that arrive during one fsync share the next one. WALMinSyncInterval
		// would only add its delay to every ack, so it stays zero. Every commit
		// syncs, so WALBytesPerSync (background syncing) stays zero too.

		// A larger memtable than Pebble's 4 MiB means fewer flushes and fewer
		// L0 files under a steady stream of small writes, and a session
		// rewritten several times within it is flushed once. 3 of them may
		// queue while one is flushed, and L0 may grow to 24 sublevels before
		// writes stop: a burst is absorbed instead of stalling the hub loops
		// (a stall delays the acks of every workspace). Pebble keeps
		// MemTableStopWritesThreshold+1 old write-ahead logs for reuse (their
		// fsyncs are cheaper: the file does not grow), each about a memtable
		// long: with 32 MiB memtables and a threshold of 4 the logs held
		// 101 MB beside 24 MB of tables for 100,000 sessions; with 16 MiB and
		// 3, 77 MB (BenchmarkRecoveryScan, disk-B/session). That is a fixed
		// cost, reached once that much has been written.
		MemTableSize:                o.MemTableSize,
		MemTableStopWritesThreshold: 3,
		L0StopWritesThreshold:       24,
		// Compactions may run up to 4 at once (at most half the CPUs) when L0
		// piles up, so that it drains before it stops writes.
		CompactionConcurrencyRange: func() (int, int) {
			return 1, max(1, min(4, runtime.GOMAXPROCS(0)/2))
		},
	}
	for i := range po.Levels {
		// Point reads (GetSession of a finished session, AgentByToken,
		// GetQueue) skip every table whose filter rules the key out, at about
		// 1.25 bytes per key.
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	// Session records and messages are JSON: zstd on the two bottom levels,
	// where finished sessions end up, against the fastest compression
	// (minlz) everywhere: 237 against 277 table bytes for a 945-byte session
	// record, for a recovery scan of 100,000 open sessions about 15% slower
	// (285 against 246 ms in one run, cold cache), with BenchmarkRecoveryScan.
	// Finished sessions accumulate for ever; recovery reads only open ones.
	po.ApplyCompressionSettings(func() pebble.DBCompressionSettings {
		return pebble.DBCompressionBalanced
	})
	return po
}
