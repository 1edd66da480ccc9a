package workspace

import (
	"errors"
	"strings"
	"testing"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/store"
)

// The meeting every test here reminds of: Tuesday 16 March 2027 at 17:00
// in Lisbon, in the two weeks when the US has moved its clocks and Europe
// has not, so New York is four hours behind rather than five.
var (
	meetingAt  = time.Date(2027, 3, 16, 17, 0, 0, 0, time.UTC)
	scheduleAt = time.Date(2027, 3, 10, 12, 0, 0, 0, time.UTC)
)

const joinLink = "https://meet.example.org/ana-ben"

// lisbonAndNewYork is a pair with a meeting: Ana, a mentor in Lisbon,
// makes it and schedules the meeting; Ben, a mentee in New York, joins from
// her invite with his own data folder. deliver carries Ana's changes to
// Ben, as the relay would.
type lisbonAndNewYork struct {
	t          *testing.T
	ana, ben   *Workspace
	benDir     string
	pair, mtg  string
	delivered  uint64    // the relay's cursor for Ben
	benClockAt time.Time // Ben's workspace clock
}

func newLisbonAndNewYork(t *testing.T) *lisbonAndNewYork {
	t.Helper()
	s := &lisbonAndNewYork{t: t, benDir: t.TempDir()}
	s.ana = openTemp(t)
	s.ana.SetNow(func() time.Time { return scheduleAt })
	if err := s.ana.UpdateSettings(func(st *Settings) { st.Relay = "wss://relay.example.org" }); err != nil {
		t.Fatal(err)
	}
	var err error
	if s.pair, err = s.ana.NewPair("Ana & Ben", "Ana", mentoring.Mentor); err != nil {
		t.Fatal(err)
	}
	s.anaEdit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SetTimeZone(p, me, "Europe/Lisbon")
	})
	s.mtg = s.anaEdit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.ScheduleMeeting(p, me, mentoring.MeetingInput{At: "2027-03-16 17:00", Zone: "Europe/Lisbon", Channel: "video", Link: joinLink, Agenda: "Your first month\nand more"}, scheduleAt)
	})
	code, err := s.ana.Invite(s.pair, false)
	if err != nil {
		t.Fatal(err)
	}
	s.openBen()
	if _, err := s.ben.Join(code, "Ben", mentoring.Mentee); err != nil {
		t.Fatal(err)
	}
	s.deliver()
	if made, err := s.ben.CompleteJoin(s.pair); err != nil || !made {
		t.Fatalf("Ben's joining: got %v, %v", made, err)
	}
	if _, err := s.ben.Edit(s.pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SetTimeZone(p, me, "America/New_York")
	}); err != nil {
		t.Fatal(err)
	}
	return s
}

// openBen opens Ben's data folder, whose clock reads benClockAt.
func (s *lisbonAndNewYork) openBen() {
	s.t.Helper()
	w, err := Open(s.benDir, s.t.Logf)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { w.Close() })
	w.SetNow(func() time.Time { return s.benClockAt })
	s.ben = w
}

func (s *lisbonAndNewYork) anaEdit(build Editor) string {
	s.t.Helper()
	id, err := s.ana.Edit(s.pair, build)
	if err != nil {
		s.t.Fatal(err)
	}
	return id
}

func (s *lisbonAndNewYork) deliver() {
	s.t.Helper()
	snap, err := s.ana.Snapshot(s.pair)
	if err != nil {
		s.t.Fatal(err)
	}
	s.delivered++
	if err := s.ben.ApplyRemote(s.pair, []Remote{{Kind: store.Document, Data: snap}}, s.delivered); err != nil {
		s.t.Fatal(err)
	}
}

// due is what Ben's computer shows at: the reminders due, each recorded as
// shown, as the app's loop does.
func (s *lisbonAndNewYork) due(at time.Time) []PairNudge {
	s.t.Helper()
	s.benClockAt = at
	n, err := s.ben.DueNudges(at)
	if err != nil {
		s.t.Fatal(err)
	}
	var out []PairNudge
	for _, x := range n {
		if !strings.HasPrefix(x.Key, meetingKeyPrefix) {
			continue // the rhythm's reminders are tested apart
		}
		out = append(out, x)
		if err := s.ben.Nudged(x.Pair, x.Key); err != nil {
			s.t.Fatal(err)
		}
	}
	return out
}

