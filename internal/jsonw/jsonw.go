// Package jsonw appends JSON values to byte slices exactly as encoding/json
// encodes them (json.Marshal: HTML-safe strings, ES6 floats, RFC 3339
// times), for the hand-written encoders of hot records: the hub stores a
// session and pushes its card and messages on every change, and reflection
// there cost more than the rest of the loop.
//
// Each encoder built on it is checked byte for byte against json.Marshal
// by its package's tests.
package jsonw

import (
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

const hex = "0123456789abcdef"

// safe[b] is true for the ASCII bytes encoding/json copies as they are
// (with HTML escaping on: not <, > or &).
var safe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// String appends s as a JSON string, escaped as json.Marshal escapes it.
func String(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if safe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Strings appends list as a JSON array of strings; nil is null.
func Strings(dst []byte, list []string) []byte {
	if list == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, s := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = String(dst, s)
	}
	return append(dst, ']')
}

// Int appends n.
func Int(dst []byte, n int) []byte { return strconv.AppendInt(dst, int64(n), 10) }

// Bool appends true or false.
func Bool(dst []byte, v bool) []byte { return strconv.AppendBool(dst, v) }

// ErrFloat is the error for NaN and infinities, which JSON cannot hold.
var ErrFloat = errors.New("jsonw: unsupported float value")

// Float appends f as encoding/json does (the ES6 number format).
func Float(dst []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return dst, ErrFloat
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

// Time appends t as time.Time's MarshalJSON does (RFC 3339 with
// nanoseconds, quoted), with its errors: a year outside [0,9999] or a zone
// offset of 24 hours or more.
func Time(dst []byte, t time.Time) ([]byte, error) {
	dst = append(dst, '"')
	n0 := len(dst)
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	switch {
	case dst[n0+len("9999")] != '-':
		return dst, errors.New("Time.MarshalJSON: year outside of range [0,9999]")
	case dst[len(dst)-1] != 'Z':
		c := dst[len(dst)-len("Z07:00")]
		if ('0' <= c && c <= '9') || 10*(dst[len(dst)-5]-'0')+(dst[len(dst)-4]-'0') >= 24 {
			return dst, errors.New("Time.MarshalJSON: timezone hour outside of range [0,23]")
		}
	}
	return append(dst, '"'), nil
}

// Writer writes a JSON object field by field, the way encoding/json writes
// a struct: each field after a comma (none after { or [), the omitempty and
// omitzero rules in the …If methods. It keeps the first error (a time,
// float or value out of JSON's range); the caller returns its dst unchanged
// then. Its zero value over a buffer is ready: Writer{B: dst}.
type Writer struct {
	B   []byte
	Err error
}

// Open and Close write an object's or array's brackets.
func (w *Writer) Open(c byte)  { w.B = append(w.B, c) }
func (w *Writer) Close(c byte) { w.B = append(w.B, c) }

// sep writes the comma before a field or element, unless it is the first.
func (w *Writer) sep() {
	if n := len(w.B); n > 0 && w.B[n-1] != '{' && w.B[n-1] != '[' {
		w.B = append(w.B, ',')
	}
}

// Key writes the separator and "name": (name needs no escaping).
func (w *Writer) Key(name string) {
	w.sep()
	w.B = append(w.B, '"')
	w.B = append(w.B, name...)
	w.B = append(w.B, '"', ':')
}

func (w *Writer) Str(name, v string) { w.Key(name); w.B = String(w.B, v) }

func (w *Writer) StrIf(name, v string) {
	if v != "" {
		w.Str(name, v)
	}
}

func (w *Writer) Int(name string, v int) { w.Key(name); w.B = Int(w.B, v) }

func (w *Writer) IntIf(name string, v int) {
	if v != 0 {
		w.Int(name, v)
	}
}

func (w *Writer) Bool(name string, v bool) { w.Key(name); w.B = Bool(w.B, v) }

func (w *Writer) BoolIf(name string, v bool) {
	if v {
		w.Bool(name, v)
	}
}

func (w *Writer) FloatIf(name string, v float64) {
	if v != 0 && w.Err == nil {
		w.Key(name)
		w.B, w.Err = Float(w.B, v)
	}
}

func (w *Writer) Time(name string, t time.Time) {
	if w.Err == nil {
		w.Key(name)
		w.B, w.Err = Time(w.B, t)
	}
}

// TimeIf is Time for an omitzero field.
func (w *Writer) TimeIf(name string, t time.Time) {
	if !t.IsZero() {
		w.Time(name, t)
	}
}

// Strs writes a list of strings; nil is null.
func (w *Writer) Strs(name string, v []string) { w.Key(name); w.B = Strings(w.B, v) }

func (w *Writer) StrsIf(name string, v []string) {
	if len(v) > 0 {
		w.Strs(name, v)
	}
}

// Objects writes "name":[{…},…], each element's fields appended by fields;
// a nil list is null (ObjectsIf omits an empty one). fields takes and
// returns the bytes rather than a *Writer: a pointer given to a func value
// escapes, and would cost an allocation per record.
func Objects[E any](w *Writer, name string, list []E, fields func(b []byte, v *E) ([]byte, error)) {
	w.Key(name)
	if list == nil {
		w.B = append(w.B, "null"...)
		return
	}
	w.Open('[')
	for i := range list {
		if w.Err != nil {
			return
		}
		w.sep()
		w.Open('{')
		w.B, w.Err = fields(w.B, &list[i])
		w.Close('}')
	}
	w.Close(']')
}

// ObjectsIf is Objects for an omitempty field: nothing when list is empty.
func ObjectsIf[E any](w *Writer, name string, list []E, fields func(b []byte, v *E) ([]byte, error)) {
	if len(list) > 0 {
		Objects(w, name, list, fields)
	}
}
