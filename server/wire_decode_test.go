package server

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"pgregory.net/rapid"
)

// unmarshalFrame is the reference decodeJSON is held to: encoding/json.
func unmarshalFrame(data []byte) (*inFrame, error) {
	f := new(inFrame)
	return f, json.Unmarshal(data, f)
}

// sameAsUnmarshal fails t unless decodeJSON and json.Unmarshal agree on
// data, valid UTF-8: both refuse it (for the same reason when it is more
// than one value), or both accept it with the same frame.
func sameAsUnmarshal(t interface {
	Helper()
	Fatalf(string, ...any)
}, data []byte) {
	t.Helper()
	want, werr := unmarshalFrame(data)
	got := new(inFrame)
	msg, why := decodeJSON(data, got)
	extra := msg != "" && why == trailing
	switch {
	case werr == nil && (msg != "" || extra):
		t.Fatalf("%q: refused (%q, extra %v), json.Unmarshal takes it", data, msg, extra)
	case werr != nil && msg == "" && !extra:
		t.Fatalf("%q: taken as %+v, json.Unmarshal refuses it: %v", data, got, werr)
	case werr != nil && extra != strings.Contains(werr.Error(), "after top-level value"):
		t.Fatalf("%q: extra %v, json.Unmarshal: %v", data, extra, werr)
	case werr != nil && (why == mistyped) != errors.As(werr, new(*json.UnmarshalTypeError)):
		t.Fatalf("%q: refused as %d (%s), json.Unmarshal: %v", data, why, msg, werr)
	case werr == nil && !reflect.DeepEqual(got, want):
		t.Fatalf("%q:\n got %#v\nwant %#v", data, got, want)
	}
}

func TestDecodeFrameIsUnmarshalByHand(t *testing.T) {
	for _, s := range []string{
		`{"type":"ping"}`, ` null `, `null`, `nul`, `{}`, `{"type":"ping"} `, `{"type":"ping"}x`, `{"type":"ping"}{}`,
		`[1]`, `"x"`, `12`, `true`, `01`, `-`, `-0`, `1.`, `1e`, `1e+`, `.5`, ``, ` `, `{`, `{"`, `{"a"`, `{"a":`,
		`{"a":1,}`, `{,}`, `{"a" 1}`, `{"type":"send","text":"a\u00e9\n\t\/\\\"b"}`,
		`{"text":"\ud83d\ude00 \ud83d x \ude00 \ud83d\u0041 \uD83D\uDE00"}`, `{"text":"\u12"}`, `{"text":"\x"}`,
		`{"text":"\'"}`, "{\"text\":\"a\tb\"}", `{"TYPE":"ping","Text":"x"}`, `{"ſtatus":"away","toKen":"t"}`,
		`{"type":"ping","type":"pong"}`, `{"type":null}`, `{"type":1}`, `{"type":{}}`, `{"type":[]}`,
		`{"notes":null}`, `{"notes":"n"}`, `{"notes":"n","notes":null}`, `{"notes":5}`,
		`{"add_tags":[]}`, `{"add_tags":null}`, `{"add_tags":["a",null,"b"]}`, `{"add_tags":["a","b"],"add_tags":[null]}`,
		`{"add_tags":["a","b"],"add_tags":["x"],"add_tags":[null,null]}`, `{"add_tags":["a",]}`, `{"add_tags":[1]}`,
		`{"add_tags":"a"}`, `{"add_tags":[[]]}`, `{"rating":4}`, `{"rating":-0}`, `{"rating":4.0}`, `{"rating":4e0}`,
		`{"rating":"4"}`, `{"rating":99999999999999999999}`, `{"rating":null}`, `{"rating":true}`,
		`{"resume":null}`, `{"resume":{}}`, `{"resume":{"token":"t"},"resume":{"visitor":"v"}}`,
		`{"resume":{"last_message_ids":{"a":"1","b":null}},"resume":{"last_message_ids":{"c":"3"}}}`,
		`{"resume":{"last_message_ids":{}}}`, `{"resume":{"last_message_ids":null}}`, `{"resume":{"last_message_ids":{"a":1}}}`,
		`{"resume":{"LAST_MESSAGE_IDS":{"a":"1"},"x":[1,{"y":[]}]}}`, `{"resume":[]}`, `{"resume":"x"}`,
		`{"unknown":{"a":[1,2,{"b":null,"c":[true,false,-1.5e-3,"s\u0000"]}],"d":{}},"type":"ping"}`,
		`{"unknown":[1 2]}`, `{"unknown":{"a" 1}}`, `{"unknown":{"a":1,}}`, `{"unknown":{1:2}}`, `{"unknown":tru}`,
		`{"unknown":[}`, `{"unknown":{]}`, `{"unknown":[]]}`, ` { "type" : "ping" , "ref" : "r" } `,
		`{"\u0074ype":"ping"}`, `{"type\u0000":"ping"}`, `{"tyﬀpe":"ping"}`, `{"type":"é"}`, `{"é":"x","type":"a"}`,
		strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
		`{"u":` + strings.Repeat(`{"a":`, 9999) + `1` + strings.Repeat("}", 9999) + `}`,
		`{"u":` + strings.Repeat(`{"a":`, 10000) + `1` + strings.Repeat("}", 10000) + `}`,
		`{"add_tags":[` + strings.Repeat(`"t",`, 40) + `"t"]}`,
	} {
		if !utf8.ValidString(s) {
			t.Fatalf("%q is not UTF-8", s)
		}
		sameAsUnmarshal(t, []byte(s))
	}
}

