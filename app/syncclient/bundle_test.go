package syncclient

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

// Three replicas that began with files (no relay set anywhere) then set a
// relay: everything converges, and nothing arrives twice: every goal and
// message is there once, and later edits go on syncing.
func TestBundlesThenARelayConverge(t *testing.T) {
	r := startRelay(t)
	reps := make([]*replica, 3)
	for i := range reps {
		ws, err := workspace.Open(t.TempDir(), t.Logf)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.Close() })
		reps[i] = &replica{t: t, ws: ws}
	}
	pair, err := reps[0].ws.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	code, err := reps[0].ws.Invite(pair, false)
	if err != nil {
		t.Fatalf("invite with no relay set: %v", err)
	}
	for i, x := range reps[1:] {
		if _, err := x.ws.Join(code, []string{"Ben", "Cleo"}[i], mentoring.Mentee); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(7, 15))
	var files [][]byte
	goals := 0
	pass := func(round int) {
		for range 4 {
			f := files[rng.IntN(len(files))]
			if _, err := reps[rng.IntN(len(reps))].ws.ImportBundle(f); err != nil && !errors.Is(err, workspace.ErrBundleGap) {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
	for round := range 10 {
		x := reps[rng.IntN(len(reps))]
		if _, err := x.ws.Pair(pair); err == nil {
			x.addGoal(pair, "goal "+strconv.Itoa(round))
			goals++
		}
		from := reps[rng.IntN(len(reps))]
		if f, _, err := from.ws.ExportBundle(pair, rng.IntN(2) == 0); err == nil {
			files = append(files, f)
		} else {
			t.Fatal(err)
		}
		pass(round)
	}
	// Everyone gets the creator's whole file, so each holds the pair.
	whole, _, err := reps[0].ws.ExportBundle(pair, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range reps[1:] {
		if _, err := x.ws.ImportBundle(whole); err != nil {
			t.Fatal(err)
		}
	}

	// Now a relay: the creator first (it puts the pair there), then the
	// others, twice round so every record reaches everyone.
	for _, x := range reps {
		if err := x.ws.UpdateSettings(func(s *workspace.Settings) { s.Relay, s.Token = r.url, r.token }); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		for _, x := range reps {
			x.mustSync()
		}
	}
	// A file that crossed with the relay changes nothing.
	if _, err := reps[2].ws.ImportBundle(files[0]); err != nil {
		t.Fatal(err)
	}
	reps[1].addGoal(pair, "after the relay")
	goals++
	for range 2 {
		for _, x := range reps {
			x.mustSync()
		}
	}
	want := reps[0].json(pair)
	for i, x := range reps[1:] {
		if got := x.json(pair); got != want {
			t.Fatalf("replica %d differs from replica 0:\n%s\nwant:\n%s", i+1, got, want)
		}
	}
	p, err := reps[0].ws.Pair(pair)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, g := range p.Goals {
		if seen[g.Title] {
			t.Errorf("goal %q arrived twice", g.Title)
		}
		seen[g.Title] = true
	}
	if len(p.Goals) != goals || len(p.Members) != 3 {
		t.Errorf("got %d goals and %d members, want %d and 3", len(p.Goals), len(p.Members), goals)
	}
	for _, x := range reps {
		if st, _ := x.ws.SyncState(pair); st.Pending() != 0 {
			t.Errorf("%d changes still wait to be sent", st.Pending())
		}
	}
}

// A file carries Ana's offline changes to Ben, who builds on them and
// syncs before Ana does: Cleo, on the relay only, gets Ben's change with
// the ones it builds on, and when Ana syncs at last nothing arrives twice.
func TestFileChangesTravelAheadOfWhatBuildsOnThem(t *testing.T) {
	r := startRelay(t)
	ana, ben, cleo := newReplica(t, r), newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, ana, ben, false)
	code, err := ana.ws.Invite(pair, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cleo.ws.Join(code, "Cleo", mentoring.Mentee); err != nil {
		t.Fatal(err)
	}
	cleo.mustSync()
	ana.mustSync()
	ben.mustSync()

	// Ana, offline: goals, and a file to Ben.
	g := ana.addGoal(pair, "offline goal")
	ana.addGoal(pair, "another")
	file, _, err := ana.ws.ExportBundle(pair, true)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := ben.ws.ImportBundle(file)
	if err != nil || sum.New != 2 {
		t.Fatalf("Ben: got %d new (%v), want Ana's 2 goals", sum.New, err)
	}
	// Ben changes Ana's goal, and syncs; Cleo syncs.
	why := "because"
	ben.edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.UpdateGoal(p, g, mentoring.GoalInput{Why: &why})
	})
	ben.mustSync()
	cleo.mustSync()
	p, err := cleo.ws.Pair(pair)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Goals) != 2 {
		t.Fatalf("Cleo: got %d goals before Ana synced, want Ana's 2 carried with Ben's change", len(p.Goals))
	}
	// Ana syncs at last; everyone once more.
	for range 2 {
		for _, x := range []*replica{ana, ben, cleo} {
			x.mustSync()
		}
	}
	want := ana.json(pair)
	for _, x := range []*replica{ben, cleo} {
		if got := x.json(pair); got != want {
			t.Fatalf("a replica differs:\n%s\nwant:\n%s", got, want)
		}
	}
	if p, _ := ana.ws.Pair(pair); len(p.Goals) != 2 {
		t.Errorf("got %d goals, want 2", len(p.Goals))
	}
}
