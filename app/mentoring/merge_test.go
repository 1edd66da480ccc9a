package mentoring

import (
	"strings"
	"testing"
)

func TestConcurrentNotesTypingMerges(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ben := ana.join("Ben", Mentee)
	ci := ana.do(func(p *Pair) (Edit, error) {
		return AddCheckin(p, ana.me, CheckinInput{Date: "2026-11-20", Notes: "Talked about the move."}, t0)
	})
	sync(t, ana, ben)
	ana.do(func(p *Pair) (Edit, error) {
		return CheckinText(p, ci, nil, ptr("Ana: Talked about the move."))
	})
	ben.do(func(p *Pair) (Edit, error) {
		return CheckinText(p, ci, nil, ptr("Talked about the move. Ben: شكرا 🙏"))
	})
	sync(t, ana, ben)
	p := converged(t, ana, ben)
	c, _ := p.Checkin(ci)
	if want := "Ana: Talked about the move. Ben: شكرا 🙏"; c.Notes != want {
		t.Errorf("notes: got %q, want %q", c.Notes, want)
	}
}

func TestDeleteGoalWhileOtherEditsIt(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ben := ana.join("Ben", Mentee)
	g := ana.do(func(p *Pair) (Edit, error) { return AddGoal(p, ana.me, GoalInput{Title: ptr("Learn Go")}, t0) })
	sync(t, ana, ben)
	ana.do(func(p *Pair) (Edit, error) { return RemoveGoal(p, g) })
	ben.do(func(p *Pair) (Edit, error) { return UpdateGoal(p, g, GoalInput{Title: ptr("Learn Go well")}) })
	sync(t, ana, ben)
	p := converged(t, ana, ben)
	if len(p.Goals) != 0 {
		t.Errorf("goals: got %d, want 0 (the removal wins)", len(p.Goals))
	}
	// The edit is not lost: it is in the tombstoned goal.
	tree, _ := ana.doc.Tree()
	title := tree[kGoals].(map[string]any)[g].(map[string]any)[kTitle]
	if title != "Learn Go well" {
		t.Errorf("tombstoned title: got %v, want the concurrent edit", title)
	}
}

func TestBothAddCheckinsAndGoals(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ben := ana.join("Ben", Mentee)
	cat := ben.join("Cat", Mentee) // a third replica, e.g. Ben's second laptop
	sync(t, ana, ben, cat)
	for i, r := range []*replica{ana, ben, cat} {
		r.do(func(p *Pair) (Edit, error) {
			return AddCheckin(p, r.me, CheckinInput{Date: "2026-11-2" + string(rune('0'+i)), Notes: "n"}, t0)
		})
		r.do(func(p *Pair) (Edit, error) { return AddGoal(p, r.me, GoalInput{Title: ptr("goal")}, t0) })
	}
	sync(t, ana, ben, cat)
	p := converged(t, ana, ben, cat)
	if len(p.Checkins) != 3 || len(p.Goals) != 3 {
		t.Errorf("got %d check-ins and %d goals, want 3 and 3", len(p.Checkins), len(p.Goals))
	}
	if len(p.Members) != 3 {
		t.Errorf("members: got %d, want 3", len(p.Members))
	}
}

func TestBothSignAndChangeAfterSigning(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ben := ana.join("Ben", Mentee)
	ana.do(func(p *Pair) (Edit, error) { return SetAgreement(p, AgreementInput{CadenceDays: ptr(14)}) })
	sync(t, ana, ben)
	ana.do(func(p *Pair) (Edit, error) { return Sign(p, ana.me, t0) })
	ben.do(func(p *Pair) (Edit, error) { return Sign(p, ben.me, t0) })
	sync(t, ana, ben)
	p := converged(t, ana, ben)
	for _, m := range []string{ana.me, ben.me} {
		if got := p.Agreement.SignState(m); got != Signed {
			t.Errorf("%s after both signed: got %v, want signed", m, got)
		}
	}
	// Ben changes the cadence after Ana signed: Ana's signature is now for
	// an earlier version, and so is Ben's until he signs again.
	ben.do(func(p *Pair) (Edit, error) { return SetAgreement(p, AgreementInput{CadenceDays: ptr(21)}) })
	sync(t, ana, ben)
	p = converged(t, ana, ben)
	if got := p.Agreement.SignState(ana.me); got != SignedEarlier || got.String() != "signed an earlier version" {
		t.Errorf("Ana after Ben's change: got %q, want signed an earlier version", got)
	}
	ben.do(func(p *Pair) (Edit, error) { return Sign(p, ben.me, t0) })
	sync(t, ana, ben)
	p = converged(t, ana, ben)
	if p.Agreement.SignState(ben.me) != Signed || p.Agreement.SignState(ana.me) != SignedEarlier {
		t.Errorf("after Ben re-signed: got ben=%v ana=%v", p.Agreement.SignState(ben.me), p.Agreement.SignState(ana.me))
	}
}

