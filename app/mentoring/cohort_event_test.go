package mentoring

import (
	"errors"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// A timed cohort event exports at the instant the manager meant, whatever
// the clocks of the manager's and the member's zones are doing that week.
// The wanted instants are written out in UTC by hand, not computed with the
// zone code under test.
func TestTimedEventsExportAtTheRightInstant(t *testing.T) {
	tests := []struct {
		name      string
		in        EventInput
		wantStart time.Time
		viewer    string
		wantWhen  string
	}{
		{
			// The US moved its clocks on 14 March 2027, Europe not until
			// the 28th: for these two weeks Lisbon is four hours ahead of
			// New York, not five.
			name:      "Lisbon manager, New York member, between the two clock changes",
			in:        EventInput{Date: "2027-03-16", Time: "15:00", Zone: "Europe/Lisbon"},
			wantStart: time.Date(2027, 3, 16, 15, 0, 0, 0, time.UTC),
			viewer:    "America/New_York",
			wantWhen:  "Tue 16 Mar 2027 11:00 your time · 15:00 Europe/Lisbon",
		},
		{
			name:      "half-hour zone",
			in:        EventInput{Date: "2027-04-14", Time: "16:00", Zone: "Asia/Kolkata", Minutes: 90},
			wantStart: time.Date(2027, 4, 14, 10, 30, 0, 0, time.UTC),
			viewer:    "Europe/Lisbon",
			wantWhen:  "Wed 14 Apr 2027 11:30 your time · 16:00 Asia/Kolkata",
		},
		{
			name:      "Auckland morning is the Los Angeles afternoon before",
			in:        EventInput{Date: "2027-04-14", Time: "09:00", Zone: "Pacific/Auckland"},
			wantStart: time.Date(2027, 4, 13, 21, 0, 0, 0, time.UTC),
			viewer:    "America/Los_Angeles",
			wantWhen:  "Tue 13 Apr 2027 14:00 your time · Wed 14 Apr 09:00 Pacific/Auckland",
		},
		{
			name:      "Los Angeles evening is the Auckland afternoon after, in the southern summer",
			in:        EventInput{Date: "2027-01-12", Time: "17:00", Zone: "America/Los_Angeles", Minutes: 45},
			wantStart: time.Date(2027, 1, 13, 1, 0, 0, 0, time.UTC),
			viewer:    "Pacific/Auckland",
			wantWhen:  "Wed 13 Jan 2027 14:00 your time · Tue 12 Jan 17:00 America/Los_Angeles",
		},
		{
			name:      "same clock for manager and member",
			in:        EventInput{Date: "2027-07-01", Time: "18:30", Zone: "Europe/Lisbon"},
			wantStart: time.Date(2027, 7, 1, 17, 30, 0, 0, time.UTC),
			viewer:    "Europe/London",
			wantWhen:  "Thu 1 Jul 2027 18:30",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Kind, tt.in.Title, tt.in.Link = "training", "Giving feedback", "https://meet.example.org/abc-defg"
			c := newCohortDoc(t, must(t)(NewProgramme("c1", "Spring 2027", "Dana", "", "", t0)))
			c.apply(must(t)(AddEvent(tt.in)))
			pr := c.programme()
			ev := pr.Events[0]
			if got := ev.When(zone(t, tt.viewer)); got != tt.wantWhen {
				t.Errorf("in %s: got %q, want %q", tt.viewer, got, tt.wantWhen)
			}

			var out strings.Builder
			if err := ExportProgrammeICS(&out, pr, t0); err != nil {
				t.Fatal(err)
			}
			cal, err := ics.ParseCalendar(strings.NewReader(out.String()))
			if err != nil {
				t.Fatal(err)
			}
			if len(cal.Events()) != 1 {
				t.Fatalf("got %d events, want 1", len(cal.Events()))
			}
			e := cal.Events()[0]
			if got, want := e.Id(), ev.ID+"@c1.cohort.pairwise"; got != want {
				t.Errorf("UID: got %q, want %q", got, want)
			}
			if raw := e.GetProperty(ics.ComponentPropertyDtStart).Value; !strings.HasSuffix(raw, "Z") {
				t.Errorf("DTSTART %q is not in UTC: a calendar would guess its zone", raw)
			}
			start, err := e.GetStartAt()
			if err != nil || !start.Equal(tt.wantStart) {
				t.Errorf("DTSTART: got %v (%v), want %v", start, err, tt.wantStart)
			}
			minutes := tt.in.Minutes
			if minutes == 0 {
				minutes = 60
			}
			end, err := e.GetEndAt()
			if wantEnd := tt.wantStart.Add(time.Duration(minutes) * time.Minute); err != nil || !end.Equal(wantEnd) {
				t.Errorf("DTEND: got %v (%v), want %v", end, err, wantEnd)
			}
			for _, p := range []ics.ComponentProperty{ics.ComponentPropertyUrl, ics.ComponentPropertyLocation} {
				if got := e.GetProperty(p); got == nil || got.Value != tt.in.Link {
					t.Errorf("%s: got %v, want the join link", p, got)
				}
			}
			desc := e.GetProperty(ics.ComponentPropertyDescription).Value
			if want := tt.in.Time + " " + tt.in.Zone; !strings.Contains(desc, want) {
				t.Errorf("description %q does not give the time as planned, %q", desc, want)
			}
			alarms := e.Alarms()
			if len(alarms) != 1 || alarms[0].GetProperty(ics.ComponentPropertyTrigger).Value != "-PT15M" ||
				alarms[0].GetProperty(ics.ComponentPropertyAction).Value != "DISPLAY" {
				t.Errorf("want one display alarm 15 minutes before, got %d alarms", len(alarms))
			}
		})
	}
}

