package mentoring

import (
	"fmt"
	"strings"
)

// PartText is the part of p as readable text, field by field, as the
// version history shows it; false when p does not hold the part.
func PartText(p *Pair, pt Part) (string, bool) {
	v, ok := pt.Of(p)
	if !ok {
		return "", false
	}
	var b strings.Builder
	field := func(name, value string) {
		if strings.Contains(value, "\n") {
			fmt.Fprintf(&b, "%s:\n    %s\n", name, strings.ReplaceAll(value, "\n", "\n    "))
		} else {
			if value == "" {
				value = "(none)"
			}
			fmt.Fprintf(&b, "%s: %s\n", name, value)
		}
	}
	switch x := v.(type) {
	case Agreement:
		b.WriteString("The agreement\n")
		field("meeting every (days)", cadence(x.CadenceDays))
		for _, c := range x.Channels {
			field("channel "+c.Kind, describeChannel(c))
		}
		field("availability", x.Availability)
		field("boundaries", x.Boundaries)
		field("confidentiality", x.Confidentiality)
		field("expectations", x.Expectations)
		field("start date", x.Start)
		field("end date", x.End)
		field("review date", x.Review)
		for _, s := range x.Signatures {
			state := "this version"
			if s.Version != x.Version() {
				state = "an earlier version"
			}
			field("signed by "+s.Name, state+", on "+s.At.Local().Format(DateLayout))
		}
	case Goal:
		b.WriteString("The goal " + quote(x.Title) + "\n")
		field("title", x.Title)
		field("why", x.Why)
		field("success measure", x.Measure)
		field("obstacles", x.Obstacles)
		field("status", string(x.Status))
		field("target date", x.Target)
		for _, m := range x.Milestones {
			done := "to do"
			if m.Done {
				done = "done"
			}
			field("milestone "+quote(m.Title), strings.TrimSpace(done+" "+m.Due))
		}
	case Checkin:
		b.WriteString("The check-in of " + x.Date + "\n")
		field("agenda", x.Agenda)
		field("notes", x.Notes)
		for _, a := range x.Actions {
			done := "to do"
			if a.Done {
				done = "done"
			}
			field("action "+quote(a.Text), done)
		}
	}
	return b.String(), true
}
