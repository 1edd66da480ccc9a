package syncclient

import (
	"sync/atomic"
	"testing"
	"time"

	"pairwise/app/mentoring"
	"pairwise/app/workspace"
)

// countingReplicas counts the engine's reads of the documents' sync state.
type countingReplicas struct {
	*workspace.Workspace
	reads atomic.Int64
}

func (c *countingReplicas) IDs() ([]string, error) {
	c.reads.Add(1)
	return c.Workspace.IDs()
}

func (c *countingReplicas) SyncState(id string) (workspace.SyncState, error) {
	c.reads.Add(1)
	return c.Workspace.SyncState(id)
}

// TestStatusCountsWaitingChangesWithoutReadingTheStore: the status line's
// count of waiting changes follows every edit and acknowledgement (one
// status change each) without reading any document's state from the store.
func TestStatusCountsWaitingChangesWithoutReadingTheStore(t *testing.T) {
	ws, err := workspace.Open(t.TempDir(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	pair, err := ws.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	c := &countingReplicas{Workspace: ws}
	eng := NewWith(c, Options{Logf: t.Logf})
	if got := eng.Status().Pending; got != 1 {
		t.Fatalf("pending at the start: got %d, want 1 (the pair's creation)", got)
	}
	var seen []uint64
	eng.OnStatus(func(s Status) { seen = append(seen, s.Pending) })

	const edits = 20
	for i := range edits {
		title := "goal " + itoa(i)
		if _, err := ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.AddGoal(p, me, mentoring.GoalInput{Title: &title}, time.Now())
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ws.Acknowledge(pair, 15); err != nil {
		t.Fatal(err)
	}
	if len(seen) != edits+1 || seen[edits-1] != edits+1 || seen[edits] != edits+1-15 {
		t.Fatalf("status changes: got pending %v, want 2…%d and then %d", seen, edits+1, edits+1-15)
	}
	if got, want := eng.Status().String(), "Not syncing (no relay set) — 6 changes saved on this computer only"; got != want {
		t.Errorf("status: got %q, want %q", got, want)
	}
	if n := c.reads.Load(); n != 0 {
		t.Errorf("the status read the sync state of documents %d times, want none", n)
	}
}
