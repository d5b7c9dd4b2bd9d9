package session

import (
	"errors"
	"fmt"
)

// Errors returned by this package, always wrapped with the operation, the
// session id and the detail. The hub maps ErrIllegal to the "conflict" error
// code and the others to "bad_request".
var (
	// ErrIllegal means the call is not allowed in the session's current state.
	ErrIllegal = errors.New("session: illegal transition")
	// ErrInvalid means an argument is malformed or out of range.
	ErrInvalid = errors.New("session: invalid argument")
	// ErrTooLong means a text field is over its byte limit.
	ErrTooLong = errors.New("session: too long")
	// ErrTooMany means a list is over its length limit.
	ErrTooMany = errors.New("session: too many")
)

// illegal reports op as not allowed in the session's current state.
func (s *Session) illegal(op string) error {
	return fmt.Errorf("%s %s in state %s: %w", op, s.ID, s.State.Name(), ErrIllegal)
}

// illegalWhy reports op as not allowed for a reason other than the state.
func (s *Session) illegalWhy(op, why string) error {
	return fmt.Errorf("%s %s: %s: %w", op, s.ID, why, ErrIllegal)
}

// invalid reports a bad argument to op.
func (s *Session) invalid(op, why string) error {
	return fmt.Errorf("%s %s: %s: %w", op, s.ID, why, ErrInvalid)
}

// wrap prefixes a validation error with op and the session id.
func (s *Session) wrap(op string, err error) error {
	return fmt.Errorf("%s %s: %w", op, s.ID, err)
}

// require returns nil when the session is in one of the allowed states.
func (s *Session) require(op string, allowed ...State) error {
	for _, st := range allowed {
		if s.State == st {
			return nil
		}
	}
	return s.illegal(op)
}
