package session

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on what a session may hold. Lengths are in bytes of UTF-8. The hub
// checks client input against them before it reaches a session (with the
// Validate functions); the session methods check them again and refuse.
const (
	MaxTextLen      = 4096 // a chat message
	MaxNotesLen     = 8192 // session notes, wrap-up notes
	MaxTags         = 32   // tags on a session
	MaxTagLen       = 64   // one tag or expertise label
	MaxExpertise    = 16   // expertise labels on a session
	MaxNameLen      = 128  // a contact, agent or queue name
	MaxSubjectLen   = 256  // a session subject
	MaxEmailLen     = 254  // an email address
	MaxPhoneLen     = 32   // a phone number as typed
	MaxURLLen       = 2048 // a page URL
	MaxPageTitleLen = 256  // a page title
	MaxCommentLen   = 1024 // a CSAT comment or a transfer note
	MaxCodeLen      = 64   // a wrap-up code, deflection reason or channel
	MaxPages        = 50   // pages kept per session; older ones are dropped
	MaxJourney      = 512  // journey length past which page views are not logged
)

// Priority and CSAT ranges (CCAI): priority 1 is the most urgent.
const (
	MinPriority = 1
	MaxPriority = 8
	MinCSAT     = 1
	MaxCSAT     = 4
)

// checkLen returns an error if s is not valid UTF-8 or is over max bytes.
func checkLen(field, s string, max int) error {
	if len(s) > max {
		return fmt.Errorf("%s: %d bytes, limit %d: %w", field, len(s), max, ErrTooLong)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s: not valid UTF-8: %w", field, ErrInvalid)
	}
	return nil
}

// checkRequired is checkLen for a field that must not be blank.
func checkRequired(field, s string, max int) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("%s: empty: %w", field, ErrInvalid)
	}
	return checkLen(field, s, max)
}

// ValidateText checks a chat message: not blank, valid UTF-8, at most
// MaxTextLen bytes.
func ValidateText(text string) error { return checkRequired("text", text, MaxTextLen) }

// ValidateNotes checks session or wrap-up notes: valid UTF-8, at most
// MaxNotesLen bytes (empty is allowed and clears them).
func ValidateNotes(notes string) error { return checkLen("notes", notes, MaxNotesLen) }

// ValidateLabel checks one tag or expertise label: not blank, valid UTF-8,
// at most MaxTagLen bytes.
func ValidateLabel(label string) error { return checkRequired("label", label, MaxTagLen) }

// ValidateLabels checks a list of labels and its length against max.
func ValidateLabels(labels []string, max int) error {
	if len(labels) > max {
		return fmt.Errorf("labels: %d, limit %d: %w", len(labels), max, ErrTooMany)
	}
	for _, l := range labels {
		if err := ValidateLabel(l); err != nil {
			return err
		}
	}
	return nil
}

// ValidateContact checks the lengths of a contact's fields.
func ValidateContact(c Contact) error {
	for _, f := range [...]struct {
		name, v string
		max     int
	}{
		{"name", c.Name, MaxNameLen},
		{"email", c.Email, MaxEmailLen},
		{"phone", c.Phone, MaxPhoneLen},
		{"country", c.Country, MaxCodeLen},
		{"language", c.Language, MaxCodeLen},
	} {
		if err := checkLen("contact "+f.name, f.v, f.max); err != nil {
			return err
		}
	}
	return nil
}
