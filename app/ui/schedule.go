package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
)

// meetingLengths are the lengths the Schedule dialog offers, named as the
// cohort event dialog names them.
var meetingLengths = []struct {
	label   string
	minutes int
}{{"15 minutes", 15}, {"30 minutes", 30}, {"45 minutes", 45}, {"1 hour", 60}, {"1½ hours", 90}, {"2 hours", 120}}

// slotDays is how far ahead "Find a time" looks.
const slotDays = 14

// scheduleForm is the dialog that schedules a check-in, or moves one.
type scheduleForm struct {
	v      *pairView
	moving *mentoring.Meeting // the meeting being moved; nil for a new one

	date    *widget.DateEntry
	clock   *widget.SelectEntry
	zone    *widget.SelectEntry
	length  *widget.Select
	channel *widget.Select
	link    *widget.Entry
	agenda  *widget.Entry
	when    *widget.Label // the chosen time in both members' zones
	warn    *widget.Label // the time is outside the partner's hours, or past
	slots   []mentoring.Slot
	slotMsg *widget.Label
	list    *widget.List
	errs    *formError
	dlg     *dialog.CustomDialog
}

// scheduleDialog opens the dialog that schedules a new check-in.
func (v *pairView) scheduleDialog() { newScheduleForm(v, nil).show() }

// rescheduleDialog opens the same dialog on a meeting, to move it.
func (v *pairView) rescheduleDialog(m mentoring.Meeting) { newScheduleForm(v, &m).show() }

func newScheduleForm(v *pairView, moving *mentoring.Meeting) *scheduleForm {
	f := &scheduleForm{v: v, moving: moving, errs: newFormError()}
	f.date = widget.NewDateEntry()
	f.clock = widget.NewSelectEntry(nil)
	f.clock.SetPlaceHolder("HH:MM")
	f.zone = widget.NewSelectEntry(f.zoneChoices())
	f.zone.SetPlaceHolder("e.g. Europe/Lisbon")
	labels := make([]string, len(meetingLengths))
	for i, l := range meetingLengths {
		labels[i] = l.label
	}
	f.length = widget.NewSelect(labels, nil)
	f.channel = widget.NewSelect(mentoring.Channels, nil)
	f.link = widget.NewEntry()
	f.link.SetPlaceHolder("https://… or a phone number")
	f.agenda = widget.NewMultiLineEntry()
	f.agenda.Wrapping = fyne.TextWrapWord
	f.agenda.SetPlaceHolder("What you want to talk about")
	f.agenda.SetMinRowsVisible(3)
	f.when = wrapLabel("")
	f.when.TextStyle.Bold = true
	f.warn = wrapLabel("")
	f.warn.Importance = widget.WarningImportance
	f.warn.Hide()
	f.slotMsg = wrapLabel("")
	f.list = widget.NewList(
		func() int { return len(f.slots) },
		func() fyne.CanvasObject {
			mine := truncLabel("")
			mine.TextStyle.Bold = true
			theirs := truncLabel("")
			theirs.SizeName = theme.SizeNameCaptionText
			return container.NewVBox(mine, theirs)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			s := f.slots[i]
			mine, theirs, _ := strings.Cut(mentoring.SpanTimes(f.v.p, s.Start, s.End, f.v.me, f.loc()), " · ")
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(mine)
			box.Objects[1].(*widget.Label).SetText(theirs)
		},
	)
	f.list.OnSelected = func(i widget.ListItemID) {
		if i < len(f.slots) {
			f.use(f.slots[i].Start)
		}
		f.list.Unselect(i) // the same slot can be picked again after a change
	}
	f.fill()
	f.date.OnChanged = func(*time.Time) { f.update() }
	f.clock.OnChanged = func(string) { f.offerTimes(); f.update() }
	f.zone.OnChanged = func(string) { f.update() }
	f.length.OnChanged = func(string) { f.findSlots(); f.update() }
	f.offerTimes()
	f.findSlots()
	f.update()
	return f
}

// offerTimes lists the quarter hours around the chosen time: the whole
// day's 96 would fill the screen and open at midnight. Another time is
// typed, or reached a step at a time.
func (f *scheduleForm) offerTimes() {
	t, err := time.Parse("15:04", strings.TrimSpace(f.clock.Text))
	if err != nil {
		t = time.Date(0, 1, 1, 9, 0, 0, 0, time.UTC)
	}
	from := t.Truncate(15 * time.Minute).Add(-90 * time.Minute)
	var times []string
	for i := 0; i <= 12; i++ {
		times = append(times, from.Add(time.Duration(i)*15*time.Minute).Format("15:04"))
	}
	f.clock.SetOptions(times)
}

