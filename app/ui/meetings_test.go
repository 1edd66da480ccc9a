package ui

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

// linkApp is the test app, remembering the addresses it was asked to open.
type linkApp struct {
	fyne.App
	opened []string
	fail   error // what OpenURL returns, as on a system with no browser set up
}

func (a *linkApp) OpenURL(u *url.URL) error {
	a.opened = append(a.opened, u.String())
	return a.fail
}

// demoWindow opens the window on the demo pair: Ana (this member) in
// Lisbon, mon-fri 16:00-19:00; Ben in Lagos, mon-fri 16:00-20:00; now is
// Sunday 22 Nov 2026 10:00 UTC, and their next check-in is on Tuesday 24
// Nov at 17:00 Lisbon, with a Jitsi link.
func demoWindow(t *testing.T) (*UI, *workspace.Workspace, *linkApp, string) {
	t.Helper()
	a := &linkApp{App: test.NewTempApp(t)}
	ws, err := workspace.OpenWith(t.TempDir(), workspace.Options{Logf: t.Logf, InlineReports: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	ws.SetNow(func() time.Time { return now })
	pair, err := workspace.SeedDemo(ws)
	if err != nil {
		t.Fatal(err)
	}
	w := a.NewWindow("Pairwise")
	w.Resize(fyne.NewSize(1100, 720))
	u := Create(a, w, ws, nil)
	setNow(u, ws, now)
	u.open(pair)
	return u, ws, a, pair
}

func setNow(u *UI, ws *workspace.Workspace, now time.Time) {
	u.now = func() time.Time { return now }
	ws.SetNow(u.now)
}

// demoMeeting is the demo's scheduled check-in.
func demoMeeting(t *testing.T, ws *workspace.Workspace, pair string) mentoring.Meeting {
	t.Helper()
	p, err := ws.Pair(pair)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range p.Meetings {
		if m.Local == "2026-11-24 17:00" && m.Zone == "Europe/Lisbon" {
			return m
		}
	}
	t.Fatalf("the demo's meeting is not on Tue 24 Nov at 17:00 Lisbon: %+v", p.Meetings)
	return mentoring.Meeting{}
}

func hasText(o fyne.CanvasObject, want string) bool {
	for _, l := range labels(o) {
		if strings.Contains(l, want) {
			return true
		}
	}
	return false
}

// scheduleFields are the Schedule dialog's inputs, in the order it shows
// them.
type scheduleFields struct {
	date            *widget.DateEntry
	clock, zone     *widget.SelectEntry
	length, channel *widget.Select
	link, agenda    *widget.Entry
	slots           *widget.List
	dlg             fyne.CanvasObject
	dayOf           func() string // the date chosen, YYYY-MM-DD
}

func scheduleDialogFields(t *testing.T, u *UI) scheduleFields {
	t.Helper()
	dlg := topOverlay(t, u)
	dates, selEntries, selects, entries, lists := all[*widget.DateEntry](dlg), all[*widget.SelectEntry](dlg), all[*widget.Select](dlg), all[*widget.Entry](dlg), all[*widget.List](dlg)
	if len(dates) != 1 || len(selEntries) != 2 || len(selects) != 2 || len(entries) != 2 || len(lists) != 1 {
		t.Fatalf("the Schedule dialog has %d date, %d select-entry, %d select, %d entry and %d list widgets; want 1, 2, 2, 2, 1",
			len(dates), len(selEntries), len(selects), len(entries), len(lists))
	}
	f := scheduleFields{date: dates[0], clock: selEntries[0], zone: selEntries[1], length: selects[0], channel: selects[1], link: entries[0], agenda: entries[1], slots: lists[0], dlg: dlg}
	f.dayOf = func() string {
		if f.date.Date == nil {
			return ""
		}
		return f.date.Date.Format(mentoring.DateLayout)
	}
	return f
}

// TestScheduleACheckinInBothZones schedules through the dialog: it starts
// at the first time inside both members' hours, a suggestion fills date,
// time and zone, the chosen time is said in both members' zones with a
// warning outside Ben's hours, a zone the model refuses is said in the
// dialog, and the meeting stored is the instant chosen, in its zone.
func TestScheduleACheckinInBothZones(t *testing.T) {
	u, ws, _, pair := demoWindow(t)
	u.pv.tabs.SelectIndex(tabCheckins)
	test.Tap(button(t, u.pv.checkins.content, "Schedule a check-in"))
	f := scheduleDialogFields(t, u)

	// Monday 16:00 Lisbon is the first time both are free.
	if got := f.dayOf() + " " + f.clock.Text + " " + f.zone.Text; got != "2026-11-23 16:00 Europe/Lisbon" {
		t.Errorf("the dialog starts at %q, want the first shared slot, 2026-11-23 16:00 Europe/Lisbon", got)
	}
	if f.length.Selected != "45 minutes" || f.channel.Selected != "video" {
		t.Errorf("defaults: length %q, channel %q", f.length.Selected, f.channel.Selected)
	}
	if !hasText(f.dlg, "Mon 23 Nov 16:00–16:45 your time · 17:00–17:45 Ben Okafor's") {
		t.Errorf("the chosen time is not said in both zones: %q", labels(f.dlg))
	}
	// Suggestions: one a weekday, in both zones; picking Tuesday's fills it in.
	if n := f.slots.Length(); n != 10 {
		t.Errorf("suggestions over 14 days of weekdays: got %d, want 10", n)
	}
	if !hasText(f.dlg, "Tue 24 Nov 16:00–19:00 your time") || !hasText(f.dlg, "17:00–20:00 Ben Okafor's") {
		t.Errorf("Tuesday's suggestion is not shown in both zones: %q", labels(f.dlg))
	}
	f.slots.Select(1)
	if got := f.dayOf() + " " + f.clock.Text + " " + f.zone.Text; got != "2026-11-24 16:00 Europe/Lisbon" {
		t.Errorf("after picking Tuesday's suggestion: %q", got)
	}

	// 09:30 in New York is 14:30 for Ana and 15:30 for Ben, before his hours.
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	f.date.SetDate(&day)
	f.clock.SetText("09:30")
	f.length.SetSelected("1 hour")
	f.zone.SetText("Mars/Olympus")
	test.Type(f.link, "https://zoom.us/j/123456")
	test.Type(f.agenda, "Planning retro")
	test.Tap(button(t, f.dlg, "Schedule"))
	if u.win.Canvas().Overlays().Top() != f.dlg {
		t.Fatal("a refused time zone closed the dialog")
	}
	if !hasText(f.dlg, "Mars/Olympus") {
		t.Errorf("the dialog does not say why the zone was refused: %q", labels(f.dlg))
	}
	f.zone.SetText("America/New_York")
	if !hasText(f.dlg, "Tue 1 Dec 14:30–15:30 your time · 15:30–16:30 Ben Okafor's") {
		t.Errorf("live times: %q", labels(f.dlg))
	}
	if !hasText(f.dlg, "It is Tue 15:30 for Ben Okafor, outside the hours they gave") {
		t.Errorf("no warning outside Ben's hours: %q", labels(f.dlg))
	}
	test.Tap(button(t, f.dlg, "Schedule"))
	if u.win.Canvas().Overlays().Top() == f.dlg {
		t.Fatalf("the dialog stayed open: %q", labels(f.dlg))
	}

	p, _ := ws.Pair(pair)
	var got *mentoring.Meeting
	for i, m := range p.Meetings {
		if m.Zone == "America/New_York" {
			got = &p.Meetings[i]
		}
	}
	if got == nil {
		t.Fatalf("no meeting in America/New_York: %+v", p.Meetings)
	}
	if want := time.Date(2026, 12, 1, 14, 30, 0, 0, time.UTC); !got.At.Equal(want) || got.Local != "2026-12-01 09:30" {
		t.Errorf("meeting at %v (%s), want %v (2026-12-01 09:30)", got.At, got.Local, want)
	}
	if got.Minutes != 60 || got.Channel != "video" || got.Link != "https://zoom.us/j/123456" || got.Agenda != "Planning retro" {
		t.Errorf("meeting: %+v", *got)
	}
	me, _ := ws.Me(pair)
	if got.By != me || got.Attendance[me] != mentoring.Going {
		t.Errorf("scheduled by %q with answers %v, want by %q, going", got.By, got.Attendance, me)
	}
	if !hasText(u.pv.checkins.meetings, "Tue 1 Dec 14:30 your time · 15:30 Ben Okafor's") {
		t.Errorf("the check-ins screen does not list it: %q", labels(u.pv.checkins.meetings))
	}
}

// TestOverviewJoinsTheNextMeeting: the overview shows the next meeting in
// both members' time with each answer, and Join opens its link; a phone
// number opens as tel:, and a meeting without a link has no Join. The
// pair list shows when it is.
func TestOverviewJoinsTheNextMeeting(t *testing.T) {
	u, ws, a, pair := demoWindow(t)
	ov := u.pv.overview
	for _, want := range []string{"Tue 24 Nov 17:00 your time · 18:00 Ben Okafor's", "video · 45 minutes · you'll be there · Ben Okafor will be there"} {
		if !hasText(ov, want) {
			t.Errorf("overview lacks %q: %q", want, labels(ov))
		}
	}
	test.Tap(button(t, ov, "Join"))
	if len(a.opened) != 1 || a.opened[0] != "https://meet.jit.si/ana-ben-leadership" {
		t.Errorf("Join opened %q", a.opened)
	}
	// Where the system opens no browser, the link is there to copy.
	a.fail = errors.New(`exec: "xdg-open": executable file not found in $PATH`)
	test.Tap(button(t, ov, "Join"))
	dlg := topOverlay(t, u)
	if text := strings.Join(labels(dlg), " "); strings.Contains(text, "xdg-open") || !strings.Contains(text, "https://meet.jit.si/ana-ben-leadership") {
		t.Errorf("the dialog after Join failed: %q", text)
	}
	test.Tap(button(t, dlg, "Copy link"))
	if got := a.Clipboard().Content(); got != "https://meet.jit.si/ana-ben-leadership" {
		t.Errorf("Copy link copied %q", got)
	}
	a.fail = nil
	if line := u.pairLine(u.pairs[0]); !strings.Contains(line, "meeting Tue 17:00") {
		t.Errorf("pair list: %q", line)
	}

	m := demoMeeting(t, ws, pair)
	edit := func(build workspace.Editor) {
		t.Helper()
		if _, err := ws.Edit(pair, build); err != nil {
			t.Fatal(err)
		}
	}
	edit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.CancelMeeting(p, me, m.ID, u.now())
	})
	edit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.ScheduleMeeting(p, me, mentoring.MeetingInput{At: "2026-11-26 17:00", Zone: "Europe/Lisbon", Channel: "phone", Link: "+44 20 7946 0000"}, u.now())
	})
	u.pv.refresh()
	test.Tap(button(t, u.pv.overview, "Join"))
	if last := a.opened[len(a.opened)-1]; last != "tel:+442079460000" {
		t.Errorf("Join on a phone number opened %q", last)
	}

	m = u.pv.p.Meetings[len(u.pv.p.Meetings)-1]
	edit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.CancelMeeting(p, me, m.ID, u.now())
	})
	edit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.ScheduleMeeting(p, me, mentoring.MeetingInput{At: "2026-11-27 17:00", Zone: "Europe/Lisbon", Channel: "in-person"}, u.now())
	})
	u.pv.refresh()
	if !hasText(u.pv.overview, "Fri 27 Nov 17:00 your time") {
		t.Errorf("overview after moving on: %q", labels(u.pv.overview))
	}
	for _, b := range all[*widget.Button](u.pv.overview) {
		if b.Text == "Join" {
			t.Error("a meeting without a link shows Join")
		}
	}
}

