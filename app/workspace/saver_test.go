package workspace

import (
	"os"
	"path/filepath"
	"testing"

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
