package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// raiseFileLimit lifts the soft limit on open files to the hard limit: the
// Idle workload holds thousands of sockets, W2 a thousand Badger stores,
// and the relay (started after this) inherits the limit.
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, err
		}
	}
	return lim.Cur, nil
}

// pinSelf confines every thread of this process to cpu, the way the
// anchors' harness runs its client processes on one core and the server on
// the other. Go threads started later inherit the mask of the thread that
// creates them, so setting it on each existing thread covers them all.
func pinSelf(cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	if err := eachThread(func(tid int) error { return unix.SchedSetaffinity(tid, &set) }); err != nil {
		return fmt.Errorf("pin to CPU %d: %w", cpu, err)
	}
	// run keeps GOMAXPROCS at the machine's count on the one CPU: with
	// one P, W2 at 50 documents measured p50 343 ms instead of 7 ms, as a
	// goroutine in a disk sync holds the only P until the runtime takes it
	// back.
	return nil
}

// spreadSelf lets every thread of this process run on every CPU, but only
// under Linux's SCHED_IDLE policy: such a thread runs only when a CPU has
// nothing else to run, and a waking normal task (the relay) takes the CPU
// from it at once. W2 uses it so that the clients, which need more than
// one core at W2's rate, can use what the relay leaves of its CPU without
// taking any from it. Threads started later inherit both settings. undo
// pins the process back to cpu under the normal policy.
func spreadSelf(cpu int) (undo func() error, err error) {
	var all unix.CPUSet
	for c := range runtime.NumCPU() {
		all.Set(c)
	}
	if err := eachThread(func(tid int) error {
		if err := unix.SchedSetaffinity(tid, &all); err != nil {
			return err
		}
		return unix.SchedSetAttr(tid, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_IDLE}, 0)
	}); err != nil {
		return nil, err
	}
	return func() error {
		if err := eachThread(func(tid int) error {
			return unix.SchedSetAttr(tid, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_NORMAL}, 0)
		}); err != nil {
			return err
		}
		return pinSelf(cpu)
	}, nil
}

// eachThread calls fn with the ID of every thread of this process.
func eachThread(fn func(tid int) error) error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := fn(tid); err != nil {
			return fmt.Errorf("thread %d: %w", tid, err)
		}
	}
	return nil
}
