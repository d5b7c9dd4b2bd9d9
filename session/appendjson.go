package session

import (
	"github.com/switchboardhq/switchboard/internal/jsonw"
	"github.com/switchboardhq/switchboard/presence"
)

// The hub stores a session whole on every change and pushes its card and
// messages to agents: these encoders write exactly what json.Marshal
// writes for the same values (appendjson_test.go checks it byte for byte
// on generated values), without reflection and with no allocation beyond
// dst's growth.

func ref(w *jsonw.Writer, name string, r Ref) {
	w.Key(name)
	w.Open('{')
	w.B, _ = refFields(w.B, &r)
	w.Close('}')
}

// refFields appends the members of r's object.
func refFields(b []byte, r *Ref) ([]byte, error) {
	w := jsonw.Writer{B: b}
	w.Str("id", r.ID)
	w.Str("name", r.Name)
	return w.B, w.Err
}

// refIf is ref for an omitzero field.
func refIf(w *jsonw.Writer, name string, r Ref) {
	if r != (Ref{}) {
		ref(w, name, r)
	}
}

// media writes m by its wire name, or keeps MarshalText's error.
func media(w *jsonw.Writer, name string, m presence.Media) {
	if w.Err != nil {
		return
	}
	if !m.Valid() {
		_, w.Err = m.MarshalText()
		return
	}
	w.Str(name, m.String())
}

func contact(w *jsonw.Writer, name string, c Contact) {
	w.Key(name)
	w.Open('{')
	w.Str("name", c.Name)
	w.Str("email", c.Email)
	w.Str("phone", c.Phone)
	w.Bool("verified", c.Verified)
	w.Str("country", c.Country)
	w.Str("language", c.Language)
	w.Close('}')
}

// AppendJSON appends s as json.Marshal encodes it: the stored form.
func (s *Session) AppendJSON(dst []byte) ([]byte, error) {
	w := jsonw.Writer{B: dst}
	w.Open('{')
	w.Str("id", s.ID)
	w.Str("workspace", s.Workspace)
	w.Str("channel", string(s.Channel))
	media(&w, "media", s.Media)
	refIf(&w, "queue", s.Queue)
	w.StrIf("subject", s.Subject)
	w.IntIf("priority", s.Priority)
	w.StrsIf("expertise", s.Expertise)
	if s.Contact != (Contact{}) {
		contact(&w, "contact", s.Contact)
	}
	w.StrIf("visitor_id", s.VisitorID)
	w.Int("state", int(s.State))
	w.StrIf("status", string(s.Status))
	w.TimeIf("status_since", s.StatusSince)
	refIf(&w, "agent", s.Agent)
	refIf(&w, "transfer_to", s.TransferTo)
	w.StrsIf("passed", s.Passed)
	jsonw.ObjectsIf(&w, "participants", s.Participants, func(b []byte, p *Participant) ([]byte, error) {
		w := jsonw.Writer{B: b}
		w.Str("kind", string(p.Kind))
		w.StrIf("id", p.ID)
		w.StrIf("name", p.Name)
		w.Str("role", p.Role)
		w.Time("joined_at", p.JoinedAt)
		w.TimeIf("left_at", p.LeftAt)
		return w.B, w.Err
	})
	jsonw.ObjectsIf(&w, "transfers", s.Transfers, func(b []byte, t *Transfer) ([]byte, error) {
		w := jsonw.Writer{B: b}
		w.Time("at", t.At)
		refIf(&w, "from", t.From)
		refIf(&w, "to_queue", t.ToQueue)
		refIf(&w, "to_agent", t.ToAgent)
		w.StrIf("note", t.Note)
		w.StrIf("result", t.Result)
		return w.B, w.Err
	})
	w.StrIf("notes", s.Notes)
	w.StrsIf("tags", s.Tags)
	jsonw.ObjectsIf(&w, "journey", s.Journey, func(b []byte, e *Event) ([]byte, error) {
		w := jsonw.Writer{B: b}
		w.Str("event", e.Event)
		w.Time("at", e.At)
		w.StrIf("agent", e.Agent)
		w.StrIf("agent_name", e.AgentName)
		w.StrIf("detail", e.Detail)
		return w.B, w.Err
	})
	jsonw.ObjectsIf(&w, "pages", s.Pages, func(b []byte, p *Page) ([]byte, error) {
		w := jsonw.Writer{B: b}
		w.Str("url", p.URL)
		w.StrIf("title", p.Title)
		w.Time("at", p.At)
		return w.B, w.Err
	})
	w.Time("created_at", s.CreatedAt)
	w.TimeIf("scheduled_at", s.ScheduledAt)
	w.TimeIf("queued_at", s.QueuedAt)
	w.TimeIf("assigned_at", s.AssignedAt)
	w.TimeIf("connected_at", s.ConnectedAt)
	w.TimeIf("ended_at", s.EndedAt)
	w.TimeIf("wrapped_at", s.WrappedAt)
	w.Time("updated_at", s.UpdatedAt)
	w.BoolIf("on_hold", s.OnHold)
	w.TimeIf("hold_started_at", s.HoldStartedAt)
	w.FloatIf("hold_seconds", s.HoldSeconds)
	w.StrIf("ended_by", string(s.EndedBy))
	w.StrIf("outcome", string(s.Outcome))
	w.StrIf("wrapup_code", s.WrapupCode)
	w.StrIf("wrapup_notes", s.WrapupNotes)
	w.IntIf("csat", s.CSAT)
	w.StrIf("csat_comment", s.CSATComment)
	if d := s.Deflection; d != (Deflection{}) {
		w.Key("deflection")
		w.Open('{')
		w.Str("reason", d.Reason)
		w.StrIf("channel", d.Channel)
		w.StrIf("message", d.Message)
		w.Close('}')
	}
	w.IntIf("message_count", s.MessageCount)
	w.BoolIf("agent_disconnected", s.AgentDisconnected)
	w.StrIf("answer_type", s.AnswerType)
	w.Close('}')
	if w.Err != nil {
		return dst, w.Err
	}
	return w.B, nil
}

