package store

import (
	"os"
	"testing"
)

// TestInMemoryStoreKeepsNothingOnDisk: a store opened with OpenInMemory
// works as any other but writes no Badger file, and one opened with Open
// beside it is on disk.
func TestInMemoryStoreKeepsNothingOnDisk(t *testing.T) {
	mem := t.TempDir()
	s, err := OpenInMemory(mem, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Create("d1", map[string]string{"id": "d1"}, []byte("first"), true); err != nil {
		t.Fatal(err)
	}
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
		t.Error("a store opened with Open wrote nothing to its folder")
	}
}
