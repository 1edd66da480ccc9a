//go:build unix && !linux

package pgtest

import "syscall"

// procAttr runs the server's programs as uid:gid (when not -1), in a
// process group of their own so that Kill reaches every backend.
func procAttr(uid, gid int) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	if uid >= 0 {
		a.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	return a
}
