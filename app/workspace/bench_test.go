package workspace

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/automerge/automerge-go"

	"pairwise/app/crdt"
	"pairwise/app/mentoring"
	"pairwise/app/store"
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

// partnerOf returns a replica of pair that writes as a new member, the
// partner whose changes the benchmarks receive.
func partnerOf(tb testing.TB, ws *Workspace, pair string) *crdt.Doc {
	tb.Helper()
	snap, err := ws.Snapshot(pair)
	if err != nil {
		tb.Fatal(err)
	}
	partner, err := crdt.Load(snap, crdt.NewActor())
	if err != nil {
		tb.Fatal(err)
	}
	return partner
}

// partnerMessages makes n changes on partner, each a short message, and
// returns them as the relay would hand them over.
func partnerMessages(tb testing.TB, partner *crdt.Doc, n int) []Remote {
	tb.Helper()
	out := make([]Remote, 0, n)
	for i := 0; i < n; i++ {
		p, err := mentoring.Read(partner)
		if err != nil {
			tb.Fatal(err)
		}
		e, err := mentoring.SendMessage(p, partner.Actor(), "A quick note from the partner.", time.Now())
		if err != nil {
			tb.Fatal(err)
		}
		if err := e.Apply(partner); err != nil {
			tb.Fatal(err)
		}
		ch, err := partner.Commit(e.Msg, time.Now())
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, Remote{Kind: store.Changes, Data: ch})
	}
	return out
}

// BenchmarkApplyRemoteBatch measures receiving a batch of 100 changes from
// the partner into a year-long pair, in one Workspace.ApplyRemote call as
// the sync client makes for one frame of records; it reports the cost per
// received change too. The partner's changes are made with the timer
// stopped.
func BenchmarkApplyRemoteBatch(b *testing.B) {
	const batch = 100
	ws, err := Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ws.Close()
	pair := yearLongPair(b, ws)
	partner := partnerOf(b, ws, pair)
	st, err := ws.st.State(pair)
	if err != nil {
		b.Fatal(err)
	}
	cursor := st.Cursor
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		items := partnerMessages(b, partner, batch)
		cursor += batch
		b.StartTimer()
		if err := ws.ApplyRemote(pair, items, cursor); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batch), "µs/change")
	if p, err := ws.Pair(pair); err != nil || len(p.Messages) < b.N*batch {
		b.Fatalf("after the batches: %v, %d messages", err, len(p.Messages))
	}
}

// BenchmarkCompactYearLongPair measures folding a year-long pair's chunks
// (its whole history, one chunk per edit) into a snapshot: saving the
// document, writing the snapshot and dropping the chunks, durably. Between
// rounds, with the timer stopped, the same chunks are written back, so
// every round folds the same history.
func BenchmarkCompactYearLongPair(b *testing.B) {
	ws, err := OpenWith(b.TempDir(), Options{CompactIdle: time.Hour, CompactChunksHard: 1 << 20, CompactBytesHard: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	defer ws.Close()
	pair := yearLongPair(b, ws)
	snap, chunks, err := ws.st.Load(pair)
	if err != nil || snap != nil {
		b.Fatalf("load before compacting: %v, snapshot of %d bytes (want none yet)", err, len(snap))
	}
	h, err := ws.get(pair)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if i > 0 {
			if _, err := ws.st.AppendRemote(pair, chunks, 0); err != nil {
				b.Fatal(err)
			}
			if _, err := ws.st.AppendRemote(pair, nil, 0); err != nil { // waits for the sync of the one before
				b.Fatal(err)
			}
		}
		st, err := ws.st.State(pair)
		if err != nil || st.Chunks != len(chunks) {
			b.Fatalf("before compacting: %v, %d chunks, want %d", err, st.Chunks, len(chunks))
		}
		b.StartTimer()
		h.mu.Lock()
		ws.compactNow(h, st.NextChunk)
		h.mu.Unlock()
		b.StopTimer()
		if st, err := ws.st.State(pair); err != nil || st.Chunks != 0 {
			b.Fatalf("after compacting: %v, %d chunks left", err, st.Chunks)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(len(chunks)), "chunks")
}

// BenchmarkLoadCatchUpSnapshot measures the step that bounds W3's catch-up:
// the reader loading the relay's snapshot of a pair that holds W3's 5,100
// edits (100 shared, then 5,000 made while it was offline), each one
// message as the load tool sends them. "checked" is crdt.Load as the
// reader runs it (Pairwise's checks of hostile bytes, then Automerge);
// "automerge" is Automerge's own load of the same bytes and nothing else,
// the part no change on Pairwise's side can shorten.
func BenchmarkLoadCatchUpSnapshot(b *testing.B) {
	ws, err := OpenWith(b.TempDir(), Options{Memory: true})
	if err != nil {
		b.Fatal(err)
	}
	defer ws.Close()
	pair, err := ws.NewPair("Catch-up", "Ana", mentoring.Mentor)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 5100 {
		if _, err := ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.SendMessage(p, me, fmt.Sprintf("load %d", i), time.Now())
		}); err != nil {
			b.Fatal(err)
		}
	}
	snap, err := ws.Snapshot(pair)
	if err != nil {
		b.Fatal(err)
	}
	if p, err := ws.Pair(pair); err != nil || len(p.Messages) != 5100 {
		b.Fatalf("the pair holds %v messages, want 5100: %v", len(p.Messages), err)
	}
	b.Run("checked", func(b *testing.B) {
		b.SetBytes(int64(len(snap)))
		for range b.N {
			if _, err := crdt.Load(snap, crdt.NewActor()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("automerge", func(b *testing.B) {
		b.SetBytes(int64(len(snap)))
		for range b.N {
			if _, err := automerge.Load(snap); err != nil {
				b.Fatal(err)
			}
		}
	})
}
