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

// HeapProfileEnv is ProfileEnv for memory: every bench process writes a
// heap profile to PREFIX.<name>.heap.pprof each time it measures its
// memory at a new peak of sockets (the figure client_kib_per_socket
// reports), so the file left is what the client held at its most.
const HeapProfileEnv = "SWITCHBOARD_BENCH_MEMPROFILE"

// processName names this bench process in profiles' file names.
func processName(worker int) string {
	if worker == 0 {
		return "main"
	}
	return fmt.Sprintf("worker%d", worker)
}

// profileFile creates PREFIX.<name>.<ext> when the environment variable
// env names a prefix; nil, nil when it does not.
func profileFile(env, name, ext string) (*os.File, error) {
	prefix := os.Getenv(env)
	if prefix == "" {
		return nil, nil
	}
	return os.Create(fmt.Sprintf("%s.%s.%s", prefix, name, ext))
}

// writeHeapProfile writes the heap profile HeapProfileEnv asks for, if any.
func writeHeapProfile(name string) {
	f, err := profileFile(HeapProfileEnv, name, "heap.pprof")
	if f == nil || err != nil {
		return
	}
	defer f.Close()
	_ = pprof.Lookup("heap").WriteTo(f, 0)
}

// startProfile starts the CPU profile of this process when ProfileEnv is
// set, and returns what stops it.
func startProfile(name string, stderr io.Writer) func() {
	f, err := profileFile(ProfileEnv, name, "pprof")
	if f == nil && err == nil {
		return func() {}
	}
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
