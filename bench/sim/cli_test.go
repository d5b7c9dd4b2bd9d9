package sim

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestMainJSON(t *testing.T) {
	var out, errb bytes.Buffer
	code := Main([]string{"--agents", "5", "--rate", "0.04", "--handle", "100", "--patience", "60",
		"--duration", "20000", "--sl-threshold", "15", "--seed", "3", "--json", "--quiet"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var r struct {
		Input     map[string]any
		Simulated map[string]any
		Erlang    map[string]any
		ErlangC   map[string]any `json:"erlang_c"`
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	for name, obj := range map[string]map[string]any{"simulated": r.Simulated, "erlang": r.Erlang, "erlang_c": r.ErlangC} {
		for _, f := range []string{"service_level", "asa", "abandon_rate", "occupancy"} {
			if _, ok := obj[f].(float64); !ok {
				t.Errorf("%s.%s missing: %s", name, f, out.String())
			}
		}
	}
	if r.Erlang["model"] != "erlang_a" || r.Input["sl_threshold"] != 15.0 {
		t.Errorf("erlang %v input %v", r.Erlang, r.Input)
	}
	if a, _ := r.Simulated["abandon_rate"].(float64); a <= 0 {
		t.Errorf("no abandons with patience: %v", r.Simulated)
	}
}

func TestMainTableAndErrors(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main([]string{"--agents", "2", "--rate", "0.03", "--handle", "100", "--duration", "5000", "--quiet"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"service level (20s)", "ASA", "Erlang C", "occupancy", "fairness"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	// Overload without patience: no Erlang C, a note, still a result.
	out.Reset()
	if code := Main([]string{"--agents", "1", "--rate", "0.02", "--handle", "100", "--duration", "2000", "--quiet"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "note: Erlang C") {
		t.Errorf("overload: %d %s", code, out.String())
	}
	for _, args := range [][]string{{}, {"--agents", "1"}, {"--agents", "1", "--rate", "1"}, {"--agents", "1", "--rate", "1", "--handle", "-1"}, {"--bogus"}} {
		if code := Main(args, &out, &errb); code != 2 {
			t.Errorf("Main(%q) = %d", args, code)
		}
	}
}
