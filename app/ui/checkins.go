package ui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
)

// checkinsView is the check-in log, newest first, with the selected
// check-in's notes, action items and feedback.
type checkinsView struct {
	v       *pairView
	content fyne.CanvasObject
	list    *widget.List
	order   []mentoring.Checkin // newest first
	sel     string
	dirty   bool

	detail        *fyne.Container
	empty         fyne.CanvasObject
	heading       *widget.Label
	agenda, notes *field
	actions       *fyne.Container
	actionText    *widget.Entry
	actionDue     *widget.Entry
	feedback      *fyne.Container
	rating        *widget.Select
	comment       *widget.Entry
	meetings      *fyne.Container // the scheduled check-ins, above the log
}

var ratingNames = []string{"1 — poor", "2 — so-so", "3 — fine", "4 — good", "5 — excellent"}

func newCheckinsView(v *pairView) *checkinsView {
	c := &checkinsView{v: v}
	c.list = widget.NewList(
		func() int { return len(c.order) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(c.line(c.order[i])) },
	)
	c.list.OnSelected = func(i widget.ListItemID) {
		if i < len(c.order) && c.order[i].ID != c.sel {
			if c.dirty {
				c.save()
			}
			c.sel, c.dirty = c.order[i].ID, false
			c.refresh()
		}
	}
	c.heading = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.agenda = newField(true, "What you planned to talk about", &c.dirty)
	c.notes = newField(true, "Shared notes: what you discussed, what you decided", &c.dirty)
	c.notes.entry.SetMinRowsVisible(6)
	save := widget.NewButtonWithIcon("Save notes", theme.DocumentSaveIcon(), c.save)
	save.Importance = widget.HighImportance
	c.actions = container.NewVBox()
	c.actionText, c.actionDue = widget.NewEntry(), widget.NewEntry()
	c.actionText.SetPlaceHolder("New action item (you own it)")
	c.actionDue.SetPlaceHolder("due YYYY-MM-DD")
	addAction := widget.NewButtonWithIcon("Add", theme.ContentAddIcon(), c.addAction)
	c.feedback = container.NewVBox()
	c.rating = widget.NewSelect(ratingNames, nil)
	c.rating.PlaceHolder = "Rate this check-in"
	c.comment = widget.NewEntry()
	c.comment.SetPlaceHolder("One sentence of feedback for your partner")
	rate := widget.NewButtonWithIcon("Send feedback", theme.MailSendIcon(), c.rate)
	c.detail = container.NewVBox(
		c.heading,
		widget.NewForm(widget.NewFormItem("Agenda", c.agenda.entry), widget.NewFormItem("Notes", c.notes.entry)),
		container.NewHBox(save, rasaButton(v.u)),
		widget.NewCard("Action items", "", container.NewVBox(c.actions, container.NewBorder(nil, nil, nil, container.NewHBox(dateBox(c.actionDue), addAction), c.actionText))),
		widget.NewCard("Feedback", "Each of you rates the check-in; both see the trend.", container.NewVBox(c.feedback, container.NewBorder(nil, nil, c.rating, rate, c.comment))),
	)
	c.empty = container.NewCenter(widget.NewLabel("No check-ins yet. Log your first meeting with “New check-in”."))
	add := widget.NewButtonWithIcon("New check-in", theme.ContentAddIcon(), c.add)
	split := container.NewHSplit(container.NewBorder(nil, add, nil, nil, c.list), container.NewStack(container.NewVScroll(container.NewPadded(c.detail)), c.empty))
	split.Offset = 0.33
	c.meetings = container.NewVBox()
	c.content = container.NewBorder(container.NewVBox(container.NewPadded(c.meetings), widget.NewSeparator()), nil, nil, nil, split)
	return c
}

func (c *checkinsView) line(ci mentoring.Checkin) string {
	s := ci.Date
	if ci.Channel != "" {
		s += " · " + ci.Channel
	}
	if len(ci.Feedback) > 0 {
		sum := 0
		for _, f := range ci.Feedback {
			sum += f.Rating
		}
		s += fmt.Sprintf(" · ★ %.1f", float64(sum)/float64(len(ci.Feedback)))
	}
	return s
}

