package mentoring

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"pairwise/app/crdt"
)

// cohortDoc is one machine's copy of a cohort document.
type cohortDoc struct {
	t   *testing.T
	doc *crdt.Doc
	now time.Time
}

func newCohortDoc(t *testing.T, first Edit) *cohortDoc {
	t.Helper()
	d, err := crdt.New(crdt.NewActor())
	if err != nil {
		t.Fatal(err)
	}
	c := &cohortDoc{t: t, doc: d, now: t0}
	c.apply(first)
	return c
}

func (c *cohortDoc) fork() *cohortDoc {
	c.t.Helper()
	d, err := c.doc.Fork(crdt.NewActor())
	if err != nil {
		c.t.Fatal(err)
	}
	return &cohortDoc{t: c.t, doc: d, now: c.now}
}

func (c *cohortDoc) apply(e Edit) {
	c.t.Helper()
	if err := e.Apply(c.doc); err != nil {
		c.t.Fatalf("apply %q: %v", e.Msg, err)
	}
	c.now = c.now.Add(time.Minute)
	if _, err := c.doc.Commit(e.Msg, c.now); err != nil {
		c.t.Fatalf("commit %q: %v", e.Msg, err)
	}
}

func (c *cohortDoc) tree() map[string]any {
	c.t.Helper()
	t, err := c.doc.Tree()
	if err != nil {
		c.t.Fatal(err)
	}
	return t
}

func (c *cohortDoc) programme() *Programme {
	c.t.Helper()
	pr, err := ReadProgramme(c.tree())
	if err != nil {
		c.t.Fatal(err)
	}
	return pr
}

func (c *cohortDoc) board() *Board {
	c.t.Helper()
	b, err := ReadBoard(c.tree())
	if err != nil {
		c.t.Fatal(err)
	}
	return b
}

// must returns a function that fails the test when an edit is refused.
func must(t *testing.T) func(Edit, error) Edit {
	return func(e Edit, err error) Edit {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
}

// A cohort with dates opens with the three events every cohort should hold,
// in date order, the mid-point half-way through.
func TestNewProgrammePlansKickoffMidpointClosure(t *testing.T) {
	c := newCohortDoc(t, must(t)(NewProgramme("c1", "Spring 2027", "Dana", "2027-03-01", "2027-08-31", t0)))
	pr := c.programme()
	if pr.Title != "Spring 2027" || pr.Manager != "Dana" || pr.ID != "c1" {
		t.Fatalf("programme header %+v", pr)
	}
	var got []string
	for _, e := range pr.Events {
		got = append(got, e.Kind+" "+e.Date)
	}
	want := "kickoff 2027-03-01, midpoint 2027-05-31, closure 2027-08-31"
	if strings.Join(got, ", ") != want {
		t.Fatalf("events %v, want %s", got, want)
	}
	if e, ok := pr.NextEvent(time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC)); !ok || e.Kind != "midpoint" {
		t.Fatalf("next event after the kickoff: %+v %v", e, ok)
	}

	bare := newCohortDoc(t, must(t)(NewProgramme("c2", "Rolling", "Dana", "", "", t0)))
	if n := len(bare.programme().Events); n != 0 {
		t.Fatalf("a cohort without dates got %d events", n)
	}
}

func TestCohortInputIsRefusedInPlainWords(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"no title", second(NewProgramme("c", " ", "Dana", "", "", t0)), "needs a title"},
		{"no manager", second(NewProgramme("c", "Spring", "", "", "", t0)), "--me"},
		{"only a start", second(NewProgramme("c", "Spring", "Dana", "2027-01-01", "", t0)), "both the start and the end"},
		{"ends before it starts", second(NewProgramme("c", "Spring", "Dana", "2027-06-01", "2027-01-01", t0)), "ends (2027-01-01) before it starts"},
		{"unknown event kind", second(AddEvent(EventInput{Kind: "party", Title: "Drinks", Date: "2027-01-01"})), "choose kickoff"},
		{"event without a date", second(AddEvent(EventInput{Kind: "social", Title: "Drinks"})), "needs a date"},
		{"event at 25:00", second(AddEvent(EventInput{Kind: "social", Title: "Drinks", Date: "2027-01-01", Time: "25:00", Zone: "UTC"})), "HH:MM"},
		{"resource that is not a web address", second(AddResource("Guide", "files/guide.pdf", "", t0)), "starting with https://"},
		{"resource with a javascript link", second(AddResource("Guide", "javascript:alert(1)", "", t0)), "starting with https://"},
		{"person without a role", second(AddPerson("Ana", "coach", "")), "mentor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, ErrInvalid) || !strings.Contains(tt.err.Error(), tt.want) {
				t.Fatalf("got %v, want an ErrInvalid saying %q", tt.err, tt.want)
			}
		})
	}
}

func second(_ Edit, err error) error { return err }

