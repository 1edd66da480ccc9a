package mentoring

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// A cohort event with a time is stored as the manager typed it: the date,
// the wall-clock time and the IANA zone it was set in, each a key of the
// event's map. The instant is worked out when the event is read, from the
// zone database in use then, so a country that changes its clock rules
// after the event was planned moves the instant as the people there expect.

// Limits on a timed event's length, and the length it gets when none is
// given.
const (
	DefaultEventMinutes = 60
	minEventMinutes     = 5
	maxEventMinutes     = 12 * 60
)

const (
	kZone      = "zone"
	wallLayout = DateLayout + " 15:04"
)

// EventInput is what a manager gives to plan a cohort event.
type EventInput struct {
	Kind    string
	Title   string
	Date    string // YYYY-MM-DD, in Zone when Time is set
	Time    string // HH:MM, or "" for an all-day event
	Zone    string // IANA zone Time is in; needed with a time, ignored without
	Minutes int    // length; 0 means DefaultEventMinutes (timed events only)
	Link    string // where to join: an http(s) address or a phone number
	Details string
}

// AddEvent puts an event in the cohort's calendar.
func AddEvent(in EventInput) (Edit, error) {
	if !slices.Contains(EventKinds, in.Kind) {
		return Edit{}, invalidf("%q is not a kind of cohort event: choose %s", in.Kind, strings.Join(EventKinds, ", "))
	}
	title, err := checkTitle("an event", in.Title)
	if err != nil {
		return Edit{}, err
	}
	if in.Date == "" {
		return Edit{}, invalidf("the event needs a date: give it as YYYY-MM-DD")
	}
	if err := checkDate("the event's date", in.Date); err != nil {
		return Edit{}, err
	}
	ev := Event{Kind: in.Kind, Title: title, Date: in.Date, Details: trim(in.Details)}
	if strings.TrimSpace(in.Time) != "" {
		if ev.Time, err = clockTime(in.Time); err != nil {
			return Edit{}, err
		}
		if ev.Zone, ev.Minutes, err = checkEventTime(in); err != nil {
			return Edit{}, err
		}
	} else if in.Minutes != 0 {
		return Edit{}, invalidf("a length of %d minutes needs a start time: give the time too, or leave the length out for an all-day event", in.Minutes)
	}
	if ev.Link, err = checkJoinLink(in.Link); err != nil {
		return Edit{}, err
	}
	if err := checkText("the event's details", in.Details); err != nil {
		return Edit{}, err
	}
	id := NewID()
	msg := fmt.Sprintf("planned the %s %s on %s", ev.Kind, quote(title), ev.Date)
	if ev.Time != "" {
		msg += " at " + ev.Time + " " + ev.Zone
	}
	return Edit{Msg: msg, ID: id, ops: eventOps(id, ev)}, nil
}

// checkEventTime checks a timed event's time, zone and length, and
// returns the zone and the length to store.
func checkEventTime(in EventInput) (zone string, minutes int, err error) {
	at, err := clockTime(in.Time)
	if err != nil {
		return "", 0, err
	}
	zone = strings.TrimSpace(in.Zone)
	if zone == "" {
		return "", 0, invalidf("say which time zone %s is in, for example Europe/Lisbon: members elsewhere see the event in their own time", at)
	}
	loc, err := loadZone(zone)
	if err != nil {
		return "", 0, invalidf("the time zone %q is unknown: use a name from the time zone database, such as Europe/Lisbon, America/New_York or Asia/Kolkata", zone)
	}
	if err := checkWallTime(in.Date, at, loc); err != nil {
		return "", 0, err
	}
	minutes = in.Minutes
	if minutes == 0 {
		minutes = DefaultEventMinutes
	}
	if minutes < minEventMinutes || minutes > maxEventMinutes {
		return "", 0, invalidf("an event of %d minutes is not one Pairwise can plan: give a length from %d minutes to %d hours", minutes, minEventMinutes, maxEventMinutes/60)
	}
	return zone, minutes, nil
}

// clockTime reads a time of day written HH:MM (or H:MM) and writes it
// back as HH:MM.
func clockTime(s string) (string, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return "", invalidf("the event's time %q is not a time of day: write it as HH:MM, for example 16:30", s)
	}
	return t.Format("15:04"), nil
}

// loadZone loads an IANA zone by name. "Local" names whatever zone the
// reading machine is in, so it means something different to each member
// and is refused like an unknown name.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("load zone %q: not a zone every member can read", name)
	}
	return time.LoadLocation(name)
}

// checkWallTime refuses a time of day the clocks skip in loc that day (the
// hour lost when daylight saving time starts).
func checkWallTime(date, at string, loc *time.Location) error {
	t := wallTime(date, at, loc)
	if t.Format(wallLayout) == date+" "+at {
		return nil
	}
	from, to := skipped(t)
	return invalidf("%s on %s does not exist in %s: the clocks go from %s straight to %s that night; choose a time before %s or from %s on", at, date, loc, from, to, from, to)
}

