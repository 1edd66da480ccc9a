package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"pairwise/app/mentoring"
)

// cohortCommands serve programme managers and the pairs in their cohorts.
var cohortCommands = []command{
	{name: "cohort new", summary: "start a cohort you will manage and print its ID",
		flags: func(fs *flag.FlagSet) {
			fs.String("title", "", "the cohort's name, e.g. \"Spring 2027\" (required)")
			fs.String("me", "", "your name as the cohort's members will see it (required)")
			fs.String("start", "", "first day, YYYY-MM-DD: with --end, plans a kickoff, a mid-point review and a closing event")
			fs.String("end", "", "last day, YYYY-MM-DD")
		}, run: cohortNew},
	{name: "cohort list", summary: "list the cohorts you manage or belong to", run: cohortList},
	{name: "cohort show", args: "COHORT", npos: 1, summary: "show a cohort's events, resources, roster and pairs", run: cohortShow},
	{name: "cohort invite", args: "COHORT", npos: 1, summary: "print the code members join the cohort with",
		flags: func(fs *flag.FlagSet) {
			fs.Bool("manager", false, "a code for a co-manager, or your other computer: it can change the programme too")
		}, run: cohortInvite},
	{name: "cohort join", args: "CODE", npos: 1, summary: "join a cohort from its invite code and print its ID", flags: insecureFlag, run: cohortJoin},
	{name: "cohort link", args: "PAIR COHORT", npos: 2, summary: "put a pair in a cohort: its manager then sees the pair's health, never its content", run: cohortLink},
	{name: "cohort leave", args: "PAIR", npos: 1, summary: "take a pair out of its cohort", run: cohortLeave},
	{name: "cohort event add", args: "COHORT", npos: 1, summary: "plan a cohort event and print its ID",
		flags: func(fs *flag.FlagSet) {
			fs.String("kind", "other", strings.Join(mentoring.EventKinds, ", "))
			fs.String("title", "", "what it is (required)")
			fs.String("date", "", "when, YYYY-MM-DD (required)")
			fs.String("time", "", "start time, HH:MM (without it, the event is all day)")
			fs.String("tz", "", "time zone of --time, e.g. Europe/Lisbon (default: this computer's)")
			fs.String("duration", "", "how long, e.g. 45m or 1h30m (default 60m)")
			fs.String("link", "", "where to join: https://... or a phone number")
			fs.String("details", "", "what to prepare")
		}, run: cohortEventAdd},
	{name: "cohort event remove", args: "COHORT EVENT", npos: 2, summary: "cancel a cohort event", run: cohortRemove(mentoring.RemoveEvent)},
	{name: "cohort resource add", args: "COHORT", npos: 1, summary: "share training material or a link and print its ID",
		flags: func(fs *flag.FlagSet) {
			fs.String("title", "", "what it is (required)")
			fs.String("link", "", "web address, https://...")
			fs.String("note", "", "why it is worth reading")
		}, run: cohortResourceAdd},
	{name: "cohort resource remove", args: "COHORT RESOURCE", npos: 2, summary: "stop sharing a resource", run: cohortRemove(mentoring.RemoveResource)},
	{name: "cohort roster add", args: "COHORT", npos: 1, summary: "put someone on the cohort's roster and print their ID",
		flags: func(fs *flag.FlagSet) {
			fs.String("name", "", "their name (required)")
			fs.String("role", "", "mentor or mentee (required)")
			fs.String("contact", "", "email or phone")
		}, run: cohortRosterAdd},
	{name: "cohort roster remove", args: "COHORT PERSON", npos: 2, summary: "take someone off the roster", run: cohortRemove(mentoring.RemovePerson)},
	{name: "cohort remove", args: "COHORT", npos: 1, summary: "remove a cohort from this computer (the relay and others keep it)",
		flags: removeFlags, run: remove},
	{name: "cohort export", args: "COHORT", npos: 1, summary: "write the pairs' health as CSV or the events as an iCalendar file",
		flags: func(fs *flag.FlagSet) {
			fs.String("format", "csv", "csv (health of every pair) or ics (the cohort's events)")
			fs.String("out", "", "file to write (default: standard output)")
		}, run: cohortExport},
}

