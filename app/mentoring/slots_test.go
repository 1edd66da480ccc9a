package mentoring

import (
	"strings"
	"testing"
	"time"
)

func TestSlotsFallInsideBothMembersHours(t *testing.T) {
	ana, _ := lisbonNewYork(t)
	p := ana.pair()
	from := time.Date(2027, 1, 11, 0, 0, 0, 0, time.UTC) // a Monday
	got, err := FindSlots(p, from, 7, 45*time.Minute, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Found) != 5 {
		t.Fatalf("slots: got %d, want one each weekday", len(got.Found))
	}
	s := got.Found[0]
	// Ben starts at 09:00 New York (14:00 Lisbon); Ana stops at 17:30.
	if s.Start.Format(time.RFC3339) != "2027-01-11T14:00:00Z" || s.End.Format(time.RFC3339) != "2027-01-11T17:30:00Z" {
		t.Errorf("first slot: got %s to %s", s.Start, s.End)
	}
	if want := "Mon 11 Jan 14:00–17:30 your time · 09:00–12:30 Ben's"; SpanTimes(p, s.Start, s.End, ana.me, time.UTC) != want {
		t.Errorf("shown to Ana: got %q, want %q", SpanTimes(p, s.Start, s.End, ana.me, time.UTC), want)
	}
	// The week the US has changed its clocks and Europe has not, the
	// shared stretch is an hour longer.
	got, _ = FindSlots(p, time.Date(2027, 3, 15, 0, 0, 0, 0, time.UTC), 1, 45*time.Minute, 0)
	if len(got.Found) != 1 || got.Found[0].Start.Format("15:04") != "13:00" {
		t.Errorf("mid-March: got %+v, want 13:00 UTC", got.Found)
	}
	if got, _ := FindSlots(p, from, 7, 4*time.Hour, 0); len(got.Found) != 0 || !strings.Contains(got.Closest, "at most 3h30m") {
		t.Errorf("longer than the overlap: got %+v", got)
	}
}

func TestSlotsSayWhenHoursNeverOverlap(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ben := ana.join("Ben", Mentee)
	ana.do(func(p *Pair) (Edit, error) { return SetTimeZone(p, ana.me, "Pacific/Auckland") })
	ana.do(func(p *Pair) (Edit, error) { return SetHours(p, ana.me, "09:00-17:00") })
	ben.do(func(p *Pair) (Edit, error) { return SetTimeZone(p, ben.me, "Europe/Lisbon") })
	ben.do(func(p *Pair) (Edit, error) { return SetHours(p, ben.me, "09:00-17:00") })
	sync(t, ana, ben)
	got, err := FindSlots(ana.pair(), time.Date(2027, 1, 11, 0, 0, 0, 0, time.UTC), 14, 30*time.Minute, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Auckland is 13 hours ahead in January: Ben's day ends at 06:00
	// for Ana, three hours before hers starts.
	if len(got.Found) != 0 || !strings.Contains(got.Closest, "Ben's hours end, at Mon 17:00 their time (Tue 06:00 for Ana), and Ana's start 3h later") {
		t.Errorf("got %+v", got)
	}
}

func TestSlotsInAHalfHourZone(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ben := ana.join("Ben", Mentee)
	ana.do(func(p *Pair) (Edit, error) { return SetTimeZone(p, ana.me, "Europe/Lisbon") })
	ana.do(func(p *Pair) (Edit, error) { return SetHours(p, ana.me, "08:00-12:00") })
	ben.do(func(p *Pair) (Edit, error) { return SetTimeZone(p, ben.me, "Asia/Kolkata") })
	ben.do(func(p *Pair) (Edit, error) { return SetHours(p, ben.me, "10:00-14:00") })
	sync(t, ana, ben)
	got, _ := FindSlots(ana.pair(), time.Date(2027, 1, 11, 0, 0, 0, 0, time.UTC), 1, 30*time.Minute, 0)
	// Kolkata 14:00 is 08:30 in Lisbon: half an hour shared.
	if len(got.Found) != 1 || got.Found[0].Start.Format("15:04") != "08:00" || got.Found[0].End.Format("15:04") != "08:30" {
		t.Errorf("got %+v", got.Found)
	}
}

func TestSlotsNameWhoseHoursAreMissing(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ben := ana.join("Ben", Mentee)
	ana.do(func(p *Pair) (Edit, error) { return SetTimeZone(p, ana.me, "Europe/Lisbon") })
	ana.do(func(p *Pair) (Edit, error) { return SetHours(p, ana.me, "09:00-17:00") })
	ben.do(func(p *Pair) (Edit, error) { return SetTimeZone(p, ben.me, "Europe/Lisbon") })
	sync(t, ana, ben)
	_, err := FindSlots(ana.pair(), t0, 7, time.Hour, 0)
	if err == nil || !strings.Contains(err.Error(), "Ben has not given contact hours in the agreement") {
		t.Errorf("got %v", err)
	}
}
