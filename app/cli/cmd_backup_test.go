package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The scenario: Ana backs up, goes on working, and restores the
// backup on a new computer while the old one keeps running; all three
// folders sync through a real relay and end up with the same pair, with
// every change exactly once.
func TestRestoredBackupGoesOnSyncing(t *testing.T) {
	t.Setenv(passphraseEnv, "apricot lantern seventeen")
	ana, ben, pair := lisbonNewYork(t)
	ana.ok("goal", "add", pair, "--title", "before the backup")
	ana.ok("note", "add", pair, "--private", "--text", "ask about the trip")
	ana.ok("sync", "--once")
	file := filepath.Join(t.TempDir(), "ana.pwbackup")
	if out := ana.ok("backup", "--out", file); out != "" {
		t.Errorf("backup printed %q on stdout, want nothing", out)
	}

	// After the backup: Ana's old laptop and Ben go on.
	ana.ok("goal", "add", pair, "--title", "old laptop after the backup")
	ben.ok("goal", "add", pair, "--title", "Ben after the backup")
	// A change still in the old laptop's outbox when the backup was made
	// would be resent by the restored copy too; this one was not synced.
	ana.ok("goal", "add", pair, "--title", "old laptop unsynced")
	syncAll(ben)

	fresh := member{t, filepath.Join(t.TempDir(), "new-laptop")}
	if _, errOut, code := fresh.run("restore-backup", file); code != 0 || !strings.Contains(errOut, "1 pairs") {
		t.Fatalf("restore-backup: exit %d: %s", code, errOut)
	}
	fresh.ok("goal", "add", pair, "--title", "new laptop")
	syncAll(fresh, ana, ben, fresh, ana, ben)

	want := ben.ok("export", pair, "--format", "json")
	for _, m := range []member{ana, fresh} {
		if got := m.ok("export", pair, "--format", "json"); got != want {
			t.Errorf("%s has another pair than Ben:\n%s\nBen:\n%s", m.dir, got, want)
		}
	}
	for _, g := range []string{"before the backup", "old laptop after the backup", "Ben after the backup", "old laptop unsynced", "new laptop"} {
		if n := strings.Count(want, `"`+g+`"`); n != 1 {
			t.Errorf("goal %q is in the pair %d times, want once", g, n)
		}
	}
	if notes := fresh.ok("note", "list", pair); !strings.Contains(notes, "ask about the trip") {
		t.Errorf("the private note did not come back: %q", notes)
	}
}

// Every refusal leaves the data folder as it was (absent), and says why.
func TestRestoreBackupRefusals(t *testing.T) {
	t.Setenv(passphraseEnv, "apricot lantern seventeen")
	ana := member{t, t.TempDir()}
	pair := ana.ok("pair", "new", "--title", "Ana & Ben", "--me", "Ana", "--role", "mentor")
	ana.ok("goal", "add", pair, "--title", "a goal")
	file := filepath.Join(t.TempDir(), "ana.pwbackup")
	ana.ok("backup", "--out", file)
	if _, errOut, code := ana.run("backup", "--out", file); code == 0 || !strings.Contains(errOut, "exists already") {
		t.Errorf("a second backup onto the same file: exit %d: %s", code, errOut)
	}
	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	write := func(b []byte) string {
		p := filepath.Join(t.TempDir(), "b")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 0x40
	newer := append([]byte(nil), good...)
	newer[9] = 9
	cases := []struct {
		name, file, pass, want string
	}{
		{"wrong passphrase", file, "apricot lantern eighteen", "passphrase does not open"},
		{"truncated", write(good[:len(good)*2/3]), "", "cut short"},
		{"flipped byte", write(flipped), "", "damaged"},
		{"newer format", write(newer), "", "newer Pairwise"},
		{"not a backup", write([]byte("just some text")), "", "not a Pairwise backup"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.pass != "" {
				t.Setenv(passphraseEnv, c.pass)
			}
			dir := filepath.Join(t.TempDir(), "data")
			_, errOut, code := pw(t, dir, "restore-backup", c.file)
			if code == 0 || !strings.Contains(errOut, c.want) || !strings.Contains(errOut, "Nothing was restored") {
				t.Fatalf("exit %d: %s; want a refusal saying %q", code, errOut, c.want)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Fatalf("the data folder exists after the refusal (%v)", err)
			}
			if left, _ := os.ReadDir(filepath.Dir(dir)); len(left) != 0 {
				t.Fatalf("left behind: %v", left)
			}
		})
	}
	t.Run("folder in use", func(t *testing.T) {
		_, errOut, code := ana.run("restore-backup", file)
		if code == 0 || !strings.Contains(errOut, "only into an empty folder") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if got := ana.ok("goal", "list", pair); !strings.Contains(got, "a goal") {
			t.Fatalf("the folder changed: %q", got)
		}
	})
}
