package hub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/router"
)

// ParseQueue reads a queue body of the HTTP API (the queue's stored form:
// durations in seconds, business hours {tz, days}) for queue id. Unknown
// fields are refused, as are fields out of range; name is required.
func ParseQueue(id string, body []byte) (QueueSpec, error) {
	var rec queueRecord
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		return QueueSpec{}, errorf(CodeBadRequest, "queue body: %v", err)
	}
	if rec.ID != "" && rec.ID != id {
		return QueueSpec{}, errorf(CodeBadRequest, "queue body id %q does not match %q", rec.ID, id)
	}
	rec.ID = id
	return rec.spec()
}

// MaxQueueDuration bounds each of a queue's times, a week: its offer
// timeout, max_wait, aging, service level, wrap-up timeout, idle release
// and steps.
const MaxQueueDuration = 7 * 24 * time.Hour

// spec converts a stored or wire record to a QueueSpec.
func (r queueRecord) spec() (QueueSpec, error) {
	secs := func(name string, v float64) (time.Duration, error) {
		if v < 0 || v > MaxQueueDuration.Seconds() {
			return 0, errorf(CodeBadRequest, "%s %v: 0 to %v seconds", name, v, MaxQueueDuration.Seconds())
		}
		return time.Duration(v * float64(time.Second)), nil
	}
	q := QueueSpec{Name: r.Name, WrapupCodes: r.WrapupCodes, DeflectMessage: r.DeflectMessage}
	q.Queue = router.Queue{ID: r.ID, AcceptMode: r.AcceptMode, OfferMode: r.OfferMode, MaxOffers: r.MaxOffers,
		Priority: r.Priority, MaxWaiting: r.MaxWaiting, Expertise: presence.NewExpertise(r.Expertise...),
		LanguageWeight: r.LanguageWeight, StickySlack: r.StickySlack, DeflectNoAgents: r.DeflectNoAgents}
	var err error
	for _, d := range []struct {
		name string
		v    float64
		dst  *time.Duration
	}{{"offer_timeout", r.OfferTimeout, &q.OfferTimeout}, {"max_wait", r.MaxWait, &q.MaxWait},
		{"aging", r.Aging, &q.Aging}, {"service_level", r.ServiceLevel, &q.ServiceLevel},
		{"wrapup_timeout", r.WrapupTimeout, &q.WrapupTimeout}, {"idle_release", r.IdleRelease, &q.IdleRelease}} {
		if *d.dst, err = secs(d.name, d.v); err != nil {
			return QueueSpec{}, err
		}
	}
	for i, st := range r.Steps {
		after, err := secs(fmt.Sprintf("steps[%d].after", i), st.After)
		if err != nil {
			return QueueSpec{}, err
		}
		q.Steps = append(q.Steps, router.Step{After: after, DropExpertise: st.DropExpertise,
			DropLanguage: st.DropLanguage, AddQueue: st.AddQueue})
	}
	if r.Hours != nil {
		loc, err := time.LoadLocation(r.Hours.TZ)
		if err != nil || r.Hours.TZ == "" {
			return QueueSpec{}, errorf(CodeBadRequest, "business_hours.tz %q is not a known time zone", r.Hours.TZ)
		}
		if q.Hours, err = router.ParseHours(loc, r.Hours.Days); err != nil {
			return QueueSpec{}, errorf(CodeBadRequest, "%v", err)
		}
	}
	if err := q.Queue.Validate(); err != nil {
		return QueueSpec{}, errorf(CodeBadRequest, "%v", err)
	}
	if err := q.validate(); err != nil {
		return QueueSpec{}, err
	}
	return q, nil
}
