package syncclient

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pairwise/app/store"
	"pairwise/shared/wire"
)

// TestSnapDueWeighsTheTailAgainstTheSnapshot checks the rule a running
// engine follows when its pair falls quiet: a new snapshot once the
// records past the relay's come to a quarter of its size, within
// SnapshotEvery/8 and SnapshotEvery records.
func TestSnapDueWeighsTheTailAgainstTheSnapshot(t *testing.T) {
	const every = 128
	for _, c := range []struct {
		what      string
		snap      uint64 // the relay's snapshot covers up to here
		cursor    uint64
		snapBytes uint64 // 0: not seen in this session
		recBytes  uint64 // per record, as seen
		own       uint64 // of the records up to cursor, the newest own are ours
		due       bool
	}{
		{"nothing since", 500, 500, 20_000, 200, 0, false},
		{"sizes unknown: the count alone", 500, 627, 0, 0, 127, false},
		{"sizes unknown, at the count", 500, 628, 0, 0, 0, true},
		{"no snapshot yet: the count alone", 0, 127, 0, 200, 127, false},
		{"a quarter of the snapshot", 500, 525, 20_000, 200, 25, true},
		{"just under a quarter", 500, 524, 20_000, 200, 24, false},
		{"a quarter, half of it ours", 500, 526, 20_000, 200, 13, false},
		{"a quarter, most of it ours", 500, 526, 20_000, 200, 14, true},
		{"a quarter, ours only before the snapshot", 500, 525, 20_000, 200, 0, false},
		{"a quarter, but under every/8 records", 500, 515, 4_000, 1_000, 15, false},
		{"every/8 records weighing a quarter", 500, 516, 4_000, 1_000, 16, true},
		{"a large pair: the count caps it", 500, 628, 10 << 20, 200, 0, true},
		{"a large pair, under the count", 500, 627, 10 << 20, 200, 127, false},
		{"a cursor behind the snapshot", 500, 400, 20_000, 200, 0, false},
	} {
		d := &docSync{cursor: c.cursor, snapBytes: c.snapBytes}
		if c.recBytes > 0 {
			d.recBytes, d.recCount = 10*c.recBytes, 10
		}
		d.noteOwn(c.snap / 2) // one of ours long before
		for seq := c.cursor - c.own + 1; seq <= c.cursor; seq++ {
			d.noteOwn(seq)
		}
		if got := d.snapDue(c.snap, every); got != c.due {
			t.Errorf("%s: due %v, want %v", c.what, got, c.due)
		}
	}
}

// settledSnap waits until x's idea of the relay's snapshot and its cursor
// have both stood still for a while (each engine's quiet time is 20 ms
// in these tests), and returns its sync state then.
func settledSnap(t *testing.T, x *replica, pair string) store.DocState {
	t.Helper()
	var last store.DocState
	since := time.Now()
	waitFor(t, "the pair's snapshots to settle", func() bool {
		st, err := x.ws.SyncState(pair)
		if err != nil {
			t.Fatal(err)
		}
		if st.RelaySnap != last.RelaySnap || st.Cursor != last.Cursor {
			last, since = st, time.Now()
		}
		return time.Since(since) > 500*time.Millisecond
	})
	return last
}

// TestAQuietWriterSnapshotsAShortTailOfASmallPair: after a pause, a
// running writer uploads a snapshot for fewer than SnapshotEvery records
// once they weigh a quarter of the pair, so a partner who comes back
// later receives about the pair's size rather than the snapshot and up to
// SnapshotEvery records after it.
func TestAQuietWriterSnapshotsAShortTailOfASmallPair(t *testing.T) {
	r := startRelay(t)
	a, b := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	a.opts.SnapIdle = 20 * time.Millisecond
	runEngine(t, a.engine())
	for i := range DefaultSnapshotEvery + 2 {
		a.addGoal(pair, "goal "+itoa(i))
	}
	first := settledSnap(t, a, pair)
	if first.RelaySnap < DefaultSnapshotEvery {
		t.Fatalf("after %d edits the relay's snapshot covers %d records: the first, by count, never came", DefaultSnapshotEvery+2, first.RelaySnap)
	}

	// Each goal's record is about a tenth of this small pair, so every
	// pause after 16 of them (the least the rule takes) is a snapshot's.
	const tail = 40
	for i := range tail {
		a.addGoal(pair, "later goal "+itoa(i))
	}
	second := settledSnap(t, a, pair)
	if second.Cursor < first.Cursor+tail {
		t.Fatalf("the cursor moved %d for %d edits", second.Cursor-first.Cursor, tail)
	}
	if second.RelaySnap <= first.RelaySnap {
		t.Fatalf("no snapshot for the %d records after the first (%d to %d): the short tail was left", second.Cursor-first.RelaySnap, first.RelaySnap, second.Cursor)
	}
	if left := second.Cursor - second.RelaySnap; left >= DefaultSnapshotEvery/8 {
		t.Fatalf("%d records are left past the relay's snapshot, want fewer than %d", left, DefaultSnapshotEvery/8)
	}
	joinLate(t, r, a, pair)
}

