package workspace

import (
	"sync/atomic"
	"testing"

	"pairwise/app/mentoring"
)

// TestLoadingOnePairDoesNotHoldUpAnother: while one pair's load is held
// open (a long-lived pair takes tens of milliseconds), another pair loads
// and takes an edit; and two callers asking for the pair being loaded share
// that one load.
func TestLoadingOnePairDoesNotHoldUpAnother(t *testing.T) {
	dir := t.TempDir()
	ws, err := Open(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	big, err := ws.NewPair("Big", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	small, err := ws.NewPair("Small", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	ws.Close()

	entered, release := make(chan struct{}), make(chan struct{})
	var bigLoads atomic.Int64
	ws, err = OpenWith(dir, Options{Logf: t.Logf, beforeLoad: func(id string) {
		if id != big {
			return
		}
		if bigLoads.Add(1) == 1 {
			close(entered)
		}
		<-release
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()

	results := make(chan error, 2)
	read := func() {
		_, err := ws.Pair(big)
		results <- err
	}
	go read()
	<-entered // the big pair's load is under way, and held there
	go read()

	title := "Done while the big pair loads"
	if _, err := ws.Edit(small, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.AddGoal(p, me, mentoring.GoalInput{Title: &title}, ws.Now())
	}); err != nil {
		t.Fatalf("edit another pair while one loads: %v", err)
	}
	if p, err := ws.Pair(small); err != nil || len(p.Goals) != 1 {
		t.Fatalf("the other pair while one loads: got %v (%v), want its new goal", p, err)
	}

	close(release)
	for range 2 {
		if err := <-results; err != nil {
			t.Fatalf("read the pair that was loading: %v", err)
		}
	}
	if n := bigLoads.Load(); n != 1 {
		t.Errorf("the big pair was loaded %d times, want once", n)
	}
	if p, err := ws.Pair(big); err != nil || p.Title != "Big" {
		t.Fatalf("the big pair once loaded: got %v (%v)", p, err)
	}
}
