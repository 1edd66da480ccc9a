package syncclient

// The model half of the chaos harness: what the replicas' committed edits
// promise about the converged pair, and the check of that promise.
//
// Values are unique wherever the document lets them be (titles, texts,
// dates, cadences), so the check can tell not only that a value was written
// by someone but also that no later edit, made by a replica that had seen
// it, replaced it. Free text is made of tokens, each bracketed by a marker
// rune of its own; an edit inserts one whole token at a token boundary or
// deletes one whole token, so the smallest splice crdt.EditText finds is
// exactly that token and the final text must hold every token inserted and
// not deleted, each once, and nothing else.

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"pairwise/app/mentoring"
)

type chaosModel struct {
	n     int // source of unique values and token markers
	days  int // dates handed out
	cades int // cadences handed out

	texts map[string]*textField
	regs  map[string]*register

	goals      map[string]bool // goal ID → removed
	milestones map[string][2]string
	checkins   map[string]mentoring.Checkin // the fields fixed at creation
	actions    map[string]string            // unique action text → check-in ID
	wins       map[string]string            // ID → text
	messages   map[string]string            // text → text: a message in the log has no stored ID, and each text is unique

	// Keys only one member ever writes: the last write is the final value.
	feedback    map[[2]string]mentoring.Feedback // check-in, member
	answers     map[[2]string]string             // prompt, member
	reflections map[[2]string]mentoring.Reflection
	signed      map[string]string // member → agreement version signed
	zones       map[string]string // member → time zone
	hours       map[string]string // member → contact hours
	closers     map[string]bool   // members who closed the pair

	commits map[string][]string // replica name → messages of its commits
}

// textField is one collaborative text and the tokens edits put in and took out.
type textField struct {
	get      func(p *mentoring.Pair) (string, bool)
	inserted map[string]bool
	removed  map[string]bool
}

// register is one last-writer-wins field: every value written, and the
// values an edit replaced after seeing them (meaningful for unique values).
type register struct {
	get        func(p *mentoring.Pair) (string, bool)
	unique     bool
	written    map[string]bool
	superseded map[string]bool
}

func newChaosModel(title string) *chaosModel {
	m := &chaosModel{
		texts: map[string]*textField{}, regs: map[string]*register{},
		goals: map[string]bool{}, milestones: map[string][2]string{}, checkins: map[string]mentoring.Checkin{},
		actions: map[string]string{}, wins: map[string]string{}, messages: map[string]string{},
		feedback: map[[2]string]mentoring.Feedback{}, answers: map[[2]string]string{},
		reflections: map[[2]string]mentoring.Reflection{}, signed: map[string]string{},
		zones: map[string]string{}, hours: map[string]string{}, closers: map[string]bool{},
		commits: map[string][]string{},
	}
	ag := func(f func(a mentoring.Agreement) string) func(*mentoring.Pair) (string, bool) {
		return func(p *mentoring.Pair) (string, bool) { return f(p.Agreement), true }
	}
	m.addReg("title", true, func(p *mentoring.Pair) (string, bool) { return p.Title, true }, title)
	m.addReg("agreement/cadence", true, ag(func(a mentoring.Agreement) string { return fmt.Sprint(a.CadenceDays) }), "0")
	m.addReg("agreement/start", true, ag(func(a mentoring.Agreement) string { return a.Start }), "")
	m.addReg("agreement/end", true, ag(func(a mentoring.Agreement) string { return a.End }), "")
	m.addReg("agreement/review", true, ag(func(a mentoring.Agreement) string { return a.Review }), "")
	for _, kind := range mentoring.Channels {
		m.addReg("channel/"+kind, true, ag(func(a mentoring.Agreement) string {
			for _, c := range a.Channels {
				if c.Kind == kind {
					return c.Purpose
				}
			}
			return ""
		}), "")
	}
	m.addText("agreement/availability", ag(func(a mentoring.Agreement) string { return a.Availability }), "")
	m.addText("agreement/boundaries", ag(func(a mentoring.Agreement) string { return a.Boundaries }), "")
	m.addText("agreement/confidentiality", ag(func(a mentoring.Agreement) string { return a.Confidentiality }), "")
	m.addText("agreement/expectations", ag(func(a mentoring.Agreement) string { return a.Expectations }), "")
	return m
}

func (m *chaosModel) addReg(key string, unique bool, get func(*mentoring.Pair) (string, bool), first string) {
	m.regs[key] = &register{get: get, unique: unique, written: map[string]bool{first: true}, superseded: map[string]bool{}}
}

// write records that old, as the writer saw it, was replaced by v.
func (r *register) write(old, v string) {
	r.written[v] = true
	if old != "" && old != v {
		r.superseded[old] = true
	}
}

func (m *chaosModel) addText(key string, get func(*mentoring.Pair) (string, bool), first string) {
	f := &textField{get: get, inserted: map[string]bool{}, removed: map[string]bool{}}
	toks, _ := splitTokens(first)
	for _, tok := range toks {
		f.inserted[tok] = true
	}
	m.texts[key] = f
}

