package ui

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
)

// commonZones follow this machine's own zone in the event dialog's list,
// roughly east to west; any other zone database name can be typed.
var commonZones = []string{
	"Pacific/Auckland", "Australia/Sydney", "Asia/Tokyo", "Asia/Singapore", "Asia/Kolkata", "Asia/Dubai",
	"Africa/Nairobi", "Europe/Berlin", "Africa/Lagos", "Europe/London", "Europe/Lisbon", "UTC",
	"America/Sao_Paulo", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
}

// eventLengths are the lengths the event dialog offers.
var eventLengths = []struct {
	label   string
	minutes int
}{
	{"15 minutes", 15}, {"30 minutes", 30}, {"45 minutes", 45}, {"1 hour", 60}, {"1½ hours", 90},
	{"2 hours", 120}, {"3 hours", 180}, {"4 hours", 240}, {"6 hours", 360}, {"8 hours", 480},
}

// lengthLabel says how long an event lasts, in the dialog's words where
// it has them.
func lengthLabel(d time.Duration) string {
	m := int(d.Minutes())
	for _, l := range eventLengths {
		if l.minutes == m {
			return l.label
		}
	}
	return fmt.Sprintf("%d minutes", m)
}

// zoneName is the name of the zone this app shows times in, to store
// with a time typed here.
func (u *UI) zoneName() string {
	if n := u.now().Location().String(); n != "Local" && n != "" {
		return n
	}
	return mentoring.LocalZoneName()
}

func (c *cohortView) buildEvents(pr *mentoring.Programme) {
	c.events.Objects = nil
	c.addButton(c.events, "Plan an event", func() { c.u.eventDialog(c.id) })
	if len(pr.Events) == 0 {
		c.events.Add(wrapLabel("No events yet. A good cohort holds at least a kickoff, a mid-point review and a closing event."))
	}
	now := c.u.now()
	for _, e := range pr.Events {
		facts := []string{e.Kind}
		past := e.DayIn(now.Location()) < now.Format(mentoring.DateLayout)
		if s, ok := e.Start(); ok {
			facts = []string{lengthLabel(e.Length()), e.Kind}
			past = !s.Add(e.Length()).After(now)
		}
		if past {
			facts = append(facts, "past")
		}
		body := container.NewVBox(truncLabel(strings.Join(facts, " · ")))
		if u, err := url.Parse(e.JoinURL()); err == nil && e.Link != "" && !past {
			verb := "Join: "
			if u.Scheme == "tel" {
				verb = "Dial in: "
			}
			// Meeting links can be long (a Zoom link with its passcode):
			// cut short, not widening the window.
			link := widget.NewHyperlink(verb+e.Link, u)
			link.Truncation = fyne.TextTruncateEllipsis
			body.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.MediaVideoIcon()), nil, link))
		}
		if e.Details != "" {
			body.Add(wrapLabel(e.Details))
		}
		if c.manager {
			id, title := e.ID, e.Title
			body.Add(container.NewHBox(widget.NewButtonWithIcon("Cancel event", theme.DeleteIcon(), func() {
				dialog.ShowConfirm("Cancel event", fmt.Sprintf("Take %q off the cohort's calendar?", title), func(ok bool) {
					if ok {
						c.u.cohortEdit(c.id, func(pr *mentoring.Programme) (mentoring.Edit, error) { return mentoring.RemoveEvent(pr, id) })
					}
				}, c.u.win)
			})))
		}
		// The subtitle is the time in this member's zone, with the
		// manager's beside it when their clocks differ.
		c.events.Add(widget.NewCard(e.Title, e.When(now.Location()), body))
	}
	c.events.Refresh()
}

// eventForm is the cohort event dialog's fields.
type eventForm struct {
	kind, length *widget.Select
	title, link  *widget.Entry
	details      *widget.Entry
	date         *widget.DateEntry
	at, zone     *widget.SelectEntry
	preview      *widget.Label
}

