//go:build linux

package workspace

import (
	"strconv"
	"testing"

	"pairwise/app/internal/dirtymaps"
	"pairwise/app/mentoring"
)

// TestEditIsOnDiskWhenItReturns checks "saved means on disk", which a
// SIGKILL test cannot: the page cache outlives the process. Badger writes
// its memtable log and value log through shared memory maps, so a change
// not yet synced shows as dirty pages of those maps in /proc/self/smaps
// until msync (or fsync) writes them back. When Edit returns, none may be
// left dirty. Before each edit the test makes the maps dirty with a write
// that is allowed to wait for the disk (an acknowledgement), which shows
// the check can see dirt at all on this machine; the edit's own write then
// has to be synced after it was made, or it leaves its page dirty.
func TestEditIsOnDiskWhenItReturns(t *testing.T) {
	dir := t.TempDir()
	ws, id := openWithPair(t, dir, "Durable")
	defer ws.Close()
	for i := range 20 {
		if err := ws.Acknowledge(id, 0); err != nil {
			t.Fatal(err)
		}
		if kb := dirtyLogKB(t, dir); kb == 0 {
			t.Fatalf("edit %d: an unsynced write left no dirty pages in the store's logs, so this check cannot see a missing sync here", i)
		}
		title := "goal " + strconv.Itoa(i)
		if _, err := ws.Edit(id, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.AddGoal(p, me, mentoring.GoalInput{Title: &title}, ws.Now())
		}); err != nil {
			t.Fatal(err)
		}
		if kb := dirtyLogKB(t, dir); kb != 0 {
			t.Fatalf("edit %d: %d kB of the store's logs were still unwritten in memory when Edit returned, want 0: the edit was not on disk", i, kb)
		}
	}
}

// dirtyLogKB sums the dirty pages of this process's maps of the memtable
// logs (*.mem) and value logs (*.vlog) in the store folder dir: what Badger
// wrote that has not reached the disk.
func dirtyLogKB(t *testing.T, dir string) int {
	t.Helper()
	logs, err := dirtymaps.Dirty(dir, ".mem", ".vlog")
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) == 0 {
		t.Fatalf("no memtable or value log of %s is mapped: Badger no longer writes through maps, so this check sees nothing", dir)
	}
	total := 0
	for _, kb := range logs {
		total += kb
	}
	return total
}
