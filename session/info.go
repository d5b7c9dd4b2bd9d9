package session

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// SetCustomer records who the customer is: VisitorID (when id is not empty)
// and Contact, and a participant record of kind visitor with role customer
// unless one is open. Legal in every state that is not terminal. No journey
// event.
func (s *Session) SetCustomer(visitorID string, c Contact, now time.Time) error {
	const op = "set_customer"
	if s.State.Terminal() {
		return s.illegal(op)
	}
	if err := checkLen("visitor", visitorID, MaxNameLen); err != nil {
		return s.wrap(op, err)
	}
	if err := ValidateContact(c); err != nil {
		return s.wrap(op, err)
	}
	t := s.stamp(now)
	if visitorID != "" {
		s.VisitorID = visitorID
	}
	s.Contact = c
	if !s.present(KindVisitor, s.VisitorID) {
		s.join(KindVisitor, Ref{ID: s.VisitorID, Name: c.Name}, RoleCustomer, t)
	}
	return nil
}

// Annotate edits the info panel fields. notes, when not nil, replaces the
// notes; addTags and removeTags add and remove tags (trimmed, no duplicates,
// added first then removed); expertise, when not nil, replaces the expertise
// (an empty slice clears it). Legal in every state. Refused as a whole if a
// value is over its limit. No journey event.
func (s *Session) Annotate(notes *string, addTags, removeTags, expertise []string, now time.Time) error {
	const op = "annotate"
	tags, err := s.checkAnnotate(notes, addTags, removeTags, expertise)
	if err != nil {
		return s.wrap(op, err)
	}
	s.stamp(now)
	if notes != nil {
		s.Notes = *notes
	}
	s.Tags = tags
	if expertise != nil {
		s.Expertise = labels(nil, expertise)
	}
	return nil
}

// checkAnnotate validates an Annotate call and returns the new tags.
func (s *Session) checkAnnotate(notes *string, addTags, removeTags, expertise []string) ([]string, error) {
	if notes != nil {
		if err := ValidateNotes(*notes); err != nil {
			return nil, err
		}
	}
	if err := ValidateLabels(addTags, MaxTags); err != nil {
		return nil, err
	}
	if err := ValidateLabels(expertise, MaxExpertise); err != nil {
		return nil, err
	}
	remove := trimmed(removeTags)
	tags := labels(slices.Clone(s.Tags), addTags)
	tags = slices.DeleteFunc(tags, func(t string) bool { return slices.Contains(remove, t) })
	if len(tags) > MaxTags {
		return nil, fmt.Errorf("tags: %d, limit %d: %w", len(tags), MaxTags, ErrTooMany)
	}
	if len(tags) == 0 {
		tags = nil
	}
	return tags, nil
}

// labels appends the trimmed labels of add to dst, skipping duplicates;
// the result is nil when empty.
func labels(dst, add []string) []string {
	for _, l := range trimmed(add) {
		if !slices.Contains(dst, l) {
			dst = append(dst, l)
		}
	}
	if len(dst) == 0 {
		return nil
	}
	return dst
}

func trimmed(ls []string) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = strings.TrimSpace(l)
	}
	return out
}

// VerifyContact marks the contact verified with the email and/or phone an
// agent confirmed. At least one is required; an email needs an "@" and a
// phone a digit. A field left empty keeps its value only if the contact was
// already verified; an unverified value is dropped, so that Verified always
// covers every email and phone on the contact (ContactKey must never
// identify a contact by an address nobody confirmed). Journey: verified
// (detail email, phone or email,phone).
func (s *Session) VerifyContact(email, phone string, now time.Time) error {
	const op = "verify_contact"
	email, phone = strings.TrimSpace(email), strings.TrimSpace(phone)
	if err := s.checkVerify(op, email, phone); err != nil {
		return err
	}
	t := s.stamp(now)
	s.Contact = verified(s.Contact, email, phone)
	s.log(EventVerified, Ref{}, verifiedWhat(email, phone), t)
	return nil
}

// verified returns c verified with email and phone (see VerifyContact).
func verified(c Contact, email, phone string) Contact {
	if !c.Verified {
		c.Email, c.Phone = "", ""
	}
	if email != "" {
		c.Email = email
	}
	if phone != "" {
		c.Phone = phone
	}
	c.Verified = true
	return c
}

func verifiedWhat(email, phone string) string {
	switch {
	case email != "" && phone != "":
		return "email,phone"
	case email != "":
		return "email"
	}
	return "phone"
}

func (s *Session) checkVerify(op, email, phone string) error {
	if email == "" && phone == "" {
		return s.invalid(op, "no email or phone")
	}
	if email != "" && !strings.Contains(email, "@") {
		return s.invalid(op, "email without @")
	}
	if phone != "" && digits(phone) == "" {
		return s.invalid(op, "phone without digits")
	}
	if err := ValidateContact(verified(s.Contact, email, phone)); err != nil {
		return s.wrap(op, err)
	}
	return nil
}

// AddPage records a page the visitor viewed. Pages keeps the latest MaxPages;
// the journey gets a page event while it is shorter than MaxJourney. Legal
// in every state that is not terminal. Journey: page (detail URL).
func (s *Session) AddPage(url, title string, now time.Time) error {
	const op = "page"
	if s.State.Terminal() {
		return s.illegal(op)
	}
	if err := checkRequired("url", url, MaxURLLen); err != nil {
		return s.wrap(op, err)
	}
	if err := checkLen("title", title, MaxPageTitleLen); err != nil {
		return s.wrap(op, err)
	}
	t := s.stamp(now)
	if len(s.Pages) >= MaxPages {
		s.Pages = slices.Delete(s.Pages, 0, len(s.Pages)-MaxPages+1)
	}
	s.Pages = append(s.Pages, Page{URL: url, Title: title, At: t})
	if len(s.Journey) < MaxJourney {
		s.log(EventPage, Ref{}, url, t)
	}
	return nil
}
