package server

import (
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/switchboardhq/switchboard/internal/leakcheck"
)

// seenTypes records every frame type the server sent in this package's
// tests; TestMain checks that docs/protocol.md shows an example of each.
var seenTypes sync.Map

func TestMain(m *testing.M) {
	code := leakcheck.Run(m, leakcheck.Config{})
	if code == 0 {
		if missing := undocumented(); len(missing) > 0 {
			println("docs/protocol.md has no example of frame types:", strings.Join(missing, ", "))
			code = 1
		}
	}
	os.Exit(code)
}

func undocumented() []string {
	doc, err := os.ReadFile("../docs/protocol.md")
	if err != nil {
		return []string{"(docs/protocol.md unreadable: " + err.Error() + ")"}
	}
	var missing []string
	seenTypes.Range(func(k, _ any) bool {
		if !strings.Contains(string(doc), `"type":"`+k.(string)+`"`) {
			missing = append(missing, k.(string))
		}
		return true
	})
	// Every client frame the handlers accept is documented too.
	for _, t := range []string{"hello", "presence", "accept", "decline", "send", "typing", "set_status", "join",
		"annotate", "verify_contact", "transfer", "release", "hold", "unhold", "end", "wrapup", "subscribe",
		"ping", "page", "leave", "csat"} {
		if !strings.Contains(string(doc), `{"type":"`+t+`"`) {
			missing = append(missing, t)
		}
	}
	sort.Strings(missing)
	return missing
}
