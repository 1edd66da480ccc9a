//go:build unix

package pgtest

import (
	"os/exec"
	"syscall"
)

// interrupt asks the server for a fast shutdown: connections are closed,
// committed work is kept.
func interrupt(cmd *exec.Cmd) { cmd.Process.Signal(syscall.SIGINT) }
