package workspace

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/store"
)

// When the saver cannot write a partner's change (the disk is full), it
// keeps it and the cursor moves that follow, and writes them together once
// it can: the cursor never passes a change that is not on disk, which the
// relay would then never send again.
func TestAFailedSaveKeepsTheCursorBehindItsChanges(t *testing.T) {
	dir := smallDisk(t)
	data := filepath.Join(dir, "data")

	ws, err := Open(data, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := ws.NewPair("Saver", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	partner := partnerOf(t, ws, pair)
	msgs := partnerMessages(t, partner, 2) // the second builds on the first

	ballast := filepath.Join(dir, "ballast")
	fillDisk(t, ballast, store.MinFree/2)
	if err := ws.ApplyEarly(pair, msgs[:1], 1); err != nil {
		t.Fatal(err)
	}
	ws.SettleSaves() // its write fails: the disk is (nearly) full
	os.Remove(ballast)

	ws.Stored(pair, 1, nil) // the relay says record 1 is stored
	if err := ws.ApplyEarly(pair, msgs[1:], 2); err != nil {
		t.Fatal(err)
	}
	ws.Stored(pair, 2, nil)
	ws.SettleSaves()
	st, err := ws.SyncState(pair)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cursor after the failed save and the later ones: %d", st.Cursor)
	ws.Close()

	ws, err = Open(data, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	p, err := ws.Pair(pair)
	if err != nil {
		t.Fatalf("after a restart the pair does not read (cursor was %d): %v", st.Cursor, err)
	}
	if n := len(p.Messages); n != 2 {
		t.Fatalf("after a restart the pair has %d of the partner's 2 messages, with the cursor at %d: the relay will not send the lost one again", n, st.Cursor)
	}
}

// A busy pair's received changes share their disk syncs: the saver writes
// each as it comes, syncs them together, and only then writes the cursor
// that passes them. With the bound on the wait set beyond the test, only
// settling syncs, so the count does not depend on the machine's speed:
// thirty changes, each with its "stored" notice, cost one sync (they cost
// thirty when each was synced on its own).
func TestABusyPairsReceivedChangesShareADiskSync(t *testing.T) {
	defer func(d time.Duration) { syncAfter = d }(syncAfter)
	syncAfter = time.Hour
	dir := t.TempDir()
	ws, pair := openWithPair(t, dir, "Busy")
	msgs := partnerMessages(t, partnerOf(t, ws, pair), 30)
	ws.SettleSaves()
	base, _ := ws.SyncState(pair)
	before := ws.Counts()
	for i := range msgs {
		seq := base.Cursor + uint64(i) + 1
		if err := ws.ApplyEarly(pair, msgs[i:i+1], seq); err != nil {
			t.Fatal(err)
		}
		ws.Stored(pair, seq, nil)
	}
	ws.SettleSaves()
	if n := ws.Counts().DiskSyncs - before.DiskSyncs; n != 1 {
		t.Errorf("%d disk syncs for %d received changes and their cursor, want 1", n, len(msgs))
	}
	st, err := ws.SyncState(pair)
	if err != nil || st.Cursor != base.Cursor+uint64(len(msgs)) {
		t.Fatalf("stored cursor %d (%v), want %d: settling wrote the cursor put off", st.Cursor, err, base.Cursor+uint64(len(msgs)))
	}
	ws.Close()
	ws, err = Open(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	p, err := ws.Pair(pair)
	if err != nil || len(p.Messages) != len(msgs) {
		t.Fatalf("after a restart: %d of the partner's %d messages (%v)", len(p.Messages), len(msgs), err)
	}
}

// Nobody need settle for received changes to reach the disk: the saver
// syncs them, and writes the cursor, once syncAfter has passed.
func TestReceivedChangesAndTheirCursorReachTheDiskUnasked(t *testing.T) {
	defer func(d time.Duration) { syncAfter = d }(syncAfter)
	syncAfter = 5 * time.Millisecond
	ws, pair := openWithPair(t, t.TempDir(), "Unasked")
	defer ws.Close()
	msgs := partnerMessages(t, partnerOf(t, ws, pair), 1)
	ws.SettleSaves()
	base, _ := ws.SyncState(pair)
	before := ws.Counts()
	if err := ws.ApplyEarly(pair, msgs, base.Cursor+1); err != nil {
		t.Fatal(err)
	}
	ws.Stored(pair, base.Cursor+1, nil)
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := ws.SyncState(pair)
		if err != nil {
			t.Fatal(err)
		}
		if st.Cursor == base.Cursor+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cursor is still %d in the store, want %d: nothing wrote it without being asked", st.Cursor, base.Cursor+1)
		}
		time.Sleep(time.Millisecond)
	}
	if n := ws.Counts().DiskSyncs - before.DiskSyncs; n < 1 {
		t.Fatalf("the cursor was written after %d disk syncs, want the change it passes synced first", n)
	}
}
