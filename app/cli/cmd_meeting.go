package cli

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

// meetingCommands schedule check-ins ahead and find times inside both
// members' contact hours. Times are typed and shown in this member's zone
// (the agreement's, else this computer's), with the partner's beside them.
var meetingCommands = []command{
	{name: "checkin schedule", args: "PAIR", npos: 1, summary: "schedule a check-in and print the meeting's ID",
		flags: func(fs *flag.FlagSet) {
			atFlags(fs)
			fs.String("duration", defaultDuration, "how long, such as 30m, 45m or 1h (whole minutes)")
			fs.String("channel", "", "video, phone, email, chat or in-person")
			fs.String("link", "", "where to join: a Zoom, Teams, Meet or Jitsi link (https://...) or a phone number")
			fs.String("agenda", "", "what you plan to talk about")
		}, run: checkinSchedule},
	{name: "checkin reschedule", args: "PAIR MEETING", npos: 2, summary: "move a scheduled check-in to another time (in your zone unless --tz says otherwise)",
		flags: func(fs *flag.FlagSet) {
			atFlags(fs)
			// The member moving it says the new time in their own zone, as
			// when scheduling, whoever set it first and wherever.
			fs.Lookup("tz").Usage += "; not the zone the meeting was first set in"
		}, run: checkinReschedule},
	{name: "checkin cancel", args: "PAIR MEETING", npos: 2, summary: "cancel a scheduled check-in", run: checkinCancel},
	{name: "checkin attend", args: "PAIR MEETING", npos: 2, summary: "say whether you will be at a scheduled check-in (--yes or --no)",
		flags: func(fs *flag.FlagSet) {
			fs.Bool("yes", false, "I'll be there")
			fs.Bool("no", false, "I can't make it")
		}, run: checkinAttend},
	{name: "checkin upcoming", args: "PAIR", npos: 1, summary: "list scheduled check-ins in your time, with your partner's beside it", run: checkinUpcoming},
	{name: "pair slots", args: "PAIR", npos: 1, summary: "list times inside both members' contact hours, in both zones",
		flags: func(fs *flag.FlagSet) {
			fs.Int("days", 14, "how many days ahead to look")
			fs.String("duration", defaultDuration, "how long the meeting would be, such as 30m or 1h")
		}, run: pairSlots},
}

var defaultDuration = fmt.Sprintf("%dm", mentoring.DefaultMeetingMinutes)

// slotLimit is how many slots 'pair slots' lists: enough to choose from,
// few enough to read.
const slotLimit = 20

// atFlags declares --at and --tz, which schedule and reschedule share.
func atFlags(fs *flag.FlagSet) {
	fs.String("at", "", "when, \"YYYY-MM-DD HH:MM\" in --tz (required)")
	fs.String("tz", "", "the time zone --at is in, such as Europe/Lisbon (default: yours in the agreement, else this computer's)")
}

// myZone is the zone this member reads and types times in: theirs in the
// agreement, else this computer's.
func myZone(p *mentoring.Pair, me string) (string, *time.Location) {
	name := mentoring.ZoneNameOf(p, me)
	loc, err := mentoring.LoadZone(name)
	if err != nil {
		return "UTC", time.UTC
	}
	return name, loc
}

// zoneOf is --tz if given, else this member's zone.
func zoneOf(e *env, p *mentoring.Pair, me string) string {
	if tz := strings.TrimSpace(e.str("tz")); tz != "" {
		return tz
	}
	name, _ := myZone(p, me)
	return name
}

// minutesOf reads a duration flag as whole minutes.
func minutesOf(e *env, name string) (int, error) {
	s := e.str(name)
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 {
		return 0, usagef("--%s %q: give a length such as 30m, 45m, 1h or 1h30m", name, s)
	}
	if d%time.Minute != 0 {
		return 0, usagef("--%s %q: give whole minutes, such as 45m", name, s)
	}
	return int(d / time.Minute), nil
}

// pairAndMe reads a pair and this replica's member ID in it.
func pairAndMe(e *env, id string) (*workspace.Workspace, *mentoring.Pair, string, error) {
	ws, err := e.open()
	if err != nil {
		return nil, nil, "", err
	}
	p, err := ws.Pair(id)
	if err != nil {
		return nil, nil, "", err
	}
	me, err := ws.Me(id)
	if err != nil {
		return nil, nil, "", err
	}
	return ws, p, me, nil
}

// scheduled says on stderr when the meeting now is for this member and
// their partner, and warns when it falls outside the partner's hours.
func scheduled(e *env, pair, id, verb string) {
	_, p, me, err := pairAndMe(e, pair)
	if err != nil {
		return
	}
	m, ok := p.Meeting(id)
	if !ok {
		return
	}
	_, loc := myZone(p, me)
	fmt.Fprintf(e.stderr, "%s for %s (%s, set in %s).\n", verb, mentoring.MeetingTimes(p, m, me, loc), short(m.Minutes), m.Zone)
	if warn, outside := mentoring.OutsidePartnerHours(p, me, m.At, m.Minutes); outside {
		fmt.Fprintln(e.stderr, warn)
	}
}

