package workspace

import (
	"strings"
	"testing"
	"time"

	"pairwise/app/mentoring"
)

func TestDemoIsALivingPair(t *testing.T) {
	w, err := Open(t.TempDir(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	id, err := SeedDemo(w)
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.Pair(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Members) != 2 || len(p.Goals) != 3 || len(p.Checkins) != 5 || len(p.Wins) != 1 {
		t.Errorf("got %d members, %d goals, %d check-ins, %d wins; want 2, 3, 5, 1", len(p.Members), len(p.Goals), len(p.Checkins), len(p.Wins))
	}
	me, _ := w.Me(id)
	for _, m := range p.Members {
		if st := p.Agreement.SignState(m.ID); st != mentoring.Signed {
			t.Errorf("%s: got %v, want signed", m.Name, st)
		}
	}
	// The next check-in is scheduled, with a link, inside both members'
	// hours; Ben said he will be there, and the rhythm counts from it.
	next, ok := p.NextMeeting(time.Now())
	if !ok {
		t.Fatal("the demo has no scheduled check-in")
	}
	if next.Zone != "Europe/Lisbon" || next.JoinURL() == "" || len(next.Attendance) != 2 {
		t.Errorf("demo meeting: got zone %q, join %q, answers %v", next.Zone, next.JoinURL(), next.Attendance)
	}
	for _, m := range p.Members {
		if warn, outside := mentoring.OutsidePartnerHours(p, m.ID, next.At, next.Minutes); outside {
			t.Errorf("the demo meeting is outside someone's hours: %s", warn)
		}
	}
	r := mentoring.RhythmOn(p, time.Now())
	if day := next.At.Local().Format(mentoring.DateLayout); r.Next != day || (r.State != mentoring.DueSoon && r.State != mentoring.OnTrack) {
		t.Errorf("rhythm: got %v, want next on %s, due soon or on track", r, day)
	}
	h, err := w.History(id)
	if err != nil {
		t.Fatal(err)
	}
	var benGoal, benRated bool
	for i, a := range h {
		if a.Who == "Ben Okafor" && strings.Contains(a.What, "goal") {
			benGoal = true
		}
		if a.Who == "Ben Okafor" && strings.Contains(a.What, "rated") {
			benRated = true
		}
		if i > 0 && a.When.After(h[i-1].When) {
			t.Errorf("history is not newest first: %v after %v", a.When, h[i-1].When)
		}
	}
	if !benGoal || !benRated || me == "" {
		t.Errorf("history lacks Ben's goals or ratings: %+v", h[:3])
	}
	// Ben's app synced this morning; it does not show as activity.
	heard, err := w.Heard(id)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range p.Members {
		if m.ID != me {
			if line := mentoring.HeardLine(m.Name, heard[m.ID], w.Now()); line != "Ben Okafor's app last synced 3 hours ago" {
				t.Errorf("the demo says %q", line)
			}
		}
	}
	// Months of use, not one burst of edits a moment ago.
	if age := time.Since(h[len(h)-1].When); age < 100*24*time.Hour {
		t.Errorf("the demo's first change is %v old, want months", age)
	}
}
