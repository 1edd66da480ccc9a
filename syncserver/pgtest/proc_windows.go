package pgtest

import (
	"os/exec"
	"syscall"
)

// procAttr: on Windows the server runs as the tests' own user.
func procAttr(uid, gid int) *syscall.SysProcAttr { return nil }

// interrupt stops the server; Windows has no fast-shutdown signal to send,
// so it is a kill, after which PostgreSQL recovers on the next start.
func interrupt(cmd *exec.Cmd) { cmd.Process.Kill() }

// killAll ends the server. Its backends notice and exit.
func killAll(cmd *exec.Cmd) { cmd.Process.Kill() }