func cohortNew(e *env, _ []string) error {
	if err := required(e, "title", "me"); err != nil {
		return err
	}
	ws, err := e.open()
	if err != nil {
		return err
	}
	id, err := ws.NewCohort(e.str("title"), e.str("me"), e.str("start"), e.str("end"))
	if err != nil {
		return err
	}
	e.println(id)
	return nil
}

func cohortList(e *env, _ []string) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	list, err := ws.Cohorts()
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(e.stderr, "No cohorts: start one with 'pairwise cohort new' or join one with 'pairwise cohort join CODE'.")
		return nil
	}
	for _, c := range list {
		role := "member"
		if c.Manager {
			role = "you manage it"
		}
		line := fmt.Sprintf("%s  %s  (%s; %s reporting)", c.ID, c.Title, role, plural(c.Pairs, "pair"))
		if !c.Ready {
			line = fmt.Sprintf("%s  (waiting for the first sync)", c.ID)
		}
		e.println(line)
	}
	return nil
}

func cohortShow(e *env, pos []string) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	pr, err := ws.Programme(pos[0])
	if err != nil {
		return err
	}
	e.println(fmt.Sprintf("%s — run by %s", pr.Title, pr.Manager))
	e.println("\nEvents:")
	if len(pr.Events) == 0 {
		e.println("  none planned yet")
	}
	for _, ev := range pr.Events {
		line := fmt.Sprintf("  %s  %s  %s (%s)", ev.ID, ev.When(time.Local), ev.Title, ev.Kind)
		if _, ok := ev.Start(); ok {
			line += fmt.Sprintf(", %d min", int(ev.Length().Minutes()))
		}
		if ev.Link != "" {
			line += "  " + ev.Link
		}
		e.println(line)
	}
	e.println("\nResources:")
	if len(pr.Resources) == 0 {
		e.println("  none shared yet")
	}
	for _, r := range pr.Resources {
		line := fmt.Sprintf("  %s  %s", r.ID, r.Title)
		if r.Link != "" {
			line += "  " + r.Link
		}
		e.println(line)
	}
	if len(pr.Roster) > 0 {
		e.println("\nRoster:")
		for _, p := range pr.Roster {
			e.println(fmt.Sprintf("  %s  %s (%s)  %s", p.ID, p.Name, p.Role, p.Contact))
		}
	}
	b, err := ws.Board(pos[0])
	if err != nil {
		return nil // the board has not arrived yet: the programme is all there is to show
	}
	e.println("\nPairs:")
	if len(b.Reports) == 0 {
		e.println("  no pair has linked to this cohort yet ('pairwise cohort link PAIR COHORT')")
	}
	today := ws.Now()
	mentoring.ByAttention(b.Reports, today)
	for _, r := range b.Reports {
		line := fmt.Sprintf("  %s (%s): %s; agreement %s; %d of %d goals achieved, %d%% overall",
			r.Title, r.People(), r.State(today), r.Agreement(), r.Achieved, r.Goals, r.Progress)
		if heard := r.HeardText(today); heard != "" {
			line += "; apps last synced: " + heard
		}
		e.println(line)
	}
	for _, p := range mentoring.NotJoined(pr, b) {
		e.println(fmt.Sprintf("  %s (%s): on the roster, not in a linked pair yet", p.Name, p.Role))
	}
	return nil
}

func cohortInvite(e *env, pos []string) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	code, err := ws.CohortInvite(pos[0], e.str("manager") == "true")
	if err != nil {
		return err
	}
	e.println(code)
	return nil
}

func cohortJoin(e *env, pos []string) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	if err := checkJoin(e, ws, pos[0], true); err != nil {
		return err
	}
	id, err := ws.JoinCohort(pos[0])
	if err != nil {
		return err
	}
	e.println(id)
	return nil
}

