package mentoring

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestRefreshMatchesAFullRead makes a long seeded run of edits of every
// kind, from both members, and after each one checks that refreshing the
// previous read with just the touched records gives exactly the pair a
// full read gives. The workspace relies on this to keep edits cheap. Even
// seeds run on a pair made before the message log.
func TestRefreshMatchesAFullRead(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			ana := newReplicaPair(t, "Ana", Mentor)
			if seed%2 == 0 {
				asSchema1(ana) // messages in the map, as in pairs made before the log
			}
			ben := ana.join("Ben", Mentee)
			if err := ana.doc.Merge(ben.doc); err != nil {
				t.Fatal(err)
			}
			prev := ana.pair()
			for step := 0; step < 150; step++ {
				ana.now = ana.now.Add(time.Duration(rng.IntN(48)) * time.Hour)
				build := randomEdit(rng, ana.me, ben.me, ana.now)
				edit, err := build(prev)
				if err != nil {
					continue // refused as invalid: nothing to refresh
				}
				if err := edit.Apply(ana.doc); err != nil {
					t.Fatalf("step %d: apply: %v", step, err)
				}
				if _, err := ana.doc.Commit(edit.Msg, ana.now); err != nil {
					continue // an edit that changed nothing
				}
				tree, err := ana.doc.Tree()
				if err != nil {
					t.Fatal(err)
				}
				got, err := Refresh(prev, tree, edit.Touched())
				if err != nil {
					t.Fatal(err)
				}
				want, err := FromTree(tree)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("step %d (%s): refreshed pair differs from a full read\n got %+v\nwant %+v", step, edit.Msg, got, want)
				}
				prev = got
			}
		})
	}
}

// randomEdit picks one edit of any kind, some of them on records that
// already exist.
func randomEdit(rng *rand.Rand, me, other string, now time.Time) func(p *Pair) (Edit, error) {
	text := func() string { return fmt.Sprintf("text %d ✓ مرحبا", rng.IntN(1000)) }
	someGoal := func(p *Pair) string {
		if len(p.Goals) == 0 {
			return "none"
		}
		return p.Goals[rng.IntN(len(p.Goals))].ID
	}
	someCheckin := func(p *Pair) string {
		if len(p.Checkins) == 0 {
			return "none"
		}
		return p.Checkins[rng.IntN(len(p.Checkins))].ID
	}
	date := now.AddDate(0, 0, rng.IntN(60)).Format(DateLayout)
	who := []string{me, other}[rng.IntN(2)]
	kinds := []func(p *Pair) (Edit, error){
		func(p *Pair) (Edit, error) { return SendMessage(p, who, text(), now) },
		func(p *Pair) (Edit, error) { return SendMessage(p, who, text(), now) }, // the same moment
		func(p *Pair) (Edit, error) { return SendMessage(p, who, text(), now.Add(-time.Hour)) },
		func(p *Pair) (Edit, error) { t := text(); return AddGoal(p, who, GoalInput{Title: &t}, now) },
		func(p *Pair) (Edit, error) {
			s := []Status{InProgress, Achieved, Dropped}[rng.IntN(3)]
			return UpdateGoal(p, someGoal(p), GoalInput{Status: &s})
		},
		func(p *Pair) (Edit, error) { return RemoveGoal(p, someGoal(p)) },
		func(p *Pair) (Edit, error) { return AddMilestone(p, someGoal(p), text(), date, now) },
		func(p *Pair) (Edit, error) {
			return AddCheckin(p, who, CheckinInput{Date: date, Notes: text(), Actions: []ActionInput{{Text: text(), Owner: who}}}, now)
		},
		func(p *Pair) (Edit, error) { return Rate(p, someCheckin(p), who, 1+rng.IntN(5), text(), now) },
		func(p *Pair) (Edit, error) { return AddWin(p, who, text(), date, now) },
		func(p *Pair) (Edit, error) {
			return AnswerPrompt(p, who, Prompts[rng.IntN(len(Prompts))].ID, text(), now)
		},
		func(p *Pair) (Edit, error) { return Rename(p, text()) },
		func(p *Pair) (Edit, error) { return SetTimeZone(p, who, "Europe/Lisbon") },
		func(p *Pair) (Edit, error) { return SetHours(p, who, "09:00-17:00") },
		func(p *Pair) (Edit, error) {
			d := 7 + rng.IntN(21)
			return SetAgreement(p, AgreementInput{CadenceDays: &d})
		},
		func(p *Pair) (Edit, error) { return Sign(p, who, now) },
		func(p *Pair) (Edit, error) {
			return Reflect(p, who, Midpoint, map[string]string{"working": text()}, 1+rng.IntN(5), now)
		},
	}
	if rng.IntN(40) == 0 {
		return func(p *Pair) (Edit, error) { return Close(p, who, now) }
	}
	return kinds[rng.IntN(len(kinds))]
}
