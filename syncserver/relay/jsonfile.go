package relay

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// The token file and the admin request file are small JSON files that the
// admin commands change while a relay may be serving on the same folder.
// Each change takes an exclusive lock on a file beside them, reads, edits
// and writes the whole file atomically.

// editLocked reads the JSON file name in dir with read, changes it with
// edit and writes it back, all under the lock file lockName.
func editLocked[T any](dir, lockName, name string, read func() (T, error), edit func(*T) error) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create the relay's data folder %s: %w", dir, err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("cannot lock %s in %s: %w", name, dir, err)
	}
	defer lock.Close()
	if err := lockFile(lock); err != nil {
		return fmt.Errorf("cannot lock %s in %s: %w", name, dir, err)
	}
	f, err := read()
	if err != nil {
		return err
	}
	if err := edit(&f); err != nil {
		return err
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(dir, name, append(b, '\n'))
}

// writeAtomic writes a file in dir through a temporary file renamed over
// it, then syncs the folder, so a reader sees the old or the new file,
// never half of one, and a crash keeps one of them.
func writeAtomic(dir, name string, b []byte) error {
	tmp, err := os.CreateTemp(dir, "."+name+"-*")
	if err != nil {
		return fmt.Errorf("cannot write %s in %s: %w", name, dir, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot write %s in %s: %w", name, dir, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("cannot write %s in %s: %w", name, dir, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
