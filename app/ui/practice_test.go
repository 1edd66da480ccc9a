package ui

import (
	"bytes"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

// TestPracticesInTheWindow drives the messages, growth and private tabs on
// the demo pair, checking the document (or the local store) after each step.
func TestPracticesInTheWindow(t *testing.T) {
	u, ws := setup(t)
	pair, err := workspace.SeedDemo(ws)
	if err != nil {
		t.Fatal(err)
	}
	u.reloadPairs()
	u.open(pair)
	pv := u.pv

	// Open action items: soonest due first.
	var items []string
	for _, c := range all[*widget.Card](pv.overview) {
		if c.Title == "Open action items" {
			items = labels(c)
		}
	}
	due := func(line string) string { _, d, _ := strings.Cut(line, ", due "); return d }
	if len(items) < 2 || due(items[0]) == "" || due(items[0]) > due(items[1]) {
		t.Errorf("open action items not soonest first: %q", items)
	}

	// Ben's message is unread, in the sidebar and on the tab.
	if u.pairs[0].Unread != 1 || pv.tabs.Items[tabMessages].Text != "Messages (1)" {
		t.Fatalf("unread: sidebar %d, tab %q", u.pairs[0].Unread, pv.tabs.Items[tabMessages].Text)
	}
	pv.tabs.SelectIndex(tabMessages)
	if u.pairs[0].Unread != 0 || pv.tabs.Items[tabMessages].Text != "Messages" {
		t.Errorf("after reading: sidebar %d, tab %q", u.pairs[0].Unread, pv.tabs.Items[tabMessages].Text)
	}
	test.Type(pv.messages.entry, "Thursday works, see you then")
	test.Tap(button(t, pv.messages.content, "Send"))
	p, _ := ws.Pair(pair)
	if last := p.Messages[len(p.Messages)-1]; last.Text != "Thursday works, see you then" {
		t.Errorf("last message: %q", last.Text)
	}

	// Growth: a win and an answer to the suggested prompt.
	pv.tabs.SelectIndex(tabGrowth)
	test.Type(pv.growth.winText, "Ben ran the planning dry run")
	test.Tap(button(t, pv.growth.content, "Celebrate"))
	prompt := pv.growth.prompt
	test.Type(pv.growth.answer, "Teaching, mostly")
	test.Tap(button(t, pv.growth.content, "Save my answer"))
	p, _ = ws.Pair(pair)
	me, _ := ws.Me(pair)
	if p.Wins[len(p.Wins)-1].Text != "Ben ran the planning dry run" {
		t.Errorf("wins: %+v", p.Wins)
	}
	var celebrated bool
	for _, c := range all[*widget.Card](pv.overview) {
		if c.Title == "Recent win" && strings.Contains(strings.Join(labels(c), " "), "Ben ran the planning dry run") {
			celebrated = true
		}
	}
	if !celebrated {
		t.Error("the overview does not celebrate the new win in its own card")
	}
	if a, ok := p.AnswerOf(prompt.ID, me); !ok || a.Text != "Teaching, mostly" {
		t.Errorf("answer to %s: %+v", prompt.ID, a)
	}
	if text := strings.Join(labels(pv.growth.content), "\n"); !strings.Contains(text, "Ben Okafor: 5 → 4 → 5 → 4 → 5") {
		t.Errorf("the trend of Ben's ratings is not shown:\n%s", text)
	}

	// Private: kept here, never in the shared document.
	pv.tabs.SelectIndex(tabPrivate)
	test.Type(pv.private.entry, "Ask about the team change gently")
	test.Tap(button(t, pv.private.content, "Keep note"))
	notes, _ := ws.PrivateNotes(pair)
	if len(notes) != 1 || notes[0].Text != "Ask about the team change gently" {
		t.Fatalf("private notes: %+v", notes)
	}
	if !strings.Contains(strings.Join(labels(pv.private.content), "\n"), "Ask about the team change gently") {
		t.Error("the private note is not listed")
	}
	var out bytes.Buffer
	ws.Export(pair, "json", &out)
	if strings.Contains(out.String(), "team change") {
		t.Error("the private note is in the shared document's export")
	}

	// Closing: a reflection, then closure; the pair turns read-only.
	pv.tabs.SelectIndex(tabGrowth)
	test.Tap(button(t, pv.growth.content, "Close the relationship…"))
	if text := strings.Join(labels(topOverlay(t, u)), " "); !strings.Contains(text, "closing reflection") {
		t.Fatalf("closing without a reflection: %q", text)
	}
	u.win.Canvas().Overlays().Top().Hide()
	u.win.Canvas().Overlays().Remove(u.win.Canvas().Overlays().Top())
	pv.growth.reflect(mentoring.Closing)
	dlg := topOverlay(t, u)
	test.Type(all[*widget.Entry](dlg)[0], "Asking before advising")
	test.Tap(button(t, dlg, "Save"))
	test.Tap(button(t, pv.growth.content, "Close the relationship…"))
	test.Tap(button(t, topOverlay(t, u), "Yes"))
	p, _ = ws.Pair(pair)
	if !p.IsClosed() {
		t.Fatal("the pair is not closed")
	}
	if r, ok := p.ReflectionOf(mentoring.Closing, me); !ok || r.Answers["learned"] != "Asking before advising" {
		t.Errorf("closing reflection: %+v", r)
	}
	if !u.pv.closed.Visible() || !strings.Contains(u.pv.closed.Text, "read-only record") {
		t.Errorf("no closed banner: %q", u.pv.closed.Text)
	}
}

// TestRemindersNotifyOncePerOccasion: a pair due soon gets one desktop
// notification, not one every check, and none once reminders are off.
func TestRemindersNotifyOncePerOccasion(t *testing.T) {
	u, ws := setup(t)
	pair, _ := ws.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	now := u.now()
	start := now.AddDate(0, 0, -12).Format(mentoring.DateLayout) // due in 2 days
	if _, err := ws.Edit(pair, func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
		return mentoring.SetAgreement(p, mentoring.AgreementInput{CadenceDays: ptr(14), Start: &start})
	}); err != nil {
		t.Fatal(err)
	}
	test.AssertNotificationSent(t, fyne.NewNotification("Ana & Ben: check-in in 2 days", "A good moment to agree a time with your partner and jot down an agenda."), func() {
		sendNudges(u.app, ws, now)
	})
	test.AssertNotificationSent(t, nil, func() { sendNudges(u.app, ws, now) })
	// Tomorrow it is still the same "due soon": no second reminder.
	test.AssertNotificationSent(t, nil, func() { sendNudges(u.app, ws, now.AddDate(0, 0, 1)) })
	// The due day is a new occasion, unless reminders are off.
	if _, err := ws.SetNudges(pair, false, 0, now); err != nil {
		t.Fatal(err)
	}
	test.AssertNotificationSent(t, nil, func() { sendNudges(u.app, ws, now.AddDate(0, 0, 2)) })
	ws.SetNudges(pair, true, 0, now)
	if got := sendNudges(u.app, ws, now.AddDate(0, 0, 2)); len(got) != 1 || !strings.Contains(got[0].Title, "due today") {
		t.Errorf("reminders back on: %+v", got)
	}
}

// TestContactHoursFromTheAgreementTab: the member's zone and hours are
// saved to the pair, and hours written wrongly are explained.
func TestContactHoursFromTheAgreementTab(t *testing.T) {
	u, ws := setup(t)
	pair, err := workspace.SeedDemo(ws)
	if err != nil {
		t.Fatal(err)
	}
	u.reloadPairs()
	u.open(pair)
	ag := u.pv.agree
	ag.tz.SetText("Europe/Lisbon")
	ag.hours.SetText("Mon-Fri 09:00-18:00")
	test.Tap(button(t, ag.content, "Save my time zone and hours"))
	p, _ := ws.Pair(pair)
	me, _ := ws.Me(pair)
	if m, _ := p.Member(me); m.TimeZone != "Europe/Lisbon" || m.Hours != "mon,tue,wed,thu,fri 09:00-18:00" {
		t.Errorf("member after saving: zone %q, hours %q", m.TimeZone, m.Hours)
	}
	ag.hours.SetText("whenever")
	test.Tap(button(t, ag.content, "Save my time zone and hours"))
	if text := strings.Join(labels(topOverlay(t, u)), " "); !strings.Contains(text, "mon-fri 09:00-17:30") {
		t.Errorf("bad hours: dialog says %q", text)
	}
}