// TestPartnersDoNotBothSnapshotTheSameRecords: when both partners write,
// one snapshot covers each stretch of records. By size, only a partner
// who wrote most of the records past the snapshot uploads one: the other
// does not always hear of it, and would upload the whole pair again for
// much the same records.
func TestPartnersDoNotBothSnapshotTheSameRecords(t *testing.T) {
	r := startRelay(t)
	a, b := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	var uploads atomic.Int32
	for _, x := range []*replica{a, b} {
		x.opts.SnapIdle = 20 * time.Millisecond
		x.opts.beforeSnapshot = func() { uploads.Add(1) }
		runEngine(t, x.engine())
	}
	for i := range DefaultSnapshotEvery {
		a.addGoal(pair, "goal "+itoa(i))
		b.addGoal(pair, "her goal "+itoa(i))
	}
	settledSnap(t, b, pair)
	start := settledSnap(t, a, pair) // he hears of every snapshot that covers his records
	before := uploads.Load()
	const rounds, each = 6, 20
	for round := range rounds {
		for i := range each {
			a.addGoal(pair, "more "+itoa(round*100+i))
		}
		settledSnap(t, a, pair) // his snapshot, which she confirms
		b.addGoal(pair, "her reply "+itoa(round))
		settledSnap(t, b, pair)
	}
	end := settledSnap(t, a, pair)
	got := uploads.Load() - before
	// A snapshot takes 16 records past the last at least, so one stretch
	// of records has room for this many; two uploads for the same records
	// go past it.
	records := end.Cursor - start.Cursor
	if most := int32(records/(DefaultSnapshotEvery/8)) + 1; got > most {
		t.Errorf("the partners uploaded %d snapshots for %d records, want at most %d", got, records, most)
	}
	if got < rounds/2 || end.RelaySnap <= start.RelaySnap {
		t.Fatalf("%d snapshots in %d rounds, the relay's from %d to %d: the scenario did not happen", got, rounds, start.RelaySnap, end.RelaySnap)
	}
}

// TestAConfirmedSnapshotCountsAsTheRelays: once the relay takes this
// device's confirmation of a partner's snapshot, the records before it no
// longer count towards this device's next snapshot, in this session and
// after a reconnect (the relay does not tell an up-to-date replica of a
// newer snapshot).
func TestAConfirmedSnapshotCountsAsTheRelays(t *testing.T) {
	r := startRelay(t)
	a, b := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	d := &docSync{id: pair, cursor: 300, relaySnap: 100, snapBytes: 4_000, recBytes: 2_000, recCount: 10}
	for seq := uint64(101); seq <= 300; seq++ {
		d.noteOwn(seq)
	}
	if !d.snapDue(d.relaySnap, DefaultSnapshotEvery) {
		t.Fatal("200 records of ours past the snapshot are not due: the scenario did not happen")
	}
	s := &session{e: b.engine(), reqs: map[uint64]request{7: {kind: wire.TypeConfirm, doc: d, seq: 290}}}
	if err := s.onAck(context.Background(), &wire.Ack{Req: 7, Seq: 290}); err != nil {
		t.Fatal(err)
	}
	if d.relaySnap != 290 || d.snapDue(d.relaySnap, DefaultSnapshotEvery) {
		t.Fatalf("after confirming a snapshot at 290 the relay's is taken to be at %d, and a new one due: %v", d.relaySnap, d.snapDue(d.relaySnap, DefaultSnapshotEvery))
	}
	if st, err := b.ws.SyncState(pair); err != nil || st.RelaySnap != 290 {
		t.Fatalf("the next session would start from a relay snapshot at %d (%v), want 290", st.RelaySnap, err)
	}
}

