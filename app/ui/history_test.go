package ui

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"pairwise/app/mentoring"
)

// TestHistoryScreenShowsAndRestores: the history window lists the pair's
// changes; picking an older one shows the agreement as it was then and
// what restoring it would change; restoring (after a confirmation) writes
// a new change with the old text and keeps every version; "Changed since
// I signed" shows the difference to the version signed.
func TestHistoryScreenShowsAndRestores(t *testing.T) {
	u, ws := setup(t)
	id, err := ws.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	setAg := func(cadence int, b string) {
		if _, err := ws.Edit(id, func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
			return mentoring.SetAgreement(p, mentoring.AgreementInput{CadenceDays: &cadence, Boundaries: &b})
		}); err != nil {
			t.Fatal(err)
		}
	}
	setAg(14, "Career topics.\nNo code review.")
	if _, err := ws.Edit(id, func(p *mentoring.Pair, me string) (mentoring.Edit, error) { return mentoring.Sign(p, me, u.now()) }); err != nil {
		t.Fatal(err)
	}
	setAg(21, "Career topics.\nNo weekends.")

	h := newHistoryView(u, u.win, id)
	u.win.SetContent(h.content)
	if len(h.changes) != 4 {
		t.Fatalf("changes listed: got %d, want 4", len(h.changes))
	}
	h.list.Select(2) // the first agreement change (newest first)
	if !strings.Contains(h.text.Text, "boundaries:\n    Career topics.\n    No code review.") || !strings.Contains(h.text.Text, "meeting every (days): 21 → 14") {
		t.Errorf("the agreement then: got\n%s\nwant the old boundaries and what restoring changes", h.text.Text)
	}
	capture(t, u.win, "history.png")
	test.Tap(h.restore)
	test.Tap(button(t, topOverlay(t, u), "Yes"))
	p, _ := ws.Pair(id)
	if p.Agreement.Boundaries != "Career topics.\nNo code review." || p.Agreement.CadenceDays != 14 {
		t.Errorf("after restore: got %q every %d days", p.Agreement.Boundaries, p.Agreement.CadenceDays)
	}
	if len(h.changes) != 5 || !strings.HasPrefix(h.changes[0].What, "restored the agreement as it was at ") {
		t.Errorf("history after restore: got %d changes, newest %q", len(h.changes), h.changes[0].What)
	}
	test.Tap(button(t, h.content, "Changed since I signed"))
	if !strings.Contains(h.text.Text, "Nothing in it has changed since.") {
		t.Errorf("since signed after restoring the signed version: got %q", h.text.Text)
	}
}

// capture saves what w shows to $PAIRWISE_SCREENSHOTS/name, when set, for
// a person to look at.
func capture(t *testing.T, w fyne.Window, name string) {
	t.Helper()
	dir := os.Getenv("PAIRWISE_SCREENSHOTS")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, w.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}
