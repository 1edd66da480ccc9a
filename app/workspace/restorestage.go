package workspace

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"pairwise/app/store"
)

// Restoring from the app. The window runs on its data folder, which is
// open (and so not empty) even before the first pair, so the app restores
// a backup beside it (StageRestore) and swaps it in when Pairwise next
// starts (AdoptRestored), before the folder is opened, and only if the
// folder still holds no pair or cohort.

// StagingDir is where StageRestore puts a restored folder for dir.
func StagingDir(dir string) string {
	dir = filepath.Clean(dir)
	return filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".restored")
}

// StageRestore restores the backup file at path beside dir, for
// AdoptRestored. It refuses while dir holds a pair or cohort (ids is what
// the open folder holds).
func StageRestore(dir string, ids []string, path string, pass []byte, o Options) (BackupSummary, error) {
	if len(ids) > 0 {
		return BackupSummary{}, fmt.Errorf("%w: this data folder holds %d pairs and cohorts, and a backup is restored only into one that holds none, so nothing is overwritten. Start Pairwise on a new folder (pairwise --data FOLDER), then restore", ErrNotEmpty, len(ids))
	}
	staging := StagingDir(dir)
	os.RemoveAll(staging) // a restore chosen earlier and never adopted
	return RestoreBackupFile(staging, path, pass, o)
}

// AdoptRestored moves a folder StageRestore left for dir into its place,
// if there is one and dir holds no pair or cohort. It reports whether it
// did. Call it before dir is opened.
func AdoptRestored(dir string, logf func(string, ...any)) (bool, error) {
	staging := StagingDir(dir)
	if _, err := os.Stat(staging); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if _, err := os.Stat(dir); err == nil {
		st, err := store.Open(dir, logf)
		if err != nil {
			return false, err
		}
		ids, err := st.Docs()
		st.Close()
		if err != nil {
			return false, err
		}
		if len(ids) > 0 {
			return false, fmt.Errorf("%w: the backup restored earlier was not moved in, since %s holds pairs now; it waits in %s: start Pairwise with --data on that folder to use it", ErrNotEmpty, dir, staging)
		}
		if err := os.RemoveAll(dir); err != nil {
			return false, fmt.Errorf("cannot make room for the restored backup in %s: %w", dir, err)
		}
	}
	if err := os.Rename(staging, dir); err != nil {
		return false, fmt.Errorf("cannot move the restored backup from %s into %s: %w", staging, dir, err)
	}
	logf("moved the restored backup into %s", dir)
	return true, nil
}
