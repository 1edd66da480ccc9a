//go:build unix

package relay

import (
	"os"

	"golang.org/x/sys/unix"
)

// lockFile waits for an exclusive lock on f, released when f is closed.
func lockFile(f *os.File) error { return unix.Flock(int(f.Fd()), unix.LOCK_EX) }
