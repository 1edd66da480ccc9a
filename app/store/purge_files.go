package store

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// File helpers for Purge.

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// dirSize is the total size of the files in dir.
func dirSize(dir string) uint64 {
	var n uint64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += uint64(fi.Size())
			}
		}
		return nil
	})
	return n
}

// syncTree syncs every file in dir, then dir itself.
func syncTree(dir string) error {
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	})
	syncDir(dir)
	return err
}

// syncDir makes a folder's entries (files created, renamed or removed in
// it) durable. Some systems cannot sync a folder; there the rename itself
// is all there is.
func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		f.Sync()
		f.Close()
	}
}

// writeMarker creates the empty file name in dir, durably.
func writeMarker(dir, name string) error {
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	syncDir(dir)
	return err
}

// wipe removes the folder dir, first marking it to be discarded (see
// finishPurge) and overwriting its files with zeros. The zeros are a best
// effort: a copy-on-write file system or an SSD's wear levelling may keep
// the old blocks until they are reused.
func wipe(dir string) error {
	if !exists(dir) {
		return nil
	}
	if err := writeMarker(dir, discardFile); err != nil {
		return err
	}
	zeros := make([]byte, 1<<20)
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return nil
		}
		for left := fi.Size(); left > 0; {
			n, err := f.Write(zeros[:min(left, int64(len(zeros)))])
			if err != nil {
				break
			}
			left -= int64(n)
		}
		f.Sync()
		f.Close()
		return nil
	})
	if err := os.RemoveAll(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	syncDir(filepath.Dir(dir))
	return nil
}
