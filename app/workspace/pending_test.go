package workspace

import (
	"sync"
	"testing"

	"pairwise/app/mentoring"
	"pairwise/app/store"
)

// TestPendingIsKeptAsChangesComeAndGo: the count of changes waiting for
// the relay follows edits, acknowledgements and removal, tells its
// watchers once per change, agrees with the store, and is the same after a
// reopen.
func TestPendingIsKeptAsChangesComeAndGo(t *testing.T) {
	dir := t.TempDir()
	ws, a := openWithPair(t, dir, "A")
	b, err := ws.NewPair("B", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	told := map[string]int{}
	ws.WatchPending(func(doc string) { told[doc]++ })
	sendMessages(t, ws, a, 5)
	if err := ws.Acknowledge(a, 4); err != nil {
		t.Fatal(err)
	}
	check := func(ws *Workspace, when string, wantA, wantB uint64) {
		t.Helper()
		if got := ws.PendingIn(a); got != wantA {
			t.Errorf("%s: pair A has %d changes waiting, want %d", when, got, wantA)
		}
		if got := ws.PendingIn(b); got != wantB {
			t.Errorf("%s: pair B has %d changes waiting, want %d", when, got, wantB)
		}
		if got := ws.Pending(); got != wantA+wantB {
			t.Errorf("%s: %d changes waiting in all, want %d", when, got, wantA+wantB)
		}
		for id, want := range map[string]uint64{a: wantA, b: wantB} {
			if st, err := ws.SyncState(id); err == nil && st.Pending() != want {
				t.Errorf("%s: the store has %d changes of %s waiting, the count %d", when, st.Pending(), id, want)
			}
		}
	}
	check(ws, "after 5 edits and an acknowledgement", 2, 1)
	if told[a] != 6 || told[b] != 0 {
		t.Errorf("watchers were told %d times of A and %d of B, want 6 and 0", told[a], told[b])
	}
	ws.Close()

	ws, err = Open(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	check(ws, "after reopening", 2, 1)
	if err := ws.Remove(a, false); err == nil {
		t.Fatal("removed a pair with changes waiting")
	}
	if err := ws.Remove(a, true); err != nil {
		t.Fatal(err)
	}
	if got := ws.Pending(); got != 1 {
		t.Errorf("after removing A: %d changes waiting in all, want 1", got)
	}
}

// TestAnEditAndItsAcknowledgementReportedTogetherLeaveNothingWaiting: an
// edit sent before its disk sync can be acknowledged, and the
// acknowledgement written, before the edit itself reports its state. The
// two reports may run at once in either order; the count must end at the
// newest numbers, not "1 waiting" for a change the relay has.
func TestAnEditAndItsAcknowledgementReportedTogetherLeaveNothingWaiting(t *testing.T) {
	ws, _ := openWithPair(t, t.TempDir(), "A")
	const doc = "race"
	for i := uint64(1); i <= 3000; i++ {
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); ws.notePending(doc, store.DocState{NextDSeq: i + 1, Acked: i - 1}) }() // the edit's state, from before its acknowledgement
		go func() { defer wg.Done(); ws.notePending(doc, store.DocState{NextDSeq: i + 1, Acked: i}) }()     // the acknowledgement's
		wg.Wait()
		if n := ws.PendingIn(doc); n != 0 {
			t.Fatalf("round %d: %d changes waiting after both reports, want none", i, n)
		}
	}
}
