package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

// pastMeeting schedules a meeting that has already taken place, by
// scheduling it through the workspace with its clock set before it, as
// the member would have then.
func pastMeeting(t *testing.T, dir, pair string, in mentoring.MeetingInput) string {
	t.Helper()
	t.Setenv("PAIRWISE_KEYRING", "off")
	ws, err := workspace.Open(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	then := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	ws.SetNow(func() time.Time { return then })
	id, err := ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.ScheduleMeeting(p, me, in, then)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// exported reads the pair back from its JSON export.
func exported(t *testing.T, dir, pair string) mentoring.Pair {
	t.Helper()
	var p mentoring.Pair
	if err := json.Unmarshal([]byte(ok(t, dir, "export", pair, "--format", "json")), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func checkinOf(t *testing.T, p mentoring.Pair, id string) mentoring.Checkin {
	t.Helper()
	for _, c := range p.Checkins {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no check-in %s in the export", id)
	return mentoring.Checkin{}
}

// TestCheckinFromAMeeting: logging a meeting that took place fills in its
// date (in the logger's zone), channel, length and agenda; flags given
// override them; a meeting still to come, cancelled or logged already is
// refused with a sentence.
func TestCheckinFromAMeeting(t *testing.T) {
	dir := t.TempDir()
	pair := ok(t, dir, "pair", "new", "--title", "Ana & Ben", "--me", "Ana", "--role", "mentor", "--tz", "Europe/Lisbon")
	// 04:00 on 2 June in Kolkata is still 1 June, 23:30, in Lisbon.
	held := pastMeeting(t, dir, pair, mentoring.MeetingInput{At: "2026-06-02 04:00", Zone: "Asia/Kolkata", Minutes: 60, Channel: "video", Agenda: "Review the draft"})
	other := pastMeeting(t, dir, pair, mentoring.MeetingInput{At: "2026-06-09 10:00", Zone: "Europe/Lisbon", Channel: "video", Agenda: "Plan"})
	called := pastMeeting(t, dir, pair, mentoring.MeetingInput{At: "2026-06-16 10:00", Zone: "Europe/Lisbon"})
	ok(t, dir, "checkin", "cancel", pair, called)
	ahead := ok(t, dir, "checkin", "schedule", pair, "--at", day(firstOnOrAfter(nextYear(), time.January, 8, time.Tuesday))+" 10:00")

	c1 := ok(t, dir, "checkin", "add", pair, "--meeting", held, "--notes", "Went well", "--action", "Send the slides")
	c2 := ok(t, dir, "checkin", "add", pair, "--meeting", other, "--date", "2026-06-10", "--channel", "phone", "--minutes", "30", "--agenda", "Something else")
	p := exported(t, dir, pair)
	got := checkinOf(t, p, c1)
	if got.Date != "2026-06-01" || got.Channel != "video" || got.Minutes != 60 || got.Agenda != "Review the draft" || got.Notes != "Went well" || got.Meeting != held || len(got.Actions) != 1 {
		t.Errorf("check-in from the meeting: got %+v, want 2026-06-01 (Lisbon), video, 60 minutes, its agenda, the notes and action given", got)
	}
	got = checkinOf(t, p, c2)
	if got.Date != "2026-06-10" || got.Channel != "phone" || got.Minutes != 30 || got.Agenda != "Something else" || got.Meeting != other {
		t.Errorf("flags given: got %+v, want them in place of the meeting's", got)
	}
	if m, _ := p.Meeting(held); m.Checkin != c1 {
		t.Errorf("the meeting does not point at its check-in: got %q, want %q", m.Checkin, c1)
	}

	for _, bad := range []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"--meeting", held}, 1, "logged already"},
		{[]string{"--meeting", ahead}, 1, "has not started yet"},
		{[]string{"--meeting", called}, 1, "was cancelled"},
		{[]string{"--meeting", "nosuchmeeting"}, 1, "'pairwise checkin upcoming " + pair + "'"},
		{[]string{"--notes", "no date"}, 2, "--date is required"},
	} {
		if out, errOut, code := pw(t, dir, append([]string{"checkin", "add", pair}, bad.args...)...); code != bad.code || out != "" || !strings.Contains(errOut, bad.say) {
			t.Errorf("checkin add %q: exit %d, stdout %q, stderr %q; want exit %d saying %q", bad.args, code, out, errOut, bad.code, bad.say)
		}
	}
}