func cohortLink(e *env, pos []string) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	if err := ws.LinkPair(pos[0], pos[1]); err != nil {
		return err
	}
	fmt.Fprintln(e.stderr, "Linked. The cohort's manager will see this pair's names, meeting rhythm, whether the agreement is signed, and how many goals are done — never what you write.")
	return nil
}

func cohortLeave(e *env, pos []string) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	if _, err := ws.Programme(pos[0]); err == nil || errors.Is(err, mentoring.ErrNotReady) {
		return usagef("%s is a cohort: give the pair to take out of it, as in 'pairwise cohort leave PAIR' ('pairwise pair list' shows your pairs)", pos[0])
	}
	return ws.UnlinkPair(pos[0])
}

func cohortEdit(e *env, id string, build func(pr *mentoring.Programme) (mentoring.Edit, error)) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	created, err := ws.EditCohort(id, build)
	if err != nil {
		return err
	}
	if created != "" {
		e.println(created)
	}
	return nil
}

func cohortEventAdd(e *env, pos []string) error {
	if err := required(e, "title", "date"); err != nil {
		return err
	}
	in := mentoring.EventInput{Kind: e.str("kind"), Title: e.str("title"), Date: e.str("date"), Time: e.str("time"),
		Zone: e.str("tz"), Link: e.str("link"), Details: e.str("details")}
	if in.Time == "" && (e.set("tz") || e.set("duration")) {
		return usagef("--tz and --duration say when a timed event happens: give its start with --time HH:MM too, or leave them out for an all-day event")
	}
	if in.Zone == "" {
		in.Zone = mentoring.LocalZoneName()
	}
	var err error
	if in.Minutes, err = durationMinutes(e.str("duration")); err != nil {
		return err
	}
	return cohortEdit(e, pos[0], func(*mentoring.Programme) (mentoring.Edit, error) { return mentoring.AddEvent(in) })
}

// durationMinutes reads a --duration flag, written as Go writes durations
// (45m, 1h30m) or as a bare number of minutes; "" is 0, the default.
func durationMinutes(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		s = strconv.Itoa(n) + "m"
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d%time.Minute != 0 {
		return 0, usagef("--duration %q is not a length in whole minutes: write it like 45m, 90m or 1h30m", s)
	}
	return int(d / time.Minute), nil
}

func cohortResourceAdd(e *env, pos []string) error {
	if err := required(e, "title"); err != nil {
		return err
	}
	return cohortEdit(e, pos[0], func(*mentoring.Programme) (mentoring.Edit, error) {
		return mentoring.AddResource(e.str("title"), e.str("link"), e.str("note"), e.ws.Now())
	})
}

func cohortRosterAdd(e *env, pos []string) error {
	if err := required(e, "name", "role"); err != nil {
		return err
	}
	return cohortEdit(e, pos[0], func(*mentoring.Programme) (mentoring.Edit, error) {
		return mentoring.AddPerson(e.str("name"), mentoring.Role(e.str("role")), e.str("contact"))
	})
}

func cohortRemove(remove func(pr *mentoring.Programme, id string) (mentoring.Edit, error)) func(*env, []string) error {
	return func(e *env, pos []string) error {
		return cohortEdit(e, pos[0], func(pr *mentoring.Programme) (mentoring.Edit, error) { return remove(pr, pos[1]) })
	}
}

func cohortExport(e *env, pos []string) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	return e.writeOut(e.str("out"), func(w io.Writer) error { return ws.ExportCohort(pos[0], e.str("format"), w) })
}

func removeFlags(fs *flag.FlagSet) {
	fs.Bool("force", false, "remove even if changes made here have not reached the relay (they are lost)")
}

// remove deletes a pair or a cohort from this computer.
func remove(e *env, pos []string) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	if err := ws.Remove(pos[0], e.str("force") == "true"); err != nil {
		return err
	}
	fmt.Fprintln(e.stderr, "Removed from this computer. Your partner's copy and the relay's are unchanged; joining again from an invite brings it back.")
	return nil
}
