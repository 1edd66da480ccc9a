package cli

import (
	"fmt"
	"strconv"
	"strings"

	"pairwise/app/mentoring"
)

// edit runs one edit on the pair named by pos[0] and prints the created ID
// if print is set.
func edit(e *env, pair string, print bool, build func(p *mentoring.Pair, me string) (mentoring.Edit, error)) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	id, err := ws.Edit(pair, build)
	if err != nil {
		return err
	}
	if print {
		e.println(id)
	}
	return nil
}

func goalInput(e *env) mentoring.GoalInput {
	in := mentoring.GoalInput{Title: optional(e, "title"), Why: optional(e, "why"), Measure: optional(e, "measure"),
		Obstacles: optional(e, "obstacles"), Target: optional(e, "due")}
	if s := optional(e, "status"); s != nil {
		st := mentoring.Status(*s)
		in.Status = &st
	}
	return in
}

func goalAdd(e *env, pos []string) error {
	in := goalInput(e)
	return edit(e, pos[0], true, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.AddGoal(p, me, in, e.ws.Now())
	})
}

func goalSet(e *env, pos []string) error {
	in := goalInput(e)
	if in == (mentoring.GoalInput{}) {
		return usagef("say what to change, for example --status in-progress")
	}
	return edit(e, pos[0], false, func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
		return mentoring.UpdateGoal(p, pos[1], in)
	})
}

func goalRemove(e *env, pos []string) error {
	return edit(e, pos[0], false, func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
		return mentoring.RemoveGoal(p, pos[1])
	})
}

func goalList(e *env, pos []string) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	p, err := ws.Pair(pos[0])
	if err != nil {
		return err
	}
	for _, g := range p.Goals {
		line := fmt.Sprintf("%s  %-11s %3.0f%%  %s", g.ID, g.Status, 100*g.Progress(), g.Title)
		if g.Target != "" {
			line += "  (target " + g.Target + ")"
		}
		e.println(line)
		for _, m := range g.Milestones {
			done := " "
			if m.Done {
				done = "x"
			}
			e.println(fmt.Sprintf("    %s [%s] %s %s", m.ID, done, m.Title, m.Due))
		}
	}
	return nil
}

func milestoneAdd(e *env, pos []string) error {
	if err := required(e, "title"); err != nil {
		return err
	}
	return edit(e, pos[0], true, func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
		return mentoring.AddMilestone(p, pos[1], e.str("title"), e.str("due"), e.ws.Now())
	})
}

func milestoneDone(e *env, pos []string) error {
	undo := e.str("undo") == "true"
	return edit(e, pos[0], false, func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
		return mentoring.SetMilestoneDone(p, pos[1], pos[2], !undo)
	})
}

func agreementSet(e *env, pos []string) error {
	in := mentoring.AgreementInput{
		Availability: optional(e, "availability"), Boundaries: optional(e, "boundaries"),
		Confidentiality: optional(e, "confidentiality"), Expectations: optional(e, "expectations"),
		Start: optional(e, "start"), End: optional(e, "end"), Review: optional(e, "review"),
	}
	if e.set("cadence-days") {
		n, _ := strconv.Atoi(e.str("cadence-days"))
		in.CadenceDays = &n
	}
	for _, c := range e.list("channel") {
		kind, rest, ok := strings.Cut(c, "=")
		if !ok {
			return usagef("--channel %q: write it as KIND=PURPOSE or KIND=PURPOSE;HOURS, e.g. 'chat=quick questions;24'", c)
		}
		if in.Channels == nil {
			in.Channels = map[string]*mentoring.Channel{}
		}
		if rest == "" {
			in.Channels[kind] = nil
			continue
		}
		purpose, hours, _ := strings.Cut(rest, ";")
		ch := &mentoring.Channel{Kind: kind, Purpose: purpose}
		if hours != "" {
			n, err := strconv.Atoi(strings.TrimSpace(hours))
			if err != nil {
				return usagef("--channel %q: the response time after ';' must be a number of hours", c)
			}
			ch.ResponseHours = n
		}
		in.Channels[kind] = ch
	}
	tz, hours := optional(e, "tz"), optional(e, "my-hours")
	ws, err := e.open()
	if err != nil {
		return err
	}
	if tz != nil || hours != nil {
		if tz != nil {
			if _, err := ws.Edit(pos[0], func(p *mentoring.Pair, me string) (mentoring.Edit, error) { return mentoring.SetTimeZone(p, me, *tz) }); err != nil {
				return err
			}
		}
		if hours != nil {
			if _, err := ws.Edit(pos[0], func(p *mentoring.Pair, me string) (mentoring.Edit, error) { return mentoring.SetHours(p, me, *hours) }); err != nil {
				return err
			}
		}
		if in.CadenceDays == nil && in.Channels == nil && in.Availability == nil && in.Boundaries == nil && in.Confidentiality == nil &&
			in.Expectations == nil && in.Start == nil && in.End == nil && in.Review == nil {
			return nil
		}
	}
	return edit(e, pos[0], false, func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
		return mentoring.SetAgreement(p, in)
	})
}

