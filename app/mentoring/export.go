package mentoring

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// ExportJSON writes every field of the pair as indented JSON. The output
// depends only on the document's content, so two replicas that hold the same
// changes write identical bytes.
func ExportJSON(w io.Writer, p *Pair) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("export json: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ExportMarkdown writes the pair as a record a person would keep.
func ExportMarkdown(w io.Writer, p *Pair) error {
	var b strings.Builder
	name := func(id string) string {
		if m, ok := p.Member(id); ok {
			return m.Name
		}
		return "someone"
	}
	fmt.Fprintf(&b, "# %s\n\n", p.Title)
	for _, m := range p.Members {
		fmt.Fprintf(&b, "- **%s**, %s", m.Name, m.Role)
		if m.TimeZone != "" {
			fmt.Fprintf(&b, " (%s)", m.TimeZone)
		}
		fmt.Fprintf(&b, ", joined %s\n", m.Joined.Format(DateLayout))
	}

	a := p.Agreement
	b.WriteString("\n## Agreement\n\n")
	if a.CadenceDays > 0 {
		fmt.Fprintf(&b, "- Meet every %d days\n", a.CadenceDays)
	}
	for _, d := range []struct{ what, v string }{{"Starts", a.Start}, {"Ends", a.End}, {"Review", a.Review}} {
		if d.v != "" {
			fmt.Fprintf(&b, "- %s: %s\n", d.what, d.v)
		}
	}
	for _, c := range a.Channels {
		fmt.Fprintf(&b, "- %s: %s", c.Kind, c.Purpose)
		if c.ResponseHours > 0 {
			fmt.Fprintf(&b, " (answer within %d h)", c.ResponseHours)
		}
		b.WriteString("\n")
	}
	for _, t := range []struct{ what, v string }{{"Availability", a.Availability}, {"Boundaries", a.Boundaries}, {"Confidentiality", a.Confidentiality}, {"Expectations", a.Expectations}} {
		if t.v != "" {
			fmt.Fprintf(&b, "\n### %s\n\n%s\n", t.what, t.v)
		}
	}
	if len(a.Signatures) > 0 {
		b.WriteString("\n")
		for _, s := range a.Signatures {
			fmt.Fprintf(&b, "- Signed by %s on %s (%s)\n", s.Name, s.At.Format(DateLayout), a.SignState(s.Member))
		}
	}

	b.WriteString("\n## Goals\n")
	if len(p.Goals) == 0 {
		b.WriteString("\nNo goals yet.\n")
	}
	for _, g := range p.Goals {
		fmt.Fprintf(&b, "\n### %s\n\n- Status: %s, %.0f%% of milestones done\n", g.Title, g.Status, 100*g.Progress())
		if g.Target != "" {
			fmt.Fprintf(&b, "- Target: %s\n", g.Target)
		}
		for _, f := range []struct{ what, v string }{{"Why", g.Why}, {"Success looks like", g.Measure}, {"Obstacles", g.Obstacles}} {
			if f.v != "" {
				fmt.Fprintf(&b, "- %s: %s\n", f.what, oneLine(f.v))
			}
		}
		for _, m := range g.Milestones {
			fmt.Fprintf(&b, "- [%s] %s", tick(m.Done), m.Title)
			if m.Due != "" {
				fmt.Fprintf(&b, " (due %s)", m.Due)
			}
			b.WriteString("\n")
		}
	}

	var scheduled []Meeting
	for _, m := range p.Meetings {
		if !m.Cancelled && m.Checkin == "" {
			scheduled = append(scheduled, m)
		}
	}
	if len(scheduled) > 0 {
		b.WriteString("\n## Scheduled check-ins\n\n")
		for _, m := range scheduled {
			fmt.Fprintf(&b, "- %s %s (%s UTC), %d min", m.Local, m.Zone, m.At.UTC().Format(WallLayout), m.Minutes)
			if m.Channel != "" {
				fmt.Fprintf(&b, ", %s", m.Channel)
			}
			if m.Link != "" {
				fmt.Fprintf(&b, ", %s", m.Link)
			}
			if m.Agenda != "" {
				fmt.Fprintf(&b, ": %s", oneLine(m.Agenda))
			}
			b.WriteString("\n")
		}
	}

	b.WriteString("\n## Check-ins\n")
	if len(p.Checkins) == 0 {
		b.WriteString("\nNo check-ins yet.\n")
	}
	for i := len(p.Checkins) - 1; i >= 0; i-- {
		c := p.Checkins[i]
		fmt.Fprintf(&b, "\n### %s", c.Date)
		if c.Channel != "" {
			fmt.Fprintf(&b, ", %s", c.Channel)
		}
		if c.Minutes > 0 {
			fmt.Fprintf(&b, ", %d min", c.Minutes)
		}
		b.WriteString("\n\n")
		if c.Agenda != "" {
			fmt.Fprintf(&b, "Agenda: %s\n\n", oneLine(c.Agenda))
		}
		if c.Notes != "" {
			fmt.Fprintf(&b, "%s\n\n", c.Notes)
		}
		for _, a := range c.Actions {
			fmt.Fprintf(&b, "- [%s] %s", tick(a.Done), a.Text)
			if a.Owner != "" {
				fmt.Fprintf(&b, " — %s", name(a.Owner))
			}
			if a.Due != "" {
				fmt.Fprintf(&b, ", due %s", a.Due)
			}
			b.WriteString("\n")
		}
		for _, f := range c.Feedback {
			fmt.Fprintf(&b, "- %s rated it %d/5", name(f.Member), f.Rating)
			if f.Comment != "" {
				fmt.Fprintf(&b, ": %s", oneLine(f.Comment))
			}
			b.WriteString("\n")
		}
	}

	if len(p.Wins) > 0 {
		b.WriteString("\n## Wins\n\n")
		for _, win := range p.Wins {
			fmt.Fprintf(&b, "- %s: %s (%s)\n", win.Date, win.Text, name(win.By))
		}
	}
	if len(p.Messages) > 0 {
		b.WriteString("\n## Messages\n\n")
		for _, m := range p.Messages {
			fmt.Fprintf(&b, "- %s, %s: %s\n", m.At.Format("2006-01-02 15:04"), name(m.By), oneLine(m.Text))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func tick(done bool) string {
	if done {
		return "x"
	}
	return " "
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
