package relay

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"pairwise/shared/wire"
	"pairwise/syncserver/relaystore"
)

// holdCommits makes held hold each commit until the test sends whether it
// succeeds. A test that fails early lets the held ones fail, so the relay
// can shut down.
func holdCommits(t *testing.T, held *heldStore) {
	hold := make(chan bool)
	held.hold = hold
	t.Cleanup(func() { close(hold) })
}

// nextEarly reads c until a live record arrives and fails unless it is the
// early record seq carrying body.
func nextEarly(t *testing.T, c *client, seq uint64, body string) {
	t.Helper()
	for {
		switch m := c.next().(type) {
		case *wire.Records:
			if !m.Early || len(m.Recs) != 1 || m.Recs[0].Seq != seq || string(m.Recs[0].Body) != body {
				var got []string
				for _, r := range m.Recs {
					got = append(got, fmt.Sprintf("%d (%d bytes)", r.Seq, len(r.Body)))
				}
				t.Fatalf("early subscriber got records %v (early %v), want early record %d of %d bytes", got, m.Early, seq, len(body))
			}
			return
		case *wire.Durable:
			t.Fatalf("early subscriber was told %#v before the commit it waits for was let go", m)
		}
	}
}

// A push that arrives while the disk syncs the batch before it reaches its
// partner at once, numbered after the records being stored, and is stored
// and acknowledged after them.
func TestPushesReachPartnersWhileTheBatchBeforeThemIsStored(t *testing.T) {
	_, held, a, d, early, plain := startEarlyTrio(t)

	holdCommits(t, held)
	req1 := a.push(d.id, 1, "first")
	nextEarly(t, early, 1, "first")
	req2 := a.push(d.id, 2, "second, while the first is stored")
	nextEarly(t, early, 2, "second, while the first is stored") // the first commit is still held

	held.hold <- true // the first commit
	held.hold <- true // the second
	if ack := a.expectAck(req1); ack.Seq != 1 {
		t.Fatalf("first push acknowledged as %d, want 1", ack.Seq)
	}
	if ack := a.expectAck(req2); ack.Seq != 2 {
		t.Fatalf("second push acknowledged as %d, want 2", ack.Seq)
	}
	var durable uint64
	for durable < 2 {
		m, ok := early.next().(*wire.Durable)
		if !ok || m.Seq <= durable {
			t.Fatalf("early subscriber got %#v after Durable %d, want Durable notices rising to 2", m, durable)
		}
		durable = m.Seq
	}
	got := plain.readRecords(2)
	if got[0].Seq != 1 || got[1].Seq != 2 || string(got[1].Body) != "second, while the first is stored" {
		t.Fatalf("plain subscriber got %+v, want records 1 and 2 in order", got)
	}
}

// When a commit fails, the batch numbered on top of it while it was under
// way fails too (its numbers follow the lost ones): both writers hear of
// it, early subscribers are dropped, and what is pushed again is numbered
// from what is stored, with no gap and nothing lost twice.
func TestAFailedCommitFailsTheBatchesNumberedAfterIt(t *testing.T) {
	r, held, a, d, early, plain := startEarlyTrio(t)

	holdCommits(t, held)
	req1 := a.push(d.id, 1, "lost one")
	nextEarly(t, early, 1, "lost one")
	req2 := a.push(d.id, 2, "lost two")
	nextEarly(t, early, 2, "lost two")
	held.hold <- false // the disk fails under the first; the second is never tried
	for _, req := range []uint64{req1, req2} {
		if e, ok := a.answer(req).(*wire.Error); !ok || e.Code != wire.CodeInternal {
			t.Fatalf("push %d, numbered on a failed commit, got %#v, want an internal error", req, e)
		}
	}
	expectDropped(t, early)

	held.hold = nil
	if ack := a.expectAck(a.push(d.id, 1, "kept one")); ack.Seq != 1 {
		t.Fatalf("pushed again, the first took %d, want 1", ack.Seq)
	}
	if ack := a.expectAck(a.push(d.id, 2, "kept two")); ack.Seq != 2 {
		t.Fatalf("pushed again, the second took %d, want 2", ack.Seq)
	}
	if got := plain.readRecords(2); string(got[0].Body) != "kept one" || string(got[1].Body) != "kept two" {
		t.Fatalf("the plain subscriber got %+v, want only the stored records", got)
	}
	again := dial(t, r.url)
	again.hello("")
	if _, recs := again.subscribe(d.id, d.read[:], 0); len(recs) != 2 || recs[0].Seq != 1 || recs[1].Seq != 2 || string(recs[1].Body) != "kept two" {
		t.Fatalf("a new subscriber read %+v, want the two stored records", recs)
	}
}

