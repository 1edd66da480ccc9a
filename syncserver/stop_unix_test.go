//go:build unix

package main

import (
	"os"
	"syscall"
	"testing"
)

// stopRelay asks a relay process to stop as a service manager does.
func stopRelay(t *testing.T, p *os.Process) {
	t.Helper()
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
}

// canStopGracefully: a relay's graceful stop is tested by signal.
const canStopGracefully = true
