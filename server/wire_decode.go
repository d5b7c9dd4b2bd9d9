package server

import (
	"bytes"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// frameDecoder reads one client frame into an inFrame without reflection:
// every socket read goes through it. It gives what json.Unmarshal gives for
// the same bytes, and refuses what json.Unmarshal refuses
// (TestDecodeFrameIsUnmarshal and FuzzDecodeFrame hold it to that): names
// matched exactly, then without regard to case; a repeated name decoded
// again into what the first left; null leaving a string as it was and
// clearing a pointer, slice or map; unknown names' values checked and
// skipped; nesting deeper than 10,000 refused.
//
// encoding/json cost 0.8–4 µs and 6–20 allocations a frame, and its
// reflection went deep enough to grow a socket's goroutine stack from 4 to
// 8 KiB for as long as the socket stayed open (BENCHMARKS, "Idle sockets").
// This decoder allocates the frame and its strings, keeps its own stack
// small, and skips nested values without recursion.
type frameDecoder struct {
	data    []byte
	off     int
	depth   int
	syntax  string // the first syntax error: decoding stops there
	wrong   string // the first value of the wrong kind: decoding goes on, as json.Unmarshal's does
	scratch []byte // a string with escapes, unescaped
}

// maxDepth is encoding/json's limit on nesting.
const maxDepth = 10000

// refusal says why decodeJSON refused a frame.
type refusal int

const (
	notJSON  refusal = iota // not one JSON value
	trailing                // a value followed by more than white space
	mistyped                // one JSON value, with a value of the wrong kind: f holds the rest
)

// decodeJSON fills f from data, a frame that is valid UTF-8. It returns ""
// when data is one JSON value that fits an inFrame, and otherwise a message
// for people and why.
func decodeJSON(data []byte, f *inFrame) (msg string, why refusal) {
	d := frameDecoder{data: data}
	d.space()
	switch d.peek() {
	case '{':
		d.frame(f)
	case 'n':
		d.null() // a null frame leaves f as it is
	default:
		d.mistype("frame", "an object")
		d.skip()
	}
	if d.syntax != "" {
		return d.syntax, notJSON
	}
	if d.space(); d.off < len(d.data) {
		return "more than one JSON value", trailing
	}
	return d.wrong, mistyped
}

// frame reads the frame's members.
func (d *frameDecoder) frame(f *inFrame) bool {
	return d.object(func(key []byte) bool {
		switch p := frameField(f, key).(type) {
		case *string:
			if p == &f.Type {
				return d.typeInto(p)
			}
			return d.stringInto(p, key)
		case **string:
			return d.stringPtrInto(p, key)
		case *[]string:
			return d.stringsInto(p, key)
		case *int:
			return d.intInto(p, key)
		case **resume:
			return d.resumeInto(p, key)
		}
		return d.skip()
	})
}

// frameNames are inFrame's JSON names, for matching without regard to
// case.
var frameNames = jsonNames[inFrame]()

// jsonNames are the JSON names of T's fields, from their tags.
func jsonNames[T any]() []string {
	t := reflect.TypeFor[T]()
	names := make([]string, t.NumField())
	for i := range names {
		names[i], _, _ = strings.Cut(t.Field(i).Tag.Get("json"), ",")
	}
	return names
}

// frameField returns where the member key of a frame goes, or nil when
// inFrame has no such field.
func frameField(f *inFrame, key []byte) any {
	switch string(key) {
	case "type":
		return &f.Type
	case "ref":
		return &f.Ref
	case "token":
		return &f.Token
	case "resume":
		return &f.Resume
	case "status":
		return &f.Status
	case "offer":
		return &f.Offer
	case "reason":
		return &f.Reason
	case "session":
		return &f.Session
	case "text":
		return &f.Text
	case "client_id":
		return &f.ClientID
	case "notes":
		return &f.Notes
	case "add_tags":
		return &f.AddTags
	case "remove_tags":
		return &f.RemoveTags
	case "expertise":
		return &f.Expertise
	case "email":
		return &f.Email
	case "phone":
		return &f.Phone
	case "queue":
		return &f.Queue
	case "agent":
		return &f.Agent
	case "note":
		return &f.Note
	case "code":
		return &f.Code
	case "outcome":
		return &f.Outcome
	case "topics":
		return &f.Topics
	case "widget":
		return &f.Widget
	case "name":
		return &f.Name
	case "language":
		return &f.Language
	case "country":
		return &f.Country
	case "page":
		return &f.Page
	case "url":
		return &f.URL
	case "title":
		return &f.Title
	case "rating":
		return &f.Rating
	case "comment":
		return &f.Comment
	}
	if name, ok := folded(key, frameNames); ok {
		return frameField(f, []byte(name))
	}
	return nil
}

// resumeNames are resume's JSON names.
var resumeNames = jsonNames[resume]()

// resumeField is frameField for the resume of a hello.
func resumeField(r *resume, key []byte) any {
	switch string(key) {
	case "token":
		return &r.Token
	case "last_message_ids":
		return &r.LastMessageIDs
	case "visitor":
		return &r.Visitor
	case "secret":
		return &r.Secret
	case "last_message":
		return &r.LastMessage
	}
	if name, ok := folded(key, resumeNames); ok {
		return resumeField(r, []byte(name))
	}
	return nil
}

// folded finds key among names without regard to case, as encoding/json
// does when no name matches exactly (Unicode simple folding: "ſ" is "s",
// "K" is "k").
func folded(key []byte, names []string) (string, bool) {
	for _, n := range names {
		if bytes.EqualFold(key, []byte(n)) {
			return n, true
		}
	}
	return "", false
}

// resumeInto reads a hello's resume.
func (d *frameDecoder) resumeInto(p **resume, key []byte) bool {
	if d.peek() != '{' {
		return clearOrWrong(d, p, key, "an object")
	}
	if *p == nil {
		*p = new(resume)
	}
	r := *p
	return d.object(func(key []byte) bool {
		switch q := resumeField(r, key).(type) {
		case *string:
			return d.stringInto(q, key)
		case *map[string]string:
			return d.mapInto(q, key)
		}
		return d.skip()
	})
}

// mapInto reads an object of strings into *p, adding to what is there.
func (d *frameDecoder) mapInto(p *map[string]string, key []byte) bool {
	if d.peek() != '{' {
		return clearOrWrong(d, p, key, "an object")
	}
	if *p == nil {
		*p = make(map[string]string)
	}
	m := *p
	return d.object(func(k []byte) bool {
		name := string(k) // before the value reuses the scratch
		var v string
		if !d.stringInto(&v, key) {
			return false
		}
		m[name] = v
		return true
	})
}

// clearOrWrong reads a value that is not the kind *p takes: null sets *p
// to nil, anything else is a value of the wrong kind, skipped.
func clearOrWrong[T any](d *frameDecoder, p *T, key []byte, want string) bool {
	if d.peek() == 'n' {
		if !d.null() {
			return false
		}
		var zero T
		*p = zero
		return true
	}
	d.mistype(string(key), want)
	return d.skip()
}

// typeInto reads the frame's type, without allocating for the types the
// protocol has.
func (d *frameDecoder) typeInto(p *string) bool {
	if d.peek() != '"' {
		return d.stringInto(p, []byte("type"))
	}
	s, ok := d.str()
	if ok {
		*p = frameType(s)
	}
	return ok
}

// frameTypes are the protocol's client frame types, each its own string.
var frameTypes = func() map[string]string {
	m := map[string]string{}
	for _, t := range []string{"hello", "ping", "presence", "accept", "decline", "send", "typing", "subscribe",
		"set_status", "join", "annotate", "verify_contact", "transfer", "release", "hold", "unhold", "end", "wrapup",
		"page", "csat", "leave"} {
		m[t] = t
	}
	return m
}()

// frameType returns s as a string, without allocating for a type the
// protocol has.
func frameType(s []byte) string {
	if t, ok := frameTypes[string(s)]; ok {
		return t
	}
	return string(s)
}

// stringInto reads a string into *p; null leaves *p as it is.
func (d *frameDecoder) stringInto(p *string, key []byte) bool {
	switch d.peek() {
	case '"':
		s, ok := d.str()
		if ok {
			*p = string(s)
		}
		return ok
	case 'n':
		return d.null()
	}
	d.mistype(string(key), "a string")
	return d.skip()
}

// stringPtrInto reads a string into **p, making *p if need be; null sets
// *p to nil.
func (d *frameDecoder) stringPtrInto(p **string, key []byte) bool {
	if d.peek() != '"' {
		return clearOrWrong(d, p, key, "a string")
	}
	s, ok := d.str()
	if ok {
		if *p == nil {
			*p = new(string)
		}
		**p = string(s)
	}
	return ok
}

// stringsInto reads an array of strings into *p as encoding/json does:
// element by element over what *p holds (a null element leaves it), then
// cut to the array's length; an empty array is an empty slice, null a nil
// one.
func (d *frameDecoder) stringsInto(p *[]string, key []byte) bool {
	if d.peek() != '[' {
		return clearOrWrong(d, p, key, "an array of strings")
	}
	d.off++
	if !d.enter() {
		return false
	}
	if d.space(); d.peek() == ']' {
		d.leave()
		*p = []string{}
		return true
	}
	s, n := *p, 0
	for {
		d.space()
		if n == cap(s) {
			s = append(s[:n], "")
		} else {
			s = s[:n+1]
		}
		if !d.stringInto(&s[n], key) {
			return false
		}
		n++
		d.space()
		switch d.peek() {
		case ',':
			d.off++
		case ']':
			d.leave()
			*p = s[:n]
			return true
		default:
			return d.fail("after array element")
		}
	}
}

// intInto reads an integer into *p; null leaves *p as it is.
func (d *frameDecoder) intInto(p *int, key []byte) bool {
	switch c := d.peek(); {
	case c == '-' || '0' <= c && c <= '9':
		lit, ok := d.number()
		if !ok {
			return false
		}
		n, err := strconv.ParseInt(string(lit), 10, 0)
		if err != nil {
			d.mistype(string(key), "an integer")
			return true
		}
		*p = int(n)
		return true
	case c == 'n':
		return d.null()
	}
	d.mistype(string(key), "an integer")
	return d.skip()
}

// object reads an object, calling member for each of its members with the
// member's name (valid until the next read) and d.off at its value, which
// member reads or skips.
func (d *frameDecoder) object(member func(key []byte) bool) bool {
	d.off++ // {
	if !d.enter() {
		return false
	}
	if d.space(); d.peek() == '}' {
		d.leave()
		return true
	}
	for {
		key, ok := d.key()
		if !ok {
			return false
		}
		d.space()
		if !member(key) {
			return false
		}
		d.space()
		switch d.peek() {
		case ',':
			d.off++
			d.space()
		case '}':
			d.leave()
			return true
		default:
			return d.fail("after object key:value pair")
		}
	}
}

// skip reads past one value of any kind, checking it, without recursion.
func (d *frameDecoder) skip() bool {
	var small [64]bool // true for an object: what the open values are
	open := small[:0]
	for {
		// A value.
		d.space()
		switch c := d.peek(); {
		case c == '{' || c == '[':
			d.off++
			if !d.enter() {
				return false
			}
			open = append(open, c == '{')
			d.space()
			if c == '{' && d.peek() == '}' || c == '[' && d.peek() == ']' {
				d.leave()
				open = open[:len(open)-1]
				break
			}
			if c == '{' {
				if _, ok := d.key(); !ok {
					return false
				}
			}
			continue
		case c == '"':
			if _, ok := d.str(); !ok {
				return false
			}
		case c == '-' || '0' <= c && c <= '9':
			if _, ok := d.number(); !ok {
				return false
			}
		case c == 't':
			if !d.literal("true") {
				return false
			}
		case c == 'f':
			if !d.literal("false") {
				return false
			}
		case c == 'n':
			if !d.null() {
				return false
			}
		default:
			return d.fail("looking for beginning of value")
		}
		// After a value: close what ends here, or go on to the next.
		for {
			if len(open) == 0 {
				return true
			}
			d.space()
			obj := open[len(open)-1]
			c := d.peek()
			if c == ',' {
				d.off++
				if obj {
					if _, ok := d.key(); !ok {
						return false
					}
				}
				break
			}
			if obj && c == '}' || !obj && c == ']' {
				d.leave()
				open = open[:len(open)-1]
				continue
			}
			if obj {
				return d.fail("after object key:value pair")
			}
			return d.fail("after array element")
		}
	}
}

// key reads an object member's name (unescaped, valid until the next
// read) and its colon.
func (d *frameDecoder) key() ([]byte, bool) {
	if d.space(); d.peek() != '"' {
		return nil, d.fail("looking for beginning of object key string")
	}
	key, ok := d.str()
	if !ok {
		return nil, false
	}
	if d.space(); d.peek() != ':' {
		return nil, d.fail("after object key")
	}
	d.off++
	return key, true
}

// enter counts one more level of nesting.
func (d *frameDecoder) enter() bool {
	if d.depth++; d.depth > maxDepth {
		return d.fail("exceeded max depth")
	}
	return true
}

// leave reads the bracket that closes a level of nesting.
func (d *frameDecoder) leave() {
	d.off++
	d.depth--
}

// str reads a string literal and returns its contents, unescaped: a slice
// of the frame, or of the scratch buffer when the string has escapes.
func (d *frameDecoder) str() ([]byte, bool) {
	start := d.off + 1 // after the quote
	for i := start; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			d.off = i + 1
			return d.data[start:i], true
		case c == '\\':
			return d.unescape(start, i)
		case c < 0x20:
			d.off = i
			return nil, d.fail("in string literal")
		}
	}
	d.off = len(d.data)
	return nil, d.fail("")
}