func TestEventTimesAreRefusedInPlainWords(t *testing.T) {
	base := func(f func(*EventInput)) EventInput {
		in := EventInput{Kind: "training", Title: "Workshop", Date: "2027-04-14", Time: "16:00", Zone: "Europe/Lisbon"}
		f(&in)
		return in
	}
	tests := []struct {
		name string
		in   EventInput
		want string
	}{
		{"unknown zone", base(func(in *EventInput) { in.Zone = "Europe/Atlantis" }), "time zone \"Europe/Atlantis\" is unknown"},
		{"the reader's own zone", base(func(in *EventInput) { in.Zone = "Local" }), "is unknown"},
		{"a time without a zone", base(func(in *EventInput) { in.Zone = "" }), "which time zone 16:00 is in"},
		{"an hour Lisbon skips", base(func(in *EventInput) { in.Date, in.Time = "2027-03-28", "01:30" }),
			"01:30 on 2027-03-28 does not exist in Europe/Lisbon: the clocks go from 01:00 straight to 02:00"},
		{"an hour New York skips", base(func(in *EventInput) { in.Date, in.Time, in.Zone = "2027-03-14", "02:15", "America/New_York" }),
			"the clocks go from 02:00 straight to 03:00 that night; choose a time before 02:00 or from 03:00 on"},
		{"too short", base(func(in *EventInput) { in.Minutes = 4 }), "from 5 minutes to 12 hours"},
		{"too long", base(func(in *EventInput) { in.Minutes = 12*60 + 1 }), "from 5 minutes to 12 hours"},
		{"a length with no time", base(func(in *EventInput) { in.Time, in.Minutes = "", 30 }), "needs a start time"},
		{"a script for a link", base(func(in *EventInput) { in.Link = "javascript:alert(1)" }), "neither a web address nor a phone number"},
		{"a file for a link", base(func(in *EventInput) { in.Link = "file:///etc/passwd" }), "starting with https://"},
		{"a host-less link", base(func(in *EventInput) { in.Link = "https://" }), "starting with https://"},
		{"not a time", base(func(in *EventInput) { in.Time = "4pm" }), "HH:MM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := AddEvent(tt.in)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an ErrInvalid saying %q", err, tt.want)
			}
		})
	}
}

