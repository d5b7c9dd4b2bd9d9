package sim

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/bench/internal/reporttest"
	"github.com/switchboardhq/switchboard/presence"
)

// TestReportsInBrowser opens the HTML report of each kind of run in
// Chromium: every chart drawn, every label and legend whole and apart,
// every line inside its plot, the text table readable without scrolling
// sideways. Screenshots go to the test's artifacts.
func TestReportsInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	dir := t.TempDir()
	var pages []reporttest.Page
	// A blended day, as a server would have exported it.
	day := Config{Media: []MediaShare{{Media: presence.Voice, Share: 0.5, Handle: 240 * time.Second},
		{Media: presence.Chat, Share: 0.4, Handle: 480 * time.Second, Capacity: 3}, {Media: presence.Email, Share: 0.1, Handle: 600 * time.Second, Capacity: 5}},
		Profile: []float64{0.02, 0.1, 0.05}, Interval: time.Hour, Schedule: []int{4, 20, 10}, Duration: 3 * time.Hour, Warmup: -1, Patience: 2 * time.Minute, Seed: 2}
	history, _, _ := simulatedHistory(t, day, day0.Add(8*time.Hour))
	for _, c := range []struct{ name, args string }{
		{"simulate-erlang-a", "--agents 20 --rate 0.06 --handle 300 --patience 120 --duration 40000"},
		{"simulate-constant", "--agents 4 --rate 0.035 --handle 100 --handle-dist constant --duration 50000"},
		{"simulate-teams", "--rate 0.1 --handle 240 --handle-dist lognormal --handle-cv 1.2 --patience 180 " +
			"--queues vip=0.2@1,sales=0.5,support=0.3 --languages en=0.75,fr=0.25 --capacity 2 " +
			"--team 6:sales:en --team 4:support:en --team 3:*:fr,en --duration 40000"},
		{"simulate-day", "--profile 0,0.02,0.05,0.08,0.06,0.03 --interval 3600 --schedule 1,3,6,9,7,4 --handle 120 --duration 21600"},
		{"simulate-blend", "--media voice=0.5,chat=0.4,email=0.1 --handle voice=240,chat=480,email=600 --capacity chat=3,email=5 " +
			"--sl-threshold voice=20,chat=60,email=3600 --profile 0.02,0.1,0.05 --interval 3600 --schedule 4,20,10 --duration 10800"},
		{"simulate-staffing", "--rate 0.3 --handle 100 --target-sl 80% --duration 20000"},
		{"simulate-history", "--history " + history + " --interval 3600 --sl-threshold voice=20,chat=60,email=3600 --capacity chat=3,email=5 " +
			"--schedule 0,0,0,0,0,0,0,0,4,20,10,0,0,0,0,0,0,0,0,0,0,0,0,0"},
	} {
		path := filepath.Join(dir, c.name+".html")
		var errb bytes.Buffer
		if code := Main(append(strings.Fields(c.args), "--quiet", "--html", path), io.Discard, &errb); code != 0 {
			t.Fatalf("%s: exit %d: %s", c.args, code, errb.String())
		}
		pages = append(pages, reporttest.Page{Name: c.name, Path: path})
	}
	reporttest.Check(t, pages...)
}
