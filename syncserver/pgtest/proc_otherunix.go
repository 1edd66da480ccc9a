//go:build unix && !linux

package pgtest

import (
	"os/exec"
	"syscall"
)

// procAttr runs the server's programs as uid:gid (when not -1), in a
// process group of their own.
func procAttr(uid, gid int) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	if uid >= 0 {
		a.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	return a
}

// killAll ends the server with SIGKILL, and its process group. Backends
// start sessions of their own, so some may outlive it for a moment
// before they notice; only Linux's killAll finds each of them.
func killAll(cmd *exec.Cmd) { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
