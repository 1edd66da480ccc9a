package syncclient

// Random edits of every kind the pair document has, each built against the
// replica's view at commit time. A builder returns the edit and what the
// model learns if it commits.

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"pairwise/app/mentoring"
)

// errChaosText is returned by a builder that found a text no sequence of
// whole-token edits can produce: the merge damaged it.
var errChaosText = errors.New("chaos: damaged text")

type builder func(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error)

// chaosEdits weighs the kinds of edit; concurrent text edits into the same
// fields are made likely by the "hot" fields the text builders prefer.
var chaosEdits = []struct {
	weight int
	name   string
	build  builder
}{
	{8, "agreement text", editAgreementText},
	{5, "agreement field", editAgreementField},
	{2, "sign", editSign},
	{1, "rename", editRename},
	{1, "time zone", editZone},
	{1, "contact hours", editHours},
	{6, "add goal", editAddGoal},
	{6, "edit goal", editGoal},
	{1, "remove goal", editRemoveGoal},
	{3, "add milestone", editAddMilestone},
	{2, "tick milestone", editTickMilestone},
	{4, "add check-in", editAddCheckin},
	{8, "check-in notes", editCheckinText},
	{3, "add action", editAddAction},
	{2, "tick action", editTickAction},
	{3, "rate", editRate},
	{2, "win", editWin},
	{3, "message", editMessage},
	{2, "prompt", editPrompt},
	{1, "reflect", editReflect},
	{0, "close", editClose}, // weighted per seed: most seeds never close
}

func (w *chaosWorld) pickEdit() (string, builder) {
	total := 0
	for _, e := range chaosEdits {
		total += w.weight(e.weight, e.name)
	}
	n := w.rng.IntN(total)
	for _, e := range chaosEdits {
		if n -= w.weight(e.weight, e.name); n < 0 {
			return e.name, e.build
		}
	}
	panic("unreachable")
}

func (w *chaosWorld) weight(n int, name string) int {
	if name == "close" && w.closes {
		return 1
	}
	return n
}

func pick[T any](w *chaosWorld, xs []T) T { return xs[w.rng.IntN(len(xs))] }

// hot returns the first of xs half the time, so replicas often edit the
// same thing at once.
func hot[T any](w *chaosWorld, xs []T) T {
	if w.rng.IntN(2) == 0 {
		return xs[0]
	}
	return pick(w, xs)
}

// editText inserts a token at a token boundary or deletes a whole token.
func (w *chaosWorld) editText(key, cur, who string) (string, func(), error) {
	toks, err := splitTokens(cur)
	if err != nil {
		return "", nil, fmt.Errorf("%w: %s at %s is %q (%v)", errChaosText, key, who, cur, err)
	}
	f := w.m.texts[key]
	if len(toks) > 0 && w.rng.IntN(3) == 0 {
		i := w.rng.IntN(len(toks))
		gone := toks[i]
		return strings.Join(slices.Delete(toks, i, i+1), ""), func() { f.removed[gone] = true }, nil
	}
	tok := w.m.token(who)
	toks = slices.Insert(toks, w.rng.IntN(len(toks)+1), tok)
	return strings.Join(toks, ""), func() { f.inserted[tok] = true }, nil
}

func editAgreementText(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, _ string) (mentoring.Edit, func(), error) {
	a := p.Agreement
	fields := []struct {
		key string
		cur string
		set func(in *mentoring.AgreementInput, s *string)
	}{
		{"agreement/expectations", a.Expectations, func(in *mentoring.AgreementInput, s *string) { in.Expectations = s }},
		{"agreement/availability", a.Availability, func(in *mentoring.AgreementInput, s *string) { in.Availability = s }},
		{"agreement/boundaries", a.Boundaries, func(in *mentoring.AgreementInput, s *string) { in.Boundaries = s }},
		{"agreement/confidentiality", a.Confidentiality, func(in *mentoring.AgreementInput, s *string) { in.Confidentiality = s }},
	}
	f := hot(w, fields)
	s, rec, err := w.editText(f.key, f.cur, x.name)
	if err != nil {
		return mentoring.Edit{}, nil, err
	}
	var in mentoring.AgreementInput
	f.set(&in, &s)
	e, err := mentoring.SetAgreement(p, in)
	return e, rec, err
}

