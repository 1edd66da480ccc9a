package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
	"pairwise/app/syncclient"
	"pairwise/app/workspace"
)

func setup(t *testing.T) (*UI, *workspace.Workspace) {
	t.Helper()
	a := test.NewTempApp(t)
	// The test driver runs screen updates on whichever goroutine asks, so
	// the reports a change calls for are made on that change's goroutine.
	ws, err := workspace.OpenWith(t.TempDir(), workspace.Options{Logf: t.Logf, InlineReports: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	w := a.NewWindow("Pairwise")
	w.Resize(fyne.NewSize(1100, 720))
	u := Create(a, w, ws, nil)
	u.now = func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) }
	ws.SetNow(u.now)
	return u, ws
}

// all returns every object of type T under o, in tree order.
func all[T fyne.CanvasObject](o fyne.CanvasObject) []T {
	var out []T
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil {
			return
		}
		if x, ok := o.(T); ok {
			out = append(out, x)
		}
		switch c := o.(type) {
		case *fyne.Container:
			for _, child := range c.Objects {
				walk(child)
			}
		case fyne.Widget:
			r := test.WidgetRenderer(c)
			for _, child := range r.Objects() {
				walk(child)
			}
		}
	}
	walk(o)
	return out
}

func button(t *testing.T, o fyne.CanvasObject, label string) *widget.Button {
	t.Helper()
	for _, b := range all[*widget.Button](o) {
		if b.Text == label {
			return b
		}
	}
	t.Fatalf("no button %q", label)
	return nil
}

func topOverlay(t *testing.T, u *UI) fyne.CanvasObject {
	t.Helper()
	top := u.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog is open")
	}
	return top
}

func TestNewUserCreatesAPairAndWorksInIt(t *testing.T) {
	u, ws := setup(t)

	// First run: the welcome card offers to create a pair.
	test.Tap(button(t, u.main, "Create a pair"))
	dlg := topOverlay(t, u)
	entries := all[*widget.Entry](dlg)
	test.Type(entries[0], "Ana & Ben")
	test.Type(entries[1], "Ana")
	all[*widget.Select](dlg)[0].SetSelected("mentor")
	test.Tap(button(t, dlg, "Create pair"))
	ids, _ := ws.IDs()
	if len(ids) != 1 {
		t.Fatalf("pairs after create: got %d, want 1", len(ids))
	}
	pair := ids[0]
	if u.current != pair || len(u.pairs) != 1 {
		t.Fatalf("the new pair is not open: current %q, %d listed", u.current, len(u.pairs))
	}

	// Agreement: set a cadence, save, sign.
	ag := u.pv.agree
	test.Type(ag.cadence.entry, "14")
	test.Type(ag.expect.entry, "Bring an agenda")
	test.Tap(button(t, ag.content, "Save agreement"))
	test.Tap(button(t, ag.content, "Sign this version"))
	p, _ := ws.Pair(pair)
	if p.Agreement.CadenceDays != 14 || p.Agreement.Expectations != "Bring an agenda" {
		t.Errorf("agreement: got cadence %d, expectations %q", p.Agreement.CadenceDays, p.Agreement.Expectations)
	}
	me, _ := ws.Me(pair)
	if p.Agreement.SignState(me) != mentoring.Signed {
		t.Errorf("sign state: got %v, want signed", p.Agreement.SignState(me))
	}
	if !ag.signBtn.Disabled() {
		t.Error("Sign stays enabled after signing this version")
	}

	// Goals: add one, add a milestone, tick it.
	gv := u.pv.goals
	u.pv.tabs.Select(u.pv.tabs.Items[2])
	test.Tap(button(t, gv.content, "Add goal"))
	dlg = topOverlay(t, u)
	test.Type(all[*widget.Entry](dlg)[0], "Give a talk")
	test.Tap(button(t, dlg, "Add"))
	test.Type(gv.msTitle, "Pick a topic")
	test.Type(gv.msDue, "2026-12-15")
	test.Tap(button(t, gv.content, "Add step"))
	checks := all[*widget.Check](gv.milestones)
	if len(checks) != 1 {
		t.Fatalf("milestones shown: got %d, want 1", len(checks))
	}
	test.Tap(checks[0])
	p, _ = ws.Pair(pair)
	if len(p.Goals) != 1 || p.Goals[0].Title != "Give a talk" || !p.Goals[0].Milestones[0].Done {
		t.Fatalf("goal after ticking: got %+v", p.Goals)
	}
	if bar := all[*widget.ProgressBar](gv.list); len(bar) == 0 || bar[0].Value != 1 {
		t.Errorf("progress bar does not show the ticked milestone: %d bars, goal progress %v", len(bar), p.Goals[0].Progress())
		for _, b := range bar {
			t.Logf("bar %v", b.Value)
		}
	}

	// Check-ins: log one, then rate it.
	cv := u.pv.checkins
	test.Tap(button(t, cv.content, "New check-in"))
	dlg = topOverlay(t, u)
	multi := all[*widget.Entry](dlg)
	test.Type(multi[len(multi)-2], "Talked about the talk")
	test.Type(multi[len(multi)-1], "Draft the abstract")
	test.Tap(button(t, dlg, "Log it"))
	cv.rating.SetSelected(ratingNames[3])
	test.Type(cv.comment, "Helpful")
	test.Tap(button(t, cv.content, "Send feedback"))
	p, _ = ws.Pair(pair)
	if len(p.Checkins) != 1 {
		t.Fatalf("check-ins: got %d, want 1", len(p.Checkins))
	}
	c := p.Checkins[0]
	if c.Date != "2026-11-22" || c.Notes != "Talked about the talk" || len(c.Actions) != 1 || len(c.Feedback) != 1 || c.Feedback[0].Rating != 4 {
		t.Errorf("check-in: got %+v", c)
	}

	// The overview reflects it all.
	text := strings.Join(labels(u.pv.overview), "\n")
	for _, want := range []string{"Next check-in due in 14 days", "Draft the abstract", "Give a talk"} {
		if !strings.Contains(text, want) {
			t.Errorf("overview lacks %q:\n%s", want, text)
		}
	}
}

