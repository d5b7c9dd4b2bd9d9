package server

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/internal/jsonw"
)

// MaxFrame is the largest frame accepted on a socket (PROTOCOL.md): above
// it the socket is closed with 1009.
const MaxFrame = 64 << 10

// Field limits enforced before anything reaches a hub.
const (
	maxRef     = 64
	maxID      = 128
	maxText    = 4096
	maxName    = 200
	maxToken   = 256
	maxURL     = 2048
	maxNotes   = 8192
	maxTags    = 32
	maxTag     = 64
	maxComment = 2000
)

// inFrame is every field a client frame of either socket may carry. Unknown
// fields are ignored; each type checks the fields it uses.
type inFrame struct {
	Type   string  `json:"type"`
	Ref    string  `json:"ref,omitempty"`
	Token  string  `json:"token,omitempty"`
	Resume *resume `json:"resume,omitempty"`

	Status   string `json:"status,omitempty"`
	Offer    string `json:"offer,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Session  string `json:"session,omitempty"`
	Text     string `json:"text,omitempty"`
	ClientID string `json:"client_id,omitempty"`

	Notes      *string  `json:"notes,omitempty"`
	AddTags    []string `json:"add_tags,omitempty"`
	RemoveTags []string `json:"remove_tags,omitempty"`
	Expertise  []string `json:"expertise,omitempty"`
	Email      string   `json:"email,omitempty"`
	Phone      string   `json:"phone,omitempty"`
	Queue      string   `json:"queue,omitempty"`
	Agent      string   `json:"agent,omitempty"`
	Note       string   `json:"note,omitempty"`
	Code       string   `json:"code,omitempty"`
	Outcome    string   `json:"outcome,omitempty"`
	Topics     []string `json:"topics,omitempty"`

	// visitor
	Widget   string `json:"widget,omitempty"`
	Name     string `json:"name,omitempty"`
	Language string `json:"language,omitempty"`
	Country  string `json:"country,omitempty"`
	Page     string `json:"page,omitempty"`
	URL      string `json:"url,omitempty"`
	Title    string `json:"title,omitempty"`
	Rating   int    `json:"rating,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

// resume is the resume part of a hello.
type resume struct {
	Token          string            `json:"token,omitempty"`
	LastMessageIDs map[string]string `json:"last_message_ids,omitempty"`
	Visitor        string            `json:"visitor,omitempty"`
	Secret         string            `json:"secret,omitempty"`
	LastMessage    string            `json:"last_message,omitempty"`
}

// wireError is a refusal: a PROTOCOL.md error code and a message for people.
type wireError struct {
	Code    string
	Message string
}

func (e *wireError) Error() string { return e.Code + ": " + e.Message }

func badRequest(format string, args ...any) *wireError {
	return &wireError{Code: "bad_request", Message: fmt.Sprintf(format, args...)}
}

// decodeFrame parses one client frame and checks the limits common to every
// type. The frame's own fields are checked by its handler.
func decodeFrame(data []byte) (*inFrame, *wireError) {
	return decodeFrameInto(data, new(inFrame))
}

// decodeFrameInto is decodeFrame into f, which must be zero (fresh, or
// from framePool); it returns f, or nil when data is not one JSON object.
func decodeFrameInto(data []byte, f *inFrame) (*inFrame, *wireError) {
	if !utf8.Valid(data) {
		return nil, badRequest("frame is not valid UTF-8")
	}
	switch msg, why := decodeJSON(data, f); {
	case msg == "":
	case why == trailing:
		return nil, badRequest("one JSON object per frame")
	case why == mistyped: // f has the rest, its ref among them: the refusal answers it
		return f, badRequest("frame is not a JSON object of the protocol: %s", msg)
	default:
		return nil, badRequest("frame is not a JSON object of the protocol: %s", msg)
	}
	if f.Type == "" {
		return f, badRequest("frame has no type")
	}
	if len(f.Ref) > maxRef {
		return f, badRequest("ref longer than %d bytes", maxRef)
	}
	return f, checkLengths(f)
}

// framePool holds the frames serveFrames decodes into. A frame is done
// with once its handler returns: handlers copy what they keep into the
// hub command (strings, and slices and pointers the decoder allocated for
// this frame alone), and none keeps the frame. A hello's frame, which its
// handler keeps, is not pooled.
var framePool = sync.Pool{New: func() any { return new(inFrame) }}

// putFrame zeroes f and gives it back to framePool. Zeroing matters beyond
// tidiness: decoding into a frame that still held a slice or a pointer
// would write into the slice or string a command in the hub still holds,
// as json.Unmarshal reuses them.
func putFrame(f *inFrame) {
	*f = inFrame{}
	framePool.Put(f)
}

func checkLengths(f *inFrame) *wireError {
	for _, c := range []struct {
		name string
		v    string
		max  int
	}{
		{"token", f.Token, maxToken}, {"status", f.Status, 32}, {"offer", f.Offer, maxID},
		{"reason", f.Reason, maxName}, {"session", f.Session, maxID}, {"text", f.Text, maxText},
		{"client_id", f.ClientID, maxID}, {"email", f.Email, 254}, {"phone", f.Phone, 32},
		{"queue", f.Queue, maxID}, {"agent", f.Agent, maxID}, {"note", f.Note, maxNotes},
		{"code", f.Code, maxTag}, {"outcome", f.Outcome, 32}, {"widget", f.Widget, maxToken},
		{"name", f.Name, maxName}, {"language", f.Language, 35}, {"country", f.Country, 64},
		{"page", f.Page, maxURL}, {"url", f.URL, maxURL}, {"title", f.Title, maxName},
		{"comment", f.Comment, maxComment},
	} {
		if len(c.v) > c.max {
			return badRequest("%s longer than %d bytes", c.name, c.max)
		}
	}
	if f.Notes != nil && len(*f.Notes) > maxNotes {
		return badRequest("notes longer than %d bytes", maxNotes)
	}
	for _, list := range [][]string{f.AddTags, f.RemoveTags, f.Expertise, f.Topics} {
		if len(list) > maxTags {
			return badRequest("more than %d labels", maxTags)
		}
		for _, t := range list {
			if len(t) > maxTag || t == "" {
				return badRequest("labels must be 1..%d bytes", maxTag)
			}
		}
	}
	if r := f.Resume; r != nil {
		if len(r.Token) > maxToken || len(r.Visitor) > maxID || len(r.Secret) > maxToken ||
			len(r.LastMessage) > maxID || len(r.LastMessageIDs) > 1000 {
			return badRequest("resume fields too long")
		}
	}
	return nil
}

func trimErr(err error) string {
	s := err.Error()
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

// withSeq returns frame (a JSON object) with "seq" as its first member,
// appended to dst: the event bytes are shared by all recipients, so the seq
// of each connection is spliced in rather than re-encoded.
func withSeq(dst []byte, seq uint64, frame []byte) []byte {
	dst = append(dst, `{"seq":`...)
	dst = strconv.AppendUint(dst, seq, 10)
	if len(frame) > 2 { // not "{}"
		dst = append(dst, ',')
	}
	return append(dst, frame[1:]...)
}

// encode marshals a hub→client frame (without seq).
func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("server: encoding %T: %v", v, err)) // our own types: a bug
	}
	return b
}

