package workspace

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestPruneKeepsOnlyItsOwnAutomaticBackups: in the automatic backups'
// folder, a backup saved by hand (with the name the app suggests) and
// another computer's automatic backups survive pruning; only this
// installation's oldest go.
func TestPruneKeepsOnlyItsOwnAutomaticBackups(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	write := func(name string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	manual := "pairwise-backup-" + now.Format("2006-01-02") + BackupExt
	write(manual)
	mine, other := autoPrefix+"aaaaaaaa-", autoPrefix+"bbbbbbbb-"
	var mineNames []string
	for i := range 4 {
		stamp := now.Add(time.Duration(i)*time.Hour).Format("20060102-150405") + BackupExt
		write(mine + stamp)
		write(other + stamp)
		mineNames = append(mineNames, mine+stamp)
	}
	if err := pruneBackups(dir, mine, 2); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if !slices.Contains(left, manual) {
		t.Errorf("the backup saved by hand was removed: %v", left)
	}
	for _, n := range mineNames[:2] {
		if slices.Contains(left, n) {
			t.Errorf("an older automatic backup of this computer was kept: %s", n)
		}
	}
	if len(left) != 1+2+4 {
		t.Errorf("left %d files, want the hand-saved one, this computer's newest 2 and the other's 4: %v", len(left), left)
	}
}
