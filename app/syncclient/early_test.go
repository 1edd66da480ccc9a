package syncclient

import (
	"context"
	"strings"
	"testing"
	"time"

	"pairwise/app/workspace"
	"pairwise/shared/wire"
)

// A partner's edit reaches the pair on screen as soon as the relay has
// numbered it, before the relay's disk has it; the cursor moves only when
// the relay says the record is stored, so a record the relay could still
// lose is fetched again rather than skipped.
func TestPartnerEditShowsBeforeTheRelayStoresIt(t *testing.T) {
	r := startRelay(t)
	h := startHoldingRelay(t, r)
	a, b := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	if err := b.ws.SetMeta(pair, func(m *workspace.Meta) { m.Relay = h.url }); err != nil {
		t.Fatal(err)
	}
	throughHolding(t, b, h)
	key, err := b.ws.DeviceKey()
	if err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	h.unstored = map[wire.DeviceID]bool{key.ID(): true}
	h.mu.Unlock()
	before, err := b.ws.SyncState(pair)
	if err != nil {
		t.Fatal(err)
	}

	eng := b.engine()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { eng.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitStatus(t, eng, "synced", func(s Status) bool { return s.State == Synced })

	a.addGoal(pair, "seen before it is stored")
	a.mustSync()
	waitFor(t, "the partner's goal on the reader's screen", func() bool {
		return strings.Contains(b.json(pair), "seen before it is stored")
	})
	applied, err := b.ws.Applied(pair)
	if err != nil {
		t.Fatal(err)
	}
	b.ws.SettleSaves()
	st, err := b.ws.SyncState(pair)
	if err != nil {
		t.Fatal(err)
	}
	if applied <= before.Cursor || st.Cursor != before.Cursor {
		t.Fatalf("merged up to %d with the cursor at %d (was %d): the cursor must stay until the relay says the record is stored", applied, st.Cursor, before.Cursor)
	}
	h.mu.Lock()
	notices := h.notices
	h.unstored = nil
	h.mu.Unlock()
	if notices == 0 {
		t.Fatal("no Durable notice was held back: the relay did not send the record early")
	}

	// The relay's word comes (here: after a reconnect, with the record
	// sent again): the cursor catches up and the goal is there once.
	h.cut()
	waitFor(t, "the cursor to reach the merged record", func() bool {
		b.ws.SettleSaves()
		st, err := b.ws.SyncState(pair)
		return err == nil && st.Cursor >= applied
	})
	if n := strings.Count(b.json(pair), "seen before it is stored"); n != 1 {
		t.Fatalf("the goal appears %d times after the record came again, want once", n)
	}
}

// waitFor polls ok until it holds, failing the test after a generous bound.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
