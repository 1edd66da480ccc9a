package mentoring

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"pairwise/app/crdt"
)

// ErrNotReady is returned by Read for a document that holds no pair yet, as
// on a replica that joined but has not received the first sync.
var ErrNotReady = errors.New("this pair has not arrived from the relay yet: sync once you are online")

// ErrNewerSchema is returned for a document written by a newer Pairwise.
var ErrNewerSchema = errors.New("this pair was saved by a newer version of Pairwise: update Pairwise to open it")

// Read returns the typed pair held by d.
func Read(d *crdt.Doc) (*Pair, error) {
	t, err := d.Tree()
	if err != nil {
		return nil, fmt.Errorf("read pair: %w", err)
	}
	return FromTree(t)
}

// ReadTitle returns just the pair's title, without reading the rest.
func ReadTitle(d *crdt.Doc) (string, error) {
	v, _, err := d.ReadAt(path(kTitle))
	return str(v), err
}

// ReadCohort returns just the cohort the pair reports to ("" for none).
func ReadCohort(d *crdt.Doc) (string, error) {
	v, _, err := d.ReadAt(path(kCohort))
	return str(v), err
}

// FromTree returns the typed pair from a document's plain tree (as
// crdt.Doc.Tree returns it). It does not modify t.
func FromTree(t map[string]any) (*Pair, error) {
	if _, ok := t[kMembers]; !ok {
		return nil, ErrNotReady
	}
	if v := num(t[kSchema]); v > SchemaVersion {
		return nil, ErrNewerSchema
	}
	p := &Pair{}
	readHeader(p, t)
	readPeople(p, t)
	p.Goals = readGoals(obj(t[kGoals]))
	p.Checkins = readCheckins(obj(t[kCheckins]))
	p.Meetings = readMeetings(t)
	p.Wins = readWins(obj(t[kWins]))
	p.Messages, p.msgAt = readAllMessages(t)
	_, p.hasLog = t[kMessageLog].([]any)
	p.Prompts = readPrompts(obj(t[kPrompts]))
	readReflections(p, t)
	return p, nil
}

// Refresh returns the pair read from t, given old, the pair read before
// the records at touched changed (paths as Edit.Touched gives them). It
// rebuilds only the parts of old those records feed, and adds or replaces
// a single message in place of re-sorting them all, so an edit on a pair
// with years of history stays cheap. old is not modified, but the result
// may share memory with it: refresh each read at most once.
func Refresh(old *Pair, t map[string]any, touched []crdt.Path) (*Pair, error) {
	if old == nil {
		return FromTree(t)
	}
	p := *old
	for _, path := range touched {
		if len(path) == 0 {
			return FromTree(t)
		}
		if strings.HasPrefix(path[0], meetingPrefix) {
			p.Meetings = readMeetings(t)
			continue
		}
		switch path[0] {
		case kID, kTitle, kCreated, kClosedAt, kClosedBy, kCohort:
			readHeader(&p, t)
		case kMembers, kAgreement:
			readPeople(&p, t)
		case kGoals:
			p.Goals = readGoals(obj(t[kGoals]))
		case kCheckins:
			p.Checkins = readCheckins(obj(t[kCheckins]))
		case kWins:
			p.Wins = readWins(obj(t[kWins]))
		case kMessages:
			if len(path) == 2 {
				p.Messages, p.msgAt = upsertMessage(p.Messages, p.msgAt, path[1], obj(t[kMessages]))
			} else {
				p.Messages, p.msgAt = readAllMessages(t)
			}
		case kMessageLog:
			ok := false
			if len(path) == 2 && path[1] == crdt.Last {
				p.Messages, p.msgAt, ok = appendLogMessage(p.Messages, p.msgAt, t)
			}
			if !ok {
				p.Messages, p.msgAt = readAllMessages(t)
			}
			_, p.hasLog = t[kMessageLog].([]any)
		case kPrompts:
			p.Prompts = readPrompts(obj(t[kPrompts]))
		case kReflections:
			readReflections(&p, t)
		default: // the schema version, or a key this version does not know
			return FromTree(t)
		}
	}
	return &p, nil
}

func readHeader(p *Pair, t map[string]any) {
	p.ID, p.Title, p.Created, p.Closed, p.Cohort = str(t[kID]), str(t[kTitle]), when(t[kCreated]), nil, str(t[kCohort])
	if at := when(t[kClosedAt]); !at.IsZero() {
		p.Closed = &Closure{By: str(t[kClosedBy]), At: at}
	}
}

