package mentoring

import (
	"fmt"
	"strings"
	"time"
)

// WallLayout is how a meeting's wall time is written: "2027-01-12 17:00".
const WallLayout = "2006-01-02 15:04"

// ParseWallTime reads "YYYY-MM-DD HH:MM" in the IANA zone named zone. A
// time the clocks skip there (the hour they go forward) is refused; a time
// they pass twice (the hour they go back) is the first of the two.
func ParseWallTime(s, zone string) (time.Time, error) {
	loc, err := LoadZone(zone)
	if err != nil {
		return time.Time{}, err
	}
	s = strings.TrimSpace(s)
	t, err := time.ParseInLocation(WallLayout, s, loc)
	if err != nil {
		return time.Time{}, invalidf("%q is not a date and time Pairwise reads: write it as YYYY-MM-DD HH:MM, for example 2027-01-12 17:00", s)
	}
	if t.Format(WallLayout) != s {
		return time.Time{}, invalidf("%s does not exist in %s: the clocks go forward then, so pick a time an hour later or earlier", s, zone)
	}
	for _, back := range []time.Duration{2 * time.Hour, time.Hour, 30 * time.Minute} {
		if e := t.Add(-back); e.Format(WallLayout) == s {
			return e, nil
		}
	}
	return t, nil
}

// LoadZone returns the IANA zone named name, with a sentence when it is
// unknown.
func LoadZone(name string) (*time.Location, error) {
	if err := checkTimeZone(name); err != nil {
		return nil, err
	}
	if name == "" {
		return nil, invalidf("give a time zone, such as Europe/Lisbon or America/New_York")
	}
	return time.LoadLocation(name)
}

// ZoneNameOf is member's zone as the agreement gives it, else this
// machine's.
func ZoneNameOf(p *Pair, member string) string {
	if m, ok := p.Member(member); ok && m.TimeZone != "" && checkTimeZone(m.TimeZone) == nil {
		return m.TimeZone
	}
	return LocalZoneName()
}

// MemberZone is member's zone as the agreement gives it, else fallback.
func MemberZone(p *Pair, member string, fallback *time.Location) *time.Location {
	if m, ok := p.Member(member); ok && m.TimeZone != "" {
		if l, err := time.LoadLocation(m.TimeZone); err == nil && m.TimeZone != "Local" {
			return l
		}
	}
	return fallback
}

// MeetingTimes says when a meeting is for viewer, with each partner's time
// beside it when their clock reads differently: "Tue 12 Jan 17:00 your
// time · 18:00 Ben's". fallback is the viewer's zone when the agreement
// gives none.
func MeetingTimes(p *Pair, m Meeting, viewer string, fallback *time.Location) string {
	return SpanTimes(p, m.At, time.Time{}, viewer, fallback)
}

// SpanTimes says when start (to end, unless end is zero) is for viewer and
// each partner, as MeetingTimes does.
func SpanTimes(p *Pair, start, end time.Time, viewer string, fallback *time.Location) string {
	vloc := MemberZone(p, viewer, fallback)
	vs := start.In(vloc)
	var b strings.Builder
	b.WriteString(vs.Format("Mon 2 Jan 15:04"))
	if !end.IsZero() {
		b.WriteString("–" + end.In(vloc).Format("15:04"))
	}
	b.WriteString(" your time")
	for _, mem := range p.Members {
		if mem.ID == viewer || mem.TimeZone == "" {
			continue
		}
		ploc := MemberZone(p, mem.ID, nil)
		if ploc == nil {
			continue
		}
		ps := start.In(ploc)
		_, voff := vs.Zone()
		_, poff := ps.Zone()
		if voff == poff {
			continue
		}
		layout := "15:04"
		if ps.YearDay() != vs.YearDay() {
			layout = "Mon 2 Jan 15:04"
		}
		b.WriteString(" · " + ps.Format(layout))
		if !end.IsZero() {
			b.WriteString("–" + end.In(ploc).Format("15:04"))
		}
		b.WriteString(" " + possessive(mem.Name))
	}
	return b.String()
}

func possessive(name string) string {
	if strings.HasSuffix(name, "s") {
		return name + "'"
	}
	return name + "'s"
}

// OutsidePartnerHours reports whether a meeting from start for minutes
// falls outside the contact hours a partner of member gave, with a
// sentence saying so.
func OutsidePartnerHours(p *Pair, member string, start time.Time, minutes int) (string, bool) {
	var warnings []string
	for _, mem := range p.Members {
		if mem.ID == member || mem.Hours == "" {
			continue
		}
		h, err := ParseHours(mem.Hours)
		if err != nil {
			continue
		}
		loc := MemberZone(p, mem.ID, time.UTC)
		from, to := start.In(loc), start.Add(time.Duration(minutes-1)*time.Minute).In(loc)
		if h.Within(from) && h.Within(to) && from.YearDay() == to.YearDay() {
			continue
		}
		warnings = append(warnings, fmt.Sprintf("It is %s for %s, outside the hours they gave (%s): check with them first, or find a time inside both your hours.",
			from.Format("Mon 15:04"), mem.Name, h))
	}
	return strings.Join(warnings, " "), len(warnings) > 0
}
