package persist

import (
	"encoding/binary"
	"math"
)

// Message is one stored chat message of a session.
type Message struct {
	Seq   uint64
	Value []byte
}

// ScanMessages calls fn for every message of session sessionID with a
// sequence above afterSeq, in sequence order (afterSeq 0: all of them). It
// follows the scan contract in scan.go: val is valid only until fn returns.
func (s *Store) ScanMessages(ws, sessionID string, afterSeq uint64, fn func(seq uint64, val []byte) error) error {
	_, err := s.scanMessages(ws, sessionID, afterSeq, 0, fn)
	return err
}

// Messages returns the messages of session sessionID with a sequence above
// afterSeq, in sequence order, at most limit of them (all when limit <= 0).
// A client that resumes after message X asks for Messages(ws, id, X, 0).
// The values are copies the caller owns.
func (s *Store) Messages(ws, sessionID string, afterSeq uint64, limit int) ([]Message, error) {
	// Copy every value into one buffer and cut it up at the end: two
	// allocations that grow geometrically, not one per message.
	var (
		buf  []byte
		ends []int
		msgs []Message
	)
	_, err := s.scanMessages(ws, sessionID, afterSeq, limit, func(seq uint64, val []byte) error {
		buf = append(buf, val...)
		ends = append(ends, len(buf))
		msgs = append(msgs, Message{Seq: seq})
		return nil
	})
	if err != nil {
		return nil, err
	}
	start := 0
	for i, end := range ends {
		msgs[i].Value = buf[start:end:end]
		start = end
	}
	return msgs, nil
}

// LastMessageSeq returns the highest sequence stored for session sessionID,
// or 0 when it has no message.
func (s *Store) LastMessageSeq(ws, sessionID string) (uint64, error) {
	prefix := prefixMessages(nil, ws, sessionID)
	var last uint64
	_, err := s.walk(span{lo: prefix, hi: prefixEnd(prefix), reverse: true, limit: 1}, func(k, _ []byte) error {
		seq, ok := readSeq(k[len(prefix):])
		if !ok {
			return malformed(k)
		}
		last = seq
		return nil
	})
	return last, err
}

func (s *Store) scanMessages(ws, sessionID string, afterSeq uint64, limit int, fn func(seq uint64, val []byte) error) (bool, error) {
	if afterSeq == math.MaxUint64 {
		return false, nil
	}
	prefix := prefixMessages(nil, ws, sessionID)
	lo := binary.BigEndian.AppendUint64(prefix, afterSeq+1)
	return s.walk(span{lo: lo, hi: prefixEnd(prefix), limit: limit}, func(k, v []byte) error {
		seq, ok := readSeq(k[len(prefix):])
		if !ok {
			return malformed(k)
		}
		return fn(seq, v)
	})
}

// readSeq decodes the sequence that ends a message key.
func readSeq(b []byte) (uint64, bool) {
	if len(b) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(b), true
}
