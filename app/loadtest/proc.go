package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// memStat is a process's memory as /proc/PID/status reports it.
type memStat struct {
	RSS, HWM int64 // bytes: resident now, and the peak (VmHWM)
	// RSS split: anonymous memory (Go heap, stacks) and file pages mapped
	// in (Badger maps its write-ahead log and value log).
	Anon, File int64
}

func (m memStat) split() string {
	return fmt.Sprintf("%s (anon %s, file-mapped %s)", mib(m.RSS), mib(m.Anon), mib(m.File))
}

func readMem(pid int) (memStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memStat{}, err
	}
	var m memStat
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch k {
		case "VmRSS":
			m.RSS = kB(v)
		case "VmHWM":
			m.HWM = kB(v)
		case "RssAnon":
			m.Anon = kB(v)
		case "RssFile":
			m.File = kB(v)
		}
	}
	if m.RSS == 0 {
		return m, fmt.Errorf("no VmRSS for process %d", pid)
	}
	return m, nil
}

func kB(v string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
	return n << 10
}

// clockTick is USER_HZ, the unit of /proc/PID/stat times on Linux.
const clockTick = 100

// readCPU is a process's user+system CPU time, all threads.
func readCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	// The command name may hold spaces; the fields after it are fixed.
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTick, nil
}

// usage is what this process has used so far, all threads together: CPU
// time, and how often its threads gave up the CPU to wait (voluntary
// context switches: a sleep, a futex, a disk sync) or had it taken away.
// Counts say more than a latency on a machine whose speed changes under
// it.
type usage struct {
	user, sys       time.Duration
	waits, preempts int64
}

func selfUsage() usage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return usage{}
	}
	return usage{user: time.Duration(ru.Utime.Nano()), sys: time.Duration(ru.Stime.Nano()), waits: ru.Nvcsw, preempts: ru.Nivcsw}
}

func (u usage) cpu() time.Duration { return u.user + u.sys }

func (u usage) minus(v usage) usage {
	return usage{user: u.user - v.user, sys: u.sys - v.sys, waits: u.waits - v.waits, preempts: u.preempts - v.preempts}
}

// perEdit says what each of n edits cost on average.
func (u usage) perEdit(n int) string {
	if n <= 0 {
		return "no edits"
	}
	per := func(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d.Microseconds())/float64(n)) }
	return fmt.Sprintf("%s CPU (user %s, system %s), %.1f voluntary and %.1f involuntary context switches",
		per(u.cpu()), per(u.user), per(u.sys), float64(u.waits)/float64(n), float64(u.preempts)/float64(n))
}

// cpuMeter measures how busy the relay and this process were over a phase,
// so a latency can be read against saturation (100% = one full core).
// Several relay instances count together.
type cpuMeter struct {
	relays []*relayProc
	wall   time.Time
	rcpu   time.Duration
	own    usage
	mach   machineTicks
}

func startCPU(rs ...*relayProc) cpuMeter {
	return cpuMeter{relays: rs, wall: time.Now(), rcpu: relaysCPU(rs), own: selfUsage(), mach: readMachineTicks()}
}

// relaysCPU is the relays' CPU time so far, together.
func relaysCPU(rs []*relayProc) time.Duration {
	var sum time.Duration
	for _, r := range rs {
		c, _ := r.cpu()
		sum += c
	}
	return sum
}

// phaseCPU is the utilisation of a phase, in percent of one core.
type phaseCPU struct {
	Wall          time.Duration
	Relay, Client float64
	RelayCPU      time.Duration
	Own           usage // this process's, over the phase
	// Steal is the share of the machine's CPU time its hypervisor gave to
	// other guests (a virtual CPU waiting to run, everything on it
	// delayed), in percent; negative when unknown.
	Steal float64
}

func (m cpuMeter) stop() phaseCPU {
	rc := relaysCPU(m.relays)
	wall := time.Since(m.wall)
	pct := func(d time.Duration) float64 { return 100 * d.Seconds() / wall.Seconds() }
	own := selfUsage().minus(m.own)
	return phaseCPU{Wall: wall, Relay: pct(rc - m.rcpu), Client: pct(own.cpu()), RelayCPU: rc - m.rcpu, Own: own,
		Steal: readMachineTicks().stealSince(m.mach)}
}

func (p phaseCPU) String() string {
	s := fmt.Sprintf("relay %.0f%%, load tool %.0f%% of a core over %.1fs", p.Relay, p.Client, p.Wall.Seconds())
	if p.Steal >= 0 {
		s += fmt.Sprintf("; %.1f%% of the machine's CPU time went to other guests of its hypervisor (steal)", p.Steal)
	}
	return s
}

// setCPU records the phase's CPU figures of workload wl for -json.
func (r *report) setCPU(wl string, p phaseCPU) {
	r.set(wl, keyRelayCPUPct, p.Relay)
	r.set(wl, keyClientCPUPct, p.Client)
	if p.Steal >= 0 {
		r.set(wl, keyStealPct, p.Steal)
	}
}

// machineTicks are the machine's CPU time counters (all CPUs, in clock
// ticks), as /proc/stat gives them; ok is false where there is none.
type machineTicks struct {
	total, steal uint64
	ok           bool
}

// stealSince is the steal share of the CPU time since m, in percent, or
// -1 when unknown.
func (t machineTicks) stealSince(m machineTicks) float64 {
	if !t.ok || !m.ok || t.total <= m.total {
		return -1
	}
	return 100 * float64(t.steal-m.steal) / float64(t.total-m.total)
}

// readMachineTicks reads the first line of /proc/stat: "cpu" and the
// times user, nice, system, idle, iowait, irq, softirq, steal, and guest
// times already counted in user and nice.
func readMachineTicks() machineTicks {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineTicks{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return machineTicks{}
	}
	var t machineTicks
	for i, v := range f[1:9] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return machineTicks{}
		}
		t.total += n
		if i == 7 {
			t.steal = n
		}
	}
	t.ok = true
	return t
}
