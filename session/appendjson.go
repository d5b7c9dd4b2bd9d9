package session

import (
	"time"

	"github.com/switchboardhq/switchboard/internal/jsonw"
	"github.com/switchboardhq/switchboard/presence"
)

// The hub stores a session whole on every change and pushes its card and
// messages to agents: these encoders write exactly what json.Marshal
// writes for the same values (appendjson_test.go checks it byte for byte
// on generated values), without reflection and with no allocation beyond
// dst's growth.

// jw accumulates an object's fields and the first error (an invalid time,
// media or float), after which it appends nothing more.
type jw struct {
	b   []byte
	err error
}

// key appends the separator and "name": (name needs no escaping).
func (w *jw) key(name string) {
	if c := w.b[len(w.b)-1]; c != '{' && c != '[' {
		w.b = append(w.b, ',')
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, name...)
	w.b = append(w.b, '"', ':')
}

func (w *jw) str(name, v string) { w.key(name); w.b = jsonw.String(w.b, v) }

func (w *jw) strIf(name, v string) {
	if v != "" {
		w.str(name, v)
	}
}

func (w *jw) intIf(name string, v int) {
	if v != 0 {
		w.key(name)
		w.b = jsonw.Int(w.b, v)
	}
}

func (w *jw) boolIf(name string, v bool) {
	if v {
		w.key(name)
		w.b = append(w.b, "true"...)
	}
}

func (w *jw) floatIf(name string, v float64) {
	if v != 0 && w.err == nil {
		w.key(name)
		w.b, w.err = jsonw.Float(w.b, v)
	}
}

func (w *jw) time(name string, t time.Time) {
	if w.err == nil {
		w.key(name)
		w.b, w.err = jsonw.Time(w.b, t)
	}
}

func (w *jw) timeIf(name string, t time.Time) {
	if !t.IsZero() {
		w.time(name, t)
	}
}

func (w *jw) strsIf(name string, v []string) {
	if len(v) > 0 {
		w.key(name)
		w.b = jsonw.Strings(w.b, v)
	}
}

func (w *jw) ref(name string, r Ref) {
	w.key(name)
	w.open('{')
	w.str("id", r.ID)
	w.str("name", r.Name)
	w.close('}')
}

func (w *jw) refIf(name string, r Ref) {
	if r != (Ref{}) {
		w.ref(name, r)
	}
}

func (w *jw) media(name string, m presence.Media) {
	if w.err != nil {
		return
	}
	if !m.Valid() {
		_, w.err = m.MarshalText() // its error
		return
	}
	w.str(name, m.String())
}

func (w *jw) contact(name string, c Contact) {
	w.key(name)
	w.open('{')
	w.str("name", c.Name)
	w.str("email", c.Email)
	w.str("phone", c.Phone)
	w.key("verified")
	w.b = jsonw.Bool(w.b, c.Verified)
	w.str("country", c.Country)
	w.str("language", c.Language)
	w.close('}')
}

// open and close an object or array; elem starts an array element.
func (w *jw) open(c byte)  { w.b = append(w.b, c) }
func (w *jw) close(c byte) { w.b = append(w.b, c) }
func (w *jw) elem(i int) {
	if i > 0 {
		w.b = append(w.b, ',')
	}
}

// objects appends "name":[{…},…], each element's fields appended by fields
// (which takes and returns the bytes, not a *jw: a pointer given to a func
// value escapes, and would cost an allocation per record); a nil list is
// null (never omitted: see objectsIf).
func objects[E any](w *jw, name string, list []E, fields func(b []byte, v *E) ([]byte, error)) {
	w.key(name)
	if list == nil {
		w.b = append(w.b, "null"...)
		return
	}
	w.open('[')
	for i := range list {
		if w.err != nil {
			return
		}
		w.elem(i)
		w.open('{')
		w.b, w.err = fields(w.b, &list[i])
		w.close('}')
	}
	w.close(']')
}

// objectsIf is objects for an omitempty field: nothing when list is empty.
func objectsIf[E any](w *jw, name string, list []E, fields func(b []byte, v *E) ([]byte, error)) {
	if len(list) > 0 {
		objects(w, name, list, fields)
	}
}

