package export

import (
	"context"
	"errors"
)

// Sink is a destination of metadata documents.
type Sink interface {
	// Name names the sink in logs; names of an Exporter's sinks differ.
	Name() string
	// Send delivers doc, the metadata document of session sessionID of
	// workspace, and returns once the sink has it. Sending a session's
	// document again replaces the one sent before. An error for which
	// IsPermanent holds will not go better by retrying soon.
	Send(ctx context.Context, workspace, sessionID string, doc []byte) error
}

// permanent is implemented by errors that say whether retrying soon is
// pointless.
type permanent interface{ Permanent() bool }

// Permanent wraps err as a permanent failure: the Exporter does not retry it
// within a delivery and holds the export for Config.MaxHold.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

type permanentError struct{ err error }

func (e permanentError) Error() string   { return e.err.Error() }
func (e permanentError) Unwrap() error   { return e.err }
func (e permanentError) Permanent() bool { return true }

// IsPermanent reports whether err, or an error it wraps, is a permanent
// failure (Permanent, or a *StatusError with a status that is one).
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p) && p.Permanent()
}
