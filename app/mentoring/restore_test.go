package mentoring

import (
	"slices"
	"strings"
	"testing"

	"pairwise/app/crdt"
)

// changeWith returns the newest change of r's history with message msg.
func (r *replica) changeWith(msg string) crdt.Entry {
	r.t.Helper()
	h, err := r.doc.History()
	if err != nil {
		r.t.Fatal(err)
	}
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Message == msg {
			return h[i]
		}
	}
	r.t.Fatalf("no change %q in the history", msg)
	return crdt.Entry{}
}

// pairAt reads r's pair as it was right after change e.
func (r *replica) pairAt(e crdt.Entry) *Pair {
	r.t.Helper()
	old, err := r.doc.At(e.Hash)
	if err != nil {
		r.t.Fatal(err)
	}
	p, err := Read(old)
	if err != nil {
		r.t.Fatal(err)
	}
	return p
}

// TestRestoreMergesWithAConcurrentEdit: Ana restores the agreement as it
// was while Ben, not yet synced, edits it. After the merge both hold the
// same pair: the restored cadence and text, Ben's insertion at the start
// of the same text (a splice elsewhere survives a restore), Ben's new
// expectations (a field the restore did not touch), and in both histories
// who restored what.
func TestRestoreMergesWithAConcurrentEdit(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ben := ana.join("Ben", Mentee)
	ana.do(func(p *Pair) (Edit, error) {
		return SetAgreement(p, AgreementInput{CadenceDays: ptr(14), Boundaries: ptr("Career topics.\nNo code review."),
			Channels: map[string]*Channel{"chat": {Purpose: "quick questions", ResponseHours: 24}}})
	})
	signed := ana.changeWith("changed the agreement: the cadence, boundaries, chat")
	ana.do(func(p *Pair) (Edit, error) {
		return SetAgreement(p, AgreementInput{CadenceDays: ptr(21), Boundaries: ptr("Career topics.\nNo code review.\nNo weekends."),
			Channels: map[string]*Channel{"chat": nil, "email": {Purpose: "documents"}}})
	})
	sync(t, ana, ben)

	old := ana.pairAt(signed)
	restore, err := Restore(ana.pair(), old, Part{Kind: "agreement"}, signed.Time)
	if err != nil {
		t.Fatal(err)
	}
	ana.do(func(*Pair) (Edit, error) { return restore, nil })
	ben.do(func(p *Pair) (Edit, error) {
		return SetAgreement(p, AgreementInput{Boundaries: ptr("Ben: Career topics.\nNo code review.\nNo weekends."), Expectations: ptr("Reply within a day.")})
	})
	sync(t, ana, ben)
	p := converged(t, ana, ben)
	a := p.Agreement
	if want := "Ben: Career topics.\nNo code review."; a.Boundaries != want {
		t.Errorf("boundaries: got %q, want %q (the restore removes the added line, Ben's insertion stays)", a.Boundaries, want)
	}
	if a.CadenceDays != 14 {
		t.Errorf("cadence: got %d, want 14 as restored", a.CadenceDays)
	}
	if a.Expectations != "Reply within a day." {
		t.Errorf("expectations: got %q, want Ben's concurrent text", a.Expectations)
	}
	if len(a.Channels) != 1 || a.Channels[0] != (Channel{Kind: "chat", Purpose: "quick questions", ResponseHours: 24}) {
		t.Errorf("channels: got %+v, want chat alone as restored", a.Channels)
	}
	for _, r := range []*replica{ana, ben} {
		h, _ := r.doc.History()
		if !slices.ContainsFunc(h, func(e crdt.Entry) bool {
			return crdt.MemberOf(e.Actor) == ana.me && strings.HasPrefix(e.Message, "restored the agreement as it was at ")
		}) {
			t.Errorf("history: no restore by Ana in %+v", h)
		}
		if !slices.ContainsFunc(h, func(e crdt.Entry) bool { return e.Hash == signed.Hash }) {
			t.Error("history: the restored change itself is gone; a restore must only add")
		}
	}
	// Restoring the version it already is has nothing to do, and says so.
	if _, err := Restore(p, p, Part{Kind: "agreement"}, signed.Time); err == nil || !strings.Contains(err.Error(), "nothing to restore") {
		t.Errorf("restoring an unchanged part: got %v, want a sentence that there is nothing to restore", err)
	}
}

