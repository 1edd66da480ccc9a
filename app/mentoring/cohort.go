package mentoring

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"pairwise/app/crdt"
)

// A cohort is a programme a manager runs for several pairs at once. It is
// two documents: the programme (events, resources and the roster), which
// only the manager writes, and the board, where each pair's app reports the
// pair's health. A report holds facts about the rhythm and progress of the
// relationship and never anything the pair wrote: no notes, goal titles,
// messages or ratings.

// Document kinds, stored under "kind" at the top of cohort documents (a
// pair document has none).
const (
	KindProgramme = "programme"
	KindBoard     = "board"
)

const (
	kManager   = "manager"
	kEvents    = "events"
	kResources = "resources"
	kRoster    = "roster"
	kReports   = "reports"
	kDetails   = "details"
	kTime      = "time"
	kLink      = "link"
	kContact   = "contact"
)

// EventKinds are the kinds of cohort events, in the order a programme
// usually runs them. Kickoff, midpoint and closure are the three every
// cohort should hold.
var EventKinds = []string{"kickoff", "training", "social", "midpoint", "closure", "other"}

// Programme is a cohort's programme document.
type Programme struct {
	ID        string     `json:"id"`
	Title     string     `json:"title"`
	Manager   string     `json:"manager"`
	Created   time.Time  `json:"created"`
	Events    []Event    `json:"events"`
	Resources []Resource `json:"resources"`
	Roster    []Person   `json:"roster"`
}

// Event is a date in the cohort's calendar, all day or at a time (see
// cohort_event.go).
type Event struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Title   string `json:"title"`
	Date    string `json:"date"`
	Time    string `json:"time,omitempty"`    // HH:MM in Zone, if set
	Zone    string `json:"zone,omitempty"`    // IANA zone of Time; "" for events planned before zones
	Minutes int    `json:"minutes,omitempty"` // length of a timed event
	Link    string `json:"link,omitempty"`    // where to join: web address or phone number
	Details string `json:"details,omitempty"`
}

// Resource is training material or a useful link shared with the cohort.
type Resource struct {
	ID    string    `json:"id"`
	Title string    `json:"title"`
	Link  string    `json:"link,omitempty"`
	Note  string    `json:"note,omitempty"`
	Added time.Time `json:"added"`
}

// Person is someone on the cohort's roster: who the manager expects to take
// part, so the manager can see who has not joined yet.
type Person struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Role    Role   `json:"role"`
	Contact string `json:"contact,omitempty"`
}

// Board is a cohort's board document: one health report per pair.
type Board struct {
	Programme string   `json:"programme"`
	Reports   []Report `json:"reports"`
}

// NewProgramme creates a cohort's programme document. With start and end
// dates it also puts the three events every cohort should hold in the
// calendar: a kickoff on the first day, a mid-point review half-way, and a
// closing event on the last day; the manager can move or remove them.
func NewProgramme(id, title, manager, start, end string, now time.Time) (Edit, error) {
	title, err := checkTitle("a cohort", title)
	if err != nil {
		return Edit{}, err
	}
	manager, err = checkTitle("the manager's name", manager)
	if err != nil {
		return Edit{}, invalidf("the cohort needs its manager's name, as members will see it: give it with --me, for example --me Dana")
	}
	if err := checkDate("the start date", start); err != nil {
		return Edit{}, err
	}
	if err := checkDate("the end date", end); err != nil {
		return Edit{}, err
	}
	if (start == "") != (end == "") {
		return Edit{}, invalidf("give both the start and the end date of the cohort, or neither")
	}
	if start != "" && end <= start {
		return Edit{}, invalidf("the cohort ends (%s) before it starts (%s): check the dates", end, start)
	}
	now = stamp(now)
	o := ops{
		set(path(kSchema), int64(cohortSchema)),
		set(path(kKind), KindProgramme),
		set(path(kID), id),
		set(path(kTitle), title),
		set(path(kManager), manager),
		set(path(kCreated), now),
		newMap(path(kEvents)),
		newMap(path(kResources)),
		newMap(path(kRoster)),
	}
	if start != "" {
		s, _ := time.Parse(DateLayout, start)
		e, _ := time.Parse(DateLayout, end)
		mid := s.Add(e.Sub(s) / 2).Format(DateLayout)
		for _, ev := range []Event{
			{Kind: "kickoff", Title: "Kickoff", Date: start, Details: "Meet the cohort, agree how the programme runs, and start your mentoring agreements."},
			{Kind: "midpoint", Title: "Mid-point review", Date: mid, Details: "Look back at the first half: what is working, what to change. Each pair does its mid-point reflection before this."},
			{Kind: "closure", Title: "Closing event", Date: end, Details: "Celebrate what the pairs achieved and close the relationships well."},
		} {
			o = append(o, eventOps(NewID(), ev)...)
		}
	}
	return Edit{Msg: "created the cohort " + quote(title), ID: id, ops: o}, nil
}

