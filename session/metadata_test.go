package session

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		must(t, os.MkdirAll("testdata", 0o755))
		must(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	must(t, err)
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs (run go test -update to accept):\n%s", path, got)
	}
}

func TestMetadataGolden(t *testing.T) {
	b, err := json.MarshalIndent(fullSession(t).Metadata(at(400)), "", "  ")
	must(t, err)
	golden(t, "metadata.golden.json", append(b, '\n'))
}

func TestMetadataFieldSet(t *testing.T) {
	var m map[string]any
	b, err := json.Marshal(fullSession(t).Metadata(at(400)))
	must(t, err)
	must(t, json.Unmarshal(b, &m))
	for _, k := range []string{"lang", "id", "type", "status", "created", "queued", "assigned", "connected", "ended",
		"updated", "handle_time", "hold_time", "answer_type", "queue", "csat", "agent", "transfers",
		"disposition", "outcome", "participants"} {
		if _, ok := m[k]; !ok {
			t.Errorf("metadata lacks %q", k)
		}
	}
	if m["handle_time"] != 268.5 || m["hold_time"] != 23.0 || m["status"] != 8.0 || m["type"] != "voice_inbound" {
		t.Errorf("handle %v hold %v status %v type %v", m["handle_time"], m["hold_time"], m["status"], m["type"])
	}
}

func TestMetadataDeflected(t *testing.T) {
	s := fixture(t, "queued")
	must(t, s.Deflect("after_hours_message_only", "voicemail", "Closed", at(10)))
	md := s.Metadata(at(20))
	if md.Deflection == nil || *md.Deflection != (MetaDeflection{"after_hours_message_only", "voicemail"}) ||
		md.Agent != nil || md.Disposition != nil || md.HandleTime != 0 || md.WaitTime != 9 {
		t.Fatalf("metadata %+v", md)
	}
}