// wantOne checks that exactly one reminder is due at at, titled title,
// with each of body in its text.
func (s *lisbonAndNewYork) wantOne(at time.Time, title string, body ...string) {
	s.t.Helper()
	n := s.due(at)
	if len(n) != 1 {
		s.t.Fatalf("at %v: got %d meeting reminders %+v, want 1", at, len(n), n)
	}
	if n[0].Pair != s.pair || n[0].Title != title {
		s.t.Errorf("at %v: got %q for pair %s, want %q", at, n[0].Title, n[0].Pair, title)
	}
	for _, b := range body {
		if !strings.Contains(n[0].Body, b) {
			s.t.Errorf("at %v: the body %q does not say %q", at, n[0].Body, b)
		}
	}
}

func (s *lisbonAndNewYork) wantNone(at time.Time) {
	s.t.Helper()
	if n := s.due(at); len(n) != 0 {
		s.t.Errorf("at %v: got %+v, want no meeting reminder", at, n)
	}
}

func (s *lisbonAndNewYork) wantNext(after time.Time, want time.Time) {
	s.t.Helper()
	got, ok := s.ben.NextReminderAt(after)
	switch {
	case want.IsZero() && ok:
		s.t.Errorf("next reminder after %v: got %v, want none", after, got)
	case !want.IsZero() && (!ok || !got.Equal(want)):
		s.t.Errorf("next reminder after %v: got %v (%v), want %v", after, got, ok, want)
	}
}

// The mentee in New York is reminded a day before and a quarter of an hour
// before the meeting his mentor in Lisbon scheduled, each once, at his own
// hour with hers beside it and the link to join.
func TestMeetingRemindersComeAtEachLeadOnce(t *testing.T) {
	s := newLisbonAndNewYork(t)
	dayBefore, quarter := meetingAt.Add(-24*time.Hour), meetingAt.Add(-15*time.Minute)

	s.wantNone(scheduleAt)
	s.wantNext(scheduleAt, dayBefore)
	s.wantNone(dayBefore.Add(-time.Second))
	s.wantOne(dayBefore, "Check-in with Ana tomorrow at 13:00",
		"Tue 16 Mar 13:00 your time · 17:00 Ana's", "Join: "+joinLink, "Agenda: Your first month")
	s.wantNone(dayBefore)
	s.wantNone(dayBefore.Add(time.Hour))
	s.wantNext(dayBefore, quarter)
	// The loop wakes a few seconds late: the title still counts from the
	// meeting, in whole minutes.
	s.wantOne(quarter.Add(3*time.Second), "Check-in with Ana in 15 minutes", "13:00 your time", joinLink)
	s.wantNone(quarter.Add(time.Minute))
	s.wantNext(quarter, time.Time{})
	s.wantNone(meetingAt)

	// What was shown stays shown after the app restarts.
	s.ben.Close()
	s.openBen()
	s.wantNone(meetingAt.Add(-time.Minute))
}

// A computer that was off through the day-before reminder gives only the
// nearest one when it starts, and none once the meeting has begun.
func TestMissedRemindersComeOnceAndOnlyTheNearest(t *testing.T) {
	s := newLisbonAndNewYork(t)
	s.wantOne(meetingAt.Add(-10*time.Minute), "Check-in with Ana in 10 minutes")
	s.wantNone(meetingAt.Add(-9 * time.Minute))

	late := newLisbonAndNewYork(t)
	late.wantNone(meetingAt.Add(time.Minute))
	late.wantNext(meetingAt.Add(time.Minute), time.Time{})

	// The evening before, a computer off since the meeting was made says
	// "tomorrow" once, and later the quarter-hour reminder still comes.
	eve := newLisbonAndNewYork(t)
	eve.wantOne(meetingAt.Add(-20*time.Hour), "Check-in with Ana tomorrow at 13:00")
	eve.wantOne(meetingAt.Add(-15*time.Minute), "Check-in with Ana in 15 minutes")
}

