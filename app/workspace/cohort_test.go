package workspace

import (
	"errors"
	"strings"
	"testing"
	"time"

	"pairwise/app/mentoring"
)

func openTemp(t *testing.T) *Workspace {
	t.Helper()
	w, err := Open(t.TempDir(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// A cohort's events remind its members the day before and on the day,
// once each, and not when the cohort's reminders are off.
func TestCohortEventsRemindOnce(t *testing.T) {
	w := openTemp(t)
	day := time.Date(2027, 4, 13, 9, 0, 0, 0, time.UTC)
	w.Now = func() time.Time { return day }
	c, err := w.NewCohort("Spring 2027", "Dana", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.EditCohort(c, func(*mentoring.Programme) (mentoring.Edit, error) {
		return mentoring.AddEvent("training", "Giving feedback", "2027-04-14", "16:00", "")
	}); err != nil {
		t.Fatal(err)
	}
	due := func(at time.Time) []PairNudge {
		t.Helper()
		n, err := w.DueNudges(at)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	n := due(day)
	if len(n) != 1 || n[0].Pair != c || n[0].Title != "Spring 2027: Giving feedback tomorrow at 16:00" {
		t.Fatalf("the day before: %+v", n)
	}
	if err := w.Nudged(c, n[0].Key); err != nil {
		t.Fatal(err)
	}
	if n := due(day.Add(2 * time.Hour)); len(n) != 0 {
		t.Fatalf("reminded twice the day before: %+v", n)
	}
	n = due(day.AddDate(0, 0, 1))
	if len(n) != 1 || !strings.Contains(n[0].Title, "today at 16:00") {
		t.Fatalf("on the day: %+v", n)
	}
	if _, err := w.SetNudges(c, false, 0, day); err != nil {
		t.Fatal(err)
	}
	if n := due(day.AddDate(0, 0, 1)); len(n) != 0 {
		t.Fatalf("reminders off, still: %+v", n)
	}
}

// Linking checks what it links: a cohort is not a pair, a pair reports to
// one cohort at a time, and a pair command refuses a cohort's ID.
func TestLinkingRefusesWhatItCannotDo(t *testing.T) {
	w := openTemp(t)
	pair, err := w.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	c1, _ := w.NewCohort("One", "Dana", "", "")
	c2, _ := w.NewCohort("Two", "Dana", "", "")
	if err := w.LinkPair(c2, c1); err == nil {
		t.Fatal("a cohort was linked as if it were a pair")
	}
	if err := w.LinkPair(pair, pair); !errors.Is(err, ErrUnknownCohort) {
		t.Fatalf("a pair taken as a cohort: %v", err)
	}
	if err := w.LinkPair(pair, c1); err != nil {
		t.Fatal(err)
	}
	if err := w.LinkPair(pair, c2); err == nil || !strings.Contains(err.Error(), "leave it first") {
		t.Fatalf("a pair reports to two cohorts: %v", err)
	}
	if _, err := w.Edit(c1, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SendMessage(p, me, "hi", time.Now())
	}); !errors.Is(err, ErrUnknownPair) {
		t.Fatalf("a pair edit on a cohort: %v", err)
	}
	if err := w.UnlinkPair(pair); err != nil {
		t.Fatal(err)
	}
	if err := w.UnlinkPair(pair); err == nil {
		t.Fatal("left a cohort twice")
	}
	if b, _ := w.Board(c1); len(b.Reports) != 0 {
		t.Fatalf("the report stayed after leaving: %+v", b.Reports)
	}
}

// The board follows the pair: a change to a health fact rewrites the
// report, a change to none leaves the board alone.
func TestReportFollowsThePair(t *testing.T) {
	w := openTemp(t)
	w.Now = func() time.Time { return time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC) } // the pair starts
	pair, _ := w.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	c, _ := w.NewCohort("Spring", "Dana", "", "")
	if err := w.LinkPair(pair, c); err != nil {
		t.Fatal(err)
	}
	w.Now = func() time.Time { return time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) }
	boardChanges := func() int {
		t.Helper()
		st, err := w.st.State(boardID(c))
		if err != nil {
			t.Fatal(err)
		}
		return int(st.NextDSeq)
	}
	before := boardChanges()
	if _, err := w.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SendMessage(p, me, "no health fact changes", time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	if got := boardChanges(); got != before {
		t.Fatalf("a message rewrote the report (%d board changes, was %d)", got, before)
	}
	if _, err := w.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.AddCheckin(p, me, mentoring.CheckinInput{Date: "2026-11-20"}, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	if got := boardChanges(); got != before+1 {
		t.Fatalf("a check-in made %d board changes, want 1", got-before)
	}
	b, _ := w.Board(c)
	if len(b.Reports) != 1 || b.Reports[0].Checkins != 1 || b.Reports[0].LastContact != "2026-11-20" {
		t.Fatalf("the board shows %+v", b.Reports)
	}
}
