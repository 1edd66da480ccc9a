package syncclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
	"pairwise/shared/wire"
)

// TestCohortHealthReachesTheManagerAndNothingElse runs a cohort through a
// real relay: the manager plans it, a mentor joins and links a pair, and
// the pair's health (and nothing the pair wrote) reaches the manager,
// following the pair's changes, including ones the mentee makes.
func TestCohortHealthReachesTheManagerAndNothingElse(t *testing.T) {
	r := startRelay(t)
	mgr, ana, ben := newReplica(t, r), newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, ana, ben, false)

	cohort, err := mgr.ws.NewCohort("Spring 2027", "Dana", "2027-03-01", "2027-08-31")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mgr.ws.EditCohort(cohort, func(*mentoring.Programme) (mentoring.Edit, error) {
		return mentoring.AddResource("Mentoring guide", "https://example.org/guide", "", time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	code, err := mgr.ws.CohortInvite(cohort, false)
	if err != nil {
		t.Fatal(err)
	}
	mgr.mustSync()

	// The codes cannot be confused with each other.
	pairCode, _ := ana.ws.Invite(pair, false)
	if _, err := ana.ws.JoinCohort(pairCode); !errors.Is(err, workspace.ErrPairInvite) {
		t.Fatalf("a pair's code taken as a cohort's: %v", err)
	}
	if _, err := ana.ws.Join(code, "Ana", mentoring.Mentor); !errors.Is(err, workspace.ErrCohortInvite) {
		t.Fatalf("a cohort's code taken as a pair's: %v", err)
	}

	joined, err := ana.ws.JoinCohort(code)
	if err != nil || joined != cohort {
		t.Fatalf("join the cohort: %s, %v", joined, err)
	}
	if _, err := ana.ws.Programme(cohort); !errors.Is(err, mentoring.ErrNotReady) {
		t.Fatalf("before the first sync the programme should be on its way: %v", err)
	}
	ana.mustSync()
	pr, err := ana.ws.Programme(cohort)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Manager != "Dana" || len(pr.Events) != 3 || len(pr.Resources) != 1 {
		t.Fatalf("the member sees %+v", pr)
	}
	if _, err := ana.ws.EditCohort(cohort, func(*mentoring.Programme) (mentoring.Edit, error) {
		return mentoring.AddEvent(mentoring.EventInput{Kind: "social", Title: "My party", Date: "2027-04-01"})
	}); !errors.Is(err, workspace.ErrNotManager) {
		t.Fatalf("a member changed the programme: %v", err)
	}

	secret := "SECRET-9c1e"
	ana.addGoal(pair, secret+" become a team lead")
	if err := ana.ws.LinkPair(pair, cohort); err != nil {
		t.Fatal(err)
	}
	ana.mustSync()
	mgr.mustSync()
	b, err := mgr.ws.Board(cohort)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Reports) != 1 || b.Reports[0].Goals != 1 || strings.Join(b.Reports[0].Mentees, ",") != "Ben" || b.Reports[0].Checkins != 0 {
		t.Fatalf("the manager sees %+v", b.Reports)
	}

	// The mentee, who never joined the cohort, logs a check-in; the
	// mentor's app reports it once the change reaches it.
	ben.mustSync()
	ben.edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.AddCheckin(p, me, mentoring.CheckinInput{Date: "2027-03-10", Channel: "video", Notes: secret + " talked about the manager"}, time.Now())
	})
	ben.mustSync()
	ana.mustSync() // receives the check-in and reports it
	ana.mustSync() // pushes the report, if the first sync ended before it
	mgr.mustSync()
	b, _ = mgr.ws.Board(cohort)
	if len(b.Reports) != 1 || b.Reports[0].Checkins != 1 || b.Reports[0].LastContact != "2027-03-10" {
		t.Fatalf("after the mentee's check-in the manager sees %+v", b.Reports)
	}
	if j, _ := json.Marshal(b); bytes.Contains(j, []byte(secret)) {
		t.Fatalf("the board carries what the pair wrote: %s", j)
	}
	list, err := mgr.ws.Cohorts()
	if err != nil || len(list) != 1 || !list[0].Manager || list[0].Pairs != 1 {
		t.Fatalf("the manager's cohort list: %+v, %v", list, err)
	}
	if ids, _ := mgr.ws.PairIDs(); len(ids) != 0 {
		t.Fatalf("the manager's pair list holds the cohort: %v", ids)
	}
	if _, err := mgr.ws.Pair(cohort); !errors.Is(err, workspace.ErrUnknownPair) {
		t.Fatalf("a cohort read as a pair: %v", err)
	}

	// Leaving takes the pair off the board.
	if err := ana.ws.UnlinkPair(pair); err != nil {
		t.Fatal(err)
	}
	ana.mustSync()
	mgr.mustSync()
	if b, _ := mgr.ws.Board(cohort); len(b.Reports) != 0 {
		t.Fatalf("after leaving, the board shows %+v", b.Reports)
	}

	needle := []byte(secret)
	mgr.ws.Close()
	r.kill()
	for _, dir := range []string{r.dir, mgr.ws.Dir()} {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if data, _ := os.ReadFile(path); bytes.Contains(data, needle) {
				t.Errorf("%s holds what the pair wrote", path)
			}
			return nil
		})
	}
}