// day is the nth day of year. Start dates come from 2024, goal and
// milestone dates from 2025, review dates from 2026 and end dates from 2027,
// so every edit passes the order checks whatever the replica has seen.
func day(year, n int) string {
	return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n%365).Format(mentoring.DateLayout)
}

func editAgreementField(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	a := p.Agreement
	var in mentoring.AgreementInput
	var key, old, v string
	var ok bool
	switch w.rng.IntN(6) {
	case 0:
		var n int
		if n, ok = w.m.cadence(); ok {
			in.CadenceDays, key, old, v = &n, "agreement/cadence", fmt.Sprint(a.CadenceDays), fmt.Sprint(n)
		}
	case 1:
		v, ok = w.m.date(2024)
		in.Start, key, old = &v, "agreement/start", a.Start
	case 2:
		v, ok = w.m.date(2026)
		in.Review, key, old = &v, "agreement/review", a.Review
	case 3:
		v, ok = w.m.date(2027)
		in.End, key, old = &v, "agreement/end", a.End
	default:
		kind := pick(w, mentoring.Channels)
		key, ok = "channel/"+kind, true
		for _, c := range a.Channels {
			if c.Kind == kind {
				old = c.Purpose
			}
		}
		var c *mentoring.Channel
		if old == "" || w.rng.IntN(3) > 0 {
			v = w.m.unique("use "+kind+" for", x.name)
			c = &mentoring.Channel{Purpose: v, ResponseHours: w.rng.IntN(72)}
		}
		in.Channels = map[string]*mentoring.Channel{kind: c}
	}
	if !ok { // this seed used up its unique values
		return editAgreementText(w, x, p, me)
	}
	e, err := mentoring.SetAgreement(p, in)
	return e, func() { w.m.regs[key].write(old, v) }, err
}

func editSign(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	version := p.Agreement.Version()
	e, err := mentoring.Sign(p, me, time.Now())
	return e, func() { w.m.signed[me] = version }, err
}

func editRename(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, _ string) (mentoring.Edit, func(), error) {
	old, v := p.Title, w.m.unique("Pair", x.name)
	e, err := mentoring.Rename(p, v)
	return e, func() { w.m.regs["title"].write(old, v) }, err
}

func editZone(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	m, _ := p.Member(me)
	zones := slices.DeleteFunc([]string{"Europe/Berlin", "America/Sao_Paulo", "Asia/Tokyo", "Africa/Nairobi"}, func(z string) bool { return z == m.TimeZone })
	tz := pick(w, zones)
	e, err := mentoring.SetTimeZone(p, me, tz)
	return e, func() { w.m.zones[me] = tz }, err
}

func editHours(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	m, _ := p.Member(me)
	// As SetHours stores them: normalised, or "" for none.
	hours := slices.DeleteFunc([]string{"mon,tue,wed,thu,fri 09:00-17:30", "08:00-12:00", "sun,sat 10:00-16:00", ""}, func(h string) bool { return h == m.Hours })
	h := pick(w, hours)
	e, err := mentoring.SetHours(p, me, h)
	return e, func() { w.m.hours[me] = h }, err
}

func editAddGoal(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	title, why := w.m.unique("Goal", x.name), ""
	if w.rng.IntN(2) == 0 {
		why = w.m.token(x.name)
	}
	in := mentoring.GoalInput{Title: &title, Why: &why}
	var target string
	if w.rng.IntN(2) == 0 {
		if d, ok := w.m.date(2025); ok {
			target = d
			in.Target = &target
		}
	}
	status := pick(w, mentoring.Statuses)
	in.Status = &status
	e, err := mentoring.AddGoal(p, me, in, time.Now())
	return e, func() {
		id := e.ID
		w.m.goals[id] = false
		goal := func(f func(g mentoring.Goal) string) func(*mentoring.Pair) (string, bool) {
			return func(p *mentoring.Pair) (string, bool) {
				g, ok := p.Goal(id)
				return f(g), ok
			}
		}
		w.m.addReg("goal/"+id+"/title", true, goal(func(g mentoring.Goal) string { return g.Title }), title)
		w.m.addReg("goal/"+id+"/target", true, goal(func(g mentoring.Goal) string { return g.Target }), target)
		w.m.addReg("goal/"+id+"/status", false, goal(func(g mentoring.Goal) string { return string(g.Status) }), string(status))
		w.m.addText("goal/"+id+"/why", goal(func(g mentoring.Goal) string { return g.Why }), why)
		w.m.addText("goal/"+id+"/measure", goal(func(g mentoring.Goal) string { return g.Measure }), "")
		w.m.addText("goal/"+id+"/obstacles", goal(func(g mentoring.Goal) string { return g.Obstacles }), "")
	}, err
}

