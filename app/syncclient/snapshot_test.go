package syncclient

import (
	"testing"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/store"
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
		due       bool
	}{
		{"nothing since", 500, 500, 20_000, 200, false},
		{"sizes unknown: the count alone", 500, 627, 0, 0, false},
		{"sizes unknown, at the count", 500, 628, 0, 0, true},
		{"no snapshot yet: the count alone", 0, 127, 0, 200, false},
		{"a quarter of the snapshot", 500, 525, 20_000, 200, true},
		{"just under a quarter", 500, 524, 20_000, 200, false},
		{"a quarter, but under every/8 records", 500, 515, 4_000, 1_000, false},
		{"every/8 records weighing a quarter", 500, 516, 4_000, 1_000, true},
		{"a large pair: the count caps it", 500, 628, 10 << 20, 200, true},
		{"a large pair, under the count", 500, 627, 10 << 20, 200, false},
		{"a cursor behind the snapshot", 500, 400, 20_000, 200, false},
	} {
		d := &docSync{cursor: c.cursor, snapBytes: c.snapBytes}
		if c.recBytes > 0 {
			d.recBytes, d.recCount = 10*c.recBytes, 10
		}
		if got := d.snapDue(c.snap, every); got != c.due {
			t.Errorf("%s: due %v, want %v", c.what, got, c.due)
		}
	}
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
	eng := a.engine()
	runEngine(t, eng)
	settled := func(what string, want uint64) uint64 {
		t.Helper()
		var st store.DocState
		waitFor(t, what, func() bool {
			st, _ = a.ws.SyncState(pair)
			return st.RelaySnap >= want && st.RelaySnap == st.Cursor
		})
		return st.RelaySnap
	}
	for i := range DefaultSnapshotEvery + 2 {
		a.addGoal(pair, "goal "+itoa(i))
	}
	first := settled("the first snapshot, by count", DefaultSnapshotEvery)

	const tail = 24 // under SnapshotEvery, and more than a quarter of this small pair
	for i := range tail {
		a.addGoal(pair, "later goal "+itoa(i))
	}
	second := settled("a snapshot of the short tail", first+tail)
	if second-first >= DefaultSnapshotEvery {
		t.Fatalf("the second snapshot came %d records after the first: the scenario did not happen", second-first)
	}
	c := newReplica(t, r)
	code, _ := a.ws.Invite(pair, true)
	if _, err := c.ws.Join(code, "Cat", mentoring.Mentee); err != nil {
		t.Fatal(err)
	}
	c.mustSync()
	if a.json(pair) != c.json(pair) {
		t.Fatal("a partner joining after the snapshot differs from the writer")
	}
}