func eventOps(id string, ev Event) ops {
	ep := path(kEvents, id)
	o := ops{newMap(ep), set(append(ep, kKind), ev.Kind), set(append(ep, kTitle), ev.Title), set(append(ep, kDate), ev.Date), set(append(ep, kTime), ev.Time), set(append(ep, kDetails), ev.Details)}
	// The event's map is new, made by this edit alone, so keys added since
	// the first version cannot clash with a replica's; versions that do
	// not know them read the event as before, all day with its time.
	if ev.Zone != "" {
		o = append(o, set(append(ep, kZone), ev.Zone), set(append(ep, kMinutes), int64(ev.Minutes)))
	}
	if ev.Link != "" {
		o = append(o, set(append(ep, kLink), ev.Link))
	}
	return o
}

// RemoveEvent takes an event off the cohort's calendar.
func RemoveEvent(pr *Programme, id string) (Edit, error) {
	for _, e := range pr.Events {
		if e.ID == id {
			return Edit{Msg: "cancelled the event " + quote(e.Title), ops: ops{del(path(kEvents, id))}}, nil
		}
	}
	return Edit{}, &MissingError{What: "event", ID: id}
}

// AddResource shares training material or a link with the cohort.
func AddResource(title, link, note string, now time.Time) (Edit, error) {
	title, err := checkTitle("a resource", title)
	if err != nil {
		return Edit{}, err
	}
	if link != "" {
		u, err := url.Parse(link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return Edit{}, invalidf("the link %q is not a web address: write it in full, starting with https://", link)
		}
	}
	if err := checkText("the note", note); err != nil {
		return Edit{}, err
	}
	id := NewID()
	rp := path(kResources, id)
	o := ops{newMap(rp), set(append(rp, kTitle), title), set(append(rp, kLink), link), set(append(rp, kNotes), trim(note)), set(append(rp, kAdded), stamp(now))}
	return Edit{Msg: "shared the resource " + quote(title), ID: id, ops: o}, nil
}

// RemoveResource stops sharing a resource.
func RemoveResource(pr *Programme, id string) (Edit, error) {
	for _, r := range pr.Resources {
		if r.ID == id {
			return Edit{Msg: "removed the resource " + quote(r.Title), ops: ops{del(path(kResources, id))}}, nil
		}
	}
	return Edit{}, &MissingError{What: "resource", ID: id}
}

// AddPerson puts someone on the cohort's roster.
func AddPerson(name string, role Role, contact string) (Edit, error) {
	name, err := checkTitle("a person on the roster", name)
	if err != nil {
		return Edit{}, invalidf("a person on the roster needs a name")
	}
	if err := checkRole(role); err != nil {
		return Edit{}, err
	}
	if len(contact) > maxTitle {
		return Edit{}, invalidf("the contact is too long: give an email address or a phone number")
	}
	id := NewID()
	pp := path(kRoster, id)
	o := ops{newMap(pp), set(append(pp, kName), name), set(append(pp, kRole), string(role)), set(append(pp, kContact), strings.TrimSpace(contact))}
	return Edit{Msg: fmt.Sprintf("added %s to the roster as a %s", name, role), ID: id, ops: o}, nil
}

// RemovePerson takes someone off the roster.
func RemovePerson(pr *Programme, id string) (Edit, error) {
	for _, p := range pr.Roster {
		if p.ID == id {
			return Edit{Msg: "took " + p.Name + " off the roster", ops: ops{del(path(kRoster, id))}}, nil
		}
	}
	return Edit{}, &MissingError{What: "person", ID: id}
}

// LinkCohort puts the pair in a cohort (or, with "", takes it out): while
// it is set, the app of each member who holds the cohort reports the
// pair's health to it. Both members see it. A closed pair can still be
// linked or unlinked: its report then says it closed.
func LinkCohort(p *Pair, cohort string) (Edit, error) {
	if p.Cohort != "" && cohort != "" && p.Cohort != cohort {
		return Edit{}, invalidf("this pair already reports to another cohort: leave it first")
	}
	if cohort == "" {
		return Edit{Msg: "took the pair out of its cohort", AfterClose: true, ops: ops{del(path(kCohort))}}, nil
	}
	return Edit{Msg: "put the pair in a cohort", AfterClose: true, ops: ops{set(path(kCohort), cohort)}}, nil
}

