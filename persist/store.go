package persist

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"go.uber.org/zap"
)

// Sentinel errors. Match them with errors.Is.
var (
	// ErrNotFound is returned by reads of a key that does not exist.
	ErrNotFound = errors.New("persist: not found")
	// ErrClosed is returned by every method called after Close.
	ErrClosed = errors.New("persist: closed")
	// ErrFailed is wrapped by the error of a failed Commit and then by every
	// later call: after a commit failure the store refuses all use (see
	// Store.Commit).
	ErrFailed = errors.New("persist: store failed")
	// ErrStop may be returned by a scan callback to end the scan early; the
	// scan then returns nil.
	ErrStop = errors.New("persist: stop scan")
)

// SchemaVersion is the version of the key layout in keys.go. Open upgrades a
// store of an earlier version (migrateSchema) and refuses a later one.
//
//	1  the first layout
//	2  the status log also by agent ('h')
const SchemaVersion = 2

// Store is the hub's durable state in one Pebble database. Its methods are
// safe for concurrent use; see the package documentation for the contract.
type Store struct {
	db    *pebble.DB
	fs    vfs.FS
	dir   string
	log   *zap.Logger
	cache *sessionCache // nil when disabled

	mu     sync.Mutex
	idle   sync.Cond // signalled when active drops to zero after Close began
	active int       // calls in flight
	closed bool
	failed error // sticky: set by the first failed commit
}

// Open opens the store in dir, creating it if needed.
func Open(dir string, opts Options) (*Store, error) {
	o, err := opts.validate()
	if err != nil {
		return nil, err
	}
	log := o.Logger.Named("persist")
	db, err := openDB(dir, o.pebbleOptions(log))
	if err != nil {
		return nil, fmt.Errorf("persist: open %s: %w", dir, err)
	}
	s := &Store{db: db, fs: o.FS, dir: dir, log: log}
	s.idle.L = &s.mu
	if o.SessionCacheSize > 0 {
		s.cache = newSessionCache(o.SessionCacheSize)
	}
	if err := s.checkSchema(); err != nil {
		return nil, errors.Join(err, s.closeDB())
	}
	return s, nil
}

// openDB opens Pebble, turning a Fatalf during Open into an error.
func openDB(dir string, po *pebble.Options) (db *pebble.DB, err error) {
	defer recoverFatal(&err)
	return pebble.Open(dir, po)
}

// checkSchema writes the schema version into a new store, upgrades a store
// of an earlier version and refuses one of a later version.
func (s *Store) checkSchema() (err error) {
	defer recoverFatal(&err)
	v, closer, err := s.db.Get(keySchema)
	if errors.Is(err, pebble.ErrNotFound) {
		val := binary.BigEndian.AppendUint32(nil, SchemaVersion)
		if err := s.db.Set(keySchema, val, pebble.Sync); err != nil {
			return fmt.Errorf("persist: write schema version: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("persist: read schema version: %w", err)
	}
	ver, stored := uint32(0), fmt.Sprintf("%x", v)
	if len(v) == 4 {
		ver = binary.BigEndian.Uint32(v)
	}
	_ = closer.Close()
	switch {
	case ver == SchemaVersion:
		return nil
	case ver >= 1 && ver < SchemaVersion:
		return s.migrateSchema(ver)
	}
	return fmt.Errorf("persist: store has schema version %s, this build reads 1 to %d", stored, SchemaVersion)
}

// Close waits for the calls in flight, then closes the database. Every later
// call returns ErrClosed, and so does a second Close. Close must not be
// called from a scan callback (it would wait for that scan).
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.closed = true
	for s.active > 0 {
		s.idle.Wait()
	}
	failed := s.failed
	s.mu.Unlock()
	if err := s.closeDB(); err != nil {
		if failed != nil {
			// Closing a store whose write-ahead log failed reports the same
			// failure again; the caller has already been told.
			s.log.Warn("close after failure", zap.Error(err))
			return nil
		}
		return fmt.Errorf("persist: close: %w", err)
	}
	return nil
}

// closeDB closes Pebble, turning a Fatalf during close into an error.
func (s *Store) closeDB() (err error) {
	defer recoverFatal(&err)
	return s.db.Close()
}

// acquire registers a call in flight; release must follow.
func (s *Store) acquire() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return ErrClosed
	case s.failed != nil:
		return s.failed
	}
	s.active++
	return nil
}

func (s *Store) release() {
	s.mu.Lock()
	s.active--
	if s.active == 0 && s.closed {
		s.idle.Broadcast()
	}
	s.mu.Unlock()
}

// fail makes the store refuse all further use and returns the error that
// says why.
func (s *Store) fail(cause error) error {
	err := fmt.Errorf("%w: commit: %w", ErrFailed, cause)
	s.mu.Lock()
	if s.failed == nil {
		s.failed = err
	} else {
		err = s.failed
	}
	s.mu.Unlock()
	s.log.Error("commit failed; the store refuses further use", zap.Error(cause))
	return err
}

// recoverFatal turns a pebbleLogger.Fatalf panic into *err; it re-panics on
// anything else.
func recoverFatal(err *error) {
	r := recover()
	if r == nil {
		return
	}
	f, ok := r.(fatalError)
	if !ok {
		panic(r)
	}
	*err = f
}

// DiskUsage is the number of bytes in the store's directory: tables,
// write-ahead log (the live one included, which Pebble's own metric leaves
// out until it is rotated), manifest and options.
func (s *Store) DiskUsage() (uint64, error) {
	if err := s.acquire(); err != nil {
		return 0, err
	}
	defer s.release()
	names, err := s.fs.List(s.dir)
	if err != nil {
		return 0, fmt.Errorf("persist: disk usage: %w", err)
	}
	var n uint64
	for _, name := range names {
		fi, err := s.fs.Stat(s.fs.PathJoin(s.dir, name))
		if err != nil {
			continue // removed since List: an obsolete file
		}
		if fi.Mode().IsRegular() {
			n += uint64(fi.Size())
		}
	}
	return n, nil
}
