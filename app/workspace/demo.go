package workspace

import (
	"fmt"
	"time"

	"pairwise/app/crdt"
	"pairwise/app/mentoring"
	"pairwise/app/store"
)

// SeedDemo fills an empty workspace with a realistic pair a few months into
// its relationship, so a newcomer sees a living workspace at once. The
// partner's side is written by a second replica and merged in, exactly as
// if it had arrived from the relay.
func SeedDemo(w *Workspace) (string, error) {
	now := w.Now()
	date := func(daysAgo int) string { return now.AddDate(0, 0, -daysAgo).Format(mentoring.DateLayout) }
	at := func(daysAgo int) time.Time { return now.AddDate(0, 0, -daysAgo) }
	if err := w.UpdateSettings(func(s *Settings) { s.Name, s.Role = "Ana Costa", string(mentoring.Mentor) }); err != nil {
		return "", err
	}
	// Ana's edits are stamped with the day they would have happened, so the
	// activity feed reads like months of real use.
	clock := *w.clock.Load()
	defer w.SetNow(clock)
	when := func(daysAgo int) { w.SetNow(func() time.Time { return at(daysAgo) }) }
	when(120)
	id, err := w.NewPair("Ana & Ben — leadership track", "Ana Costa", mentoring.Mentor)
	if err != nil {
		return "", err
	}
	ana := func(daysAgo int, build Editor) string {
		if err != nil {
			return ""
		}
		when(daysAgo)
		var made string
		made, err = w.Edit(id, build)
		return made
	}
	ana(120, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SetTimeZone(p, me, "Europe/Lisbon")
	})
	ana(120, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SetHours(p, me, "mon-fri 16:00-19:00")
	})
	ana(120, func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
		return mentoring.SetAgreement(p, mentoring.AgreementInput{
			CadenceDays: ptr(14), Start: ptr(date(120)), End: ptr(date(-245)), Review: ptr(date(-60)),
			Availability:    ptr("Ana: Tue/Thu 17:00–19:00 Lisbon. Ben: weekdays after 16:00 Lagos."),
			Boundaries:      ptr("Career and leadership questions; not a substitute for Ben's line manager. No calls at weekends."),
			Confidentiality: ptr("What we discuss stays between us unless we both agree to share it."),
			Expectations:    ptr("Ben brings an agenda two days before each call. Ana answers chat within a day. Either of us can pause the relationship with a week's notice."),
			Channels: map[string]*mentoring.Channel{
				"video": {Purpose: "fortnightly check-ins", ResponseHours: 0},
				"chat":  {Purpose: "quick questions between calls", ResponseHours: 24},
				"email": {Purpose: "documents and longer feedback", ResponseHours: 72},
			},
		})
	})
	if err != nil {
		return "", err
	}

	// Ben's replica: joins, signs, adds his goals.
	h, err := w.get(id)
	if err != nil {
		return "", err
	}
	h.mu.Lock()
	ben, err := h.doc.Fork(crdt.NewActor())
	h.mu.Unlock()
	if err != nil {
		return "", err
	}
	benDo := func(build func(p *mentoring.Pair) (mentoring.Edit, error), daysAgo int) string {
		return replicaDo(ben, &err, build, at(daysAgo))
	}
	benID := ben.Actor()
	benDo(func(p *mentoring.Pair) (mentoring.Edit, error) {
		return mentoring.Join(p, mentoring.Member{ID: benID, Name: "Ben Okafor", Role: mentoring.Mentee, TimeZone: "Africa/Lagos"}, at(119))
	}, 119)
	benDo(func(p *mentoring.Pair) (mentoring.Edit, error) {
		return mentoring.SetHours(p, benID, "mon-fri 16:00-20:00")
	}, 119)
	benDo(func(p *mentoring.Pair) (mentoring.Edit, error) { return mentoring.Sign(p, benID, at(118)) }, 118)
	g1 := benDo(func(p *mentoring.Pair) (mentoring.Edit, error) {
		return mentoring.AddGoal(p, benID, mentoring.GoalInput{Title: ptr("Lead my team's quarterly planning"), Status: ptr(mentoring.InProgress),
			Why: ptr("I want to move from tech lead to engineering manager within a year."), Measure: ptr("I run the Q2 planning session end to end and the team rates it 4/5 or better."),
			Obstacles: ptr("Nervous about facilitating senior colleagues; little time to prepare."), Target: ptr(date(-40))}, at(110))
	}, 110)
	g2 := benDo(func(p *mentoring.Pair) (mentoring.Edit, error) {
		return mentoring.AddGoal(p, benID, mentoring.GoalInput{Title: ptr("Give a talk at the regional meetup"), Status: ptr(mentoring.Achieved),
			Why: ptr("Build visibility outside my company."), Measure: ptr("A 20-minute talk delivered."), Target: ptr(date(30))}, at(100))
	}, 100)
	benDo(func(p *mentoring.Pair) (mentoring.Edit, error) {
		return mentoring.AddGoal(p, benID, mentoring.GoalInput{Title: ptr("Read two books on management"), Status: ptr(mentoring.NotStarted), Target: ptr(date(-90))}, at(60))
	}, 60)
	for _, m := range []struct {
		goal, title string
		due         int
		done        bool
	}{
		{g1, "Shadow Maria's planning session", 80, true},
		{g1, "Draft the planning agenda with Ana", 20, true},
		{g1, "Run a dry run with two teammates", -10, false},
		{g1, "Facilitate Q2 planning", -40, false},
		{g2, "Submit the talk proposal", 70, true},
		{g2, "Rehearse with Ana", 40, true},
	} {
		ms := benDo(func(p *mentoring.Pair) (mentoring.Edit, error) {
			return mentoring.AddMilestone(p, m.goal, m.title, date(m.due), at(max(m.due+10, 20)))
		}, max(m.due+10, 20))
		if m.done {
			benDo(func(p *mentoring.Pair) (mentoring.Edit, error) {
				return mentoring.SetMilestoneDone(p, m.goal, ms, true)
			}, max(m.due, 1))
		}
	}
	benDo(func(p *mentoring.Pair) (mentoring.Edit, error) {
		return mentoring.AddWin(p, benID, "My meetup talk got the most questions of the evening!", date(30), at(30))
	}, 30)
	benDo(func(p *mentoring.Pair) (mentoring.Edit, error) {
		return mentoring.SendMessage(p, benID, "Sent you the draft agenda for planning — any thoughts before Thursday?", at(2))
	}, 2)
	if err != nil {
		return "", fmt.Errorf("seed demo: %w", err)
	}
	if err := w.ApplyRemote(id, []Remote{{Kind: store.Document, Data: ben.Save()}}, 0); err != nil {
		return "", err
	}

	// Ana's side: she signs and logs the check-ins with both ratings.
	ana(117, func(p *mentoring.Pair, me string) (mentoring.Edit, error) { return mentoring.Sign(p, me, at(117)) })
	notes := []string{
		"Getting to know each other. Ben wants to grow into management; we agreed on a fortnightly rhythm.",
		"Talked about facilitation. Ben will shadow Maria's planning session.",
		"Ben's talk proposal was accepted. Practised the opening together.",
		"Debrief on the meetup talk — great questions from the audience.",
		"Reviewed the planning agenda draft. Ben to run a dry run with two teammates.",
	}
	days := []int{116, 88, 70, 29, 11}
	var checkins []string
	for i, daysAgo := range days {
		ci := ana(daysAgo, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			in := mentoring.CheckinInput{Date: date(daysAgo), Channel: "video", Minutes: 45 + 15*(i%2), Agenda: "Progress on goals; what's in the way", Notes: notes[i]}
			if i == 4 {
				in.Actions = []mentoring.ActionInput{{Text: "Dry run of the planning session", Owner: benID, Due: date(-10)}, {Text: "Share facilitation checklist", Owner: me, Due: date(5)}}
			}
			return mentoring.AddCheckin(p, me, in, at(daysAgo))
		})
		ana(daysAgo, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.Rate(p, ci, me, 4+i%2, "Good energy; concrete next steps.", at(daysAgo))
		})
		checkins = append(checkins, ci)
	}
	// Three days ago Ana scheduled the next check-in, inside both their
	// hours: the first weekday at least two days ahead, 17:00 in Lisbon.
	meeting := ana(3, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.ScheduleMeeting(p, me, mentoring.MeetingInput{
			At: demoMeetingDay(now).Format(mentoring.DateLayout) + " 17:00", Zone: "Europe/Lisbon", Minutes: 45, Channel: "video",
			Link: "https://meet.jit.si/ana-ben-leadership", Agenda: "How the planning dry run went; the facilitation checklist",
		}, at(3))
	})
	if err != nil {
		return "", fmt.Errorf("seed demo: %w", err)
	}

	// Ben rates each check-in from his replica, after it reached him.
	h.mu.Lock()
	ben2, err := h.doc.Fork(benID)
	h.mu.Unlock()
	if err != nil {
		return "", err
	}
	for i, ci := range checkins {
		replicaDo(ben2, &err, func(p *mentoring.Pair) (mentoring.Edit, error) {
			return mentoring.Rate(p, ci, benID, 5-i%2, "Really useful, thank you.", at(days[i]-1))
		}, at(days[i]-1))
	}
	replicaDo(ben2, &err, func(p *mentoring.Pair) (mentoring.Edit, error) {
		return mentoring.SetAttendance(p, benID, meeting, true)
	}, at(1))
	// Ben's app synced this morning, with nothing new to say.
	synced := now.Add(-3 * time.Hour)
	replicaDo(ben2, &err, func(p *mentoring.Pair) (mentoring.Edit, error) { return mentoring.Presence(p, benID, synced) }, synced)
	if err != nil {
		return "", fmt.Errorf("seed demo: %w", err)
	}
	if err := w.ApplyRemote(id, []Remote{{Kind: store.Document, Data: ben2.Save()}}, 0); err != nil {
		return "", err
	}
	when(0)
	if err := seedDemoCohort(w, id, now); err != nil {
		return "", fmt.Errorf("seed demo cohort: %w", err)
	}
	w.SettleReports() // the demo is whole, board included, when this returns
	return id, nil
}

