package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

// historyCommands read a pair's versions and bring an earlier one back.
var historyCommands = []command{
	{name: "history", args: "PAIR", npos: 1, summary: "list the pair's changes, newest first: change ID, who, when and what",
		flags: func(fs *flag.FlagSet) { fs.Int("limit", 50, "show at most N changes (0 for all)") }, run: history},
	{name: "show", args: "PAIR", npos: 1,
		summary: "show the pair, or one part, as it is or as it was right after a change; or what changed in the agreement since you signed it",
		flags: func(fs *flag.FlagSet) {
			fs.String("at", "", "a change ID from 'pairwise history' (its first 8 letters and digits do): show the state right after it")
			fs.String("part", "", "agreement, goal:ID or checkin:ID (default: the whole pair)")
			fs.Bool("since-signed", false, "show, field by field, what changed in the agreement since the version you signed")
			fs.String("format", "text", "text or json")
		}, run: show},
	{name: "restore", args: "PAIR", npos: 1,
		summary: "bring a part back as it was right after a change, as a new change (nothing is lost) and print its ID",
		flags: func(fs *flag.FlagSet) {
			fs.String("part", "", "agreement, goal:ID (title, texts, status, target) or checkin:ID (agenda and notes) (required)")
			fs.String("to", "", "a change ID from 'pairwise history' (required)")
		}, run: restore},
}

func history(e *env, pos []string) error {
	limit, err := strconv.Atoi(e.str("limit"))
	if err != nil || limit < 0 {
		return usagef("--limit is a number of changes, such as 20 (0 for all)")
	}
	ws, err := e.open()
	if err != nil {
		return err
	}
	tl, n, err := ws.Timeline(pos[0], limit)
	if err != nil {
		return err
	}
	for _, c := range tl {
		e.println(fmt.Sprintf("%s  %s  %s  %s", c.Short(), c.When.Local().Format("2006-01-02 15:04"), c.Who, c.What))
	}
	if n > len(tl) {
		fmt.Fprintf(e.stderr, "%d earlier changes not shown: add --limit %d to see them all.\n", n-len(tl), n)
	}
	return nil
}

func show(e *env, pos []string) error {
	format := e.str("format")
	if format != "text" && format != "json" {
		return usagef("--format is text or json")
	}
	var part *mentoring.Part
	if e.set("part") {
		pt, err := mentoring.ParsePart(e.str("part"))
		if err != nil {
			return usagef("%v", err)
		}
		part = &pt
	}
	ws, err := e.open()
	if err != nil {
		return err
	}
	if e.set("since-signed") {
		if e.set("at") || (part != nil && part.Kind != "agreement") {
			return usagef("--since-signed compares the agreement with the version you signed: leave out --at, and --part other than agreement")
		}
		return showSinceSigned(e, ws, pos[0], format)
	}
	p, err := ws.Pair(pos[0])
	if ref := e.str("at"); ref != "" {
		var at workspace.Change
		p, at, err = ws.PairAt(pos[0], ref)
		if err == nil {
			fmt.Fprintf(e.stderr, "As it was right after change %s: %s %s, %s.\n", at.Short(), at.Who, at.What, at.When.Local().Format("2 Jan 2006 15:04"))
		}
	}
	if err != nil {
		return err
	}
	if part == nil {
		if format == "json" {
			return mentoring.ExportJSON(e.stdout, p)
		}
		return mentoring.ExportMarkdown(e.stdout, p)
	}
	v, ok := part.Of(p)
	if !ok {
		return fmt.Errorf("there was no %s at that point: pick a later change from 'pairwise history %s'", part, pos[0])
	}
	if format == "json" {
		return writeJSON(e.stdout, v)
	}
	text, _ := mentoring.PartText(p, *part)
	fmt.Fprint(e.stdout, text)
	return nil
}

func showSinceSigned(e *env, ws *workspace.Workspace, pair, format string) error {
	me, err := ws.Me(pair)
	if err != nil {
		return err
	}
	s, err := ws.SinceSigned(pair, me)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSON(e.stdout, s)
	}
	fmt.Fprintf(e.stderr, "You signed the agreement on %s (change %s).\n", s.Signature.At.Local().Format("2 Jan 2006 15:04"), s.Change.Short())
	if len(s.Changes) == 0 {
		fmt.Fprintln(e.stderr, "Nothing in it has changed since.")
		return nil
	}
	fmt.Fprint(e.stdout, mentoring.FormatChanges(s.Changes))
	fmt.Fprintf(e.stderr, "Sign the current version with 'pairwise agreement sign %s' once you agree with it.\n", pair)
	return nil
}

func restore(e *env, pos []string) error {
	if err := required(e, "part", "to"); err != nil {
		return err
	}
	part, err := mentoring.ParsePart(e.str("part"))
	if err != nil {
		return usagef("%v", err)
	}
	ws, err := e.open()
	if err != nil {
		return err
	}
	c, err := ws.Restore(pos[0], part, e.str("to"))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "You %s. Every earlier version is still in 'pairwise history %s'.\n", c.What, pos[0])
	e.println(c.Short())
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
