package mentoring

import (
	"fmt"
	"strings"
	"time"
)

// MeetingReminder is the notification that meeting m is coming, shown to
// viewer at now: who it is with and how soon in the title, then the time
// in the viewer's zone and each partner's, and where to join. fallback is
// the viewer's zone when the agreement gives none. The caller sets Key.
//
// A desktop notification cannot be clicked through to a link, so the link
// is written out in the body for the member to copy.
func MeetingReminder(p *Pair, m Meeting, viewer string, fallback *time.Location, now time.Time) Nudge {
	var partners []string
	for _, mem := range p.Members {
		if mem.ID != viewer {
			partners = append(partners, mem.Name)
		}
	}
	what := "Check-in of " + p.Title
	if len(partners) > 0 {
		what = "Check-in with " + strings.Join(partners, " and ")
	}
	loc := MemberZone(p, viewer, fallback)
	lines := []string{MeetingTimes(p, m, viewer, fallback)}
	switch {
	case m.Link != "" && isPhone(m.Link):
		lines = append(lines, "Call: "+m.Link)
	case m.Link != "":
		lines = append(lines, "Join: "+m.Link)
	case m.Channel != "":
		lines = append(lines, "By "+m.Channel+"; no join link was given.")
	}
	if agenda, _, _ := strings.Cut(strings.TrimSpace(m.Agenda), "\n"); agenda != "" {
		if r := []rune(agenda); len(r) > 100 {
			agenda = string(r[:99]) + "…"
		}
		lines = append(lines, "Agenda: "+agenda)
	}
	return Nudge{Title: what + " " + howSoon(now, m.At, loc), Body: strings.Join(lines, "\n")}
}

// howSoon says when at is, seen from now in loc: "in 15 minutes", "in 1
// hour", "today at 17:00", "tomorrow at 17:00", "on Friday at 09:30" or
// "on Tue 12 Jan at 17:00".
func howSoon(now, at time.Time, loc *time.Location) string {
	// Whole minutes, rounded up: a reminder checked a few seconds after its
	// moment still says "in 15 minutes", and one a few seconds before the
	// start says "in 1 minute", never "in 0 minutes".
	mins := int((at.Sub(now) + time.Minute - 1) / time.Minute)
	switch {
	case mins <= 1:
		return "in 1 minute"
	case mins < 60:
		return fmt.Sprintf("in %d minutes", mins)
	case mins == 60:
		return "in 1 hour"
	case mins <= 180 && mins%60 == 0:
		return fmt.Sprintf("in %d hours", mins/60)
	}
	n, a := now.In(loc), at.In(loc)
	clock := a.Format("15:04")
	days := dayNumber(a) - dayNumber(n)
	switch {
	case days == 0:
		return "today at " + clock
	case days == 1:
		return "tomorrow at " + clock
	case days < 7:
		return "on " + a.Format("Monday") + " at " + clock
	}
	return "on " + a.Format("Mon 2 Jan") + " at " + clock
}

// dayNumber counts calendar days, so two wall times can be told apart by
// date whatever the length of the days between (23 or 25 hours when the
// clocks change).
func dayNumber(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}
