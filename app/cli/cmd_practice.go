package cli

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

// practiceCommands serve the mentoring practices: rhythm, private notes,
// prompts, messages, reflections and closure.
var practiceCommands = []command{
	{name: "status", summary: "say where every pair stands: next check-in, unread messages, unsynced changes", run: status},
	{name: "note add", args: "PAIR", npos: 1, summary: "keep a private note about a pair (never shared) and print its ID",
		flags: func(fs *flag.FlagSet) {
			fs.Bool("private", false, "required: the note stays on this computer, never sent to the relay or your partner")
			fs.String("text", "", "the note (required)")
		}, run: noteAdd},
	{name: "note list", args: "PAIR", npos: 1, summary: "list your private notes about a pair", run: noteList},
	{name: "message list", args: "PAIR", npos: 1, summary: "show the pair's messages and mark them read", run: messageList},
	{name: "prompt next", args: "PAIR", npos: 1, summary: "suggest a conversation prompt for your next check-in", run: promptNext},
	{name: "prompt answer", args: "PAIR PROMPT", npos: 2, summary: "answer a conversation prompt",
		flags: func(fs *flag.FlagSet) { fs.String("text", "", "your answer (required)") }, run: promptAnswer},
	{name: "reflect", args: "PAIR", npos: 1, summary: "write a mid-point review or closing reflection",
		flags: func(fs *flag.FlagSet) {
			fs.String("kind", "", "midpoint or closing (required)")
			fs.Var(&multi{}, "answer", "QUESTION=TEXT (repeatable); run with --kind and no answers to see the questions")
			fs.Int("rating", 0, "how you rate the relationship as a whole, 1 to 5")
		}, run: reflect},
	{name: "pair remove", args: "PAIR", npos: 1, summary: "remove a pair from this computer (your partner and the relay keep it)",
		flags: removeFlags, run: remove},
	{name: "pair close", args: "PAIR", npos: 1, summary: "close the relationship: it becomes a read-only archive", run: pairClose},
	{name: "nudge", args: "PAIR|COHORT", npos: 1, summary: "turn a pair's check-in reminders (or a cohort's event reminders) on or off, or snooze them",
		flags: func(fs *flag.FlagSet) {
			fs.Bool("off", false, "no reminders for this pair")
			fs.Bool("on", false, "reminders back on")
			fs.Int("snooze", 0, "no reminders for this many days")
		}, run: nudge},
}

func status(e *env, _ []string) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	list, err := ws.List()
	if err != nil {
		return err
	}
	cohorts, err := ws.Cohorts()
	if err != nil {
		return err
	}
	if len(list) == 0 && len(cohorts) == 0 {
		e.println("No pairs yet: create one with 'pairwise pair new' or join one with 'pairwise pair join CODE'.")
		return nil
	}
	now := ws.Now()
	for _, s := range list {
		e.println(statusLine(ws, s, now))
	}
	for _, c := range cohorts {
		if c.Manager {
			e.println(cohortLine(ws, c, now))
		}
	}
	return nil
}

// cohortLine sums up a cohort its manager runs: how many pairs, and how
// many need attention.
func cohortLine(ws *workspace.Workspace, c workspace.CohortSummary, now time.Time) string {
	b, err := ws.Board(c.ID)
	if err != nil {
		return "Cohort " + c.Title + ": " + explain(err)
	}
	var stalled, overdue, quiet int
	for _, r := range b.Reports {
		if r.Closed {
			continue
		}
		if _, days, ok := r.Quietest(now); ok && days >= quietDays {
			quiet++
		}
		switch r.Rhythm(now).State {
		case mentoring.Stalled:
			stalled++
		case mentoring.Overdue:
			overdue++
		}
	}
	line := fmt.Sprintf("Cohort %s: %s reporting", c.Title, plural(len(b.Reports), "pair"))
	if stalled+overdue > 0 {
		line += fmt.Sprintf("; %d overdue, %d stalled ('pairwise cohort show %s' says which)", overdue, stalled, c.ID)
	}
	if quiet > 0 {
		line += fmt.Sprintf("; %s whose apps have not synced for %d days or more ('pairwise cohort show %s' says which)", plural(quiet, "pair"), quietDays, c.ID)
	}
	return line + "."
}

