//go:build unix

package store

import "pairwise/shared/badgertidy"

// lockDir takes the lock Badger takes on dir, reporting false when another
// process, or a Badger open in this one, holds it.
func lockDir(dir string) (unlock func(), ok bool) { return badgertidy.LockDir(dir) }