func agreementSign(e *env, pos []string) error {
	return edit(e, pos[0], false, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.Sign(p, me, e.ws.Now())
	})
}

func checkinAdd(e *env, pos []string) error {
	meeting := strings.TrimSpace(e.str("meeting"))
	if meeting == "" {
		if err := required(e, "date"); err != nil {
			return err
		}
	}
	minutes, _ := strconv.Atoi(e.str("minutes"))
	given := mentoring.CheckinInput{Date: e.str("date"), Channel: e.str("channel"), Minutes: minutes, Agenda: e.str("agenda"), Notes: e.str("notes")}
	for _, a := range e.list("action") {
		text, due, _ := strings.Cut(a, ";")
		given.Actions = append(given.Actions, mentoring.ActionInput{Text: text, Due: strings.TrimSpace(due)})
	}
	return edit(e, pos[0], true, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		in := given
		if meeting != "" {
			var err error
			if in, err = fromMeeting(e, p, me, meeting, given); err != nil {
				return mentoring.Edit{}, err
			}
		}
		for i := range in.Actions {
			in.Actions[i].Owner = me
		}
		return mentoring.AddCheckin(p, me, in, e.ws.Now())
	})
}

// fromMeeting is the check-in of a scheduled meeting that took place: its
// date (in this member's zone), channel, length and agenda, with whatever
// was given on the command line in their place.
func fromMeeting(e *env, p *mentoring.Pair, me, id string, given mentoring.CheckinInput) (mentoring.CheckinInput, error) {
	m, ok := p.Meeting(id)
	switch {
	case !ok:
		return given, fmt.Errorf("there is no meeting %q in this pair: 'pairwise checkin upcoming %s' lists the scheduled ones", id, p.ID)
	case m.Cancelled:
		return given, fmt.Errorf("the meeting of %s %s was cancelled: log the check-in without --meeting if you met anyway", m.Local, m.Zone)
	case e.ws.Now().Before(m.At):
		return given, fmt.Errorf("the meeting of %s %s has not started yet: log its check-in once it has taken place", m.Local, m.Zone)
	}
	_, loc := myZone(p, me)
	in := mentoring.CheckinFromMeeting(m, loc)
	in.Notes, in.Actions = given.Notes, given.Actions
	if e.set("date") {
		in.Date = given.Date
	}
	if e.set("channel") {
		in.Channel = given.Channel
	}
	if e.set("minutes") {
		in.Minutes = given.Minutes
	}
	if e.set("agenda") {
		in.Agenda = given.Agenda
	}
	return in, nil
}

func checkinRate(e *env, pos []string) error {
	if err := required(e, "rating"); err != nil {
		return err
	}
	rating, _ := strconv.Atoi(e.str("rating"))
	return edit(e, pos[0], false, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.Rate(p, pos[1], me, rating, e.str("comment"), e.ws.Now())
	})
}

func winAdd(e *env, pos []string) error {
	return edit(e, pos[0], true, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.AddWin(p, me, e.str("text"), e.str("date"), e.ws.Now())
	})
}

func messageSend(e *env, pos []string) error {
	var warn string
	err := edit(e, pos[0], true, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		for _, m := range p.Members {
			if m.ID != me {
				warn, _ = mentoring.OutsideHours(p, m.ID, e.ws.Now())
			}
		}
		return mentoring.SendMessage(p, me, e.str("text"), e.ws.Now())
	})
	if err == nil && warn != "" {
		fmt.Fprintln(e.stderr, warn)
	}
	return err
}
