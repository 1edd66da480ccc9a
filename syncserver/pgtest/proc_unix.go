//go:build unix

package pgtest

import (
	"os/exec"
	"syscall"
)

// interrupt asks the server for a fast shutdown: connections are closed,
// committed work is kept.
func interrupt(cmd *exec.Cmd) { cmd.Process.Signal(syscall.SIGINT) }

// killGroup ends the server and all its backends with SIGKILL.
func killGroup(cmd *exec.Cmd) { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
