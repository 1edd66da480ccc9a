// Package report lays out a pair as a PDF record to keep: the agreement,
// goals and outcomes, check-in history, wins and reflections.
package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"pairwise/app/mentoring"
	"pairwise/assets"
)

const (
	font    = "DejaVu"
	margin  = 18.0
	lineH   = 5.2
	accentR = 31
	accentG = 111
	accentB = 120
)

type doc struct {
	pdf *fpdf.Fpdf
	p   *mentoring.Pair
}

// PDF writes the pair's record. generated is printed in the footer.
func PDF(w io.Writer, p *mentoring.Pair, generated time.Time) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin)
	pdf.AddUTF8FontFromBytes(font, "", assets.Regular)
	pdf.AddUTF8FontFromBytes(font, "B", assets.Bold)
	pdf.SetTitle(p.Title, true)
	pdf.SetCreator("Pairwise", true)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont(font, "", 8)
		pdf.SetTextColor(120, 120, 120)
		pdf.CellFormat(0, 5, fmt.Sprintf("%s · record made %s · page %d", p.Title, generated.Format("2 January 2006"), pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	d := &doc{pdf: pdf, p: p}
	pdf.AddPage()
	d.title()
	d.agreement()
	d.goals()
	d.checkins()
	d.wins()
	d.reflections()
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("lay out the PDF: %w", err)
	}
	return pdf.Output(w)
}

func (d *doc) name(id string) string {
	if m, ok := d.p.Member(id); ok {
		return m.Name
	}
	return "someone"
}

func (d *doc) title() {
	pdf := d.pdf
	pdf.SetFont(font, "B", 20)
	pdf.SetTextColor(accentR, accentG, accentB)
	pdf.MultiCell(0, 9, d.p.Title, "", "L", false)
	pdf.SetTextColor(40, 40, 40)
	pdf.SetFont(font, "", 11)
	var who []string
	for _, m := range d.p.Members {
		who = append(who, fmt.Sprintf("%s (%s)", m.Name, m.Role))
	}
	pdf.MultiCell(0, 6, strings.Join(who, " and "), "", "L", false)
	if c := d.p.Closed; c != nil {
		pdf.MultiCell(0, 6, fmt.Sprintf("Closed by %s on %s.", d.name(c.By), c.At.Format("2 January 2006")), "", "L", false)
	}
	pdf.Ln(3)
}

func (d *doc) heading(s string) {
	pdf := d.pdf
	pdf.Ln(4)
	pdf.SetFont(font, "B", 14)
	pdf.SetTextColor(accentR, accentG, accentB)
	pdf.CellFormat(0, 8, s, "B", 1, "L", false, 0, "")
	pdf.SetTextColor(40, 40, 40)
	pdf.Ln(2)
}

func (d *doc) sub(s string) {
	d.pdf.SetFont(font, "B", 11)
	d.pdf.MultiCell(0, 6, s, "", "L", false)
}

func (d *doc) text(s string) {
	if strings.TrimSpace(s) == "" {
		return
	}
	d.pdf.SetFont(font, "", 10)
	d.pdf.MultiCell(0, lineH, s, "", "L", false)
}

func (d *doc) field(label, value string) {
	if strings.TrimSpace(value) == "" {
		return
	}
	d.pdf.SetFont(font, "B", 10)
	d.pdf.CellFormat(38, lineH, label, "", 0, "L", false, 0, "")
	d.pdf.SetFont(font, "", 10)
	d.pdf.MultiCell(0, lineH, value, "", "L", false)
}

func (d *doc) agreement() {
	a := d.p.Agreement
	d.heading("Agreement")
	if a.CadenceDays > 0 {
		d.field("Meetings", fmt.Sprintf("every %d days", a.CadenceDays))
	}
	d.field("Starts", a.Start)
	d.field("Ends", a.End)
	d.field("Review", a.Review)
	for _, c := range a.Channels {
		v := c.Purpose
		if c.ResponseHours > 0 {
			v += fmt.Sprintf(" (reply within %d h)", c.ResponseHours)
		}
		d.field(c.Kind, v)
	}
	d.field("Availability", a.Availability)
	d.field("Boundaries", a.Boundaries)
	d.field("Confidentiality", a.Confidentiality)
	d.field("Expectations", a.Expectations)
	for _, s := range a.Signatures {
		d.field("Signed", fmt.Sprintf("%s on %s (%s)", s.Name, s.At.Format("2 January 2006"), a.SignState(s.Member)))
	}
}

func (d *doc) goals() {
	d.heading("Goals and outcomes")
	if len(d.p.Goals) == 0 {
		d.text("No goals were recorded.")
	}
	for _, g := range d.p.Goals {
		d.sub(fmt.Sprintf("%s — %s, %.0f%% of milestones done", g.Title, g.Status, 100*g.Progress()))
		d.field("Why", g.Why)
		d.field("Success", g.Measure)
		d.field("Obstacles", g.Obstacles)
		d.field("Target", g.Target)
		for _, m := range g.Milestones {
			mark := "☐"
			if m.Done {
				mark = "☑"
			}
			line := mark + " " + m.Title
			if m.Due != "" {
				line += " (due " + m.Due + ")"
			}
			d.text("    " + line)
		}
		d.pdf.Ln(2)
	}
}

func (d *doc) checkins() {
	d.heading("Check-ins")
	if len(d.p.Checkins) == 0 {
		d.text("No check-ins were logged.")
	}
	for _, c := range d.p.Checkins {
		head := c.Date
		if c.Channel != "" {
			head += " · " + c.Channel
		}
		if c.Minutes > 0 {
			head += fmt.Sprintf(" · %d min", c.Minutes)
		}
		d.sub(head)
		d.field("Agenda", c.Agenda)
		d.text(c.Notes)
		for _, a := range c.Actions {
			mark := "☐"
			if a.Done {
				mark = "☑"
			}
			line := fmt.Sprintf("    %s %s", mark, a.Text)
			if a.Owner != "" {
				line += " — " + d.name(a.Owner)
			}
			d.text(line)
		}
		for _, f := range c.Feedback {
			line := fmt.Sprintf("%s rated it %d/5", d.name(f.Member), f.Rating)
			if f.Comment != "" {
				line += ": " + f.Comment
			}
			d.text("    " + line)
		}
		d.pdf.Ln(2)
	}
}

func (d *doc) wins() {
	if len(d.p.Wins) == 0 {
		return
	}
	d.heading("Wins")
	for _, w := range d.p.Wins {
		d.text(fmt.Sprintf("%s — %s (%s)", w.Date, w.Text, d.name(w.By)))
	}
}

func (d *doc) reflections() {
	if len(d.p.Reflections) == 0 {
		return
	}
	d.heading("Reflections")
	for _, r := range d.p.Reflections {
		kind := "Mid-point review"
		if r.Kind == mentoring.Closing {
			kind = "Closing reflection"
		}
		head := fmt.Sprintf("%s by %s, %s", kind, d.name(r.Member), r.At.Format("2 January 2006"))
		if r.Rating > 0 {
			head += fmt.Sprintf(" · rated the relationship %d/5", r.Rating)
		}
		d.pdf.SetFont(font, "B", 11)
		d.pdf.MultiCell(0, 6, head, "", "L", false)
		d.pdf.SetFont(font, "", 10)
		for _, q := range mentoring.ReflectionQuestions[r.Kind] {
			if a := r.Answers[q.ID]; a != "" {
				d.text(q.Text)
				d.text("    " + a)
			}
		}
		d.pdf.Ln(2)
	}
}
