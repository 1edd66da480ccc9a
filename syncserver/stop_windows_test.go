//go:build windows

package main

import (
	"os"
	"testing"
)

// stopRelay ends a relay process. Windows has no SIGTERM to send another
// process; ending it releases the data folder's lock all the same.
func stopRelay(t *testing.T, p *os.Process) {
	t.Helper()
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
}

// canStopGracefully: a graceful stop needs a signal Windows cannot send to
// another process, so that test runs on Unix only.
const canStopGracefully = false
