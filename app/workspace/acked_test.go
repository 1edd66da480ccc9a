package workspace

import (
	"sync/atomic"
	"testing"

	"pairwise/app/mentoring"
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
	ws.WatchOutbox(func(doc string) bool {
		if !inside {
			inside = true
			ws.Acked(doc, 3)
		}
		return false
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

// The cursor the relay's Durable notice moves is written without holding
// the pair, so it does not wait for an edit's disk sync: here it is
// written, and settled, from inside an edit.
func TestCursorAloneDoesNotWaitForAnEdit(t *testing.T) {
	ws, id := openWithPair(t, t.TempDir(), "Cursor")
	defer ws.Close()
	if _, err := ws.Edit(id, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		ws.Stored(id, 7, nil)
		ws.SettleSaves()
		return mentoring.SendMessage(p, me, "while the cursor moved", ws.Now())
	}); err != nil {
		t.Fatal(err)
	}
	if st, err := ws.SyncState(id); err != nil || st.Cursor != 7 {
		t.Fatalf("cursor %d (%v), want 7", st.Cursor, err)
	}
}
