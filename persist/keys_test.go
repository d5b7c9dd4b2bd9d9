package persist

import (
	"bytes"
	"cmp"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestStrEncodingOrder checks the property the layout rests on: encoded
// strings, and pairs of them, sort like the strings, and decode back.
func TestStrEncodingOrder(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	alphabet := []byte{0x00, 0x01, 0x02, 0xFF, 'a', 'b'}
	gen := func() string {
		b := make([]byte, rng.IntN(5))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	for range 20000 {
		a, b, c, d := gen(), gen(), gen(), gen()
		ea, eb := appendStr(nil, a), appendStr(nil, b)
		if got, want := bytes.Compare(ea, eb), strings.Compare(a, b); got != want {
			t.Fatalf("order of %q, %q: encoded %d, strings %d", a, b, got, want)
		}
		pair1 := appendStr(appendStr(nil, a), c)
		pair2 := appendStr(appendStr(nil, b), d)
		want := cmp.Or(strings.Compare(a, b), strings.Compare(c, d))
		if got := bytes.Compare(pair1, pair2); got != want {
			t.Fatalf("order of (%q,%q), (%q,%q): encoded %d, tuples %d", a, c, b, d, got, want)
		}
		if a != b && bytes.HasPrefix(eb, ea) {
			t.Fatalf("encoding of %q is a prefix of that of %q", a, b)
		}
		got, rest, ok := readStr(pair1)
		if !ok || got != a {
			t.Fatalf("readStr(%q) = %q, %v, want %q", pair1, got, ok, a)
		}
		if got, _, ok := readStr(rest); !ok || got != c {
			t.Fatalf("second readStr = %q, %v, want %q", got, ok, c)
		}
		if !bytes.Equal(appendBytesStr(nil, []byte(a)), ea) {
			t.Fatalf("appendBytesStr(%q) differs from appendStr", a)
		}
	}
}

func TestReadStrRejectsMalformed(t *testing.T) {
	for _, b := range []string{"", "abc", "a\x00", "a\x00\x02", "a\x00\xff"} {
		if _, _, ok := readStr([]byte(b)); ok {
			t.Errorf("readStr(%q) ok, want malformed", b)
		}
	}
}

func FuzzReadStr(f *testing.F) {
	f.Add([]byte("a\x00\x01"))
	f.Add([]byte("\x00\xff\x00\x01rest"))
	f.Add([]byte("\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, rest, ok := readStr(b)
		if !ok {
			return
		}
		if enc := appendStr(nil, s); !bytes.Equal(append(enc, rest...), b) {
			t.Fatalf("readStr(%q) = %q, %q does not re-encode", b, s, rest)
		}
	})
}

func TestTimeEncodingOrder(t *testing.T) {
	times := []time.Time{
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(-1, 0),
		time.Unix(0, 0),
		time.Unix(0, 1),
		time.Date(2026, 3, 1, 12, 0, 0, 5, time.UTC),
		time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for i := 1; i < len(times); i++ {
		a, b := appendTime(nil, times[i-1]), appendTime(nil, times[i])
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("%v does not sort before %v", times[i-1], times[i])
		}
		got, _, ok := readTime(b)
		if !ok || !got.Equal(times[i]) {
			t.Errorf("readTime = %v, want %v", got, times[i])
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a", "b"},
		{"a\x00\x01", "a\x00\x02"},
		{"a\xff", "b"},
		{"\xff\xff", ""},
	} {
		if got := prefixEnd([]byte(c.in)); string(got) != c.want {
			t.Errorf("prefixEnd(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestWorkspaceRange checks that every key of a workspace falls inside its
// prefix range and that no key of another workspace does.
func TestWorkspaceRange(t *testing.T) {
	due := time.Unix(100, 0)
	keys := func(ws string) [][]byte {
		return [][]byte{
			keyWorkspace(nil, ws), keyCheckpoint(nil, ws), keyQueue(nil, ws, "q"),
			keyAgent(nil, ws, "a"), keySession(nil, ws, "s"), keyOpen(nil, ws, "s"),
			keyMessage(nil, ws, "s", 1), keyContact(nil, ws, "c", "s"), keyExport(nil, ws, due, "s"),
		}
	}
	spaces := []string{"a", "a\x00", "a\x00b", "ab", "b", ""}
	for _, ws := range spaces {
		lo := appendWorkspace(nil, ws)
		hi := prefixEnd(lo)
		for _, other := range spaces {
			for _, k := range keys(other) {
				in := bytes.Compare(k, lo) >= 0 && bytes.Compare(k, hi) < 0
				if in != (ws == other) {
					t.Errorf("key %q of workspace %q: in range of %q = %v", k, other, ws, in)
				}
			}
		}
		if first := keyWorkspace(nil, ws); !bytes.Equal(minKey(keys(ws)), first) {
			t.Errorf("workspace %q: record is not the first key of its range", ws)
		}
	}
}

func minKey(keys [][]byte) []byte {
	m := keys[0]
	for _, k := range keys[1:] {
		if bytes.Compare(k, m) < 0 {
			m = k
		}
	}
	return m
}
