package cli

import (
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

// programme reads a cohort's programme from the data folder dir.
func programme(t *testing.T, dir, cohort string) *mentoring.Programme {
	t.Helper()
	ws, err := workspace.Open(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	pr, err := ws.Programme(cohort)
	if err != nil {
		t.Fatal(err)
	}
	return pr
}

// A manager in Lisbon plans a webinar for the week the US has changed its
// clocks and Europe has not; the calendar file has it at 15:00 UTC, which
// a member's calendar in New York shows at 11:00.
func TestCohortEventAddWithZoneExportsATimedEvent(t *testing.T) {
	dir := t.TempDir()
	cohort := ok(t, dir, "cohort", "new", "--title", "Spring 2027", "--me", "Dana")
	id := ok(t, dir, "cohort", "event", "add", cohort, "--kind", "training", "--title", "Giving feedback",
		"--date", "2027-03-16", "--time", "15:00", "--tz", "Europe/Lisbon", "--duration", "1h30m", "--link", "https://meet.example.org/abc")
	if id == "" || strings.ContainsAny(id, " \n") {
		t.Fatalf("event add printed %q, want the event's ID alone", id)
	}

	cal, err := ics.ParseCalendar(strings.NewReader(ok(t, dir, "cohort", "export", cohort, "--format", "ics")))
	if err != nil {
		t.Fatal(err)
	}
	var ev *ics.VEvent
	for _, e := range cal.Events() {
		if e.Id() == id+"@"+cohort+".cohort.pairwise" {
			ev = e
		}
	}
	if ev == nil {
		t.Fatalf("the calendar has no event with the ID printed, %s", id)
	}
	start, err := ev.GetStartAt()
	if want := time.Date(2027, 3, 16, 15, 0, 0, 0, time.UTC); err != nil || !start.Equal(want) {
		t.Errorf("DTSTART: got %v (%v), want %v", start, err, want)
	}
	end, err := ev.GetEndAt()
	if want := time.Date(2027, 3, 16, 16, 30, 0, 0, time.UTC); err != nil || !end.Equal(want) {
		t.Errorf("DTEND: got %v (%v), want %v", end, err, want)
	}
	if u := ev.GetProperty(ics.ComponentPropertyUrl); u == nil || u.Value != "https://meet.example.org/abc" {
		t.Errorf("URL: got %v, want the join link", u)
	}
	ny, _ := time.LoadLocation("America/New_York")
	if got := start.In(ny).Format("15:04"); got != "11:00" {
		t.Errorf("in New York: got %s, want 11:00", got)
	}

	pr := programme(t, dir, cohort)
	if len(pr.Events) != 1 || pr.Events[0].ID != id {
		t.Fatalf("got events %+v, want the one with ID %s", pr.Events, id)
	}
	show := ok(t, dir, "cohort", "show", cohort)
	if want := id + "  " + pr.Events[0].When(time.Local) + "  Giving feedback (training), 90 min  https://meet.example.org/abc"; !strings.Contains(show, want) {
		t.Errorf("cohort show:\n%s\nwant the line %q", show, want)
	}
}

// Without --tz the time is in this computer's zone, recorded by name so
// members elsewhere see it in theirs; without --time the event is all day.
func TestCohortEventAddDefaultsToThisComputersZone(t *testing.T) {
	dir := t.TempDir()
	cohort := ok(t, dir, "cohort", "new", "--title", "Spring 2027", "--me", "Dana")
	timed := ok(t, dir, "cohort", "event", "add", cohort, "--title", "Coffee", "--date", "2027-05-04", "--time", "9:30")
	allDay := ok(t, dir, "cohort", "event", "add", cohort, "--title", "Closing", "--date", "2027-05-05")
	for _, ev := range programme(t, dir, cohort).Events {
		switch ev.ID {
		case timed:
			if ev.Zone != mentoring.LocalZoneName() || ev.Time != "09:30" || ev.Minutes != 60 {
				t.Errorf("timed event: got %+v, want 09:30 for 60 minutes in %s", ev, mentoring.LocalZoneName())
			}
		case allDay:
			if ev.Zone != "" || ev.Time != "" {
				t.Errorf("all-day event: got %+v", ev)
			}
		default:
			t.Errorf("an event no command printed: %+v", ev)
		}
	}
}

func TestCohortEventAddRefusesInPlainWords(t *testing.T) {
	dir := t.TempDir()
	cohort := ok(t, dir, "cohort", "new", "--title", "Spring 2027", "--me", "Dana")
	add := []string{"cohort", "event", "add", cohort, "--title", "Webinar", "--date", "2027-03-28"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown zone", []string{"--time", "15:00", "--tz", "Mars/Olympus"}, `time zone "Mars/Olympus" is unknown`},
		{"an hour Lisbon skips", []string{"--time", "01:30", "--tz", "Europe/Lisbon"}, "the clocks go from 01:00 straight to 02:00"},
		{"too long", []string{"--time", "15:00", "--duration", "13h"}, "from 5 minutes to 12 hours"},
		{"not a length", []string{"--time", "15:00", "--duration", "an hour"}, "--duration"},
		{"a zone with no time", []string{"--tz", "Europe/Lisbon"}, "--time"},
		{"a script for a link", []string{"--time", "15:00", "--link", "javascript:alert(1)"}, "neither a web address nor a phone number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := pw(t, dir, append(add, tt.args...)...)
			if code == 0 || out != "" || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q: want a refusal saying %q", code, out, errOut, tt.want)
			}
		})
	}
	if n := len(programme(t, dir, cohort).Events); n != 0 {
		t.Errorf("refused commands planned %d events", n)
	}
}
