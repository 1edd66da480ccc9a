package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"

	"golang.org/x/term"

	"pairwise/app/backupfile"
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
	if _, err := os.Stat(out); err == nil { // before asking for the passphrase
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
	sum, err := ws.WriteBackupFile(out, pass, backupParams)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "Backed up %s into %s. Keep the passphrase safe: without it nobody, you included, can open the file.\n", sum, out)
	return nil
}

func restoreRun(e *env, pos []string) error {
	file := pos[0]
	// Refuse what cannot work before asking for the passphrase.
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("cannot open the backup %s: %w", file, err)
	}
	if err := workspace.CheckEmptyFolder(e.dir); err != nil {
		return err
	}
	pass, err := passphrase(e, false)
	if err != nil {
		return err
	}
	logf := func(f string, a ...any) { fmt.Fprintf(e.stderr, "pairwise: "+f+"\n", a...) }
	sum, err := workspace.RestoreBackupFile(e.dir, file, pass, workspace.Options{Logf: logf})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "Restored %s into %s. This computer syncs as a new device of yours: run 'pairwise sync' to fetch what changed since the backup.\n", sum, e.dir)
	return nil
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
	if err := workspace.CheckNewPassphrase(p); err != nil {
		return nil, err
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