// A push sent again while its first copy is still being stored (a client
// that reconnected) is the same record: it is acknowledged with that
// record's number and signature, once it is stored, and stored once.
func TestARetriedPushOfARecordBeingStoredIsThatRecord(t *testing.T) {
	r, held, a, d, early, _ := startEarlyTrio(t)

	holdCommits(t, held)
	first := a.push(d.id, 1, "typed once")
	nextEarly(t, early, 1, "typed once")
	again := a.push(d.id, 1, "typed once")
	// The retry is numbered behind the held commit, which has it already:
	// it asks the store for nothing, so the commit let go below is the only one.
	held.hold <- true
	ack1, ack2 := a.expectAck(first), a.expectAck(again)
	if ack1.Seq != 1 || ack2.Seq != 1 {
		t.Fatalf("acks %+v and %+v, want both for record 1", ack1, ack2)
	}
	if want := a.key.SignRecord(d.id, 1, []byte("typed once")); !bytes.Equal(ack2.Sig, want) {
		t.Fatalf("the retry's ack carries signature %x, want the stored record's, so the client can tell it is its own", ack2.Sig)
	}
	late := dial(t, r.url)
	late.hello("")
	if _, recs := late.subscribe(d.id, d.read[:], 0); len(recs) != 1 {
		t.Fatalf("the pair holds %d records, want the one", len(recs))
	}
}

// A retry that reaches the writer in the same batch as the push it
// repeats is that record: its ack carries the record's number and
// signature, and the record is stored once.
func TestARetryInTheSameBatchIsThatRecord(t *testing.T) {
	r, _, a, d, _, _ := startEarlyTrio(t)

	started, release := make(chan struct{}), make(chan struct{})
	if !r.srv.writer.submit(&writeReq{fn: func() { close(started); <-release }}) {
		t.Fatal("the writer has stopped")
	}
	<-started // the writer waits, so the next two are batched together
	first := a.push(d.id, 1, "typed once")
	again := a.push(d.id, 1, "typed once")
	for deadline := time.Now().Add(10 * time.Second); len(r.srv.writer.in) < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			close(release)
			t.Fatal("the two pushes did not reach the writer")
		}
	}
	close(release)
	ack1, ack2 := a.expectAck(first), a.expectAck(again)
	if ack1.Seq != 1 || ack2.Seq != 1 {
		t.Fatalf("acks %+v and %+v, want both for record 1", ack1, ack2)
	}
	if want := a.key.SignRecord(d.id, 1, []byte("typed once")); !bytes.Equal(ack2.Sig, want) {
		t.Fatalf("the retry's ack carries signature %x, want the record's", ack2.Sig)
	}
	late := dial(t, r.url)
	late.hello("")
	if _, recs := late.subscribe(d.id, d.read[:], 0); len(recs) != 1 {
		t.Fatalf("the pair holds %d records, want the one", len(recs))
	}
}

// Bytes on their way to the disk count against a pair's quota: two pushes
// that together pass it cannot both be admitted because the first is not
// stored yet.
func TestBytesBeingStoredCountAgainstTheQuota(t *testing.T) {
	limits := DefaultLimits()
	limits.DocQuota = 1000
	held := &heldStore{}
	r := startRelayOver(t, limits, func(st relaystore.Store) relaystore.Store {
		held.Store = st
		return held
	})
	d := newDoc()
	a, early := writerOf(t, r, d), readerOf(t, r, d, true)

	big := strings.Repeat("q", 600)
	holdCommits(t, held)
	first := a.push(d.id, 1, big)
	nextEarly(t, early, 1, big)
	second := a.push(d.id, 2, big) // 1,200 bytes with the first: over
	third := a.push(d.id, 2, "small")
	// The third follows the second through the writer, so once it is out
	// the second was judged, with the first still on its way to the disk.
	nextEarly(t, early, 2, "small")
	held.hold <- true
	held.hold <- true
	got := map[uint64]wire.Message{}
	for len(got) < 3 {
		switch m := a.next().(type) {
		case *wire.Ack:
			got[m.Req] = m
		case *wire.Error:
			got[m.Req] = m
		}
	}
	if ack, ok := got[first].(*wire.Ack); !ok || ack.Seq != 1 {
		t.Fatalf("the first push got %#v, want an ack for record 1", got[first])
	}
	if e, ok := got[second].(*wire.Error); !ok || e.Code != wire.CodeQuota {
		t.Fatalf("the push over the quota got %#v, want a quota error", got[second])
	}
	if ack, ok := got[third].(*wire.Ack); !ok || ack.Seq != 2 {
		t.Fatalf("the small push got %#v, want an ack for record 2", got[third])
	}
}