// unescape reads the rest of a string whose first escape is at i, as
// encoding/json unquotes: a lone surrogate becomes U+FFFD.
func (d *frameDecoder) unescape(start, i int) ([]byte, bool) {
	b := append(d.scratch[:0], d.data[start:i]...)
	defer func() { d.scratch = b[:0] }()
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.off = i + 1
			return b, true
		case c < 0x20:
			d.off = i
			return nil, d.fail("in string literal")
		case c != '\\':
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(d.data) {
			break
		}
		switch e := d.data[i+1]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := hex4(d.data[i+2:])
			if r < 0 {
				d.off = min(i+2, len(d.data))
				return nil, d.fail("in \\u hexadecimal character escape")
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if r2 := u4(d.data[i:]); r2 >= 0 {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						b = utf8.AppendRune(b, dec)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			b = utf8.AppendRune(b, r)
			continue
		default:
			d.off = i + 1
			return nil, d.fail("in string escape code")
		}
		i += 2
	}
	d.off = len(d.data)
	return nil, d.fail("")
}

// hex4 reads four hexadecimal digits, or returns -1.
func hex4(s []byte) rune {
	if len(s) < 4 {
		return -1
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// u4 reads a \u escape, or returns -1.
func u4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	return hex4(s[2:])
}

// number reads a number literal as JSON writes them.
func (d *frameDecoder) number() ([]byte, bool) {
	start, i := d.off, d.off
	if d.at(i) == '-' {
		i++
	}
	switch c := d.at(i); {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		i = d.digits(i)
	default:
		d.off = i
		return nil, d.fail("in numeric literal")
	}
	if d.at(i) == '.' {
		if i++; !isDigit(d.at(i)) {
			d.off = i
			return nil, d.fail("after decimal point in numeric literal")
		}
		i = d.digits(i)
	}
	if c := d.at(i); c == 'e' || c == 'E' {
		if i++; d.at(i) == '+' || d.at(i) == '-' {
			i++
		}
		if !isDigit(d.at(i)) {
			d.off = i
			return nil, d.fail("in exponent of numeric literal")
		}
		i = d.digits(i)
	}
	d.off = i
	return d.data[start:i], true
}

func (d *frameDecoder) digits(i int) int {
	for isDigit(d.at(i)) {
		i++
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// at returns the byte at i, or 0 past the end (never valid where it is
// looked for).
func (d *frameDecoder) at(i int) byte {
	if i < len(d.data) {
		return d.data[i]
	}
	return 0
}

func (d *frameDecoder) peek() byte { return d.at(d.off) }

func (d *frameDecoder) null() bool { return d.literal("null") }

// literal reads true, false or null.
func (d *frameDecoder) literal(word string) bool {
	for i := 0; i < len(word); i++ {
		if d.at(d.off) != word[i] {
			return d.fail("in literal " + word)
		}
		d.off++
	}
	return true
}

func (d *frameDecoder) space() {
	for d.off < len(d.data) {
		switch d.data[d.off] {
		case ' ', '\t', '\n', '\r':
			d.off++
		default:
			return
		}
	}
}

// fail records a syntax error at d.off and returns false; where is what
// the decoder was reading ("" for the end of the frame).
func (d *frameDecoder) fail(where string) bool {
	if d.syntax != "" {
		return false
	}
	if d.off >= len(d.data) {
		d.syntax = "unexpected end of JSON input"
		return false
	}
	r, _ := utf8.DecodeRune(d.data[d.off:])
	d.syntax = "invalid character " + strconv.QuoteRune(r) + " " + where +
		" (byte " + strconv.Itoa(d.off) + ")"
	return false
}

// mistype records that the value of name is not of the kind it must be.
func (d *frameDecoder) mistype(name, want string) {
	if d.wrong == "" {
		d.wrong = name + " must be " + want
	}
}
