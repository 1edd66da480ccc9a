package workspace

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"pairwise/app/backupfile"
)

// testParams keep key derivation cheap in tests; backups use the defaults.
var testParams = backupfile.Params{Time: 1, MemoryKiB: 1 << 10, Threads: 1}

func TestAutomaticBackupsKeepTheNewest(t *testing.T) {
	dir := t.TempDir()
	w, err := OpenWith(dir, Options{Logf: t.Logf, Keyring: KeyringOff})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.NewPair("Ana and Ben", "Ana", "mentor"); err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(t.TempDir(), "usb")
	if err := w.SetBackupPlan(&BackupPlan{Folder: folder, EveryDays: 2, Keep: 2}, []byte("short")); err == nil {
		t.Fatal("a 5-letter passphrase was accepted")
	}
	pass := []byte("tulip harbour ninety")
	if err := w.SetBackupPlan(&BackupPlan{Folder: folder, EveryDays: 2, Keep: 2}, pass); err != nil {
		t.Fatal(err)
	}
	// The plan and its passphrase survive a restart.
	w.Close()
	if w, err = OpenWith(dir, Options{Logf: t.Logf, Keyring: KeyringOff}); err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	os.MkdirAll(folder, 0o700)
	if err := os.WriteFile(filepath.Join(folder, "mine.pwbackup"), []byte("saved by hand"), 0o600); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	var written []string
	for day := 0; day <= 6; day++ {
		now := t0.AddDate(0, 0, day)
		if !w.BackupDue(now) {
			continue
		}
		path, err := w.AutoBackup(now, testParams)
		if err != nil {
			t.Fatal(err)
		}
		written = append(written, filepath.Base(path))
	}
	if len(written) != 4 { // days 0, 2, 4, 6
		t.Fatalf("wrote %v, want one every 2 days (4)", written)
	}
	entries, _ := os.ReadDir(folder)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := append([]string{"mine.pwbackup"}, written[2:]...)
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Fatalf("the folder holds %v, want %v", left, want)
	}
	// The newest restores with the passphrase.
	target := filepath.Join(t.TempDir(), "restored")
	sum, err := RestoreBackupFile(target, filepath.Join(folder, written[3]), pass, Options{Logf: t.Logf, Keyring: KeyringOff})
	if err != nil || sum.Pairs != 1 {
		t.Fatalf("restore the newest automatic backup: %v, %v", sum, err)
	}
	// A restored folder does not go on writing into this computer's folder.
	r, err := OpenWith(target, Options{Logf: t.Logf, Keyring: KeyringOff})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if s := r.Settings(); s.Backups != nil || s.BackupPass != nil {
		t.Errorf("the restored folder has automatic backups on: %+v", s.Backups)
	}
	if err := w.SetBackupPlan(nil, nil); err != nil || w.Settings().BackupPass != nil || w.BackupDue(t0.AddDate(1, 0, 0)) {
		t.Fatalf("turning automatic backups off: %v; passphrase kept: %v", err, w.Settings().BackupPass != nil)
	}
	if _, err := RestoreBackupFile(filepath.Join(t.TempDir(), "x"), filepath.Join(folder, written[3]), []byte("tulip harbour 90"), Options{Keyring: KeyringOff}); err == nil || !strings.Contains(err.Error(), "Nothing was restored") {
		t.Fatalf("a wrong passphrase: got %v", err)
	}
}

// The app restores beside its open folder and swaps the copy in at the
// next start, only while the folder holds nothing.
func TestStagedRestoreIsAdoptedAtTheNextStart(t *testing.T) {
	src := filled(t)
	file := filepath.Join(t.TempDir(), "b"+BackupExt)
	pass := []byte("tulip harbour ninety")
	if _, err := src.WriteBackupFile(file, pass, testParams); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "data")
	w, err := OpenWith(dir, Options{Logf: t.Logf, Keyring: KeyringOff}) // the first start
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := w.IDs()
	if _, err := StageRestore(dir, ids, file, pass, Options{Logf: t.Logf, Keyring: KeyringOff}); err != nil {
		t.Fatal(err)
	}
	if _, err := StageRestore(dir, []string{"x"}, file, pass, Options{Keyring: KeyringOff}); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("staging for a folder with a pair: got %v, want ErrNotEmpty", err)
	}
	w.Close()
	if ok, err := AdoptRestored(dir, t.Logf); !ok || err != nil {
		t.Fatalf("adopt: %v %v", ok, err)
	}
	r, err := OpenWith(dir, Options{Logf: t.Logf, Keyring: KeyringOff})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want, have := exported(t, src), exported(t, r)
	if len(have) != len(want) {
		t.Fatalf("the adopted folder holds %d documents and notes, want %d", len(have), len(want))
	}
	if ok, err := AdoptRestored(dir, t.Logf); ok || err != nil {
		t.Fatalf("adopting again with nothing staged: %v %v", ok, err)
	}
}
