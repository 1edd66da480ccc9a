package workspace

import (
	"testing"
	"time"

	"pairwise/app/mentoring"
)

// openWithPair opens a data folder in dir and creates a pair in it.
func openWithPair(t *testing.T, dir, title string) (*Workspace, string) {
	t.Helper()
	return openPairWith(t, dir, title, Options{Logf: t.Logf})
}

// openPairWith is openWithPair with options.
func openPairWith(t *testing.T, dir, title string, o Options) (*Workspace, string) {
	t.Helper()
	ws, err := OpenWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	id, err := ws.NewPair(title, "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	return ws, id
}

// sendMessages makes n edits, each a short message.
func sendMessages(t *testing.T, ws *Workspace, id string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := ws.Edit(id, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.SendMessage(p, me, "hello", ws.Now())
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCompactionWaitsForAPause: past the soft threshold an edit does not
// pay for folding the history into a snapshot; once the pair is left alone
// the chunks are folded, and the pair reads the same before and after a
// reopen.
func TestCompactionWaitsForAPause(t *testing.T) {
	dir := t.TempDir()
	ws, id := openPairWith(t, dir, "Compaction", Options{Logf: t.Logf, CompactIdle: 300 * time.Millisecond})
	send := func(n int) { sendMessages(t, ws, id, n) }
	chunks := func() int {
		st, err := ws.st.State(id)
		if err != nil {
			t.Fatal(err)
		}
		return st.Chunks
	}
	send(compactChunks + 10)
	if n := chunks(); n < compactChunks {
		t.Fatalf("%d chunks right after the burst: the edits paid for a compaction", n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for chunks() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("still %d chunks long after the pair went idle", chunks())
		}
		time.Sleep(20 * time.Millisecond)
	}
	before, err := ws.Pair(id)
	if err != nil {
		t.Fatal(err)
	}
	send(3) // the snapshot is a base for more edits
	if err := ws.Close(); err != nil {
		t.Fatal(err)
	}
	ws, err = Open(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	after, err := ws.Pair(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Messages) != len(before.Messages)+3 || len(before.Messages) != compactChunks+10 {
		t.Fatalf("messages: %d before reopening, %d after; want %d and %d", len(before.Messages), len(after.Messages), compactChunks+10, compactChunks+13)
	}
}

// TestCloseRunsAWaitingCompaction: a compaction still waiting for a pause
// runs when the folder is closed, so the next start loads a snapshot.
func TestCloseRunsAWaitingCompaction(t *testing.T) {
	dir := t.TempDir()
	ws, id := openPairWith(t, dir, "Closing", Options{Logf: t.Logf, CompactIdle: time.Hour})
	sendMessages(t, ws, id, compactChunks+5)
	if err := ws.Close(); err != nil {
		t.Fatal(err)
	}
	ws, err := Open(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if st, _ := ws.st.State(id); st.Chunks != 0 {
		t.Fatalf("%d chunks after closing: the waiting compaction did not run", st.Chunks)
	}
	if p, err := ws.Pair(id); err != nil || len(p.Messages) != compactChunks+5 {
		t.Fatalf("after reopening: %v, %d messages", err, len(p.Messages))
	}
}

// TestManyChunksForceACompaction: a pair that is never idle is still
// compacted once its chunks pile up past the hard limit.
func TestManyChunksForceACompaction(t *testing.T) {
	o := Options{Logf: t.Logf, CompactIdle: time.Hour, CompactBytesHard: 200_000}
	ws, id := openPairWith(t, t.TempDir(), "Busy", o)
	defer ws.Close()
	big := make([]byte, 19000)
	for i := range big {
		big[i] = 'a' + byte(i%26)
	}
	edits := int(o.CompactBytesHard/19000) + 5
	for i := 0; i < edits; i++ {
		if _, err := ws.Edit(id, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.AddCheckin(p, me, mentoring.CheckinInput{Date: "2026-11-02", Notes: string(big)}, ws.Now())
		}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := ws.st.State(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.ChunkBytes >= o.CompactBytesHard {
		t.Fatalf("%d bytes of chunks past the snapshot: the hard limit did not compact", st.ChunkBytes)
	}
	p, err := ws.Pair(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Checkins) != edits {
		t.Fatalf("%d check-ins after the forced compaction, want %d", len(p.Checkins), edits)
	}
}
