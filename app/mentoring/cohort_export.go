package mentoring

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

// HealthColumns are the columns of a cohort's health CSV, in order.
var HealthColumns = []string{"pair", "mentors", "mentees", "rhythm", "next check-in", "last contact", "cadence (days)", "check-ins", "agreement", "goals", "achieved", "progress (%)", "closed", "reported", "apps last heard", "quietest app (days)"}

// HealthRow is one pair's line of the health table, as of today.
func HealthRow(r Report, today time.Time) []string {
	rh := r.Rhythm(today)
	reported := ""
	if !r.Updated.IsZero() {
		reported = r.Updated.UTC().Format(time.RFC3339)
	}
	// When the members' apps were last heard from comes from inside the
	// pair, signed by their devices: a relay that stops passing one
	// member's changes on cannot make that member look active.
	quiet := ""
	if _, days, ok := r.Quietest(today); ok {
		quiet = strconv.Itoa(days)
	}
	return []string{
		r.Title, strings.Join(r.Mentors, "; "), strings.Join(r.Mentees, "; "), r.State(today), rh.Next, r.LastContact,
		strconv.Itoa(r.CadenceDays), strconv.Itoa(r.Checkins), r.Agreement(), strconv.Itoa(r.Goals),
		strconv.Itoa(r.Achieved), strconv.Itoa(r.Progress), strconv.FormatBool(r.Closed), reported,
		r.HeardText(today), quiet,
	}
}

// ExportHealthCSV writes one line per pair on the board, under a header
// line, for a spreadsheet.
func ExportHealthCSV(w io.Writer, b *Board, today time.Time) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(HealthColumns); err != nil {
		return err
	}
	for _, r := range b.Reports {
		row := HealthRow(r, today)
		for i, cell := range row {
			// A spreadsheet runs a cell that starts with one of these as a
			// formula; names and titles come from other people's machines.
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				row[i] = "'" + cell
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ExportProgrammeICS writes the cohort's events as an iCalendar file. An
// event with a time is a timed event in UTC, so every calendar shows it at
// the right hour in its owner's zone, with the join link and a reminder a
// quarter of an hour before; an event without one is all-day. UIDs are
// stable, so importing a newer export updates the events instead of adding
// copies.
func ExportProgrammeICS(w io.Writer, pr *Programme, today time.Time) error {
	cal := ics.NewCalendarFor("Pairwise")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(pr.Title)
	cal.SetXWRCalName(pr.Title)
	for _, ev := range pr.Events {
		d, err := time.Parse(DateLayout, ev.Date)
		if err != nil {
			continue // written by a newer or damaged replica: leave it out
		}
		e := cal.AddEvent(ev.ID + "@" + pr.ID + ".cohort.pairwise")
		e.SetDtStampTime(today.UTC())
		summary := ev.Title
		var desc []string
		if start, ok := ev.Start(); ok {
			e.SetStartAt(start)
			e.SetEndAt(start.Add(ev.Length()))
			// The planned time in the manager's words, for members who
			// talk it over with them.
			desc = append(desc, fmt.Sprintf("%s, %d minutes.", ev.SetIn(), int(ev.Length().Minutes())))
			a := e.AddAlarm()
			a.SetAction(ics.ActionDisplay)
			a.SetTrigger("-PT15M")
			a.SetProperty(ics.ComponentPropertyDescription, ev.Title+" starts in 15 minutes")
		} else {
			e.SetAllDayStartAt(d)
			e.SetAllDayEndAt(d.AddDate(0, 0, 1))
			if ev.Time != "" {
				// Planned before events had a zone: which 16:00 is unknown.
				summary = fmt.Sprintf("%s (%s)", ev.Title, ev.Time)
			}
		}
		e.SetSummary(summary + " — " + pr.Title)
		if u := ev.JoinURL(); u != "" {
			e.SetURL(u)
			e.SetLocation(ev.Link)
			desc = append(desc, "Join: "+ev.Link)
		}
		if ev.Details != "" {
			desc = append(desc, ev.Details)
		}
		if pr.Manager != "" {
			desc = append(desc, "Organised by "+pr.Manager+".")
		}
		e.SetDescription(strings.Join(desc, "\n\n"))
	}
	return cal.SerializeTo(w)
}
