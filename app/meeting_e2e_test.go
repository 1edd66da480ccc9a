package main

import (
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

// TestMeetingAcrossZonesThroughRelay is issue 13's "done when" with the
// real binaries: a mentor in Lisbon finds a time inside both members'
// hours and schedules a check-in in the week the US has moved its clocks
// and Europe has not; the mentee in New York, on his own data folder
// through the real relay, sees it at his local hour in 'checkin upcoming'
// and in his calendar file, parsed with an iCalendar parser.
func TestMeetingAcrossZonesThroughRelay(t *testing.T) {
	bin := binary(t)
	rp := startRelayProcess(t)
	ana := runner{t: t, bin: bin, data: t.TempDir()}
	ben := runner{t: t, bin: bin, data: t.TempDir()}
	pair := ana.ok("pair", "new", "--title", "Ana & Ben", "--me", "Ana", "--role", "mentor", "--tz", "Europe/Lisbon")
	ana.ok("agreement", "set", pair, "--my-hours", "mon-fri 09:00-18:00")
	ana.ok("relay", "set", rp.url, "--token", rp.token)
	ana.ok("sync", "--once")
	code := ana.ok("pair", "invite", pair)
	ben.ok("relay", "set", rp.url)
	ben.ok("pair", "join", code, "--me", "Ben", "--role", "mentee")
	ben.ok("sync", "--once")
	ben.ok("agreement", "set", pair, "--tz", "America/New_York", "--my-hours", "mon-fri 08:00-17:00")
	ben.ok("sync", "--once")
	ana.ok("sync", "--once")

	slots := ana.ok("pair", "slots", pair, "--days", "7")
	if first, _, _ := strings.Cut(slots, "\n"); !strings.Contains(first, " your time · ") || !strings.HasSuffix(first, " Ben's") {
		t.Errorf("pair slots: got %q, want times in both members' zones", slots)
	}

	// The US moves its clocks on the second Sunday of March, Europe on the
	// last: on the Tuesday after the first, 17:00 in Lisbon is 13:00 in New
	// York, not the usual 12:00.
	tue := time.Date(time.Now().Year()+1, time.March, 8, 0, 0, 0, 0, time.UTC)
	for tue.Weekday() != time.Sunday {
		tue = tue.AddDate(0, 0, 1)
	}
	tue = tue.AddDate(0, 0, 2)
	date := tue.Format("2006-01-02")
	id := ana.ok("checkin", "schedule", pair, "--at", date+" 17:00", "--link", "https://meet.jit.si/ana-ben")
	ana.ok("sync", "--once")
	ben.ok("sync", "--once")

	want := id + "  " + tue.Format("Mon 2 Jan") + " 13:00 your time · 17:00 Ana's  45m"
	if up := ben.ok("checkin", "upcoming", pair); !strings.HasPrefix(up, want) {
		t.Errorf("Ben's upcoming: got %q, want it to start %q", up, want)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(ben.ok("export", pair, "--format", "ics")))
	if err != nil {
		t.Fatalf("Ben's calendar file does not parse: %v", err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	found := false
	for _, e := range cal.Events() {
		if e.Id() != "meeting-"+id+"@"+pair+".pairwise" {
			continue
		}
		found = true
		start, err := e.GetStartAt()
		if err != nil {
			t.Fatal(err)
		}
		if got := start.UTC().Format(time.RFC3339); got != date+"T17:00:00Z" {
			t.Errorf("calendar start: got %s, want %sT17:00:00Z", got, date)
		}
		if got := start.In(ny).Format("15:04"); got != "13:00" {
			t.Errorf("calendar start in New York: got %s, want 13:00", got)
		}
	}
	if !found {
		t.Error("the meeting is not in Ben's calendar file")
	}
}