func statusLine(ws *workspace.Workspace, s workspace.Summary, now time.Time) string {
	title := s.Title
	if title == "" {
		title = s.ID
	}
	if !s.Ready {
		return title + ": waiting for the first sync with the relay."
	}
	var parts []string
	p, err := ws.Pair(s.ID)
	switch {
	case err != nil:
		parts = append(parts, explain(err))
	case p.IsClosed():
		parts = append(parts, "closed on "+p.Closed.At.In(now.Location()).Format(mentoring.DateLayout)+"; kept as a read-only record")
	default:
		r := mentoring.RhythmOn(p, now)
		line := r.String()
		switch r.State {
		case mentoring.NoCadence:
			line = "no meeting rhythm agreed yet (set one with 'agreement set --cadence-days N')"
		case mentoring.OnTrack, mentoring.DueSoon, mentoring.DueToday:
			line = "on track: " + line
		case mentoring.Overdue:
			line = "overdue: " + line
		case mentoring.Stalled:
			line = "stalled: no contact since " + r.Last + "; " + line
		}
		parts = append(parts, line)
		if m, ok := p.NextMeeting(now); ok {
			parts = append(parts, nextMeeting(ws, s.ID, p, m))
		}
	}
	if s.Partner != "" {
		title += " (with " + s.Partner + ")"
	} else {
		parts = append(parts, "your partner has not joined yet")
	}
	if err == nil && !p.IsClosed() {
		parts = append(parts, heardParts(ws, s, p, now)...)
	}
	if s.Unread > 0 {
		parts = append(parts, plural(s.Unread, "unread message"))
	}
	if s.Pending > 0 {
		parts = append(parts, plural(int(s.Pending), "change")+" not yet synced")
	}
	return title + ": " + strings.Join(parts, "; ") + "."
}

// nextMeeting says when the pair's next scheduled meeting is, in this
// member's time with the partner's beside it.
func nextMeeting(ws *workspace.Workspace, pair string, p *mentoring.Pair, m mentoring.Meeting) string {
	me, _ := ws.Me(pair)
	_, loc := myZone(p, me)
	line := "next meeting " + mentoring.MeetingTimes(p, m, me, loc)
	if m.Link != "" {
		line += ", join at " + m.Link
	}
	return line
}

// quietDays is how many days without a word from a member's app make a
// cohort's manager look at the pair.
const quietDays = int(mentoring.QuietAfter / (24 * time.Hour))

// heardParts says when the partners' apps last synced, from the signed
// pair document ("Ben's app last synced 3 days ago"), and for a read-only
// replica that its partner cannot know the same of it.
func heardParts(ws *workspace.Workspace, s workspace.Summary, p *mentoring.Pair, now time.Time) []string {
	var parts []string
	meta, err := ws.Meta(s.ID)
	if err != nil {
		return nil
	}
	heard, err := ws.Heard(s.ID)
	if err != nil {
		return []string{"when your partner's app last synced cannot be read: " + explain(err)}
	}
	for _, m := range p.Members {
		if m.ID != meta.Actor {
			parts = append(parts, mentoring.HeardLine(m.Name, heard[m.ID], now))
		}
	}
	if meta.ReadOnly() {
		parts = append(parts, "your app, joined read-only, cannot tell your partner when it synced ("+mentoring.ReadOnlySeen+")")
	}
	return parts
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func noteAdd(e *env, pos []string) error {
	if e.str("private") != "true" {
		return usagef("notes you write here are private: add --private to say so (shared notes belong in a check-in: 'checkin add --notes')")
	}
	if err := required(e, "text"); err != nil {
		return err
	}
	ws, err := e.open()
	if err != nil {
		return err
	}
	id, err := ws.AddPrivateNote(pos[0], e.str("text"))
	if err != nil {
		return err
	}
	e.println(id)
	return nil
}

func noteList(e *env, pos []string) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	notes, err := ws.PrivateNotes(pos[0])
	if err != nil {
		return err
	}
	if len(notes) == 0 {
		fmt.Fprintln(e.stderr, "No private notes for this pair yet.")
	}
	for _, n := range notes {
		e.println(n.At.In(ws.Now().Location()).Format("2006-01-02 15:04") + "  " + n.Text)
	}
	return nil
}

