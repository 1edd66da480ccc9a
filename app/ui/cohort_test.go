package ui

import (
	"strings"
	"testing"
	"time"

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

	// Plan an event through its dialog: the day from the date picker, a
	// time in Lisbon while this machine shows UTC.
	u.cv.tabs.SelectIndex(1)
	test.Tap(button(t, u.cv.events, "Plan an event"))
	dlg = topOverlay(t, u)
	zone := all[*widget.SelectEntry](dlg)[1]
	if zone.Text != "UTC" {
		t.Errorf("the zone field: got %q, want this machine's zone, UTC", zone.Text)
	}
	test.Type(all[*widget.Entry](dlg)[0], "Giving feedback")
	day := time.Date(2027, 4, 14, 0, 0, 0, 0, time.Local)
	all[*widget.DateEntry](dlg)[0].SetDate(&day) // what picking it in the calendar does
	all[*widget.SelectEntry](dlg)[0].SetText("16:00")
	zone.SetText("Europe/Lisbon")
	all[*widget.Select](dlg)[1].SetSelected("1½ hours")
	test.Type(all[*widget.Entry](dlg)[1], "https://meet.example.org/feedback")
	if got, want := strings.Join(labels(dlg), "|"), "For you: Wed 14 Apr 2027 15:00 your time · 16:00 Europe/Lisbon."; !strings.Contains(got, want) {
		t.Errorf("the dialog does not say when it is here: %s", got)
	}
	test.Tap(button(t, dlg, "Plan event"))
	pr, _ := ws.Programme(cohort)
	if len(pr.Events) != 4 {
		t.Fatalf("events after planning: %+v", pr.Events)
	}
	ev := pr.Events[1]
	if ev.Title != "Giving feedback" || ev.Date != "2027-04-14" || ev.Time != "16:00" || ev.Zone != "Europe/Lisbon" || ev.Minutes != 90 || ev.Link != "https://meet.example.org/feedback" {
		t.Fatalf("the planned event: %+v", ev)
	}
	var eventCards []string
	for _, c := range all[*widget.Card](u.cv.events) {
		eventCards = append(eventCards, c.Title+" "+c.Subtitle+" "+strings.Join(labels(c), "|"))
	}
	if want := "Giving feedback Wed 14 Apr 2027 15:00 your time · 16:00 Europe/Lisbon 1½ hours · training"; !strings.Contains(strings.Join(eventCards, "\n"), want) {
		t.Errorf("the new event is not shown in this machine's time: %v", eventCards)
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

// A manager in New York is offered their own zone, is told in the dialog
// why a time cannot be planned, and sees an Auckland event at its New York
// hour, the day before, with its join link.
func TestEventDialogRefusesAndListsInTheViewersTime(t *testing.T) {
	u, ws := setup(t)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	u.now = func() time.Time { return time.Date(2027, 3, 1, 10, 0, 0, 0, ny) }
	ws.SetNow(u.now)
	cohort, err := ws.NewCohort("Spring 2027", "Dana", "", "")
	if err != nil {
		t.Fatal(err)
	}
	u.reloadCohorts()
	u.openCohort(cohort)
	u.cv.tabs.SelectIndex(1)
	test.Tap(button(t, u.cv.events, "Plan an event"))
	dlg := topOverlay(t, u)
	date, at, zone := all[*widget.DateEntry](dlg)[0], all[*widget.SelectEntry](dlg)[0], all[*widget.SelectEntry](dlg)[1]
	if zone.Text != "America/New_York" {
		t.Errorf("the zone field: got %q, want America/New_York", zone.Text)
	}
	test.Type(all[*widget.Entry](dlg)[0], "Webinar")
	for _, tt := range []struct {
		date, at, zone, want string
	}{
		{"2027-03-14", "02:30", "America/New_York", "02:30 on 2027-03-14 does not exist in America/New_York"},
		{"2027-03-16", "15:00", "Mars/Olympus", `time zone "Mars/Olympus" is unknown`},
		{"next tuesday", "15:00", "America/New_York", "pick the day from the calendar"},
	} {
		date.SetText(tt.date)
		at.SetText(tt.at)
		zone.SetText(tt.zone)
		test.Tap(button(t, dlg, "Plan event"))
		if got := strings.Join(labels(dlg), "|"); !strings.Contains(got, tt.want) {
			t.Errorf("%s %s %s: the dialog says %q, want %q", tt.date, tt.at, tt.zone, got, tt.want)
		}
		if u.win.Canvas().Overlays().Top() != dlg {
			t.Fatal("the dialog closed on a refused event")
		}
	}
	if pr, _ := ws.Programme(cohort); len(pr.Events) != 0 {
		t.Fatalf("refused events were planned: %+v", pr.Events)
	}

	if _, err := ws.EditCohort(cohort, func(*mentoring.Programme) (mentoring.Edit, error) {
		return mentoring.AddEvent(mentoring.EventInput{Kind: "social", Title: "Coffee with Auckland", Date: "2027-04-14", Time: "09:00",
			Zone: "Pacific/Auckland", Link: "https://meet.example.org/coffee"})
	}); err != nil {
		t.Fatal(err)
	}
	u.cv.refresh()
	cards := all[*widget.Card](u.cv.events)
	if len(cards) != 1 || cards[0].Subtitle != "Tue 13 Apr 2027 17:00 your time · Wed 14 Apr 09:00 Pacific/Auckland" {
		t.Fatalf("the event's card: got %d cards, first %q", len(cards), cards[0].Subtitle)
	}
	links := all[*widget.Hyperlink](cards[0])
	if len(links) != 1 || links[0].URL.String() != "https://meet.example.org/coffee" {
		t.Errorf("the card has no join link: %v", links)
	}
	if !strings.Contains(u.cv.sub.Text, "Next: Coffee with Auckland, Tue 13 Apr 2027 17:00 your time") {
		t.Errorf("the header: got %q", u.cv.sub.Text)
	}
}
