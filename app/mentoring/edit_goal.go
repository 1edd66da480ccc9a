package mentoring

import (
	"strings"
	"time"
)

func trim(s string) string { return strings.TrimSpace(s) }

// GoalInput is what a person fills in for a goal. Nil fields of a patch are
// left alone.
type GoalInput struct {
	Title     *string
	Why       *string
	Measure   *string
	Obstacles *string
	Status    *Status
	Target    *string
}

func (in GoalInput) check() error {
	if in.Title != nil {
		t, err := checkTitle("a goal", *in.Title)
		if err != nil {
			return err
		}
		*in.Title = t
	}
	for what, s := range map[string]*string{"why": in.Why, "the success measure": in.Measure, "the obstacles": in.Obstacles} {
		if s != nil {
			if err := checkText(what, *s); err != nil {
				return err
			}
		}
	}
	if in.Status != nil {
		if err := checkStatus(*in.Status); err != nil {
			return err
		}
	}
	if in.Target != nil {
		return checkDate("the target date", *in.Target)
	}
	return nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// AddGoal adds a goal. Title is required.
func AddGoal(p *Pair, by string, in GoalInput, now time.Time) (Edit, error) {
	if in.Title == nil {
		in.Title = new(string)
	}
	if err := in.check(); err != nil {
		return Edit{}, err
	}
	if err := notBeforeStart(p, "the goal", deref(in.Target)); err != nil {
		return Edit{}, err
	}
	status := NotStarted
	if in.Status != nil {
		status = *in.Status
	}
	id := NewID()
	g := path(kGoals, id)
	o := ops{
		newMap(g),
		set(append(g, kTitle), *in.Title),
		newText(append(g, kWhy), deref(in.Why)),
		newText(append(g, kMeasure), deref(in.Measure)),
		newText(append(g, kObstacles), deref(in.Obstacles)),
		set(append(g, kStatus), string(status)),
		set(append(g, kTarget), deref(in.Target)),
		set(append(g, kAdded), stamp(now)),
		set(append(g, kBy), by),
		newMap(append(g, kMilestones)),
	}
	return Edit{Msg: "added the goal " + quote(*in.Title), ID: id, ops: o}, nil
}

// UpdateGoal changes the given fields of a goal. Text fields are spliced, so
// both members can edit them at once.
func UpdateGoal(p *Pair, id string, in GoalInput) (Edit, error) {
	g, ok := p.Goal(id)
	if !ok {
		return Edit{}, invalidf("there is no goal %q in this pair: it may have been removed", id)
	}
	if err := in.check(); err != nil {
		return Edit{}, err
	}
	if err := notBeforeStart(p, "the goal", deref(in.Target)); err != nil {
		return Edit{}, err
	}
	gp := path(kGoals, id)
	var o ops
	msg := "edited the goal " + quote(g.Title)
	if in.Title != nil {
		o = append(o, set(append(gp, kTitle), *in.Title))
	}
	if in.Why != nil {
		o = append(o, editText(append(gp, kWhy), *in.Why))
	}
	if in.Measure != nil {
		o = append(o, editText(append(gp, kMeasure), *in.Measure))
	}
	if in.Obstacles != nil {
		o = append(o, editText(append(gp, kObstacles), *in.Obstacles))
	}
	if in.Target != nil {
		o = append(o, set(append(gp, kTarget), *in.Target))
	}
	if in.Status != nil {
		o = append(o, set(append(gp, kStatus), string(*in.Status)))
		if len(o) == 1 {
			msg = "marked the goal " + quote(g.Title) + " " + strings.ReplaceAll(string(*in.Status), "-", " ")
		}
	}
	return Edit{Msg: msg, ID: id, ops: o}, nil
}

// RemoveGoal hides a goal. It is a tombstone rather than a delete, so an
// edit the partner made at the same time is kept in the history, not lost.
func RemoveGoal(p *Pair, id string) (Edit, error) {
	g, ok := p.Goal(id)
	if !ok {
		return Edit{}, invalidf("there is no goal %q in this pair: it may have been removed already", id)
	}
	return Edit{Msg: "removed the goal " + quote(g.Title), ID: id, ops: ops{set(path(kGoals, id, kRemoved), true)}}, nil
}

// AddMilestone adds a dated step to a goal.
func AddMilestone(p *Pair, goal, title, due string, now time.Time) (Edit, error) {
	g, ok := p.Goal(goal)
	if !ok {
		return Edit{}, invalidf("there is no goal %q in this pair", goal)
	}
	title, err := checkTitle("a milestone", title)
	if err != nil {
		return Edit{}, err
	}
	if err := checkDate("the milestone's due date", due); err != nil {
		return Edit{}, err
	}
	if err := notBeforeStart(p, "the milestone", due); err != nil {
		return Edit{}, err
	}
	id := NewID()
	mp := path(kGoals, goal, kMilestones, id)
	o := ops{newMap(mp), set(append(mp, kTitle), title), set(append(mp, kDue), due), set(append(mp, kDone), false), set(append(mp, kAdded), stamp(now))}
	return Edit{Msg: "added the milestone " + quote(title) + " to " + quote(g.Title), ID: id, ops: o}, nil
}

// SetMilestoneDone ticks or unticks a milestone.
func SetMilestoneDone(p *Pair, goal, milestone string, done bool) (Edit, error) {
	g, ok := p.Goal(goal)
	if !ok {
		return Edit{}, invalidf("there is no goal %q in this pair", goal)
	}
	for _, m := range g.Milestones {
		if m.ID == milestone {
			msg := "completed the milestone " + quote(m.Title)
			if !done {
				msg = "reopened the milestone " + quote(m.Title)
			}
			return Edit{Msg: msg, ID: milestone, ops: ops{set(path(kGoals, goal, kMilestones, milestone, kDone), done)}}, nil
		}
	}
	return Edit{}, invalidf("the goal %s has no milestone %q", quote(g.Title), milestone)
}