// NewBoard creates a cohort's board document, which the manager makes
// together with the programme.
func NewBoard(programme, title string, now time.Time) Edit {
	o := ops{
		set(path(kSchema), int64(cohortSchema)),
		set(path(kKind), KindBoard),
		set(path(kID), programme),
		set(path(kTitle), title),
		set(path(kCreated), stamp(now)),
		newMap(path(kReports)),
	}
	return Edit{Msg: "opened the cohort's board", ops: o}
}

// PutReport writes a pair's report on the board if it says something other
// than old, the report the board shows now (nil for none); ok is false when
// there is nothing to write. A report is one value, so two members of a
// pair reporting at once never leave a mix of the two behind.
func PutReport(old *Report, r Report, now time.Time) (e Edit, ok bool) {
	if old != nil && SameFacts(*old, r) {
		return Edit{}, false
	}
	r.Updated = stamp(now)
	j, _ := json.Marshal(r) // plain fields: cannot fail
	return Edit{Msg: "reported the health of " + quote(r.Title), ops: ops{set(path(kReports, r.Pair), string(j))}}, true
}

// RemoveReport takes a pair's report, old, off the board when the pair
// leaves the cohort.
func RemoveReport(old *Report) (Edit, bool) {
	if old == nil {
		return Edit{}, false
	}
	return Edit{Msg: "left the cohort: " + quote(old.Title), ops: ops{del(path(kReports, old.Pair))}}, true
}

// BoardReport reads one pair's report from a board document without reading
// the others. ready is false while the board has not arrived; the report is
// nil if the board has none (or none it can read) for the pair.
func BoardReport(d *crdt.Doc, pair string) (r *Report, ready bool, err error) {
	kind, _, err := d.ReadAt(path(kKind))
	if err != nil || kind != KindBoard {
		return nil, false, err
	}
	v, ok, err := d.ReadAt(path(kReports, pair))
	if err != nil || !ok {
		return nil, true, err
	}
	var rep Report
	if json.Unmarshal([]byte(str(v)), &rep) != nil || rep.Pair != pair {
		return nil, true, nil
	}
	return &rep, true, nil
}

// KindOf returns the kind of document t is: KindProgramme, KindBoard, or
// "" for a pair.
func KindOf(t map[string]any) string { return str(t[kKind]) }

// isKind checks that t is a document of the kind given: ErrNotReady if it
// is empty (joined, not arrived yet), an error if it is something else.
func isKind(t map[string]any, kind string) error {
	switch {
	case KindOf(t) == kind:
		return nil
	case len(t) == 0:
		return ErrNotReady
	}
	return fmt.Errorf("this document is not a cohort %s", kind)
}

