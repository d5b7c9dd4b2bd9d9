package session

import "strings"

// Contact is the customer behind a session. Verified means the email and
// phone were confirmed (by an agent or an integration) and may identify the
// contact across sessions.
type Contact struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Phone    string `json:"phone"`
	Verified bool   `json:"verified"`
	Country  string `json:"country"`
	Language string `json:"language"`
}

// ContactKey returns the key that identifies the session's contact across
// sessions, for sticky routing and recent conversations:
// "email:<lowercased email>" when a verified email is known, else
// "phone:<digits>" when a verified phone with digits is known, else
// "visitor:<visitor id>", else "".
func (s *Session) ContactKey() string {
	c := s.Contact
	if email := strings.ToLower(strings.TrimSpace(c.Email)); c.Verified && email != "" {
		return "email:" + email
	}
	if d := digits(c.Phone); c.Verified && d != "" {
		return "phone:" + d
	}
	if s.VisitorID != "" {
		return "visitor:" + s.VisitorID
	}
	return ""
}

// digits returns the ASCII digits of s.
func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