// AppendJSON appends m in its wire form (MarshalJSON):
// {id, session, from {kind, id, name}, text, at}.
func (m Message) AppendJSON(dst []byte) []byte {
	w := jsonw.Writer{B: dst}
	w.Open('{')
	w.Str("id", m.ID)
	w.StrIf("session", m.Session)
	w.Key("from")
	w.Open('{')
	w.Str("kind", string(m.From.Kind))
	w.StrIf("id", m.From.ID)
	w.StrIf("name", m.From.Name)
	w.Close('}')
	w.Str("text", m.Text)
	w.Key("at")
	w.B = append(appendTime(append(w.B, '"'), m.At), '"') // no escaping: digits and punctuation
	w.Close('}')
	return w.B
}

// AppendJSON appends c as json.Marshal encodes it.
func (c *Card) AppendJSON(dst []byte) ([]byte, error) {
	w := jsonw.Writer{B: dst}
	w.Open('{')
	w.Str("session", c.Session)
	w.Str("channel", string(c.Channel))
	media(&w, "media", c.Media)
	w.Str("color", string(c.Color))
	w.Str("title", c.Title)
	w.Str("icon", c.Icon)
	w.Int("state", int(c.State))
	w.Str("state_name", c.StateName)
	w.Str("status_label", c.StatusLabel)
	ref(&w, "queue", c.Queue)
	if c.Agent != nil {
		ref(&w, "agent", *c.Agent)
	}
	jsonw.Objects(&w, "agents", c.Agents, refFields)
	if c.TransferTo != nil {
		ref(&w, "transfer_to", *c.TransferTo)
	}
	contact(&w, "contact", c.Contact)
	w.IntIf("priority", c.Priority)
	w.Str("started_at", c.StartedAt)
	w.StrIf("queued_at", c.QueuedAt)
	w.StrIf("connected_at", c.ConnectedAt)
	w.StrIf("ended_at", c.EndedAt)
	w.StrIf("ended_by", string(c.EndedBy))
	w.StrIf("wrapup_code", c.WrapupCode)
	w.Strs("tags", c.Tags)
	w.Strs("expertise", c.Expertise)
	w.Str("notes", c.Notes)
	w.StrIf("outcome", string(c.Outcome))
	jsonw.Objects(&w, "journey", c.Journey, func(b []byte, e *CardEvent) ([]byte, error) {
		w := jsonw.Writer{B: b}
		w.Str("event", e.Event)
		w.Str("at", e.At)
		w.StrIf("agent", e.Agent)
		w.StrIf("agent_name", e.AgentName)
		w.StrIf("detail", e.Detail)
		return w.B, w.Err
	})
	w.Str("status", string(c.Status))
	w.BoolIf("on_hold", c.OnHold)
	w.FloatIf("hold_seconds", c.HoldSeconds)
	w.BoolIf("agent_disconnected", c.AgentDisconnected)
	w.StrIf("contact_key", c.ContactKey)
	w.Close('}')
	if w.Err != nil {
		return dst, w.Err
	}
	return w.B, nil
}
