package persist

import (
	"bytes"
	"encoding/binary"
	"strings"
	"time"
)

// The key layout (drawn as a table in doc.go). Every key starts with a
// one-byte table tag. Strings are encoded so that byte order is preserved and
// any byte may appear in an id: a 0x00 byte is written as 0x00 0xFF and every
// string ends with 0x00 0x01. So "a" < "a\x00" < "ab" holds for the encoded
// forms too, no encoded string is a prefix of another, and a prefix that ends
// in a string covers exactly the keys of that string. Numbers are fixed-width
// big-endian, so they sort numerically.

// Top-level tags.
const (
	tagSchema    = 'S' // the store's schema version, owned by persist
	tagMeta      = 'M' // server-level records: hashed admin key and the like
	tagToken     = 'T' // agent token hash -> workspace and agent id
	tagWorkspace = 'w' // everything that belongs to one workspace
)

// Tables inside a workspace, after 'w' ‖ str(ws). subWorkspace sorts before
// the others, so a workspace's own record is the first key of its range.
const (
	subWorkspace  = 'W'
	subAgent      = 'a'
	subContact    = 'c'
	subExport     = 'e'
	subByAgent    = 'h'
	subCheckpoint = 'k'
	subMessage    = 'm'
	subOpen       = 'o'
	subStatus     = 'p'
	subQueue      = 'q'
	subSession    = 's'
	subVisitor    = 'v'
)

const (
	strEscape = 0xFF // follows a 0x00 that is part of the string
	strEnd    = 0x01 // follows the 0x00 that ends the string
)

// appendStr appends the order-preserving encoding of s.
func appendStr(dst []byte, s string) []byte {
	for {
		i := strings.IndexByte(s, 0)
		if i < 0 {
			break
		}
		dst = append(dst, s[:i+1]...)
		dst = append(dst, strEscape)
		s = s[i+1:]
	}
	dst = append(dst, s...)
	return append(dst, 0, strEnd)
}

// appendBytesStr is appendStr for a byte slice.
func appendBytesStr(dst, b []byte) []byte {
	for {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			break
		}
		dst = append(dst, b[:i+1]...)
		dst = append(dst, strEscape)
		b = b[i+1:]
	}
	dst = append(dst, b...)
	return append(dst, 0, strEnd)
}

// readStr decodes the string at the start of b and returns it with the rest
// of b. ok is false when b does not start with a well-formed string.
func readStr(b []byte) (s string, rest []byte, ok bool) {
	n, ok := strLen(b)
	if !ok {
		return "", nil, false
	}
	enc := b[:n-2]
	if bytes.IndexByte(enc, 0) < 0 {
		return string(enc), b[n:], true
	}
	out := make([]byte, 0, len(enc))
	for len(enc) > 0 {
		i := bytes.IndexByte(enc, 0)
		if i < 0 {
			out = append(out, enc...)
			break
		}
		out = append(out, enc[:i+1]...)
		enc = enc[i+2:]
	}
	return string(out), b[n:], true
}

// strLen is the length of the encoded string at the start of b, terminator
// included.
func strLen(b []byte) (n int, ok bool) {
	for {
		i := bytes.IndexByte(b[n:], 0)
		if i < 0 || n+i+1 >= len(b) {
			return 0, false
		}
		switch b[n+i+1] {
		case strEnd:
			return n + i + 2, true
		case strEscape:
			n += i + 2
		default:
			return 0, false
		}
	}
}

// appendTime appends t as nanoseconds since the Unix epoch, with the sign bit
// flipped so that times before 1970 still sort first.
func appendTime(dst []byte, t time.Time) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(t.UnixNano())^(1<<63))
}

// readTime decodes a time written by appendTime, in UTC.
func readTime(b []byte) (t time.Time, rest []byte, ok bool) {
	if len(b) < 8 {
		return time.Time{}, nil, false
	}
	ns := int64(binary.BigEndian.Uint64(b) ^ (1 << 63))
	return time.Unix(0, ns).UTC(), b[8:], true
}

// prefixEnd returns the smallest key greater than every key that starts with
// p: the exclusive upper bound of a prefix scan. Nil means no bound.
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// keySchema is where persist keeps the version of this layout.
var keySchema = []byte{tagSchema}

