package workspace

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"pairwise/app/mentoring"
)

// Reminders before scheduled meetings.
//
// Each reminder is one occasion, keyed by the meeting, its Sequence and
// the lead (see reminderKey): a moved meeting reminds again at its new
// time, and each lead fires once. The keys shown are kept in the pair's
// Meta, on this computer only.
//
// Of a meeting's leads, only the nearest whose moment has come is due: a
// computer that was off or asleep through the day-before reminder gives
// the quarter-of-an-hour one alone, not both at once, and one that wakes
// after the meeting began gives none.
//
// Meeting reminders do not follow a pair's rhythm reminders (Meta.NudgesOff
// and SnoozeUntil): a member who scheduled a meeting, or was invited to
// one, asked to be there. A member who answered "can't make it" is not
// reminded, nor is one who only reads the pair.

// meetingKeyPrefix starts the key of every meeting reminder, which the
// keys of rhythm and cohort reminders never do.
const meetingKeyPrefix = "meeting:"

// occasion is the part of a reminder's key that changes when the meeting
// moves.
func occasion(m mentoring.Meeting) string {
	return fmt.Sprintf("%s%s:%d:", meetingKeyPrefix, m.ID, m.Sequence)
}

func reminderKey(m mentoring.Meeting, lead time.Duration) string {
	return fmt.Sprintf("%s%d", occasion(m), lead/time.Minute)
}

// remindable returns the meetings of p that may remind member me: still
// to start, neither cancelled nor logged, and not declined.
func remindable(p *mentoring.Pair, me string, now time.Time) []mentoring.Meeting {
	if p.IsClosed() {
		return nil
	}
	if _, ok := p.Member(me); !ok {
		return nil
	}
	var out []mentoring.Meeting
	for _, m := range p.Upcoming(now) {
		if now.Before(m.At) && m.Attendance[me] != mentoring.NotGoing {
			out = append(out, m)
		}
	}
	return out
}

// currentLead is the shortest of leads (sorted shortest first) whose
// moment before at has come by now.
func currentLead(at time.Time, leads []time.Duration, now time.Time) (time.Duration, bool) {
	for _, l := range leads {
		if !now.Before(at.Add(-l)) {
			return l, true
		}
	}
	return 0, false
}

// eachRemindable calls fn for every pair this member may be reminded of,
// with what this machine knows of it.
func (w *Workspace) eachRemindable(now time.Time, fn func(id string, meta Meta, p *mentoring.Pair, ms []mentoring.Meeting)) error {
	ids, err := w.PairIDs()
	if err != nil {
		return err
	}
	for _, id := range ids {
		meta, err := w.Meta(id)
		if err != nil {
			return err
		}
		p, err := w.Pair(id)
		if err != nil {
			continue // not arrived yet, or being rebuilt
		}
		if ms := remindable(p, meta.Actor, now); len(ms) > 0 {
			fn(id, meta, p, ms)
		}
	}
	return nil
}

// DueMeetingReminders returns the reminders of scheduled meetings to show
// now, each not shown before. The times in them are in the member's zone
// as the agreement gives it, else this computer's.
func (w *Workspace) DueMeetingReminders(now time.Time) ([]PairNudge, error) {
	leads := w.ReminderLeads()
	var out []PairNudge
	err := w.eachRemindable(now, func(id string, meta Meta, p *mentoring.Pair, ms []mentoring.Meeting) {
		for _, m := range ms {
			lead, ok := currentLead(m.At, leads, now)
			if !ok {
				continue
			}
			key := reminderKey(m, lead)
			if slices.Contains(meta.Reminded, key) {
				continue
			}
			n := mentoring.MeetingReminder(p, m, meta.Actor, time.Local, now)
			n.Key = key
			out = append(out, PairNudge{Pair: id, Nudge: n})
		}
	})
	return out, err
}

// NextReminderAt returns the next moment after now at which a meeting
// reminder falls due, if any meeting is scheduled.
func (w *Workspace) NextReminderAt(now time.Time) (time.Time, bool) {
	leads := w.ReminderLeads()
	var next time.Time
	_ = w.eachRemindable(now, func(_ string, _ Meta, _ *mentoring.Pair, ms []mentoring.Meeting) {
		for _, m := range ms {
			for _, l := range leads {
				if t := m.At.Add(-l); t.After(now) && (next.IsZero() || t.Before(next)) {
					next = t
				}
			}
		}
	})
	return next, !next.IsZero()
}

// reminded records that a meeting reminder was shown. The keys of meetings
// no longer to come at the workspace's clock, or since moved, are dropped
// so the list stays as short as the pair's upcoming meetings.
func (w *Workspace) reminded(id, key string) error {
	var live []string // occasions still to come; nil keeps every key
	if p, err := w.Pair(id); err == nil {
		live = []string{}
		for _, m := range p.Upcoming(w.Now()) {
			live = append(live, occasion(m))
		}
	}
	return w.SetMeta(id, func(m *Meta) {
		keep := make([]string, 0, len(m.Reminded)+1)
		for _, k := range m.Reminded {
			if k == key {
				continue
			}
			if live == nil || slices.ContainsFunc(live, func(o string) bool { return strings.HasPrefix(k, o) }) {
				keep = append(keep, k)
			}
		}
		m.Reminded = append(keep, key)
	})
}