// TestDecodeFrameIsUnmarshal draws frames rich in what a JSON decoder can
// get wrong (escapes, case, repeated and unknown names, null, values of
// the wrong kind, nesting, white space, a byte broken here and there) and
// holds decodeJSON to json.Unmarshal on each.
func TestDecodeFrameIsUnmarshal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := []byte(jsonText(t))
		if rapid.IntRange(0, 4).Draw(t, "break") == 0 && len(b) > 0 {
			i := rapid.IntRange(0, len(b)-1).Draw(t, "at")
			c := rapid.SampledFrom([]byte(`{}[],:"\ 0-e.nx`)).Draw(t, "byte")
			switch rapid.IntRange(0, 2).Draw(t, "how") {
			case 0:
				b[i] = c
			case 1:
				b = append(b[:i], b[i+1:]...)
			default:
				b = append(b[:i], append([]byte{c}, b[i:]...)...)
			}
		}
		if !utf8.Valid(b) {
			t.Skip("not UTF-8: decodeFrame refuses it first")
		}
		sameAsUnmarshal(t, b)
	})
}

// jsonText draws a frame's text: mostly an object of the protocol's names.
func jsonText(t *rapid.T) string {
	switch rapid.IntRange(0, 9).Draw(t, "top") {
	case 0:
		return jsonValue(t, 2) // anything
	case 1:
		return jsonObject(t, 2, frameNames) + rapid.SampledFrom([]string{"", " ", "\n", "x", "{}", " null"}).Draw(t, "after")
	}
	return jsonObject(t, 2, frameNames)
}

// jsonObject draws an object of names (in other spellings, some unknown,
// some repeated) with values mostly of the kinds the names want.
func jsonObject(t *rapid.T, depth int, names []string) string {
	n := rapid.IntRange(0, 6).Draw(t, "members")
	var b strings.Builder
	var drawn []string
	b.WriteString(ws(t) + "{")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		name := names[rapid.IntRange(0, len(names)-1).Draw(t, "name")]
		if len(drawn) > 0 && rapid.IntRange(0, 4).Draw(t, "again") == 0 {
			name = drawn[rapid.IntRange(0, len(drawn)-1).Draw(t, "repeat")]
		}
		drawn = append(drawn, name)
		b.WriteString(ws(t) + jsonName(t, name) + ws(t) + ":" + ws(t) + jsonMember(t, name, depth))
	}
	b.WriteString(ws(t) + "}" + ws(t))
	return b.String()
}

// jsonName spells a member's name: as it is, in another case, escaped, or
// as a name the protocol does not have.
func jsonName(t *rapid.T, name string) string {
	switch rapid.IntRange(0, 7).Draw(t, "spelling") {
	case 0:
		name = strings.ToUpper(name)
	case 1:
		name = strings.NewReplacer("s", "ſ", "k", "\u212a", "t", "T").Replace(name)
	case 2:
		return `"\u00` + strconv.FormatInt(int64(name[0]), 16) + name[1:] + `"`
	case 3:
		name = rapid.SampledFrom([]string{"x", "seq", "", "typ", "types", "é", "last_message_id"}).Draw(t, "unknown")
	}
	return strconv.Quote(name)
}

