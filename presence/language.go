package presence

import "strings"

// Languages are the languages an agent speaks: one primary and any number of
// secondary, as BCP 47 tags. They are compared on the base language, so
// "en-GB" matches "en".
type Languages struct {
	Primary   string   `json:"primary,omitempty"`
	Secondary []string `json:"secondary,omitempty"`
}

// Tier is how well an agent's languages match a session's: 0 primary match,
// 1 secondary match, 2 no match or unknown language. Router scoring counts a
// tier as Tier/2 (0, 0.5, 1).
type Tier uint8

// The tiers.
const (
	TierPrimary Tier = iota
	TierSecondary
	TierNone
)

// Factor returns the tier as the multiplier of the queue's language weight.
func (t Tier) Factor() float64 { return float64(t) / 2 }

// BaseLanguage returns the lower-cased base language of a BCP 47 tag:
// "pt-BR" → "pt". It returns "" for an empty tag.
func BaseLanguage(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(tag)
}

// Normalize returns l with every tag reduced to its base language, empty and
// duplicate secondaries dropped and a secondary equal to the primary removed.
func (l Languages) Normalize() Languages {
	out := Languages{Primary: BaseLanguage(l.Primary)}
	for _, s := range l.Secondary {
		b := BaseLanguage(s)
		if b == "" || b == out.Primary || contains(out.Secondary, b) {
			continue
		}
		out.Secondary = append(out.Secondary, b)
	}
	return out
}

// Tier returns how l matches base language lang (already reduced with
// BaseLanguage). An empty lang is unknown and matches nobody.
func (l Languages) Tier(lang string) Tier {
	switch {
	case lang == "":
		return TierNone
	case lang == l.Primary:
		return TierPrimary
	case contains(l.Secondary, lang):
		return TierSecondary
	}
	return TierNone
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
