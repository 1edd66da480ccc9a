package workspace

import (
	"errors"
	"strings"
	"testing"
	"time"

	"pairwise/app/crdt"
	"pairwise/app/mentoring"
)

// ticking makes ws's clock advance a minute at every reading, so each
// change has its own time.
func ticking(ws *Workspace) {
	at := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	ws.SetNow(func() time.Time { at = at.Add(time.Minute); return at })
}

// openTicking opens a data folder with a ticking clock and a new pair in it.
func openTicking(t *testing.T, dir string) (*Workspace, string) {
	t.Helper()
	ws, err := OpenWith(dir, Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ticking(ws)
	id, err := ws.NewPair("History", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	return ws, id
}

func editOK(t *testing.T, ws *Workspace, id string, build Editor) {
	t.Helper()
	if _, err := ws.Edit(id, build); err != nil {
		t.Fatal(err)
	}
}

func setBoundaries(s string, cadence int) Editor {
	return func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
		return mentoring.SetAgreement(p, mentoring.AgreementInput{Boundaries: &s, CadenceDays: &cadence})
	}
}

// TestHistoryShowAndRestore, on a real data folder: the timeline lists
// each version newest first; the pair read at each change holds the
// values of then; restoring writes a new change on top, after which the
// old versions are all still there, also after reopening the folder.
func TestHistoryShowAndRestore(t *testing.T) {
	dir := t.TempDir()
	ws, id := openTicking(t, dir)
	versions := []string{"Career topics only.", "Career topics.\nNo code review.", "Anything goes."}
	for i, b := range versions {
		editOK(t, ws, id, setBoundaries(b, 14+7*i))
	}
	tl, n, err := ws.Timeline(id, 2)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 || len(tl) != 2 {
		t.Fatalf("timeline: got %d of %d, want 2 of 4 (created + 3 edits)", len(tl), n)
	}
	if tl[0].Who != "Ana" || !strings.HasPrefix(tl[0].What, "changed the agreement") || !tl[0].When.After(tl[1].When) {
		t.Errorf("timeline: got %+v, want Ana's agreement changes newest first", tl)
	}
	all, _, _ := ws.Timeline(id, 0)
	for i, want := range versions { // all[0] is the newest: versions[2]
		c := all[len(versions)-1-i]
		p, at, err := ws.PairAt(id, c.Short())
		if err != nil {
			t.Fatal(err)
		}
		if p.Agreement.Boundaries != want || p.Agreement.CadenceDays != 14+7*i || at.ID != c.ID {
			t.Errorf("at %s: got %q every %d days, want %q every %d", c.Short(), p.Agreement.Boundaries, p.Agreement.CadenceDays, want, 14+7*i)
		}
	}
	if now, _ := ws.Pair(id); now.Agreement.Boundaries != versions[2] {
		t.Errorf("reading the past changed the pair: boundaries %q", now.Agreement.Boundaries)
	}

	to := all[len(versions)-1] // the first version
	made, err := ws.Restore(id, mentoring.Part{Kind: "agreement"}, to.Short())
	if err != nil {
		t.Fatal(err)
	}
	if want := "restored the agreement as it was at " + mentoring.VersionStamp(to.When); made.What != want || made.Who != "Ana" {
		t.Errorf("restore change: got %+v, want Ana, %q", made, want)
	}
	ws.Close()
	ws, err = Open(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	p, _ := ws.Pair(id)
	if p.Agreement.Boundaries != versions[0] || p.Agreement.CadenceDays != 14 {
		t.Errorf("after restore and reopen: got %q every %d days, want %q every 14", p.Agreement.Boundaries, p.Agreement.CadenceDays, versions[0])
	}
	after, n2, _ := ws.Timeline(id, 0)
	if n2 != n+1 || after[0].ID != made.ID {
		t.Errorf("timeline after restore: got %d changes, newest %s; want %d, newest the restore", n2, after[0].Short(), n+1)
	}
	for _, c := range all {
		if _, _, err := ws.PairAt(id, c.ID); err != nil {
			t.Errorf("version %s lost after the restore: %v", c.Short(), err)
		}
	}
}

func TestPairAtRefusesBadChangeIDs(t *testing.T) {
	ws, id := openWithPair(t, t.TempDir(), "Bad IDs")
	defer ws.Close()
	for _, ref := range []string{"", "12", "not-hex!", "00000000", strings.Repeat("a", 65)} {
		_, _, err := ws.PairAt(id, ref)
		if !errors.Is(err, crdt.ErrUnknownChange) {
			t.Errorf("PairAt(%q): got %v, want ErrUnknownChange", ref, err)
		}
		if _, err := ws.Restore(id, mentoring.Part{Kind: "agreement"}, ref); !errors.Is(err, crdt.ErrUnknownChange) {
			t.Errorf("Restore(%q): got %v, want ErrUnknownChange", ref, err)
		}
	}
	if _, n, _ := ws.Timeline(id, 0); n != 1 {
		t.Errorf("refused restores changed the history: %d changes, want 1", n)
	}
}

// TestSinceSigned: after signing, the agreement's later changes show field
// by field against the version signed.
func TestSinceSigned(t *testing.T) {
	ws, id := openTicking(t, t.TempDir())
	defer ws.Close()
	me, _ := ws.Me(id)
	if _, err := ws.SinceSigned(id, me); !errors.Is(err, ErrNotSigned) {
		t.Errorf("before signing: got %v, want ErrNotSigned", err)
	}
	editOK(t, ws, id, setBoundaries("Career topics.\nNo code review.", 14))
	editOK(t, ws, id, func(p *mentoring.Pair, me string) (mentoring.Edit, error) { return mentoring.Sign(p, me, ws.Now()) })
	s, err := ws.SinceSigned(id, me)
	if err != nil || len(s.Changes) != 0 || s.Change.What != mentoring.SignMsg {
		t.Fatalf("just signed: got %+v, %v; want no changes", s, err)
	}
	editOK(t, ws, id, setBoundaries("Career topics.\nNo weekends.", 21))
	s, err = ws.SinceSigned(id, me)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Changes) != 2 || s.Changes[0].Old != "14" || s.Changes[0].New != "21" ||
		s.Changes[1].Diff != "  Career topics.\n- No code review.\n+ No weekends.\n" {
		t.Errorf("since signed: got %+v, want the cadence 14 → 21 and the boundaries line swapped", s.Changes)
	}
}