func editGoal(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	if len(p.Goals) == 0 {
		return editAddGoal(w, x, p, me)
	}
	g := hot(w, p.Goals)
	pre := "goal/" + g.ID + "/"
	var in mentoring.GoalInput
	var rec func()
	switch w.rng.IntN(6) {
	case 0:
		v := w.m.unique("Goal", x.name)
		in.Title, rec = &v, func() { w.m.regs[pre+"title"].write(g.Title, v) }
	case 1:
		v, ok := w.m.date(2025)
		if !ok {
			return editAgreementText(w, x, p, me)
		}
		in.Target, rec = &v, func() { w.m.regs[pre+"target"].write(g.Target, v) }
	case 2:
		v := pick(w, slices.DeleteFunc(slices.Clone(mentoring.Statuses), func(s mentoring.Status) bool { return s == g.Status }))
		in.Status, rec = &v, func() { w.m.regs[pre+"status"].write(string(g.Status), string(v)) }
	default:
		texts := []struct {
			name, cur string
			dst       **string
		}{{"why", g.Why, &in.Why}, {"measure", g.Measure, &in.Measure}, {"obstacles", g.Obstacles, &in.Obstacles}}
		t := hot(w, texts)
		s, r, err := w.editText(pre+t.name, t.cur, x.name)
		if err != nil {
			return mentoring.Edit{}, nil, err
		}
		*t.dst, rec = &s, r
	}
	e, err := mentoring.UpdateGoal(p, g.ID, in)
	return e, rec, err
}

func editRemoveGoal(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	if len(p.Goals) == 0 {
		return editAddGoal(w, x, p, me)
	}
	g := pick(w, p.Goals)
	e, err := mentoring.RemoveGoal(p, g.ID)
	return e, func() { w.m.goals[g.ID] = true }, err
}

func editAddMilestone(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	if len(p.Goals) == 0 {
		return editAddGoal(w, x, p, me)
	}
	g := hot(w, p.Goals)
	title, due := w.m.unique("Step", x.name), ""
	if w.rng.IntN(2) == 0 {
		due = day(2025, w.m.n)
	}
	e, err := mentoring.AddMilestone(p, g.ID, title, due, time.Now())
	return e, func() { w.m.milestones[e.ID] = [2]string{g.ID, title} }, err
}

func editTickMilestone(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	goals := slices.DeleteFunc(slices.Clone(p.Goals), func(g mentoring.Goal) bool { return len(g.Milestones) == 0 })
	if len(goals) == 0 {
		return editAddMilestone(w, x, p, me)
	}
	g := pick(w, goals)
	ms := pick(w, g.Milestones)
	e, err := mentoring.SetMilestoneDone(p, g.ID, ms.ID, !ms.Done)
	return e, nil, err
}

func editAddCheckin(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	in := mentoring.CheckinInput{
		Date:    day(2025, w.rng.IntN(365)),
		Channel: pick(w, append([]string{""}, mentoring.Channels...)),
		Minutes: w.rng.IntN(120),
		Notes:   w.m.token(x.name),
	}
	if w.rng.IntN(2) == 0 {
		in.Agenda = w.m.token(x.name)
	}
	for i := w.rng.IntN(3); i > 0; i-- {
		in.Actions = append(in.Actions, mentoring.ActionInput{Text: w.m.unique("Do", x.name), Owner: pick(w, p.Members).ID})
	}
	e, err := mentoring.AddCheckin(p, me, in, time.Now())
	return e, func() {
		id := e.ID
		w.m.checkins[id] = mentoring.Checkin{Date: in.Date, Channel: in.Channel, Minutes: in.Minutes}
		for _, a := range in.Actions {
			w.m.actions[a.Text] = id
		}
		checkin := func(f func(c mentoring.Checkin) string) func(*mentoring.Pair) (string, bool) {
			return func(p *mentoring.Pair) (string, bool) {
				c, ok := p.Checkin(id)
				return f(c), ok
			}
		}
		w.m.addText("checkin/"+id+"/agenda", checkin(func(c mentoring.Checkin) string { return c.Agenda }), in.Agenda)
		w.m.addText("checkin/"+id+"/notes", checkin(func(c mentoring.Checkin) string { return c.Notes }), in.Notes)
	}, err
}

