package ui

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

func (v *pairView) buildOverview() {
	p, now := v.p, v.u.now()
	r := mentoring.RhythmOn(p, now)
	icon := theme.ConfirmIcon()
	switch r.State {
	case mentoring.NoCadence, mentoring.DueSoon, mentoring.DueToday:
		icon = theme.InfoIcon()
	case mentoring.Overdue, mentoring.Stalled:
		icon = theme.WarningIcon()
	}
	rhythm := sentence(r.String())
	if r.Last != "" && r.State != mentoring.NoCadence {
		rhythm += fmt.Sprintf("\nLast check-in %s; you agreed to meet every %d days.", r.Last, p.Agreement.CadenceDays)
	}
	calendar := widget.NewButtonWithIcon("Add to calendar", theme.CalendarIcon(), func() { v.u.exportAs(v.id, "ics") })
	next := widget.NewCard("Next check-in", "", container.NewVBox(
		v.nextMeeting(),
		container.NewBorder(nil, nil, widget.NewIcon(icon), nil, wrapLabel(rhythm)),
		container.NewHBox(calendar, v.reminders())))

	actions := container.NewVBox()
	var open []mentoring.Action
	for _, c := range p.Checkins {
		for _, a := range c.Actions {
			if !a.Done {
				open = append(open, a)
			}
		}
	}
	// Soonest due first; those without a date last, oldest first.
	sort.SliceStable(open, func(i, j int) bool {
		a, b := open[i], open[j]
		if a.Due != b.Due {
			return a.Due != "" && (b.Due == "" || a.Due < b.Due)
		}
		return a.Added.Before(b.Added)
	})
	for _, a := range open {
		line := a.Text
		if a.Owner != "" {
			line += " — " + v.name(a.Owner)
		}
		if a.Due != "" {
			line += ", due " + a.Due
		}
		actions.Add(wrapLabel("• " + line))
	}
	if len(actions.Objects) == 0 {
		actions.Add(wrapLabel("Nothing open. Add action items to a check-in to track follow-ups."))
	}

	goals := container.NewVBox()
	for _, g := range p.Goals {
		bar := widget.NewProgressBar()
		bar.SetValue(g.Progress())
		goals.Add(container.NewVBox(container.NewBorder(nil, nil, nil, widget.NewLabel(string(g.Status)), truncLabel(g.Title)), bar))
	}
	if len(p.Goals) == 0 {
		goals.Add(widget.NewLabel("No goals yet: add one on the Goals tab."))
	}

	agreement := wrapLabel(v.signLine())
	var celebrate fyne.CanvasObject
	if len(p.Wins) > 0 {
		w := p.Wins[len(p.Wins)-1]
		if now.Sub(w.Added) < 45*24*time.Hour {
			celebrate = widget.NewCard("Recent win", "", wrapLabel(fmt.Sprintf("🎉 Well done! %s (%s, %s)", w.Text, v.name(w.By), w.Date)))
		}
	}

	activity := container.NewVBox()
	if hist, err := v.u.ws.History(v.id); err == nil {
		for i, a := range hist {
			if i == 8 {
				break
			}
			activity.Add(truncLabel(fmt.Sprintf("%s %s · %s", a.Who, a.What, ago(now, a.When))))
		}
	}

	left := container.NewVBox(next)
	if celebrate != nil {
		left.Add(celebrate)
	}
	if card := v.presenceCard(now); card != nil {
		left.Add(card)
	}
	if card := v.cohortCard(); card != nil {
		left.Add(card)
	}
	left.Add(widget.NewCard("Open action items", "", actions))
	left.Add(widget.NewCard("Agreement", "", agreement))
	right := container.NewVBox(widget.NewCard("Goals", "", goals), widget.NewCard("Recent activity", "", activity))
	v.overview.Objects = []fyne.CanvasObject{container.NewGridWithColumns(2, left, right)}
	v.overview.Refresh()
}

// reminders lets the member snooze or turn off this pair's check-in
// reminders; the setting stays on this computer.
func (v *pairView) reminders() fyne.CanvasObject { return v.u.remindersSelect(v.id) }

// remindersSelect snoozes or turns off the reminders of a pair or of a
// cohort's events.
func (u *UI) remindersSelect(id string) fyne.CanvasObject {
	const on, week, off = "Reminders on", "Snoozed for a week", "Reminders off"
	sel := widget.NewSelect([]string{on, week, off}, nil)
	meta, _ := u.ws.Meta(id)
	switch {
	case meta.NudgesOff:
		sel.SetSelected(off)
	case meta.SnoozeUntil != "" && meta.SnoozeUntil > u.now().Format(mentoring.DateLayout):
		sel.SetSelected(week)
	default:
		sel.SetSelected(on)
	}
	sel.OnChanged = func(s string) {
		days := 0
		if s == week {
			days = 7
		}
		desc, err := u.ws.SetNudges(id, s != off, days, u.now())
		if err != nil {
			u.showError(err)
			return
		}
		u.saved.SetText(desc)
	}
	return container.NewGridWrap(fyne.NewSize(210, sel.MinSize().Height), sel)
}

func (v *pairView) signLine() string {
	a := v.p.Agreement
	switch a.SignState(v.me) {
	case mentoring.Signed:
		for _, m := range v.p.Members {
			if m.ID != v.me && a.SignState(m.ID) != mentoring.Signed {
				return fmt.Sprintf("You signed; %s has not signed this version yet.", m.Name)
			}
		}
		return "Signed by both of you."
	case mentoring.SignedEarlier:
		return "The agreement changed since you signed: review it and sign again."
	}
	return "You have not signed the agreement yet."
}

func wrapLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func truncLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

// cohortCard shows the cohort the pair reports to, if any, with its next
// event.
func (v *pairView) cohortCard() fyne.CanvasObject {
	cohort := v.p.Cohort
	if cohort == "" {
		return nil
	}
	pr, err := v.u.ws.Programme(cohort)
	if errors.Is(err, workspace.ErrUnknownCohort) {
		return widget.NewCard("Cohort", "", wrapLabel("Your partner put this pair in a cohort that you have not joined: its manager sees the pair's rhythm, signatures and goal counts, never what you write."))
	}
	if err != nil {
		return widget.NewCard("Cohort", "", wrapLabel("This pair reports to a cohort that has not arrived yet; it syncs when you are online."))
	}
	text := fmt.Sprintf("Part of %s, run by %s. %s sees this pair's rhythm, signatures and goal counts, never what you write.", pr.Title, pr.Manager, pr.Manager)
	if e, ok := pr.NextEvent(v.u.now()); ok {
		text += fmt.Sprintf("\nNext cohort event: %s, %s.", e.Title, e.When(v.u.now().Location()))
	}
	open := widget.NewButtonWithIcon("Open cohort", theme.AccountIcon(), func() { v.u.openCohort(cohort) })
	leave := widget.NewButton("Leave", func() {
		dialog.ShowConfirm("Leave the cohort", fmt.Sprintf("Stop reporting this pair to %s? Its manager will no longer see it.", pr.Title), func(ok bool) {
			if !ok {
				return
			}
			if err := v.u.ws.UnlinkPair(v.id); err != nil {
				v.u.showError(err)
				return
			}
			v.buildOverview()
		}, v.u.win)
	})
	return widget.NewCard("Cohort", "", container.NewVBox(wrapLabel(text), container.NewHBox(open, leave)))
}
