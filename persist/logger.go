package persist

import (
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"go.uber.org/zap"
)

// pebbleLogger routes Pebble's log lines to zap.
//
// Pebble calls Fatalf when it cannot go on, most importantly when a commit
// fails to reach the write-ahead log (db.go: "fatal commit error"), and
// expects it not to return: its default logger exits the process, and if
// Fatalf returned, the failed commit would be reported as a success. So
// Fatalf logs and then panics with a fatalError. Store.Commit recovers that
// panic in its own goroutine and turns it into an error that fails the
// store; a Fatalf in one of Pebble's background goroutines (a MANIFEST that
// cannot be synced) still ends the process, as Pebble intends.
type pebbleLogger struct {
	log *zap.SugaredLogger
}

// fatalError is the panic value of pebbleLogger.Fatalf. It keeps the errors
// among Fatalf's arguments, so that errors.Is finds the cause.
type fatalError struct {
	msg    string
	causes []error
}

func (e fatalError) Error() string   { return e.msg }
func (e fatalError) Unwrap() []error { return e.causes }

func (l pebbleLogger) Infof(format string, args ...any) {
	l.log.Infof(format, args...)
}

func (l pebbleLogger) Errorf(format string, args ...any) {
	l.log.Errorf(format, args...)
}

func (l pebbleLogger) Fatalf(format string, args ...any) {
	f := fatalError{msg: fmt.Sprintf(format, args...)}
	for _, a := range args {
		if err, ok := a.(error); ok {
			f.causes = append(f.causes, err)
		}
	}
	l.log.Error(f.msg)
	panic(f)
}

// eventListener logs the Pebble events an operator needs to see: errors in
// background work, slow disks and write stalls (which hold up every hub's
// commit). Flushes and compactions are routine and stay quiet.
func eventListener(log *zap.Logger) *pebble.EventListener {
	return &pebble.EventListener{
		BackgroundError: func(err error) {
			log.Error("background error", zap.Error(err))
		},
		DiskSlow: func(info pebble.DiskSlowInfo) {
			log.Warn("disk slow", zap.String("path", info.Path),
				zap.Stringer("op", info.OpType), zap.Duration("duration", info.Duration))
		},
		WriteStallBegin: func(info pebble.WriteStallBeginInfo) {
			log.Warn("write stall begins", zap.String("reason", info.Reason))
		},
		WriteStallEnd: func() {
			log.Info("write stall ends")
		},
	}
}
