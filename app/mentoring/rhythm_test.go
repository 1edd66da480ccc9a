package mentoring

import (
	"testing"
	"time"
)

func TestRhythm(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	cases := []struct {
		name     string
		cadence  int
		start    string
		checkins []string
		today    time.Time
		state    RhythmState
		days     int
		text     string
	}{
		{"no cadence", 0, "2026-11-01", nil, day(2026, 11, 10), NoCadence, 0, "no meeting rhythm agreed yet"},
		{"from start, on track", 14, "2026-11-01", nil, day(2026, 11, 5), OnTrack, 10, "next check-in due in 10 days"},
		{"due soon", 14, "2026-11-01", []string{"2026-11-10"}, day(2026, 11, 21), DueSoon, 3, "next check-in due in 3 days"},
		{"due in one day", 14, "2026-11-01", []string{"2026-11-10"}, day(2026, 11, 23), DueSoon, 1, "next check-in due in 1 day"},
		{"due today", 14, "", []string{"2026-11-10"}, day(2026, 11, 24), DueToday, 0, "check-in due today"},
		{"overdue", 14, "", []string{"2026-11-01", "2026-11-10"}, day(2026, 12, 3), Overdue, -9, "check-in overdue by 9 days"},
		{"stalled at twice the cadence", 14, "", []string{"2026-11-10"}, day(2026, 12, 8), Stalled, -14, "no check-in since 2026-11-10: overdue by 14 days"},
		{"latest check-in counts, not the order logged", 7, "", []string{"2026-11-20", "2026-11-02"}, day(2026, 11, 22), OnTrack, 5, "next check-in due in 5 days"},
		{"across a DST change", 7, "", []string{"2026-10-22"}, time.Date(2026, 10, 29, 23, 30, 0, 0, berlin), DueToday, 0, "check-in due today"},
		{"late evening in a zone ahead of UTC", 14, "", []string{"2026-11-10"}, time.Date(2026, 11, 24, 0, 30, 0, 0, berlin), DueToday, 0, "check-in due today"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &Pair{Created: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}
			p.Agreement.CadenceDays = c.cadence
			p.Agreement.Start = c.start
			for _, d := range c.checkins {
				p.Checkins = append(p.Checkins, Checkin{Date: d})
			}
			r := RhythmOn(p, c.today)
			if r.State != c.state || r.Days != c.days || r.String() != c.text {
				t.Errorf("got %v, %d days, %q; want %v, %d days, %q", r.State, r.Days, r.String(), c.state, c.days, c.text)
			}
		})
	}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