// A member who tampers with their own copy, giving their app the member
// secret as if it were the programme's write capability, still cannot
// change the programme: the relay refuses the push, and the manager never
// sees the change.
func TestCohortMemberCannotForgeProgrammeChanges(t *testing.T) {
	r := startRelay(t)
	mgr, eve := newReplica(t, r), newReplica(t, r)
	cohort, err := mgr.ws.NewCohort("Spring 2027", "Dana", "", "")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := mgr.ws.CohortInvite(cohort, false)
	mgr.mustSync()
	if _, err := eve.ws.JoinCohort(code); err != nil {
		t.Fatal(err)
	}
	eve.mustSync()
	if err := eve.ws.SetMeta(cohort, func(m *workspace.Meta) { m.Write = m.Read }); err != nil {
		t.Fatal(err)
	}
	if _, err := eve.ws.EditCohort(cohort, func(*mentoring.Programme) (mentoring.Edit, error) {
		return mentoring.AddEvent(mentoring.EventInput{Kind: "social", Title: "FORGED party", Date: "2027-04-01"})
	}); err != nil {
		t.Fatalf("the tampered app refused locally (the relay is what must refuse): %v", err)
	}
	err = eve.sync()
	var we *wire.Error
	if !errors.As(err, &we) || we.Code != wire.CodeReadOnly {
		t.Fatalf("the relay did not refuse a member's push to the programme: %v", err)
	}
	mgr.mustSync()
	if pr, _ := mgr.ws.Programme(cohort); len(pr.Events) != 0 {
		t.Fatalf("the manager sees a forged event: %+v", pr.Events)
	}

	// Through a relay that takes anything, the forged change, sealed with
	// the cohort key every member holds, is still skipped: only the
	// manager's devices are the programme's writers.
	out, err := eve.ws.Outbox(cohort, 1, 10)
	if err != nil || len(out) != 1 {
		t.Fatalf("the member's forged change: %d waiting, %v", len(out), err)
	}
	forged := injectRecord(t, r, eve, cohort, out[0].Data)
	fay := newReplica(t, r)
	if _, err := fay.ws.JoinCohort(code); err != nil {
		t.Fatal(err)
	}
	for name, x := range map[string]*replica{"the manager": mgr, "a new member": fay} {
		x.mustSync()
		if pr, err := x.ws.Programme(cohort); err != nil || len(pr.Events) != 0 {
			t.Errorf("%s: programme %+v, %v; want no forged event", name, pr, err)
		}
		if st, _ := x.ws.SyncState(cohort); st.Cursor < forged.Seq {
			t.Errorf("%s stopped at record %d, before the forged one (%d)", name, st.Cursor, forged.Seq)
		}
	}
}

// Both members of a pair belong to the cohort. The link is in the pair
// document, so when the mentee's app links the pair the mentor sees it;
// when the mentor takes the pair out, the mentee's app does not put the
// report back, and the manager's board ends up without it. A member who
// joins the pair later appears in its report.
func TestCohortLinkIsSharedByThePair(t *testing.T) {
	r := startRelay(t)
	mgr, ana, ben := newReplica(t, r), newReplica(t, r), newReplica(t, r)
	pair, err := ana.ws.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	cohort, _ := mgr.ws.NewCohort("Spring 2027", "Dana", "", "")
	code, _ := mgr.ws.CohortInvite(cohort, false)
	mgr.mustSync()
	for _, x := range []*replica{ana, ben} {
		if _, err := x.ws.JoinCohort(code); err != nil {
			t.Fatal(err)
		}
	}
	ana.mustSync()
	if err := ana.ws.LinkPair(pair, cohort); err != nil {
		t.Fatal(err)
	}
	ana.mustSync()
	// Ben joins the pair after it was linked; his app learns the link
	// from the pair itself, and Ana's app puts his name in the report.
	invite, _ := ana.ws.Invite(pair, false)
	if _, err := ben.ws.Join(invite, "Ben", mentoring.Mentee); err != nil {
		t.Fatal(err)
	}
	ben.mustSync()
	ana.mustSync()
	mgr.mustSync()
	b, _ := mgr.ws.Board(cohort)
	if len(b.Reports) != 1 || strings.Join(b.Reports[0].Mentees, ",") != "Ben" {
		t.Fatalf("after Ben joined, the manager sees %+v", b.Reports)
	}
	if p, _ := ben.ws.Pair(pair); p.Cohort != cohort {
		t.Fatalf("Ben's copy does not show the pair's cohort: %q", p.Cohort)
	}
	if b, _ := ben.ws.Board(cohort); len(b.Reports) != 1 {
		t.Fatalf("Ben, a member, does not see his own pair's report: %+v", b.Reports)
	}

	if err := ana.ws.UnlinkPair(pair); err != nil {
		t.Fatal(err)
	}
	for _, x := range []*replica{ana, ben, ben, ana, mgr} {
		x.mustSync()
	}
	if b, _ := mgr.ws.Board(cohort); len(b.Reports) != 0 {
		t.Fatalf("after Ana took the pair out, the manager still sees %+v", b.Reports)
	}
	if p, _ := ben.ws.Pair(pair); p.Cohort != "" {
		t.Fatal("Ben's copy still shows the pair in the cohort")
	}
}

