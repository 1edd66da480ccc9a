package ui

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
)

// cohortView is a cohort's page: for its manager the health of every pair,
// the calendar, resources and roster, all editable; for a member the
// calendar and resources, and their own pairs' reports.
type cohortView struct {
	u       *UI
	id      string
	manager bool
	content fyne.CanvasObject
	tabs    *container.AppTabs

	title, sub                          *widget.Label
	pairs, events, resources, rosterBox *fyne.Container
}

func newCohortView(u *UI, id string) *cohortView {
	c := &cohortView{u: u, id: id}
	meta, _ := u.ws.Meta(id)
	c.manager = !meta.ReadOnly()
	c.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.title.SizeName = theme.SizeNameSubHeadingText
	c.sub = widget.NewLabel("")
	calendar := widget.NewButtonWithIcon("Add to calendar", theme.CalendarIcon(), func() { u.exportCohortAs(id, "ics") })
	buttons := container.NewHBox(calendar, u.remindersSelect(id))
	if c.manager {
		// Inviting is the manager's: the roster is theirs to keep.
		buttons.Objects = append([]fyne.CanvasObject{widget.NewButtonWithIcon("Invite members", theme.MailSendIcon(), func() { u.cohortInviteDialog(id) })}, buttons.Objects...)
		buttons.Add(widget.NewButtonWithIcon("Export health", theme.DocumentSaveIcon(), func() { u.exportCohortAs(id, "csv") }))
	} else {
		buttons.Add(widget.NewButtonWithIcon("Link a pair", theme.ContentAddIcon(), func() { u.linkPairDialog(id) }))
	}
	buttons.Add(widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { u.removeDialog(id, "cohort") }))
	// The buttons go under the title, not beside it: beside a long cohort
	// name they would widen the window.
	c.title.Truncation = fyne.TextTruncateEllipsis
	c.sub.Wrapping = fyne.TextWrapWord
	header := container.NewVBox(c.title, c.sub, buttons)

	c.pairs, c.events, c.resources, c.rosterBox = container.NewVBox(), container.NewVBox(), container.NewVBox(), container.NewVBox()
	pad := func(o fyne.CanvasObject) fyne.CanvasObject { return container.NewVScroll(container.NewPadded(o)) }
	pairsLabel := "Pairs"
	if !c.manager {
		pairsLabel = "Your pairs"
	}
	c.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(pairsLabel, theme.AccountIcon(), pad(c.pairs)),
		container.NewTabItemWithIcon("Events", theme.CalendarIcon(), pad(c.events)),
		container.NewTabItemWithIcon("Resources", theme.FolderOpenIcon(), pad(c.resources)),
	)
	if c.manager {
		c.tabs.Append(container.NewTabItemWithIcon("Roster", theme.ListIcon(), pad(c.rosterBox)))
	}
	c.content = container.NewBorder(container.NewPadded(header), nil, nil, nil, c.tabs)
	c.refresh()
	return c
}

// refresh re-reads the cohort and rebuilds its tabs.
func (c *cohortView) refresh() {
	pr, err := c.u.ws.Programme(c.id)
	if err != nil {
		c.title.SetText("Waiting for the cohort to arrive")
		c.sub.SetText(explain(err))
		return
	}
	c.title.SetText(pr.Title)
	role := "You run this cohort."
	if !c.manager {
		role = "Run by " + pr.Manager + "."
	}
	if e, ok := pr.NextEvent(c.u.now()); ok {
		role += fmt.Sprintf(" Next: %s, %s.", e.Title, e.When(c.u.now().Location()))
	}
	c.sub.SetText(role)
	c.buildPairs(pr)
	c.buildEvents(pr)
	c.buildResources(pr)
	if c.manager {
		c.buildRoster(pr)
	}
}

