// Package mentoring is the pair document: the typed model of a mentoring
// relationship (members, agreement, goals, check-ins, wins, messages and
// conversation prompts) over an Automerge document, with the validation that
// keeps it sensible and the rules that read meaning from it. It is pure: no
// disk, no network, no clock of its own.
package mentoring

import "time"

// Role is a member's part in the pair.
type Role string

// Roles.
const (
	Mentor Role = "mentor"
	Mentee Role = "mentee"
)

// Status is where a goal stands.
type Status string

// Goal statuses.
const (
	NotStarted Status = "not-started"
	InProgress Status = "in-progress"
	Achieved   Status = "achieved"
	Dropped    Status = "dropped"
)

// Statuses lists the goal statuses in their natural order.
var Statuses = []Status{NotStarted, InProgress, Achieved, Dropped}

// Channels are the ways a pair can agree to be in touch.
var Channels = []string{"video", "phone", "email", "chat", "in-person"}

// Pair is everything the two members share. Slices are in a stable order
// (by creation time, then ID), so two replicas holding the same changes
// produce identical values.
type Pair struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Created   time.Time `json:"created"`
	Members   []Member  `json:"members"`
	Agreement Agreement `json:"agreement"`
	Goals     []Goal    `json:"goals"`
	Checkins  []Checkin `json:"checkins"`
	// Meetings are the check-ins scheduled, soonest first, including
	// past and cancelled ones (see meeting.go).
	Meetings []Meeting `json:"meetings"`
	Wins     []Win     `json:"wins"`
	Messages []Message `json:"messages"`
	Prompts  []Answer  `json:"prompts"`
	// Reflections are the members' mid-point and closing reflections.
	Reflections []Reflection `json:"reflections"`
	// Closed is set once the relationship ended; the pair is then archived.
	Closed *Closure `json:"closed,omitempty"`
	// Cohort is the cohort the pair reports its health to, if any. It is
	// in the document, so both members see it, and either one's app
	// reports while it is set.
	Cohort string `json:"cohort,omitempty"`

	hasReflections, hasHours bool // the document has these containers
	hasLog                   bool // messages go in the log (schema 2), not the map
	// msgAt indexes Messages by ID (to the time each sorts by), so that
	// Refresh finds a message without scanning them all. Nil means not
	// built yet. Only Refresh reads it.
	msgAt map[string]time.Time
}

// Member is one person in the pair. Their ID is the Automerge actor that
// created the membership, so the history maps back to names.
type Member struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Role     Role      `json:"role"`
	Joined   time.Time `json:"joined"`
	TimeZone string    `json:"timeZone,omitempty"`
	Hours    string    `json:"hours,omitempty"` // when they are happy to be contacted, e.g. "mon-fri 09:00-17:30"
	// Seen is when their app last said it synced the pair (see presence.go).
	Seen time.Time `json:"seen,omitzero"`
}

// Channel is one agreed way of being in touch.
type Channel struct {
	Kind          string `json:"kind"`
	Purpose       string `json:"purpose"`
	ResponseHours int    `json:"responseHours,omitempty"`
}

// Signature records that a member agreed to one version of the agreement.
type Signature struct {
	Member  string    `json:"member"`
	Name    string    `json:"name"`
	Version string    `json:"version"`
	At      time.Time `json:"at"`
}

// Agreement is the pair's contract: how often they meet, how they reach
// each other, and what they expect.
type Agreement struct {
	CadenceDays     int         `json:"cadenceDays,omitempty"`
	Channels        []Channel   `json:"channels"`
	Availability    string      `json:"availability"`
	Boundaries      string      `json:"boundaries"`
	Confidentiality string      `json:"confidentiality"`
	Expectations    string      `json:"expectations"`
	Start           string      `json:"start,omitempty"`
	End             string      `json:"end,omitempty"`
	Review          string      `json:"review,omitempty"`
	Signatures      []Signature `json:"signatures"`
}

// Milestone is a dated step towards a goal.
type Milestone struct {
	ID    string    `json:"id"`
	Title string    `json:"title"`
	Due   string    `json:"due,omitempty"`
	Done  bool      `json:"done"`
	Added time.Time `json:"added"`
}

// Goal is something the mentee wants to achieve, with the plan to get there.
type Goal struct {
	ID         string      `json:"id"`
	Title      string      `json:"title"`
	Why        string      `json:"why"`
	Measure    string      `json:"measure"`
	Obstacles  string      `json:"obstacles"`
	Status     Status      `json:"status"`
	Target     string      `json:"target,omitempty"`
	Added      time.Time   `json:"added"`
	AddedBy    string      `json:"addedBy"`
	Milestones []Milestone `json:"milestones"`
}

// Action is a follow-up agreed at a check-in.
type Action struct {
	ID    string    `json:"id"`
	Text  string    `json:"text"`
	Owner string    `json:"owner,omitempty"`
	Due   string    `json:"due,omitempty"`
	Done  bool      `json:"done"`
	Added time.Time `json:"added"`
}

// Feedback is one member's rating of a check-in.
type Feedback struct {
	Member  string    `json:"member"`
	Rating  int       `json:"rating"`
	Comment string    `json:"comment"`
	At      time.Time `json:"at"`
}

// Checkin is one meeting or call.
type Checkin struct {
	ID       string     `json:"id"`
	Date     string     `json:"date"`
	Channel  string     `json:"channel,omitempty"`
	Minutes  int        `json:"minutes,omitempty"`
	Agenda   string     `json:"agenda"`
	Notes    string     `json:"notes"`
	Added    time.Time  `json:"added"`
	AddedBy  string     `json:"addedBy"`
	Actions  []Action   `json:"actions"`
	Feedback []Feedback `json:"feedback"`
	// Meeting is the scheduled meeting this check-in was logged from.
	Meeting string `json:"meeting,omitempty"`
}

// Win is an accomplishment worth celebrating.
type Win struct {
	ID    string    `json:"id"`
	Text  string    `json:"text"`
	Date  string    `json:"date"`
	By    string    `json:"by"`
	Added time.Time `json:"added"`
}

// Message is a short asynchronous note between meetings.
type Message struct {
	ID   string    `json:"id"`
	Text string    `json:"text"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

// Answer is one member's answer to a conversation prompt.
type Answer struct {
	Prompt string    `json:"prompt"`
	Member string    `json:"member"`
	Text   string    `json:"text"`
	At     time.Time `json:"at"`
}

// Member returns the member with the given ID.
func (p *Pair) Member(id string) (Member, bool) {
	for _, m := range p.Members {
		if m.ID == id {
			return m, true
		}
	}
	return Member{}, false
}

// Goal returns the goal with the given ID.
func (p *Pair) Goal(id string) (Goal, bool) {
	for _, g := range p.Goals {
		if g.ID == id {
			return g, true
		}
	}
	return Goal{}, false
}

// Checkin returns the check-in with the given ID.
func (p *Pair) Checkin(id string) (Checkin, bool) {
	for _, c := range p.Checkins {
		if c.ID == id {
			return c, true
		}
	}
	return Checkin{}, false
}

// Progress is the share of a goal's milestones that are done, from 0 to 1.
// An achieved goal is complete whatever its milestones say.
func (g Goal) Progress() float64 {
	if g.Status == Achieved {
		return 1
	}
	if len(g.Milestones) == 0 {
		return 0
	}
	done := 0
	for _, m := range g.Milestones {
		if m.Done {
			done++
		}
	}
	return float64(done) / float64(len(g.Milestones))
}
