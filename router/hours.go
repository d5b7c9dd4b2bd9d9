package router

import (
	"fmt"
	"strings"
	"time"
)

// Span is an opening span within a day, in minutes since midnight: From
// inclusive, To exclusive. To may be 1440 (24:00).
type Span struct{ From, To int }

// Hours are a queue's business hours in a time zone. Days are indexed by
// time.Weekday; a day with no span is closed.
type Hours struct {
	Loc  *time.Location
	Days [7][]Span
}

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseHours builds Hours from the wire form {mon: ["09:00-17:00"], …} in
// location loc (nil means UTC). Unknown day names and malformed spans are
// errors.
func ParseHours(loc *time.Location, days map[string][]string) (*Hours, error) {
	if loc == nil {
		loc = time.UTC
	}
	h := &Hours{Loc: loc}
	for name, spans := range days {
		d, ok := dayNames[strings.ToLower(name)]
		if !ok {
			return nil, fmt.Errorf("%w: business_hours day %q (sun..sat)", ErrInvalid, name)
		}
		for _, s := range spans {
			sp, err := parseSpan(s)
			if err != nil {
				return nil, err
			}
			h.Days[d] = append(h.Days[d], sp)
		}
	}
	return h, nil
}

func parseSpan(s string) (Span, error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return Span{}, fmt.Errorf("%w: business_hours span %q (HH:MM-HH:MM)", ErrInvalid, s)
	}
	f, err1 := parseClock(from)
	t, err2 := parseClock(to)
	if err1 != nil || err2 != nil || f >= t {
		return Span{}, fmt.Errorf("%w: business_hours span %q (HH:MM-HH:MM, from before to)", ErrInvalid, s)
	}
	return Span{f, t}, nil
}

func parseClock(s string) (int, error) {
	var h, m int
	if n, err := fmt.Sscanf(strings.TrimSpace(s), "%d:%d", &h, &m); n != 2 || err != nil {
		return 0, fmt.Errorf("clock %q", s)
	}
	if h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("clock %q", s)
	}
	return h*60 + m, nil
}

// Open reports whether the queue is open at now. Nil Hours are always open.
func (h *Hours) Open(now time.Time) bool {
	if h == nil {
		return true
	}
	t := now.In(h.Loc)
	min := t.Hour()*60 + t.Minute()
	for _, s := range h.Days[t.Weekday()] {
		if min >= s.From && min < s.To {
			return true
		}
	}
	return false
}
