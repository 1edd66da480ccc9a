// Package badgertidy repairs what a crash can leave in a Badger folder that
// Badger itself then refuses to open. Both the app's store and the relay's
// store run it before opening, and both leave out of their logs Badger's
// advice to enlarge its caches (CacheAdvice).
package badgertidy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// RemoveEmptyLogs deletes the empty memtable (.mem) and value-log (.vlog)
// files a crash can leave in dir. It does nothing while another process
// holds the folder's lock: a running Badger's newest log can be empty for
// an instant, and removing it then would lose what is written next. Badger deletes such a file by truncating
// it to zero and then removing it, and creates one empty before sizing it;
// killed between the two steps, it leaves an empty file that Badger v4
// refuses to open (upstream issue dgraph-io/badger#2207). An empty file
// holds no entry, so removing it loses nothing. It returns the names it
// removed.
func RemoveEmptyLogs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	unlock, ok := LockDir(dir)
	if !ok {
		return nil, nil // in use: Badger will say so when it tries to open
	}
	defer unlock()
	var removed []string
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); e.IsDir() || (ext != ".mem" && ext != ".vlog") {
			continue
		}
		if info, err := e.Info(); err != nil || info.Size() != 0 {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return removed, fmt.Errorf("remove the empty file %s a crash left: %w", e.Name(), err)
		}
		removed = append(removed, e.Name())
	}
	return removed, nil
}
