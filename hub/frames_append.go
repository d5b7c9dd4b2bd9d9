package hub

import (
	"go.uber.org/zap"

	"github.com/switchboardhq/switchboard/internal/jsonw"
	"github.com/switchboardhq/switchboard/session"
)

// Hand-written encoders for the frames the loop makes most often: one per
// chat message, one card per change, one offer per decision. Each writes
// what json.Marshal writes for the frame struct (frames_append_test.go).

// appendMessageFrame appends messageFrame{FrameMessage, sess, m}.
func appendMessageFrame(dst []byte, sess string, m session.Message) []byte {
	dst, _ = appendMessageFrameAt(dst, sess, m)
	return dst
}

// appendMessageFrameAt is appendMessageFrame that also says where m's own
// JSON starts: it is dst[at:len(dst)-1], the message as stored.
func appendMessageFrameAt(dst []byte, sess string, m session.Message) (_ []byte, at int) {
	dst = append(dst, `{"type":"message","session":`...)
	dst = jsonw.String(dst, sess)
	dst = append(dst, `,"message":`...)
	at = len(dst)
	dst = m.AppendJSON(dst)
	return append(dst, '}'), at
}

// appendCardFrame appends cardFrame{FrameCard, c}.
func appendCardFrame(dst []byte, c *session.Card) ([]byte, error) {
	n := len(dst)
	dst = append(dst, `{"type":"card","card":`...)
	dst, err := c.AppendJSON(dst)
	if err != nil {
		return dst[:n], err
	}
	return append(dst, '}'), nil
}

// appendOfferFrame appends offerFrame{FrameOffer, o, c}.
func appendOfferFrame(dst []byte, o *OfferInfo, c *session.Card) ([]byte, error) {
	if !o.Media.Valid() {
		_, err := o.Media.MarshalText() // its error
		return dst, err
	}
	n := len(dst)
	dst = append(dst, `{"type":"offer","offer":{"id":`...)
	dst = jsonw.String(dst, o.ID)
	dst = append(dst, `,"session":`...)
	dst = jsonw.String(dst, o.Session)
	dst = append(dst, `,"queue":`...)
	dst = jsonw.String(dst, o.Queue)
	dst = append(dst, `,"media":`...)
	dst = jsonw.String(dst, o.Media.String())
	dst = append(dst, `,"mode":`...)
	dst = jsonw.String(dst, o.Mode)
	if o.ExpiresAt != "" {
		dst = append(dst, `,"expires_at":`...)
		dst = jsonw.String(dst, o.ExpiresAt)
	}
	dst = append(dst, `},"card":`...)
	dst, err := c.AppendJSON(dst)
	if err != nil {
		return dst[:n], err
	}
	return append(dst, '}'), nil
}

// emitMessage queues message m of session sess for t, if anyone listens.
func (h *Hub) emitMessage(sess string, m session.Message, t target) {
	if h.wanted(t) {
		h.emitJSON(FrameMessage, h.encoded(appendMessageFrame(h.scratch[:0], sess, m)), t)
	}
}

// emitCardFrame queues card c's frame for t (wanted).
func (h *Hub) emitCardFrame(c *session.Card, t target) {
	b, err := appendCardFrame(h.scratch[:0], c)
	if err != nil {
		h.cfg.Logger.Error("encoding event", zap.String("type", FrameCard), zap.Error(err))
		return
	}
	h.emitJSON(FrameCard, h.encoded(b), t)
}

// encoded copies the bytes a scratch buffer holds into a frame of their
// own size (frames outlive the cycle) and keeps the grown scratch.
func (h *Hub) encoded(b []byte) []byte {
	h.scratch = b[:0]
	return append([]byte(nil), b...)
}
