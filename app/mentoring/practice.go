package mentoring

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// ReflectionKind names a guided reflection.
type ReflectionKind string

// Reflection kinds.
const (
	Midpoint ReflectionKind = "midpoint" // half-way review of the relationship
	Closing  ReflectionKind = "closing"  // end-of-relationship reflection
)

// Question is one guided question of a reflection.
type Question struct {
	ID   string
	Text string
}

// ReflectionQuestions are the guided questions of each reflection.
var ReflectionQuestions = map[ReflectionKind][]Question{
	Midpoint: {
		{"working", "What is working well in how we meet and talk?"},
		{"change", "What would you change for the second half?"},
		{"goals", "Are the goals still the right ones? Which would you add, drop or reshape?"},
		{"rhythm", "Does our rhythm of contact suit you, or should we meet more or less often?"},
	},
	Closing: {
		{"learned", "What are the most useful things you learned or practised in this relationship?"},
		{"moment", "Which moment or conversation made the biggest difference?"},
		{"next", "What will you keep doing on your own from here?"},
		{"thanks", "What would you like to say to your partner as we close?"},
	},
}

// Reflection is one member's answers to a guided reflection.
type Reflection struct {
	Kind    ReflectionKind    `json:"kind"`
	Member  string            `json:"member"`
	Answers map[string]string `json:"answers"`
	Rating  int               `json:"rating,omitempty"` // of the relationship as a whole, 1-5
	At      time.Time         `json:"at"`
}