// unique returns a value no other edit of this seed writes.
func (m *chaosModel) unique(prefix, who string) string {
	m.n++
	return fmt.Sprintf("%s %s-%d", prefix, who, m.n)
}

// date returns a day of year no other edit of this seed writes, while
// there are some left.
func (m *chaosModel) date(year int) (string, bool) {
	if m.days >= 365 {
		return "", false
	}
	m.days++
	return day(year, m.days-1), true
}

// cadence returns a cadence no other edit of this seed writes, while there
// are some left.
func (m *chaosModel) cadence() (int, bool) {
	if m.cades >= 365 {
		return 0, false
	}
	m.cades++
	return m.cades, true
}

// token returns a new text token: a marker rune used by no other token,
// the writer and a number, and the marker again.
func (m *chaosModel) token(who string) string {
	m.n++
	mark := string(rune(tokenMarkFirst + m.n%(tokenMarkLast-tokenMarkFirst)))
	return mark + fmt.Sprintf("%s%d", who, m.n) + mark
}

// Token markers are CJK ideographs: 20,000 of them, none in token bodies.
const (
	tokenMarkFirst = 0x4E00
	tokenMarkLast  = 0x9FFF
)

// splitTokens cuts a text into its tokens, failing on anything else: a
// token cut in two, or characters no edit wrote.
func splitTokens(s string) ([]string, error) {
	var out []string
	r := []rune(s)
	for i := 0; i < len(r); {
		mark := r[i]
		if mark < tokenMarkFirst || mark > tokenMarkLast {
			return nil, fmt.Errorf("stray %q at rune %d", mark, i)
		}
		j := i + 1
		for j < len(r) && r[j] != mark {
			j++
		}
		if j == len(r) {
			return nil, fmt.Errorf("the token at rune %d never ends", i)
		}
		out = append(out, string(r[i:j+1]))
		i = j + 1
	}
	return out, nil
}

