package syncclient

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestPrivateNotesNeverLeaveTheMachine writes a private note, syncs both
// ways through a real relay, and checks that no byte of it reached the
// relay's folder or log, the partner's data folder, or any export a member
// could hand to the partner.
func TestPrivateNotesNeverLeaveTheMachine(t *testing.T) {
	r := startRelay(t)
	a, b := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	secret := "PRIVATE-7f3a: I worry Ben is not ready for the promotion"
	if _, err := a.ws.AddPrivateNote(pair, secret); err != nil {
		t.Fatal(err)
	}
	a.addGoal(pair, "A shared goal")
	for i := 0; i < DefaultSnapshotEvery+5; i++ { // a snapshot upload, too
		a.addGoal(pair, "filler "+itoa(i))
	}
	a.mustSync()
	b.mustSync()
	a.mustSync()

	notes, err := a.ws.PrivateNotes(pair)
	if err != nil || len(notes) != 1 || notes[0].Text != secret {
		t.Fatalf("the note is not kept for its writer: %+v, %v", notes, err)
	}
	if got, _ := b.ws.PrivateNotes(pair); len(got) != 0 {
		t.Fatalf("the partner has private notes: %+v", got)
	}
	if p, _ := b.ws.Pair(pair); len(p.Goals) != DefaultSnapshotEvery+6 {
		t.Fatalf("the shared goals did not sync (%d), so this test proves nothing", len(p.Goals))
	}
	needle := []byte("PRIVATE-7f3a")
	r.kill()
	b.ws.Close()
	for _, dir := range []string{r.dir, b.ws.Dir()} {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, _ := os.ReadFile(path)
			if bytes.Contains(data, needle) {
				t.Errorf("%s holds the private note", path)
			}
			return nil
		})
	}
	if bytes.Contains(r.log.Bytes(), needle) {
		t.Error("the relay's log holds the private note")
	}
	for _, format := range []string{"json", "md", "ics"} {
		var out bytes.Buffer
		if err := a.ws.Export(pair, format, &out); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(out.Bytes(), needle) {
			t.Errorf("the %s export holds the private note", format)
		}
	}
}
