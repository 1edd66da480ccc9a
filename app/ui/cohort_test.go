package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

// A manager starts a cohort from the sidebar, plans an event and puts
// someone on the roster; a pair of theirs linked to it then shows on the
// Pairs tab, and the pair's overview points back to the cohort.
func TestManagerRunsACohort(t *testing.T) {
	u, ws := setup(t)
	pair, err := ws.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	u.reloadPairs()

	u.newCohortDialog() // the sidebar's + under Cohorts
	dlg := topOverlay(t, u)
	entries := all[*widget.Entry](dlg)
	test.Type(entries[0], "Spring 2027")
	test.Type(entries[1], "Dana")
	test.Type(entries[2], "2027-03-01")
	test.Type(entries[3], "2027-08-31")
	test.Tap(button(t, dlg, "Start cohort"))
	list, _ := ws.Cohorts()
	if len(list) != 1 || u.cv == nil || u.cv.id != list[0].ID {
		t.Fatalf("the new cohort is not open: %+v", list)
	}
	cohort := list[0].ID
	if got := len(u.cohorts); got != 1 {
		t.Fatalf("the sidebar lists %d cohorts", got)
	}

	// Plan an event through its dialog.
	u.cv.tabs.SelectIndex(1)
	test.Tap(button(t, u.cv.events, "Plan an event"))
	dlg = topOverlay(t, u)
	entries = all[*widget.Entry](dlg)
	test.Type(entries[0], "Giving feedback")
	test.Type(entries[1], "2027-04-14")
	test.Type(entries[2], "16:00")
	test.Tap(button(t, dlg, "Plan event"))
	pr, _ := ws.Programme(cohort)
	if len(pr.Events) != 4 || pr.Events[1].Title != "Giving feedback" || pr.Events[1].Time != "16:00" {
		t.Fatalf("events after planning: %+v", pr.Events)
	}
	var subs []string
	for _, c := range all[*widget.Card](u.cv.events) {
		subs = append(subs, c.Title+" "+c.Subtitle)
	}
	if !strings.Contains(strings.Join(subs, "|"), "Giving feedback 2027-04-14 at 16:00 · training") {
		t.Errorf("the new event is not shown: %v", subs)
	}

	// Roster: Zoe has no pair yet, and the Pairs tab says so.
	roster := u.cv.rosterBox
	e := all[*widget.Entry](roster)
	test.Type(e[0], "Zoe")
	all[*widget.Select](roster)[0].SetSelected("mentee")
	test.Tap(button(t, roster, "Add"))
	if pr, _ := ws.Programme(cohort); len(pr.Roster) != 1 || pr.Roster[0].Name != "Zoe" {
		t.Fatalf("roster: %+v", pr.Roster)
	}
	if err := ws.LinkPair(pair, cohort); err != nil {
		t.Fatal(err)
	}
	ws.SettleReports() // the report is written on the reporter's goroutine
	u.cv.refresh()
	shown := strings.Join(labels(u.cv.pairs), "|")
	if !strings.Contains(shown, "Zoe (mentee) is on the roster but not in a linked pair yet") {
		t.Errorf("the Pairs tab does not say who is missing: %s", shown)
	}
	cards := all[*widget.Card](u.cv.pairs)
	if len(cards) != 1 || cards[0].Title != "Ana & Ben" {
		t.Fatalf("the Pairs tab shows %d cards", len(cards))
	}

	// The pair's overview points to its cohort.
	u.open(pair)
	if !strings.Contains(strings.Join(labels(u.pv.overview), "|"), "Part of Spring 2027, run by Dana") {
		t.Errorf("the overview does not show the cohort: %v", labels(u.pv.overview))
	}
	test.Tap(button(t, u.pv.overview, "Open cohort"))
	if u.cv == nil || u.cv.id != cohort || u.current != "" {
		t.Fatal("Open cohort did not open it")
	}
}

// A member pastes a cohort's code into the one Join dialog; it is taken as
// a cohort, opened, and says it is on its way until the first sync.
func TestJoinDialogTakesACohortCode(t *testing.T) {
	u, ws := setup(t)
	_, mgr := setup(t)
	if err := mgr.UpdateSettings(func(s *workspace.Settings) { s.Relay = "wss://relay.example.org" }); err != nil {
		t.Fatal(err)
	}
	cohort, err := mgr.NewCohort("Spring 2027", "Dana", "", "")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := mgr.CohortInvite(cohort, false)

	u.joinDialog()
	dlg := topOverlay(t, u)
	test.Type(all[*widget.Entry](dlg)[0], code)
	test.Tap(button(t, dlg, "Join"))
	list, _ := ws.Cohorts()
	if len(list) != 1 || list[0].ID != cohort || list[0].Manager {
		t.Fatalf("after joining: %+v", list)
	}
	if u.cv == nil || u.cv.id != cohort || !strings.Contains(u.cv.title.Text, "Waiting") {
		t.Fatal("the joined cohort is not open, or does not say it is on its way")
	}
	if ids, _ := ws.PairIDs(); len(ids) != 0 {
		t.Fatalf("joining a cohort made a pair: %v", ids)
	}
}
