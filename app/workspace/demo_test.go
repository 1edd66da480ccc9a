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
	if r := mentoring.RhythmOn(p, time.Now()); r.State != mentoring.DueSoon {
		t.Errorf("rhythm: got %v, want due soon", r)
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