// Closure records that the relationship ended.
type Closure struct {
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// ReflectionOf returns a member's reflection of a kind.
func (p *Pair) ReflectionOf(kind ReflectionKind, member string) (Reflection, bool) {
	for _, r := range p.Reflections {
		if r.Kind == kind && r.Member == member {
			return r, true
		}
	}
	return Reflection{}, false
}

// IsClosed reports whether the relationship was closed.
func (p *Pair) IsClosed() bool { return p.Closed != nil }

// Reflect saves a member's guided reflection. It stays possible after the
// pair is closed, so the partner can add their closing words.
func Reflect(p *Pair, member string, kind ReflectionKind, answers map[string]string, rating int, now time.Time) (Edit, error) {
	qs, ok := ReflectionQuestions[kind]
	if !ok {
		return Edit{}, invalidf("%q is not a reflection: choose midpoint or closing", kind)
	}
	if _, ok := p.Member(member); !ok {
		return Edit{}, invalidf("only a member of the pair can reflect on it")
	}
	if !p.hasReflections {
		return Edit{}, invalidf("this pair was created by an earlier Pairwise that had no reflections; start a new pair to use them")
	}
	if rating != 0 {
		if err := checkRating(rating); err != nil {
			return Edit{}, err
		}
	}
	any := false
	for id, text := range answers {
		if !slices.ContainsFunc(qs, func(q Question) bool { return q.ID == id }) {
			return Edit{}, invalidf("%q is not one of the %s questions", id, kind)
		}
		if err := checkText("an answer", text); err != nil {
			return Edit{}, err
		}
		any = any || strings.TrimSpace(text) != ""
	}
	if !any {
		return Edit{}, invalidf("answer at least one of the questions before saving the reflection")
	}
	key := string(kind) + "." + member
	rp := path(kReflections, key)
	o := ops{newMap(rp), set(append(rp, kKind), string(kind)), set(append(rp, kMember), member), set(append(rp, kAt), stamp(now))}
	if rating != 0 {
		o = append(o, set(append(rp, kRating), int64(rating)))
	}
	for _, q := range qs {
		if t := strings.TrimSpace(answers[q.ID]); t != "" {
			o = append(o, set(append(rp, "q."+q.ID), t))
		}
	}
	what := "the mid-point review"
	if kind == Closing {
		what = "a closing reflection"
	}
	return Edit{Msg: "wrote " + what, ID: key, AfterClose: true, ops: o}, nil
}

// Close ends the relationship. The member closing must have written their
// closing reflection; afterwards the pair is read-only except for the
// partner's closing reflection and check-in feedback.
func Close(p *Pair, member string, now time.Time) (Edit, error) {
	if p.IsClosed() {
		return Edit{}, invalidf("this relationship is already closed")
	}
	if _, ok := p.ReflectionOf(Closing, member); !ok {
		return Edit{}, invalidf("write your closing reflection first, so the record holds how it ended")
	}
	now = stamp(now)
	o := ops{set(path(kClosedAt), now), set(path(kClosedBy), member)}
	return Edit{Msg: "closed the relationship", ops: o}, nil
}

// Hours is when a member is happy to be contacted, in their own time zone.
type Hours struct {
	Days     []time.Weekday // empty means every day
	From, To string         // "HH:MM", From < To
}

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseHours reads hours such as "mon-fri 09:00-17:30" or "09:00-18:00".
func ParseHours(s string) (Hours, error) {
	var h Hours
	fields := strings.Fields(strings.ToLower(strings.TrimSpace(s)))
	bad := invalidf("write contact hours like \"mon-fri 09:00-17:30\" or \"09:00-18:00\", not %q", s)
	switch len(fields) {
	case 1:
	case 2:
		days, err := parseDays(fields[0])
		if err != nil {
			return h, bad
		}
		h.Days = days
		fields = fields[1:]
	default:
		return h, bad
	}
	from, to, ok := strings.Cut(fields[0], "-")
	if !ok {
		return h, bad
	}
	for _, t := range []string{from, to} {
		if _, err := time.Parse("15:04", t); err != nil || len(t) != 5 {
			return h, bad
		}
	}
	if from >= to {
		return h, invalidf("contact hours must start before they end (%s is not before %s)", from, to)
	}
	h.From, h.To = from, to
	return h, nil
}

func parseDays(s string) ([]time.Weekday, error) {
	var out []time.Weekday
	for _, part := range strings.Split(s, ",") {
		a, b, isRange := strings.Cut(part, "-")
		ia, ib := slices.Index(dayNames, a), slices.Index(dayNames, b)
		if ia < 0 || (isRange && ib < 0) {
			return nil, fmt.Errorf("bad days")
		}
		if !isRange {
			ib = ia
		}
		for d := ia; ; d = (d + 1) % 7 {
			if !slices.Contains(out, time.Weekday(d)) {
				out = append(out, time.Weekday(d))
			}
			if d == ib {
				break
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

func (h Hours) String() string {
	if h.From == "" {
		return ""
	}
	if len(h.Days) == 0 || len(h.Days) == 7 {
		return h.From + "-" + h.To
	}
	names := make([]string, len(h.Days))
	for i, d := range h.Days {
		names[i] = dayNames[d]
	}
	return strings.Join(names, ",") + " " + h.From + "-" + h.To
}

// SetHours records when member is happy to be contacted ("" clears it).
func SetHours(p *Pair, member, hours string) (Edit, error) {
	if _, ok := p.Member(member); !ok {
		return Edit{}, invalidf("there is no member %q in this pair", member)
	}
	if !p.hasHours {
		return Edit{}, invalidf("this pair was created by an earlier Pairwise that had no contact hours; start a new pair to use them")
	}
	norm := ""
	if strings.TrimSpace(hours) != "" {
		h, err := ParseHours(hours)
		if err != nil {
			return Edit{}, err
		}
		norm = h.String()
	}
	return Edit{Msg: "set their contact hours to " + orNone(norm), ops: ops{set(path(kAgreement, kHours, member), norm)}}, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Within reports whether t (already in the member's zone) falls in hours.
func (h Hours) Within(t time.Time) bool {
	if h.From == "" {
		return true
	}
	if len(h.Days) > 0 && !slices.Contains(h.Days, t.Weekday()) {
		return false
	}
	hm := t.Format("15:04")
	return hm >= h.From && hm < h.To
}

// OutsideHours reports whether now is outside the member's stated contact
// hours in their time zone, with a gentle sentence saying so.
func OutsideHours(p *Pair, member string, now time.Time) (string, bool) {
	m, ok := p.Member(member)
	if !ok || m.Hours == "" {
		return "", false
	}
	h, err := ParseHours(m.Hours)
	if err != nil {
		return "", false
	}
	loc := time.UTC
	if m.TimeZone != "" {
		if l, err := time.LoadLocation(m.TimeZone); err == nil {
			loc = l
		}
	}
	local := now.In(loc)
	if h.Within(local) {
		return "", false
	}
	return fmt.Sprintf("It is %s for %s, outside the hours they gave (%s). Your message will wait for them; there is no need to expect a reply before then.",
		local.Format("Mon 15:04"), m.Name, h), true
}

// Trend is one member's check-in ratings over time.
type Trend struct {
	Member  string
	Ratings []int // oldest first
}

// Direction sums a trend up in a word: rising, steady or falling, comparing
// the average of the last three ratings with the three before.
func (t Trend) Direction() string {
	n := len(t.Ratings)
	if n < 4 {
		return "too early to tell"
	}
	recent := t.Ratings[max(0, n-3):]
	before := t.Ratings[max(0, n-6) : n-3]
	diff := avg(recent) - avg(before)
	switch {
	case diff >= 0.5:
		return "rising"
	case diff <= -0.5:
		return "falling"
	}
	return "steady"
}

func avg(xs []int) float64 {
	s := 0
	for _, x := range xs {
		s += x
	}
	return float64(s) / float64(len(xs))
}

// Trends returns each member's ratings in check-in date order.
func Trends(p *Pair) []Trend {
	checkins := slices.Clone(p.Checkins)
	slices.SortStableFunc(checkins, func(a, b Checkin) int { return strings.Compare(a.Date, b.Date) })
	var out []Trend
	for _, m := range p.Members {
		t := Trend{Member: m.ID}
		for _, c := range checkins {
			for _, f := range c.Feedback {
				if f.Member == m.ID {
					t.Ratings = append(t.Ratings, f.Rating)
				}
			}
		}
		out = append(out, t)
	}
	return out
}

// Nudge is a reminder about a pair's rhythm.
type Nudge struct {
	Key   string // identifies the occasion, so it is shown once
	Title string
	Body  string
}

// NudgeFor returns the reminder due for a pair today, if any: before a
// check-in is due, on the day, when overdue and when stalled. The key
// changes with the state and the due date, so each occasion nudges once.
func NudgeFor(p *Pair, today time.Time) (Nudge, bool) {
	if p.IsClosed() {
		return Nudge{}, false
	}
	r := RhythmOn(p, today)
	if _, ok := p.NextMeeting(today); ok && r.State <= DueToday {
		return Nudge{}, false // the meeting's own reminders take over
	}
	partner := "your partner"
	n := Nudge{Key: fmt.Sprintf("%d:%s", r.State, r.Next)}
	switch r.State {
	case DueSoon:
		n.Title = fmt.Sprintf("%s: check-in in %d days", p.Title, r.Days)
		if r.Days == 1 {
			n.Title = p.Title + ": check-in tomorrow"
		}
		n.Body = "A good moment to agree a time with " + partner + " and jot down an agenda."
	case DueToday:
		n.Title = p.Title + ": check-in due today"
		n.Body = "If today does not work, a short message to " + partner + " keeps the rhythm going."
	case Overdue:
		n.Title = fmt.Sprintf("%s: check-in overdue by %d days", p.Title, -r.Days)
		n.Body = "Relationships that skip meetings drift. Suggest a time, even a short one."
		// Once a week is enough for an overdue pair.
		n.Key = fmt.Sprintf("%d:%s:%d", r.State, r.Next, -r.Days/7)
	case Stalled:
		n.Title = p.Title + ": no contact since " + r.Last
		n.Body = "It has been twice your agreed rhythm. A quick message to " + partner + " can restart it."
		n.Key = fmt.Sprintf("%d:%s:%d", r.State, r.Next, -r.Days/7)
	default:
		return Nudge{}, false
	}
	return n, true
}
