//go:build linux

package store

import (
	"path/filepath"
	"testing"

	"pairwise/app/internal/dirtymaps"
)

// Badger syncs only the newest memtable's log, and moves a full one aside
// without syncing it, so two writes left unsynced one after another may
// straddle a new memtable, and the sync after them miss the first. What
// the saver writes goes in one transaction, synced at once: across the
// memtables it fills, none of their logs is left with pages not yet on the
// disk when AppendReceivedSynced returns (a page of a shared file mapping
// stays dirty in /proc/self/smaps until written back).
func TestReceivedChangesAreOnDiskAcrossNewMemtables(t *testing.T) {
	dir := t.TempDir()
	s := openWithDoc(t, dir)
	defer s.Close()
	seen := map[string]bool{}
	for _, m := range memLogs(t, dir) {
		seen[m] = true
	}
	started := 0 // memtables begun since
	for i := 1; started < 2; i++ {
		if i > 2000 {
			t.Fatal("no new memtable after 2,000 writes: the scenario did not happen")
		}
		var chunks []Chunk
		for j := range 8 {
			body := make([]byte, 3500)
			body[0], body[1], body[2] = byte(i), byte(i>>8), byte(j)
			chunks = append(chunks, Chunk{Changes, body})
		}
		if _, _, err := s.AppendReceivedSynced([]Received{{Doc: "d1", Chunks: chunks, Cursor: uint64(i)}}); err != nil {
			t.Fatal(err)
		}
		for name, kb := range dirtyMemLogs(t, dir) {
			if kb != 0 {
				t.Fatalf("write %d: %d kB of %s not on disk when it returned", i, kb, name)
			}
		}
		for _, m := range memLogs(t, dir) {
			if !seen[m] {
				seen[m] = true
				started++
			}
		}
	}
}

func memLogs(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.mem"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// dirtyMemLogs returns the dirty kB of this process's map of each memtable
// log in dir.
func dirtyMemLogs(t *testing.T, dir string) map[string]int {
	t.Helper()
	out, err := dirtymaps.Dirty(dir, ".mem")
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no memtable log is mapped: the check cannot see anything")
	}
	return out
}