// demoMeetingDay is the day of the demo's scheduled check-in: the first
// weekday at least two days after now, in Lisbon.
func demoMeetingDay(now time.Time) time.Time {
	lisbon, err := time.LoadLocation("Europe/Lisbon")
	if err != nil {
		lisbon = time.UTC
	}
	d := now.In(lisbon).AddDate(0, 0, 2)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// seedDemoCohort adds the cohort Ana coordinates, with the demo pair linked
// to it and, as if other members' apps had reported them, three more pairs
// at different points of their rhythm.
func seedDemoCohort(w *Workspace, pair string, now time.Time) error {
	date := func(daysAgo int) string { return now.AddDate(0, 0, -daysAgo).Format(mentoring.DateLayout) }
	c, err := w.NewCohort("Leadership cohort 2026/27", "Ana Costa", date(120), date(-245))
	if err != nil {
		return err
	}
	edits := []func(*mentoring.Programme) (mentoring.Edit, error){
		func(*mentoring.Programme) (mentoring.Edit, error) {
			return mentoring.AddEvent(mentoring.EventInput{Kind: "training", Title: "Giving and receiving feedback", Date: date(-9), Time: "17:00", Zone: "Europe/Lisbon", Minutes: 90,
				Link: "https://meet.example.org/leadership-feedback", Details: "A 90-minute workshop on video. Bring one piece of feedback you found hard to give."})
		},
		func(*mentoring.Programme) (mentoring.Edit, error) {
			return mentoring.AddEvent(mentoring.EventInput{Kind: "social", Title: "Cohort coffee", Date: date(-30), Details: "Informal catch-up for all pairs."})
		},
		func(*mentoring.Programme) (mentoring.Edit, error) {
			return mentoring.AddResource("Mentoring agreement guide", "https://example.org/mentoring/agreements", "How to agree cadence, channels and boundaries in the first meeting.", now)
		},
		func(*mentoring.Programme) (mentoring.Edit, error) {
			return mentoring.AddResource("The RASA listening habit", "", "Receive, appreciate, summarise, ask: a one-page reminder to keep beside your check-in notes.", now)
		},
	}
	for _, p := range []struct {
		name string
		role mentoring.Role
	}{{"Ana Costa", mentoring.Mentor}, {"Ben Okafor", mentoring.Mentee}, {"Rui Santos", mentoring.Mentor}, {"Maya Chen", mentoring.Mentee}, {"Sofia Lind", mentoring.Mentor}, {"Tom Berg", mentoring.Mentee}, {"Lena Roth", mentoring.Mentor}, {"Omar Haddad", mentoring.Mentee}, {"Priya Nair", mentoring.Mentee}} {
		edits = append(edits, func(*mentoring.Programme) (mentoring.Edit, error) { return mentoring.AddPerson(p.name, p.role, "") })
	}
	for _, e := range edits {
		if _, err := w.EditCohort(c, e); err != nil {
			return err
		}
	}
	if err := w.LinkPair(pair, c); err != nil {
		return err
	}
	for _, r := range []mentoring.Report{
		{Pair: randomHex(16), Title: "Rui & Maya", Mentors: []string{"Rui Santos"}, Mentees: []string{"Maya Chen"}, CadenceDays: 21, LastContact: date(6), Checkins: 5, Signed: 2, Goals: 3, Achieved: 1, Progress: 58,
			Heard: []mentoring.HeardFrom{{Name: "Rui Santos", Day: date(0)}, {Name: "Maya Chen", Day: date(1)}}},
		{Pair: randomHex(16), Title: "Sofia & Tom", Mentors: []string{"Sofia Lind"}, Mentees: []string{"Tom Berg"}, CadenceDays: 14, LastContact: date(19), Checkins: 4, Signed: 1, Goals: 2, Progress: 25,
			Heard: []mentoring.HeardFrom{{Name: "Sofia Lind", Day: date(0)}, {Name: "Tom Berg", Day: date(0)}}},
		{Pair: randomHex(16), Title: "Lena & Omar", Mentors: []string{"Lena Roth"}, Mentees: []string{"Omar Haddad"}, CadenceDays: 14, LastContact: date(41), Checkins: 2, Signed: 2, SignedEarlier: 0, Goals: 2, Progress: 10,
			Heard: []mentoring.HeardFrom{{Name: "Lena Roth", Day: date(2)}, {Name: "Omar Haddad", Day: date(12)}}},
	} {
		if err := w.onReport(c, r.Pair, func(old *mentoring.Report) (mentoring.Edit, bool) { return mentoring.PutReport(old, r, now) }); err != nil {
			return err
		}
	}
	return nil
}

// replicaDo makes one edit as a commit on another replica's document,
// unless an earlier step failed.
func replicaDo(doc *crdt.Doc, errp *error, build func(p *mentoring.Pair) (mentoring.Edit, error), at time.Time) string {
	if *errp != nil {
		return ""
	}
	p, err := mentoring.Read(doc)
	if err == nil {
		var e mentoring.Edit
		if e, err = build(p); err == nil {
			if err = e.Apply(doc); err == nil {
				_, err = doc.Commit(e.Msg, at)
				if err == nil {
					return e.ID
				}
			}
		}
	}
	*errp = err
	return ""
}

func ptr[T any](v T) *T { return &v }
