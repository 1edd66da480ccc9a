package workspace

import (
	"fmt"
	"strings"
	"time"

	"pairwise/app/mentoring"
)

// unread counts the partner's messages newer than what was read here.
func unread(p *mentoring.Pair, meta Meta) int {
	n := 0
	for _, m := range p.Messages {
		if m.By != meta.Actor && m.At.After(meta.Seen) {
			n++
		}
	}
	return n
}

// MarkRead records that every message of the pair so far has been read.
func (w *Workspace) MarkRead(id string) error {
	p, err := w.Pair(id)
	if err != nil {
		return err
	}
	var last time.Time
	for _, m := range p.Messages {
		if m.At.After(last) {
			last = m.At
		}
	}
	meta, err := w.Meta(id)
	if err != nil || !last.After(meta.Seen) {
		return err
	}
	if err := w.SetMeta(id, func(m *Meta) { m.Seen = last }); err != nil {
		return err
	}
	w.notify(id)
	return nil
}

// PairNudge is a reminder due for one pair.
type PairNudge struct {
	Pair string
	mentoring.Nudge
}

// DueNudges returns the reminders to show now, one per occasion: the
// pairs' rhythm, skipping pairs whose reminders are off or snoozed; the
// cohorts' events; and the scheduled meetings (see DueMeetingReminders).
func (w *Workspace) DueNudges(now time.Time) ([]PairNudge, error) {
	ids, err := w.PairIDs()
	if err != nil {
		return nil, err
	}
	today := now.Format(mentoring.DateLayout)
	var out []PairNudge
	for _, id := range ids {
		meta, err := w.Meta(id)
		if err != nil {
			return nil, err
		}
		if meta.NudgesOff || (meta.SnoozeUntil != "" && today < meta.SnoozeUntil) {
			continue
		}
		p, err := w.Pair(id)
		if err != nil {
			continue // not arrived yet
		}
		if n, ok := mentoring.NudgeFor(p, now); ok && n.Key != meta.LastNudge {
			out = append(out, PairNudge{Pair: id, Nudge: n})
		}
	}
	// And the cohorts' events, the day before and on the day.
	cohorts, err := w.Cohorts()
	if err != nil {
		return nil, err
	}
	for _, c := range cohorts {
		meta, err := w.Meta(c.ID)
		if err != nil || meta.NudgesOff || (meta.SnoozeUntil != "" && today < meta.SnoozeUntil) {
			continue
		}
		pr, err := w.Programme(c.ID)
		if err != nil {
			continue // not arrived yet
		}
		if n, ok := mentoring.EventNudge(pr, now); ok && n.Key != meta.LastNudge {
			out = append(out, PairNudge{Pair: c.ID, Nudge: n})
		}
	}
	meetings, err := w.DueMeetingReminders(now)
	return append(out, meetings...), err
}

// Nudged records that a reminder was shown, so it is not shown again.
func (w *Workspace) Nudged(id, key string) error {
	if strings.HasPrefix(key, meetingKeyPrefix) {
		return w.reminded(id, key)
	}
	return w.SetMeta(id, func(m *Meta) { m.LastNudge = key })
}

// SetNudges turns a pair's reminders on or off, or snoozes them for days
// (counted from now). It returns a sentence describing the new setting.
func (w *Workspace) SetNudges(id string, on bool, snoozeDays int, now time.Time) (string, error) {
	if snoozeDays < 0 || snoozeDays > 365 {
		return "", mentoring.Invalidf("snooze for between 1 and 365 days, not %d", snoozeDays)
	}
	what, meetings := "this pair", " (scheduled meetings still remind you)"
	if h, err := w.get(id); err == nil && h.kind != "" {
		what, meetings = "this cohort's events", ""
	}
	var desc string
	err := w.SetMeta(id, func(m *Meta) {
		m.NudgesOff = !on
		m.SnoozeUntil = ""
		switch {
		case !on:
			desc = "Reminders are off for " + what + meetings + "."
		case snoozeDays > 0:
			m.SnoozeUntil = now.AddDate(0, 0, snoozeDays).Format(mentoring.DateLayout)
			desc = fmt.Sprintf("Reminders are snoozed until %s%s.", m.SnoozeUntil, meetings)
		default:
			desc = "Reminders are on for " + what + "."
		}
	})
	return desc, err
}
