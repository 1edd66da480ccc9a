package mentoring

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

// lisbonNewYork is a mentor in Lisbon and a mentee in New York, each with
// their zone and weekday contact hours in the agreement.
func lisbonNewYork(t *testing.T) (ana, ben *replica) {
	t.Helper()
	ana = newReplicaPair(t, "Ana", Mentor)
	ben = ana.join("Ben", Mentee)
	ana.do(func(p *Pair) (Edit, error) { return SetTimeZone(p, ana.me, "Europe/Lisbon") })
	ana.do(func(p *Pair) (Edit, error) { return SetHours(p, ana.me, "mon-fri 09:00-17:30") })
	ben.do(func(p *Pair) (Edit, error) { return SetTimeZone(p, ben.me, "America/New_York") })
	ben.do(func(p *Pair) (Edit, error) { return SetHours(p, ben.me, "mon-fri 09:00-17:00") })
	sync(t, ana, ben)
	return ana, ben
}

func schedule(r *replica, at, zone string) string {
	return r.do(func(p *Pair) (Edit, error) {
		return ScheduleMeeting(p, r.me, MeetingInput{At: at, Zone: zone, Channel: "video", Link: "https://meet.jit.si/ana-ben", Agenda: "The move"}, t0)
	})
}

func TestPartnerSeesTheMeetingAtTheirOwnHour(t *testing.T) {
	cases := []struct {
		name             string
		at               string
		forAna, forBen   string
		wantUTC          string
		anaZone, benZone string
	}{
		{"winter: five hours apart", "2027-01-12 17:00",
			"Tue 12 Jan 17:00 your time · 12:00 Ben's", "Tue 12 Jan 12:00 your time · 17:00 Ana's", "2027-01-12T17:00:00Z", "Europe/Lisbon", "America/New_York"},
		{"the US has changed its clocks and Europe has not: four hours", "2027-03-16 17:00",
			"Tue 16 Mar 17:00 your time · 13:00 Ben's", "Tue 16 Mar 13:00 your time · 17:00 Ana's", "2027-03-16T17:00:00Z", "Europe/Lisbon", "America/New_York"},
		{"both on summer time: five hours again", "2027-04-06 17:00",
			"Tue 6 Apr 17:00 your time · 12:00 Ben's", "Tue 6 Apr 12:00 your time · 17:00 Ana's", "2027-04-06T16:00:00Z", "Europe/Lisbon", "America/New_York"},
		{"a half-hour zone", "2027-01-12 17:00",
			"Tue 12 Jan 17:00 your time · 22:30 Ben's", "Tue 12 Jan 22:30 your time · 17:00 Ana's", "2027-01-12T17:00:00Z", "Europe/Lisbon", "Asia/Kolkata"},
		{"across the date line", "2027-01-12 09:00",
			"Tue 12 Jan 09:00 your time · Mon 11 Jan 12:00 Ben's", "Mon 11 Jan 12:00 your time · Tue 12 Jan 09:00 Ana's", "2027-01-11T20:00:00Z", "Pacific/Auckland", "America/Los_Angeles"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ana := newReplicaPair(t, "Ana", Mentor)
			ben := ana.join("Ben", Mentee)
			ana.do(func(p *Pair) (Edit, error) { return SetTimeZone(p, ana.me, c.anaZone) })
			ben.do(func(p *Pair) (Edit, error) { return SetTimeZone(p, ben.me, c.benZone) })
			id := schedule(ana, c.at, c.anaZone)
			sync(t, ana, ben)
			p := converged(t, ana, ben)
			m, ok := p.Meeting(id)
			if !ok {
				t.Fatal("the partner does not see the meeting")
			}
			if got := m.At.Format(time.RFC3339); got != c.wantUTC {
				t.Errorf("instant: got %s, want %s", got, c.wantUTC)
			}
			if got := MeetingTimes(p, m, ana.me, time.UTC); got != c.forAna {
				t.Errorf("for Ana: got %q, want %q", got, c.forAna)
			}
			if got := MeetingTimes(p, m, ben.me, time.UTC); got != c.forBen {
				t.Errorf("for Ben: got %q, want %q", got, c.forBen)
			}
		})
	}
}