// oldest returns the check-ins oldest first by when they were added, so the
// hot one is the same on every replica that has it.
func oldest(p *mentoring.Pair) []mentoring.Checkin {
	cs := slices.Clone(p.Checkins)
	slices.SortFunc(cs, func(a, b mentoring.Checkin) int { return a.Added.Compare(b.Added) })
	return cs
}

func editCheckinText(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	if len(p.Checkins) == 0 {
		return editAddCheckin(w, x, p, me)
	}
	c := hot(w, oldest(p))
	field, cur := "notes", c.Notes
	if w.rng.IntN(4) == 0 {
		field, cur = "agenda", c.Agenda
	}
	s, rec, err := w.editText("checkin/"+c.ID+"/"+field, cur, x.name)
	if err != nil {
		return mentoring.Edit{}, nil, err
	}
	var e mentoring.Edit
	if field == "notes" {
		e, err = mentoring.CheckinText(p, c.ID, nil, &s)
	} else {
		e, err = mentoring.CheckinText(p, c.ID, &s, nil)
	}
	return e, rec, err
}

func editAddAction(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	if len(p.Checkins) == 0 {
		return editAddCheckin(w, x, p, me)
	}
	c := hot(w, oldest(p))
	text := w.m.unique("Do", x.name)
	e, err := mentoring.AddAction(p, c.ID, mentoring.ActionInput{Text: text, Owner: pick(w, p.Members).ID, Due: day(2025, w.rng.IntN(365))}, time.Now())
	return e, func() { w.m.actions[text] = c.ID }, err
}

func editTickAction(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	cs := slices.DeleteFunc(slices.Clone(p.Checkins), func(c mentoring.Checkin) bool { return len(c.Actions) == 0 })
	if len(cs) == 0 {
		return editAddAction(w, x, p, me)
	}
	c := pick(w, cs)
	a := pick(w, c.Actions)
	e, err := mentoring.SetActionDone(p, c.ID, a.ID, !a.Done)
	return e, nil, err
}

func editRate(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	if len(p.Checkins) == 0 {
		return editAddCheckin(w, x, p, me)
	}
	c := hot(w, oldest(p))
	rating, comment := 1+w.rng.IntN(5), w.m.unique("Felt", x.name)
	e, err := mentoring.Rate(p, c.ID, me, rating, comment, time.Now())
	return e, func() { w.m.feedback[[2]string{c.ID, me}] = mentoring.Feedback{Rating: rating, Comment: comment} }, err
}

func editWin(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	text := w.m.unique("Won", x.name)
	e, err := mentoring.AddWin(p, me, text, "", time.Now())
	return e, func() { w.m.wins[e.ID] = text }, err
}

func editMessage(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	text := w.m.unique("Hello from", x.name)
	e, err := mentoring.SendMessage(p, me, text, time.Now())
	return e, func() { w.m.messages[text] = text }, err
}

func editPrompt(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	prompt := hot(w, mentoring.Prompts).ID
	text := w.m.unique("I think", x.name)
	e, err := mentoring.AnswerPrompt(p, me, prompt, text, time.Now())
	return e, func() { w.m.answers[[2]string{prompt, me}] = text }, err
}

func editReflect(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	return writeReflection(w, x, p, me, pick(w, []mentoring.ReflectionKind{mentoring.Midpoint, mentoring.Closing}))
}

func writeReflection(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string, kind mentoring.ReflectionKind) (mentoring.Edit, func(), error) {
	answers := map[string]string{}
	for _, q := range mentoring.ReflectionQuestions[kind] {
		if len(answers) == 0 || w.rng.IntN(2) == 0 {
			answers[q.ID] = w.m.unique("Reflecting", x.name)
		}
	}
	rating := w.rng.IntN(6)
	e, err := mentoring.Reflect(p, me, kind, answers, rating, time.Now())
	return e, func() {
		w.m.reflections[[2]string{string(kind), me}] = mentoring.Reflection{Answers: answers, Rating: rating}
	}, err
}

func editClose(w *chaosWorld, x *chaosReplica, p *mentoring.Pair, me string) (mentoring.Edit, func(), error) {
	if _, ok := p.ReflectionOf(mentoring.Closing, me); !ok {
		return writeReflection(w, x, p, me, mentoring.Closing)
	}
	e, err := mentoring.Close(p, me, time.Now())
	return e, func() { w.m.closers[me] = true }, err
}