// What a manager may type is kept as typed where it is fine, and tidied
// where a calendar or a phone needs it.
func TestEventInputIsAcceptedAndTidied(t *testing.T) {
	c := newCohortDoc(t, must(t)(NewProgramme("c1", "Spring 2027", "Dana", "", "", t0)))
	c.apply(must(t)(AddEvent(EventInput{Kind: "social", Title: "Dial-in coffee", Date: "2027-04-13", Time: "9:05", Zone: "America/New_York", Link: "+1 (555) 010-0199,,4242#"})))
	c.apply(must(t)(AddEvent(EventInput{Kind: "training", Title: "Auckland workshop", Date: "2027-04-14", Time: "01:00", Zone: "Pacific/Auckland", Minutes: 120, Link: "tel:+64-9-555-0100"})))
	c.apply(must(t)(AddEvent(EventInput{Kind: "closure", Title: "All day", Date: "2027-04-13", Zone: "Asia/Kolkata", Link: "https://example.org/closing"})))
	pr := c.programme()
	var titles []string
	for _, e := range pr.Events {
		titles = append(titles, e.Title)
	}
	// 01:00 in Auckland on the 14th is 13:00 UTC on the 13th, five minutes
	// before 09:05 in New York: events are in the order they happen, not
	// the order of their dates as written.
	if got, want := strings.Join(titles, "|"), "All day|Auckland workshop|Dial-in coffee"; got != want {
		t.Errorf("order: got %s, want %s", got, want)
	}
	coffee, auckland, allDay := pr.Events[2], pr.Events[1], pr.Events[0]
	if coffee.Time != "09:05" || coffee.Minutes != 60 || coffee.JoinURL() != "tel:+15550100199,,4242#" {
		t.Errorf("dial-in event: got %+v, join %q", coffee, coffee.JoinURL())
	}
	if auckland.Minutes != 120 || auckland.Length() != 2*time.Hour || auckland.JoinURL() != "tel:+6495550100" {
		t.Errorf("Auckland event: got %+v", auckland)
	}
	if allDay.Zone != "" || allDay.Minutes != 0 || allDay.Link != "https://example.org/closing" {
		t.Errorf("an all-day event kept a zone or a length: %+v", allDay)
	}
	if _, ok := allDay.Start(); ok {
		t.Error("an all-day event has a start instant")
	}
	if got := allDay.When(zone(t, "Pacific/Auckland")); got != "Tue 13 Apr 2027" {
		t.Errorf("all-day event: got %q, want the date alone", got)
	}
	// A fall-back night's repeated hour is a real time: it is accepted.
	if _, err := AddEvent(EventInput{Kind: "social", Title: "Late", Date: "2027-11-07", Time: "01:30", Zone: "America/New_York"}); err != nil {
		t.Errorf("the repeated hour of a fall-back night was refused: %v", err)
	}
}

// An event planned before events had zones (an older version, or a
// replica that has not upgraded) reads and exports as it always did: all
// day, with its time in the title, as nobody knows which 16:00 it meant.
func TestEventsWithoutAZoneReadAsBefore(t *testing.T) {
	c := newCohortDoc(t, must(t)(NewProgramme("c1", "Spring 2027", "Dana", "", "", t0)))
	c.apply(Edit{Msg: "an old event", ops: eventOps("old1", Event{Kind: "training", Title: "Old workshop", Date: "2027-04-14", Time: "16:00"})})
	pr := c.programme()
	ev := pr.Events[0]
	if _, ok := ev.Start(); ok || ev.Zone != "" || ev.Time != "16:00" {
		t.Fatalf("the old event reads as %+v", ev)
	}
	if got, want := ev.When(zone(t, "Asia/Kolkata")), "Wed 14 Apr 2027 at 16:00"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	var out strings.Builder
	if err := ExportProgrammeICS(&out, pr, t0); err != nil {
		t.Fatal(err)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(out.String()))
	if err != nil {
		t.Fatal(err)
	}
	e := cal.Events()[0]
	if got := e.GetProperty(ics.ComponentPropertyDtStart).Value; got != "20270414" {
		t.Errorf("DTSTART: got %q, want the all-day date", got)
	}
	if got := e.GetProperty(ics.ComponentPropertySummary).Value; !strings.HasPrefix(got, "Old workshop (16:00)") {
		t.Errorf("summary: got %q", got)
	}
	if len(e.Alarms()) != 0 || e.GetProperty(ics.ComponentPropertyUrl) != nil {
		t.Error("an old all-day event got an alarm or a link")
	}
}

