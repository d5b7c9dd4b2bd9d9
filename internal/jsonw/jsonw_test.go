package jsonw

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// marshal is json.Marshal's output, or nil on an error.
func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// AnyString draws strings rich in what JSON escapes: controls, quotes,
// HTML characters, invalid UTF-8, U+2028/9 and other runes.
func AnyString() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		parts := rapid.SliceOfN(rapid.OneOf(
			rapid.SampledFrom([]string{"\"", "\\", "<", ">", "&", "\b", "\f", "\n", "\r", "\t", "\x00", "\x1f", "\x7f",
				"\u2028", "\u2029", "\xff", "\xe2\x80", "é", "日本", "😀", "\ufffd", "a", " "}),
			rapid.String(),
			rapid.Map(rapid.SliceOf(rapid.Byte()), func(b []byte) string { return string(b) }),
		), 0, 8).Draw(t, "parts")
		var s string
		for _, p := range parts {
			s += p
		}
		return s
	})
}

func TestStringMatchesEncodingJSON(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := AnyString().Draw(t, "s")
		if got, want := String(nil, s), marshal(s); string(got) != string(want) {
			t.Fatalf("String(%q) = %s, want %s", s, got, want)
		}
	})
}

func TestStringsMatchesEncodingJSON(t *testing.T) {
	for _, list := range [][]string{nil, {}, {"a"}, {"a", "<b>", ""}} {
		if got, want := Strings(nil, list), marshal(list); string(got) != string(want) {
			t.Errorf("Strings(%q) = %s, want %s", list, got, want)
		}
	}
}

// matches fails unless enc(nil, v) is json.Marshal(v), or both fail.
func matches[V any](t interface{ Fatalf(string, ...any) }, name string, enc func([]byte, V) ([]byte, error), v V) {
	got, err := enc(nil, v)
	want := marshal(v)
	if want == nil {
		if err == nil {
			t.Fatalf("%s(%v) = %s, want an error", name, v, got)
		}
		return
	}
	if err != nil || string(got) != string(want) {
		t.Fatalf("%s(%v) = %s, %v, want %s", name, v, got, err, want)
	}
}

func TestFloatMatchesEncodingJSON(t *testing.T) {
	check := func(t interface{ Fatalf(string, ...any) }, f float64) { matches(t, "Float", Float, f) }
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 1e-7, 9.99e-7, 1e20, 1e21, 1.5e21, -2.5e-9,
		123.456, math.MaxFloat64, math.SmallestNonzeroFloat64, math.NaN(), math.Inf(1), math.Inf(-1)} {
		check(t, f)
	}
	rapid.Check(t, func(t *rapid.T) {
		check(t, math.Float64frombits(rapid.Uint64().Draw(t, "bits")))
		check(t, rapid.Float64().Draw(t, "f"))
	})
}

func TestTimeMatchesEncodingJSON(t *testing.T) {
	check := func(t interface{ Fatalf(string, ...any) }, tm time.Time) { matches(t, "Time", Time, tm) }
	for _, tm := range []time.Time{{}, time.Date(2025, 3, 1, 9, 42, 1, 0, time.UTC),
		time.Date(2025, 3, 1, 9, 42, 1, 123456789, time.FixedZone("CET", 3600)),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)),
		time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("", -99*3600)),
		time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("", 5*3600+30*60+15))} {
		check(t, tm)
	}
	rapid.Check(t, func(t *rapid.T) {
		sec := rapid.Int64Range(-80e9, 300e9).Draw(t, "sec")
		nsec := rapid.Int64Range(0, 999999999).Draw(t, "nsec")
		off := rapid.IntRange(-30*3600, 30*3600).Draw(t, "offset")
		check(t, time.Unix(sec, nsec).In(time.FixedZone("z", off)))
	})
}

func BenchmarkString(b *testing.B) {
	s := `Hello, I ordered the blue one <b>twice</b> & it's late — "help"`
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = String(buf[:0], s)
	}
}
