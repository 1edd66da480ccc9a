package workspace

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pairwise/app/mentoring"
)

// filled makes a folder with two pairs (one in a cohort), a goal, private
// notes and settings, as a mentor's laptop would hold.
func filled(t *testing.T) *Workspace {
	t.Helper()
	w := openTemp(t)
	a, err := w.NewPair("Ana and Ben", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.NewPair("Ana and Cleo", "Ana", mentoring.Mentor); err != nil {
		t.Fatal(err)
	}
	title := "Run a workshop"
	if _, err := w.Edit(a, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.AddGoal(p, me, mentoring.GoalInput{Title: &title}, w.Now())
	}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"ask about the field trip", "Ben seemed tired"} {
		if _, err := w.AddPrivateNote(a, n); err != nil {
			t.Fatal(err)
		}
	}
	c, err := w.NewCohort("Spring 2027", "Dana", "2027-03-01", "2027-06-30")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.LinkPair(a, c); err != nil {
		t.Fatal(err)
	}
	if err := w.UpdateSettings(func(s *Settings) { s.Name, s.Relay, s.Token = "Ana", "wss://relay.example", "tok-123" }); err != nil {
		t.Fatal(err)
	}
	w.SettleReports()
	return w
}

// exported is every pair and cohort of w as JSON, and every private note.
func exported(t *testing.T, w *Workspace) map[string]string {
	t.Helper()
	ids, err := w.IDs()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, id := range ids {
		m, err := w.Meta(id)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		switch m.Kind {
		case "":
			err = w.Export(id, "json", &b)
			notes, nerr := w.PrivateNotes(id)
			if nerr != nil {
				t.Fatal(nerr)
			}
			for _, n := range notes {
				out[id+" note "+n.ID] = n.Text + " " + n.At.String()
			}
		default:
			var tree map[string]any
			if tree, err = w.tree(id); err == nil {
				err = json.NewEncoder(&b).Encode(tree)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		out[id] = b.String() + " key " + string(m.Key)
	}
	return out
}

func TestBackupRestoresEveryPairCohortAndNote(t *testing.T) {
	w := filled(t)
	var content bytes.Buffer
	sum, err := w.WriteBackup(&content)
	if err != nil {
		t.Fatal(err)
	}
	if want := (BackupSummary{Pairs: 2, Cohorts: 1, Notes: 2}); sum != want {
		t.Fatalf("backup holds %v, want %v", sum, want)
	}
	dir := filepath.Join(t.TempDir(), "restored")
	got, err := RestoreBackup(dir, &content, Options{Logf: t.Logf, Keyring: KeyringOff})
	if err != nil {
		t.Fatal(err)
	}
	if got != sum {
		t.Fatalf("restore reports %v, want %v", got, sum)
	}
	r, err := OpenWith(dir, Options{Logf: t.Logf, Keyring: KeyringOff})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want, have := exported(t, w), exported(t, r)
	if len(want) != len(have) {
		t.Fatalf("restored %d documents and notes, want %d", len(have), len(want))
	}
	for k, v := range want {
		if have[k] != v {
			t.Errorf("%s restored as\n%s\nwant\n%s", k, have[k], v)
		}
	}
	s, rs := w.Settings(), r.Settings()
	if rs.Name != s.Name || rs.Relay != s.Relay || rs.Token != s.Token {
		t.Errorf("settings restored as %q %q %q, want %q %q %q", rs.Name, rs.Relay, rs.Token, s.Name, s.Relay, s.Token)
	}
	if rs.Device == s.Device {
		t.Error("the restored folder has the original's installation ID (and so its keyring entry)")
	}
	old, _ := w.DeviceKey()
	fresh, err := r.DeviceKey()
	if err != nil || fresh.ID() == old.ID() {
		t.Fatalf("the restored folder signs as %x (%v), want a new device, not %x", fresh.ID(), err, old.ID())
	}
	ids, _ := r.IDs()
	for _, id := range ids {
		m, _ := r.Meta(id)
		if _, ok := m.Writers().Writer(fresh.ID()); !ok {
			t.Errorf("the restored device is not a writer of %s", id)
		}
		st, _ := r.SyncState(id)
		if st.Epoch < 1<<31 {
			t.Errorf("%s is written as epoch %d after the restore, want a fresh one", id, st.Epoch)
		}
	}
	// The restored folder edits like any other.
	a := ids[slices.IndexFunc(ids, func(id string) bool { m, _ := r.Meta(id); return m.Kind == "" })]
	if _, err := r.AddPrivateNote(a, "after the restore"); err != nil {
		t.Fatal(err)
	}
}

func TestRestoreRefusesAFolderInUse(t *testing.T) {
	w := filled(t)
	var content bytes.Buffer
	if _, err := w.WriteBackup(&content); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := RestoreBackup(dir, bytes.NewReader(content.Bytes()), Options{Logf: t.Logf, Keyring: KeyringOff})
	if !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "move this one aside") {
		t.Fatalf("restore into a folder with a file: got %v, want ErrNotEmpty saying what to do", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(b) != "mine" {
		t.Fatal("the file in the folder was changed")
	}
}

// Content cut anywhere, or with bytes changed in a record's lengths, is
// refused and leaves neither the folder nor anything beside it.
func TestRestoreOfBrokenContentLeavesNothing(t *testing.T) {
	w := filled(t)
	var content bytes.Buffer
	if _, err := w.WriteBackup(&content); err != nil {
		t.Fatal(err)
	}
	full := content.Bytes()
	huge := bytes.Clone(full)
	huge[4] = 0x7f // the first value's length
	for name, b := range map[string][]byte{
		"cut in the middle": full[:len(full)/2],
		"no end marker":     full[:len(full)-8],
		"huge record":       huge,
		"trailing bytes":    append(bytes.Clone(full), 1),
	} {
		t.Run(name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "data")
			if _, err := RestoreBackup(dir, bytes.NewReader(b), Options{Logf: t.Logf, Keyring: KeyringOff}); err == nil {
				t.Fatal("restored")
			}
			if left, _ := os.ReadDir(parent); len(left) != 0 {
				t.Fatalf("left behind: %v", left)
			}
		})
	}
}

// FuzzBackupRecords feeds hostile decrypted content to the record
// decoder: it must not panic, must hand out no record past the bounds, and
// must stop at the first error.
func FuzzBackupRecords(f *testing.F) {
	var good bytes.Buffer
	writeRecord(&good, []byte("format"), []byte{1})
	writeRecord(&good, []byte("cfg"), []byte(`{"device":"00"}`))
	writeRecord(&good, nil, nil)
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:good.Len()-3])
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		next := recordReader(bytes.NewReader(b))
		for i := 0; ; i++ {
			k, v, ok, err := next()
			if err != nil || !ok {
				if ok {
					t.Fatal("a record came with an error")
				}
				return
			}
			if len(k) == 0 || len(k) > maxBackupKey || len(v) > maxBackupValue {
				t.Fatalf("record %d out of bounds: %d+%d bytes", i, len(k), len(v))
			}
		}
	})
}
