package workspace

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"pairwise/app/crdt"
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

// A busy pair's received changes share their disk syncs: the saver holds
// them and their cursor moves, and writes them in one synced transaction.
// With the bound on the wait set beyond the test, only settling writes,
// so the count does not depend on the machine's speed: thirty changes,
// each with its "stored" notice, cost one sync (they cost one each when
// each was written on its own).
func TestABusyPairsReceivedChangesShareADiskSync(t *testing.T) {
	dir := t.TempDir()
	ws, pair, msgs, base := openHolding(t, time.Hour, dir, "Busy", 30)
	before := ws.Counts()
	receiveEarly(t, ws, pair, msgs, base, true)
	if n := ws.Counts().DiskSyncs - before.DiskSyncs; n != 0 {
		t.Errorf("%d disk syncs while the changes were held, want none", n)
	}
	ws.SettleSaves()
	if n := ws.Counts().DiskSyncs - before.DiskSyncs; n != 1 {
		t.Errorf("%d disk syncs for %d received changes and their cursor, want 1", n, len(msgs))
	}
	st, err := ws.SyncState(pair)
	if err != nil || st.Cursor != base+uint64(len(msgs)) {
		t.Fatalf("stored cursor %d (%v), want %d", st.Cursor, err, base+uint64(len(msgs)))
	}
	if raw, err := ws.st.Unconfirmed(pair); err != nil || len(raw) != 0 {
		t.Fatalf("%d bytes of unconfirmed changes kept (%v), want none: the relay stored them all", len(raw), err)
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
// writes them, and their cursor, once syncAfter has passed.
func TestReceivedChangesAndTheirCursorReachTheDiskUnasked(t *testing.T) {
	ws, pair, msgs, base := openHolding(t, 5*time.Millisecond, t.TempDir(), "Unasked", 1)
	defer ws.Close()
	receiveEarly(t, ws, pair, msgs, base, true)
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := ws.SyncState(pair)
		if err != nil {
			t.Fatal(err)
		}
		if st.Cursor == base+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cursor is still %d in the store, want %d: nothing wrote it without being asked", st.Cursor, base+1)
		}
		time.Sleep(time.Millisecond)
	}
}

