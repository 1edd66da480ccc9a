package workspace

import (
	"strconv"
	"testing"
)

// TestChangesFromAFileRideInOneLaterEditOnly: changes opened from a file
// ride ahead of this machine's next change (so a replica that later reads
// the relay alone gets them first), but not in every change after it: in
// a pair that only travels by file no relay ever confirms them, and each
// record would grow by up to a megabyte.
func TestChangesFromAFileRideInOneLaterEditOnly(t *testing.T) {
	a, b := openTemp(t), openTemp(t)
	pair := byFile(t, a, b)
	for i := range 100 {
		goal(t, a, pair, "goal of Ana "+strconv.Itoa(i))
	}
	if _, err := b.ImportBundle(exportFile(t, a, pair, false)); err != nil {
		t.Fatal(err)
	}
	before := outboxBytes(t, b, pair)
	const edits = 20
	for i := range edits {
		goal(t, b, pair, "goal of Ben "+strconv.Itoa(i))
	}
	grew := outboxBytes(t, b, pair) - before
	t.Logf("outbox grew by %d bytes for %d edits (%d per edit)", grew, edits, grew/edits)
	if grew/edits > 4096 {
		t.Errorf("each edit adds %d bytes to the outbox: the imported changes ride in every record", grew/edits)
	}
}

func outboxBytes(t *testing.T, w *Workspace, pair string) int {
	t.Helper()
	out, err := w.st.Outbox(pair, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range out {
		n += len(p.Data)
	}
	return n
}