// TestRecordsArriveWhileASnapshotLoadsForConfirmation: a partner loads a
// snapshot it must confirm on the side, so the writer's edits made
// meanwhile still reach it at once. The load held up the partner's
// session, and every record behind it: in W1, 20-30 ms each time the
// writer sent a snapshot.
func TestRecordsArriveWhileASnapshotLoadsForConfirmation(t *testing.T) {
	r := startRelay(t)
	a, b := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	loading, held := make(chan struct{}), make(chan struct{})
	noteLoading, release := sync.OnceFunc(func() { close(loading) }), sync.OnceFunc(func() { close(held) })
	b.opts.loadingCandidate = func() { noteLoading(); <-held }
	a.opts.SnapIdle = 20 * time.Millisecond
	b.opts.SnapIdle = time.Hour // her snapshots of her own would count as confirmations below
	runEngine(t, a.engine())
	runEngine(t, b.engine())
	t.Cleanup(release)      // before the engines stop: cleanups run last first
	b.addGoal(pair, "hers") // a snapshot past it needs her confirmation
	for i := range DefaultSnapshotEvery {
		a.addGoal(pair, "goal "+itoa(i))
	}
	select {
	case <-loading:
	case <-time.After(30 * time.Second):
		t.Fatal("her app never loaded a snapshot to confirm: the scenario did not happen")
	}
	a.addGoal(pair, "made while she loads")
	waitFor(t, "her copy to show the edit made while her app loads the snapshot", func() bool {
		return slices.Contains(b.goals(pair), "made while she loads")
	})
	if st, err := b.ws.SyncState(pair); err != nil || st.RelaySnap != 0 {
		t.Fatalf("she confirmed a snapshot before its load finished (relay snapshot %d, %v)", st.RelaySnap, err)
	}
	release()
	waitFor(t, "her app to confirm the snapshot once loaded", func() bool {
		st, err := b.ws.SyncState(pair)
		return err == nil && st.RelaySnap > 0
	})
}

// TestOneSnapshotToConfirmLoadsAtATime: a relay that sends one snapshot
// to confirm after another, for one pair or for several, gets one load at
// a time in the session, and for each pair one of the newest; those in
// between are never loaded.
func TestOneSnapshotToConfirmLoadsAtATime(t *testing.T) {
	r := startRelay(t)
	a, b := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	var loads atomic.Int32
	held := make(chan struct{})
	release := sync.OnceFunc(func() { close(held) })
	t.Cleanup(release)
	b.opts.loadingCandidate = func() { loads.Add(1); <-held }
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	d, other := &docSync{id: pair}, &docSync{id: pair, did: wire.DocID{1}}
	s := &session{e: b.engine(), docs: map[wire.DocID]*docSync{d.did: d, other.did: other}, loaded: make(chan loadedSnapshot, 1)}
	for seq := uint64(10); seq <= 50; seq += 10 {
		s.loadCandidate(ctx, d, seq, []byte("not a document"))
	}
	s.loadCandidate(ctx, other, 7, []byte("not a document either"))
	waitFor(t, "the first load to start", func() bool { return loads.Load() > 0 })
	if n := loads.Load(); n != 1 || d.loading != 10 || d.queued == nil || d.queued.seq != 50 || other.loading != 0 || other.queued == nil {
		t.Fatalf("six candidates: %d loads started, loading %d and %d, queued %+v and %+v; want one load of 10, then 50 and the other pair's", n, d.loading, other.loading, d.queued, other.queued)
	}
	release()
	next := func() {
		t.Helper()
		select {
		case l := <-s.loaded:
			if err := s.candidateLoaded(ctx, l); err != nil {
				t.Fatal(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no load came back")
		}
	}
	for range 2 {
		next()
		if !s.loadBusy || (d.loading == 0) == (other.loading == 0) {
			t.Fatalf("after a load: busy %v, loading %d and %d; want the next one alone", s.loadBusy, d.loading, other.loading)
		}
	}
	next()
	if s.loadBusy || d.loading != 0 || other.loading != 0 || d.queued != nil || other.queued != nil || d.cand != nil {
		t.Fatalf("all loaded: busy %v, loading %d and %d, queued %+v and %+v, candidate %+v", s.loadBusy, d.loading, other.loading, d.queued, other.queued, d.cand)
	}
	if n := loads.Load(); n != 3 {
		t.Fatalf("%d loads for six candidates, want 3 (the first, the newest, the other pair's)", n)
	}
}
