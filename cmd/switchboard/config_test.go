package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sb.json")
	os.WriteFile(file, []byte(`{"addr":":9000","data":"/from-file","no-demo":true,"export-delay":90,"log-level":"warn"}`), 0o600)
	t.Setenv("SWITCHBOARD_DATA", "/from-env")
	f, err := parseServe([]string{"--config", file, "--log-level", "debug"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if f.addr != ":9000" || f.data != "/from-env" || !f.noDemo || f.exportDelay != 90*time.Second || f.logLevel != "debug" {
		t.Fatalf("resolved %+v", f)
	}
	f, err = parseServe(nil, io.Discard)
	if err != nil || f.addr != ":8080" || f.data != "/from-env" || f.exportDelay != 15*time.Minute {
		t.Fatalf("defaults %+v %v", f, err)
	}
}

func TestConfigRefusals(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, strings.ReplaceAll(body[:min(8, len(body))], "/", "_")+".json")
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--config", write(`{"adress":":1"}`)}, "unknown setting"},
		{[]string{"--config", write(`[1]`)}, "not a JSON object"},
		{[]string{"--config", write(`{"addr":[1]}`)}, "must be a string"},
		{[]string{"--config", filepath.Join(dir, "missing.json")}, "config file"},
		{[]string{"--tls-cert", "c.pem"}, "go together"},
		{[]string{"--no-demo=maybe"}, "no-demo"},
		{[]string{"--export-delay", "-5s"}, "negative"},
		{[]string{"--data", ""}, "data must"},
	} {
		var errb strings.Builder
		_, err := parseServe(tc.args, &errb)
		if err == nil || !strings.Contains(err.Error()+errb.String(), tc.want) {
			t.Errorf("%v: %v %q, want %q", tc.args, err, errb.String(), tc.want)
		}
	}
}

func TestLimitSettings(t *testing.T) {
	f, err := parseServe([]string{"--max-visitors-per-addr", "-1", "--stall-timeout", "2s", "--api-calls-per-addr", "1000"}, io.Discard)
	if err != nil || f.maxVisitorsPerAddr != -1 || f.stallTimeout != 2*time.Second || f.apiCallsPerAddr != 1000 {
		t.Fatalf("%+v %v", f, err)
	}
	if f, err := parseServe(nil, io.Discard); err != nil || f.apiCallsPerAddr != 200 {
		t.Fatalf("default api-calls-per-addr: %+v %v", f, err)
	}
	for arg, want := range map[string]time.Duration{"400d": 400 * 24 * time.Hour, "2160h": 2160 * time.Hour, "0": 0, "7200": 2 * time.Hour} {
		if f, err := parseServe([]string{"--status-retention", arg}, io.Discard); err != nil || f.statusRetention != want {
			t.Errorf("--status-retention %s: %v %v, want %v", arg, f.statusRetention, err, want)
		}
	}
	if f, err := parseServe(nil, io.Discard); err != nil || f.statusRetention != 0 {
		t.Errorf("default status-retention: %v %v", f.statusRetention, err)
	}
	for _, bad := range [][]string{{"--max-visitors-per-addr", "0"}, {"--max-visitors-per-addr", "x"},
		{"--status-retention", "30m"}, {"--status-retention", "-1d"}, {"--status-retention", "1.5d"}, {"--status-retention", "forever"},
		{"--api-calls-per-addr", "0"}, {"--api-calls-per-addr", "-2"}, {"--api-calls-per-addr", "1.5"},
		{"--max-visitors-per-addr", "-5"}, {"--stall-timeout", "0"}, {"--stall-timeout", "-1s"}} {
		if _, err := parseServe(bad, io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// TestOptionsDocumented: every serve option is in the operations guide.
func TestOptionsDocumented(t *testing.T) {
	guide, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range serveOptions {
		if !strings.Contains(string(guide), "`"+o.name+"`") {
			t.Errorf("docs/operations.md does not document --%s", o.name)
		}
	}
}