// ackFields says which fields of a hub command's reply its ack carries.
type ackFields uint8

const (
	ackSession ackFields = 1 << iota // "session": the reply's session
	ackMessage                       // "message": the reply's message id
	ackIfSet                         // only those of the above that are not empty
)

// ackFrame is {"type":"ack","ref":…} with the fields of rep that with
// names, built by hand: acks of chat messages are made on the hub's loop,
// which should not pay for a map and its marshal each. Keys follow
// encoding/json's map order (message before session).
func ackFrame(ref string, rep hub.Reply, with ackFields) []byte {
	b := make([]byte, 0, 64)
	b = append(b, `{"type":"ack","ref":`...)
	b = jsonw.String(b, ref)
	b = appendAckField(b, "message", rep.Message, with&ackMessage != 0, with&ackIfSet != 0)
	b = appendAckField(b, "session", rep.Session, with&ackSession != 0, with&ackIfSet != 0)
	return append(b, '}')
}

// appendAckField appends ,"key":val when wanted (and val is set, ifSet).
func appendAckField(b []byte, key, val string, want, ifSet bool) []byte {
	if !want || (ifSet && val == "") {
		return b
	}
	b = append(b, `,"`...)
	b = append(b, key...)
	b = append(b, `":`...)
	return jsonw.String(b, val)
}

func errorFrame(ref string, e *wireError) []byte {
	return encode(struct {
		Type    string `json:"type"`
		Ref     string `json:"ref,omitempty"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}{"error", ref, e.Code, e.Message})
}
