package mentoring

import (
	"time"
)

// CheckinInput is a check-in as a person records it.
type CheckinInput struct {
	Date    string
	Channel string
	Minutes int
	Agenda  string
	Notes   string
	Actions []ActionInput
	// Meeting is the scheduled meeting being logged, if any.
	Meeting string
}

// ActionInput is a follow-up agreed at a check-in.
type ActionInput struct {
	Text  string
	Owner string
	Due   string
}

func (a ActionInput) check(p *Pair) error {
	if _, err := checkTitle("an action item", a.Text); err != nil {
		return err
	}
	if a.Owner != "" {
		if _, ok := p.Member(a.Owner); !ok {
			return invalidf("the owner of %s is not a member of this pair", quote(a.Text))
		}
	}
	return checkDate("the action's due date", a.Due)
}

func addAction(checkin string, a ActionInput, now time.Time) (string, ops) {
	id := NewID()
	ap := path(kCheckins, checkin, kActions, id)
	return id, ops{newMap(ap), set(append(ap, kText), trim(a.Text)), set(append(ap, kOwner), a.Owner),
		set(append(ap, kDue), a.Due), set(append(ap, kDone), false), set(append(ap, kAdded), stamp(now))}
}

// AddCheckin records a meeting.
func AddCheckin(p *Pair, by string, in CheckinInput, now time.Time) (Edit, error) {
	if in.Date == "" {
		return Edit{}, invalidf("a check-in needs the date it happened, as YYYY-MM-DD")
	}
	if err := checkDate("the check-in date", in.Date); err != nil {
		return Edit{}, err
	}
	if err := checkChannel(in.Channel); err != nil {
		return Edit{}, err
	}
	if in.Minutes < 0 || in.Minutes > 24*60 {
		return Edit{}, invalidf("a check-in of %d minutes does not look right: give its length in minutes, up to a day", in.Minutes)
	}
	if err := checkText("the agenda", in.Agenda); err != nil {
		return Edit{}, err
	}
	if err := checkText("the notes", in.Notes); err != nil {
		return Edit{}, err
	}
	for _, a := range in.Actions {
		if err := a.check(p); err != nil {
			return Edit{}, err
		}
	}
	if in.Meeting != "" {
		m, ok := p.Meeting(in.Meeting)
		if !ok {
			return Edit{}, invalidf("there is no meeting %q in this pair to log", in.Meeting)
		}
		if m.Checkin != "" {
			return Edit{}, invalidf("the meeting of %s %s has its check-in logged already", m.Local, m.Zone)
		}
	}
	id := NewID()
	cp := path(kCheckins, id)
	o := ops{
		newMap(cp),
		set(append(cp, kDate), in.Date),
		set(append(cp, kChannel), in.Channel),
		set(append(cp, kMinutes), int64(in.Minutes)),
		newText(append(cp, kAgenda), in.Agenda),
		newText(append(cp, kNotes), in.Notes),
		set(append(cp, kAdded), stamp(now)),
		set(append(cp, kBy), by),
		newMap(append(cp, kActions)),
		newMap(append(cp, kFeedback)),
	}
	for _, a := range in.Actions {
		_, ao := addAction(id, a, now)
		o = append(o, ao...)
	}
	if in.Meeting != "" {
		o = append(o, set(append(cp, kMeeting), in.Meeting), set(path(meetingPrefix+in.Meeting, kCheckin), id))
	}
	return Edit{Msg: "logged the check-in of " + in.Date, ID: id, ops: o}, nil
}

// CheckinText changes a check-in's agenda and notes (nil leaves one alone).
func CheckinText(p *Pair, id string, agenda, notes *string) (Edit, error) {
	c, ok := p.Checkin(id)
	if !ok {
		return Edit{}, invalidf("there is no check-in %q in this pair", id)
	}
	var o ops
	if agenda != nil {
		if err := checkText("the agenda", *agenda); err != nil {
			return Edit{}, err
		}
		o = append(o, editText(path(kCheckins, id, kAgenda), *agenda))
	}
	if notes != nil {
		if err := checkText("the notes", *notes); err != nil {
			return Edit{}, err
		}
		o = append(o, editText(path(kCheckins, id, kNotes), *notes))
	}
	return Edit{Msg: "edited the notes of the check-in of " + c.Date, ID: id, ops: o}, nil
}

// AddAction adds a follow-up to a check-in.
func AddAction(p *Pair, checkin string, a ActionInput, now time.Time) (Edit, error) {
	c, ok := p.Checkin(checkin)
	if !ok {
		return Edit{}, invalidf("there is no check-in %q in this pair", checkin)
	}
	if err := a.check(p); err != nil {
		return Edit{}, err
	}
	id, o := addAction(checkin, a, now)
	return Edit{Msg: "added the action " + quote(a.Text) + " to the check-in of " + c.Date, ID: id, ops: o}, nil
}

// SetActionDone ticks or unticks an action item.
func SetActionDone(p *Pair, checkin, action string, done bool) (Edit, error) {
	c, ok := p.Checkin(checkin)
	if !ok {
		return Edit{}, invalidf("there is no check-in %q in this pair", checkin)
	}
	for _, a := range c.Actions {
		if a.ID == action {
			msg := "completed the action " + quote(a.Text)
			if !done {
				msg = "reopened the action " + quote(a.Text)
			}
			return Edit{Msg: msg, ID: action, ops: ops{set(path(kCheckins, checkin, kActions, action, kDone), done)}}, nil
		}
	}
	return Edit{}, invalidf("the check-in of %s has no action %q", c.Date, action)
}

// Rate records member's 1-5 rating and comment on a check-in. Each member
// has their own entry, so both can rate at once.
func Rate(p *Pair, checkin, member string, rating int, comment string, now time.Time) (Edit, error) {
	c, ok := p.Checkin(checkin)
	if !ok {
		return Edit{}, invalidf("there is no check-in %q in this pair", checkin)
	}
	if _, ok := p.Member(member); !ok {
		return Edit{}, invalidf("only a member of the pair can rate its check-ins")
	}
	if err := checkRating(rating); err != nil {
		return Edit{}, err
	}
	if err := checkText("the comment", comment); err != nil {
		return Edit{}, err
	}
	fp := path(kCheckins, checkin, kFeedback, member)
	o := ops{newMap(fp), set(append(fp, kRating), int64(rating)), set(append(fp, kComment), trim(comment)), set(append(fp, kAt), stamp(now))}
	return Edit{Msg: "rated the check-in of " + c.Date, ID: checkin, AfterClose: true, ops: o}, nil
}