func TestProgrammeEditsAndConcurrentAdds(t *testing.T) {
	manager := newCohortDoc(t, must(t)(NewProgramme("c1", "Spring 2027", "Dana", "", "", t0)))
	// A second machine of the manager's (a laptop and a desktop) edits at
	// the same time; both additions survive the merge.
	other := manager.fork()
	manager.apply(must(t)(AddEvent(EventInput{Kind: "training", Title: "Giving feedback", Date: "2027-04-10", Time: "16:00", Zone: "Europe/Lisbon", Details: "Bring one example."})))
	other.apply(must(t)(AddResource("Mentoring guide", "https://example.org/guide", "Read before the kickoff", t0)))
	other.apply(must(t)(AddPerson("Ana Lima", Mentor, "ana@example.org")))
	if err := manager.doc.Merge(other.doc); err != nil {
		t.Fatal(err)
	}
	pr := manager.programme()
	if len(pr.Events) != 1 || pr.Events[0].Time != "16:00" || len(pr.Resources) != 1 || len(pr.Roster) != 1 {
		t.Fatalf("after the merge: %+v", pr)
	}
	manager.apply(must(t)(RemoveEvent(pr, pr.Events[0].ID)))
	manager.apply(must(t)(RemoveResource(pr, pr.Resources[0].ID)))
	manager.apply(must(t)(RemovePerson(pr, pr.Roster[0].ID)))
	pr = manager.programme()
	if len(pr.Events)+len(pr.Resources)+len(pr.Roster) != 0 {
		t.Fatalf("removed records remain: %+v", pr)
	}
	if _, err := RemoveEvent(pr, "nope"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("removing an unknown event: %v", err)
	}
}

// The report a pair sends its manager holds counts, dates and names, and
// none of the words the pair wrote.
func TestHealthOfHoldsFactsNotContent(t *testing.T) {
	ana := newReplicaPair(t, "Ana", Mentor)
	ben := ana.join("Ben", Mentee)
	ana.do(func(p *Pair) (Edit, error) {
		return SetAgreement(p, AgreementInput{CadenceDays: ptr(14), Start: ptr("2026-11-01"), Boundaries: ptr("SECRET-BOUNDARY")})
	})
	sync(t, ana, ben)
	ana.do(func(p *Pair) (Edit, error) { return Sign(p, ana.me, t0) })
	ben.do(func(p *Pair) (Edit, error) { return Sign(p, ben.me, t0) })
	g := ana.do(func(p *Pair) (Edit, error) { return AddGoal(p, ana.me, GoalInput{Title: ptr("SECRET-GOAL")}, t0) })
	ana.do(func(p *Pair) (Edit, error) { return AddMilestone(p, g, "SECRET-MILESTONE", "", t0) })
	dropped := ana.do(func(p *Pair) (Edit, error) { return AddGoal(p, ana.me, GoalInput{Title: ptr("Old idea")}, t0) })
	ana.do(func(p *Pair) (Edit, error) { return UpdateGoal(p, dropped, GoalInput{Status: ptr(Dropped)}) })
	ben.do(func(p *Pair) (Edit, error) {
		return AddGoal(p, ben.me, GoalInput{Title: ptr("Done one"), Status: ptr(Achieved)}, t0)
	})
	ben.do(func(p *Pair) (Edit, error) {
		return AddCheckin(p, ben.me, CheckinInput{Date: "2026-11-15", Channel: "video", Notes: "SECRET-NOTES"}, t0)
	})
	sync(t, ana, ben)

	r := HealthOf(ana.pair())
	want := Report{Pair: "pair1", Title: "Ana & Ben", Mentors: []string{"Ana"}, Mentees: []string{"Ben"}, CadenceDays: 14,
		LastContact: "2026-11-15", Checkins: 1, Signed: 2, Goals: 2, Achieved: 1, Progress: 50}
	gotJSON, _ := json.Marshal(r)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Fatalf("report\n%s\nwant\n%s", gotJSON, wantJSON)
	}
	if strings.Contains(string(gotJSON), "SECRET") {
		t.Fatalf("the report carries what the pair wrote: %s", gotJSON)
	}
	if s := r.Rhythm(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)).String(); s != "check-in overdue by 3 days" {
		t.Fatalf("the manager reads the rhythm as %q", s)
	}
	if r.Agreement() != "signed by both" {
		t.Fatalf("agreement state %q", r.Agreement())
	}

	// A change after both signed shows as such.
	ana.do(func(p *Pair) (Edit, error) { return SetAgreement(p, AgreementInput{CadenceDays: ptr(21)}) })
	if s := HealthOf(ana.pair()).Agreement(); s != "changed since it was signed" {
		t.Fatalf("after a change the agreement reads %q", s)
	}
}

