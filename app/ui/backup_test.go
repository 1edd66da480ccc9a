package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/backupfile"
	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

func cheapBackups(t *testing.T) {
	old := backupParams
	backupParams = backupfile.Params{Time: 1, MemoryKiB: 1 << 10, Threads: 1}
	t.Cleanup(func() { backupParams = old })
}

// Settings turn automatic backups on; the loop then writes one into the
// folder chosen, and Settings say when.
func TestAutomaticBackupsFromSettings(t *testing.T) {
	cheapBackups(t)
	u, ws := setup(t)
	if _, err := ws.NewPair("Ana & Ben", "Ana", mentoring.Mentor); err != nil {
		t.Fatal(err)
	}
	u.settingsDialog()
	if text := strings.Join(labels(topOverlay(t, u)), " "); !strings.Contains(text, "Automatic backups are off") {
		t.Fatalf("Settings say %q, want that automatic backups are off", text)
	}
	test.Tap(button(t, topOverlay(t, u), "Automatic backups…"))
	dlg := topOverlay(t, u)
	check(t, dlg, "Back up automatically").SetChecked(true)
	folder := filepath.Join(t.TempDir(), "usb")
	entries := all[*widget.Entry](dlg)
	entries[0].SetText(folder)
	entries[1].SetText("tulip harbour ninety")
	entries[2].SetText("tulip harbour nineth")
	test.Tap(button(t, dlg, "Save"))
	if ws.Settings().Backups != nil {
		t.Fatal("automatic backups were turned on with two different passphrases")
	}
	if text := strings.Join(labels(topOverlay(t, u)), " "); !strings.Contains(text, "passphrases differ") {
		t.Fatalf("the window says %q, want that the passphrases differ", text)
	}

	u.autoBackupDialog()
	dlg = topOverlay(t, u)
	check(t, dlg, "Back up automatically").SetChecked(true)
	entries = all[*widget.Entry](dlg)
	entries[0].SetText(folder)
	entries[1].SetText("tulip harbour ninety")
	entries[2].SetText("tulip harbour ninety")
	test.Tap(button(t, dlg, "Save"))
	plan := ws.Settings().Backups
	if plan == nil || plan.Folder != folder || plan.EveryDays != 7 || plan.Keep != 5 {
		t.Fatalf("saved plan %+v, want every 7 days into %s keeping 5", plan, folder)
	}

	ctx, cancel := context.WithCancel(context.Background())
	ticks := make(chan time.Time)
	done := make(chan struct{})
	go func() {
		runAutoBackups(ctx, ws, t.Logf, func(time.Duration) <-chan time.Time { return ticks })
		close(done)
	}()
	ticks <- time.Now()
	ticks <- time.Now() // the first backup is written before the loop waits again
	cancel()
	<-done
	files, _ := os.ReadDir(folder)
	if len(files) != 1 || !strings.HasSuffix(files[0].Name(), workspace.BackupExt) {
		t.Fatalf("the backup folder holds %v, want one backup", files)
	}
	if _, err := workspace.RestoreBackupFile(filepath.Join(t.TempDir(), "r"), filepath.Join(folder, files[0].Name()), []byte("tulip harbour ninety"), workspace.Options{Keyring: workspace.KeyringOff}); err != nil {
		t.Fatalf("the automatic backup does not restore: %v", err)
	}
	if got := backupStatus(ws.Settings().Backups, time.Now()); !strings.Contains(got, "The last was on") {
		t.Errorf("Settings say %q after a backup", got)
	}
}

// The welcome screen of an empty folder offers to restore; a refused
// restore says why in the window.
func TestWelcomeOffersRestoreOnlyWhileEmpty(t *testing.T) {
	cheapBackups(t)
	u, ws := setup(t)
	button(t, u.win.Content(), "Restore a backup…")

	src, err := workspace.OpenWith(t.TempDir(), workspace.Options{Logf: t.Logf, Keyring: workspace.KeyringOff})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.NewPair("Ana & Ben", "Ana", mentoring.Mentor); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "b"+workspace.BackupExt)
	if _, err := src.WriteBackupFile(file, []byte("tulip harbour ninety"), backupParams); err != nil {
		t.Fatal(err)
	}
	_, err = workspace.StageRestore(ws.Dir(), nil, file, []byte("wrong passphrase"), workspace.Options{Keyring: workspace.KeyringOff})
	u.restored(workspace.BackupSummary{}, err)
	if text := strings.Join(labels(topOverlay(t, u)), " "); !strings.Contains(text, "passphrase does not open") || !strings.Contains(text, "Nothing was restored") {
		t.Fatalf("a wrong passphrase: the window says %q", text)
	}
	if _, err := os.Stat(workspace.StagingDir(ws.Dir())); !os.IsNotExist(err) {
		t.Fatalf("a refused restore left a staged folder (%v)", err)
	}

	if _, err := ws.NewPair("Ana & Cleo", "Ana", mentoring.Mentor); err != nil {
		t.Fatal(err)
	}
	if u.restoreButton() != nil {
		t.Error("restore is offered for a folder that holds a pair")
	}
}
