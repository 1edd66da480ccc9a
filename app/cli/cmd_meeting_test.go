package cli

import (
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"pairwise/app/mentoring"
)

// Days of next year, so every meeting the tests schedule is still to come
// whenever they run. Weekdays, so they fall inside weekday contact hours.
func nextYear() int { return time.Now().Year() + 1 }

// firstOnOrAfter is the first wd on or after the date.
func firstOnOrAfter(y int, m time.Month, d int, wd time.Weekday) time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for t.Weekday() != wd {
		t = t.AddDate(0, 0, 1)
	}
	return t
}

// The US moves its clocks on the second Sunday of March and the first of
// November; Europe on the last Sundays of March and October. The Tuesday
// after each first move falls in a week when one has moved and the other
// not.
func usMovedEuropeNot(y int) time.Time {
	return firstOnOrAfter(y, time.March, 8, time.Sunday).AddDate(0, 0, 2)
}

func europeMovedUSNot(y int) time.Time {
	return firstOnOrAfter(y, time.October, 25, time.Sunday).AddDate(0, 0, 2)
}

func day(t time.Time) string { return t.Format(mentoring.DateLayout) }

// lineOf returns the line of out that starts with id.
func lineOf(t *testing.T, out, id string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, id+"  ") {
			return l
		}
	}
	t.Fatalf("no line for %s in:\n%s", id, out)
	return ""
}

// calendar parses a member's calendar file with a real iCalendar parser
// and returns its events by UID.
func calendar(t *testing.T, m member, pair string) map[string]*ics.VEvent {
	t.Helper()
	text := m.ok("export", pair, "--format", "ics")
	cal, err := ics.ParseCalendar(strings.NewReader(text))
	if err != nil {
		t.Fatalf("the calendar file does not parse: %v\n%s", err, text)
	}
	out := map[string]*ics.VEvent{}
	for _, e := range cal.Events() {
		out[e.Id()] = e
	}
	return out
}

func prop(e *ics.VEvent, p ics.ComponentProperty) string {
	if v := e.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

// TestMentorInLisbonMenteeInNewYork: the mentor schedules in her own time;
// the mentee, on his own computer through a real relay, sees each meeting
// at his own local hour in 'checkin upcoming', in 'status' and in his
// calendar file, including the weeks when one side of the Atlantic has
// changed its clocks and the other has not.
func TestMentorInLisbonMenteeInNewYork(t *testing.T) {
	ana, ben, pair := lisbonNewYork(t)
	y := nextYear()
	cases := []struct {
		name   string
		date   time.Time
		wantNY string // 17:00 in Lisbon, in New York
	}{
		{"winter", firstOnOrAfter(y, time.January, 8, time.Tuesday), "12:00"},
		{"the US on summer time, Europe not yet", usMovedEuropeNot(y), "13:00"},
		{"summer", firstOnOrAfter(y, time.July, 8, time.Tuesday), "12:00"},
		{"Europe back on winter time, the US not yet", europeMovedUSNot(y), "13:00"},
	}
	ids := make([]string, len(cases))
	for i, c := range cases {
		out, errOut, code := ana.run("checkin", "schedule", pair, "--at", day(c.date)+" 17:00", "--duration", "1h",
			"--channel", "video", "--link", "https://meet.jit.si/ana-ben", "--agenda", "Talk outline")
		if code != 0 {
			t.Fatalf("%s: schedule: exit %d: %s", c.name, code, errOut)
		}
		if len(out) != 16 || strings.ContainsAny(out, " \n") {
			t.Fatalf("%s: schedule printed %q, want the meeting's ID alone", c.name, out)
		}
		if !strings.Contains(errOut, "set in Europe/Lisbon") {
			t.Errorf("%s: without --tz the time is not read in Ana's zone from the agreement: %q", c.name, errOut)
		}
		ids[i] = out
	}
	syncAll(ana, ben)

	benUp, anaUp := ben.ok("checkin", "upcoming", pair), ana.ok("checkin", "upcoming", pair)
	ny, _ := time.LoadLocation("America/New_York")
	benCal := calendar(t, ben, pair)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			when := c.date.Format("Mon 2 Jan")
			if want := when + " " + c.wantNY + " your time · 17:00 Ana's  1h  video  https://meet.jit.si/ana-ben  Ana: will be there, you: no answer yet"; !strings.Contains(lineOf(t, benUp, ids[i]), want) {
				t.Errorf("Ben's upcoming: got %q, want %q", lineOf(t, benUp, ids[i]), want)
			}
			if want := when + " 17:00 your time · " + c.wantNY + " Ben's"; !strings.Contains(lineOf(t, anaUp, ids[i]), want) {
				t.Errorf("Ana's upcoming: got %q, want %q", lineOf(t, anaUp, ids[i]), want)
			}
			e := benCal[mentoring.MeetingUID(pair, ids[i])]
			if e == nil {
				t.Fatal("the meeting is not in Ben's calendar file")
			}
			start, err := e.GetStartAt()
			if err != nil {
				t.Fatal(err)
			}
			if got, want := start.In(ny).Format(mentoring.WallLayout), day(c.date)+" "+c.wantNY; got != want {
				t.Errorf("calendar start in New York: got %s, want %s", got, want)
			}
			if end, _ := e.GetEndAt(); end.Sub(start) != time.Hour {
				t.Errorf("calendar length: got %s, want 1h", end.Sub(start))
			}
			if got := prop(e, ics.ComponentPropertyUrl); got != "https://meet.jit.si/ana-ben" {
				t.Errorf("calendar URL: got %q", got)
			}
		})
	}
	want := "next meeting " + cases[0].date.Format("Mon 2 Jan") + " 12:00 your time · 17:00 Ana's, join at https://meet.jit.si/ana-ben"
	if st := ben.ok("status"); !strings.Contains(st, want) {
		t.Errorf("Ben's status: got %q, want it to say %q", st, want)
	}
}