// Pushes that pile up while the disk syncs are stored together by the
// next commit, but never more of them in one commit than one batch may
// hold, which is what the store's transactions are sized for.
//
// The scenario is set up step by step, not left to speed: with the first
// commit held, single pushes fill the pipeline, one batch each; then more
// pushes than one batch holds wait in the writer's queue behind the full
// pipeline. Let go, the waiting singles go to the disk together; that
// commit is held in turn until the pushes behind them wait on the pipeline
// as two batches, which no commit may join beyond the bound.
//
// What the test waits for is what the committer and the writer have done
// (the commits begun, the batches on the pipeline), never an early record
// alone: the writer sends those before it puts their batch on the pipeline.
func TestPushesWaitingForTheDiskAreCommittedTogetherWithinABatchsBounds(t *testing.T) {
	r, held, a, d, early, _ := startEarlyTrio(t)
	w := r.srv.writer
	begun := func() []int {
		held.mu.Lock()
		defer held.mu.Unlock()
		var commits []int // of records (creating the pair stored none)
		for _, c := range held.commits {
			if c > 0 {
				commits = append(commits, c)
			}
		}
		return commits
	}

	holdCommits(t, held)
	hold := held.hold
	var reqs []uint64
	push := func(body string) {
		reqs = append(reqs, a.push(d.id, uint64(len(reqs)+1), body))
	}
	push("0")
	nextEarly(t, early, 1, "0")
	waitFor(func() bool { return len(begun()) == 1 }) // the first commit is under way, with one record
	if c := begun(); c[0] != 1 {
		t.Fatalf("the first commit holds %d records, want 1", c[0])
	}
	for k := 1; k <= pipelineDepth; k++ {
		push("single")
		nextEarly(t, early, uint64(len(reqs)), "single")
		waitFor(func() bool { return len(w.pipe.queue) == k }) // on the pipeline, a batch of one
	}
	push("single") // numbered, and the writer waits for room on the pipeline
	nextEarly(t, early, uint64(len(reqs)), "single")
	singles := len(reqs) - 1 // after the first
	const behind = maxBatchEntries + 100
	for range behind {
		push("behind")
	}
	waitFor(func() bool { return len(w.in) == behind }) // all behind the full pipeline

	hold <- true // the first commit
	waitFor(func() bool { return len(begun()) == 2 })
	second := begun()[1]
	if second < singles-1 {
		t.Fatalf("the second commit holds %d records, want the %d singles that waited for the first (%d if the last joined late)", second, singles, singles-1)
	}
	// The pushes behind wait on the pipeline, as two batches (and the
	// last single, if it came late for the second commit). The committer
	// may already have taken the first of them off the queue, to start
	// its next commit with once the second is through.
	onPipe := 2 + singles - second
	early.readRecords(behind)
	waitFor(func() bool { return len(w.in) == 0 && len(w.pipe.queue) >= onPipe-1 })
	held.mu.Lock()
	held.hold = nil // the commits after the second go through
	held.mu.Unlock()
	hold <- true // the second commit
	for i, req := range reqs {
		if ack := a.expectAck(req); ack.Seq != uint64(i+1) {
			t.Fatalf("push %d took %d, want %d", i+1, ack.Seq, i+1)
		}
	}
	commits := begun()
	biggest, stored := 0, 0
	for _, c := range commits {
		biggest = max(biggest, c)
		stored += c
	}
	if stored != len(reqs) {
		t.Fatalf("the commits stored %d records, want %d (commits %v)", stored, len(reqs), commits)
	}
	if biggest > maxBatchEntries {
		t.Fatalf("a commit held %d records, over the %d of one batch (commits %v)", biggest, maxBatchEntries, commits)
	}
	// The first, the singles, then what waited on the pipeline: the
	// pushes behind in two commits (one batch cannot hold them), and the
	// last single, if it came late, alone (it would take the first of
	// them past the bound).
	if len(commits) > 2+onPipe {
		t.Fatalf("%d pushes took the commits %v, want what waited on the pipeline stored together", len(reqs), commits)
	}
}
