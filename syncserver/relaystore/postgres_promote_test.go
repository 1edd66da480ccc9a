package relaystore

import (
	"testing"

	"pairwise/shared/wire"
	"pairwise/syncserver/pgtest"
)

// instance B records the last confirmation the waiting snapshot at
// 5 needs (Confirm answers that everyone confirmed), then instance A puts
// a newer waiting snapshot at 8 that device Y has not confirmed; B's
// Promote, which names no sequence, promotes 8.
func TestPromoteOnlyTheSnapshotConfirmed(t *testing.T) {
	url := pgtest.Start(t)
	a, b := openPG(t, url), openPG(t, url)
	doc, x, y := docID(9), devID(1), devID(2)
	must(t, a.Commit(Batch{Creates: map[wire.DocID]Doc{doc: newDoc(9)}}))
	var recs []wire.Record
	for i := uint64(1); i <= 10; i++ {
		dev := x
		if i > 5 {
			dev = y
		}
		recs = append(recs, rec(i, dev, i, "r", true))
	}
	must(t, a.Commit(Batch{Entries: entries(doc, recs...), Heads: map[wire.DocID]uint64{doc: 0}}))
	must(t, a.PutCandidate(doc, Snap{Seq: 5, Body: []byte("cand 5")}))
	done, err := b.Confirm(doc, 5, x)
	must(t, err)
	if len(done) != 1 || done[0] != x {
		t.Fatalf("confirmed by %v, want [x]", done)
	}
	// Another instance: a newer snapshot waits, for y's confirmation.
	must(t, a.PutCandidate(doc, Snap{Seq: 8, Body: []byte("cand 8")}))
	// B goes on to promote the one it saw confirmed (5).
	if err := b.Promote(doc, 5); err == nil {
		sn, _ := b.Snapshot(doc)
		t.Fatalf("promote after the waiting snapshot was replaced: promoted the one at %d (%q), which y never confirmed; want ErrConflict", sn.Seq, sn.Body)
	}
}