// ReadProgramme reads a programme document. It returns ErrNotReady for a
// document that has not arrived yet.
func ReadProgramme(t map[string]any) (*Programme, error) {
	if err := isKind(t, KindProgramme); err != nil {
		return nil, err
	}
	pr := &Programme{ID: str(t[kID]), Title: str(t[kTitle]), Manager: str(t[kManager]), Created: when(t[kCreated]), Events: []Event{}, Resources: []Resource{}, Roster: []Person{}}
	for id, v := range obj(t[kEvents]) {
		e := obj(v)
		pr.Events = append(pr.Events, Event{ID: id, Kind: str(e[kKind]), Title: str(e[kTitle]), Date: str(e[kDate]), Time: str(e[kTime]),
			Zone: str(e[kZone]), Minutes: int(num(e[kMinutes])), Link: str(e[kLink]), Details: str(e[kDetails])})
	}
	sort.Slice(pr.Events, func(i, j int) bool {
		a, b := pr.Events[i], pr.Events[j]
		if ka, kb := a.sortKey(), b.sortKey(); !ka.Equal(kb) {
			return ka.Before(kb)
		}
		return a.ID < b.ID
	})
	for id, v := range obj(t[kResources]) {
		r := obj(v)
		pr.Resources = append(pr.Resources, Resource{ID: id, Title: str(r[kTitle]), Link: str(r[kLink]), Note: str(r[kNotes]), Added: when(r[kAdded])})
	}
	sort.Slice(pr.Resources, func(i, j int) bool {
		a, b := pr.Resources[i], pr.Resources[j]
		return before(a.Added, a.ID, b.Added, b.ID)
	})
	for id, v := range obj(t[kRoster]) {
		p := obj(v)
		pr.Roster = append(pr.Roster, Person{ID: id, Name: str(p[kName]), Role: Role(str(p[kRole])), Contact: str(p[kContact])})
	}
	sort.Slice(pr.Roster, func(i, j int) bool {
		a, b := pr.Roster[i], pr.Roster[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
	return pr, nil
}

// ReadBoard reads a board document. It returns ErrNotReady for a board that
// has not arrived yet. A report that cannot be read (written by a newer
// Pairwise, or damaged) is left out.
func ReadBoard(t map[string]any) (*Board, error) {
	if err := isKind(t, KindBoard); err != nil {
		return nil, err
	}
	b := &Board{Programme: str(t[kID]), Reports: []Report{}}
	for pair, v := range obj(t[kReports]) {
		var r Report
		if json.Unmarshal([]byte(str(v)), &r) != nil || r.Pair != pair {
			continue
		}
		b.Reports = append(b.Reports, r)
	}
	sort.Slice(b.Reports, func(i, j int) bool {
		a, c := b.Reports[i], b.Reports[j]
		if a.Title != c.Title {
			return a.Title < c.Title
		}
		return a.Pair < c.Pair
	})
	return b, nil
}

// NotJoined lists the people on the roster whom no report names: those the
// manager expects but who are not yet in a linked pair.
func NotJoined(pr *Programme, b *Board) []Person {
	named := map[string]bool{}
	for _, r := range b.Reports {
		for _, n := range slices.Concat(r.Mentors, r.Mentees) {
			named[strings.ToLower(strings.TrimSpace(n))] = true
		}
	}
	var out []Person
	for _, p := range pr.Roster {
		if !named[strings.ToLower(p.Name)] {
			out = append(out, p)
		}
	}
	return out
}

// EventNudge returns the reminder due today for a cohort's events, if any:
// one a day, naming the events of today and tomorrow in today's zone. Its key names the day
// and those events, so it is shown once, and again if the plan changes.
func EventNudge(pr *Programme, today time.Time) (Nudge, bool) {
	day := today.Format(DateLayout)
	tomorrow := today.AddDate(0, 0, 1).Format(DateLayout)
	var lines []string
	var first Event
	key := "events:" + day
	for _, e := range pr.Events {
		// A timed event is reminded of on the viewer's day, at the
		// viewer's time: the one today's location says.
		date, at := e.DayIn(today.Location()), e.Time
		if s, ok := e.Start(); ok {
			at = s.In(today.Location()).Format("15:04")
		}
		if date != day && date != tomorrow {
			continue
		}
		when := "today"
		if date == tomorrow {
			when = "tomorrow"
		}
		if at != "" {
			when += " at " + at
		}
		if len(lines) == 0 {
			first = e
		}
		lines = append(lines, e.Title+" "+when)
		key += ":" + e.ID + "@" + e.Date + e.Time + e.Zone
	}
	if len(lines) == 0 {
		return Nudge{}, false
	}
	n := Nudge{Key: key, Title: pr.Title + ": " + lines[0], Body: first.Details}
	switch {
	case len(lines) > 1:
		n.Body = "Also: " + strings.Join(lines[1:], "; ") + "."
	case n.Body == "":
		n.Body = "An event of your mentoring cohort, organised by " + pr.Manager + "."
	}
	return n, true
}

// sortKey orders events by when they start: a timed event by its instant,
// any other by its date and time as written, read as UTC.
func (e Event) sortKey() time.Time {
	if s, ok := e.Start(); ok {
		return s
	}
	if t, err := time.Parse(wallLayout, e.Date+" "+e.Time); err == nil {
		return t
	}
	t, _ := time.Parse(DateLayout, e.Date)
	return t
}

// NextEvent returns the first event that has not ended by now: a timed
// event until it is over, an all-day event until the end of its day where
// now is.
func (pr *Programme) NextEvent(now time.Time) (Event, bool) {
	today := now.Format(DateLayout)
	for _, e := range pr.Events {
		if s, ok := e.Start(); ok {
			if s.Add(e.Length()).After(now) {
				return e, true
			}
		} else if e.Date >= today {
			return e, true
		}
	}
	return Event{}, false
}