// An edit made while the saver still holds a partner's change, which the
// relay has stored, carries that change in its own record: the edit's
// synced write then never reaches the disk without the change it builds
// on, and the change leaves the unconfirmed ones only once written.
func TestAnEditCarriesTheChangesTheSaverHolds(t *testing.T) {
	ws, pair, msgs, base := openHolding(t, time.Hour, t.TempDir(), "Carried", 1)
	defer ws.Close()
	receiveEarly(t, ws, pair, msgs, base, true)
	held := changeHashes(t, msgs[0])
	if _, err := ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SendMessage(p, me, "typed while it was held", time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	out, err := ws.Outbox(pair, 0, 100)
	if err != nil || len(out) == 0 {
		t.Fatalf("outbox %d (%v), want the edit's record", len(out), err)
	}
	last := out[len(out)-1].Data
	carried := map[string]bool{}
	for _, c := range crdt.SplitChanges(last) {
		carried[c.Hash] = true
	}
	if !carried[held[0]] {
		t.Fatal("the edit's record does not carry the partner's change the saver still held: on disk it could outlive it")
	}
	ws.SettleSaves()
	out, _ = ws.Outbox(pair, 0, 100)
	if _, err := ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SendMessage(p, me, "typed after it was written", time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	after, _ := ws.Outbox(pair, 0, 100)
	for _, c := range crdt.SplitChanges(after[len(after)-1].Data) {
		if c.Hash == held[0] {
			t.Fatal("an edit after the change was written still carries it: it never left the unconfirmed ones")
		}
	}
}

// A cursor written as records arrive (ApplyRemote) passes every record
// before it, so it waits until the saver has written the changes it holds.
func TestACursorWrittenOnArrivalWaitsForHeldChanges(t *testing.T) {
	ws, pair, msgs, base := openHolding(t, time.Hour, t.TempDir(), "Ordered", 2)
	defer ws.Close()
	receiveEarly(t, ws, pair, msgs[:1], base, false)
	if err := ws.ApplyRemote(pair, msgs[1:], base+2); err != nil {
		t.Fatal(err)
	}
	st, err := ws.SyncState(pair)
	if err != nil || st.Cursor != base+2 {
		t.Fatalf("stored cursor %d (%v), want %d", st.Cursor, err, base+2)
	}
	_, chunks, err := ws.st.Load(pair)
	if err != nil {
		t.Fatal(err)
	}
	var stored []byte
	for _, c := range chunks {
		stored = append(stored, c.Data...)
	}
	if !bytes.Contains(stored, msgs[0].Data) {
		t.Fatal("the cursor passed the early change, which the store does not hold: the relay would never send it again")
	}
}

// openHolding opens a pair whose saver holds what it receives for d
// (holdFor), with n changes its partner made and the pair has yet to
// receive, and the stored cursor they follow.
func openHolding(t *testing.T, d time.Duration, dir, title string, n int) (ws *Workspace, pair string, msgs []Remote, base uint64) {
	t.Helper()
	holdFor(t, d)
	ws, pair = openWithPair(t, dir, title)
	msgs = partnerMessages(t, partnerOf(t, ws, pair), n)
	ws.SettleSaves()
	st, err := ws.SyncState(pair)
	if err != nil {
		t.Fatal(err)
	}
	return ws, pair, msgs, st.Cursor
}

// receiveEarly has ws receive msgs from the relay early, numbered after
// from, each followed by the relay's notice that it stored it if stored
// is set.
func receiveEarly(t *testing.T, ws *Workspace, pair string, msgs []Remote, from uint64, stored bool) {
	t.Helper()
	for i := range msgs {
		seq := from + uint64(i) + 1
		if err := ws.ApplyEarly(pair, msgs[i:i+1], seq); err != nil {
			t.Fatal(err)
		}
		if stored {
			ws.Stored(pair, seq, changeHashes(t, msgs[i]))
		}
	}
}

// holdFor has the savers of workspaces opened from now on hold what they
// receive for d, until the test ends.
func holdFor(t *testing.T, d time.Duration) {
	t.Helper()
	old := syncAfter
	syncAfter = d
	t.Cleanup(func() { syncAfter = old })
}

// changeHashes returns the hashes of the changes in r.
func changeHashes(t *testing.T, r Remote) []string {
	t.Helper()
	var out []string
	for _, c := range crdt.SplitChanges(r.Data) {
		out = append(out, c.Hash)
	}
	if len(out) == 0 {
		t.Fatal("no change in the record")
	}
	return out
}

// The unconfirmed changes' bounds drop the oldest, but never one the
// saver still holds: an edit must carry every change not yet on disk.
// Once written, they may go.
func TestTheUnconfirmedKeepEveryChangeTheSaverHolds(t *testing.T) {
	ws, pair := openWithPair(t, t.TempDir(), "Bounds")
	defer ws.Close()
	var parts []crdt.Change
	var hashes []string
	for _, m := range partnerMessages(t, partnerOf(t, ws, pair), maxUnconfirmed+44) {
		parts = append(parts, crdt.SplitChanges(m.Data)...)
	}
	for _, c := range parts {
		hashes = append(hashes, c.Hash)
	}
	var u unconfirmed
	u.addParts(parts, true)
	if len(u.list) != len(parts) {
		t.Fatalf("%d of %d held changes kept, want all", len(u.list), len(parts))
	}
	u.written(hashes)
	if len(u.list) != maxUnconfirmed || u.list[0].Hash != hashes[44] {
		t.Fatalf("%d kept once written, want the newest %d", len(u.list), maxUnconfirmed)
	}
}

// A pair read again from the disk after a failed write keeps the changes
// the saver holds and has not written: the document in memory had them.
func TestAReloadKeepsTheChangesTheSaverHolds(t *testing.T) {
	ws, pair, msgs, base := openHolding(t, time.Hour, t.TempDir(), "Reloaded", 1)
	defer ws.Close()
	receiveEarly(t, ws, pair, msgs, base, false)
	h, err := ws.get(pair)
	if err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	ws.reload(h)
	h.mu.Unlock()
	if p, err := ws.Pair(pair); err != nil || len(p.Messages) != 1 {
		t.Fatalf("after the reload: %d of the partner's messages (%v), want the one held", len(p.Messages), err)
	}
}

// Once the workspace is closed, the saver takes nothing more, so nothing
// may count on it having written what it held: flushFor says so, and a
// cursor written on arrival waits.
func TestAClosedSaverFlushesNothing(t *testing.T) {
	ws, pair := openWithPair(t, t.TempDir(), "Closed")
	ws.Close()
	if ws.saver.flushFor(pair) {
		t.Fatal("flushFor reported everything written after the saver closed")
	}
}
