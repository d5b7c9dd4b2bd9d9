package presence

import (
	"slices"
	"strings"
)

// Expertise is a set of labels (seeds: Odoo "expertise"), kept sorted,
// lower-cased and without duplicates so that two equal sets compare equal.
type Expertise []string

// NewExpertise returns the normalized set of labels.
func NewExpertise(labels ...string) Expertise {
	out := make(Expertise, 0, len(labels))
	for _, l := range labels {
		l = strings.ToLower(strings.TrimSpace(l))
		if l != "" {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Has reports whether the set holds label (normalized).
func (e Expertise) Has(label string) bool {
	_, ok := slices.BinarySearch(e, label)
	return ok
}

// HasAll reports whether the set holds every label of req (normalized).
func (e Expertise) HasAll(req Expertise) bool {
	for _, r := range req {
		if !e.Has(r) {
			return false
		}
	}
	return true
}
