package workspace

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"pairwise/app/mentoring"
)

// TestCachedPairMatchesTheDocument makes a long random run of edits of
// every kind and checks after each that the cached pair, refreshed record
// by record, equals a fresh read of the whole document.
func TestCachedPairMatchesTheDocument(t *testing.T) {
	ws, err := Open(t.TempDir(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	pair, err := ws.NewPair("Cache", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	s := func(v string) *string { return &v }
	pick := func(ids []string) string {
		if len(ids) == 0 {
			return "none"
		}
		return ids[r.IntN(len(ids))]
	}
	edits := []func(p *mentoring.Pair, me string) (mentoring.Edit, error){
		func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.AddGoal(p, me, mentoring.GoalInput{Title: s("goal")}, now)
		},
		func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			var ids []string
			for _, g := range p.Goals {
				ids = append(ids, g.ID)
			}
			return mentoring.UpdateGoal(p, pick(ids), mentoring.GoalInput{Why: s("because " + mentoring.NewID())})
		},
		func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			var ids []string
			for _, g := range p.Goals {
				ids = append(ids, g.ID)
			}
			return mentoring.RemoveGoal(p, pick(ids))
		},
		func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			var ids []string
			for _, g := range p.Goals {
				ids = append(ids, g.ID)
			}
			return mentoring.AddMilestone(p, pick(ids), "step", "", now)
		},
		func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.AddCheckin(p, me, mentoring.CheckinInput{Date: "2026-11-02", Notes: "n"}, now)
		},
		func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			var ids []string
			for _, c := range p.Checkins {
				ids = append(ids, c.ID)
			}
			return mentoring.CheckinText(p, pick(ids), nil, s("notes "+mentoring.NewID()))
		},
		func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			var ids []string
			for _, c := range p.Checkins {
				ids = append(ids, c.ID)
			}
			return mentoring.Rate(p, pick(ids), me, 1+r.IntN(5), "c", now)
		},
		func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.SetAgreement(p, mentoring.AgreementInput{CadenceDays: ptr(7 + r.IntN(20)), Boundaries: s(mentoring.NewID())})
		},
		func(p *mentoring.Pair, me string) (mentoring.Edit, error) { return mentoring.Sign(p, me, now) },
		func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.SetTimeZone(p, me, "Europe/Oslo")
		},
		func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.SetHours(p, me, "09:00-17:00")
		},
		func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.AddWin(p, me, "win", "", now)
		},
		func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.SendMessage(p, me, "hi", now)
		},
		func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.AnswerPrompt(p, me, mentoring.Prompts[r.IntN(len(mentoring.Prompts))].ID, "a", now)
		},
		func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.Rename(p, "Cache "+mentoring.NewID())
		},
		func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.Reflect(p, me, mentoring.Midpoint, map[string]string{"working": mentoring.NewID()}, 4, now)
		},
	}
	for i := 0; i < 400; i++ {
		ws.Edit(pair, edits[r.IntN(len(edits))]) // refusals (a missing goal) are part of the run
		cached, err := ws.Pair(pair)
		if err != nil {
			t.Fatal(err)
		}
		h, _ := ws.get(pair)
		h.mu.Lock()
		fresh, err := mentoring.Read(h.doc)
		h.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		var a, b bytes.Buffer
		mentoring.ExportJSON(&a, cached)
		mentoring.ExportJSON(&b, fresh)
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("after edit %d the cached pair differs from the document:\n%s\nwant\n%s", i, a.Bytes(), b.Bytes())
		}
	}
}