func checkinSchedule(e *env, pos []string) error {
	if err := required(e, "at"); err != nil {
		return err
	}
	minutes, err := minutesOf(e, "duration")
	if err != nil {
		return err
	}
	var id string
	err = edit(e, pos[0], false, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		in := mentoring.MeetingInput{At: strings.TrimSpace(e.str("at")), Zone: zoneOf(e, p, me), Minutes: minutes,
			Channel: e.str("channel"), Link: e.str("link"), Agenda: e.str("agenda")}
		ed, err := mentoring.ScheduleMeeting(p, me, in, e.ws.Now())
		id = ed.ID
		return ed, err
	})
	if err != nil {
		return err
	}
	e.println(id)
	scheduled(e, pos[0], id, "Scheduled")
	return nil
}

func checkinReschedule(e *env, pos []string) error {
	if err := required(e, "at"); err != nil {
		return err
	}
	err := edit(e, pos[0], false, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.RescheduleMeeting(p, me, pos[1], strings.TrimSpace(e.str("at")), zoneOf(e, p, me), e.ws.Now())
	})
	if err != nil {
		return err
	}
	scheduled(e, pos[0], pos[1], "Moved")
	return nil
}

func checkinCancel(e *env, pos []string) error {
	return edit(e, pos[0], false, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.CancelMeeting(p, me, pos[1], e.ws.Now())
	})
}

func checkinAttend(e *env, pos []string) error {
	yes, no := e.str("yes") == "true", e.str("no") == "true"
	if yes == no {
		return usagef("say --yes (you'll be there) or --no (you can't make it)")
	}
	return edit(e, pos[0], false, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SetAttendance(p, me, pos[1], yes)
	})
}

func checkinUpcoming(e *env, pos []string) error {
	ws, p, me, err := pairAndMe(e, pos[0])
	if err != nil {
		return err
	}
	name, loc := myZone(p, me)
	up := p.Upcoming(ws.Now())
	if len(up) == 0 {
		fmt.Fprintf(e.stderr, "No check-ins scheduled: schedule one with 'pairwise checkin schedule %s --at \"YYYY-MM-DD HH:MM\"' ('pairwise pair slots %s' finds times inside both your hours).\n", pos[0], pos[0])
		return nil
	}
	for _, m := range up {
		e.println(strings.Join([]string{m.ID, mentoring.MeetingTimes(p, m, me, loc), short(m.Minutes),
			orDash(m.Channel), orDash(m.Link), answers(p, m, me)}, "  "))
	}
	if mem, ok := p.Member(me); !ok || mem.TimeZone == "" {
		fmt.Fprintf(e.stderr, "Your time is %s, this computer's zone: give yours in the agreement ('pairwise agreement set %s --tz ZONE') so your partner sees it too.\n", name, pos[0])
	}
	return nil
}

// answers says each member's answer to "will you be there?".
func answers(p *mentoring.Pair, m mentoring.Meeting, me string) string {
	var out []string
	for _, mem := range p.Members {
		who := mem.Name
		if mem.ID == me {
			who = "you"
		}
		switch m.Attendance[mem.ID] {
		case mentoring.Going:
			out = append(out, who+": will be there")
		case mentoring.NotGoing:
			out = append(out, who+": can't make it")
		default:
			out = append(out, who+": no answer yet")
		}
	}
	return strings.Join(out, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// short writes minutes the way --duration takes them: "45m", "1h", "1h30m".
func short(minutes int) string {
	h, m := minutes/60, minutes%60
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%dm", h, m)
}

// pairSlots lists the times inside both members' contact hours. Each line
// starts with the slot's first start time in this member's zone, as
// 'checkin schedule --at' takes it.
//
// Finding none is an answer, not a failure: like 'pair list' or 'note
// list' with nothing to list, it says so on stderr (with how near the
// hours come) and exits 0, so a script tells "no overlap" from an error by
// an empty stdout, not by the exit status.
func pairSlots(e *env, pos []string) error {
	days, err := strconv.Atoi(e.str("days"))
	if err != nil || days < 1 {
		return usagef("--days takes a number of days, such as 14")
	}
	minutes, err := minutesOf(e, "duration")
	if err != nil {
		return err
	}
	ws, p, me, err := pairAndMe(e, pos[0])
	if err != nil {
		return err
	}
	_, loc := myZone(p, me)
	d := time.Duration(minutes) * time.Minute
	res, err := mentoring.FindSlots(p, ws.Now(), days, d, slotLimit)
	if err != nil {
		return err
	}
	n := 0
	for _, s := range res.Found {
		// A slot may begin now, at an odd second: start it at the next
		// quarter hour, which can be typed as --at and read at a glance.
		start := s.Start
		if r := start.Truncate(15 * time.Minute); !r.Equal(start) {
			start = r.Add(15 * time.Minute)
		}
		if s.End.Sub(start) < d {
			continue
		}
		e.println(start.In(loc).Format(mentoring.WallLayout) + "  " + mentoring.SpanTimes(p, start, s.End, me, loc))
		n++
	}
	if n == 0 {
		why := res.Closest
		if why == "" {
			why = fmt.Sprintf("The only times left inside both your hours are too short for %s.", short(minutes))
		}
		fmt.Fprintf(e.stderr, "No time of %s inside both your contact hours in the next %s. %s\n", short(minutes), plural(days, "day"), why)
	}
	return nil
}
