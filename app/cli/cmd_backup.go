package cli

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/term"

	"pairwise/app/backupfile"
	"pairwise/app/store"
	"pairwise/app/workspace"
)

// passphraseEnv gives the backup passphrase to scripts and scheduled
// backups; otherwise it is asked on the terminal, without echo.
const passphraseEnv = "PAIRWISE_BACKUP_PASSPHRASE"

// backupParams are the key-derivation settings backups are written with.
// Tests lower them so they run quickly; see backupfile.DefaultParams.
var backupParams = backupfile.DefaultParams

var backupCommands = []command{
	{name: "backup", summary: "write every pair, cohort, private note and key into one file encrypted with a passphrase",
		flags: func(fs *flag.FlagSet) {
			fs.String("out", "", "the backup file to write (required; it must not exist yet)")
		}, run: backupRun},
	{name: "restore-backup", args: "FILE", npos: 1, summary: "bring a backup back into an empty data folder, as a new device that goes on syncing",
		run: restoreRun},
}

func backupRun(e *env, _ []string) error {
	out := e.str("out")
	if out == "" {
		return usagef("--out FILE is required: where to write the backup")
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s exists already; choose a new name (a backup never overwrites another)", out)
	}
	ws, err := e.open()
	if err != nil {
		return err
	}
	pass, err := passphrase(e, true)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".writing-")
	if err != nil {
		return fmt.Errorf("cannot write the backup beside %s: %w", out, err)
	}
	defer os.Remove(tmp.Name()) // gone after the rename; cleans up a failure
	bw := bufio.NewWriterSize(tmp, 256<<10)
	enc, err := backupfile.NewWriter(bw, pass, backupParams)
	if err != nil {
		tmp.Close()
		return err
	}
	sum, err := ws.WriteBackup(enc)
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
		err = os.Rename(tmp.Name(), out)
	}
	if err != nil {
		return fmt.Errorf("the backup was not written (%w); nothing was left at %s", err, out)
	}
	fmt.Fprintf(e.stderr, "Backed up %s into %s. Keep the passphrase safe: without it nobody, you included, can open the file.\n", sum, out)
	return nil
}

func restoreRun(e *env, pos []string) error {
	file := pos[0]
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("cannot open the backup %s: %w", file, err)
	}
	defer f.Close()
	// Refuse a folder in use before asking for the passphrase.
	if err := emptyFolder(e.dir); err != nil {
		return err
	}
	pass, err := passphrase(e, false)
	if err != nil {
		return err
	}
	logf := func(f string, a ...any) { fmt.Fprintf(e.stderr, "pairwise: "+f+"\n", a...) }
	dec, err := backupfile.NewReader(bufio.NewReaderSize(f, 256<<10), pass)
	var sum workspace.BackupSummary
	if err == nil {
		sum, err = workspace.RestoreBackup(e.dir, dec, workspace.Options{Logf: logf})
	}
	if err != nil {
		return explainRestore(file, err)
	}
	fmt.Fprintf(e.stderr, "Restored %s into %s. This computer syncs as a new device of yours: run 'pairwise sync' to fetch what changed since the backup.\n", sum, e.dir)
	return nil
}

// emptyFolder is workspace's check, run early so nobody types a passphrase
// for nothing.
func emptyFolder(dir string) error {
	entries, err := os.ReadDir(dir)
	if err == nil && len(entries) > 0 {
		return fmt.Errorf("%w: %s holds files already, and a backup is restored only into an empty folder so nothing there is overwritten; choose a new folder with --data, or move this one aside first", workspace.ErrNotEmpty, dir)
	}
	return nil
}

// explainRestore says why a backup was refused, and that nothing changed.
func explainRestore(file string, err error) error {
	var why string
	switch {
	case errors.Is(err, backupfile.ErrWrongPassphrase):
		why = "the passphrase does not open " + file + " (or its first bytes were changed): check the passphrase, letters are case-sensitive, and try again"
	case errors.Is(err, backupfile.ErrNotBackup):
		why = file + " is not a Pairwise backup: choose the file 'pairwise backup' or the app wrote"
	case errors.Is(err, backupfile.ErrNewer), errors.Is(err, store.ErrNewer):
		why = file + " was made by a newer Pairwise: update Pairwise, then restore it again"
	case errors.Is(err, backupfile.ErrParams):
		why = file + " asks for key-derivation settings no Pairwise writes (" + err.Error() + "), so it was not opened: use another copy of the backup"
	case errors.Is(err, backupfile.ErrTruncated):
		why = file + " is cut short (" + err.Error() + "): it was not copied completely; use another copy of the backup"
	case errors.Is(err, backupfile.ErrDamaged), errors.Is(err, workspace.ErrBackupContent):
		why = file + " is damaged (" + err.Error() + "): it was changed after it was written; use another copy of the backup"
	default:
		return fmt.Errorf("%w; nothing was restored", err)
	}
	return errors.New(why + ". Nothing was restored.")
}

// passphrase reads the backup passphrase from the environment or, without
// echo, from the terminal: twice when making a backup, since a typo there
// would lock the backup for good.
func passphrase(e *env, twice bool) ([]byte, error) {
	if p := os.Getenv(passphraseEnv); p != "" {
		return []byte(p), nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return nil, fmt.Errorf("no passphrase: run this in a terminal to type it, or set %s", passphraseEnv)
	}
	ask := func(prompt string) ([]byte, error) {
		fmt.Fprint(e.stderr, prompt)
		p, err := term.ReadPassword(fd)
		fmt.Fprintln(e.stderr)
		return p, err
	}
	p, err := ask("Backup passphrase: ")
	if err != nil {
		return nil, fmt.Errorf("cannot read the passphrase: %w", err)
	}
	if len(p) == 0 {
		return nil, errors.New("the passphrase is empty; a backup needs one, and a long one (several words) is best")
	}
	if !twice {
		return p, nil
	}
	if len(p) < 8 {
		return nil, errors.New("the passphrase is shorter than 8 characters; choose a longer one (several words are easy to remember)")
	}
	again, err := ask("The same passphrase again: ")
	if err != nil {
		return nil, fmt.Errorf("cannot read the passphrase: %w", err)
	}
	if !bytes.Equal(p, again) {
		return nil, errors.New("the two passphrases differ; nothing was written. Run the command again")
	}
	return p, nil
}

var _ io.WriteCloser = (*backupfile.Writer)(nil)
