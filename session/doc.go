// Package session is the pure model of one conversation session: a call, a
// chat, a messaging thread or an email, from creation to wrap-up.
//
// It holds the lifecycle (CCAI numeric state codes, conversation status,
// transfers, hold, end, wrap-up, CSAT, deflection), the journey of timed
// events, and the three views derived from a session: the live Card pushed
// to agents and supervisors, the VisitorView a customer may see, and the CCAI
// Metadata document exported after the end. Message and FormatTranscript
// cover the chat transcript.
//
// The package does no I/O, starts no goroutine and never reads the clock:
// every method that needs time takes a now argument, and session times never
// go backwards (a now earlier than the session's UpdatedAt counts as
// UpdatedAt). A method that refuses a call returns an error wrapping one of
// the sentinels (ErrIllegal, ErrInvalid, ErrTooLong, ErrTooMany) and leaves
// the session exactly as it was.
//
// Concurrency: a Session is not safe for concurrent use. It is owned by its
// workspace's hub loop, which is the only goroutine that calls its methods;
// others get copies (cards, metadata, JSON).
//
// A Session is stored whole as JSON; a round trip through encoding/json gives
// a value equal (reflect.DeepEqual) to the original for any session built by
// this package's functions.
package session
