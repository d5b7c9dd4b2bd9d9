package load

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// ProfileEnv names an environment variable: when set to a path prefix,
// every bench process (the parent and each worker) writes a CPU profile
// of its run to PREFIX.<name>.pprof, so that the client's own cost can be
// read with `go tool pprof`.
const ProfileEnv = "SWITCHBOARD_BENCH_CPUPROFILE"

// startProfile starts the CPU profile of this process when ProfileEnv is
// set, and returns what stops it.
func startProfile(name string, stderr io.Writer) func() {
	prefix := os.Getenv(ProfileEnv)
	if prefix == "" {
		return func() {}
	}
	f, err := os.Create(fmt.Sprintf("%s.%s.pprof", prefix, name))
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(stderr, "switchboard bench: cpu profile:", err)
		if f != nil {
			f.Close()
		}
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