// A manager's invite makes a co-manager (or the manager's other computer):
// they change the programme and see every pair; a member cannot make such
// an invite.
func TestCohortCoManager(t *testing.T) {
	r := startRelay(t)
	mgr, co, member := newReplica(t, r), newReplica(t, r), newReplica(t, r)
	cohort, _ := mgr.ws.NewCohort("Spring 2027", "Dana", "", "")
	mgr.mustSync()
	managerCode, err := mgr.ws.CohortInvite(cohort, true)
	if err != nil {
		t.Fatal(err)
	}
	memberCode, _ := mgr.ws.CohortInvite(cohort, false)
	if managerCode == memberCode {
		t.Fatal("the manager's code is the member's")
	}
	if _, err := co.ws.JoinCohort(managerCode); err != nil {
		t.Fatal(err)
	}
	if _, err := member.ws.JoinCohort(memberCode); err != nil {
		t.Fatal(err)
	}
	co.mustSync()
	member.mustSync()
	if _, err := member.ws.CohortInvite(cohort, true); !errors.Is(err, workspace.ErrNotManager) {
		t.Fatalf("a member made a manager's invite: %v", err)
	}
	if _, err := co.ws.EditCohort(cohort, func(*mentoring.Programme) (mentoring.Edit, error) {
		return mentoring.AddEvent(mentoring.EventInput{Kind: "training", Title: "Co-run workshop", Date: "2027-04-01"})
	}); err != nil {
		t.Fatal(err)
	}
	co.mustSync()
	for _, x := range []*replica{mgr, member} {
		x.mustSync()
		if pr, _ := x.ws.Programme(cohort); len(pr.Events) != 1 || pr.Events[0].Title != "Co-run workshop" {
			t.Fatalf("the co-manager's event did not arrive: %+v", pr.Events)
		}
	}
	if list, _ := co.ws.Cohorts(); len(list) != 1 || !list[0].Manager {
		t.Fatalf("the co-manager is not shown as a manager: %+v", list)
	}
}

// Removing a pair or a cohort from one computer waits for unsynced
// changes (unless forced), leaves everyone else's copy alone, and joining
// again from the invite brings everything back.
func TestRemoveAndJoinAgain(t *testing.T) {
	r := startRelay(t)
	ana, ben, mgr := newReplica(t, r), newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, ana, ben, false)
	ben.addGoal(pair, "Kept by the relay")
	if err := ben.ws.Remove(pair, false); !errors.Is(err, workspace.ErrUnsynced) {
		t.Fatalf("removed with a change not yet synced: %v", err)
	}
	ben.mustSync()
	if err := ben.ws.Remove(pair, false); err != nil {
		t.Fatal(err)
	}
	if _, err := ben.ws.Pair(pair); !errors.Is(err, workspace.ErrUnknownPair) {
		t.Fatalf("the removed pair still reads: %v", err)
	}
	ben.mustSync() // syncing without the pair is fine
	invite, _ := ana.ws.Invite(pair, false)
	if _, err := ben.ws.Join(invite, "Ben", mentoring.Mentee); err != nil {
		t.Fatal(err)
	}
	ben.mustSync()
	if p, err := ben.ws.Pair(pair); err != nil || len(p.Goals) != 1 {
		t.Fatalf("after joining again, Ben's own earlier goal is missing: %+v, %v", p, err)
	}
	// His changes after joining again are not taken for repeats of his
	// old ones: the relay stores them and Ana receives them.
	ben.addGoal(pair, "After joining again")
	ben.mustSync()
	ana.mustSync()
	if a, b := ana.json(pair), ben.json(pair); a != b || !strings.Contains(a, "After joining again") {
		t.Fatalf("Ana and Ben differ after Ben joined again:\n%s\n---\n%s", a, b)
	}

	cohort, _ := mgr.ws.NewCohort("Spring", "Dana", "", "")
	code, _ := mgr.ws.CohortInvite(cohort, false)
	mgr.mustSync()
	if _, err := ben.ws.JoinCohort(code); err != nil {
		t.Fatal(err)
	}
	ben.mustSync()
	if err := ben.ws.Remove(cohort, false); err != nil {
		t.Fatal(err)
	}
	if ids, _ := ben.ws.IDs(); len(ids) != 1 || ids[0] != pair {
		t.Fatalf("after removing the cohort, the folder holds %v", ids)
	}
	if _, err := ben.ws.JoinCohort(code); err != nil {
		t.Fatalf("joining the cohort again: %v", err)
	}
	ben.mustSync()
	if _, err := ben.ws.Programme(cohort); err != nil {
		t.Fatal(err)
	}
}