// loc is the viewer's zone when the agreement gives none.
func (f *scheduleForm) loc() *time.Location { return f.v.u.now().Location() }

// zoneChoices are the members' zones and this machine's, then the common
// ones.
func (f *scheduleForm) zoneChoices() []string {
	var out []string
	seen := map[string]bool{}
	add := func(z string) {
		if z != "" && !seen[z] {
			seen[z] = true
			out = append(out, z)
		}
	}
	add(mentoring.ZoneNameOf(f.v.p, f.v.me))
	for _, m := range f.v.p.Members {
		add(m.TimeZone)
	}
	add(mentoring.LocalZoneName())
	for _, z := range commonZones {
		add(z)
	}
	return out
}

// fill puts the meeting being moved in the fields, or for a new one the
// first time inside both members' hours, else tomorrow at the next hour.
func (f *scheduleForm) fill() {
	if m := f.moving; m != nil {
		day, clock, _ := strings.Cut(m.Local, " ")
		if t, err := time.Parse(mentoring.DateLayout, day); err == nil {
			f.date.SetDate(&t)
		}
		f.clock.SetText(clock)
		f.zone.SetText(m.Zone)
		f.setLength(m.Minutes)
		return
	}
	f.setLength(mentoring.DefaultMeetingMinutes)
	f.channel.SetSelected("video")
	loc := mentoring.MemberZone(f.v.p, f.v.me, f.loc())
	now := f.v.u.now().In(loc)
	start := time.Date(now.Year(), now.Month(), now.Day()+1, now.Hour()+1, 0, 0, 0, loc)
	if res, err := mentoring.FindSlots(f.v.p, f.v.u.now(), slotDays, time.Duration(f.minutes())*time.Minute, 1); err == nil && len(res.Found) > 0 {
		start = res.Found[0].Start
	}
	f.use(start)
}

// setLength selects minutes in the length choice, adding it if the
// meeting was set to a length the dialog does not offer.
func (f *scheduleForm) setLength(minutes int) {
	for _, l := range meetingLengths {
		if l.minutes == minutes {
			f.length.SetSelected(l.label)
			return
		}
	}
	label := lengthLabel(time.Duration(minutes) * time.Minute)
	f.length.Options = append(f.length.Options, label)
	f.length.SetSelected(label)
}

// minutes is the chosen length.
func (f *scheduleForm) minutes() int {
	for _, l := range meetingLengths {
		if l.label == f.length.Selected {
			return l.minutes
		}
	}
	var n int
	if _, err := fmt.Sscanf(f.length.Selected, "%d minutes", &n); err == nil {
		return n
	}
	return mentoring.DefaultMeetingMinutes
}

// use fills date, time and zone with start in the viewer's zone.
func (f *scheduleForm) use(start time.Time) {
	loc := mentoring.MemberZone(f.v.p, f.v.me, f.loc())
	// A slot may start at any minute (now, when now is inside both
	// hours): the time offered is the next quarter hour.
	if r := start.Truncate(15 * time.Minute); r.Before(start) {
		start = r.Add(15 * time.Minute)
	}
	s := start.In(loc)
	day := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, time.UTC)
	f.date.SetDate(&day)
	f.clock.SetText(s.Format("15:04"))
	f.zone.SetText(locName(loc))
	f.update()
}

// locName is the IANA name of loc; "Local" (no name known) is this
// machine's zone by name.
func locName(loc *time.Location) string {
	if n := loc.String(); n != "Local" && n != "" {
		return n
	}
	return mentoring.LocalZoneName()
}

// input reads the fields: the wall time, its zone and the length.
func (f *scheduleForm) input() (at, zone string, instant time.Time, err error) {
	day, err := pickedDate(f.date)
	if err != nil {
		return "", "", time.Time{}, err
	}
	if day == "" {
		return "", "", time.Time{}, mentoring.Invalidf("pick the day from the calendar beside Date")
	}
	clock, err := time.Parse("15:04", strings.TrimSpace(f.clock.Text))
	if err != nil {
		return "", "", time.Time{}, mentoring.Invalidf("write the time as HH:MM, such as 17:30, or pick one from the list")
	}
	zone = strings.TrimSpace(f.zone.Text)
	if _, err := mentoring.LoadZone(zone); err != nil {
		return "", "", time.Time{}, err
	}
	at = day + " " + clock.Format("15:04")
	instant, err = mentoring.ParseWallTime(at, zone)
	return at, zone, instant, err
}