func (c *cohortView) buildPairs(pr *mentoring.Programme) {
	c.pairs.Objects = nil
	b, err := c.u.ws.Board(c.id)
	if err != nil {
		c.pairs.Add(wrapLabel("The cohort's board has not arrived yet: it syncs from the relay as soon as this computer is online."))
		c.pairs.Refresh()
		return
	}
	today := c.u.now()
	mentoring.ByAttention(b.Reports, today)
	for _, r := range b.Reports {
		c.pairs.Add(healthCard(r, today))
	}
	if len(b.Reports) == 0 {
		msg := "No pair reports to this cohort yet. Members join with the cohort's invite code and link their pair; then its rhythm and progress appear here."
		if !c.manager {
			msg = "None of your pairs reports to this cohort yet: use Link a pair. The manager then sees its rhythm, signatures and goal counts — never what you write."
		}
		c.pairs.Add(wrapLabel(msg))
	}
	if c.manager {
		for _, p := range mentoring.NotJoined(pr, b) {
			c.pairs.Add(truncLabel(fmt.Sprintf("%s (%s) is on the roster but not in a linked pair yet", p.Name, p.Role)))
		}
	}
	c.pairs.Refresh()
}

// healthCard shows one pair's report: rhythm, agreement and progress.
func healthCard(r mentoring.Report, today time.Time) fyne.CanvasObject {
	rh := r.Rhythm(today)
	icon := theme.ConfirmIcon()
	switch {
	case r.Closed:
		icon = theme.MediaStopIcon()
	case rh.State == mentoring.Overdue || rh.State == mentoring.Stalled || quiet(r, today):
		icon = theme.WarningIcon()
	case rh.State != mentoring.OnTrack:
		icon = theme.InfoIcon()
	}
	bar := widget.NewProgressBar()
	bar.SetValue(float64(r.Progress) / 100)
	goals := fmt.Sprintf("%d of %d goals achieved", r.Achieved, r.Goals)
	body := container.NewVBox(
		container.NewBorder(nil, nil, widget.NewIcon(icon), nil, truncLabel(sentence(r.State(today)))),
		truncLabel(fmt.Sprintf("Agreement %s · %d check-ins · last contact %s", r.Agreement(), r.Checkins, r.LastContact)),
		container.NewBorder(nil, nil, nil, widget.NewLabel(goals), bar),
	)
	if heard := r.HeardText(today); heard != "" {
		// From inside the pair, signed by the members' devices: a pair
		// whose apps went quiet may be one the relay holds changes back from.
		body.Add(truncLabel("Apps last synced: " + heard))
	}
	return widget.NewCard(r.Title, r.People(), body)
}

// quiet reports whether a pair's report says one of its members' apps has
// not synced for mentoring.QuietAfter or more.
func quiet(r mentoring.Report, today time.Time) bool {
	_, days, ok := r.Quietest(today)
	return ok && !r.Closed && days >= int(mentoring.QuietAfter/(24*time.Hour))
}

// addButton puts the manager's button for adding to a tab at its top.
func (c *cohortView) addButton(tab *fyne.Container, label string, tapped func()) {
	if !c.manager {
		return
	}
	add := widget.NewButtonWithIcon(label, theme.ContentAddIcon(), tapped)
	add.Importance = widget.HighImportance
	tab.Add(container.NewHBox(add))
}

func (c *cohortView) buildResources(pr *mentoring.Programme) {
	c.resources.Objects = nil
	c.addButton(c.resources, "Share a resource", func() { c.u.resourceDialog(c.id) })
	if len(pr.Resources) == 0 {
		c.resources.Add(wrapLabel("No resources shared yet."))
	}
	for _, r := range pr.Resources {
		row := container.NewVBox()
		if u, err := url.Parse(r.Link); err == nil && r.Link != "" {
			row.Add(widget.NewHyperlink(r.Title, u))
		} else {
			row.Add(widget.NewLabelWithStyle(r.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		}
		if r.Note != "" {
			row.Add(wrapLabel(r.Note))
		}
		if c.manager {
			id := r.ID
			row.Add(container.NewHBox(widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), func() {
				c.u.cohortEdit(c.id, func(pr *mentoring.Programme) (mentoring.Edit, error) { return mentoring.RemoveResource(pr, id) })
			})))
		}
		c.resources.Add(row)
		c.resources.Add(widget.NewSeparator())
	}
	c.resources.Refresh()
}