// The reminder of an event names the viewer's day and time: an Auckland
// morning is the day before in Los Angeles.
func TestEventNudgeUsesTheViewersClock(t *testing.T) {
	c := newCohortDoc(t, must(t)(NewProgramme("c1", "Spring 2027", "Dana", "", "", t0)))
	c.apply(must(t)(AddEvent(EventInput{Kind: "training", Title: "Workshop", Date: "2027-04-14", Time: "09:00", Zone: "Pacific/Auckland"})))
	pr := c.programme()
	la := time.Date(2027, 4, 13, 8, 0, 0, 0, zone(t, "America/Los_Angeles"))
	n, ok := EventNudge(pr, la)
	if !ok || n.Title != "Spring 2027: Workshop today at 14:00" {
		t.Errorf("in Los Angeles: got %q (%v), want it today at 14:00", n.Title, ok)
	}
	akl := time.Date(2027, 4, 13, 8, 0, 0, 0, zone(t, "Pacific/Auckland"))
	if n, ok := EventNudge(pr, akl); !ok || n.Title != "Spring 2027: Workshop tomorrow at 09:00" {
		t.Errorf("in Auckland: got %q (%v), want it tomorrow at 09:00", n.Title, ok)
	}
}

func TestLocalZoneNameFindsTheZonesName(t *testing.T) {
	tests := []struct {
		name                 string
		local, tz, etc, link string
		want                 string
	}{
		{"Go knows the name from TZ", "Europe/Lisbon", "Europe/Lisbon", "", "", "Europe/Lisbon"},
		{"TZ as a path", "Local", ":/usr/share/zoneinfo/Asia/Kolkata", "", "", "Asia/Kolkata"},
		{"Debian's /etc/timezone", "Local", "", "America/New_York\n", "", "America/New_York"},
		{"the /etc/localtime link", "Local", "", "", "../usr/share/zoneinfo/Pacific/Auckland", "Pacific/Auckland"},
		{"a bad TZ is passed over", "Local", "Nowhere/Special", "", "/usr/share/zoneinfo/Europe/Berlin", "Europe/Berlin"},
		{"nothing names a zone", "Local", "", "", "", "UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := zoneNameFrom(tt.local, tt.tz, tt.etc, tt.link); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if got := LocalZoneName(); got == "Local" || got == "" {
		t.Errorf("LocalZoneName: got %q, want a zone name", got)
	} else if _, err := time.LoadLocation(got); err != nil {
		t.Errorf("LocalZoneName: %q does not load: %v", got, err)
	}
}

// The next event is the first that has not ended: a timed event stays
// next while it runs, and the all-day one after it follows.
func TestNextEventIsTheFirstNotOver(t *testing.T) {
	c := newCohortDoc(t, must(t)(NewProgramme("c1", "Spring 2027", "Dana", "", "", t0)))
	c.apply(must(t)(AddEvent(EventInput{Kind: "training", Title: "Webinar", Date: "2027-04-14", Time: "16:00", Zone: "Asia/Kolkata", Minutes: 90})))
	c.apply(must(t)(AddEvent(EventInput{Kind: "closure", Title: "Closing", Date: "2027-04-15"})))
	pr := c.programme()
	for _, tt := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2027, 4, 14, 11, 59, 0, 0, time.UTC), "Webinar"}, // 17:29 in Kolkata: still on
		{time.Date(2027, 4, 14, 12, 0, 0, 0, time.UTC), "Closing"},  // 17:30 in Kolkata: over
		{time.Date(2027, 4, 15, 23, 0, 0, 0, time.UTC), "Closing"},
		{time.Date(2027, 4, 16, 0, 0, 0, 0, time.UTC), ""},
	} {
		e, ok := pr.NextEvent(tt.now)
		if got := map[bool]string{true: e.Title}[ok]; got != tt.want {
			t.Errorf("at %v: got %q, want %q", tt.now, got, tt.want)
		}
	}
}
