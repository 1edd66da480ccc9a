package main

import (
	"os/exec"
	"testing"
	"time"

	"pairwise/syncserver/relaytest"
)

// served is a relay process on loopback and the addresses it bound.
type served struct {
	cmd *exec.Cmd
	log *relaytest.Log
	// addr serves WebSockets; metrics and debug are "" unless asked for.
	addr, metrics, debug string
}

// serveRelay runs `pairwise-relay serve` on dir until the test ends. Every
// listener is given port 0, so the relay binds a free port itself and the
// test reads the address from its log: no port is chosen here and handed
// over, which another process could take in between. extra adds serve
// flags; "--metrics-listen" and "--debug-listen" need no value, as they
// also get port 0.
func serveRelay(t *testing.T, dir string, extra ...string) *served {
	t.Helper()
	args := []string{"serve", "--listen", "127.0.0.1:0", "--data", dir, "--log-format", "json"}
	want := []string{"relay serving"}
	for _, f := range extra {
		switch f {
		case "--metrics-listen":
			args, want = append(args, f, "127.0.0.1:0"), append(want, "metrics serving")
		case "--debug-listen":
			args, want = append(args, f, "127.0.0.1:0"), append(want, "profiler serving")
		case "on one CPU":
			args = append([]string{"-c", "0", bin}, args...) // taskset runs the relay on CPU 0 only
		default:
			args = append(args, f)
		}
	}
	s := &served{log: &relaytest.Log{}}
	if args[0] == "-c" {
		taskset, err := exec.LookPath("taskset")
		if err != nil {
			t.Fatalf("taskset (util-linux) is needed to run the relay on one CPU: %v", err)
		}
		s.cmd = exec.Command(taskset, args...)
	} else {
		s.cmd = exec.Command(bin, args...)
	}
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	urls := waitServing(t, s.log, want)
	s.addr = urls["relay serving"]
	s.metrics = urls["metrics serving"]
	s.debug = urls["profiler serving"]
	return s
}

// waitServing reads the log until it has said, for each message in msgs,
// which address it serves on, and returns each message's host:port. A
// listener is bound before its line is logged, so a connection made after
// it is accepted. The deadline only bounds a relay that never starts.
func waitServing(t *testing.T, log *relaytest.Log, msgs []string) map[string]string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := relaytest.Served(log.String())
		all := true
		for _, m := range msgs {
			all = all && got[m] != ""
		}
		if all {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("the relay never said where it serves %q:\n%s", msgs, log)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