func TestClockChangesAreRefusedOrResolved(t *testing.T) {
	if _, err := ParseWallTime("2027-03-28 01:30", "Europe/Lisbon"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a time the clocks skip: got %v, want a refusal naming the gap", err)
	}
	got, err := ParseWallTime("2027-10-31 01:30", "Europe/Lisbon") // passed twice
	if err != nil {
		t.Fatal(err)
	}
	if want := "2027-10-31T00:30:00Z"; got.UTC().Format(time.RFC3339) != want {
		t.Errorf("a time passed twice: got %s, want the first, %s", got.UTC().Format(time.RFC3339), want)
	}
	for _, bad := range [][2]string{{"12/01/2027 17:00", "Europe/Lisbon"}, {"2027-01-12 17:00", "Mars/Olympus"}, {"2027-01-12 17:00", "Local"}, {"2027-01-12 17:00", ""}} {
		if _, err := ParseWallTime(bad[0], bad[1]); err == nil {
			t.Errorf("%q in %q: accepted", bad[0], bad[1])
		}
	}
}

func TestMoveAndCancelAtOnceEndCancelledForBoth(t *testing.T) {
	ana, ben := lisbonNewYork(t)
	id := schedule(ana, "2027-01-12 17:00", "Europe/Lisbon")
	sync(t, ana, ben)
	ana.do(func(p *Pair) (Edit, error) {
		return RescheduleMeeting(p, ana.me, id, "2027-01-13 16:00", "Europe/Lisbon", t0)
	})
	ben.do(func(p *Pair) (Edit, error) { return CancelMeeting(p, ben.me, id, t0) })
	sync(t, ana, ben)
	p := converged(t, ana, ben)
	m, _ := p.Meeting(id)
	if !m.Cancelled || m.CancelledBy != ben.me {
		t.Fatalf("got cancelled=%v by %q, want cancelled by Ben", m.Cancelled, m.CancelledBy)
	}
	if m.Local != "2027-01-13 16:00" || m.Sequence != 1 {
		t.Errorf("the move is kept underneath: got %s sequence %d", m.Local, m.Sequence)
	}
	if len(p.Upcoming(t0)) != 0 {
		t.Error("a cancelled meeting is still listed as upcoming")
	}
	if _, err := RescheduleMeeting(p, ana.me, id, "2027-01-14 16:00", "Europe/Lisbon", t0); err == nil {
		t.Error("a cancelled meeting could be moved")
	}
}

func TestTwoMovesAtOnceMergeToOneTimeAndRaiseTheSequence(t *testing.T) {
	ana, ben := lisbonNewYork(t)
	id := schedule(ana, "2027-01-12 17:00", "Europe/Lisbon")
	sync(t, ana, ben)
	ana.do(func(p *Pair) (Edit, error) {
		return RescheduleMeeting(p, ana.me, id, "2027-01-13 16:00", "Europe/Lisbon", t0)
	})
	ben.do(func(p *Pair) (Edit, error) {
		return RescheduleMeeting(p, ben.me, id, "2027-01-14 10:00", "America/New_York", t0)
	})
	sync(t, ana, ben)
	p := converged(t, ana, ben)
	m, _ := p.Meeting(id)
	one := m.Local == "2027-01-13 16:00" && m.Zone == "Europe/Lisbon"
	other := m.Local == "2027-01-14 10:00" && m.Zone == "America/New_York"
	if !one && !other {
		t.Errorf("got %s %s, a mix of the two moves", m.Local, m.Zone)
	}
	if m.Sequence != 2 {
		t.Errorf("sequence: got %d, want 2 (both moves counted)", m.Sequence)
	}
}

func TestEachMemberAnswersForThemselves(t *testing.T) {
	ana, ben := lisbonNewYork(t)
	id := schedule(ana, "2027-01-12 17:00", "Europe/Lisbon")
	sync(t, ana, ben)
	ben.do(func(p *Pair) (Edit, error) { return SetAttendance(p, ben.me, id, false) })
	sync(t, ana, ben)
	m, _ := converged(t, ana, ben).Meeting(id)
	if m.Attendance[ana.me] != Going || m.Attendance[ben.me] != NotGoing {
		t.Errorf("attendance: got %v", m.Attendance)
	}
}

func TestPastAndBadMeetingsAreRefused(t *testing.T) {
	ana, _ := lisbonNewYork(t)
	p := ana.pair()
	for _, in := range []MeetingInput{
		{At: "2026-10-01 10:00", Zone: "Europe/Lisbon"},                             // before t0
		{At: "2027-01-12 17:00", Zone: "Europe/Lisbon", Minutes: 2},                 // too short
		{At: "2027-01-12 17:00", Zone: "Europe/Lisbon", Link: "file:///etc/passwd"}, // not a join link
		{At: "2027-01-12 17:00", Zone: "Europe/Lisbon", Link: "javascript:alert(1)"},
		{At: "2027-01-12 17:00", Zone: "Europe/Lisbon", Channel: "pigeon"},
	} {
		if _, err := ScheduleMeeting(p, ana.me, in, t0); err == nil {
			t.Errorf("%+v: accepted", in)
		}
	}
	for _, ok := range []string{"https://zoom.us/j/123?pwd=x", "+44 20 7946 0000", "http://teams.example/x"} {
		if _, err := ScheduleMeeting(p, ana.me, MeetingInput{At: "2027-01-12 17:00", Zone: "Europe/Lisbon", Link: ok}, t0); err != nil {
			t.Errorf("link %q: %v", ok, err)
		}
	}
}

