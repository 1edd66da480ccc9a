package workspace

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"pairwise/app/mentoring"
)

// How long before a scheduled meeting its reminders come is each member's
// choice, kept with this computer's settings: the partner never sees it,
// and a member with two computers chooses on each.

// DefaultReminderLeads are the reminders of a member who has not chosen:
// a day before, to plan, and a quarter of an hour before, to join.
var DefaultReminderLeads = []time.Duration{15 * time.Minute, 24 * time.Hour}

// Limits of the reminder times a member may choose.
const (
	MaxReminderLeads = 4
	MinReminderLead  = time.Minute
	MaxReminderLead  = 7 * 24 * time.Hour
)

// ReminderLeads returns how long before each scheduled meeting this
// member is reminded, shortest first.
func (w *Workspace) ReminderLeads() []time.Duration {
	w.mu.Lock()
	mins := w.settings.ReminderLeads
	w.mu.Unlock()
	if len(mins) == 0 {
		return slices.Clone(DefaultReminderLeads)
	}
	out := make([]time.Duration, 0, len(mins))
	for _, m := range mins {
		if d := time.Duration(m) * time.Minute; d >= MinReminderLead && d <= MaxReminderLead {
			out = append(out, d)
		}
	}
	if len(out) == 0 { // an edited or damaged settings file
		return slices.Clone(DefaultReminderLeads)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// SetReminderLeads chooses how long before each scheduled meeting this
// member is reminded: one to MaxReminderLeads times, each in whole
// minutes from MinReminderLead to MaxReminderLead. The same time given
// twice counts once.
func (w *Workspace) SetReminderLeads(leads []time.Duration) error {
	leads = slices.Clone(leads)
	slices.Sort(leads)
	leads = slices.Compact(leads)
	switch {
	case len(leads) == 0:
		return mentoring.Invalidf("choose at least one time to be reminded before a meeting, such as 15 minutes before")
	case len(leads) > MaxReminderLeads:
		return mentoring.Invalidf("you chose %d reminder times: choose at most %d, such as 15 minutes and 1 day before", len(leads), MaxReminderLeads)
	}
	mins := make([]int, 0, len(leads))
	for _, d := range leads {
		if d < MinReminderLead || d > MaxReminderLead {
			return mentoring.Invalidf("a reminder %s before a meeting is outside what Pairwise offers: choose from 1 minute to 7 days before", LeadText(d))
		}
		if d%time.Minute != 0 {
			return mentoring.Invalidf("a reminder %s before a meeting is not a whole number of minutes: round it to the minute", d)
		}
		mins = append(mins, int(d/time.Minute))
	}
	return w.UpdateSettings(func(s *Settings) { s.ReminderLeads = mins })
}

// LeadText names a reminder time as a member reads it: "15 minutes",
// "1 hour", "1 day", "1 day 2 hours".
func LeadText(d time.Duration) string {
	if d < time.Minute {
		return d.String()
	}
	var parts []string
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}} {
		n := int(d / u.d)
		d -= time.Duration(n) * u.d
		switch {
		case n == 1:
			parts = append(parts, "1 "+u.name)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %ss", n, u.name))
		}
	}
	return strings.Join(parts, " ")
}
