package mentoring

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode"
)

// A scheduled meeting lives at its own key of the document's top level,
// meetingPrefix + its ID, as a map made by whoever schedules it. Pairs made
// before meetings existed need no new container that two replicas could
// create at once, and older versions of Pairwise ignore the keys.
//
// The meeting's time is one value, "YYYY-MM-DD HH:MM Zone/Name", so two
// concurrent moves merge to one of them whole, never one's date with the
// other's zone. Each move adds a key to its moves map, so the calendar
// file's SEQUENCE counts both of two concurrent moves and only ever rises.
// A cancellation is its own key: a move and a cancellation made at once
// merge to a cancelled meeting, which both members then see.
const (
	meetingPrefix = "meeting:"
	kWhen         = "when"
	kMoves        = "moves"
	kCancelled    = "cancelled"
	kCancelledBy  = "cancelledBy"
	kRSVP         = "rsvp"
	kCheckin      = "checkin"
	kMeeting      = "meeting"
)

// Meeting limits.
const (
	MinMeetingMinutes     = 5
	MaxMeetingMinutes     = 8 * 60
	DefaultMeetingMinutes = 45
	maxLinkLen            = 2000
)

// Answers to "will you be there?".
const (
	Going    = "yes"
	NotGoing = "no"
)

// Meeting is a check-in the pair has scheduled.
type Meeting struct {
	ID string `json:"id"`
	// Local is the wall time the meeting was set at, "YYYY-MM-DD HH:MM",
	// in Zone, the IANA zone it was set in. At is the instant they name.
	Local   string    `json:"local"`
	Zone    string    `json:"zone"`
	At      time.Time `json:"at"`
	Minutes int       `json:"minutes"`
	Channel string    `json:"channel,omitempty"`
	// Link is where to join: a web address or a phone number. Only a link
	// that passes CheckLink is ever read from the document.
	Link   string    `json:"link,omitempty"`
	Agenda string    `json:"agenda"`
	By     string    `json:"by"`
	Added  time.Time `json:"added"`
	// Sequence counts the moves; calendar files carry it as SEQUENCE.
	Sequence    int    `json:"sequence"`
	Cancelled   bool   `json:"cancelled,omitempty"`
	CancelledBy string `json:"cancelledBy,omitempty"`
	// Attendance holds each member's answer (Going or NotGoing) by ID.
	Attendance map[string]string `json:"attendance"`
	// Checkin is the check-in logged from this meeting, once it is.
	Checkin string `json:"checkin,omitempty"`
}

// End is when the meeting is over.
func (m Meeting) End() time.Time { return m.At.Add(time.Duration(m.Minutes) * time.Minute) }

// Upcoming reports whether the meeting is still to come (or under way) at
// now and neither cancelled nor logged.
func (m Meeting) Upcoming(now time.Time) bool {
	return !m.Cancelled && m.Checkin == "" && now.Before(m.End())
}

// JoinURL is the address that opens the meeting: the link itself, or a tel:
// address for a phone number. It is "" when there is no link.
func (m Meeting) JoinURL() string {
	if m.Link == "" {
		return ""
	}
	if isPhone(m.Link) {
		return "tel:" + strings.Map(func(r rune) rune {
			if r == '+' || unicode.IsDigit(r) {
				return r
			}
			return -1
		}, m.Link)
	}
	return m.Link
}

// Meeting returns the meeting with the given ID.
func (p *Pair) Meeting(id string) (Meeting, bool) {
	for _, m := range p.Meetings {
		if m.ID == id {
			return m, true
		}
	}
	return Meeting{}, false
}

// Upcoming returns the meetings still to come at now, soonest first.
func (p *Pair) Upcoming(now time.Time) []Meeting {
	var out []Meeting
	for _, m := range p.Meetings {
		if m.Upcoming(now) {
			out = append(out, m)
		}
	}
	return out
}

// NextMeeting returns the soonest meeting still to come at now.
func (p *Pair) NextMeeting(now time.Time) (Meeting, bool) {
	up := p.Upcoming(now)
	if len(up) == 0 {
		return Meeting{}, false
	}
	return up[0], true
}

// MeetingInput is a meeting as a member schedules it.
type MeetingInput struct {
	At      string // "YYYY-MM-DD HH:MM" in Zone
	Zone    string // IANA zone name
	Minutes int    // 0 means DefaultMeetingMinutes
	Channel string
	Link    string
	Agenda  string
}

