package mentoring

import (
	"fmt"
	"io"
	"time"

	ics "github.com/arran4/golang-ical"
)

// ExportICS writes an iCalendar file with the agreed rhythm as a recurring
// all-day event starting at the next check-in, every dated milestone, and
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
	if r := RhythmOn(p, today); r.Next != "" {
		next := r.Next
		if r.Days < 0 {
			next = today.Format(DateLayout) // overdue: the next one is now
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
