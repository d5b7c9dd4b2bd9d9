package load

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// procSampler reads a local server's RSS and CPU time from /proc (Linux).
type procSampler struct {
	pid       int
	start     time.Time
	cpu0      float64 // seconds of CPU at start
	rssMax    float64 // MiB
	rssLast   float64
	cpuLast   float64
	clockTick float64
}

// newProcSampler returns a sampler for pid, or for the process listening
// on addr's port when pid is 0 and addr is local; nil when there is none.
func newProcSampler(pid int, addr string) *procSampler {
	if pid == 0 {
		pid = listenerPID(addr)
	}
	if pid <= 0 {
		return nil
	}
	p := &procSampler{pid: pid, start: time.Now(), clockTick: 100}
	cpu, ok := p.cpu()
	if !ok {
		return nil
	}
	p.cpu0, p.cpuLast = cpu, cpu
	return p
}

// sample reads RSS (MiB) and CPU now and returns the RSS.
func (p *procSampler) sample() float64 {
	if c, ok := p.cpu(); ok {
		p.cpuLast = c
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			p.rssLast = kb / 1024
			p.rssMax = max(p.rssMax, p.rssLast)
		}
	}
	return p.rssLast
}

// cpu returns the process's user+system CPU seconds.
func (p *procSampler) cpu() (float64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid))
	if err != nil {
		return 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / p.clockTick, true
}

// ServerStats is what /proc said about the server during the run.
type ServerStats struct {
	PID        int     `json:"pid"`
	RSSMaxMiB  float64 `json:"rss_max_mib"`
	RSSEndMiB  float64 `json:"rss_end_mib"`
	CPUSeconds float64 `json:"cpu_seconds"`
	// CPUPercent is CPU seconds over wall seconds, ×100 (200 = two cores).
	CPUPercent float64 `json:"cpu_percent"`
}

func (p *procSampler) stats() *ServerStats {
	if p == nil {
		return nil
	}
	p.sample()
	cpu := p.cpuLast - p.cpu0
	return &ServerStats{PID: p.pid, RSSMaxMiB: p.rssMax, RSSEndMiB: p.rssLast, CPUSeconds: cpu,
		CPUPercent: 100 * cpu / time.Since(p.start).Seconds()}
}

// listenerPID finds the process listening on addr's TCP port, when addr is
// a local address: the socket's inode from /proc/net/tcp{,6}, then the
// process holding it. It returns 0 when it cannot tell.
func listenerPID(addr string) int {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return 0
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return 0
	}
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) < 10 || fs[3] != "0A" { // 0A: LISTEN
				continue
			}
			if i := strings.LastIndexByte(fs[1], ':'); i >= 0 {
				if p, err := strconv.ParseInt(fs[1][i+1:], 16, 32); err == nil && int(p) == port {
					inodes["socket:["+fs[9]+"]"] = true
				}
			}
		}
		fh.Close()
	}
	if len(inodes) == 0 {
		return 0
	}
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range fds {
		if l, err := os.Readlink(fd); err == nil && inodes[l] {
			pid, _ := strconv.Atoi(strings.Split(fd, "/")[2])
			if pid != os.Getpid() {
				return pid
			}
		}
	}
	return 0
}
