// Package diskfree answers whether a folder's filesystem has room for more
// writes. Badger writes its value log through a memory map of a sparse
// file, and a write into a page the filesystem can no longer back ends the
// process with SIGBUS instead of returning an error; checking the free
// space first turns a full disk into an error a person can act on.
package diskfree

import (
	"errors"
	"fmt"
)

// ErrLow is wrapped when less than the wanted space is free.
var ErrLow = errors.New("disk full")

// Check returns an error wrapping ErrLow when the filesystem holding dir
// has less than need bytes available to this user. Where free space cannot
// be read it reports no error and lets the write try.
func Check(dir string, need uint64) error {
	free, ok := Free(dir)
	if !ok || free >= need {
		return nil
	}
	return fmt.Errorf("%w: only %s free on the disk holding %s", ErrLow, human(free), dir)
}

func human(b uint64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%d KB", b>>10)
}
