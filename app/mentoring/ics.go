package mentoring

import (
	"fmt"
	"io"
	"time"

	ics "github.com/arran4/golang-ical"
)

// ExportICS writes an iCalendar file with each scheduled meeting as a timed
// event (in UTC, so every calendar shows it at the right hour in its own
// zone), the agreed rhythm as a recurring all-day event after them, every dated milestone, and
// the agreement's review date. Event UIDs are stable, so importing a newer
// export updates the events instead of duplicating them.
func ExportICS(w io.Writer, p *Pair, me string, today time.Time) error {
	cal := ics.NewCalendarFor("Pairwise")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(p.Title)
	cal.SetXWRCalName(p.Title)
	partner := "your partner"
	for _, m := range p.Members {
		if m.ID != me {
			partner = m.Name
		}
	}
	stamp := today.UTC()
	allDay := func(uid, summary, desc, date string) (*ics.VEvent, error) {
		d, err := time.Parse(DateLayout, date)
		if err != nil {
			return nil, fmt.Errorf("export ics: %w", err)
		}
		e := cal.AddEvent(uid + "@" + p.ID + ".pairwise")
		e.SetDtStampTime(stamp)
		e.SetAllDayStartAt(d)
		e.SetAllDayEndAt(d.AddDate(0, 0, 1))
		e.SetSummary(summary)
		if desc != "" {
			e.SetDescription(desc)
		}
		return e, nil
	}
	for _, m := range p.Meetings {
		addMeetingEvent(cal, p, m, partner, stamp)
	}
	if r := RhythmOn(p, today); r.Next != "" && p.Agreement.CadenceDays > 0 {
		next := r.Next
		if r.Days < 0 {
			next = today.Format(DateLayout) // overdue: the next one is now
		}
		if up := p.Upcoming(today); len(up) > 0 && p.Agreement.CadenceDays > 0 {
			// The scheduled meetings are in the file; the rhythm goes on
			// one cadence after the last of them.
			next = up[len(up)-1].At.In(today.Location()).AddDate(0, 0, p.Agreement.CadenceDays).Format(DateLayout)
		}
		e, err := allDay("checkins", "Mentoring check-in with "+partner,
			fmt.Sprintf("Agreed rhythm: every %d days (%s).", p.Agreement.CadenceDays, p.Title), next)
		if err != nil {
			return err
		}
		rule := fmt.Sprintf("FREQ=DAILY;INTERVAL=%d", p.Agreement.CadenceDays)
		if end, err := time.Parse(DateLayout, p.Agreement.End); err == nil {
			rule += ";UNTIL=" + end.Format("20060102")
		}
		e.AddRrule(rule)
		a := e.AddAlarm()
		a.SetAction(ics.ActionDisplay)
		a.SetTrigger("-P1D")
		a.SetProperty(ics.ComponentPropertyDescription, "Mentoring check-in tomorrow")
	}
	for _, g := range p.Goals {
		for _, m := range g.Milestones {
			if m.Due == "" {
				continue
			}
			summary := "Milestone: " + m.Title
			if m.Done {
				summary = "✓ " + summary
			}
			if _, err := allDay("milestone-"+m.ID, summary, "Goal: "+g.Title, m.Due); err != nil {
				return err
			}
		}
	}
	if p.Agreement.Review != "" {
		if _, err := allDay("review", "Review the mentoring agreement", "Look back on the agreement and goals together ("+p.Title+").", p.Agreement.Review); err != nil {
			return err
		}
	}
	return cal.SerializeTo(w)
}

// MeetingUID is a meeting's stable identifier in calendar files.
func MeetingUID(pair, meeting string) string { return "meeting-" + meeting + "@" + pair + ".pairwise" }

// Reminder lead times a calendar file's meetings carry as alarms.
var icsAlarms = []struct {
	trigger, say string
}{{"-PT15M", "in 15 minutes"}, {"-P1D", "tomorrow"}}

// addMeetingEvent adds a scheduled meeting as a timed event: UTC start and
// end, the join link as URL and LOCATION, SEQUENCE rising with each move,
// STATUS:CANCELLED once cancelled, and alarms before it.
func addMeetingEvent(cal *ics.Calendar, p *Pair, m Meeting, partner string, stamp time.Time) {
	e := cal.AddEvent(MeetingUID(p.ID, m.ID))
	e.SetDtStampTime(stamp)
	e.SetStartAt(m.At.UTC())
	e.SetEndAt(m.End().UTC())
	e.SetSequence(m.Sequence)
	e.SetSummary("Mentoring check-in with " + partner)
	desc := fmt.Sprintf("%s: set for %s %s.", p.Title, m.Local, m.Zone)
	if m.Agenda != "" {
		desc += "\n\nAgenda: " + m.Agenda
	}
	if u := m.JoinURL(); u != "" {
		e.SetURL(u)
		e.SetLocation(m.Link)
		desc += "\n\nJoin: " + m.Link
	} else if m.Channel != "" {
		e.SetLocation(m.Channel)
	}
	e.SetDescription(desc)
	if m.Cancelled {
		e.SetStatus(ics.ObjectStatusCancelled)
		return
	}
	e.SetStatus(ics.ObjectStatusConfirmed)
	for _, al := range icsAlarms {
		a := e.AddAlarm()
		a.SetAction(ics.ActionDisplay)
		a.SetTrigger(al.trigger)
		a.SetProperty(ics.ComponentPropertyDescription, "Mentoring check-in with "+partner+" "+al.say)
	}
}