// Both members of a pair report at once: the board shows one whole report,
// never a mix, and reporting what the board already says writes nothing.
func TestBoardReportsMergeWhole(t *testing.T) {
	mgr := newCohortDoc(t, NewBoard("c1", "Spring", t0))
	ana, ben := mgr.fork(), mgr.fork()
	ra := Report{Pair: "p1", Title: "Ana & Ben", Mentors: []string{"Ana"}, Mentees: []string{}, CadenceDays: 14, LastContact: "2026-11-01"}
	rb := ra
	rb.Mentees, rb.Checkins, rb.LastContact = []string{"Ben"}, 1, "2026-11-20"
	e, ok := PutReport(nil, ra, t0)
	if !ok {
		t.Fatal("a first report wrote nothing")
	}
	ana.apply(e)
	e, _ = PutReport(nil, rb, t0)
	ben.apply(e)
	for _, c := range []*cohortDoc{mgr, ana, ben} {
		for _, o := range []*cohortDoc{mgr, ana, ben} {
			if c != o {
				if err := c.doc.Merge(o.doc); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	b := mgr.board()
	if len(b.Reports) != 1 {
		t.Fatalf("%d reports for one pair", len(b.Reports))
	}
	got := b.Reports[0]
	if !SameFacts(got, ra) && !SameFacts(got, rb) {
		t.Fatalf("the board mixes two reports: %+v", got)
	}
	for _, c := range []*cohortDoc{ana, ben} {
		if other := c.board(); len(other.Reports) != 1 || !SameFacts(other.Reports[0], got) {
			t.Fatalf("the copies disagree: %+v and %+v", other.Reports, got)
		}
	}
	if _, ok := PutReport(&got, got, t0.Add(time.Hour)); ok {
		t.Fatal("reporting the same facts again wrote a change")
	}
	if r, ready, err := BoardReport(mgr.doc, "p1"); err != nil || !ready || r == nil || !SameFacts(*r, got) {
		t.Fatalf("one report read alone: %+v, %v, %v", r, ready, err)
	}
	e, ok = RemoveReport(&got)
	if !ok {
		t.Fatal("could not leave the board")
	}
	mgr.apply(e)
	if n := len(mgr.board().Reports); n != 0 {
		t.Fatalf("%d reports after leaving", n)
	}
}

// A board entry that is not a report (damaged, or from a newer version
// that changed the shape) is left out rather than failing the whole board.
func TestReadBoardSkipsUnreadableReports(t *testing.T) {
	c := newCohortDoc(t, NewBoard("c1", "Spring", t0))
	c.apply(Edit{Msg: "junk", ops: ops{set(path(kReports, "p1"), "{not json"), set(path(kReports, "p2"), `{"pair":"other"}`)}})
	good, _ := PutReport(nil, Report{Pair: "p3", Title: "Fine"}, t0)
	c.apply(good)
	b := c.board()
	if len(b.Reports) != 1 || b.Reports[0].Pair != "p3" {
		t.Fatalf("reports %+v", b.Reports)
	}
	if _, err := ReadBoard(map[string]any{}); !errors.Is(err, ErrNotReady) {
		t.Fatalf("an empty board: %v", err)
	}
	if _, err := ReadProgramme(c.tree()); err == nil {
		t.Fatal("a board read as a programme")
	}
}

// The health CSV reads back as a table a spreadsheet opens safely: a name
// that starts like a formula is not run as one.
func TestExportHealthCSV(t *testing.T) {
	b := &Board{Reports: []Report{
		{Pair: "p1", Title: "=HYPERLINK(\"http://evil\")", Mentors: []string{"Ana"}, Mentees: []string{"Ben", "Cy"}, CadenceDays: 14, LastContact: "2026-11-20", Checkins: 3, Signed: 2, Goals: 2, Achieved: 1, Progress: 75},
	}}
	var out strings.Builder
	if err := ExportHealthCSV(&out, b, time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(HealthColumns, ",") {
		t.Fatalf("rows %v", rows)
	}
	row := rows[1]
	if !strings.HasPrefix(row[0], "'=") {
		t.Fatalf("a title starting with = is left as a formula: %q", row[0])
	}
	if row[2] != "Ben; Cy" || row[3] != "next check-in due in 2 days" || row[4] != "2026-12-04" || row[8] != "signed by both" || row[11] != "75" || row[13] != "" {
		t.Fatalf("row %q", row)
	}
}

// The cohort calendar parses back with one all-day event per cohort event,
// with stable UIDs.
func TestExportProgrammeICS(t *testing.T) {
	c := newCohortDoc(t, must(t)(NewProgramme("c1", "Spring 2027", "Dana", "2027-03-01", "2027-08-31", t0)))
	c.apply(must(t)(AddEvent(EventInput{Kind: "training", Title: "Giving feedback", Date: "2027-04-14", Details: "Bring an example"})))
	pr := c.programme()
	var first, again strings.Builder
	if err := ExportProgrammeICS(&first, pr, t0); err != nil {
		t.Fatal(err)
	}
	ExportProgrammeICS(&again, pr, t0)
	if first.String() != again.String() {
		t.Fatal("two exports of the same programme differ")
	}
	cal, err := ics.ParseCalendar(strings.NewReader(first.String()))
	if err != nil {
		t.Fatal(err)
	}
	events := cal.Events()
	if len(events) != 4 {
		t.Fatalf("%d events, want 4", len(events))
	}
	var summaries []string
	for _, e := range events {
		summaries = append(summaries, e.GetProperty(ics.ComponentPropertySummary).Value)
	}
	if !strings.Contains(strings.Join(summaries, "|"), "Giving feedback — Spring 2027") {
		t.Fatalf("summaries %v", summaries)
	}
}
