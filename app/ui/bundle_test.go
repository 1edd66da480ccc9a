package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
)

// A pair joined by an invite that names no relay waits, offering to open
// a file; the file from the partner brings it, says what arrived, and the
// pair then offers its Files menu; a damaged file dropped onto the window
// is refused in a sentence.
func TestPairArrivesByFile(t *testing.T) {
	_, ana := setup(t)
	pair, err := ana.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	code, err := ana.Invite(pair, false)
	if err != nil {
		t.Fatal(err)
	}
	u, ben := setup(t)
	if _, err := ben.Join(code, "Ben", mentoring.Mentee); err != nil {
		t.Fatal(err)
	}
	u.reloadPairs()
	u.open(pair)
	button(t, u.main, "Open changes from a file…")

	file, _, err := ana.ExportBundle(pair, false)
	if err != nil {
		t.Fatal(err)
	}
	u.importBundle(bytes.NewReader(file))
	if u.current != pair || u.pv == nil || u.pv.p == nil {
		t.Fatalf("the pair is not shown after its file: current %q", u.current)
	}
	if got := u.saved.Text; !strings.Contains(got, "from Ana") {
		t.Errorf("got %q, want what arrived from Ana", got)
	}
	if top := topOverlay(t, u); !strings.Contains(strings.Join(visibleLabels(top), " "), "from Ana") {
		t.Errorf("the dialog says %q, want what arrived", visibleLabels(top))
	}
	u.win.Canvas().Overlays().Top().Hide()
	u.win.Canvas().Overlays().Remove(u.win.Canvas().Overlays().Top())

	test.Tap(button(t, u.main, "Files"))
	menu := u.win.Canvas().Overlays().Top()
	if menu == nil {
		t.Fatal("Files opened no menu")
	}
	var items []string
	for _, txt := range all[*canvas.Text](menu) {
		if txt.Text != "" {
			items = append(items, txt.Text)
		}
	}
	for _, l := range all[*widget.Label](menu) {
		if l.Text != "" {
			items = append(items, l.Text)
		}
	}
	if strings.Join(items, "|") != "Save changes to a file…|Open changes from a file…" {
		t.Errorf("Files offers %q", items)
	}
	u.win.Canvas().Overlays().Remove(menu)

	before, _ := ben.Pair(pair)
	bad := bytes.Clone(file)
	bad[len(bad)/2] ^= 1
	path := filepath.Join(t.TempDir(), "damaged.pairwise")
	if err := os.WriteFile(path, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	u.dropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(path)})
	if shown := strings.Join(visibleLabels(topOverlay(t, u)), " "); !strings.Contains(shown, "damaged or was altered") {
		t.Errorf("a damaged file dropped: the window says %q", shown)
	}
	after, _ := ben.Pair(pair)
	if len(after.Goals) != len(before.Goals) || len(after.Members) != len(before.Members) {
		t.Error("a damaged file changed the pair")
	}
}