func (c *cohortView) buildRoster(pr *mentoring.Programme) {
	c.rosterBox.Objects = nil
	name, contact := widget.NewEntry(), widget.NewEntry()
	name.SetPlaceHolder("Name")
	contact.SetPlaceHolder("Email or phone (optional)")
	role := roleSelect("")
	add := widget.NewButtonWithIcon("Add", theme.ContentAddIcon(), func() {
		if c.u.cohortEdit(c.id, func(*mentoring.Programme) (mentoring.Edit, error) {
			return mentoring.AddPerson(name.Text, mentoring.Role(role.Selected), contact.Text)
		}) {
			name.SetText("")
			contact.SetText("")
		}
	})
	c.rosterBox.Add(wrapLabel("Who you expect in this cohort. People whom no linked pair names show on the Pairs tab as not joined yet."))
	c.rosterBox.Add(container.NewBorder(nil, nil, nil, container.NewHBox(role, add), container.NewGridWithColumns(2, name, contact)))
	for _, p := range pr.Roster {
		id := p.ID
		line := fmt.Sprintf("%s (%s)", p.Name, p.Role)
		if p.Contact != "" {
			line += " · " + p.Contact
		}
		remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
			c.u.cohortEdit(c.id, func(pr *mentoring.Programme) (mentoring.Edit, error) { return mentoring.RemovePerson(pr, id) })
		})
		c.rosterBox.Add(container.NewBorder(nil, nil, nil, remove, truncLabel(line)))
	}
	c.rosterBox.Refresh()
}

// cohortEdit applies a change to a cohort's programme and says "Saved".
func (u *UI) cohortEdit(id string, build func(*mentoring.Programme) (mentoring.Edit, error)) bool {
	if _, err := u.ws.EditCohort(id, build); err != nil {
		u.showError(err)
		return false
	}
	u.saved.SetText("Saved " + u.now().Format("15:04:05"))
	return true
}

func (u *UI) newCohortDialog() {
	title, manager, start, end := widget.NewEntry(), widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	title.SetPlaceHolder("e.g. Spring 2027")
	manager.SetText(u.ws.Settings().Name)
	start.SetPlaceHolder("YYYY-MM-DD")
	end.SetPlaceHolder("YYYY-MM-DD")
	errs := newFormError()
	var d dialog.Dialog
	create := widget.NewButtonWithIcon("Start cohort", theme.ConfirmIcon(), func() {
		id, err := u.ws.NewCohort(title.Text, manager.Text, strings.TrimSpace(start.Text), strings.TrimSpace(end.Text))
		if err != nil {
			errs.show(err)
			return
		}
		d.Hide()
		u.reloadCohorts()
		u.openCohort(id)
	})
	create.Importance = widget.HighImportance
	help := wrapLabel("A cohort is a programme you run for several pairs: its events, resources and roster, and each linked pair's rhythm and progress — never what pairs write. With dates, it starts with a kickoff, a mid-point review and a closing event.")
	form := widget.NewForm(widget.NewFormItem("Cohort", title), widget.NewFormItem("Your name", manager),
		widget.NewFormItem("Starts", dateBox(start)), widget.NewFormItem("Ends", dateBox(end)))
	d = dialog.NewCustom("Start a cohort", "Cancel", container.NewVBox(help, form, errs.label, create), u.win)
	d.Resize(fyne.NewSize(520, 420))
	d.Show()
	u.win.Canvas().Focus(title)
}

func (u *UI) resourceDialog(cohort string) {
	title, link, note := widget.NewEntry(), widget.NewEntry(), widget.NewMultiLineEntry()
	link.SetPlaceHolder("https://…")
	errs := newFormError()
	var d dialog.Dialog
	add := widget.NewButtonWithIcon("Share", theme.ConfirmIcon(), func() {
		edit, err := mentoring.AddResource(title.Text, strings.TrimSpace(link.Text), note.Text, u.now())
		if err != nil {
			errs.show(err)
			return
		}
		if u.cohortEdit(cohort, func(*mentoring.Programme) (mentoring.Edit, error) { return edit, nil }) {
			d.Hide()
		}
	})
	add.Importance = widget.HighImportance
	form := widget.NewForm(widget.NewFormItem("Title", title), widget.NewFormItem("Link", link), widget.NewFormItem("Note", note))
	d = dialog.NewCustom("Share a resource", "Cancel", container.NewVBox(form, errs.label, add), u.win)
	d.Resize(fyne.NewSize(520, 360))
	d.Show()
}