// AppendJSON appends s as json.Marshal encodes it: the stored form.
func (s *Session) AppendJSON(dst []byte) ([]byte, error) {
	w := jw{b: dst}
	w.open('{')
	w.str("id", s.ID)
	w.str("workspace", s.Workspace)
	w.str("channel", string(s.Channel))
	w.media("media", s.Media)
	w.refIf("queue", s.Queue)
	w.strIf("subject", s.Subject)
	w.intIf("priority", s.Priority)
	w.strsIf("expertise", s.Expertise)
	if s.Contact != (Contact{}) {
		w.contact("contact", s.Contact)
	}
	w.strIf("visitor_id", s.VisitorID)
	w.key("state")
	w.b = jsonw.Int(w.b, int(s.State))
	w.strIf("status", string(s.Status))
	w.timeIf("status_since", s.StatusSince)
	w.refIf("agent", s.Agent)
	w.refIf("transfer_to", s.TransferTo)
	w.strsIf("passed", s.Passed)
	objectsIf(&w, "participants", s.Participants, func(b []byte, p *Participant) ([]byte, error) {
		w := jw{b: b}
		w.str("kind", string(p.Kind))
		w.strIf("id", p.ID)
		w.strIf("name", p.Name)
		w.str("role", p.Role)
		w.time("joined_at", p.JoinedAt)
		w.timeIf("left_at", p.LeftAt)
		return w.b, w.err
	})
	objectsIf(&w, "transfers", s.Transfers, func(b []byte, t *Transfer) ([]byte, error) {
		w := jw{b: b}
		w.time("at", t.At)
		w.refIf("from", t.From)
		w.refIf("to_queue", t.ToQueue)
		w.refIf("to_agent", t.ToAgent)
		w.strIf("note", t.Note)
		w.strIf("result", t.Result)
		return w.b, w.err
	})
	w.strIf("notes", s.Notes)
	w.strsIf("tags", s.Tags)
	objectsIf(&w, "journey", s.Journey, func(b []byte, e *Event) ([]byte, error) {
		w := jw{b: b}
		w.str("event", e.Event)
		w.time("at", e.At)
		w.strIf("agent", e.Agent)
		w.strIf("agent_name", e.AgentName)
		w.strIf("detail", e.Detail)
		return w.b, w.err
	})
	objectsIf(&w, "pages", s.Pages, func(b []byte, p *Page) ([]byte, error) {
		w := jw{b: b}
		w.str("url", p.URL)
		w.strIf("title", p.Title)
		w.time("at", p.At)
		return w.b, w.err
	})
	w.time("created_at", s.CreatedAt)
	w.timeIf("scheduled_at", s.ScheduledAt)
	w.timeIf("queued_at", s.QueuedAt)
	w.timeIf("assigned_at", s.AssignedAt)
	w.timeIf("connected_at", s.ConnectedAt)
	w.timeIf("ended_at", s.EndedAt)
	w.timeIf("wrapped_at", s.WrappedAt)
	w.time("updated_at", s.UpdatedAt)
	w.boolIf("on_hold", s.OnHold)
	w.timeIf("hold_started_at", s.HoldStartedAt)
	w.floatIf("hold_seconds", s.HoldSeconds)
	w.strIf("ended_by", string(s.EndedBy))
	w.strIf("outcome", string(s.Outcome))
	w.strIf("wrapup_code", s.WrapupCode)
	w.strIf("wrapup_notes", s.WrapupNotes)
	w.intIf("csat", s.CSAT)
	w.strIf("csat_comment", s.CSATComment)
	if d := s.Deflection; d != (Deflection{}) {
		w.key("deflection")
		w.open('{')
		w.str("reason", d.Reason)
		w.strIf("channel", d.Channel)
		w.strIf("message", d.Message)
		w.close('}')
	}
	w.intIf("message_count", s.MessageCount)
	w.boolIf("agent_disconnected", s.AgentDisconnected)
	w.strIf("answer_type", s.AnswerType)
	w.close('}')
	if w.err != nil {
		return dst, w.err
	}
	return w.b, nil
}

// AppendJSON appends m in its wire form, as MarshalJSON encodes it.
func (m Message) AppendJSON(dst []byte) []byte {
	w := jw{b: dst}
	w.open('{')
	w.str("id", m.ID)
	w.strIf("session", m.Session)
	w.key("from")
	w.open('{')
	w.str("kind", string(m.From.Kind))
	w.strIf("id", m.From.ID)
	w.strIf("name", m.From.Name)
	w.close('}')
	w.str("text", m.Text)
	w.key("at")
	w.b = appendFormatTime(w.b, m.At)
	w.close('}')
	return w.b
}

// appendFormatTime appends FormatTime(t) as a JSON string.
func appendFormatTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	if !t.IsZero() {
		dst = t.UTC().AppendFormat(dst, TimeLayout)
	}
	return append(dst, '"')
}

// AppendJSON appends c as json.Marshal encodes it.
func (c *Card) AppendJSON(dst []byte) ([]byte, error) {
	w := jw{b: dst}
	w.open('{')
	w.str("session", c.Session)
	w.str("channel", string(c.Channel))
	w.media("media", c.Media)
	w.str("color", string(c.Color))
	w.str("title", c.Title)
	w.str("icon", c.Icon)
	w.key("state")
	w.b = jsonw.Int(w.b, int(c.State))
	w.str("state_name", c.StateName)
	w.str("status_label", c.StatusLabel)
	w.ref("queue", c.Queue)
	if c.Agent != nil {
		w.ref("agent", *c.Agent)
	}
	objects(&w, "agents", c.Agents, func(b []byte, r *Ref) ([]byte, error) {
		w := jw{b: b}
		w.str("id", r.ID)
		w.str("name", r.Name)
		return w.b, w.err
	})
	if c.TransferTo != nil {
		w.ref("transfer_to", *c.TransferTo)
	}
	w.contact("contact", c.Contact)
	w.intIf("priority", c.Priority)
	w.str("started_at", c.StartedAt)
	w.strIf("queued_at", c.QueuedAt)
	w.strIf("connected_at", c.ConnectedAt)
	w.strIf("ended_at", c.EndedAt)
	w.strIf("ended_by", string(c.EndedBy))
	w.strIf("wrapup_code", c.WrapupCode)
	w.key("tags")
	w.b = jsonw.Strings(w.b, c.Tags)
	w.key("expertise")
	w.b = jsonw.Strings(w.b, c.Expertise)
	w.str("notes", c.Notes)
	w.strIf("outcome", string(c.Outcome))
	objects(&w, "journey", c.Journey, func(b []byte, e *CardEvent) ([]byte, error) {
		w := jw{b: b}
		w.str("event", e.Event)
		w.str("at", e.At)
		w.strIf("agent", e.Agent)
		w.strIf("agent_name", e.AgentName)
		w.strIf("detail", e.Detail)
		return w.b, w.err
	})
	w.str("status", string(c.Status))
	w.boolIf("on_hold", c.OnHold)
	w.floatIf("hold_seconds", c.HoldSeconds)
	w.boolIf("agent_disconnected", c.AgentDisconnected)
	w.strIf("contact_key", c.ContactKey)
	w.close('}')
	if w.err != nil {
		return dst, w.err
	}
	return w.b, nil
}