// jsonMember draws the value of a member: mostly of the kind its name
// wants, sometimes anything.
func jsonMember(t *rapid.T, name string, depth int) string {
	if rapid.IntRange(0, 5).Draw(t, "any kind") == 0 {
		return jsonValue(t, depth)
	}
	switch name {
	case "add_tags", "remove_tags", "expertise", "topics":
		return jsonArray(t, depth, func() string { return jsonString(t) })
	case "rating":
		return jsonNumber(t)
	case "resume":
		return jsonObject(t, depth-1, resumeNames)
	case "last_message_ids":
		keys := []string{"a", "b", "0000019a3f2b1c00", "A"}
		return jsonObject(t, depth-1, keys)
	}
	return jsonString(t)
}

func jsonValue(t *rapid.T, depth int) string {
	k := rapid.IntRange(0, 6).Draw(t, "value")
	if depth <= 0 {
		k %= 4
	}
	switch k {
	case 0:
		return jsonString(t)
	case 1:
		return jsonNumber(t)
	case 2:
		return rapid.SampledFrom([]string{"null", "true", "false"}).Draw(t, "literal")
	case 3:
		return "null"
	case 4:
		return jsonObject(t, depth-1, []string{"a", "type", "x"})
	}
	return jsonArray(t, depth, func() string { return jsonValue(t, depth-1) })
}

func jsonArray(t *rapid.T, depth int, elem func() string) string {
	n := rapid.IntRange(0, 4).Draw(t, "elems")
	parts := make([]string, n)
	for i := range parts {
		if rapid.IntRange(0, 5).Draw(t, "null elem") == 0 {
			parts[i] = "null"
		} else {
			parts[i] = elem()
		}
	}
	return "[" + ws(t) + strings.Join(parts, ws(t)+","+ws(t)) + ws(t) + "]"
}

func jsonNumber(t *rapid.T) string {
	return rapid.SampledFrom([]string{"0", "-0", "4", "-12", "1.5", "4.0", "1e2", "2E-3", "-0.0e+0",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "1e400"}).Draw(t, "number")
}

// jsonString draws a string literal with escapes of every kind.
func jsonString(t *rapid.T) string {
	parts := rapid.SliceOfN(rapid.SampledFrom([]string{"a", "é", "日本", "😀", " ", `\"`, `\\`, `\/`, `\b`, `\f`,
		`\n`, `\r`, `\t`, `\u0041`, `\u00e9`, `\u2028`, `\ud83d\ude00`, `\uD83D\uDE00`, `\ud83d`, `\ude00`,
		`\ud83d\u0041`, `\u0000`, `\uFFFD`, "\u007f", "<>&", `\'`, `\u12`}), 0, 6).Draw(t, "string")
	return `"` + strings.Join(parts, "") + `"`
}

// ws draws white space, mostly none.
func ws(t *rapid.T) string {
	return rapid.SampledFrom([]string{"", "", "", " ", "\n\t", "\r "}).Draw(t, "ws")
}

// TestFrameFieldsAreTheStructs holds frameField and resumeField to the
// structs' JSON tags: every name finds its own field, in any case.
func TestFrameFieldsAreTheStructs(t *testing.T) {
	check := func(typ reflect.Type, names []string, field func(name string, v reflect.Value) any) {
		var tags []string
		v := reflect.New(typ).Elem()
		for i := range typ.NumField() {
			tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			tags = append(tags, tag)
			for _, name := range []string{tag, strings.ToUpper(tag)} {
				p := field(name, v)
				if p == nil || reflect.ValueOf(p).Pointer() != v.Field(i).Addr().Pointer() {
					t.Errorf("%s: %q does not find field %s", typ, name, typ.Field(i).Name)
				}
			}
		}
		if !reflect.DeepEqual(tags, names) {
			t.Errorf("%s: names %q, tags %q", typ, names, tags)
		}
		if field("nonesuch", v) != nil {
			t.Errorf("%s: an unknown name finds a field", typ)
		}
	}
	check(reflect.TypeFor[inFrame](), frameNames, func(name string, v reflect.Value) any {
		return frameField(v.Addr().Interface().(*inFrame), []byte(name))
	})
	check(reflect.TypeFor[resume](), resumeNames, func(name string, v reflect.Value) any {
		return resumeField(v.Addr().Interface().(*resume), []byte(name))
	})
}
