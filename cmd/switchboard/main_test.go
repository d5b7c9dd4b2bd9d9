package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"help"}, 0, "usage:"},
		{[]string{"nonsense"}, 2, "unknown command"},
		{[]string{"serve", "--no-such-flag"}, 2, "flag provided but not defined"},
		{[]string{"serve", "--log-level", "loud"}, 2, "--log-level"},
		{[]string{"bench"}, 2, "--addr is required"},
		{[]string{"simulate"}, 2, "--agents is required"},
		{[]string{"simulate", "--agents", "3", "--rate", "0.02", "--handle", "100", "--duration", "20000", "--quiet"}, 0, "Erlang C"},
	} {
		var out, errb bytes.Buffer
		if code := run(tc.args, &out, &errb); code != tc.code || !strings.Contains(out.String()+errb.String(), tc.out) {
			t.Errorf("run(%q) = %d, %q %q", tc.args, code, out.String(), errb.String())
		}
	}
}
