package diskfree

import (
	"errors"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	free, ok := Free(dir)
	if !ok || free == 0 {
		t.Fatalf("free space of %s: %d, %v", dir, free, ok)
	}
	if err := Check(dir, 1); err != nil {
		t.Errorf("one byte needed: %v", err)
	}
	err := Check(dir, free*4+1<<40)
	if !errors.Is(err, ErrLow) {
		t.Errorf("more than the disk holds: %v, want ErrLow", err)
	}
}

// TestWatchRereadsWhenSpaceIsLow: with plenty free a reading is reused;
// below Plenty every call reads the filesystem again.
func TestWatchRereadsWhenSpaceIsLow(t *testing.T) {
	dir := t.TempDir()
	w := &Watch{Dir: dir, Plenty: 1, Every: time.Hour}
	first, ok := w.Free()
	if !ok {
		t.Skip("free space cannot be read here")
	}
	w.mu.Lock()
	w.free = 12345 // as if the disk had filled since
	w.mu.Unlock()
	if got, _ := w.Free(); got != 12345 {
		t.Fatalf("with plenty free the reading was not reused: %d", got)
	}
	w.Plenty = 1 << 62 // now "plenty" is more than any disk holds
	if got, _ := w.Free(); got == 12345 || got == 0 {
		t.Fatalf("low space did not make Watch read again: %d (first %d)", got, first)
	}
}