// appendWorkspace appends the prefix of every key of workspace ws.
func appendWorkspace(dst []byte, ws string) []byte {
	return appendStr(append(dst, tagWorkspace), ws)
}

// appendTable appends the prefix of table sub inside workspace ws.
func appendTable(dst []byte, ws string, sub byte) []byte {
	return append(appendWorkspace(dst, ws), sub)
}

// keyMeta is the key of the server-level record name.
func keyMeta(dst []byte, name string) []byte {
	return appendStr(append(dst, tagMeta), name)
}

// keyToken is the key of an agent token hash.
func keyToken(dst, hash []byte) []byte {
	return appendBytesStr(append(dst, tagToken), hash)
}

// keyWorkspace is the key of workspace ws's own record.
func keyWorkspace(dst []byte, ws string) []byte {
	return appendTable(dst, ws, subWorkspace)
}

// keyCheckpoint is the key of workspace ws's checkpoint.
func keyCheckpoint(dst []byte, ws string) []byte {
	return appendTable(dst, ws, subCheckpoint)
}

// keyQueue is the key of queue id.
func keyQueue(dst []byte, ws, id string) []byte {
	return appendStr(appendTable(dst, ws, subQueue), id)
}

// keyAgent is the key of agent id.
func keyAgent(dst []byte, ws, id string) []byte {
	return appendStr(appendTable(dst, ws, subAgent), id)
}

// keySession is the key of session id's record.
func keySession(dst []byte, ws, id string) []byte {
	return appendStr(appendTable(dst, ws, subSession), id)
}

// keyVisitor is the key of visitor id's record.
func keyVisitor(dst []byte, ws, id string) []byte {
	return appendStr(appendTable(dst, ws, subVisitor), id)
}

// keyOpen is the key of session id in the open-sessions index.
func keyOpen(dst []byte, ws, id string) []byte {
	return appendStr(appendTable(dst, ws, subOpen), id)
}

// prefixMessages is the prefix of every message of session sessionID.
func prefixMessages(dst []byte, ws, sessionID string) []byte {
	return appendStr(appendTable(dst, ws, subMessage), sessionID)
}

// keyMessage is the key of message seq of session sessionID.
func keyMessage(dst []byte, ws, sessionID string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(prefixMessages(dst, ws, sessionID), seq)
}

// prefixContact is the prefix of every session of contact contactKey.
func prefixContact(dst []byte, ws, contactKey string) []byte {
	return appendStr(appendTable(dst, ws, subContact), contactKey)
}

// keyContact is the key that indexes session sessionID under contactKey.
func keyContact(dst []byte, ws, contactKey, sessionID string) []byte {
	return appendStr(prefixContact(dst, ws, contactKey), sessionID)
}

// keyExport is the key of the pending export of session sessionID due at due.
func keyExport(dst []byte, ws string, due time.Time, sessionID string) []byte {
	return appendStr(appendTime(appendTable(dst, ws, subExport), due), sessionID)
}

// keyStatus is the key of agent agentID's own status changing at at.
func keyStatus(dst []byte, ws string, at time.Time, agentID string) []byte {
	return appendStr(appendTime(appendTable(dst, ws, subStatus), at), agentID)
}

// prefixAgentStatuses is the prefix of agent agentID's status changes in
// the by-agent index of the status log.
func prefixAgentStatuses(dst []byte, ws, agentID string) []byte {
	return appendStr(appendTable(dst, ws, subByAgent), agentID)
}

// keyAgentStatus is the by-agent index's key of agent agentID's own status
// changing at at: keyStatus's entry, found by agent.
func keyAgentStatus(dst []byte, ws, agentID string, at time.Time) []byte {
	return appendTime(prefixAgentStatuses(dst, ws, agentID), at)
}

// tokenValue encodes what a token hash points at.
func tokenValue(dst []byte, ws, agentID string) []byte {
	return append(appendStr(dst, ws), agentID...)
}

// readTokenValue decodes tokenValue.
func readTokenValue(v []byte) (ws, agentID string, ok bool) {
	ws, rest, ok := readStr(v)
	return ws, string(rest), ok
}
