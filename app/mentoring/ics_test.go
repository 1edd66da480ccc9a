package mentoring

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

func TestICSParsesBackWithRhythmMilestonesAndReview(t *testing.T) {
	r := newReplicaPair(t, "Ana", Mentor)
	ben := r.join("Ben", Mentee)
	sync(t, r, ben)
	r.do(func(p *Pair) (Edit, error) {
		return SetAgreement(p, AgreementInput{CadenceDays: ptr(14), Start: ptr("2026-11-01"), End: ptr("2027-06-30"), Review: ptr("2027-02-01")})
	})
	g := r.do(func(p *Pair) (Edit, error) { return AddGoal(p, r.me, GoalInput{Title: ptr("Talk")}, t0) })
	r.do(func(p *Pair) (Edit, error) { return AddMilestone(p, g, "Submit abstract", "2026-12-10", t0) })
	r.do(func(p *Pair) (Edit, error) { return AddMilestone(p, g, "Undated step", "", t0) })
	r.do(func(p *Pair) (Edit, error) { return AddCheckin(p, r.me, CheckinInput{Date: "2026-11-20"}, t0) })

	var b bytes.Buffer
	if err := ExportICS(&b, r.pair(), r.me, time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("parse back: %v\n%s", err, b.String())
	}
	events := cal.Events()
	if len(events) != 3 {
		t.Fatalf("events: got %d, want 3 (rhythm, dated milestone, review)\n%s", len(events), b.String())
	}
	byUID := map[string]*ics.VEvent{}
	for _, e := range events {
		byUID[strings.SplitN(e.Id(), "@", 2)[0]] = e
	}
	check := func(uid, wantSummary, wantStart string) *ics.VEvent {
		t.Helper()
		e := byUID[uid]
		if e == nil {
			t.Fatalf("no event %s", uid)
		}
		if got := e.GetProperty(ics.ComponentPropertySummary).Value; got != wantSummary {
			t.Errorf("%s summary: got %q, want %q", uid, got, wantSummary)
		}
		start, err := e.GetAllDayStartAt()
		if err != nil || start.Format(DateLayout) != wantStart {
			t.Errorf("%s start: got %v (%v), want %s", uid, start, err, wantStart)
		}
		return e
	}
	rhythm := check("checkins", "Mentoring check-in with Ben", "2026-12-04")
	if got := rhythm.GetProperty(ics.ComponentPropertyRrule).Value; got != "FREQ=DAILY;INTERVAL=14;UNTIL=20270630" {
		t.Errorf("rrule: got %q", got)
	}
	var ms string
	for uid := range byUID {
		if strings.HasPrefix(uid, "milestone-") {
			ms = uid
		}
	}
	check(ms, "Milestone: Submit abstract", "2026-12-10")
	check("review", "Review the mentoring agreement", "2027-02-01")
}