// readPeople reads the members and the agreement together: a member's
// time zone and hours live in the agreement.
func readPeople(p *Pair, t map[string]any) {
	ag := obj(t[kAgreement])
	tz, hours := obj(ag[kTimeZones]), obj(ag[kHours])
	_, p.hasHours = ag[kHours]
	p.Members = []Member{}
	for id, v := range obj(t[kMembers]) {
		m := obj(v)
		p.Members = append(p.Members, Member{ID: id, Name: str(m[kName]), Role: Role(str(m[kRole])), Joined: when(m[kJoined]), TimeZone: str(tz[id]), Hours: str(hours[id]), Seen: when(m[kSeen])})
	}
	sort.Slice(p.Members, func(i, j int) bool {
		return before(p.Members[i].Joined, p.Members[i].ID, p.Members[j].Joined, p.Members[j].ID)
	})
	p.Agreement = readAgreement(ag)
}

func readWins(all map[string]any) []Win {
	wins := []Win{}
	for id, v := range all {
		w := obj(v)
		wins = append(wins, Win{ID: id, Text: str(w[kText]), Date: str(w[kDate]), By: str(w[kBy]), Added: when(w[kAdded])})
	}
	sort.Slice(wins, func(i, j int) bool {
		a, b := wins[i], wins[j]
		if a.Date != b.Date {
			return a.Date < b.Date
		}
		return before(a.Added, a.ID, b.Added, b.ID)
	})
	return wins
}

func readMessage(id string, m map[string]any) Message {
	return Message{ID: id, Text: str(m[kText]), By: str(m[kBy]), At: when(m[kAt])}
}

func messageBefore(a, b Message) bool { return before(a.At, a.ID, b.At, b.ID) }

func readMessages(all map[string]any) ([]Message, map[string]time.Time) {
	msgs := make([]Message, 0, len(all))
	idx := make(map[string]time.Time, len(all))
	for id, v := range all {
		m := readMessage(id, obj(v))
		msgs = append(msgs, m)
		idx[id] = m.At
	}
	sort.Slice(msgs, func(i, j int) bool { return messageBefore(msgs[i], msgs[j]) })
	return msgs, idx
}

// upsertMessage returns old with message id as all now holds it: replaced,
// added in order, or gone, and the index of the result. The usual case, a
// new message later than all the others, appends without copying; the
// result may then share memory with old (and the index is updated in
// place), which is fine as long as old itself is never refreshed again.
func upsertMessage(old []Message, idx map[string]time.Time, id string, all map[string]any) ([]Message, map[string]time.Time) {
	if idx == nil {
		idx = make(map[string]time.Time, len(old)+1)
		for _, m := range old {
			idx[m.ID] = m.At
		}
	}
	at := -1
	if was, ok := idx[id]; ok {
		i := sort.Search(len(old), func(i int) bool { return !messageBefore(old[i], Message{ID: id, At: was}) })
		if i < len(old) && old[i].ID == id {
			at = i
		} else {
			at = slices.IndexFunc(old, func(m Message) bool { return m.ID == id })
		}
	}
	v, ok := all[id]
	if !ok {
		delete(idx, id)
		if at < 0 {
			return old, idx
		}
		return slices.Delete(slices.Clone(old), at, at+1), idx
	}
	m := readMessage(id, obj(v))
	idx[id] = m.At
	if at < 0 && (len(old) == 0 || messageBefore(old[len(old)-1], m)) {
		return append(old, m), idx
	}
	out := slices.Clone(old)
	if at >= 0 {
		out = slices.Delete(out, at, at+1)
	}
	i := sort.Search(len(out), func(i int) bool { return messageBefore(m, out[i]) })
	return slices.Insert(out, i, m), idx
}

func readPrompts(all map[string]any) []Answer {
	out := []Answer{}
	for _, v := range all {
		a := obj(v)
		out = append(out, Answer{Prompt: str(a[kPrompt]), Member: str(a[kMember]), Text: str(a[kText]), At: when(a[kAt])})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Prompt != b.Prompt {
			return a.Prompt < b.Prompt
		}
		return a.Member < b.Member
	})
	return out
}

func readReflections(p *Pair, t map[string]any) {
	p.Reflections = []Reflection{}
	_, p.hasReflections = t[kReflections]
	for _, v := range obj(t[kReflections]) {
		r := obj(v)
		ref := Reflection{Kind: ReflectionKind(str(r[kKind])), Member: str(r[kMember]), Rating: int(num(r[kRating])), At: when(r[kAt]), Answers: map[string]string{}}
		for k, a := range r {
			if q, ok := strings.CutPrefix(k, "q."); ok {
				ref.Answers[q] = str(a)
			}
		}
		p.Reflections = append(p.Reflections, ref)
	}
	sort.Slice(p.Reflections, func(i, j int) bool {
		a, b := p.Reflections[i], p.Reflections[j]
		if a.Kind != b.Kind {
			return a.Kind > b.Kind // midpoint before closing
		}
		return a.Member < b.Member
	})
}

