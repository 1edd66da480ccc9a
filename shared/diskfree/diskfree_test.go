package diskfree

import (
	"errors"
	"testing"
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
