package pgtest

import "syscall"

// procAttr runs the server's programs as uid:gid (when not -1), in a
// process group of their own so that Kill reaches every backend, and has
// the kernel stop the server with an immediate shutdown if the test
// process dies without calling Stop (a timeout, a panic).
func procAttr(uid, gid int) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGQUIT}
	if uid >= 0 {
		a.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	return a
}
