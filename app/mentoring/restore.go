package mentoring

import (
	"slices"
	"strings"
	"time"
)

// Part names what a version of the pair is shown or restored for: the
// agreement, one goal or one check-in.
type Part struct {
	Kind string // "agreement", "goal" or "checkin"
	ID   string // the goal's or check-in's ID
}

// ParsePart reads a part as the command line writes it: "agreement",
// "goal:ID" or "checkin:ID".
func ParsePart(s string) (Part, error) {
	kind, id, _ := strings.Cut(strings.TrimSpace(s), ":")
	switch {
	case kind == "agreement" && id == "":
		return Part{Kind: kind}, nil
	case (kind == "goal" || kind == "checkin") && id != "" && len(id) <= 64:
		return Part{Kind: kind, ID: id}, nil
	}
	return Part{}, invalidf("%q is not a part of a pair: write agreement, goal:ID or checkin:ID ('pairwise goal list' shows goal IDs)", s)
}

func (pt Part) String() string {
	if pt.ID == "" {
		return pt.Kind
	}
	return pt.Kind + ":" + pt.ID
}

// Of returns the part's value in p (an Agreement, Goal or Checkin), and
// false when p does not hold it.
func (pt Part) Of(p *Pair) (any, bool) {
	switch pt.Kind {
	case "agreement":
		return p.Agreement, true
	case "goal":
		g, ok := p.Goal(pt.ID)
		return g, ok
	case "checkin":
		c, ok := p.Checkin(pt.ID)
		return c, ok
	}
	return nil, false
}

// VersionStamp is how the restore message names the moment restored, in
// the restorer's zone: "3 Dec 14:02".
func VersionStamp(t time.Time) string { return t.Local().Format("2 Jan 15:04") }

// Restore writes the part as it was in old (the pair read at an earlier
// change, made at the time at) over its state in p, as one new edit: the
// history keeps every version. Texts are spliced from their current value,
// so what a partner types meanwhile elsewhere in them survives the merge.
// Signatures, milestones, actions and feedback are left as they are: a
// restore changes what was agreed or planned, never who said what.
func Restore(p, old *Pair, pt Part, at time.Time) (Edit, error) {
	when := VersionStamp(at)
	switch pt.Kind {
	case "agreement":
		o := restoreAgreement(p.Agreement, old.Agreement)
		if len(o) == 0 {
			return Edit{}, invalidf("the agreement is already as it was at %s: there is nothing to restore", when)
		}
		return Edit{Msg: "restored the agreement as it was at " + when, ops: o}, nil
	case "goal":
		was, ok := old.Goal(pt.ID)
		if !ok {
			return Edit{}, invalidf("the goal %s did not exist at %s: pick a later change from 'pairwise history'", pt.ID, when)
		}
		o := restoreGoal(p, was)
		if len(o) == 0 {
			return Edit{}, invalidf("the goal %s is already as it was at %s: there is nothing to restore", quote(was.Title), when)
		}
		return Edit{Msg: "restored the goal " + quote(was.Title) + " as it was at " + when, ID: pt.ID, ops: o}, nil
	case "checkin":
		was, ok := old.Checkin(pt.ID)
		if !ok {
			return Edit{}, invalidf("the check-in %s did not exist at %s: pick a later change from 'pairwise history'", pt.ID, when)
		}
		now, ok := p.Checkin(pt.ID)
		if !ok {
			return Edit{}, invalidf("the check-in of %s is no longer in this pair, so there is nothing to restore it into", was.Date)
		}
		var o ops
		cp := path(kCheckins, pt.ID)
		if now.Agenda != was.Agenda {
			o = append(o, editText(append(cp, kAgenda), was.Agenda))
		}
		if now.Notes != was.Notes {
			o = append(o, editText(append(cp, kNotes), was.Notes))
		}
		if len(o) == 0 {
			return Edit{}, invalidf("the notes of the check-in of %s are already as they were at %s: there is nothing to restore", was.Date, when)
		}
		return Edit{Msg: "restored the notes of the check-in of " + was.Date + " as they were at " + when, ID: pt.ID, ops: o}, nil
	}
	return Edit{}, invalidf("%q is not a part of a pair: write agreement, goal:ID or checkin:ID", pt.String())
}

func restoreAgreement(now, was Agreement) ops {
	var o ops
	if now.CadenceDays != was.CadenceDays {
		if was.CadenceDays == 0 {
			o = append(o, del(path(kAgreement, kCadence)))
		} else {
			o = append(o, set(path(kAgreement, kCadence), int64(was.CadenceDays)))
		}
	}
	texts := []struct{ key, now, was string }{
		{kAvailability, now.Availability, was.Availability},
		{kBoundaries, now.Boundaries, was.Boundaries},
		{kConfidentiality, now.Confidentiality, was.Confidentiality},
		{kExpectations, now.Expectations, was.Expectations},
	}
	for _, t := range texts {
		if t.now != t.was {
			o = append(o, editText(path(kAgreement, t.key), t.was))
		}
	}
	dates := []struct{ key, now, was string }{{kStart, now.Start, was.Start}, {kEnd, now.End, was.End}, {kReview, now.Review, was.Review}}
	for _, d := range dates {
		if d.now != d.was {
			o = append(o, set(path(kAgreement, d.key), d.was))
		}
	}
	for _, kind := range Channels {
		n, inNow := channel(now, kind)
		w, inWas := channel(was, kind)
		switch {
		case inWas && (!inNow || n != w):
			o = append(o, set(path(kAgreement, kChanPurpose, kind), w.Purpose), set(path(kAgreement, kChanResponse, kind), int64(w.ResponseHours)))
		case inNow && !inWas:
			o = append(o, del(path(kAgreement, kChanPurpose, kind)), del(path(kAgreement, kChanResponse, kind)))
		}
	}
	return o
}

func channel(a Agreement, kind string) (Channel, bool) {
	i := slices.IndexFunc(a.Channels, func(c Channel) bool { return c.Kind == kind })
	if i < 0 {
		return Channel{}, false
	}
	return a.Channels[i], true
}

// restoreGoal brings a goal's own fields back. A goal removed since comes
// back too: the removal is undone along with the rest.
func restoreGoal(p *Pair, was Goal) ops {
	gp := path(kGoals, was.ID)
	now, present := p.Goal(was.ID)
	var o ops
	if !present {
		o = append(o, set(append(gp, kRemoved), false))
	}
	if now.Title != was.Title || !present {
		o = append(o, set(append(gp, kTitle), was.Title))
	}
	texts := []struct{ key, now, was string }{{kWhy, now.Why, was.Why}, {kMeasure, now.Measure, was.Measure}, {kObstacles, now.Obstacles, was.Obstacles}}
	for _, t := range texts {
		if t.now != t.was || !present {
			o = append(o, editText(append(gp, t.key), t.was))
		}
	}
	if now.Status != was.Status || !present {
		o = append(o, set(append(gp, kStatus), string(was.Status)))
	}
	if now.Target != was.Target || !present {
		o = append(o, set(append(gp, kTarget), was.Target))
	}
	return o
}
