//go:build windows

package relay

import (
	"math"
	"os"

	"golang.org/x/sys/windows"
)

// lockFile waits for an exclusive lock on f, released when f is closed.
func lockFile(f *os.File) error {
	var whole windows.Overlapped
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK, 0, math.MaxUint32, math.MaxUint32, &whole)
}