// wallTime is the instant the wall clock in loc shows date at, or for a
// time the clocks skip, one near it.
func wallTime(date, at string, loc *time.Location) time.Time {
	w, _ := time.Parse(wallLayout, date+" "+at)
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), 0, 0, loc)
}

// skipped returns the wall-clock times on either side of the clock change
// nearest t: the clocks read from, then jump to to.
func skipped(t time.Time) (from, to string) {
	start, end := t.ZoneBounds()
	change := start
	if !end.IsZero() && (start.IsZero() || end.Sub(t) < t.Sub(start)) {
		change = end
	}
	_, before := change.Add(-time.Second).Zone()
	from = change.UTC().Add(time.Duration(before) * time.Second).Format("15:04")
	to = change.In(t.Location()).Format("15:04")
	return from, to
}

// checkJoinLink checks where members join an event: a web address (Zoom,
// Teams, Meet, Jitsi) or a phone number to dial. Anything else (a
// javascript: or file: link) would be opened by every member's app.
func checkJoinLink(link string) (string, error) {
	link = strings.TrimSpace(link)
	if link == "" {
		return "", nil
	}
	if joinURL(link) == "" {
		return "", invalidf("the join link %q is neither a web address nor a phone number: paste the meeting's link in full, starting with https://, or give a number such as +351 21 123 4567", link)
	}
	if len(link) > 2000 {
		return "", invalidf("the join link is %d characters long: give the meeting's short link", len(link))
	}
	return link, nil
}

// joinURL is the address a join link opens: the link itself for a web
// address, a tel: URI for a phone number, "" for anything else.
func joinURL(link string) string {
	if u, err := url.Parse(link); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		return link
	}
	number := link
	if len(link) > 4 && strings.EqualFold(link[:4], "tel:") {
		number = link[4:]
	}
	var out strings.Builder
	digits := 0
	for i, r := range number {
		switch {
		case r >= '0' && r <= '9':
			digits++
			out.WriteRune(r)
		case r == '+' && i == 0:
			out.WriteRune(r)
		case strings.ContainsRune(",;#*", r) && digits > 0:
			out.WriteRune(r) // pauses and a conference's PIN after the number
		case strings.ContainsRune(" -.()", r):
		default:
			return ""
		}
	}
	if digits < 3 || digits > 30 {
		return ""
	}
	return "tel:" + out.String()
}

// Start returns the instant the event starts; ok is false for an all-day
// event, and for one planned before events had a zone (its time is a
// wall-clock time whose zone nobody recorded).
func (e Event) Start() (start time.Time, ok bool) {
	if e.Time == "" || e.Zone == "" {
		return time.Time{}, false
	}
	loc, err := loadZone(e.Zone)
	if err != nil {
		return time.Time{}, false
	}
	if _, err := time.Parse(wallLayout, e.Date+" "+e.Time); err != nil {
		return time.Time{}, false
	}
	return wallTime(e.Date, e.Time, loc), true
}

// Length is how long a timed event lasts.
func (e Event) Length() time.Duration {
	m := e.Minutes
	if m < minEventMinutes || m > maxEventMinutes {
		m = DefaultEventMinutes // unset, or out of range from a damaged replica
	}
	return time.Duration(m) * time.Minute
}

// JoinURL is the address the event's join link opens ("tel:…" for a
// phone number), or "" if it has none.
func (e Event) JoinURL() string {
	if e.Link == "" {
		return ""
	}
	return joinURL(e.Link)
}

// DayIn is the event's date as a viewer in loc sees it: a timed event
// planned in Los Angeles on a Tuesday evening is on Wednesday in Auckland.
func (e Event) DayIn(loc *time.Location) string {
	if s, ok := e.Start(); ok {
		return s.In(loc).Format(DateLayout)
	}
	return e.Date
}

// When says when the event is, for a viewer in loc: in the viewer's own
// time, with the time in the zone it was planned in beside it when the
// two clocks differ, as "Wed 14 Apr 2027 17:00 your time · 16:00
// Europe/Lisbon".
func (e Event) When(loc *time.Location) string {
	const dayLayout = "Mon 2 Jan 2006"
	s, ok := e.Start()
	if !ok {
		out := e.Date
		if d, err := time.Parse(DateLayout, e.Date); err == nil {
			out = d.Format(dayLayout)
		}
		if e.Time != "" {
			out += " at " + e.Time
		}
		return out
	}
	mine, theirs := s.In(loc), s
	if mine.Format(wallLayout) == theirs.Format(wallLayout) {
		return mine.Format(dayLayout + " 15:04")
	}
	other := theirs.Format("15:04")
	if mine.Format(DateLayout) != theirs.Format(DateLayout) {
		other = theirs.Format("Mon 2 Jan 15:04")
	}
	return mine.Format(dayLayout+" 15:04") + " your time · " + other + " " + e.Zone
}

// SetIn is the event's time as planned, with its zone: "15:00
// Europe/Lisbon", or "" for an all-day event.
func (e Event) SetIn() string {
	if _, ok := e.Start(); !ok {
		return ""
	}
	return e.Time + " " + e.Zone
}
