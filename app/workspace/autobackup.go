package workspace

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"pairwise/app/backupfile"
)

// Automatic backups: every few days, a backup file into a folder the
// person chose (a USB stick, a synced drive), keeping the newest few. The
// passphrase has to be kept to do that unattended; it is kept like the
// pair keys (sealed with the keyring's vault key where there is one), so
// it gives nobody more than the data folder itself would.

// BackupPlan is the automatic backups' settings (Settings.Backups).
type BackupPlan struct {
	Folder    string    `json:"folder"`
	EveryDays int       `json:"everyDays"`
	Keep      int       `json:"keep"`
	Last      time.Time `json:"last,omitempty"` // when the last automatic backup was written
}

// backupPassAD names the sealed backup passphrase (see sealBytes).
const backupPassAD = "pairwise vault backup passphrase"

// Backup file names: automatic ones are pairwise-auto-DEVICE-TIME, DEVICE
// the start of this installation's ID (so two computers backing up into
// one shared folder never prune each other's) and TIME sortable, so
// pruning keeps the newest by name. The save dialog suggests another
// name, so a backup saved by hand is never taken for an automatic one.
const (
	autoPrefix = "pairwise-auto-"
	// BackupExt is the extension backup files are given.
	BackupExt = ".pwbackup"
)

// Limits on a plan, so a typo cannot fill a disk or never back up.
const (
	maxEveryDays = 90
	maxKeep      = 100
)

// CheckNewPassphrase says why pass will not do for a new backup.
func CheckNewPassphrase(pass []byte) error {
	if len(pass) < minPassphrase {
		return fmt.Errorf("the passphrase is shorter than %d characters; choose a longer one (several words are easy to remember)", minPassphrase)
	}
	return nil
}

// minPassphrase is the shortest passphrase a new backup takes.
const minPassphrase = 8

// SetBackupPlan turns automatic backups on with plan and passphrase pass,
// or off with a nil plan (the passphrase is then forgotten).
func (w *Workspace) SetBackupPlan(plan *BackupPlan, pass []byte) error {
	if plan != nil {
		switch {
		case plan.Folder == "" || !filepath.IsAbs(plan.Folder):
			return errors.New("choose the folder for automatic backups (a full path, such as a USB stick's)")
		case plan.EveryDays < 1 || plan.EveryDays > maxEveryDays:
			return fmt.Errorf("back up every 1 to %d days", maxEveryDays)
		case plan.Keep < 1 || plan.Keep > maxKeep:
			return fmt.Errorf("keep 1 to %d backups", maxKeep)
		}
		if err := CheckNewPassphrase(pass); err != nil {
			return err
		}
		p := *plan
		plan = &p
	}
	return w.UpdateSettings(func(s *Settings) {
		s.Backups = plan
		s.BackupPass = nil
		if plan != nil {
			s.BackupPass = append([]byte(nil), pass...)
		}
	})
}

// BackupDue reports whether an automatic backup is due at now.
func (w *Workspace) BackupDue(now time.Time) bool {
	p := w.Settings().Backups
	return p != nil && !now.Before(p.Last.Add(time.Duration(p.EveryDays)*24*time.Hour))
}

// AutoBackup writes an automatic backup into the plan's folder, removes
// the automatic backups there beyond the newest Keep, and records the
// time. It returns the file written.
func (w *Workspace) AutoBackup(now time.Time, params backupfile.Params) (string, error) {
	s := w.Settings()
	if s.Backups == nil {
		return "", errors.New("automatic backups are off")
	}
	if len(s.BackupPass) == 0 {
		return "", fmt.Errorf("the passphrase for automatic backups cannot be read (%w): set automatic backups up again in Settings", w.vault.locked("your pairs"))
	}
	dir := s.Backups.Folder
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("cannot write automatic backups into %s (%v): is the drive plugged in? Choose another folder in Settings if it is gone", dir, err)
	}
	mine := autoPrefix + w.autoTag(s) + "-"
	path := filepath.Join(dir, mine+now.UTC().Format("20060102-150405")+BackupExt)
	if _, err := w.WriteBackupFile(path, s.BackupPass, params); err != nil {
		return "", err
	}
	if err := pruneBackups(dir, mine, s.Backups.Keep); err != nil {
		w.logf("could not remove older automatic backups from %s: %v", dir, err)
	}
	err := w.UpdateSettings(func(s *Settings) {
		if s.Backups != nil {
			s.Backups.Last = now
		}
	})
	return path, err
}

// autoTag names this installation in its automatic backups' names.
func (w *Workspace) autoTag(s Settings) string {
	if len(s.Device) >= 8 {
		return s.Device[:8]
	}
	return "local"
}

// pruneBackups removes this installation's automatic backups in dir
// (named mine, then a time) beyond the newest keep. Other files, a backup
// saved by hand or another computer's included, are left alone.
func pruneBackups(dir, mine string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		stamp := strings.TrimSuffix(strings.TrimPrefix(n, mine), BackupExt)
		if _, err := time.Parse("20060102-150405", stamp); e.Type().IsRegular() && strings.HasPrefix(n, mine) && strings.HasSuffix(n, BackupExt) && err == nil {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for len(names) > keep {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			return err
		}
		names = names[1:]
	}
	return nil
}
