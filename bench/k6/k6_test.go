// Package k6 holds the k6 script (switchboard.js) and its test: the script
// run by the real k6 against a real server.
package k6

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/server"
)

// k6Binary finds k6 on PATH or in GOPATH/bin (where `go install
// go.k6.io/k6@v1.8.1` puts it).
func k6Binary() string {
	if p, err := exec.LookPath("k6"); err == nil {
		return p
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err != nil {
		return ""
	}
	for _, dir := range filepath.SplitList(strings.TrimSpace(string(out))) {
		p := filepath.Join(dir, "bin", "k6")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// TestScriptAgainstServer runs switchboard.js with k6 against a server on
// a real store for a few seconds: agents take offers and echo messages,
// visitors chat and leave. Every socket must upgrade, every chat be
// answered and relayed, and no error frame come back. Without k6 the test
// skips, unless SWITCHBOARD_REQUIRE_K6=1 (CI installs k6 and sets it).
func TestScriptAgainstServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs k6 for some 15 s")
	}
	k6 := k6Binary()
	if k6 == "" {
		if os.Getenv("SWITCHBOARD_REQUIRE_K6") == "1" {
			t.Fatal("k6 not found on PATH or in GOPATH/bin (go install go.k6.io/k6@v1.8.1)")
		}
		t.Skip("k6 not installed (go install go.k6.io/k6@v1.8.1)")
	}
	srv, err := server.New(server.Config{DataDir: t.TempDir(), AdminKey: "k6-admin", NoDemo: true})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer func() { hs.CloseClientConnections(); _ = srv.Close(); hs.Close() }()

	summary := filepath.Join(t.TempDir(), "summary.json")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// One visitor a second: the server allows 2 new chats/s per client
	// address, and every k6 visitor comes from 127.0.0.1.
	cmd := exec.CommandContext(ctx, k6, "run", "--quiet", "--no-color", "--summary-export", summary,
		"-e", "ADDR="+strings.TrimPrefix(hs.URL, "http://"), "-e", "ADMIN_KEY=k6-admin",
		"-e", "AGENTS=4", "-e", "RATE=1", "-e", "DURATION=8s", "-e", "CHAT_SECONDS=2", "-e", "MESSAGE_GAP=0.3",
		"switchboard.js")
	cmd.Env = append(os.Environ(), "K6_NO_USAGE_REPORT=true")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("k6: %v\n%s", err, out)
	}
	data, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Metrics map[string]map[string]any `json:"metrics"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
	num := func(metric, field string) float64 {
		v, _ := s.Metrics[metric][field].(float64)
		return v
	}
	// Eight arrivals over 8 s; all of them chat.
	if c := num("chats", "count"); c < 6 {
		t.Errorf("%v chats answered by agents, want about 8\n%s", c, out)
	}
	if m := num("messages", "count"); m < 10 {
		t.Errorf("%v messages sent by visitors\n%s", m, out)
	}
	for _, trend := range []string{"offer_latency", "relay_latency"} {
		if med, max := num(trend, "med"), num(trend, "max"); !(med > 0 && max < 5000) {
			t.Errorf("%s: median %v ms, max %v ms\n%s", trend, med, max, out)
		}
	}
	if f, p := num("checks", "fails"), num("checks", "passes"); f != 0 || p < 10 {
		t.Errorf("checks: %v passed, %v failed\n%s", p, f, out)
	}
	if e, ok := s.Metrics["ws_errors"]; ok {
		t.Errorf("error frames or socket errors: %v\n%s", e, out)
	}
	t.Logf("k6: %v chats, %v messages; offer median %.1f ms, relay median %.1f ms",
		num("chats", "count"), num("messages", "count"), num("offer_latency", "med"), num("relay_latency", "med"))
}
