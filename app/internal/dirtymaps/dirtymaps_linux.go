// Package dirtymaps tells which files this process has mapped with pages
// not yet written back, for tests of what reached the disk: Badger writes
// its logs through shared maps, and a page written there stays dirty in
// /proc/self/smaps until msync (or fsync) writes it back. A test that
// kills the process cannot see that: the page cache outlives it.
package dirtymaps

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Dirty returns, for each file in folder dir whose name ends in one of
// exts and that this process maps, the kB of its pages not yet written
// back (0 for a mapped, clean file), keyed by the file's name.
func Dirty(dir string, exts ...string) (map[string]int, error) {
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, err
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]int{}
	cur := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if !strings.HasSuffix(fields[0], ":") {
			// A mapping's first line: range, perms, offset, dev, inode, path.
			cur = ""
			if len(fields) >= 6 && filepath.Dir(fields[5]) == dir && hasExt(fields[5], exts) {
				cur = filepath.Base(fields[5])
				out[cur] += 0
			}
			continue
		}
		if cur != "" && len(fields) >= 2 && (fields[0] == "Shared_Dirty:" || fields[0] == "Private_Dirty:") {
			kb, err := strconv.Atoi(fields[1])
			if err != nil {
				return nil, fmt.Errorf("smaps: %q", sc.Text())
			}
			out[cur] += kb
		}
	}
	return out, sc.Err()
}

func hasExt(path string, exts []string) bool {
	for _, e := range exts {
		if filepath.Ext(path) == e {
			return true
		}
	}
	return false
}