// A partner's replica may write anything; what it writes must not break
// the pair, open something unsafe or claim impossible lengths.
func TestHostileMeetingValuesAreNotTrusted(t *testing.T) {
	ana, ben := lisbonNewYork(t)
	id := schedule(ana, "2027-01-12 17:00", "Europe/Lisbon")
	sync(t, ana, ben)
	for k, v := range map[string]any{kLink: "file:///etc/passwd", kMinutes: int64(1 << 40), kChannel: "<script>"} {
		if err := ben.doc.Set(path(meetingPrefix+id, k), v); err != nil {
			t.Fatal(err)
		}
	}
	if err := ben.doc.NewMap(path(meetingPrefix + "junk")); err != nil {
		t.Fatal(err)
	}
	if err := ben.doc.Set(path(meetingPrefix+"junk", kWhen), "next tuesday-ish"); err != nil {
		t.Fatal(err)
	}
	if _, err := ben.doc.Commit("hostile", t0); err != nil {
		t.Fatal(err)
	}
	sync(t, ana, ben)
	p := ana.pair()
	if len(p.Meetings) != 1 {
		t.Fatalf("meetings: got %d, want the one real meeting", len(p.Meetings))
	}
	m := p.Meetings[0]
	if m.Link != "" || m.JoinURL() != "" || m.Channel != "" || m.Minutes != MaxMeetingMinutes {
		t.Errorf("got link %q, channel %q, %d minutes", m.Link, m.Channel, m.Minutes)
	}
}

func TestLoggingAMeetingStartsFromIt(t *testing.T) {
	ana, ben := lisbonNewYork(t)
	id := schedule(ana, "2027-01-12 23:30", "Europe/Lisbon")
	sync(t, ana, ben)
	p := ben.pair()
	m, _ := p.Meeting(id)
	ny, _ := time.LoadLocation("America/New_York")
	in := CheckinFromMeeting(m, ny)
	if in.Date != "2027-01-12" || in.Channel != "video" || in.Agenda != "The move" || in.Minutes != DefaultMeetingMinutes {
		t.Errorf("prefilled: %+v", in)
	}
	in.Notes = "Went well."
	ci := ben.do(func(p *Pair) (Edit, error) { return AddCheckin(p, ben.me, in, t0) })
	sync(t, ana, ben)
	p = converged(t, ana, ben)
	m, _ = p.Meeting(id)
	c, _ := p.Checkin(ci)
	if m.Checkin != ci || c.Meeting != id {
		t.Errorf("the meeting and its check-in are not linked: %q, %q", m.Checkin, c.Meeting)
	}
	if len(p.Upcoming(t0)) != 0 {
		t.Error("a logged meeting is still upcoming")
	}
	if _, err := AddCheckin(p, ana.me, CheckinFromMeeting(m, ny), t0); err == nil {
		t.Error("the same meeting was logged twice")
	}
}

func TestTheRhythmCountsFromTheNextMeeting(t *testing.T) {
	ana, _ := lisbonNewYork(t)
	ana.do(func(p *Pair) (Edit, error) { return SetAgreement(p, AgreementInput{CadenceDays: ptr(14)}) })
	today := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) // 29 days after the start: stalled
	if r := RhythmOn(ana.pair(), today); r.State != Stalled {
		t.Fatalf("before: got %v, want stalled", r.State)
	}
	schedule(ana, "2026-12-08 10:00", "Europe/Lisbon")
	r := RhythmOn(ana.pair(), today)
	if r.Next != "2026-12-08" || r.Days != 8 || r.State != OnTrack {
		t.Errorf("got next %s in %d days, %v; want 2026-12-08 in 8 days, on track", r.Next, r.Days, r.State)
	}
}