// TestScheduleWarnsOutsideThePartnersHours: a time outside the partner's
// contact hours is scheduled all the same, with a warning on stderr; one
// inside is not warned about. Without --tz the time is in this member's
// zone from the agreement.
func TestScheduleWarnsOutsideThePartnersHours(t *testing.T) {
	ana, ben, pair := lisbonNewYork(t)
	tue := day(firstOnOrAfter(nextYear(), time.January, 8, time.Tuesday))

	id, errOut, code := ana.run("checkin", "schedule", pair, "--at", tue+" 22:00") // 17:00 to 17:45 in New York
	if code != 0 || id == "" {
		t.Fatalf("scheduling outside the partner's hours: exit %d, stdout %q: %s", code, id, errOut)
	}
	if !strings.Contains(errOut, "outside the hours they gave") || !strings.Contains(errOut, "Ben") {
		t.Errorf("no warning outside Ben's hours: %q", errOut)
	}
	if _, errOut, _ := ana.run("checkin", "schedule", pair, "--at", tue+" 15:00"); strings.Contains(errOut, "outside") {
		t.Errorf("warned inside both members' hours: %q", errOut)
	}
	// Ben types his own time: 10:00 in New York is 15:00 in Lisbon.
	id = ben.ok("checkin", "schedule", pair, "--at", tue+" 10:00", "--duration", "30m")
	syncAll(ben, ana)
	if got := lineOf(t, ana.ok("checkin", "upcoming", pair), id); !strings.Contains(got, " 15:00 your time · 10:00 Ben's  30m") {
		t.Errorf("Ben's 10:00 in Ana's list: got %q", got)
	}
	// --tz reads the time in another zone.
	id = ana.ok("checkin", "schedule", pair, "--at", tue+" 09:00", "--tz", "America/New_York")
	if got := lineOf(t, ana.ok("checkin", "upcoming", pair), id); !strings.Contains(got, " 14:00 your time · 09:00 Ben's") {
		t.Errorf("--tz America/New_York: got %q", got)
	}

	for _, bad := range []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"--at", tue + " 10:00", "--duration", "90s"}, 2, "whole minutes"},
		{[]string{"--at", tue + " 10:00", "--duration", "soon"}, 2, "such as 30m"},
		{[]string{}, 2, "--at is required"},
		{[]string{"--at", "12/01/2027 10:00"}, 1, "YYYY-MM-DD HH:MM"},
		{[]string{"--at", tue + " 10:00", "--tz", "Mars/Olympus"}, 1, "Mars/Olympus"},
		{[]string{"--at", "2020-01-07 10:00"}, 1, "already passed"},
		{[]string{"--at", tue + " 10:00", "--link", "file:///etc/passwd"}, 1, "https://"},
	} {
		out, errOut, code := ana.run(append([]string{"checkin", "schedule", pair}, bad.args...)...)
		if code != bad.code || out != "" || !strings.Contains(errOut, bad.say) {
			t.Errorf("schedule %q: got exit %d, stdout %q, stderr %q; want exit %d saying %q", bad.args, code, out, errOut, bad.code, bad.say)
		}
	}
}