func newEventForm(zone string) *eventForm {
	f := &eventForm{
		kind: widget.NewSelect(mentoring.EventKinds, nil), title: widget.NewEntry(), date: widget.NewDateEntry(),
		link: widget.NewEntry(), details: widget.NewMultiLineEntry(), preview: wrapLabel(""),
	}
	f.kind.SetSelected("training")
	var times []string
	for m := 8 * 60; m <= 20*60; m += 30 {
		times = append(times, fmt.Sprintf("%02d:%02d", m/60, m%60))
	}
	f.date.SetPlaceHolder("Pick a day")
	f.at = widget.NewSelectEntry(times)
	f.at.SetPlaceHolder("HH:MM (empty: all day)")
	zones := append([]string{zone}, slices.DeleteFunc(slices.Clone(commonZones), func(z string) bool { return z == zone })...)
	f.zone = widget.NewSelectEntry(zones)
	f.zone.SetText(zone)
	var labels []string
	for _, l := range eventLengths {
		labels = append(labels, l.label)
	}
	f.length = widget.NewSelect(labels, nil)
	f.length.SetSelected("1 hour")
	f.link.SetPlaceHolder("https://… or a phone number")
	f.details.SetPlaceHolder("What to prepare")
	return f
}

// pickedDate is the date the date field holds, as YYYY-MM-DD: picked from
// its calendar, typed as this locale writes dates, or typed as YYYY-MM-DD,
// which the field then shows the locale's way so it stops marking it wrong.
func pickedDate(d *widget.DateEntry) (string, error) {
	text := strings.TrimSpace(d.Text)
	switch {
	case text == "":
		return "", nil
	case d.Date != nil && d.Validate() == nil:
		return d.Date.Format(mentoring.DateLayout), nil
	}
	if t, err := time.Parse(mentoring.DateLayout, text); err == nil {
		d.SetDate(&t)
		return text, nil
	}
	return "", mentoring.Invalidf("%q is not a date: pick the day from the calendar beside the field", text)
}

// input is what the form says, for mentoring.AddEvent.
func (f *eventForm) input() (mentoring.EventInput, error) {
	date, err := pickedDate(f.date)
	if err != nil {
		return mentoring.EventInput{}, err
	}
	in := mentoring.EventInput{Kind: f.kind.Selected, Title: f.title.Text, Date: date, Time: strings.TrimSpace(f.at.Text),
		Zone: strings.TrimSpace(f.zone.Text), Link: f.link.Text, Details: f.details.Text}
	if in.Time != "" {
		in.Minutes = eventLengths[max(f.length.SelectedIndex(), 0)].minutes
	}
	return in, nil
}

// showPreview says when the event is in this member's time while the
// manager picks a time in another zone.
func (f *eventForm) showPreview(viewer *time.Location) {
	in, err := f.input()
	if err == nil {
		// Only the time's own checks: a missing title is no reason to
		// hide when the event would be.
		_, err = mentoring.AddEvent(mentoring.EventInput{Kind: "other", Title: "-", Date: in.Date, Time: in.Time, Zone: in.Zone})
	}
	ev := mentoring.Event{Date: in.Date, Time: in.Time, Zone: in.Zone}
	if _, ok := ev.Start(); err != nil || !ok {
		f.preview.SetText("Members see a timed event in their own time zone.")
		return
	}
	f.preview.SetText("For you: " + ev.When(viewer) + ". Members see it in their own time.")
}

func (u *UI) eventDialog(cohort string) {
	f := newEventForm(u.zoneName())
	errs := newFormError()
	preview := func(string) {
		errs.label.Hide() // it was about the time as it was
		f.showPreview(u.now().Location())
	}
	f.at.OnChanged, f.zone.OnChanged = preview, preview
	f.date.OnChanged = func(*time.Time) { preview("") }
	preview("")
	var d dialog.Dialog
	add := widget.NewButtonWithIcon("Plan event", theme.ConfirmIcon(), func() {
		in, err := f.input()
		if err != nil {
			errs.show(err)
			return
		}
		edit, err := mentoring.AddEvent(in)
		if err != nil {
			errs.show(err)
			return
		}
		if u.cohortEdit(cohort, func(*mentoring.Programme) (mentoring.Edit, error) { return edit, nil }) {
			d.Hide()
		}
	})
	add.Importance = widget.HighImportance
	when := container.NewGridWithColumns(2, f.date, f.at)
	form := widget.NewForm(widget.NewFormItem("Kind", f.kind), widget.NewFormItem("Title", f.title),
		widget.NewFormItem("Day and time", when), widget.NewFormItem("Time zone", f.zone),
		widget.NewFormItem("Length", f.length), widget.NewFormItem("Join link", f.link), widget.NewFormItem("Details", f.details))
	d = dialog.NewCustom("Plan an event", "Cancel", container.NewVBox(form, f.preview, errs.label, add), u.win)
	d.Resize(fyne.NewSize(560, 560))
	d.Show()
}