func TestSchedulingOutsideThePartnersHoursWarns(t *testing.T) {
	ana, _ := lisbonNewYork(t)
	p := ana.pair()
	early, _ := ParseWallTime("2027-01-12 10:00", "Europe/Lisbon") // 05:00 in New York
	msg, warn := OutsidePartnerHours(p, ana.me, early, 45)
	if !warn || !strings.Contains(msg, "Tue 05:00 for Ben") {
		t.Errorf("got %v %q", warn, msg)
	}
	fine, _ := ParseWallTime("2027-01-12 15:00", "Europe/Lisbon") // 10:00 in New York
	if msg, warn := OutsidePartnerHours(p, ana.me, fine, 45); warn {
		t.Errorf("inside both: warned %q", msg)
	}
}

// exportFor writes r's calendar file and parses it back with a real
// iCalendar parser, returning the events by UID.
func exportFor(t *testing.T, r *replica, today time.Time) map[string]*ics.VEvent {
	t.Helper()
	var b bytes.Buffer
	if err := ExportICS(&b, r.pair(), r.me, today); err != nil {
		t.Fatal(err)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("parse back: %v\n%s", err, b.String())
	}
	out := map[string]*ics.VEvent{}
	for _, e := range cal.Events() {
		out[e.Id()] = e
	}
	return out
}

func TestCalendarFileHoldsTheMeetingAtItsInstant(t *testing.T) {
	ana, ben := lisbonNewYork(t)
	id := schedule(ana, "2027-03-16 17:00", "Europe/Lisbon") // the US on summer time, Europe not yet
	sync(t, ana, ben)
	p := ben.pair()
	e := exportFor(t, ben, t0)[MeetingUID(p.ID, id)]
	if e == nil {
		t.Fatal("the meeting is not in the mentee's calendar file")
	}
	start, err := e.GetStartAt()
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	if got := start.In(ny).Format("2006-01-02 15:04"); got != "2027-03-16 13:00" {
		t.Errorf("in New York: got %s, want 2027-03-16 13:00", got)
	}
	end, _ := e.GetEndAt()
	if end.Sub(start) != DefaultMeetingMinutes*time.Minute {
		t.Errorf("length: got %s", end.Sub(start))
	}
	for prop, want := range map[ics.ComponentProperty]string{
		ics.ComponentPropertyUrl: "https://meet.jit.si/ana-ben", ics.ComponentPropertyLocation: "https://meet.jit.si/ana-ben",
		ics.ComponentPropertySequence: "0", ics.ComponentPropertyStatus: "CONFIRMED",
	} {
		if got := e.GetProperty(prop); got == nil || got.Value != want {
			t.Errorf("%s: got %v, want %q", prop, got, want)
		}
	}
	if n := len(e.Alarms()); n != 2 {
		t.Errorf("alarms: got %d, want 2", n)
	}

	// Moved, then cancelled: the same UID, a higher SEQUENCE, CANCELLED.
	ana.do(func(p *Pair) (Edit, error) {
		return RescheduleMeeting(p, ana.me, id, "2027-03-17 16:00", "Europe/Lisbon", t0)
	})
	sync(t, ana, ben)
	e = exportFor(t, ben, t0)[MeetingUID(p.ID, id)]
	start, _ = e.GetStartAt()
	if start.UTC().Format(time.RFC3339) != "2027-03-17T16:00:00Z" || e.GetProperty(ics.ComponentPropertySequence).Value != "1" {
		t.Errorf("moved: got %s sequence %s", start.UTC(), e.GetProperty(ics.ComponentPropertySequence).Value)
	}
	ben.do(func(p *Pair) (Edit, error) { return CancelMeeting(p, ben.me, id, t0) })
	e = exportFor(t, ben, t0)[MeetingUID(p.ID, id)]
	if got := e.GetProperty(ics.ComponentPropertyStatus).Value; got != "CANCELLED" {
		t.Errorf("cancelled: status %s", got)
	}
}

func TestTheRecordListsScheduledMeetings(t *testing.T) {
	ana, _ := lisbonNewYork(t)
	id := schedule(ana, "2027-03-16 17:00", "Europe/Lisbon")
	gone := schedule(ana, "2027-03-18 17:00", "Europe/Lisbon")
	ana.do(func(p *Pair) (Edit, error) { return CancelMeeting(p, ana.me, gone, t0) })
	var b bytes.Buffer
	if err := ExportMarkdown(&b, ana.pair()); err != nil {
		t.Fatal(err)
	}
	want := "- 2027-03-16 17:00 Europe/Lisbon (2027-03-16 17:00 UTC), 45 min, video, https://meet.jit.si/ana-ben: The move\n"
	if !strings.Contains(b.String(), "## Scheduled check-ins\n\n"+want) || strings.Contains(b.String(), "2027-03-18") {
		t.Errorf("meeting %s: the record says\n%s", id, b.String())
	}
}
