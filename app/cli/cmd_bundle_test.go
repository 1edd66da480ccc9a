package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two laptops and a USB stick: an invite with no relay, a file each way,
// and the same file twice; a damaged file is refused in a sentence.
func TestBundleByHand(t *testing.T) {
	ana, ben, stick := t.TempDir(), t.TempDir(), t.TempDir()
	pair := ok(t, ana, "pair", "new", "--title", "Ana & Ben", "--me", "Ana", "--role", "mentor")
	code, errOut, exit := pw(t, ana, "pair", "invite", pair)
	if exit != 0 || !strings.Contains(errOut, "names none") {
		t.Fatalf("invite with no relay: exit %d, %q", exit, errOut)
	}
	if got := ok(t, ben, "pair", "join", code, "--me", "Ben", "--role", "mentee"); got != pair {
		t.Fatalf("join: got %q, want %q", got, pair)
	}
	toBen := filepath.Join(stick, "to-ben.pwb")
	ok(t, ana, "goal", "add", pair, "--title", "Speak at a conference")
	if _, errOut, exit := pw(t, ana, "bundle", "export", pair, "--out", toBen); exit != 0 || !strings.Contains(errOut, "by Ana") {
		t.Fatalf("export: exit %d, %q", exit, errOut)
	}
	out, errOut, exit := pw(t, ben, "bundle", "import", toBen)
	if exit != 0 || out != pair || !strings.Contains(errOut, "from Ana") {
		t.Fatalf("import: exit %d, stdout %q, stderr %q; want the pair's ID and the changes from Ana", exit, out, errOut)
	}
	if _, errOut, _ := pw(t, ben, "bundle", "import", toBen); !strings.Contains(errOut, "nothing new: you had") {
		t.Errorf("the same file again: got %q, want nothing new", errOut)
	}
	toAna := filepath.Join(stick, "to-ana.pwb")
	ok(t, ben, "bundle", "export", pair, "--out", toAna, "--since-partner")
	if _, errOut, exit := pw(t, ana, "bundle", "import", toAna); exit != 0 || !strings.Contains(errOut, "from Ben") {
		t.Fatalf("back to Ana: exit %d, %q", exit, errOut)
	}
	if a, b := ok(t, ana, "export", pair, "--format", "json"), ok(t, ben, "export", pair, "--format", "json"); a != b {
		t.Errorf("Ana and Ben differ:\n%s\n%s", a, b)
	}

	raw, _ := os.ReadFile(toAna)
	raw[len(raw)-5] ^= 1
	os.WriteFile(toAna, raw, 0o600)
	if _, errOut, exit := pw(t, ana, "bundle", "import", toAna); exit == 0 || !strings.Contains(errOut, "damaged or was altered") {
		t.Errorf("damaged file: exit %d, %q", exit, errOut)
	}
}