func (c *checkinsView) refresh() {
	all := c.v.p.Checkins
	c.order = make([]mentoring.Checkin, len(all))
	for i, ci := range all {
		c.order[len(all)-1-i] = ci
	}
	c.list.Refresh()
	c.v.meetingsSection(c.meetings)
	ci, ok := c.v.p.Checkin(c.sel)
	if !ok && len(c.order) > 0 {
		c.sel, c.dirty = c.order[0].ID, false
		ci, ok = c.order[0], true
	}
	if !ok {
		c.detail.Hide()
		c.empty.Show()
		return
	}
	c.empty.Hide()
	c.detail.Show()
	for i, x := range c.order {
		if x.ID == c.sel {
			c.list.Select(i)
		}
	}
	head := "Check-in of " + ci.Date
	if ci.Channel != "" {
		head += " by " + ci.Channel
	}
	if ci.Minutes > 0 {
		head += fmt.Sprintf(", %d minutes", ci.Minutes)
	}
	c.heading.SetText(head + " · logged by " + c.v.name(ci.AddedBy))
	if !c.dirty {
		c.agenda.load(ci.Agenda)
		c.notes.load(ci.Notes)
		c.dirty = false
	}
	c.actions.Objects = nil
	for _, a := range ci.Actions {
		a := a
		label := a.Text
		if a.Owner != "" {
			label += " — " + c.v.name(a.Owner)
		}
		if a.Due != "" {
			label += ", due " + a.Due
		}
		check := widget.NewCheck(label, nil)
		check.SetChecked(a.Done)
		check.OnChanged = func(done bool) {
			if _, ok := c.v.u.edit(func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
				return mentoring.SetActionDone(p, c.sel, a.ID, done)
			}); ok {
				c.v.refresh()
			}
		}
		c.actions.Add(check)
	}
	c.actions.Refresh()
	c.feedback.Objects = nil
	mine := false
	for _, f := range ci.Feedback {
		line := fmt.Sprintf("%s: %s", c.v.name(f.Member), strings.Repeat("★", f.Rating)+strings.Repeat("☆", 5-f.Rating))
		if f.Comment != "" {
			line += " — " + f.Comment
		}
		c.feedback.Add(wrapLabel(line))
		if f.Member == c.v.me {
			mine = true
			c.rating.SetSelected(ratingNames[f.Rating-1])
			c.comment.SetText(f.Comment)
		}
	}
	if !mine {
		c.rating.ClearSelected()
		c.comment.SetText("")
	}
	c.feedback.Refresh()
}

func (c *checkinsView) save() {
	if _, ok := c.v.p.Checkin(c.sel); !ok {
		return
	}
	_, ok := c.v.u.edit(func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
		cur, _ := p.Checkin(c.sel)
		agenda, notes := c.agenda.rebased(cur.Agenda), c.notes.rebased(cur.Notes)
		if agenda == nil && notes == nil {
			return mentoring.Edit{}, mentoring.Invalidf("nothing to save: the notes are unchanged")
		}
		return mentoring.CheckinText(p, c.sel, agenda, notes)
	})
	if ok {
		c.dirty = false
		c.v.refresh()
	}
}

func (c *checkinsView) addAction() {
	if _, ok := c.v.u.edit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.AddAction(p, c.sel, mentoring.ActionInput{Text: c.actionText.Text, Owner: me, Due: c.actionDue.Text}, c.v.u.now())
	}); ok {
		c.actionText.SetText("")
		c.actionDue.SetText("")
		c.v.refresh()
	}
}

func (c *checkinsView) rate() {
	if c.rating.SelectedIndex() < 0 {
		c.v.u.showError(mentoring.Invalidf("choose a rating from 1 to 5 first"))
		return
	}
	rating := c.rating.SelectedIndex() + 1
	if _, ok := c.v.u.edit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.Rate(p, c.sel, me, rating, c.comment.Text, c.v.u.now())
	}); ok {
		c.v.refresh()
	}
}

// add opens the new check-in form, with today's date filled in.
func (c *checkinsView) add() {
	c.addFrom("New check-in", mentoring.CheckinInput{Date: c.v.u.now().Format(mentoring.DateLayout), Channel: "video"})
}

// addFrom opens the check-in form filled in from prefill; a check-in
// logged from a scheduled meeting (prefill.Meeting) is linked to it.
func (c *checkinsView) addFrom(title string, prefill mentoring.CheckinInput) {
	date := widget.NewEntry()
	date.SetText(prefill.Date)
	channel := widget.NewSelect(mentoring.Channels, nil)
	channel.SetSelected(prefill.Channel)
	minutes := widget.NewEntry()
	minutes.SetPlaceHolder("45")
	if prefill.Minutes > 0 {
		minutes.SetText(strconv.Itoa(prefill.Minutes))
	}
	agenda := widget.NewMultiLineEntry()
	agenda.SetText(prefill.Agenda)
	notes := widget.NewMultiLineEntry()
	notes.SetMinRowsVisible(5)
	actions := widget.NewMultiLineEntry()
	actions.SetPlaceHolder("One action item per line")
	items := []*widget.FormItem{
		widget.NewFormItem("Date", date), widget.NewFormItem("Channel", channel), widget.NewFormItem("Minutes", minutes),
		widget.NewFormItem("Agenda", agenda), widget.NewFormItem("Notes", notes), widget.NewFormItem("Action items", actions),
	}
	d := dialog.NewForm(title, "Log it", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		mins := 0
		if minutes.Text != "" {
			var err error
			if mins, err = strconv.Atoi(strings.TrimSpace(minutes.Text)); err != nil {
				c.v.u.showError(mentoring.Invalidf("minutes is a number, such as 45"))
				return
			}
		}
		in := mentoring.CheckinInput{Date: date.Text, Channel: channel.Selected, Minutes: mins, Agenda: agenda.Text, Notes: notes.Text, Meeting: prefill.Meeting}
		id, done := c.v.u.edit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			for _, line := range strings.Split(actions.Text, "\n") {
				if strings.TrimSpace(line) != "" {
					in.Actions = append(in.Actions, mentoring.ActionInput{Text: line, Owner: me})
				}
			}
			return mentoring.AddCheckin(p, me, in, c.v.u.now())
		})
		if done {
			c.sel, c.dirty = id, false
			c.v.refresh()
			c.v.tabs.SelectIndex(tabCheckins)
		}
	}, c.v.u.win)
	d.Resize(fyne.NewSize(560, 520))
	d.Show()
}
