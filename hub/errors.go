package hub

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
	"github.com/switchboardhq/switchboard/session"
)

// Code is a client-facing error code (PROTOCOL.md "Conventions").
type Code string

// The error codes.
const (
	CodeBadRequest   Code = "bad_request"
	CodeUnauthorized Code = "unauthorized"
	CodeForbidden    Code = "forbidden"
	CodeNotFound     Code = "not_found"
	CodeConflict     Code = "conflict"
	CodeRateLimited  Code = "rate_limited"
	CodeTooLarge     Code = "too_large"
	CodeUnavailable  Code = "unavailable"
	CodeInternal     Code = "internal"
)

// Error is a refusal with its code and a message fit for the client.
type Error struct {
	Code    Code
	Message string
	// Err is the cause, if any; it is not shown to clients.
	Err error
}

// Error returns "hub: <code>: <message>".
func (e *Error) Error() string { return "hub: " + string(e.Code) + ": " + e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Sentinel causes, wrapped in an *Error by Do.
var (
	// ErrFailed means a commit failed and the hub refuses everything since.
	ErrFailed = errors.New("hub: failed")
	// ErrStopped means the hub's loop is not running.
	ErrStopped = errors.New("hub: stopped")
	// ErrStalled means a commit has not returned within StallTimeout.
	ErrStalled = errors.New("hub: store stalled")
	// ErrInboxFull means the inbox was full.
	ErrInboxFull = errors.New("hub: inbox full")
)

func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of err: an *Error's own, else the code its cause
// maps to (router, session and presence errors, context errors), else
// internal. It returns "" for a nil err.
func CodeOf(err error) Code {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	case errors.Is(err, router.ErrNotFound):
		return CodeNotFound
	case errors.Is(err, router.ErrConflict), errors.Is(err, router.ErrInUse), errors.Is(err, session.ErrIllegal):
		return CodeConflict
	case errors.Is(err, router.ErrInvalid), errors.Is(err, session.ErrInvalid),
		errors.Is(err, session.ErrTooLong), errors.Is(err, session.ErrTooMany),
		errors.Is(err, presence.ErrBadCapacity), errors.Is(err, presence.ErrIllegalStatus):
		return CodeBadRequest
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return CodeUnavailable
	}
	return CodeInternal
}

// asError returns err as an *Error, mapping its code with CodeOf.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeOf(err), Message: err.Error(), Err: err}
}
