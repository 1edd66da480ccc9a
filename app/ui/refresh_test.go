package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"pairwise/app/mentoring"
	"pairwise/app/syncclient"
	"pairwise/app/workspace"
)

// TestEachChangeRefreshesTheScreenOnce: N messages sent from the pair view,
// and N changes arriving from elsewhere, refresh the pair view N times
// each; the sync status, which changes with every one of them (its count
// of unsynced changes) and with every acknowledgement, never summarises
// the pairs again.
func TestEachChangeRefreshesTheScreenOnce(t *testing.T) {
	a := test.NewTempApp(t)
	ws, err := workspace.OpenWith(t.TempDir(), workspace.Options{Logf: t.Logf, InlineReports: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if _, err := ws.NewPair("Other", "Ana", mentoring.Mentor); err != nil {
		t.Fatal(err)
	}
	pair, err := ws.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	eng := syncclient.New(ws, t.Logf) // never run: only its status is shown
	statuses := 0
	eng.OnStatus(func(syncclient.Status) { statuses++ })
	w := a.NewWindow("Pairwise")
	w.Resize(fyne.NewSize(1100, 720))
	u := Create(a, w, ws, eng)
	u.now = func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) }
	u.open(pair)
	start, lists := u.counts, ws.Counts().Lists

	const n = 8
	for i := range n {
		u.pv.messages.entry.SetText(fmt.Sprintf("hello %d", i))
		u.pv.messages.send()
	}
	if got := u.counts.pairViewRefreshes - start.pairViewRefreshes; got != n {
		t.Errorf("%d messages sent from the pair view refreshed it %d times, want %d", n, got, n)
	}
	if got := len(u.pv.p.Messages); got != n {
		t.Fatalf("the pair view shows %d messages, want %d", got, n)
	}
	for i := range n {
		text := fmt.Sprintf("from elsewhere %d", i)
		if _, err := ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.SendMessage(p, me, text, u.now())
		}); err != nil {
			t.Fatal(err)
		}
	}
	if got := u.counts.pairViewRefreshes - start.pairViewRefreshes; got != 2*n {
		t.Errorf("%d more changes to the pair: %d refreshes in all, want %d", n, got, 2*n)
	}
	if err := ws.Acknowledge(pair, 5); err != nil {
		t.Fatal(err)
	}

	want := uint64(1 + 2*n - 5) // the pair's creation and the edits, less those acknowledged
	if statuses < 2*n+1 {
		t.Errorf("the status changed %d times, want at least %d: it does not follow the count of unsynced changes", statuses, 2*n+1)
	}
	if got := u.counts.pairReloads - start.pairReloads; got != 0 {
		t.Errorf("the pair list was summarised again %d times, want none", got)
	}
	if got := ws.Counts().Lists - lists; got != 0 {
		t.Errorf("the workspace listed every pair %d times, want none", got)
	}
	for _, s := range u.pairs {
		if s.ID == pair && s.Pending != want {
			t.Errorf("the pair's line counts %d unsynced changes, want %d", s.Pending, want)
		}
	}
	if got := u.status.Text; !strings.Contains(got, fmt.Sprintf("%d changes", want+1)) { // and the other pair's creation
		t.Errorf("status %q, want it to count %d changes", got, want+1)
	}
	if got := u.pv.p.Messages; len(got) != 2*n {
		t.Errorf("the pair view shows %d messages, want %d", len(got), 2*n)
	}
}