func messageList(e *env, pos []string) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	p, err := ws.Pair(pos[0])
	if err != nil {
		return err
	}
	loc := ws.Now().Location()
	for _, m := range p.Messages {
		who := "someone"
		if mem, ok := p.Member(m.By); ok {
			who = mem.Name
		}
		e.println(fmt.Sprintf("%s  %s: %s", m.At.In(loc).Format("2006-01-02 15:04"), who, m.Text))
	}
	return ws.MarkRead(pos[0])
}

func promptNext(e *env, pos []string) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	p, err := ws.Pair(pos[0])
	if err != nil {
		return err
	}
	pr, ok := mentoring.NextPrompt(p, ws.Now())
	if !ok {
		e.println("You have both answered every prompt. Your own questions are the best ones now.")
		return nil
	}
	e.println(fmt.Sprintf("%s  [%s] %s", pr.ID, pr.Depth, pr.Text))
	return nil
}

func promptAnswer(e *env, pos []string) error {
	if err := required(e, "text"); err != nil {
		return err
	}
	return edit(e, pos[0], false, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.AnswerPrompt(p, me, pos[1], e.str("text"), e.ws.Now())
	})
}

func reflect(e *env, pos []string) error {
	kind := mentoring.ReflectionKind(e.str("kind"))
	qs, ok := mentoring.ReflectionQuestions[kind]
	if !ok {
		return usagef("--kind must be midpoint or closing")
	}
	answers := map[string]string{}
	for _, a := range e.list("answer") {
		id, text, ok := strings.Cut(a, "=")
		if !ok {
			return usagef("--answer %q: write it as QUESTION=TEXT, e.g. --answer %s=\"...\"", a, qs[0].ID)
		}
		answers[strings.TrimSpace(id)] = text
	}
	if len(answers) == 0 {
		e.println("Answer any of these with --answer QUESTION=TEXT:")
		for _, q := range qs {
			e.println(fmt.Sprintf("  %-8s %s", q.ID, q.Text))
		}
		return nil
	}
	rating := 0
	if e.set("rating") {
		if _, err := fmt.Sscan(e.str("rating"), &rating); err != nil {
			return usagef("--rating must be a number from 1 to 5")
		}
	}
	return edit(e, pos[0], false, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.Reflect(p, me, kind, answers, rating, e.ws.Now())
	})
}

func pairClose(e *env, pos []string) error {
	if err := edit(e, pos[0], false, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.Close(p, me, e.ws.Now())
	}); err != nil {
		return err
	}
	fmt.Fprintln(e.stderr, "Closed. The pair is now a read-only record; export it any time with 'pairwise export PAIR --format pdf --out FILE'.")
	return nil
}

func nudge(e *env, pos []string) error {
	ws, err := e.open()
	if err != nil {
		return err
	}
	on := e.str("off") != "true"
	days := 0
	if e.set("snooze") {
		fmt.Sscan(e.str("snooze"), &days)
		if days <= 0 {
			return usagef("--snooze takes a number of days, e.g. --snooze 7")
		}
	}
	if !e.set("off") && !e.set("on") && !e.set("snooze") {
		return usagef("say --on, --off or --snooze DAYS")
	}
	desc, err := ws.SetNudges(pos[0], on, days, ws.Now())
	if err != nil {
		return err
	}
	e.println(desc)
	return nil
}
