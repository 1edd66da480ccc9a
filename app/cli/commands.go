package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

var commands []command

func init() {
	commands = []command{
		{name: "pair new", summary: "create a pair and print its ID", npos: 0,
			flags: func(fs *flag.FlagSet) {
				fs.String("title", "", "the pair's title, e.g. \"Ana & Ben 2027\" (required)")
				fs.String("me", "", "your name as your partner will see it (required)")
				fs.String("role", "", "your role: mentor or mentee (required)")
				fs.String("tz", "", "your time zone, e.g. Europe/Berlin")
			},
			run: pairNew},
		{name: "pair list", summary: "list the pairs in the data folder", run: pairList},
		{name: "goal add", args: "PAIR", npos: 1, summary: "add a goal and print its ID", flags: goalFlags, run: goalAdd},
		{name: "goal set", args: "PAIR GOAL", npos: 2, summary: "change a goal's status or fields", flags: goalFlags, run: goalSet},
		{name: "goal remove", args: "PAIR GOAL", npos: 2, summary: "remove a goal", run: goalRemove},
		{name: "goal list", args: "PAIR", npos: 1, summary: "list a pair's goals with their IDs", run: goalList},
		{name: "milestone add", args: "PAIR GOAL", npos: 2, summary: "add a milestone to a goal and print its ID",
			flags: func(fs *flag.FlagSet) {
				fs.String("title", "", "what the step is (required)")
				fs.String("due", "", "due date, YYYY-MM-DD")
			}, run: milestoneAdd},
		{name: "milestone done", args: "PAIR GOAL MILESTONE", npos: 3, summary: "tick a milestone (--undo to untick)",
			flags: func(fs *flag.FlagSet) { fs.Bool("undo", false, "mark it not done again") }, run: milestoneDone},
		{name: "agreement set", args: "PAIR", npos: 1, summary: "change the mentoring agreement", flags: agreementFlags, run: agreementSet},
		{name: "agreement sign", args: "PAIR", npos: 1, summary: "sign the current version of the agreement", run: agreementSign},
		{name: "checkin add", args: "PAIR", npos: 1, summary: "log a check-in and print its ID",
			flags: func(fs *flag.FlagSet) {
				fs.String("date", "", "when it happened, YYYY-MM-DD (required unless --meeting is given)")
				fs.String("channel", "", "video, phone, email, chat or in-person")
				fs.Int("minutes", 0, "how long it took")
				fs.String("agenda", "", "what you planned to talk about")
				fs.String("meeting", "", "the scheduled meeting this logs: its date, channel, length and agenda fill in what you do not give")
				fs.String("notes", "", "shared notes")
				fs.Var(&multi{}, "action", "an action item, as TEXT or TEXT;DUE (repeatable)")
			}, run: checkinAdd},
		{name: "checkin rate", args: "PAIR CHECKIN", npos: 2, summary: "rate a check-in from 1 to 5",
			flags: func(fs *flag.FlagSet) {
				fs.Int("rating", 0, "1 (poor) to 5 (excellent) (required)")
				fs.String("comment", "", "a sentence of feedback")
			}, run: checkinRate},
		{name: "win add", args: "PAIR", npos: 1, summary: "record an accomplishment and print its ID",
			flags: func(fs *flag.FlagSet) {
				fs.String("text", "", "what was achieved (required)")
				fs.String("date", "", "when, YYYY-MM-DD (default today)")
			}, run: winAdd},
		{name: "message send", args: "PAIR", npos: 1, summary: "send your partner a short message",
			flags: func(fs *flag.FlagSet) { fs.String("text", "", "the message (required)") }, run: messageSend},
		{name: "export", args: "PAIR", npos: 1, summary: "write the pair as JSON, Markdown, an iCalendar file or a PDF record",
			flags: func(fs *flag.FlagSet) {
				fs.String("format", "md", "json, md, ics (calendar) or pdf (needs --out)")
				fs.String("out", "", "file to write (default: standard output)")
			}, run: export},
	}
	commands = append(commands, meetingCommands...)
	commands = append(commands, syncCommands...)
	commands = append(commands, bundleCommands...)
	commands = append(commands, practiceCommands...)
	commands = append(commands, cohortCommands...)
	commands = append(commands, historyCommands...)
	commands = append(commands, logCommand)
	commands = append(commands, backupCommands...)
}