// check compares the converged pair with the model and lists every broken
// promise.
func (m *chaosModel) check(p *mentoring.Pair) []string {
	var bad []string
	problem := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }

	live := 0
	for id, removed := range m.goals {
		_, ok := p.Goal(id)
		switch {
		case removed && ok:
			problem("goal %s was removed but is there", id)
		case !removed && !ok:
			problem("goal %s is missing", id)
		}
		if !removed {
			live++
		}
	}
	if len(p.Goals) != live {
		problem("%d goals, want %d", len(p.Goals), live)
	}
	wantMs := 0
	for id, gt := range m.milestones {
		g, ok := p.Goal(gt[0])
		if !ok {
			continue
		}
		wantMs++
		if !slices.ContainsFunc(g.Milestones, func(x mentoring.Milestone) bool { return x.ID == id && x.Title == gt[1] }) {
			problem("milestone %s (%q) of goal %s is missing", id, gt[1], gt[0])
		}
	}
	gotMs := 0
	for _, g := range p.Goals {
		gotMs += len(g.Milestones)
	}
	if gotMs != wantMs {
		problem("%d milestones, want %d", gotMs, wantMs)
	}

	if len(p.Checkins) != len(m.checkins) {
		problem("%d check-ins, want %d", len(p.Checkins), len(m.checkins))
	}
	nActions, nFeedback := 0, 0
	for _, c := range p.Checkins {
		nActions += len(c.Actions)
		nFeedback += len(c.Feedback)
	}
	for id, want := range m.checkins {
		c, ok := p.Checkin(id)
		if !ok || c.Date != want.Date || c.Channel != want.Channel || c.Minutes != want.Minutes {
			problem("check-in %s: got %v %+v, want %s %s %d", id, ok, c, want.Date, want.Channel, want.Minutes)
		}
	}
	if nActions != len(m.actions) {
		problem("%d action items, want %d", nActions, len(m.actions))
	}
	for text, cid := range m.actions {
		c, _ := p.Checkin(cid)
		if !slices.ContainsFunc(c.Actions, func(a mentoring.Action) bool { return a.Text == text }) {
			problem("action %q of check-in %s is missing", text, cid)
		}
	}
	if nFeedback != len(m.feedback) {
		problem("%d ratings, want %d", nFeedback, len(m.feedback))
	}
	for k, want := range m.feedback {
		c, _ := p.Checkin(k[0])
		if !slices.ContainsFunc(c.Feedback, func(f mentoring.Feedback) bool {
			return f.Member == k[1] && f.Rating == want.Rating && f.Comment == want.Comment
		}) {
			problem("the last rating of check-in %s by %s (%d, %q) is missing: %+v", k[0], k[1], want.Rating, want.Comment, c.Feedback)
		}
	}

	byID := func(kind string, want map[string]string, got map[string]string) {
		if len(got) != len(want) {
			problem("%d %s, want %d", len(got), kind, len(want))
		}
		for id, text := range want {
			if got[id] != text {
				problem("%s %s: got %q, want %q", kind, id, got[id], text)
			}
		}
	}
	wins, msgs := map[string]string{}, map[string]string{}
	for _, x := range p.Wins {
		wins[x.ID] = x.Text
	}
	for _, x := range p.Messages {
		if _, twice := msgs[x.Text]; twice {
			problem("message %q is there twice", x.Text)
		}
		msgs[x.Text] = x.Text
	}
	byID("wins", m.wins, wins)
	byID("messages", m.messages, msgs)

	if len(p.Prompts) != len(m.answers) {
		problem("%d prompt answers, want %d", len(p.Prompts), len(m.answers))
	}
	for k, text := range m.answers {
		if a, ok := p.AnswerOf(k[0], k[1]); !ok || a.Text != text {
			problem("the last answer to %s by %s: got %q, want %q", k[0], k[1], a.Text, text)
		}
	}
	if len(p.Reflections) != len(m.reflections) {
		problem("%d reflections, want %d", len(p.Reflections), len(m.reflections))
	}
	for k, want := range m.reflections {
		r, ok := p.ReflectionOf(mentoring.ReflectionKind(k[0]), k[1])
		if !ok || r.Rating != want.Rating || fmt.Sprint(r.Answers) != fmt.Sprint(want.Answers) {
			problem("the last %s reflection of %s: got %+v, want %+v", k[0], k[1], r, want)
		}
	}
	if len(p.Agreement.Signatures) != len(m.signed) {
		problem("%d signatures, want %d", len(p.Agreement.Signatures), len(m.signed))
	}
	for _, s := range p.Agreement.Signatures {
		if s.Version != m.signed[s.Member] {
			problem("%s signed version %s, want %s", s.Member, s.Version, m.signed[s.Member])
		}
	}
	for _, mem := range p.Members {
		if want, ok := m.zones[mem.ID]; ok && mem.TimeZone != want {
			problem("time zone of %s: got %q, want %q", mem.Name, mem.TimeZone, want)
		}
		if want, ok := m.hours[mem.ID]; ok && mem.Hours != want {
			problem("contact hours of %s: got %q, want %q", mem.Name, mem.Hours, want)
		}
	}
	switch {
	case len(m.closers) == 0 && p.Closed != nil:
		problem("the pair is closed by %s, but nobody closed it", p.Closed.By)
	case len(m.closers) > 0 && (p.Closed == nil || !m.closers[p.Closed.By]):
		problem("the pair should be closed by one of %v: %+v", m.closers, p.Closed)
	}

	for _, key := range sortedKeys(m.texts) {
		f := m.texts[key]
		s, ok := f.get(p)
		if !ok {
			continue
		}
		toks, err := splitTokens(s)
		if err != nil {
			problem("text %s is damaged (%v): %q", key, err, s)
			continue
		}
		seen := map[string]bool{}
		for _, tok := range toks {
			switch {
			case seen[tok]:
				problem("text %s holds %q twice", key, tok)
			case f.removed[tok]:
				problem("text %s holds %q, which an edit deleted", key, tok)
			case !f.inserted[tok]:
				problem("text %s holds %q, which no edit inserted", key, tok)
			}
			seen[tok] = true
		}
		for tok := range f.inserted {
			if !f.removed[tok] && !seen[tok] {
				problem("text %s lost %q", key, tok)
			}
		}
	}
	for _, key := range sortedKeys(m.regs) {
		r := m.regs[key]
		v, ok := r.get(p)
		switch {
		case !ok:
		case !r.written[v]:
			problem("%s is %q, which no edit wrote", key, v)
		case r.unique && r.superseded[v]:
			problem("%s is %q, which a later edit replaced", key, v)
		}
	}
	return bad
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkHistory compares a replica's activity feed with the commits each
// replica made: every commit must be there, under its author's name, and
// only one more per member (creating or joining the pair).
func (m *chaosModel) checkHistory(feed []string, names []string) []string {
	var bad []string
	got := map[string]int{}
	for _, e := range feed {
		got[e]++
	}
	for _, name := range names {
		extra := 0
		want := map[string]int{}
		for _, msg := range m.commits[name] {
			want[name+": "+msg]++
		}
		for e, n := range got {
			if !strings.HasPrefix(e, name+": ") {
				continue
			}
			if n < want[e] {
				bad = append(bad, fmt.Sprintf("history has %d× %q, want %d", n, e, want[e]))
			}
			extra += max(0, n-want[e])
		}
		for e, n := range want {
			if got[e] == 0 {
				bad = append(bad, fmt.Sprintf("history lacks %d× %q", n, e))
			}
		}
		if extra != 1 {
			bad = append(bad, fmt.Sprintf("history has %d entries by %s beyond its %d edits, want 1 (creating or joining)", extra, name, len(m.commits[name])))
		}
	}
	if n := len(feed); n != len(names)+m.total() {
		bad = append(bad, fmt.Sprintf("history has %d entries, want %d", n, len(names)+m.total()))
	}
	return bad
}

func (m *chaosModel) total() int {
	n := 0
	for _, c := range m.commits {
		n += len(c)
	}
	return n
}