func TestUnsavedEditsSurviveARemoteChange(t *testing.T) {
	u, ws := setup(t)
	pair, err := ws.NewPair("P", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	u.reloadPairs()
	u.open(pair)
	ag := u.pv.agree
	test.Type(ag.expect.entry, "Typed but not saved")
	// A change arrives (here: made through the workspace, as sync would).
	if _, err := ws.Edit(pair, func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
		return mentoring.SetAgreement(p, mentoring.AgreementInput{Boundaries: ptr("Partner's edit")})
	}); err != nil {
		t.Fatal(err)
	}
	u.changed(pair)
	if ag.expect.entry.Text != "Typed but not saved" {
		t.Fatalf("typing was overwritten by a remote change: got %q", ag.expect.entry.Text)
	}
	test.Tap(button(t, ag.content, "Save agreement"))
	p, _ := ws.Pair(pair)
	if p.Agreement.Expectations != "Typed but not saved" || p.Agreement.Boundaries != "Partner's edit" {
		t.Errorf("after save: got expectations %q, boundaries %q", p.Agreement.Expectations, p.Agreement.Boundaries)
	}
}

func TestInvalidInputExplainsItself(t *testing.T) {
	u, ws := setup(t)
	pair, _ := ws.NewPair("P", "Ana", mentoring.Mentor)
	u.reloadPairs()
	u.open(pair)
	test.Type(u.pv.agree.cadence.entry, "0")
	test.Tap(button(t, u.pv.agree.content, "Save agreement"))
	dlg := topOverlay(t, u)
	if text := strings.Join(labels(dlg), " "); !strings.Contains(text, "choose between 1 and 365 days") {
		t.Errorf("dialog says %q", text)
	}
	if u.pv.agree.cadence.entry.Text != "0" {
		t.Error("the refused input was cleared")
	}
}

func labels(o fyne.CanvasObject) []string {
	var out []string
	for _, l := range all[*widget.Label](o) {
		out = append(out, l.Text)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// TestStoppedSyncExplainsItselfOnce: a sync that stopped for a reason the
// user must act on is cut short in the status bar (it must not widen the
// window) and shown in full once in a dialog, not again on every retry.
func TestStoppedSyncExplainsItselfOnce(t *testing.T) {
	u, _ := setup(t)
	detail := "the relay has lost records: the relay at wss://relay.example.org holds 2 records of pair \"Ana & Ben\" but this computer has seen 3; it was probably restored from an older backup. Nothing here was changed; ask the relay's admin to restore its latest data"
	before := u.win.Canvas().Size().Width
	u.showStatus(syncclient.Status{State: syncclient.Refused, Detail: detail})
	if u.status.Truncation != fyne.TextTruncateEllipsis || u.status.MinSize().Width > before {
		t.Errorf("the status line asks for %v of a %v window", u.status.MinSize().Width, before)
	}
	if text := strings.Join(labels(topOverlay(t, u)), " "); !strings.Contains(text, "older backup") {
		t.Fatalf("the dialog does not explain: %q", text)
	}
	n := len(u.win.Canvas().Overlays().List())
	u.showStatus(syncclient.Status{State: syncclient.Refused, Detail: detail})
	if len(u.win.Canvas().Overlays().List()) != n {
		t.Error("the same failure opened a second dialog")
	}
}