// TestMeetingTimeFromThisComputer: a member who gave no zone in the
// agreement types and reads times in this computer's zone, and is told so.
func TestMeetingTimeFromThisComputer(t *testing.T) {
	t.Setenv("TZ", "Asia/Kolkata")
	dir := t.TempDir()
	pair := ok(t, dir, "pair", "new", "--title", "Solo", "--me", "Ana", "--role", "mentor")
	if _, errOut, _ := pw(t, dir, "checkin", "upcoming", pair); !strings.Contains(errOut, "No check-ins scheduled") || !strings.Contains(errOut, "pairwise checkin schedule "+pair) {
		t.Errorf("empty list: got %q, want it to say how to schedule one", errOut)
	}
	tue := firstOnOrAfter(nextYear(), time.January, 8, time.Tuesday)
	id, errOut, code := pw(t, dir, "checkin", "schedule", pair, "--at", day(tue)+" 17:30")
	if code != 0 || !strings.Contains(errOut, "set in Asia/Kolkata") {
		t.Fatalf("exit %d, stderr %q: want the time read in this computer's zone", code, errOut)
	}
	out, errOut, _ := pw(t, dir, "checkin", "upcoming", pair)
	if !strings.Contains(lineOf(t, out, id), tue.Format("Mon 2 Jan")+" 17:30 your time") {
		t.Errorf("upcoming: got %q", out)
	}
	if !strings.Contains(errOut, "Asia/Kolkata, this computer's zone") || !strings.Contains(errOut, "--tz") {
		t.Errorf("upcoming does not say whose zone the times are in: %q", errOut)
	}
}

// TestMoveCancelAndAnswer: moving raises the calendar's SEQUENCE, each
// member's answer shows on the other's list, and a meeting moved by one
// member while the other cancels it ends up cancelled for both.
func TestMoveCancelAndAnswer(t *testing.T) {
	ana, ben, pair := lisbonNewYork(t)
	y := nextYear()
	first, second := firstOnOrAfter(y, time.January, 8, time.Tuesday), firstOnOrAfter(y, time.January, 15, time.Thursday)
	id := ana.ok("checkin", "schedule", pair, "--at", day(first)+" 15:00")
	syncAll(ana, ben)

	if out := ben.ok("checkin", "attend", pair, id, "--no"); out != "" {
		t.Errorf("attend printed %q on stdout", out)
	}
	for _, args := range [][]string{{}, {"--yes", "--no"}} {
		if _, errOut, code := ben.run(append([]string{"checkin", "attend", pair, id}, args...)...); code != 2 || !strings.Contains(errOut, "--yes") {
			t.Errorf("attend %q: exit %d, %q; want a usage error naming --yes and --no", args, code, errOut)
		}
	}
	// Ben moves it in his own time: 11:00 in New York is 16:00 in Lisbon.
	_, errOut, code := ben.run("checkin", "reschedule", pair, id, "--at", day(second)+" 11:00")
	if code != 0 || !strings.Contains(errOut, "Moved for "+second.Format("Mon 2 Jan")+" 11:00 your time · 16:00 Ana's") {
		t.Fatalf("reschedule: exit %d, stderr %q", code, errOut)
	}
	syncAll(ben, ana)
	got := lineOf(t, ana.ok("checkin", "upcoming", pair), id)
	if want := second.Format("Mon 2 Jan") + " 16:00 your time · 11:00 Ben's  45m  -  -  you: will be there, Ben: can't make it"; !strings.Contains(got, want) {
		t.Errorf("Ana's list after the move: got %q, want %q", got, want)
	}
	if e := calendar(t, ana, pair)[mentoring.MeetingUID(pair, id)]; e == nil || prop(e, ics.ComponentPropertySequence) != "1" {
		t.Errorf("after one move the calendar's SEQUENCE is not 1: %v", e)
	}

	// Offline, Ana moves it again while Ben cancels it.
	ana.ok("checkin", "reschedule", pair, id, "--at", day(second)+" 17:00")
	ben.ok("checkin", "cancel", pair, id)
	syncAll(ana, ben, ana)
	for _, m := range []member{ana, ben} {
		out, errOut, code := m.run("checkin", "upcoming", pair)
		if code != 0 || out != "" || !strings.Contains(errOut, "No check-ins scheduled") {
			t.Errorf("upcoming after a cancel: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		e := calendar(t, m, pair)[mentoring.MeetingUID(pair, id)]
		if e == nil || prop(e, ics.ComponentPropertyStatus) != "CANCELLED" || prop(e, ics.ComponentPropertySequence) != "2" {
			t.Errorf("calendar after a move and a cancel at once: %v, want STATUS:CANCELLED and SEQUENCE:2", e)
		}
	}
	if _, errOut, code := ana.run("checkin", "reschedule", pair, id, "--at", day(second)+" 18:00"); code != 1 || !strings.Contains(errOut, "cancelled") {
		t.Errorf("moving a cancelled meeting: exit %d, %q", code, errOut)
	}
	if _, errOut, code := ana.run("checkin", "cancel", pair, "nosuchmeeting"); code != 1 || !strings.Contains(errOut, "checkin upcoming") {
		t.Errorf("cancelling an unknown meeting: exit %d, %q", code, errOut)
	}
}