// TestRestoreGoalAndCheckinNotes: a goal edited and removed comes back as
// it was; a check-in's notes go back; a part that did not exist at that
// change is refused with a sentence.
func TestRestoreGoalAndCheckinNotes(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	g := ana.do(func(p *Pair) (Edit, error) {
		return AddGoal(p, ana.me, GoalInput{Title: ptr("Learn Go"), Why: ptr("New job"), Target: ptr("2027-03-01")}, t0)
	})
	ci := ana.do(func(p *Pair) (Edit, error) {
		return AddCheckin(p, ana.me, CheckinInput{Date: "2026-11-20", Agenda: "Plan", Notes: "Talked about the move."}, t0)
	})
	first := ana.changeWith("logged the check-in of 2026-11-20")
	ana.do(func(p *Pair) (Edit, error) {
		return UpdateGoal(p, g, GoalInput{Title: ptr("Learn Rust"), Why: ptr("Curiosity"), Status: ptr(InProgress)})
	})
	ana.do(func(p *Pair) (Edit, error) { return RemoveGoal(p, g) })
	ana.do(func(p *Pair) (Edit, error) { return CheckinText(p, ci, nil, ptr("Something else entirely.")) })
	old := ana.pairAt(first)
	for _, pt := range []Part{{Kind: "goal", ID: g}, {Kind: "checkin", ID: ci}} {
		ana.do(func(p *Pair) (Edit, error) { return Restore(p, old, pt, first.Time) })
	}
	p := ana.pair()
	got, ok := p.Goal(g)
	if !ok || got.Title != "Learn Go" || got.Why != "New job" || got.Status != NotStarted || got.Target != "2027-03-01" {
		t.Errorf("restored goal: got %+v (present %v), want Learn Go, New job, not started, 2027-03-01", got, ok)
	}
	c, _ := p.Checkin(ci)
	if c.Notes != "Talked about the move." || c.Agenda != "Plan" {
		t.Errorf("restored check-in: got notes %q, agenda %q", c.Notes, c.Agenda)
	}
	h, _ := ana.doc.History()
	created := h[0] // the pair's creation
	before := ana.pairAt(created)
	if _, err := Restore(p, before, Part{Kind: "goal", ID: g}, created.Time); err == nil || !strings.Contains(err.Error(), "did not exist") {
		t.Errorf("restoring a goal from before it existed: got %v, want a sentence", err)
	}
}

func TestParsePart(t *testing.T) {
	for in, want := range map[string]Part{"agreement": {Kind: "agreement"}, "goal:abc": {Kind: "goal", ID: "abc"}, " checkin:x1 ": {Kind: "checkin", ID: "x1"}} {
		if got, err := ParsePart(in); err != nil || got != want {
			t.Errorf("ParsePart(%q): got %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "goal", "goal:", "agreement:x", "win:1", "checkin:" + strings.Repeat("a", 65)} {
		if _, err := ParsePart(bad); err == nil {
			t.Errorf("ParsePart(%q): got no error, want a sentence", bad)
		}
	}
}

func TestDiffAgreement(t *testing.T) {
	old := Agreement{CadenceDays: 14, Boundaries: "Career topics.\nNo code review.", Expectations: "We meet every other week and each of us comes with one question written down beforehand."}
	now := Agreement{CadenceDays: 21, Boundaries: "Career topics.\nNo weekends.", Expectations: "We meet every week and each of us comes with one question written down beforehand.", Start: "2027-01-04",
		Channels: []Channel{{Kind: "chat", Purpose: "quick questions", ResponseHours: 24}}}
	got := DiffAgreement(old, now)
	byField := map[string]FieldChange{}
	var fields []string
	for _, c := range got {
		byField[c.Field] = c
		fields = append(fields, c.Field)
	}
	if want := []string{"meeting every (days)", "channel chat", "boundaries", "expectations", "start date"}; !slices.Equal(fields, want) {
		t.Fatalf("fields: got %q, want %q", fields, want)
	}
	if c := byField["meeting every (days)"]; c.Old != "14" || c.New != "21" || c.Diff != "" {
		t.Errorf("cadence: got %+v", c)
	}
	if c := byField["channel chat"]; c.Old != "" || c.New != "quick questions (answer within 24 h)" {
		t.Errorf("chat: got %+v", c)
	}
	if want := "  Career topics.\n- No code review.\n+ No weekends.\n"; byField["boundaries"].Diff != want {
		t.Errorf("boundaries diff: got %q, want %q", byField["boundaries"].Diff, want)
	}
	if d := byField["expectations"].Diff; !strings.Contains(d, "every [-other-] week") || strings.Contains(d, "{+") {
		t.Errorf("expectations word diff: got %q, want the word 'other' marked removed and nothing added", d)
	}
	if DiffAgreement(old, old) != nil {
		t.Error("an unchanged agreement shows differences")
	}
}

// TestTextDiffIsBounded: two long texts with nothing in common come out as
// removed then added, without the quadratic table.
func TestTextDiffIsBounded(t *testing.T) {
	var a, b strings.Builder
	for i := range 3000 {
		a.WriteString("a" + strings.Repeat("x", i%7) + "\n")
		b.WriteString("b" + strings.Repeat("y", i%5) + "\n")
	}
	d := TextDiff(a.String(), b.String())
	if n := strings.Count(d, "\n- "); n < 2999 {
		t.Errorf("got %d removed lines, want every line of the old text", n)
	}
}
