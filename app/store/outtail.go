package store

import (
	"bytes"
	"slices"
	"sync"
)

// The outbox's tail in memory. The engine pushes a change as soon as
// AppendLocal has written it; reading it back from Badger then meant a
// read transaction on the edit's critical path, and one that may wait for
// Badger's own goroutine to mark the write just committed as visible.
// AppendLocal keeps what it adds to a document's outbox here as well, and
// Outbox answers from it when it can.
//
// The rule that keeps it true: a document's tail holds every outbox entry
// numbered first or above, densely. AppendLocal extends it (numbers only
// grow, and writes run one at a time under Store.mu), Ack cuts it from
// the front, and every other write to an outbox (Create's first change,
// renumbering, Reset, Remove) drops it, so Outbox reads the store again.
type outTails struct {
	mu   sync.Mutex
	docs map[string]*outTail
}

type outTail struct {
	first uint64    // the number of recs[0]
	recs  []Pending // first, first+1, ...
	bytes int
}

// Bounds on one document's tail: past them its oldest entries are
// forgotten (they are still in the store, and read from there).
const (
	tailMaxRecs  = 256
	tailMaxBytes = 1 << 20
)

// add records that entry dseq holding change was just written to doc's
// outbox. Call it with Store.mu held, after the write committed.
func (t *outTails) add(doc string, dseq uint64, change []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.docs == nil {
		t.docs = map[string]*outTail{}
	}
	tl := t.docs[doc]
	if tl == nil || tl.first+uint64(len(tl.recs)) != dseq {
		// No tail yet, or a gap: entries below dseq may be in the store,
		// but none above it, so the tail starts afresh here.
		tl = &outTail{first: dseq}
		t.docs[doc] = tl
	}
	tl.recs = append(tl.recs, Pending{DSeq: dseq, Data: bytes.Clone(change)})
	tl.bytes += len(change)
	if len(tl.recs) > tailMaxRecs || tl.bytes > tailMaxBytes {
		// Down to three quarters of the bounds at once, so that a tail at
		// its bound (the relay out of reach) is not copied on every edit.
		n, left := 0, tl.bytes
		for n < len(tl.recs) && (len(tl.recs)-n > tailMaxRecs*3/4 || left > tailMaxBytes*3/4) {
			left -= len(tl.recs[n].Data)
			n++
		}
		tl.cut(tl.first + uint64(n))
		if len(tl.recs) == 0 {
			delete(t.docs, doc) // the newest change alone is over three quarters of the bound: read from the store
		}
	}
}

// cut forgets entries numbered below from.
func (tl *outTail) cut(from uint64) {
	if from <= tl.first {
		return
	}
	n := min(from-tl.first, uint64(len(tl.recs)))
	for _, r := range tl.recs[:n] {
		tl.bytes -= len(r.Data)
	}
	if n == uint64(len(tl.recs)) {
		tl.recs = nil // nothing kept: let the acknowledged changes go
	} else {
		tl.recs = append([]Pending(nil), tl.recs[n:]...)
	}
	tl.first = from
}

// acked cuts doc's tail after Ack deleted its entries up to dseq.
func (t *outTails) acked(doc string, dseq uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tl := t.docs[doc]; tl != nil {
		tl.cut(dseq + 1)
	}
}

// drop forgets doc's tail, after a write that changed its outbox in
// another way.
func (t *outTails) drop(doc string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.docs, doc)
}

// outbox answers outboxStored from doc's tail, or returns false when the
// tail does not hold every entry the store has from from on.
func (t *outTails) outbox(doc string, from uint64, max int) ([]Pending, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tl := t.docs[doc]
	if tl == nil || from < tl.first {
		return nil, false
	}
	i := min(from-tl.first, uint64(len(tl.recs)))
	j := min(i+uint64(max), uint64(len(tl.recs)))
	return slices.Clone(tl.recs[i:j]), true
}