func goalFlags(fs *flag.FlagSet) {
	fs.String("title", "", "what the goal is")
	fs.String("why", "", "why it matters")
	fs.String("measure", "", "how you will know it is achieved")
	fs.String("obstacles", "", "what stands in the way")
	fs.String("status", "", "not-started, in-progress, achieved or dropped")
	fs.String("due", "", "target date, YYYY-MM-DD")
}

func agreementFlags(fs *flag.FlagSet) {
	fs.Int("cadence-days", 0, "meet every N days (14 to 28 suits most pairs)")
	fs.String("availability", "", "when each of you is available")
	fs.String("boundaries", "", "what is in and out of scope")
	fs.String("confidentiality", "", "what stays between you")
	fs.String("expectations", "", "what you expect of each other")
	fs.String("start", "", "start date, YYYY-MM-DD")
	fs.String("end", "", "end date, YYYY-MM-DD")
	fs.String("review", "", "review date, YYYY-MM-DD")
	fs.String("tz", "", "your time zone, e.g. Europe/Berlin")
	fs.String("my-hours", "", "when you are happy to be contacted, in your time zone, e.g. \"mon-fri 09:00-18:00\"")
	fs.Var(&multi{}, "channel", "KIND=PURPOSE[;HOURS] e.g. 'chat=quick questions;24' (repeatable; KIND= removes)")
}

func required(e *env, names ...string) error {
	for _, n := range names {
		if strings.TrimSpace(e.str(n)) == "" {
			return usagef("--%s is required", n)
		}
	}
	return nil
}

// optional returns a pointer to the flag's value if it was given.
func optional(e *env, name string) *string {
	if !e.set(name) {
		return nil
	}
	v := e.str(name)
	return &v
}

func pairNew(e *env, _ []string) error {
	if err := required(e, "title", "me", "role"); err != nil {
		return err
	}
	ws, err := e.open()
	if err != nil {
		return err
	}
	id, err := ws.NewPair(e.str("title"), e.str("me"), mentoring.Role(e.str("role")))
	if err != nil {
		return err
	}
	if tz := e.str("tz"); tz != "" {
		if _, err := ws.Edit(id, func(p *mentoring.Pair, me string) (mentoring.Edit, error) { return mentoring.SetTimeZone(p, me, tz) }); err != nil {
			return err
		}
	}
	_ = ws.UpdateSettings(func(s *workspace.Settings) {
		if s.Name == "" {
			s.Name, s.Role = e.str("me"), e.str("role")
		}
	})
	e.println(id)
	return nil
}

func pairList(e *env, _ []string) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	list, err := ws.List()
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(e.stderr, "No pairs yet: create one with 'pairwise pair new' or join one with 'pairwise pair join CODE'.")
		return nil
	}
	for _, s := range list {
		var notes []string
		if s.Partner != "" {
			notes = append(notes, "with "+s.Partner)
		}
		if !s.Ready {
			notes = append(notes, "waiting for the first sync")
		}
		if s.ReadOnly {
			notes = append(notes, "read-only")
		}
		if s.Pending > 0 {
			notes = append(notes, fmt.Sprintf("%d changes not yet synced", s.Pending))
		}
		line := s.ID + "  " + s.Title
		if len(notes) > 0 {
			line += "  (" + strings.Join(notes, "; ") + ")"
		}
		e.println(line)
	}
	return nil
}

func export(e *env, pos []string) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	if e.str("out") == "" && e.str("format") == "pdf" {
		return usagef("a PDF is written to a file: give it with --out, e.g. --out record.pdf")
	}
	return e.writeOut(e.str("out"), func(w io.Writer) error { return ws.Export(pos[0], e.str("format"), w) })
}

// writeOut runs write on standard output, or on the file path if one is
// given. A file is written beside its target and renamed into place, so a
// failed export never leaves a half-written file where a good one was.
func (e *env) writeOut(path string, write func(w io.Writer) error) error {
	if path == "" {
		return write(e.stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".pairwise-export-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ", ") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func (e *env) list(name string) []string { return *e.fs.Lookup(name).Value.(*multi) }
