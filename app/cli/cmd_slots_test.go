package cli

import (
	"strings"
	"testing"
	"time"

	"pairwise/app/mentoring"
)

// within reports whether the span from start for d lies inside weekday
// hours from to to ("HH:MM") in loc.
func within(start time.Time, d time.Duration, loc *time.Location, from, to string) bool {
	s, e := start.In(loc), start.Add(d).In(loc)
	if s.Weekday() == time.Saturday || s.Weekday() == time.Sunday || s.YearDay() != e.Add(-time.Minute).YearDay() {
		return false
	}
	return s.Format("15:04") >= from && e.Format("15:04") <= to && e.Format("15:04") > s.Format("15:04")
}

// TestPairSlotsInsideBothMembersHours: every slot listed lies inside both
// members' weekday hours, in their own zones, is shown in both, and its
// first column can be scheduled as it is without a warning. With no
// overlap it says how close the hours come, on stderr, and exits 0.
func TestPairSlotsInsideBothMembersHours(t *testing.T) {
	ana, ben, pair := lisbonNewYork(t)
	lisbon, _ := time.LoadLocation("Europe/Lisbon")
	ny, _ := time.LoadLocation("America/New_York")

	out, errOut, code := ana.run("pair", "slots", pair, "--days", "14", "--duration", "1h")
	if code != 0 || out == "" {
		t.Fatalf("pair slots: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	lines := strings.Split(out, "\n")
	if len(lines) > slotLimit {
		t.Errorf("%d slots listed, want at most %d", len(lines), slotLimit)
	}
	for _, l := range lines {
		at, rest, _ := strings.Cut(l, "  ")
		start, err := time.ParseInLocation(mentoring.WallLayout, at, lisbon)
		if err != nil {
			t.Fatalf("slot %q does not start with a time 'checkin schedule --at' takes: %v", l, err)
		}
		if !within(start, time.Hour, lisbon, "09:00", "18:00") || !within(start, time.Hour, ny, "08:00", "17:00") {
			t.Errorf("slot %q: an hour from %s is not inside both members' hours", l, start.UTC())
		}
		if !strings.HasPrefix(rest, start.Format("Mon 2 Jan 15:04")+"–") || !strings.Contains(rest, " your time · "+start.In(ny).Format("15:04")+"–") || !strings.HasSuffix(rest, " Ben's") {
			t.Errorf("slot %q is not shown in both members' times", l)
		}
		if start.Before(time.Now()) || start.After(time.Now().AddDate(0, 0, 14)) {
			t.Errorf("slot %q is not in the next 14 days", l)
		}
	}
	first, _, _ := strings.Cut(lines[0], "  ")
	if _, errOut, code := ana.run("checkin", "schedule", pair, "--at", first, "--duration", "1h"); code != 0 || strings.Contains(errOut, "outside") {
		t.Errorf("scheduling the first slot: exit %d, %q", code, errOut)
	}

	// Ben's hours overlap Ana's by half an hour: too short for 45 minutes.
	ben.ok("agreement", "set", pair, "--my-hours", "mon-fri 12:30-13:00")
	out, errOut, code = ben.run("pair", "slots", pair)
	if code != 0 || out != "" || !strings.Contains(errOut, "No time of 45m") || !strings.Contains(errOut, "overlap by at most 30m") {
		t.Errorf("a 30-minute overlap: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if out := ben.ok("pair", "slots", pair, "--duration", "30m"); out == "" {
		t.Error("no 30-minute slot inside a 30-minute overlap")
	}
	// No overlap at all: how close the hours come, in both times.
	ben.ok("agreement", "set", pair, "--my-hours", "mon-fri 19:00-22:00")
	out, errOut, code = ben.run("pair", "slots", pair)
	if code != 0 || out != "" || !strings.Contains(errOut, "never overlap") || !strings.Contains(errOut, "their time") {
		t.Errorf("no overlap: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	for _, bad := range []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"--days", "0"}, 2, "--days"},
		{[]string{"--duration", "45s"}, 2, "whole minutes"},
		{[]string{"--duration", "10h"}, 1, "8 hours"},
		{[]string{"--days", "400"}, 1, "366 days"},
	} {
		if out, errOut, code := ben.run(append([]string{"pair", "slots", pair}, bad.args...)...); code != bad.code || out != "" || !strings.Contains(errOut, bad.say) {
			t.Errorf("slots %q: exit %d, stdout %q, stderr %q; want exit %d saying %q", bad.args, code, out, errOut, bad.code, bad.say)
		}
	}
	solo := t.TempDir()
	alone := ok(t, solo, "pair", "new", "--title", "Solo", "--me", "Cy", "--role", "mentor", "--tz", "Europe/Lisbon")
	if _, errOut, code := pw(t, solo, "pair", "slots", alone); code != 1 || !strings.Contains(errOut, "not joined yet") {
		t.Errorf("slots before the partner joins: exit %d, %q", code, errOut)
	}
}

// TestHelpListsMeetingCommands: the command list and each command's help
// name the meeting commands and their flags, and rescheduling says whose
// zone --at is read in.
func TestHelpListsMeetingCommands(t *testing.T) {
	dir := t.TempDir()
	top := ok(t, dir, "--help")
	for _, c := range []string{"checkin schedule", "checkin reschedule", "checkin cancel", "checkin attend", "checkin upcoming", "pair slots"} {
		if !strings.Contains(top, "  "+c+" ") {
			t.Errorf("--help does not list %q:\n%s", c, top)
		}
	}
	for cmd, want := range map[string][]string{
		"checkin schedule":   {"--at AT", "--tz TZ", "--duration DURATION", "--link LINK", "--agenda AGENDA", "yours in the agreement, else this computer's"},
		"checkin reschedule": {"PAIR MEETING", "--at AT", "not the zone the meeting was first set in"},
		"checkin attend":     {"--yes", "--no"},
		"pair slots":         {"--days DAYS", "--duration DURATION"},
	} {
		help := ok(t, dir, append(strings.Fields(cmd), "--help")...)
		for _, w := range want {
			if !strings.Contains(help, w) {
				t.Errorf("%s --help lacks %q:\n%s", cmd, w, help)
			}
		}
	}
}
