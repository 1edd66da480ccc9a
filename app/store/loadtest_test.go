package store

import (
	"os"
	"testing"
)

// TestLoadTestMemoryKeepsNothingOnDisk: a store opened while LoadTestMemory
// is set works as any other but writes no Badger file, and one opened after
// it is cleared is on disk again.
func TestLoadTestMemoryKeepsNothingOnDisk(t *testing.T) {
	LoadTestMemory.Store(true)
	mem := t.TempDir()
	s := openWithDoc(t, mem)
	LoadTestMemory.Store(false)
	if _, err := s.AppendLocal("d1", []byte("second"), true); err != nil {
		t.Fatal(err)
	}
	_, chunks, err := s.Load("d1")
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) != 2 || string(chunks[1].Data) != "second" {
		t.Errorf("the in-memory store holds %d chunks, want first and second", len(chunks))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if files, _ := os.ReadDir(mem); len(files) != 0 {
		t.Errorf("an in-memory store left %d files in its folder", len(files))
	}

	disk := t.TempDir()
	openWithDoc(t, disk).Close()
	if files, _ := os.ReadDir(disk); len(files) == 0 {
		t.Error("a store opened after LoadTestMemory was cleared wrote nothing to its folder")
	}
}
