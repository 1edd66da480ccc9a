package workspace

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"pairwise/app/mentoring"
)

// yearLongPair fills a pair with a year of fortnightly use: 26 check-ins
// with notes and actions, both ratings, goals with milestones, wins and a
// few hundred messages.
func yearLongPair(tb testing.TB, ws *Workspace) string {
	tb.Helper()
	pair, err := ws.NewPair("A year together", "Ana", mentoring.Mentor)
	if err != nil {
		tb.Fatal(err)
	}
	do := func(build Editor) string {
		id, err := ws.Edit(pair, build)
		if err != nil {
			tb.Fatal(err)
		}
		return id
	}
	start := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	notes := strings.Repeat("We talked about the quarter, what went well and what to try next. ", 12)
	for g := 0; g < 8; g++ {
		title := fmt.Sprintf("Goal %d", g)
		why := strings.Repeat("Because it matters for the next role. ", 5)
		gid := do(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.AddGoal(p, me, mentoring.GoalInput{Title: &title, Why: &why}, start)
		})
		for m := 0; m < 5; m++ {
			do(func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
				return mentoring.AddMilestone(p, gid, fmt.Sprintf("Step %d", m), "", start)
			})
		}
	}
	for c := 0; c < 26; c++ {
		date := start.AddDate(0, 0, 14*c).Format(mentoring.DateLayout)
		cid := do(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.AddCheckin(p, me, mentoring.CheckinInput{Date: date, Channel: "video", Notes: notes,
				Actions: []mentoring.ActionInput{{Text: "Follow up", Owner: me}}}, start)
		})
		do(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.Rate(p, cid, me, 4, "Useful", start)
		})
		for m := 0; m < 10; m++ {
			do(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
				return mentoring.SendMessage(p, me, "A quick note between meetings, with a link or a question.", start)
			})
		}
	}
	return pair
}

// BenchmarkEditYearLongPair measures one durable edit (synced to disk
// before it returns) on a year-long pair, and reports p50/p99.
func BenchmarkEditYearLongPair(b *testing.B) {
	ws, err := Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ws.Close()
	pair := yearLongPair(b, ws)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.SendMessage(p, me, "ok", time.Now())
		}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	reportPercentiles(b, lat)
}

// BenchmarkOpenYearLongPair measures opening a data folder and reading a
// year-long pair, as the app does when it starts on it.
func BenchmarkOpenYearLongPair(b *testing.B) {
	dir := b.TempDir()
	ws, err := Open(dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	pair := yearLongPair(b, ws)
	ws.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ws, err := Open(dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ws.Pair(pair); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		ws.Close()
		b.StartTimer()
	}
}

// BenchmarkStartWith50Pairs measures opening a folder of 50 pairs and
// listing them with their state, as the app's sidebar does at start.
func BenchmarkStartWith50Pairs(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "data")
	ws, err := Open(dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		pair, err := ws.NewPair(fmt.Sprintf("Pair %d", i), "Ana", mentoring.Mentor)
		if err != nil {
			b.Fatal(err)
		}
		for c := 0; c < 10; c++ {
			ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
				return mentoring.AddCheckin(p, me, mentoring.CheckinInput{Date: "2026-01-01", Notes: "notes"}, time.Now())
			})
		}
	}
	ws.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ws, err := Open(dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		if list, err := ws.List(); err != nil || len(list) != 50 {
			b.Fatalf("list: %d, %v", len(list), err)
		}
		b.StopTimer()
		ws.Close()
		b.StartTimer()
	}
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	at := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// BenchmarkEditPairInACohort measures durable edits on a year-long pair
// that reports to a cohort of 500 pairs: one in eight ticks a milestone,
// which changes the pair's health and so also writes its report on the
// board; the others are messages, which do not.
func BenchmarkEditPairInACohort(b *testing.B) {
	ws, err := Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ws.Close()
	pair := yearLongPair(b, ws)
	cohort, err := ws.NewCohort("Big cohort", "Dana", "", "")
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 499; i++ {
		r := mentoring.Report{Pair: randomHex(16), Title: fmt.Sprintf("Pair %d", i), Mentors: []string{"A mentor"}, Mentees: []string{"A mentee"}, CadenceDays: 14, LastContact: "2026-11-01", Checkins: 9, Signed: 2, Goals: 3, Progress: 40}
		if err := ws.onReport(cohort, r.Pair, func(old *mentoring.Report) (mentoring.Edit, bool) { return mentoring.PutReport(old, r, time.Now()) }); err != nil {
			b.Fatal(err)
		}
	}
	if err := ws.LinkPair(pair, cohort); err != nil {
		b.Fatal(err)
	}
	p, _ := ws.Pair(pair)
	var steps [][2]string
	for _, g := range p.Goals {
		for _, m := range g.Milestones {
			steps = append(steps, [2]string{g.ID, m.ID})
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		_, err := ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			if i%8 == 0 {
				s := steps[(i/8)%len(steps)]
				return mentoring.SetMilestoneDone(p, s[0], s[1], (i/8/len(steps))%2 == 0)
			}
			return mentoring.SendMessage(p, me, "ok", time.Now())
		})
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	reportPercentiles(b, lat)
}
