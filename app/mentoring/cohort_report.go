package mentoring

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Report is what a pair's app tells the cohort's manager about the pair.
// Every field is a count, a date or a name: the manager sees whether the
// pair is keeping its rhythm, never what it discusses.
type Report struct {
	Pair        string   `json:"pair"`
	Title       string   `json:"title"`
	Mentors     []string `json:"mentors"`
	Mentees     []string `json:"mentees"`
	CadenceDays int      `json:"cadenceDays"`
	LastContact string   `json:"lastContact"` // last check-in, or the start
	Checkins    int      `json:"checkins"`
	// Signed is how many members signed the current agreement, and
	// SignedEarlier how many signed only an earlier version of it.
	Signed        int  `json:"signed"`
	SignedEarlier int  `json:"signedEarlier"`
	Goals         int  `json:"goals"` // not dropped
	Achieved      int  `json:"achieved"`
	Progress      int  `json:"progress"` // percent over the goals counted
	Closed        bool `json:"closed"`
	// Heard is when each member's app was last heard from, as a day (see
	// presence.go); reports from before it have none.
	Heard   []HeardFrom `json:"heard,omitempty"`
	Updated time.Time   `json:"updated"`
}

// HeardFrom is the day (UTC) a member's app was last heard from, or ""
// if it never was.
type HeardFrom struct {
	Name string `json:"name"`
	Day  string `json:"day"`
}

// HealthHeard is HealthOf with the day each member's app was last heard
// from, given the latest change of each member (by member ID, as
// crdt.Doc.LastChanges gives it). It is a day, not a time, so a pair's
// report changes at most once a day for it.
func HealthHeard(p *Pair, changed map[string]time.Time) Report {
	r := HealthOf(p)
	heard := LastHeard(p, changed)
	for _, m := range p.Members {
		h := HeardFrom{Name: m.Name}
		if at, ok := heard[m.ID]; ok {
			h.Day = at.UTC().Format(DateLayout)
		}
		r.Heard = append(r.Heard, h)
	}
	return r
}

// Quietest returns the member whose app was heard from longest ago, and
// how many days before today that was; ok is false when the report says
// nothing of it.
func (r Report) Quietest(today time.Time) (h HeardFrom, days int, ok bool) {
	for _, x := range r.Heard {
		d, err := time.Parse(DateLayout, x.Day)
		if err != nil {
			continue
		}
		n := daysBetween(d, today.UTC())
		if !ok || n > days {
			h, days, ok = x, n, true
		}
	}
	return h, days, ok
}

// HeardText says when each member's app was last heard from, as of today:
// "Ana today, Ben 12 days ago"; "" if the report does not say.
func (r Report) HeardText(today time.Time) string {
	var parts []string
	for _, x := range r.Heard {
		d, err := time.Parse(DateLayout, x.Day)
		if err != nil {
			parts = append(parts, x.Name+" unknown")
			continue
		}
		switch n := daysBetween(d, today.UTC()); {
		case n <= 0:
			parts = append(parts, x.Name+" today")
		case n == 1:
			parts = append(parts, x.Name+" yesterday")
		default:
			parts = append(parts, fmt.Sprintf("%s %d days ago", x.Name, n))
		}
	}
	return strings.Join(parts, ", ")
}

// Rhythm is the pair's rhythm today, from the report's facts.
func (r Report) Rhythm(today time.Time) Rhythm {
	return RhythmFrom(r.CadenceDays, r.LastContact, today)
}

// State says in words where the pair stands today: its rhythm ("check-in
// overdue by 3 days"), or that it closed.
func (r Report) State(today time.Time) string {
	if r.Closed {
		return "closed"
	}
	return r.Rhythm(today).String()
}

// People names the pair's members, mentors first: "Ana & Ben".
func (r Report) People() string { return strings.Join(slices.Concat(r.Mentors, r.Mentees), " & ") }

// ByAttention orders reports with the pairs that most need a manager's
// attention first: stalled, then overdue, due, and so on; closed ones last.
// Reports that stand alike keep their order.
func ByAttention(rs []Report, today time.Time) {
	urgency := func(r Report) int {
		if r.Closed {
			return -1
		}
		return int(r.Rhythm(today).State)
	}
	sort.SliceStable(rs, func(i, j int) bool { return urgency(rs[i]) > urgency(rs[j]) })
}

// Agreement says in words where the pair stands with its agreement.
func (r Report) Agreement() string {
	switch {
	case r.Signed >= 2:
		return "signed by both"
	case r.SignedEarlier > 0:
		return "changed since it was signed"
	case r.Signed == 1:
		return "signed by one"
	}
	return "not signed"
}

// HealthOf works out a pair's report. Dates are calendar days in UTC, so
// both members' apps report the same facts wherever they are.
func HealthOf(p *Pair) Report {
	r := Report{Pair: p.ID, Title: p.Title, Mentors: []string{}, Mentees: []string{}, CadenceDays: p.Agreement.CadenceDays,
		LastContact: lastContact(p, time.UTC), Checkins: len(p.Checkins), Closed: p.IsClosed()}
	for _, m := range p.Members {
		if m.Role == Mentor {
			r.Mentors = append(r.Mentors, m.Name)
		} else {
			r.Mentees = append(r.Mentees, m.Name)
		}
		switch p.Agreement.SignState(m.ID) {
		case Signed:
			r.Signed++
		case SignedEarlier:
			r.SignedEarlier++
		}
	}
	var sum float64
	for _, g := range p.Goals {
		if g.Status == Dropped {
			continue
		}
		r.Goals++
		if g.Status == Achieved {
			r.Achieved++
		}
		sum += g.Progress()
	}
	if r.Goals > 0 {
		r.Progress = int(sum/float64(r.Goals)*100 + 0.5)
	}
	return r
}

// SameFacts reports whether two reports say the same, whenever made.
func SameFacts(a, b Report) bool {
	a.Updated, b.Updated = time.Time{}, time.Time{}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