func TestConcurrentFieldEditsEveryKind(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ben := ana.join("Ben", Mentee)
	g := ana.do(func(p *Pair) (Edit, error) {
		return AddGoal(p, ana.me, GoalInput{Title: ptr("Speak at a meetup"), Why: ptr("confidence")}, t0)
	})
	ms := ana.do(func(p *Pair) (Edit, error) { return AddMilestone(p, g, "Pick a topic", "2026-12-01", t0) })
	ci := ana.do(func(p *Pair) (Edit, error) {
		return AddCheckin(p, ana.me, CheckinInput{Date: "2026-11-20", Actions: []ActionInput{{Text: "Draft abstract"}}}, t0)
	})
	sync(t, ana, ben)
	act := ana.pair().Checkins[0].Actions[0].ID

	// Different fields of the same goal, the agreement texts, milestones,
	// ratings, wins, messages and prompts, all at once.
	ana.do(func(p *Pair) (Edit, error) { return UpdateGoal(p, g, GoalInput{Status: ptr(InProgress)}) })
	ben.do(func(p *Pair) (Edit, error) { return UpdateGoal(p, g, GoalInput{Why: ptr("confidence and reach")}) })
	ana.do(func(p *Pair) (Edit, error) {
		return SetAgreement(p, AgreementInput{Boundaries: ptr("No calls after 8pm."), Channels: map[string]*Channel{"chat": {Purpose: "quick questions", ResponseHours: 24}}})
	})
	ben.do(func(p *Pair) (Edit, error) {
		return SetAgreement(p, AgreementInput{Expectations: ptr("Come prepared."), Channels: map[string]*Channel{"video": {Purpose: "check-ins"}}})
	})
	ben.do(func(p *Pair) (Edit, error) { return SetMilestoneDone(p, g, ms, true) })
	ana.do(func(p *Pair) (Edit, error) { return SetActionDone(p, ci, act, true) })
	ana.do(func(p *Pair) (Edit, error) { return Rate(p, ci, ana.me, 4, "good", t0) })
	ben.do(func(p *Pair) (Edit, error) { return Rate(p, ci, ben.me, 5, "great", t0) })
	ana.do(func(p *Pair) (Edit, error) { return AddWin(p, ana.me, "First talk accepted", "2026-11-21", t0) })
	ben.do(func(p *Pair) (Edit, error) { return SendMessage(p, ben.me, "Thanks!", t0) })
	ana.do(func(p *Pair) (Edit, error) { return AnswerPrompt(p, ana.me, "know-path", "I grew up by the sea", t0) })
	ben.do(func(p *Pair) (Edit, error) { return AnswerPrompt(p, ben.me, "know-path", "Mountains for me", t0) })
	sync(t, ana, ben)
	p := converged(t, ana, ben)
	goal, _ := p.Goal(g)
	checks := []struct {
		name      string
		got, want any
	}{
		{"goal status", goal.Status, InProgress},
		{"goal why", goal.Why, "confidence and reach"},
		{"milestone done", goal.Milestones[0].Done, true},
		{"progress", goal.Progress(), 1.0},
		{"boundaries", p.Agreement.Boundaries, "No calls after 8pm."},
		{"expectations", p.Agreement.Expectations, "Come prepared."},
		{"channels", len(p.Agreement.Channels), 2},
		{"action done", p.Checkins[0].Actions[0].Done, true},
		{"ratings", len(p.Checkins[0].Feedback), 2},
		{"wins", len(p.Wins), 1},
		{"messages", len(p.Messages), 1},
		{"answers", len(p.Prompts), 2},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestSameScalarLastWriterWinsDeterministically(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ben := ana.join("Ben", Mentee)
	ana.do(func(p *Pair) (Edit, error) { return SetAgreement(p, AgreementInput{CadenceDays: ptr(14)}) })
	ben.do(func(p *Pair) (Edit, error) { return SetAgreement(p, AgreementInput{CadenceDays: ptr(28)}) })
	sync(t, ana, ben)
	p := converged(t, ana, ben)
	if c := p.Agreement.CadenceDays; c != 14 && c != 28 {
		t.Errorf("cadence: got %d, want one of the two edits", c)
	}
	if !strings.Contains(p.Title, "Ana") {
		t.Errorf("title: got %q", p.Title)
	}
}
