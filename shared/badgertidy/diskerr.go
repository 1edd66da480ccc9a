package badgertidy

import (
	"errors"
	"strings"
	"syscall"

	"github.com/dgraph-io/badger/v4"
)

// DiskFull reports whether err is a full disk (or a used-up disk quota),
// also where Badger wrapped it as text.
func DiskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) ||
		strings.Contains(err.Error(), "no space left on device") || strings.Contains(err.Error(), "disk quota exceeded")
}

// DiskFailure reports whether a failed Badger commit means the disk
// failed: not a conflict, a store closed or closing, a transaction too
// large, or a full disk, which refuse a write without saying anything of
// what is already on the disk.
func DiskFailure(err error) bool {
	switch {
	case errors.Is(err, badger.ErrConflict), errors.Is(err, badger.ErrDBClosed), errors.Is(err, badger.ErrBlockedWrites),
		errors.Is(err, badger.ErrTxnTooBig), DiskFull(err),
		strings.Contains(err.Error(), "No room for write"): // a write racing Close
		return false
	}
	return true
}
