package hub

import (
	"encoding/json"
	"testing"
)

func TestParseQueue(t *testing.T) {
	body := `{"name":"Support","accept_mode":"manual","offer_mode":"broadcast","offer_timeout":15,"max_offers":2,
	"priority":3,"max_waiting":50,"max_wait":600,"expertise":["billing"],"wrapup_codes":["solved","callback"],
	"wrapup_timeout":90,"aging":30,"language_weight":0.25,"sticky_slack":0.1,
	"steps":[{"after":30,"drop_expertise":true},{"after":60,"drop_language":true}],
	"business_hours":{"tz":"Europe/Madrid","days":{"mon":["09:00-17:00"],"sat":["10:00-14:00"]}},
	"deflect_message":"We are closed"}`
	q, err := ParseQueue("support", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if q.ID != "support" || q.OfferTimeout.Seconds() != 15 || len(q.Steps) != 2 || q.Hours == nil || *q.LanguageWeight != 0.25 {
		t.Fatalf("parsed %+v", q)
	}
	// The stored form reads back to the same spec.
	rec, _ := json.Marshal(q.record())
	q2, err := ParseQueue("support", rec)
	if err != nil {
		t.Fatal(err)
	}
	r1, _ := json.Marshal(q.record())
	r2, _ := json.Marshal(q2.record())
	if string(r1) != string(r2) {
		t.Fatalf("round trip:\n%s\n%s", r1, r2)
	}
	for _, bad := range []string{
		`{}`, `{"name":"x","unknown":1}`, `{"name":"x","priority":9}`, `{"name":"x","accept_mode":"maybe"}`,
		`{"name":"x","offer_timeout":-1}`, `{"name":"x","business_hours":{"tz":"Mars/Base","days":{}}}`,
		`{"name":"x","business_hours":{"tz":"UTC","days":{"funday":["09:00-10:00"]}}}`,
		`{"name":"x","steps":[{"after":60},{"after":30}]}`, `{"name":"x","id":"other"}`, `not json`,
	} {
		if _, err := ParseQueue("q", []byte(bad)); CodeOf(err) != CodeBadRequest {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
