package hub

import (
	"time"

	"go.uber.org/zap"

	"github.com/switchboardhq/switchboard/internal/jsonw"
	"github.com/switchboardhq/switchboard/session"
)

// Hand-written encoders for the frames the loop makes most often: one per
// chat message, one card per change, one offer per decision. Each writes
// what json.Marshal writes for the frame's struct (frames_append_test.go
// holds the structs and checks it).

// appendMessageFrame appends {"type":"message","session":sess,"message":m}.
func appendMessageFrame(dst []byte, sess string, m session.Message) []byte {
	dst, _ = appendMessageFrameAt(dst, sess, m)
	return dst
}

// appendMessageFrameAt is appendMessageFrame that also says where m's own
// JSON starts: it is dst[at:len(dst)-1], the message as stored.
func appendMessageFrameAt(dst []byte, sess string, m session.Message) (_ []byte, at int) {
	w := jsonw.Writer{B: dst}
	w.Open('{')
	w.Str("type", FrameMessage)
	w.Str("session", sess)
	w.Key("message")
	at = len(w.B)
	w.B = m.AppendJSON(w.B)
	w.Close('}')
	return w.B, at
}

// appendCardFrame appends {"type":"card","card":c}.
func appendCardFrame(dst []byte, c *session.Card) ([]byte, error) {
	return appendWithCard(dst, FrameCard, nil, c)
}

// appendOfferFrame appends {"type":"offer","offer":o,"card":c}.
func appendOfferFrame(dst []byte, o *OfferInfo, c *session.Card) ([]byte, error) {
	return appendWithCard(dst, FrameOffer, o, c)
}

// appendWithCard appends a frame of type typ with the offer o (if any) and
// the card c; on an error, dst unchanged.
func appendWithCard(dst []byte, typ string, o *OfferInfo, c *session.Card) ([]byte, error) {
	w := jsonw.Writer{B: dst}
	w.Open('{')
	w.Str("type", typ)
	if o != nil {
		if !o.Media.Valid() {
			_, err := o.Media.MarshalText() // its error
			return dst, err
		}
		w.Key("offer")
		w.Open('{')
		w.Str("id", o.ID)
		w.Str("session", o.Session)
		w.Str("queue", o.Queue)
		w.Str("media", o.Media.String())
		w.Str("mode", o.Mode)
		w.StrIf("expires_at", o.ExpiresAt)
		w.Close('}')
	}
	w.Key("card")
	var err error
	if w.B, err = c.AppendJSON(w.B); err != nil {
		return dst, err
	}
	w.Close('}')
	return w.B, nil
}

// emitMessage queues message m of session sess for t, if anyone listens.
func (h *Hub) emitMessage(sess string, m session.Message, t target) {
	if h.wanted(t) {
		h.emitEncoded(FrameMessage, appendMessageFrame(h.scratch[:0], sess, m), nil, t)
	}
}

// emitCardFrame queues s's card, as of now, for t, if anyone listens.
func (h *Hub) emitCardFrame(s *sessState, now time.Time, t target) {
	if !h.wanted(t) {
		return
	}
	card := s.Card(now)
	b, err := appendCardFrame(h.scratch[:0], &card)
	h.emitEncoded(FrameCard, b, err, t)
}

// emitEncoded queues frame b, encoded in the scratch buffer, for t; or
// logs why it could not be encoded.
func (h *Hub) emitEncoded(typ string, b []byte, err error, t target) {
	if err != nil {
		h.cfg.Logger.Error("encoding event", zap.String("type", typ), zap.Error(err))
		return
	}
	h.emitJSON(typ, h.encoded(b), t)
}

// encoded copies the bytes a scratch buffer holds into a frame of their
// own size (frames outlive the cycle) and keeps the grown scratch.
func (h *Hub) encoded(b []byte) []byte {
	h.scratch = b[:0]
	return append([]byte(nil), b...)
}