// ScheduleMeeting schedules a meeting. The member who schedules it is
// marked as going.
func ScheduleMeeting(p *Pair, by string, in MeetingInput, now time.Time) (Edit, error) {
	if _, ok := p.Member(by); !ok {
		return Edit{}, invalidf("only a member of the pair can schedule its meetings")
	}
	at, err := meetingTime(in.At, in.Zone, now)
	if err != nil {
		return Edit{}, err
	}
	if in.Minutes == 0 {
		in.Minutes = DefaultMeetingMinutes
	}
	if in.Minutes < MinMeetingMinutes || in.Minutes > MaxMeetingMinutes {
		return Edit{}, invalidf("a meeting of %d minutes does not look right: give a length from %d minutes to %d hours, such as 45m or 1h", in.Minutes, MinMeetingMinutes, MaxMeetingMinutes/60)
	}
	if err := checkChannel(in.Channel); err != nil {
		return Edit{}, err
	}
	link, err := CheckLink(in.Link)
	if err != nil {
		return Edit{}, err
	}
	if err := checkText("the agenda", in.Agenda); err != nil {
		return Edit{}, err
	}
	id := NewID()
	mp := path(meetingPrefix + id)
	o := ops{
		newMap(mp),
		set(append(mp, kWhen), in.At+" "+in.Zone),
		set(append(mp, kMinutes), int64(in.Minutes)),
		set(append(mp, kChannel), in.Channel),
		set(append(mp, kLink), link),
		newText(append(mp, kAgenda), in.Agenda),
		set(append(mp, kBy), by),
		set(append(mp, kAdded), stamp(now)),
		newMap(append(mp, kMoves)),
		newMap(append(mp, kRSVP)),
		set(append(mp, kRSVP, by), Going),
	}
	return Edit{Msg: "scheduled a check-in for " + at.Format("Mon 2 Jan 2006 15:04") + " " + in.Zone, ID: id, ops: o}, nil
}

// RescheduleMeeting moves a meeting to another time (and zone).
func RescheduleMeeting(p *Pair, by, id, at, zone string, now time.Time) (Edit, error) {
	m, err := changeable(p, by, id)
	if err != nil {
		return Edit{}, err
	}
	t, err := meetingTime(at, zone, now)
	if err != nil {
		return Edit{}, err
	}
	mp := path(meetingPrefix + id)
	o := ops{
		set(append(mp, kWhen), at+" "+zone),
		set(append(mp, kMoves, NewID()), stamp(now)),
	}
	return Edit{Msg: fmt.Sprintf("moved the check-in of %s to %s %s", m.At.In(m.location()).Format("Mon 2 Jan 15:04"), t.Format("Mon 2 Jan 2006 15:04"), zone), ID: id, ops: o}, nil
}

// CancelMeeting cancels a meeting. It stays in the document, marked
// cancelled, so calendars can be told.
func CancelMeeting(p *Pair, by, id string, now time.Time) (Edit, error) {
	m, err := changeable(p, by, id)
	if err != nil {
		return Edit{}, err
	}
	mp := path(meetingPrefix + id)
	o := ops{set(append(mp, kCancelled), stamp(now)), set(append(mp, kCancelledBy), by)}
	return Edit{Msg: "cancelled the check-in of " + m.At.In(m.location()).Format("Mon 2 Jan 2006 15:04") + " " + m.Zone, ID: id, ops: o}, nil
}

// SetAttendance records whether member will be at the meeting.
func SetAttendance(p *Pair, member, id string, going bool) (Edit, error) {
	m, err := changeable(p, member, id)
	if err != nil {
		return Edit{}, err
	}
	answer, msg := Going, "will be at"
	if !going {
		answer, msg = NotGoing, "can't make"
	}
	return Edit{Msg: msg + " the check-in of " + m.Local + " " + m.Zone, ID: id, ops: ops{set(path(meetingPrefix+id, kRSVP, member), answer)}}, nil
}