func readAgreement(ag map[string]any) Agreement {
	a := Agreement{
		CadenceDays:     int(num(ag[kCadence])),
		Availability:    str(ag[kAvailability]),
		Boundaries:      str(ag[kBoundaries]),
		Confidentiality: str(ag[kConfidentiality]),
		Expectations:    str(ag[kExpectations]),
		Start:           str(ag[kStart]),
		End:             str(ag[kEnd]),
		Review:          str(ag[kReview]),
		Channels:        []Channel{},
		Signatures:      []Signature{},
	}
	purpose, resp := obj(ag[kChanPurpose]), obj(ag[kChanResponse])
	for _, kind := range Channels {
		_, hasP := purpose[kind]
		_, hasR := resp[kind]
		if hasP || hasR {
			a.Channels = append(a.Channels, Channel{Kind: kind, Purpose: str(purpose[kind]), ResponseHours: int(num(resp[kind]))})
		}
	}
	for id, v := range obj(ag[kSignatures]) {
		s := obj(v)
		a.Signatures = append(a.Signatures, Signature{Member: id, Name: str(s[kName]), Version: str(s[kVersion]), At: when(s[kAt])})
	}
	sort.Slice(a.Signatures, func(i, j int) bool { return a.Signatures[i].Member < a.Signatures[j].Member })
	return a
}

func readGoals(all map[string]any) []Goal {
	goals := []Goal{}
	for id, v := range all {
		g := obj(v)
		if g[kRemoved] == true {
			continue
		}
		goal := Goal{
			ID: id, Title: str(g[kTitle]), Why: str(g[kWhy]), Measure: str(g[kMeasure]),
			Obstacles: str(g[kObstacles]), Status: Status(str(g[kStatus])), Target: str(g[kTarget]),
			Added: when(g[kAdded]), AddedBy: str(g[kBy]), Milestones: []Milestone{},
		}
		for mid, mv := range obj(g[kMilestones]) {
			m := obj(mv)
			if m[kRemoved] == true {
				continue
			}
			goal.Milestones = append(goal.Milestones, Milestone{ID: mid, Title: str(m[kTitle]), Due: str(m[kDue]), Done: m[kDone] == true, Added: when(m[kAdded])})
		}
		sort.Slice(goal.Milestones, func(i, j int) bool {
			a, b := goal.Milestones[i], goal.Milestones[j]
			if a.Due != b.Due {
				return a.Due != "" && (b.Due == "" || a.Due < b.Due)
			}
			return before(a.Added, a.ID, b.Added, b.ID)
		})
		goals = append(goals, goal)
	}
	sort.Slice(goals, func(i, j int) bool { return before(goals[i].Added, goals[i].ID, goals[j].Added, goals[j].ID) })
	return goals
}

func readCheckins(all map[string]any) []Checkin {
	out := []Checkin{}
	for id, v := range all {
		c := obj(v)
		if c[kRemoved] == true {
			continue
		}
		ci := Checkin{
			ID: id, Date: str(c[kDate]), Channel: str(c[kChannel]), Minutes: int(num(c[kMinutes])),
			Agenda: str(c[kAgenda]), Notes: str(c[kNotes]), Added: when(c[kAdded]), AddedBy: str(c[kBy]),
			Actions: []Action{}, Feedback: []Feedback{}, Meeting: str(c[kMeeting]),
		}
		for aid, av := range obj(c[kActions]) {
			a := obj(av)
			ci.Actions = append(ci.Actions, Action{ID: aid, Text: str(a[kText]), Owner: str(a[kOwner]), Due: str(a[kDue]), Done: a[kDone] == true, Added: when(a[kAdded])})
		}
		sort.Slice(ci.Actions, func(i, j int) bool {
			return before(ci.Actions[i].Added, ci.Actions[i].ID, ci.Actions[j].Added, ci.Actions[j].ID)
		})
		for mid, fv := range obj(c[kFeedback]) {
			f := obj(fv)
			ci.Feedback = append(ci.Feedback, Feedback{Member: mid, Rating: int(num(f[kRating])), Comment: str(f[kComment]), At: when(f[kAt])})
		}
		sort.Slice(ci.Feedback, func(i, j int) bool { return ci.Feedback[i].Member < ci.Feedback[j].Member })
		out = append(out, ci)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Date != b.Date {
			return a.Date < b.Date
		}
		return before(a.Added, a.ID, b.Added, b.ID)
	})
	return out
}

func before(ta time.Time, ida string, tb time.Time, idb string) bool {
	if !ta.Equal(tb) {
		return ta.Before(tb)
	}
	return ida < idb
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case uint64:
		return int64(n)
	case float64:
		return int64(n)
	}
	return 0
}

func when(v any) time.Time {
	t, _ := v.(time.Time)
	return t.UTC()
}
