package mentoring

import (
	"fmt"
	"time"
)

// RhythmState is where a pair stands against its agreed cadence.
type RhythmState int

// Rhythm states, from best to worst.
const (
	NoCadence RhythmState = iota // no cadence agreed yet
	OnTrack                      // next check-in more than DueSoonDays away
	DueSoon                      // within DueSoonDays
	DueToday                     // today
	Overdue                      // past due
	Stalled                      // no contact for twice the cadence or more
)

// DueSoonDays is how far ahead a check-in counts as "due soon".
const DueSoonDays = 3

func (s RhythmState) String() string {
	return [...]string{"no cadence", "on track", "due soon", "due", "overdue", "stalled"}[s]
}

// Rhythm is the pair's check-in rhythm on a given day.
type Rhythm struct {
	State RhythmState
	// Last is the date of the last contact (last check-in, or the start of
	// the relationship if none happened yet).
	Last string
	// Next is the date the next check-in is due.
	Next string
	// Days until Next: positive ahead, negative overdue.
	Days int
}

// RhythmOn works out the rhythm on the calendar day of today (in today's
// location): the next check-in is due one cadence after the last contact.
//
// A meeting scheduled on or after today sets the next check-in instead: a
// pair that has fixed its next meeting is on track until that day.
func RhythmOn(p *Pair, today time.Time) Rhythm {
	r := RhythmFrom(p.Agreement.CadenceDays, lastContact(p, today.Location()), today)
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, today.Location())
	for _, m := range p.Meetings {
		if m.Cancelled || m.Checkin != "" {
			continue
		}
		at := m.At.In(today.Location())
		next := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, today.Location())
		if next.Before(day) {
			continue
		}
		r.Next, r.Days = next.Format(DateLayout), daysBetween(day, next)
		if p.Agreement.CadenceDays > 0 {
			r.State = ahead(r.Days)
		}
		break
	}
	return r
}

// lastContact is the date of the pair's last check-in, or of the start of
// the relationship if none happened yet (the agreed start, or else the day
// the pair was created, in loc).
func lastContact(p *Pair, loc *time.Location) string {
	last := p.Agreement.Start
	if last == "" && !p.Created.IsZero() {
		last = p.Created.In(loc).Format(DateLayout)
	}
	for _, c := range p.Checkins {
		last = max(last, c.Date)
	}
	return last
}

// RhythmFrom works out the rhythm from the cadence in days and the date of
// the last contact alone, as a cohort's manager sees it from a pair's
// health report.
func RhythmFrom(cad int, last string, today time.Time) Rhythm {
	r := Rhythm{Last: last}
	if cad <= 0 || last == "" {
		return r
	}
	lastDay, err := time.ParseInLocation(DateLayout, last, today.Location())
	if err != nil {
		return r
	}
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, today.Location())
	next := lastDay.AddDate(0, 0, cad)
	r.Next = next.Format(DateLayout)
	r.Days = daysBetween(day, next)
	since := daysBetween(lastDay, day)
	switch {
	case since >= 2*cad:
		r.State = Stalled
	case r.Days < 0:
		r.State = Overdue
	default:
		r.State = ahead(r.Days)
	}
	return r
}

// ahead is the state of a check-in due in days (zero or more).
func ahead(days int) RhythmState {
	switch {
	case days == 0:
		return DueToday
	case days <= DueSoonDays:
		return DueSoon
	}
	return OnTrack
}

// daysBetween counts calendar days from a to b, immune to DST shifts.
func daysBetween(a, b time.Time) int {
	ua := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	ub := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Hours() / 24)
}

// String says the rhythm in words: "due in 3 days", "overdue by 9 days".
func (r Rhythm) String() string {
	switch r.State {
	case NoCadence:
		return "no meeting rhythm agreed yet"
	case DueToday:
		return "check-in due today"
	case Overdue:
		return "check-in overdue by " + plural(-r.Days, "day")
	case Stalled:
		return fmt.Sprintf("no check-in since %s: overdue by %s", r.Last, plural(-r.Days, "day"))
	}
	return "next check-in due in " + plural(r.Days, "day")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
