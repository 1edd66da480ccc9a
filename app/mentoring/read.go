package mentoring

import (
	"errors"
	"fmt"
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

// FromTree returns the typed pair from a document's plain tree (as
// crdt.Doc.Tree returns it). It does not modify t.
func FromTree(t map[string]any) (*Pair, error) {
	if _, ok := t[kMembers]; !ok {
		return nil, ErrNotReady
	}
	if v := num(t[kSchema]); v > SchemaVersion {
		return nil, ErrNewerSchema
	}
	p := &Pair{
		ID:      str(t[kID]),
		Title:   str(t[kTitle]),
		Created: when(t[kCreated]),
		Members: []Member{}, Wins: []Win{}, Messages: []Message{}, Prompts: []Answer{},
	}
	ag := obj(t[kAgreement])
	tz, hours := obj(ag[kTimeZones]), obj(ag[kHours])
	_, p.hasHours = ag[kHours]
	for id, v := range obj(t[kMembers]) {
		m := obj(v)
		p.Members = append(p.Members, Member{ID: id, Name: str(m[kName]), Role: Role(str(m[kRole])), Joined: when(m[kJoined]), TimeZone: str(tz[id]), Hours: str(hours[id])})
	}
	sort.Slice(p.Members, func(i, j int) bool {
		return before(p.Members[i].Joined, p.Members[i].ID, p.Members[j].Joined, p.Members[j].ID)
	})
	p.Agreement = readAgreement(ag)
	p.Goals = readGoals(obj(t[kGoals]))
	p.Checkins = readCheckins(obj(t[kCheckins]))
	for id, v := range obj(t[kWins]) {
		w := obj(v)
		p.Wins = append(p.Wins, Win{ID: id, Text: str(w[kText]), Date: str(w[kDate]), By: str(w[kBy]), Added: when(w[kAdded])})
	}
	sort.Slice(p.Wins, func(i, j int) bool {
		a, b := p.Wins[i], p.Wins[j]
		if a.Date != b.Date {
			return a.Date < b.Date
		}
		return before(a.Added, a.ID, b.Added, b.ID)
	})
	for id, v := range obj(t[kMessages]) {
		m := obj(v)
		p.Messages = append(p.Messages, Message{ID: id, Text: str(m[kText]), By: str(m[kBy]), At: when(m[kAt])})
	}
	sort.Slice(p.Messages, func(i, j int) bool {
		return before(p.Messages[i].At, p.Messages[i].ID, p.Messages[j].At, p.Messages[j].ID)
	})
	for _, v := range obj(t[kPrompts]) {
		a := obj(v)
		p.Prompts = append(p.Prompts, Answer{Prompt: str(a[kPrompt]), Member: str(a[kMember]), Text: str(a[kText]), At: when(a[kAt])})
	}
	sort.Slice(p.Prompts, func(i, j int) bool {
		a, b := p.Prompts[i], p.Prompts[j]
		if a.Prompt != b.Prompt {
			return a.Prompt < b.Prompt
		}
		return a.Member < b.Member
	})
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
	if at := when(t[kClosedAt]); !at.IsZero() {
		p.Closed = &Closure{By: str(t[kClosedBy]), At: at}
	}
	return p, nil
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
			Actions: []Action{}, Feedback: []Feedback{},
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
