package syncclient

import (
	"context"
	"strings"
	"testing"

	"pairwise/app/crdt"
	"pairwise/app/workspace"
	"pairwise/shared/wire"
)

// A partner's change merged early, whose record this machine then gets
// only inside a relay snapshot (it was offline when the Durable notice
// would have come, and a snapshot was uploaded meanwhile), is confirmed by
// that snapshot: later changes made here stop carrying it.
func TestEarlyChangeCoveredByASnapshotIsNoLongerCarried(t *testing.T) {
	r := startRelay(t)
	h := startHoldingRelay(t, r)
	a, b := newReplica(t, r), newReplica(t, r)
	a.opts.SnapshotEvery = 2
	pair := pairOf(t, a, b, false)
	b.mustSync()
	a.mustSync()

	// Ben runs through the proxy, which drops his Durable notices (as if
	// his connection went before they came).
	h.mu.Lock()
	h.unstored = map[wire.DeviceID]bool{b.device(): true}
	h.mu.Unlock()
	eng := func() context.CancelFunc {
		if err := b.ws.SetMeta(pair, func(m *workspace.Meta) { m.Relay = h.url }); err != nil {
			t.Fatal(err)
		}
		throughHolding(t, b, h)
		e := b.engine()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { e.Run(ctx); close(done) }()
		waitStatus(t, e, "synced", func(s Status) bool { return s.State == Synced })
		return func() { cancel(); <-done }
	}()

	a.addGoal(pair, "merged early, stored later")
	a.mustSync()
	waitFor(t, "Ana's goal on Ben's screen", func() bool {
		return strings.Contains(b.json(pair), "merged early, stored later")
	})
	eng() // Ben goes offline before hearing the record is stored
	b.ws.SettleSaves()

	// Ana goes on; her engine uploads a snapshot covering her goal.
	for i := 0; i < 6; i++ {
		a.addGoal(pair, "more from Ana")
		a.mustSync()
	}
	a.mustSync()

	h.mu.Lock()
	h.unstored = nil
	h.mu.Unlock()
	b.mustSync() // catches up; from the snapshot if the relay has one
	st, _ := b.ws.SyncState(pair)
	t.Logf("Ben's cursor %d, relay snapshot %d", st.Cursor, st.RelaySnap)

	b.addGoal(pair, "Ben's own")
	st, err := b.ws.SyncState(pair)
	if err != nil {
		t.Fatal(err)
	}
	out, err := b.ws.Outbox(pair, st.Acked+1, 10)
	if err != nil || len(out) == 0 {
		t.Fatalf("outbox: %v (%d)", err, len(out))
	}
	last := out[len(out)-1]
	if n := len(crdt.SplitChanges(last.Data)); n != 1 {
		t.Fatalf("Ben's new change goes out with %d changes in its record (%d bytes): the partner's change the relay stored long ago is still carried", n, len(last.Data))
	}
}