// TestLogAPassedMeetingPrefilled: once the meeting has taken place, "Log
// this check-in" opens the check-in form filled in from it, and the
// check-in saved is linked to the meeting, which stops asking.
func TestLogAPassedMeetingPrefilled(t *testing.T) {
	u, ws, _, pair := demoWindow(t)
	m := demoMeeting(t, ws, pair)
	setNow(u, ws, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	u.open(pair)
	if !hasText(u.pv.overview, "Your check-in took place (Tue 24 Nov 17:00 your time · 18:00 Ben Okafor's): log what you discussed.") {
		t.Errorf("the overview does not offer to log it: %q", labels(u.pv.overview))
	}
	u.pv.tabs.SelectIndex(tabCheckins)
	test.Tap(button(t, u.pv.checkins.meetings, "Log this check-in"))
	dlg := topOverlay(t, u)
	entries := all[*widget.Entry](dlg)
	if len(entries) != 5 {
		t.Fatalf("the check-in form has %d entries, want 5", len(entries))
	}
	date, minutes, agenda, notes := entries[0], entries[1], entries[2], entries[3]
	if date.Text != "2026-11-24" || minutes.Text != "45" || agenda.Text != m.Agenda {
		t.Errorf("prefilled: date %q, minutes %q, agenda %q; want 2026-11-24, 45, %q", date.Text, minutes.Text, agenda.Text, m.Agenda)
	}
	if ch := all[*widget.Select](dlg)[0].Selected; ch != "video" {
		t.Errorf("channel %q, want video", ch)
	}
	test.Type(notes, "Dry run went well.")
	test.Tap(button(t, dlg, "Log it"))

	p, _ := ws.Pair(pair)
	var logged *mentoring.Checkin
	for i, c := range p.Checkins {
		if c.Meeting == m.ID {
			logged = &p.Checkins[i]
		}
	}
	if logged == nil {
		t.Fatalf("no check-in is linked to the meeting: %+v", p.Checkins[len(p.Checkins)-1])
	}
	if logged.Date != "2026-11-24" || logged.Minutes != 45 || logged.Notes != "Dry run went well." {
		t.Errorf("logged: %+v", *logged)
	}
	if after, _ := p.Meeting(m.ID); after.Checkin != logged.ID {
		t.Errorf("the meeting's check-in is %q, want %q", after.Checkin, logged.ID)
	}
	for _, b := range all[*widget.Button](u.pv.content) {
		if b.Text == "Log this check-in" {
			t.Error("the logged meeting still asks to be logged")
		}
	}
}

// TestAnswerMoveAndCancelAMeeting drives a listed meeting's buttons.
func TestAnswerMoveAndCancelAMeeting(t *testing.T) {
	u, ws, _, pair := demoWindow(t)
	m := demoMeeting(t, ws, pair)
	me, _ := ws.Me(pair)
	u.pv.tabs.SelectIndex(tabCheckins)
	section := u.pv.checkins.meetings

	test.Tap(button(t, section, "Can't make it"))
	p, _ := ws.Pair(pair)
	if got, _ := p.Meeting(m.ID); got.Attendance[me] != mentoring.NotGoing {
		t.Errorf("after Can't make it: %v", got.Attendance)
	}
	if !hasText(section, "you can't make it · Ben Okafor will be there") {
		t.Errorf("answers: %q", labels(section))
	}

	// Move shows the meeting's time to change, and the rest as it is.
	test.Tap(button(t, section, "Move"))
	dlg := topOverlay(t, u)
	dates, clocks := all[*widget.DateEntry](dlg), all[*widget.SelectEntry](dlg)
	if len(dates) != 1 || len(clocks) != 2 || len(all[*widget.Entry](dlg)) != 0 {
		t.Fatalf("the Move dialog has %d date entries, %d select entries and %d other entries; want 1, 2, 0",
			len(dates), len(clocks), len(all[*widget.Entry](dlg)))
	}
	if got := dates[0].Date.Format(mentoring.DateLayout) + " " + clocks[0].Text + " " + clocks[1].Text; got != "2026-11-24 17:00 Europe/Lisbon" {
		t.Errorf("Move starts at %q", got)
	}
	if !hasText(dlg, m.Link) || !hasText(dlg, m.Agenda) {
		t.Errorf("the Move dialog does not show the link and agenda: %q", labels(dlg))
	}
	test.Tap(button(t, dlg, "Move it"))
	if !hasText(dlg, "at that time already") {
		t.Errorf("moving to the same time is not refused: %q", labels(dlg))
	}
	clocks[0].SetText("18:15")
	test.Tap(button(t, dlg, "Move it"))
	p, _ = ws.Pair(pair)
	if got, _ := p.Meeting(m.ID); got.Local != "2026-11-24 18:15" || got.Sequence != 1 || !got.At.Equal(time.Date(2026, 11, 24, 18, 15, 0, 0, time.UTC)) {
		t.Errorf("after Move: %s, sequence %d, at %v", got.Local, got.Sequence, got.At)
	}

	test.Tap(button(t, section, "Cancel"))
	test.Tap(button(t, topOverlay(t, u), "Cancel it"))
	p, _ = ws.Pair(pair)
	if got, _ := p.Meeting(m.ID); !got.Cancelled || got.CancelledBy != me {
		t.Errorf("after Cancel: cancelled %v by %q", got.Cancelled, got.CancelledBy)
	}
	if !hasText(section, "Nothing scheduled") {
		t.Errorf("the cancelled meeting is still listed: %q", labels(section))
	}
}
