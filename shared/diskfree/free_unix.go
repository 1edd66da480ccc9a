//go:build unix

package diskfree

import "golang.org/x/sys/unix"

// Free returns the bytes available to this user on dir's filesystem.
func Free(dir string) (uint64, bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return uint64(st.Bavail) * uint64(st.Bsize), true
}
