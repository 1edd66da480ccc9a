package ui

import (
	"fmt"
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

// unloggedDays is how long a meeting that took place keeps offering to log
// its check-in; one older than that was most likely never held.
const unloggedDays = 30

// shownMeetings is how many meetings the check-ins screen lists; the
// calendar file has them all.
const shownMeetings = 3

// listedMeetings are the meetings to act on at now, soonest first: those
// to come or under way, and those that took place in the last unloggedDays
// and are not logged yet.
func listedMeetings(p *mentoring.Pair, now time.Time) []mentoring.Meeting {
	var out []mentoring.Meeting
	for _, m := range p.Meetings {
		if m.Cancelled || m.Checkin != "" || now.Sub(m.End()) > unloggedDays*24*time.Hour {
			continue
		}
		out = append(out, m)
	}
	return out
}

// toLog is the earliest meeting that has taken place and is not logged.
func toLog(p *mentoring.Pair, now time.Time) (mentoring.Meeting, bool) {
	for _, m := range listedMeetings(p, now) {
		if !now.Before(m.End()) {
			return m, true
		}
	}
	return mentoring.Meeting{}, false
}

// meetingTimes says when m is in the viewer's time, with the partner's.
func (v *pairView) meetingTimes(m mentoring.Meeting) string {
	return mentoring.MeetingTimes(v.p, m, v.me, v.u.now().Location())
}

// meetingDetails is the channel, the length and each member's answer:
// "video · 45 minutes · you'll be there · Ben Okafor has not answered".
func (v *pairView) meetingDetails(m mentoring.Meeting) string {
	parts := []string{}
	if m.Channel != "" {
		parts = append(parts, m.Channel)
	}
	parts = append(parts, lengthLabel(time.Duration(m.Minutes)*time.Minute))
	for _, mem := range v.p.Members {
		who, will, cant := mem.Name, " will be there", " can't make it"
		if mem.ID == v.me {
			who, will, cant = "you", "'ll be there", " can't make it"
		}
		switch m.Attendance[mem.ID] {
		case mentoring.Going:
			parts = append(parts, who+will)
		case mentoring.NotGoing:
			parts = append(parts, who+cant)
		default:
			if mem.ID == v.me {
				parts = append(parts, "you have not answered")
			} else {
				parts = append(parts, who+" has not answered")
			}
		}
	}
	return strings.Join(parts, " · ")
}

// joinButton opens the meeting's link, or is nil when it has none.
func (v *pairView) joinButton(m mentoring.Meeting) *widget.Button {
	link := m.JoinURL()
	if link == "" {
		return nil
	}
	b := widget.NewButtonWithIcon("Join", theme.MediaVideoIcon(), func() { v.u.openLink(link) })
	b.Importance = widget.HighImportance
	return b
}

// openLink opens a join link in the browser (or the phone app, for tel:).
// Where the system cannot, the link is shown to copy.
func (u *UI) openLink(link string) {
	addr, err := url.Parse(link)
	if err == nil {
		err = u.app.OpenURL(addr)
	}
	if err == nil {
		return
	}
	u.logf("ui: the system did not open a join link") // the link is the pair's: not logged
	shown := widget.NewLabelWithStyle(link, fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	shown.Wrapping = fyne.TextWrapBreak
	copyLink := widget.NewButtonWithIcon("Copy link", theme.ContentCopyIcon(), func() {
		u.app.Clipboard().SetContent(link)
		u.saved.SetText("Link copied")
	})
	copyLink.Importance = widget.HighImportance
	help := wrapLabel("This computer did not open the link. Copy it into your browser, or call the number from your phone.")
	d := dialog.NewCustom("Join the meeting", "Close", container.NewVBox(help, shown, container.NewCenter(copyLink)), u.win)
	d.Resize(fyne.NewSize(520, 240))
	d.Show()
}

// meetingRow is one listed meeting with what can be done to it now: its
// time and buttons on one line, the details in small print below, so a
// few meetings leave room for the check-in log.
func (v *pairView) meetingRow(m mentoring.Meeting) fyne.CanvasObject {
	now := v.u.now()
	times := truncLabel(v.meetingTimes(m))
	times.TextStyle.Bold = true
	details := v.meetingDetails(m)
	if m.Agenda != "" {
		details += " · Agenda: " + strings.ReplaceAll(m.Agenda, "\n", " ")
	}
	buttons := container.NewHBox()
	ended := !now.Before(m.End())
	if ended {
		details = "Took place: log what you discussed, or say it did not happen."
	} else if join := v.joinButton(m); join != nil {
		buttons.Add(join)
	}
	if !now.Before(m.At) {
		log := widget.NewButton("Log this check-in", func() { v.logMeeting(m) })
		if ended {
			log.Importance = widget.HighImportance
		}
		buttons.Add(log)
	}
	if ended {
		buttons.Add(widget.NewButton("Did not take place", func() { v.cancelMeeting(m) }))
	} else if now.Before(m.At) {
		going := widget.NewButton("I'll be there", func() { v.attend(m, true) })
		notGoing := widget.NewButton("Can't make it", func() { v.attend(m, false) })
		switch m.Attendance[v.me] {
		case mentoring.Going:
			going.Importance = widget.SuccessImportance
		case mentoring.NotGoing:
			notGoing.Importance = widget.WarningImportance
		}
		buttons.Add(going)
		buttons.Add(notGoing)
		buttons.Add(widget.NewButton("Move", func() { v.rescheduleDialog(m) }))
		buttons.Add(widget.NewButton("Cancel", func() { v.cancelMeeting(m) }))
	}
	small := truncLabel(details)
	small.SizeName = theme.SizeNameCaptionText
	return container.NewVBox(container.NewBorder(nil, nil, nil, buttons, times), small)
}

// meetingsSection lists the scheduled check-ins above the check-in log.
func (v *pairView) meetingsSection(box *fyne.Container) {
	box.Objects = nil
	schedule := widget.NewButtonWithIcon("Schedule a check-in", theme.CalendarIcon(), v.scheduleDialog)
	head := widget.NewLabelWithStyle("Scheduled check-ins", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	box.Add(container.NewBorder(nil, nil, nil, schedule, head))
	list := listedMeetings(v.p, v.u.now())
	if len(list) == 0 {
		box.Add(wrapLabel("Nothing scheduled. Schedule the next check-in at a time inside both your contact hours."))
	}
	for i, m := range list {
		if i == shownMeetings {
			box.Add(wrapLabel(fmt.Sprintf("And %d more: Add to calendar, on the overview, puts them all in your calendar.", len(list)-shownMeetings)))
			break
		}
		if i > 0 {
			box.Add(widget.NewSeparator())
		}
		box.Add(v.meetingRow(m))
	}
	box.Refresh()
}

// nextMeeting is the overview's part of the "Next check-in" card: a
// meeting that took place, to log, and the next meeting with its Join
// button.
func (v *pairView) nextMeeting() fyne.CanvasObject {
	now := v.u.now()
	box := container.NewVBox()
	buttons := container.NewHBox()
	next, hasNext := v.p.NextMeeting(now)
	if m, ok := toLog(v.p, now); ok {
		box.Add(wrapLabel("Your check-in took place (" + v.meetingTimes(m) + "): log what you discussed."))
		log := widget.NewButtonWithIcon("Log this check-in", theme.DocumentCreateIcon(), func() { v.logMeeting(m) })
		log.Importance = widget.HighImportance
		if hasNext { // under its own sentence; the next meeting's buttons go under that
			box.Add(container.NewHBox(log))
		} else {
			buttons.Add(log)
		}
	}
	if hasNext {
		times := wrapLabel(v.meetingTimes(next))
		times.TextStyle.Bold = true
		box.Add(times)
		box.Add(wrapLabel(v.meetingDetails(next)))
		if join := v.joinButton(next); join != nil {
			buttons.Add(join)
		}
	}
	buttons.Add(widget.NewButtonWithIcon("Schedule a check-in", theme.CalendarIcon(), v.scheduleDialog))
	box.Add(buttons)
	return box
}

// attend records this member's answer.
func (v *pairView) attend(m mentoring.Meeting, going bool) {
	if _, ok := v.u.edit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SetAttendance(p, me, m.ID, going)
	}); ok {
		v.refresh()
	}
}

// cancelMeeting asks, then cancels the meeting for both members.
func (v *pairView) cancelMeeting(m mentoring.Meeting) {
	title, msg, yes := "Cancel the check-in", "Cancel the check-in of "+v.meetingTimes(m)+"? It is cancelled for both of you. If you added it to your calendar, Add to calendar again and the calendar drops it.", "Cancel it"
	if !v.u.now().Before(m.End()) {
		title, msg, yes = "Did not take place", "Mark the check-in of "+v.meetingTimes(m)+" as not held? It is then cancelled for both of you.", "Mark as not held"
	}
	d := dialog.NewConfirm(title, msg, func(ok bool) {
		if !ok {
			return
		}
		if _, done := v.u.edit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.CancelMeeting(p, me, m.ID, v.u.now())
		}); done {
			v.refresh()
		}
	}, v.u.win)
	d.SetConfirmText(yes)
	d.SetDismissText("Keep it")
	d.Show()
}

// logMeeting opens the check-in form filled in from the meeting.
func (v *pairView) logMeeting(m mentoring.Meeting) {
	loc := mentoring.MemberZone(v.p, v.me, v.u.now().Location())
	v.checkins.addFrom("Log the check-in", mentoring.CheckinFromMeeting(m, loc))
}

// shortMeetingTime is when a meeting is, said briefly for the pair list:
// "today 17:00", "tomorrow 09:30", "Thu 17:00" or "12 Jan 17:00".
func shortMeetingTime(at, now time.Time) string {
	at = at.In(now.Location())
	day := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	days := int(day(at).Sub(day(now)).Hours() / 24)
	switch {
	case days <= 0:
		return "today " + at.Format("15:04")
	case days == 1:
		return "tomorrow " + at.Format("15:04")
	case days < 7:
		return at.Format("Mon 15:04")
	}
	return at.Format("2 Jan 15:04")
}
