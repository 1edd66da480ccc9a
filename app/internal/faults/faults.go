// Package faults holds the one point where tests make the disk fail, which
// no disk here can be made to do: a store's sync. Production code only
// asks it; nothing but tests sets it.
package faults

import "sync/atomic"

var syncFault atomic.Pointer[func() error]

// Sync is the disk's answer to a sync that succeeded: nil, unless a test
// has set a fault.
func Sync() error {
	if f := syncFault.Load(); f != nil {
		return (*f)()
	}
	return nil
}

// SetSync has every later sync in this process answered by fn (until the
// returned function undoes it).
func SetSync(fn func() error) (undo func()) {
	syncFault.Store(&fn)
	return func() { syncFault.Store(nil) }
}
