package applog

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Writer appends to a file and rotates it once it would pass a size: the
// file becomes NAME.1, the one before NAME.2, and so on, keeping a fixed
// number of old files. Each Write goes to the file at once, unbuffered, so
// the lines before a crash are in it.
type Writer struct {
	path string
	max  int64
	keep int

	mu   sync.Mutex
	f    *os.File
	size int64
}

// NewWriter opens path for appending, creating it and its folder, readable
// by this user only. The file is rotated when a write would take it past
// max bytes; keep old files are kept.
func NewWriter(path string, max int64, keep int) (*Writer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create the log folder: %w", err)
	}
	w := &Writer{path: path, max: max, keep: keep}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *Writer) open() error {
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open the log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("open the log: %w", err)
	}
	w.f, w.size = f, fi.Size()
	return nil
}

// Write appends p, rotating first if p would take the file past its size.
// A single write larger than the limit still goes whole into a fresh file.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return 0, os.ErrClosed
	}
	if w.size > 0 && w.size+int64(len(p)) > w.max {
		if err := w.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := w.f.Write(p)
	w.size += int64(n)
	return n, err
}

// rotate shifts NAME.i to NAME.i+1 (dropping the oldest), NAME to NAME.1,
// and starts NAME afresh.
func (w *Writer) rotate() error {
	if err := w.f.Close(); err != nil {
		return err
	}
	w.f = nil
	os.Remove(rotated(w.path, w.keep))
	for i := w.keep - 1; i >= 1; i-- {
		os.Rename(rotated(w.path, i), rotated(w.path, i+1)) // a missing one is fine
	}
	if w.keep > 0 {
		if err := os.Rename(w.path, rotated(w.path, 1)); err != nil {
			return fmt.Errorf("rotate the log: %w", err)
		}
	} else if err := os.Remove(w.path); err != nil {
		return fmt.Errorf("rotate the log: %w", err)
	}
	return w.open()
}

// Close closes the file; later writes fail.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}

// rotated is the name of the i-th old file of path.
func rotated(path string, i int) string { return fmt.Sprintf("%s.%d", path, i) }