// update says when the chosen time is for both members, and warns when it
// is outside the partner's hours or has passed.
func (f *scheduleForm) update() {
	_, _, start, err := f.input()
	f.warn.Hide()
	if err != nil {
		f.when.SetText("")
		f.warn.SetText(explain(err))
		f.warn.Show()
		return
	}
	mins := f.minutes()
	f.when.SetText(mentoring.SpanTimes(f.v.p, start, start.Add(time.Duration(mins)*time.Minute), f.v.me, f.loc()))
	if start.Before(f.v.u.now()) {
		f.warn.SetText("That time has passed: pick one still to come.")
		f.warn.Show()
	} else if msg, outside := mentoring.OutsidePartnerHours(f.v.p, f.v.me, start, mins); outside {
		f.warn.SetText(msg)
		f.warn.Show()
	}
}

// findSlots lists the times inside both members' hours over the next
// slotDays days, long enough for the chosen length; or says why there are
// none.
func (f *scheduleForm) findSlots() {
	f.slots = nil
	res, err := mentoring.FindSlots(f.v.p, f.v.u.now(), slotDays, time.Duration(f.minutes())*time.Minute, 0)
	switch {
	case err != nil:
		f.slotMsg.SetText(explain(err))
	case len(res.Found) == 0:
		f.slotMsg.SetText(res.Closest)
	default:
		f.slots = res.Found
		f.slotMsg.SetText(fmt.Sprintf("When both of you are free in the next %d days, from your contact hours. Pick one to use it.", slotDays))
	}
	f.list.Refresh()
}

func (f *scheduleForm) show() {
	title, action := "Schedule a check-in", "Schedule"
	if f.moving != nil {
		title, action = "Move the check-in", "Move it"
	}
	var length, channel, link, agenda fyne.CanvasObject = f.length, f.channel, f.link, f.agenda
	if m := f.moving; m != nil {
		// Moving changes the time only: the rest is shown as it was set.
		length, channel, link, agenda = widget.NewLabel(f.length.Selected), widget.NewLabel(orNone(m.Channel)), truncLabel(orNone(m.Link)), wrapLabel(orNone(m.Agenda))
	}
	form := widget.NewForm(
		widget.NewFormItem("Date", f.date),
		widget.NewFormItem("Time", f.clock),
		widget.NewFormItem("Time zone", f.zone),
		widget.NewFormItem("Length", length),
		widget.NewFormItem("", container.NewVBox(f.when, f.warn)),
		widget.NewFormItem("Channel", channel),
		widget.NewFormItem("Link", link),
		widget.NewFormItem("Agenda", agenda),
	)
	left := container.NewVBox(form)
	if f.moving != nil {
		left.Add(wrapLabel("Moving changes the time only: the length, channel, link and agenda stay as they are."))
	}
	left.Add(f.errs.label)
	find := widget.NewLabelWithStyle("Find a time", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	right := container.NewBorder(container.NewVBox(find, f.slotMsg), nil, nil, nil, f.list)
	content := container.NewGridWithColumns(2, container.NewVScroll(left), right)

	ok := widget.NewButtonWithIcon(action, theme.ConfirmIcon(), f.submit)
	ok.Importance = widget.HighImportance
	f.dlg = dialog.NewCustomWithoutButtons(title, content, f.v.u.win)
	f.dlg.SetButtons([]fyne.CanvasObject{widget.NewButton("Cancel", func() { f.dlg.Hide() }), ok})
	f.dlg.Resize(fyne.NewSize(960, 600))
	f.dlg.Show()
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "none"
	}
	return s
}

// submit schedules or moves the meeting; a refusal is said in the dialog,
// which keeps what was entered.
func (f *scheduleForm) submit() {
	at, zone, _, err := f.input()
	if err != nil {
		f.errs.show(err)
		return
	}
	if m := f.moving; m != nil && at == m.Local && zone == m.Zone {
		f.errs.show(mentoring.Invalidf("the check-in is at that time already: pick another"))
		return
	}
	now := f.v.u.now()
	_, err = f.v.u.tryEdit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		if f.moving != nil {
			return mentoring.RescheduleMeeting(p, me, f.moving.ID, at, zone, now)
		}
		return mentoring.ScheduleMeeting(p, me, mentoring.MeetingInput{
			At: at, Zone: zone, Minutes: f.minutes(), Channel: f.channel.Selected, Link: f.link.Text, Agenda: f.agenda.Text,
		}, now)
	})
	if err != nil {
		f.errs.show(err)
		return
	}
	f.dlg.Hide()
	f.v.refresh()
}
