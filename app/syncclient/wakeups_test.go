package syncclient

import (
	"strings"
	"sync/atomic"
	"testing"

	"pairwise/app/workspace"
)

// outboxCounter counts the engine's reads of the outbox, each a store
// transaction with an iterator.
type outboxCounter struct {
	Replicas
	outboxReads atomic.Int64
}

func (c *outboxCounter) Outbox(id string, from uint64, max int) ([]workspace.Outgoing, error) {
	c.outboxReads.Add(1)
	return c.Replicas.Outbox(id, from, max)
}

// A running engine reads the outbox once per edit, not once per wake-up:
// each edit wakes it when its change is queued and again when the pair
// changes, and each acknowledgement once more. The first edit also goes
// through the case where the change is queued before its number is
// reserved, so it can only go once the disk has it.
func TestOneOutboxReadPerEdit(t *testing.T) {
	r := startRelay(t)
	a, b := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	a.mustSync()

	ws := &outboxCounter{Replicas: a.ws}
	runEngine(t, NewWith(ws, Options{Logf: t.Logf}))

	const edits = 40
	before := ws.outboxReads.Load()
	for i := range edits {
		a.addGoal(pair, "goal "+itoa(i))
		waitFor(t, "the relay to acknowledge edit "+itoa(i), func() bool { return a.ws.PendingIn(pair) == 0 })
	}
	reads := ws.outboxReads.Load() - before
	if reads > edits+2 {
		t.Errorf("%d edits, each acknowledged before the next, read the outbox %d times; want at most one read per edit (and two to spare)", edits, reads)
	}
	b.mustSync()
	got := b.json(pair)
	for i := range edits {
		if g := "goal " + itoa(i); !strings.Contains(got, g) {
			t.Fatalf("the partner lacks %q", g)
		}
	}
}

// The session refreshes the status after every message it handles; when
// nothing changed, that allocates nothing and tells no watcher.
func TestUnchangedStatusIsFree(t *testing.T) {
	ws, err := workspace.Open(t.TempDir(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	eng := New(ws, t.Logf)
	told := 0
	eng.OnStatus(func(Status) { told++ })
	eng.setStatus(Synced, "")
	if told != 1 {
		t.Fatalf("watchers told %d times of a new status, want once", told)
	}
	if allocs := testing.AllocsPerRun(100, func() { eng.setStatus(Synced, "") }); allocs != 0 {
		t.Errorf("an unchanged status allocates %.0f times per refresh, want none", allocs)
	}
	if told != 1 {
		t.Errorf("watchers told %d times, want once: the status did not change", told)
	}
}
