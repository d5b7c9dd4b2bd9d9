package hub

import "testing"

// FuzzParseQueue feeds arbitrary bodies to the queue parser of the HTTP API:
// it must never panic, and anything it accepts must be a valid queue whose
// stored form parses back to the same spec.
func FuzzParseQueue(f *testing.F) {
	for _, s := range []string{`{"name":"Support"}`, `{"name":"x","priority":3,"aging":30,"steps":[{"after":10,"add_queue":"y"}]}`,
		`{"name":"x","business_hours":{"tz":"UTC","days":{"mon":["09:00-17:00"]}}}`, `{}`, `[]`, `{"name":"x","language_weight":-1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		q, err := ParseQueue("q", body)
		if err != nil {
			if CodeOf(err) != CodeBadRequest {
				t.Fatalf("refusal with code %q: %v", CodeOf(err), err)
			}
			return
		}
		if err := q.Queue.Validate(); err != nil {
			t.Fatalf("accepted an invalid queue: %v", err)
		}
		rec := q.record()
		q2, err := rec.spec()
		if err != nil {
			t.Fatalf("stored form does not parse back: %v", err)
		}
		if r1, r2 := q.record(), q2.record(); r1.Name != r2.Name || r1.Priority != r2.Priority || len(r1.Steps) != len(r2.Steps) {
			t.Fatalf("round trip changed the queue: %+v vs %+v", r1, r2)
		}
	})
}
