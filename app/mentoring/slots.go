package mentoring

import (
	"fmt"
	"strings"
	"time"
)

// Slot is a stretch of time inside every member's contact hours.
type Slot struct {
	Start, End time.Time
}

// Slots is what FindSlots found.
type Slots struct {
	// Found are the shared stretches at least as long as asked, soonest
	// first.
	Found []Slot
	// Closest says, when nothing was found, how near the members' hours
	// come to each other.
	Closest string
}

// span is one stretch of one member's contact hours, as instants.
type span struct{ from, to time.Time }

// FindSlots lists the stretches in the days after from (at most limit of
// them, 0 for all) when every member's contact hours overlap, in their own
// zones, for at least d. A member without hours or a zone in the agreement
// is named in the error, since nothing can be found without them.
func FindSlots(p *Pair, from time.Time, days int, d time.Duration, limit int) (Slots, error) {
	if days < 1 || days > 366 {
		return Slots{}, invalidf("look from 1 to 366 days ahead, not %d", days)
	}
	if d < MinMeetingMinutes*time.Minute || d > MaxMeetingMinutes*time.Minute {
		return Slots{}, invalidf("a meeting of %s does not look right: give a length from %d minutes to %d hours", d, MinMeetingMinutes, MaxMeetingMinutes/60)
	}
	if len(p.Members) < 2 {
		return Slots{}, invalidf("your partner has not joined yet: times are found from both members' contact hours")
	}
	until := from.AddDate(0, 0, days)
	var each [][]span
	for _, m := range p.Members {
		var missing []string
		if m.Hours == "" {
			missing = append(missing, "contact hours")
		}
		if m.TimeZone == "" {
			missing = append(missing, "a time zone")
		}
		if len(missing) > 0 {
			return Slots{}, invalidf("%s has not given %s in the agreement: add them there first", m.Name, strings.Join(missing, " or "))
		}
		h, err := ParseHours(m.Hours)
		if err != nil {
			return Slots{}, err
		}
		loc, err := LoadZone(m.TimeZone)
		if err != nil {
			return Slots{}, err
		}
		each = append(each, hoursBetween(h, loc, from, until))
	}
	shared := each[0]
	for _, s := range each[1:] {
		shared = intersect(shared, s)
	}
	var out Slots
	longest := time.Duration(0)
	for _, s := range shared {
		n := s.to.Sub(s.from)
		longest = max(longest, n)
		if n >= d && (limit == 0 || len(out.Found) < limit) {
			out.Found = append(out.Found, Slot{Start: s.from.UTC(), End: s.to.UTC()})
		}
	}
	if len(out.Found) == 0 {
		out.Closest = closest(p, each, longest, d)
	}
	return out, nil
}

// hoursBetween lists the stretches of h in loc that overlap [from, until).
func hoursBetween(h Hours, loc *time.Location, from, until time.Time) []span {
	var out []span
	day := from.In(loc).AddDate(0, 0, -1)
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	for ; day.Before(until); day = day.AddDate(0, 0, 1) {
		if len(h.Days) > 0 && !containsDay(h.Days, day.Weekday()) {
			continue
		}
		s := span{clock(day, h.From, loc), clock(day, h.To, loc)}
		if s.from.Before(from) {
			s.from = from
		}
		if s.to.After(until) {
			s.to = until
		}
		if s.from.Before(s.to) {
			out = append(out, s)
		}
	}
	return out
}

func containsDay(days []time.Weekday, d time.Weekday) bool {
	for _, x := range days {
		if x == d {
			return true
		}
	}
	return false
}

// clock is the instant hm ("HH:MM") falls on day in loc.
func clock(day time.Time, hm string, loc *time.Location) time.Time {
	t, _ := time.Parse("15:04", hm)
	return time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), 0, 0, loc)
}

// intersect returns the stretches inside both a and b (each sorted and
// non-overlapping).
func intersect(a, b []span) []span {
	var out []span
	for i, j := 0, 0; i < len(a) && j < len(b); {
		from, to := a[i].from, a[i].to
		if b[j].from.After(from) {
			from = b[j].from
		}
		if b[j].to.Before(to) {
			to = b[j].to
		}
		if from.Before(to) {
			out = append(out, span{from, to})
		}
		if a[i].to.Before(b[j].to) {
			i++
		} else {
			j++
		}
	}
	return out
}

// closest says how near two members' hours come when no slot was found:
// the longest overlap when there is one too short, else the smallest gap
// between one's hours and the other's, in both their times.
func closest(p *Pair, each [][]span, longest, d time.Duration) string {
	if longest > 0 {
		return fmt.Sprintf("Your hours overlap by at most %s, shorter than the %s asked: try a shorter meeting, or widen your contact hours.", short(longest), short(d))
	}
	if len(each) != 2 {
		return "Your contact hours never overlap: widen them in the agreement."
	}
	a, b := p.Members[0], p.Members[1]
	gap := time.Duration(-1)
	var endA, startB time.Time
	var first, second Member
	for _, x := range each[0] {
		for _, y := range each[1] {
			if g := y.from.Sub(x.to); g >= 0 && (gap < 0 || g < gap) {
				gap, endA, startB, first, second = g, x.to, y.from, a, b
			}
			if g := x.from.Sub(y.to); g >= 0 && (gap < 0 || g < gap) {
				gap, endA, startB, first, second = g, y.to, x.from, b, a
			}
		}
	}
	if gap < 0 {
		return "Your contact hours never overlap in these days: widen them in the agreement, or look further ahead."
	}
	lf := MemberZone(p, first.ID, time.UTC)
	ls := MemberZone(p, second.ID, time.UTC)
	return fmt.Sprintf("Your contact hours never overlap. They come closest when %s's hours end, at %s their time (%s for %s), and %s's start %s later, at %s their time: one of you could widen your hours by that much.",
		first.Name, endA.In(lf).Format("Mon 15:04"), endA.In(ls).Format("Mon 15:04"), second.Name, second.Name, short(gap), startB.In(ls).Format("Mon 15:04"))
}

// short writes a duration the way people say it: "45m", "1h30m", "2h".
func short(d time.Duration) string {
	s := d.Round(time.Minute).String()
	s = strings.TrimSuffix(s, "0s")
	return strings.TrimSuffix(strings.Replace(s, "h0m", "h", 1), "h0m")
}
