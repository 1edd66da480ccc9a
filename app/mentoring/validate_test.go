package mentoring

import (
	"errors"
	"testing"
)

func TestRefusesInvalidInput(t *testing.T) {
	r := newReplicaPair(t, "Ana", Mentor)
	r.do(func(p *Pair) (Edit, error) { return SetAgreement(p, AgreementInput{Start: ptr("2027-01-01")}) })
	g := r.do(func(p *Pair) (Edit, error) { return AddGoal(p, r.me, GoalInput{Title: ptr("Real goal")}, t0) })
	ci := r.do(func(p *Pair) (Edit, error) { return AddCheckin(p, r.me, CheckinInput{Date: "2027-01-05"}, t0) })
	cases := []struct {
		name  string
		build func(p *Pair) (Edit, error)
		want  string
	}{
		{"empty goal title", func(p *Pair) (Edit, error) { return AddGoal(p, r.me, GoalInput{Title: ptr("  ")}, t0) }, "a goal needs a title: type a few words that say what it is"},
		{"milestone before start", func(p *Pair) (Edit, error) { return AddMilestone(p, g, "Step", "2026-12-01", t0) }, "the milestone is due 2026-12-01, before the relationship starts on 2027-01-01: pick a later date or move the start"},
		{"rating of 7", func(p *Pair) (Edit, error) { return Rate(p, ci, r.me, 7, "", t0) }, "a rating of 7 is off the scale: rate from 1 (poor) to 5 (excellent)"},
		{"cadence of 0", func(p *Pair) (Edit, error) { return SetAgreement(p, AgreementInput{CadenceDays: ptr(0)}) }, "a cadence of 0 days does not work: choose between 1 and 365 days (every 14 to 28 days suits most pairs)"},
		{"bad date", func(p *Pair) (Edit, error) { return AddCheckin(p, r.me, CheckinInput{Date: "20/11/2026"}, t0) }, `the check-in date "20/11/2026" is not a date: write it as YYYY-MM-DD, for example 2027-01-31`},
		{"bad status", func(p *Pair) (Edit, error) { return UpdateGoal(p, g, GoalInput{Status: ptr(Status("done"))}) }, `status "done" is not one Pairwise knows: use not-started, in-progress, achieved or dropped`},
		{"bad role", func(p *Pair) (Edit, error) { return Join(p, Member{ID: "x", Name: "Z", Role: "boss"}, t0) }, `role "boss" is not one Pairwise knows: use mentor or mentee`},
		{"end before start", func(p *Pair) (Edit, error) { return SetAgreement(p, AgreementInput{End: ptr("2026-06-01")}) }, "the relationship would end (2026-06-01) before it starts (2027-01-01): pick an end date after the start"},
		{"unknown goal", func(p *Pair) (Edit, error) { return UpdateGoal(p, "nope", GoalInput{Title: ptr("x")}) }, `there is no goal "nope" in this pair: it may have been removed`},
		{"unknown time zone", func(p *Pair) (Edit, error) { return SetTimeZone(p, r.me, "Mars/Olympus") }, `time zone "Mars/Olympus" is unknown: use a name like Europe/Berlin or America/Sao_Paulo`},
		{"sign without cadence", func(p *Pair) (Edit, error) { return Sign(p, r.me, t0) }, "agree how often you will meet before signing: set the cadence in days first"},
		{"empty message", func(p *Pair) (Edit, error) { return SendMessage(p, r.me, " ", t0) }, "the message is empty: type something to send"},
	}
	before := r.pair()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := r.try(c.build)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want an ErrInvalid", err)
			}
			if err.Error() != c.want {
				t.Errorf("got %q, want %q", err.Error(), c.want)
			}
		})
	}
	converged(t, r) // still readable
	if len(r.pair().Goals) != len(before.Goals) {
		t.Errorf("a refused edit changed the document")
	}
}

func TestUnicodeSurvivesEverywhere(t *testing.T) {
	r := newReplicaPair(t, "أحمد", Mentee)
	title := "تعلم البرمجة 👩🏽‍💻 — שלום"
	g := r.do(func(p *Pair) (Edit, error) {
		return AddGoal(p, r.me, GoalInput{Title: ptr(title), Obstacles: ptr("時間 ⏳")}, t0)
	})
	got, _ := r.pair().Goal(g)
	if got.Title != title || got.Obstacles != "時間 ⏳" {
		t.Errorf("got %q / %q", got.Title, got.Obstacles)
	}
	if r.pair().Members[0].Name != "أحمد" {
		t.Errorf("member name: got %q", r.pair().Members[0].Name)
	}
}
