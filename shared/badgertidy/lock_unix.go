//go:build unix

package badgertidy

import (
	"os"

	"golang.org/x/sys/unix"
)

// LockDir takes the lock Badger takes on dir (an exclusive flock on the
// folder itself), reporting false when another process, or a Badger open
// in this one, holds it.
func LockDir(dir string) (unlock func(), ok bool) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, false
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, false
	}
	return func() {
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
	}, true
}
