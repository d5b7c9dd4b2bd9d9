package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// roleFlags collects -role NAME=FRAME flags.
type roleFlags []role

func (r *roleFlags) String() string { return fmt.Sprint(*r) }
func (r *roleFlags) Set(v string) error {
	name, frame, ok := strings.Cut(v, "=")
	if !ok || name == "" || frame == "" {
		return fmt.Errorf("want NAME=FRAME (a substring of a function on the goroutine's stack), got %q", v)
	}
	*r = append(*r, role{name, frame})
	return nil
}

func main() {
	var roles roleFlags
	flag.Var(&roles, "role", "a kind of goroutine, NAME=FRAME (repeatable; default: the server's hub loop, WAL writer, socket writers and readers)")
	top := flag.Int("top", 5, "blocking sites shown per role")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: tracewait [-role NAME=FRAME]... [-top N] TRACE_FILE")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if len(roles) == 0 {
		roles = defaultRoles
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	rep, err := analyze(f, roles)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reading the trace:", err)
		os.Exit(1)
	}
	rep.write(os.Stdout, roles, *top)
}
