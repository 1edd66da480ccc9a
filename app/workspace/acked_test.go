package workspace

import (
	"sync/atomic"
	"testing"
)

// The sync engine records the relay's acknowledgements without waiting
// for the store: an edit holds the store through its disk sync, and the
// engine meanwhile has the next change to send. Here the acknowledgement
// comes while an edit holds the store (the outbox watcher runs inside the
// edit's write), where waiting for the store would never end. Once
// written, the store and the counts agree.
func TestAckedDoesNotWaitForTheStore(t *testing.T) {
	ws, id := openWithPair(t, t.TempDir(), "Acked")
	defer ws.Close()
	sendMessages(t, ws, id, 4) // changes 2-5; 1 is the pair's creation
	var told atomic.Int64      // by the saver, after its write
	ws.WatchPending(func(string) { told.Add(1) })
	inside := false
	ws.WatchOutbox(func(doc string) {
		if !inside {
			inside = true
			ws.Acked(doc, 3)
		}
	})
	sendMessages(t, ws, id, 1) // change 6
	if !inside {
		t.Fatal("the outbox watcher was not called for the edit")
	}
	ws.SettleSaves()
	st, err := ws.SyncState(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.Acked != 3 || st.Pending() != 3 || ws.PendingIn(id) != 3 {
		t.Fatalf("after acknowledging 3 of 6 changes: the store has %d acknowledged and %d waiting, the count %d; want 3, 3, 3", st.Acked, st.Pending(), ws.PendingIn(id))
	}
	if told.Load() == 0 {
		t.Error("the count's watchers were not told of the acknowledgement")
	}
}
