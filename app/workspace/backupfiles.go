package workspace

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"pairwise/app/backupfile"
	"pairwise/app/store"
)

// Backup files: the content of WriteBackup sealed with a passphrase
// (package backupfile), written and read the same way by the command
// line, Settings' "Back up now…" and the automatic backups.

// WriteBackupFile writes an encrypted backup of the folder to path, which
// must not exist yet. The file appears only complete: it is written
// beside path and renamed.
func (w *Workspace) WriteBackupFile(path string, pass []byte, p backupfile.Params) (BackupSummary, error) {
	var sum BackupSummary
	if _, err := os.Stat(path); err == nil {
		return sum, fmt.Errorf("%s exists already; choose a new name (a backup never overwrites another)", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".writing-")
	if err != nil {
		return sum, fmt.Errorf("cannot write the backup beside %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // gone after the rename; cleans up a failure
	bw := bufio.NewWriterSize(tmp, 256<<10)
	enc, err := backupfile.NewWriter(bw, pass, p)
	if err == nil {
		sum, err = w.WriteBackup(enc)
	}
	if err == nil {
		err = enc.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return sum, fmt.Errorf("the backup was not written, and nothing was left at %s: %w", path, err)
	}
	return sum, nil
}

// RestoreError is a refused restore: Error is a sentence that names the
// file, says what to do and that nothing was restored; Unwrap gives the
// cause (backupfile.ErrWrongPassphrase and the like).
type RestoreError struct {
	Why string
	Err error
}

func (e *RestoreError) Error() string { return e.Why }
func (e *RestoreError) Unwrap() error { return e.Err }

// RestoreBackupFile restores the backup file at path, sealed with pass,
// into dir (see RestoreBackup).
func RestoreBackupFile(dir, path string, pass []byte, o Options) (BackupSummary, error) {
	var sum BackupSummary
	if err := CheckEmptyFolder(dir); err != nil {
		return sum, err
	}
	f, err := os.Open(path)
	if err != nil {
		return sum, fmt.Errorf("cannot open the backup %s: %w", path, err)
	}
	defer f.Close()
	dec, err := backupfile.NewReader(bufio.NewReaderSize(f, 256<<10), pass)
	if err == nil {
		sum, err = RestoreBackup(dir, dec, o)
	}
	if err != nil {
		return sum, restoreRefusal(path, err)
	}
	return sum, nil
}

// restoreRefusal says why a backup was refused.
func restoreRefusal(file string, err error) error {
	var why string
	switch {
	case errors.Is(err, ErrNotEmpty):
		return err
	case errors.Is(err, backupfile.ErrWrongPassphrase):
		why = "the passphrase does not open " + file + " (or its first bytes were changed): check the passphrase, letters are case-sensitive, and try again"
	case errors.Is(err, backupfile.ErrNotBackup):
		why = file + " is not a Pairwise backup: choose a file that Pairwise's backup wrote"
	case errors.Is(err, backupfile.ErrNewer), errors.Is(err, store.ErrNewer):
		why = file + " was made by a newer Pairwise: update Pairwise, then restore it again"
	case errors.Is(err, backupfile.ErrParams):
		why = file + " asks for key-derivation settings no Pairwise writes (" + err.Error() + "), so it was not opened: use another copy of the backup"
	case errors.Is(err, backupfile.ErrTruncated):
		why = file + " is cut short (" + err.Error() + "): it was not copied completely; use another copy of the backup"
	case errors.Is(err, backupfile.ErrDamaged), errors.Is(err, ErrBackupContent):
		why = file + " is damaged (" + err.Error() + "): it was changed after it was written; use another copy of the backup"
	default:
		why = "the backup " + file + " could not be restored (" + err.Error() + ")"
	}
	return &RestoreError{Why: why + ". Nothing was restored.", Err: err}
}