// A meeting moved after its reminder reminds again, at its new time; one
// cancelled never reminds; one Ben said he can't make does not either.
func TestMovedMeetingsRemindAgainAndCancelledNever(t *testing.T) {
	s := newLisbonAndNewYork(t)
	s.wantOne(meetingAt.Add(-24*time.Hour), "Check-in with Ana tomorrow at 13:00")
	// The evening before, Ana moves it to 10:00 Lisbon (06:00 in New York).
	s.ana.SetNow(func() time.Time { return meetingAt.Add(-23 * time.Hour) })
	s.anaEdit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.RescheduleMeeting(p, me, s.mtg, "2027-03-16 10:00", "Europe/Lisbon", meetingAt.Add(-23*time.Hour))
	})
	s.deliver()
	movedAt := time.Date(2027, 3, 16, 10, 0, 0, 0, time.UTC)
	s.wantOne(meetingAt.Add(-22*time.Hour), "Check-in with Ana tomorrow at 06:00", "Tue 16 Mar 06:00 your time · 10:00 Ana's")
	s.wantNone(meetingAt.Add(-21 * time.Hour))
	s.wantNext(meetingAt.Add(-21*time.Hour), movedAt.Add(-15*time.Minute))
	s.wantOne(movedAt.Add(-15*time.Minute), "Check-in with Ana in 15 minutes")
	s.wantNone(meetingAt.Add(-15 * time.Minute)) // nothing left at the old time

	c := newLisbonAndNewYork(t)
	c.anaEdit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.CancelMeeting(p, me, c.mtg, scheduleAt)
	})
	c.deliver()
	c.wantNext(scheduleAt, time.Time{})
	c.wantNone(meetingAt.Add(-24 * time.Hour))
	c.wantNone(meetingAt.Add(-15 * time.Minute))

	d := newLisbonAndNewYork(t)
	if _, err := d.ben.Edit(d.pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SetAttendance(p, me, d.mtg, false)
	}); err != nil {
		t.Fatal(err)
	}
	d.wantNext(scheduleAt, time.Time{})
	d.wantNone(meetingAt.Add(-15 * time.Minute))
}

// The reminder times Ben chooses are his computer's: they replace the
// defaults, last across restarts, and do not reach Ana. Switching the
// pair's rhythm reminders off leaves the meeting's.
func TestChosenReminderTimesAreKept(t *testing.T) {
	s := newLisbonAndNewYork(t)
	if got := s.ben.ReminderLeads(); len(got) != 2 || got[0] != 15*time.Minute || got[1] != 24*time.Hour {
		t.Fatalf("default leads: got %v, want [15m 24h]", got)
	}
	if err := s.ben.SetReminderLeads([]time.Duration{time.Hour, 2 * 24 * time.Hour, time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ben.SetNudges(s.pair, false, 0, scheduleAt); err != nil {
		t.Fatal(err)
	}
	s.ben.Close()
	s.openBen()
	if got := s.ben.ReminderLeads(); len(got) != 2 || got[0] != time.Hour || got[1] != 48*time.Hour {
		t.Fatalf("after a restart: got %v, want [1h 48h]", got)
	}
	if got := s.ana.ReminderLeads(); len(got) != 2 || got[0] != 15*time.Minute {
		t.Errorf("Ana's leads changed with Ben's: %v", got)
	}
	s.wantOne(meetingAt.Add(-48*time.Hour), "Check-in with Ana on Tuesday at 13:00")
	s.wantNone(meetingAt.Add(-24 * time.Hour))
	s.wantNext(meetingAt.Add(-24*time.Hour), meetingAt.Add(-time.Hour))
	s.wantOne(meetingAt.Add(-time.Hour), "Check-in with Ana in 1 hour")
	s.wantNone(meetingAt.Add(-15 * time.Minute))
}

func TestReminderTimesOutsideTheLimitsAreRefused(t *testing.T) {
	w := openTemp(t)
	for _, tt := range []struct {
		leads []time.Duration
		want  string
	}{
		{nil, "at least one"},
		{[]time.Duration{time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour}, "at most 4"},
		{[]time.Duration{30 * time.Second}, "from 1 minute to 7 days"},
		{[]time.Duration{8 * 24 * time.Hour}, "8 days before a meeting is outside"},
		{[]time.Duration{90 * time.Second}, "whole number of minutes"},
	} {
		err := w.SetReminderLeads(tt.leads)
		if !errors.Is(err, mentoring.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v, want a refusal saying %q", tt.leads, err, tt.want)
		}
	}
	if got := w.ReminderLeads(); len(got) != 2 {
		t.Errorf("a refused choice changed the leads to %v", got)
	}
	if err := w.SetReminderLeads([]time.Duration{time.Minute, 7 * 24 * time.Hour}); err != nil {
		t.Errorf("the limits themselves: %v", err)
	}
}
