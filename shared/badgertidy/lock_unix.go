//go:build unix

package badgertidy

import (
	"os"

	"golang.org/x/sys/unix"
)

// lock takes the lock Badger takes on dir (an exclusive flock on the
// folder itself), reporting false when another process holds it.
func lock(dir string) (func(), bool) {
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