// changeable returns the meeting if member may still change it.
func changeable(p *Pair, member, id string) (Meeting, error) {
	if _, ok := p.Member(member); !ok {
		return Meeting{}, invalidf("only a member of the pair can change its meetings")
	}
	m, ok := p.Meeting(id)
	if !ok {
		return Meeting{}, invalidf("there is no meeting %q in this pair: `pairwise checkin upcoming` lists them", id)
	}
	if m.Cancelled {
		return Meeting{}, invalidf("the meeting of %s was cancelled: schedule a new one instead", m.Local)
	}
	if m.Checkin != "" {
		return Meeting{}, invalidf("the meeting of %s has its check-in logged already", m.Local)
	}
	return m, nil
}

// CheckinFromMeeting is the check-in to log for a meeting that took place:
// its date (in loc), channel, length and agenda filled in.
func CheckinFromMeeting(m Meeting, loc *time.Location) CheckinInput {
	return CheckinInput{Date: m.At.In(loc).Format(DateLayout), Channel: m.Channel, Minutes: m.Minutes, Agenda: m.Agenda, Meeting: m.ID}
}

// CheckLink normalises a join link and refuses anything that is neither a
// web address nor a phone number, so the app never opens a file, a script
// or another program from a link a partner typed.
func CheckLink(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) > maxLinkLen {
		return "", invalidf("the link is %d characters long: give one under %d", len(s), maxLinkLen)
	}
	if isPhone(s) {
		return s, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(s, " \t\r\n") {
		return "", invalidf("%q is not a link Pairwise can open: give a web address starting with https:// (a Zoom, Teams, Meet or Jitsi link) or a phone number", s)
	}
	return s, nil
}

// isPhone reports whether s reads as a phone number: digits with the
// usual separators, at least six digits.
func isPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case unicode.IsDigit(r) && r < 128:
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')', r == '.':
		default:
			return false
		}
	}
	return digits >= 6 && digits <= 20
}

// meetingTime reads a new meeting's time and refuses one already past.
func meetingTime(at, zone string, now time.Time) (time.Time, error) {
	if strings.TrimSpace(zone) == "" {
		return time.Time{}, invalidf("the meeting needs a time zone, such as Europe/Lisbon")
	}
	t, err := ParseWallTime(at, zone)
	if err != nil {
		return time.Time{}, err
	}
	if t.Before(now) {
		return time.Time{}, invalidf("%s %s has already passed: pick a time still to come", at, zone)
	}
	return t, nil
}

func (m Meeting) location() *time.Location {
	if l, err := time.LoadLocation(m.Zone); err == nil {
		return l
	}
	return time.UTC
}

// readMeetings reads every meeting key of the top level. A meeting whose
// time does not read (a partner's replica may hold anything) is left out;
// a link that does not pass CheckLink is dropped.
func readMeetings(t map[string]any) []Meeting {
	out := []Meeting{}
	for k, v := range t {
		id, ok := strings.CutPrefix(k, meetingPrefix)
		if !ok {
			continue
		}
		if m, ok := readMeeting(id, obj(v)); ok {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return before(out[i].At, out[i].ID, out[j].At, out[j].ID) })
	return out
}

func readMeeting(id string, v map[string]any) (Meeting, bool) {
	w := str(v[kWhen])
	i := strings.LastIndexByte(w, ' ')
	if i < 0 {
		return Meeting{}, false
	}
	local, zone := w[:i], w[i+1:]
	at, err := ParseWallTime(local, zone)
	if err != nil {
		return Meeting{}, false
	}
	m := Meeting{
		ID: id, Local: local, Zone: zone, At: at.UTC(),
		Minutes: int(min(max(num(v[kMinutes]), MinMeetingMinutes), MaxMeetingMinutes)),
		Agenda:  str(v[kAgenda]), By: str(v[kBy]), Added: when(v[kAdded]),
		Sequence: len(obj(v[kMoves])), CancelledBy: str(v[kCancelledBy]),
		Attendance: map[string]string{}, Checkin: str(v[kCheckin]),
	}
	if checkChannel(str(v[kChannel])) == nil {
		m.Channel = str(v[kChannel])
	}
	if link, err := CheckLink(str(v[kLink])); err == nil {
		m.Link = link
	}
	_, m.Cancelled = v[kCancelled].(time.Time)
	for member, a := range obj(v[kRSVP]) {
		if s := str(a); s == Going || s == NotGoing {
			m.Attendance[member] = s
		}
	}
	return m, true
}
