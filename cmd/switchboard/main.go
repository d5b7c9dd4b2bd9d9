// Command switchboard is the Switchboard binary: the hub server (default),
// the load tester (bench) and the planner (simulate).
//
// The server is being built (issue 3); until it lands, running the binary
// prints this usage.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `switchboard — realtime routing hub for contact centers

usage:
  switchboard [serve] [--addr :8080] [--data ./switchboard-data] [--admin-key KEY]
  switchboard bench   --addr HOST:PORT --admin-key KEY --agents N --rate R --duration D
  switchboard simulate --agents N --rate R --handle S [--patience S]

status: the routing engine (router/, presence/, session/) and the store (persist/)
are built and tested; the server, bench and simulate commands are not built yet.
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run executes the command line args and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "serve", "bench", "simulate":
		fmt.Fprint(stdout, usage)
		fmt.Fprintf(stdout, "\n%q is not built yet: see the README's status.\n", cmd)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "switchboard: unknown command %q\n\n%s", cmd, usage)
	return 2
}