func (u *UI) cohortInviteDialog(id string) {
	label := widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Monospace: true, Bold: true})
	label.Wrapping = fyne.TextWrapBreak
	errs := newFormError()
	const memberHelp = "Send this code to the cohort's mentors and mentees. With it they see the cohort's events and resources, and can link their pair so you see its rhythm and progress. It does not let them change the programme."
	const managerHelp = "This code makes a co-manager: whoever joins with it (a colleague, or you on another computer) can change the events, resources and roster, and sees every pair's health. Send it only to them."
	help := wrapLabel(memberHelp)
	var code string
	show := func(manager bool) {
		c, err := u.ws.CohortInvite(id, manager)
		if err != nil {
			errs.show(err)
			return
		}
		code = c
		label.SetText(c)
		help.SetText(memberHelp)
		if manager {
			help.SetText(managerHelp)
		}
	}
	copyBtn := widget.NewButtonWithIcon("Copy code", theme.ContentCopyIcon(), func() {
		u.app.Clipboard().SetContent(code)
		u.saved.SetText("Cohort code copied")
	})
	copyBtn.Importance = widget.HighImportance
	manager := widget.NewCheck("Co-manager (can change the programme)", show)
	show(false)
	d := dialog.NewCustom("Invite to the cohort", "Close", container.NewVBox(help, manager, label, errs.label, container.NewCenter(copyBtn)), u.win)
	d.Resize(fyne.NewSize(620, 400))
	d.Show()
}

// linkPairDialog lets a member put one of their pairs in a cohort.
func (u *UI) linkPairDialog(cohort string) {
	var ids, titles []string
	for _, s := range u.pairs {
		if p, err := u.ws.Pair(s.ID); err == nil && p.Cohort == "" && !s.ReadOnly {
			ids, titles = append(ids, s.ID), append(titles, fmt.Sprintf("%d. %s", len(ids)+1, s.Title))
		}
	}
	if len(ids) == 0 {
		dialog.ShowInformation("Link a pair", "Each of your pairs already reports to a cohort, has not arrived yet, or was joined read-only.", u.win)
		return
	}
	sel := widget.NewSelect(titles, nil)
	sel.SetSelected(titles[0])
	help := wrapLabel("The cohort's manager will see this pair's names, meeting rhythm, whether the agreement is signed, and how many goals are done — never what you write.")
	dialog.ShowCustomConfirm("Link a pair to this cohort", "Link", "Cancel", container.NewVBox(help, sel), func(ok bool) {
		if !ok {
			return
		}
		i := sel.SelectedIndex()
		if i < 0 {
			return
		}
		if err := u.ws.LinkPair(ids[i], cohort); err != nil {
			u.showError(err)
			return
		}
		u.saved.SetText("Linked " + titles[i])
	}, u.win)
}

// exportCohortAs saves a cohort's health table (csv) or calendar (ics).
func (u *UI) exportCohortAs(id, format string) {
	name := "cohort"
	if pr, err := u.ws.Programme(id); err == nil {
		name = fileName(pr.Title)
	}
	if format == "csv" {
		name += " health"
	}
	u.export(name, format, func(w io.Writer) error { return u.ws.ExportCohort(id, format, w) })
}

// openCohort shows a cohort's page in place of a pair.
func (u *UI) openCohort(id string) {
	u.current, u.pv = "", nil
	u.pairList.UnselectAll()
	u.cv = newCohortView(u, id)
	u.main.Objects = []fyne.CanvasObject{u.cv.content}
	u.main.Refresh()
}

func (u *UI) reloadCohorts() {
	list, err := u.ws.Cohorts()
	if err != nil {
		u.showError(err)
		return
	}
	u.cohorts = list
	u.cohortList.Refresh()
	if len(list) == 0 {
		u.cohortList.Hide()
	} else {
		u.cohortList.Show()
	}
}
