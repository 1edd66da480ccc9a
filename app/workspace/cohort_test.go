package workspace

import (
	"errors"
	"fmt"
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
	w.SetNow(func() time.Time { return day })
	c, err := w.NewCohort("Spring 2027", "Dana", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.EditCohort(c, func(*mentoring.Programme) (mentoring.Edit, error) {
		return mentoring.AddEvent(mentoring.EventInput{Kind: "training", Title: "Giving feedback", Date: "2027-04-14", Time: "16:00", Zone: "UTC"})
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
	w.SettleReports()
	if b, _ := w.Board(c1); len(b.Reports) != 0 {
		t.Fatalf("the report stayed after leaving: %+v", b.Reports)
	}
}

// The board follows the pair: a change to a health fact rewrites the
// report, a change to none leaves the board alone.
func TestReportFollowsThePair(t *testing.T) {
	w := openTemp(t)
	w.SetNow(func() time.Time { return time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC) }) // the pair starts
	pair, _ := w.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	c, _ := w.NewCohort("Spring", "Dana", "", "")
	if err := w.LinkPair(pair, c); err != nil {
		t.Fatal(err)
	}
	w.SetNow(func() time.Time { return time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) })
	boardChanges := func() int {
		t.Helper()
		w.SettleReports()
		st, err := w.st.State(boardID(c))
		if err != nil {
			t.Fatal(err)
		}
		return int(st.NextDSeq)
	}
	// The day's first change says the app was heard from today: that is
	// a fact of the report, which changes at most once a day for it.
	before := boardChanges()
	if _, err := w.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SendMessage(p, me, "first today", time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	if got := boardChanges(); got != before+1 {
		t.Fatalf("the first change of the day made %d board changes, want 1", got-before)
	}
	if b, _ := w.Board(c); len(b.Reports) != 1 || b.Reports[0].HeardText(w.Now()) != "Ana today" {
		t.Fatalf("the board shows %+v, want Ana heard from today", b.Reports)
	}
	before = boardChanges()
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
	w.SettleReports()
	b, _ := w.Board(c)
	if len(b.Reports) != 1 || b.Reports[0].Checkins != 1 || b.Reports[0].LastContact != "2026-11-20" {
		t.Fatalf("the board shows %+v", b.Reports)
	}
}

// Pair commands refuse a cohort's ID: an invite made from one would hand
// out the manager's write secret as if it were a pair's.
func TestPairCommandsRefuseACohort(t *testing.T) {
	w := openTemp(t)
	if err := w.UpdateSettings(func(s *Settings) { s.Relay = "wss://relay.example.org" }); err != nil {
		t.Fatal(err)
	}
	c, _ := w.NewCohort("Spring", "Dana", "", "")
	var idErr *IDError
	if _, err := w.Invite(c, false); !errors.Is(err, ErrUnknownPair) || !errors.As(err, &idErr) || idErr.Is != ThingCohort || idErr.ID != c {
		t.Fatalf("a pair invite for a cohort: %v", err)
	}
	if _, err := w.AddPrivateNote(c, "note"); !errors.Is(err, ErrUnknownPair) {
		t.Fatalf("a private note on a cohort: %v", err)
	}
	if _, err := w.Pair(c); !errors.Is(err, ErrUnknownPair) {
		t.Fatalf("a cohort read as a pair: %v", err)
	}
	if list, _ := w.List(); len(list) != 0 {
		t.Fatalf("the pair list holds the cohort: %+v", list)
	}
}

// Edits from the window and changes from the sync engine land on a linked
// pair at once, while its local settings change too; the report the board
// ends with matches the pair as it ends (run with -race).
func TestConcurrentChangesLeaveTheReportCurrent(t *testing.T) {
	w := openTemp(t)
	w.SetNow(func() time.Time { return time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC) })
	pair, _ := w.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	c, _ := w.NewCohort("Spring", "Dana", "", "")
	if err := w.LinkPair(pair, c); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 3)
	for g := 0; g < 2; g++ {
		go func() {
			for i := 0; i < 15; i++ {
				date := fmt.Sprintf("2026-11-%02d", 2+g*14+i%14)
				if _, err := w.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
					return mentoring.AddCheckin(p, me, mentoring.CheckinInput{Date: date}, w.Now())
				}); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	go func() {
		for i := 0; i < 30; i++ {
			if err := w.MarkRead(pair); err != nil {
				done <- err
				return
			}
			_ = w.SetMeta(pair, func(m *Meta) { m.LastNudge = fmt.Sprint(i) })
		}
		done <- nil
	}()
	for i := 0; i < 3; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	w.SettleReports()
	p, _ := w.Pair(pair)
	b, _ := w.Board(c)
	want, err := w.healthOf(pair, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Reports) != 1 || !mentoring.SameFacts(b.Reports[0], want) {
		t.Fatalf("the board shows %+v, the pair is %+v", b.Reports, want)
	}
}
