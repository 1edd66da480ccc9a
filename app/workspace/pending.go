package workspace

import (
	"sync"

	"pairwise/app/store"
)

// Changes made here that the relay has not acknowledged yet are counted per
// document in memory: read once when the folder opens, then kept as the
// outboxes grow (local commits) and shrink (acknowledgements, removal). A
// status line or a pair list that shows them never reads every document's
// state from the store.
type pendingCounts struct {
	mu        sync.Mutex
	per       map[string]uint64
	announced map[string]uint64 // what watchers were last told, per document
	// seen is, per document, the highest next device sequence and
	// acknowledgement that notePending was given (see there).
	seen     map[string][2]uint64
	total    uint64
	watchers []func(doc string)
}

// loadPending counts the changes waiting in every outbox; OpenWith calls it.
func (w *Workspace) loadPending() error {
	ids, err := w.st.Docs()
	if err != nil {
		return err
	}
	pc := &w.pending
	pc.per, pc.announced = make(map[string]uint64, len(ids)), make(map[string]uint64, len(ids))
	for _, id := range ids {
		st, err := w.st.State(id)
		if err != nil {
			continue // a damaged state is reported where the document is used
		}
		if n := st.Pending(); n > 0 {
			pc.per[id], pc.announced[id] = n, n
			pc.total += n
		}
	}
	return nil
}

// setPending records a document's count of waiting changes. It does not
// tell the watchers, as the caller may hold locks they take: announcePending
// does, once the caller holds none.
func (w *Workspace) setPending(doc string, n uint64) {
	pc := &w.pending
	pc.mu.Lock()
	pc.set(doc, n)
	pc.mu.Unlock()
}

// set is setPending for a caller holding mu.
func (pc *pendingCounts) set(doc string, n uint64) {
	pc.total = pc.total - pc.per[doc] + n
	if n == 0 {
		delete(pc.per, doc)
	} else {
		pc.per[doc] = n
	}
}

// notePending records a document's count of waiting changes from its
// state as a write left it. An edit and an acknowledgement written at
// about the same time may report their states in either order, so each
// state's numbers count only as far as they are the highest seen: both
// only grow, and the count is what lies between them. The count is set
// under the same lock: set after it, a count from older numbers could
// replace a newer one (an edit's, returning from its disk sync after the
// acknowledgement of its change was written, left "1 waiting" for good).
// Like setPending, it tells no watcher.
func (w *Workspace) notePending(doc string, st store.DocState) {
	pc := &w.pending
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.seen == nil {
		pc.seen = map[string][2]uint64{}
	}
	hi := pc.seen[doc]
	hi[0], hi[1] = max(hi[0], st.NextDSeq), max(hi[1], st.Acked)
	pc.seen[doc] = hi
	pc.set(doc, store.DocState{NextDSeq: hi[0], Acked: hi[1]}.Pending())
}

// dropPending forgets a removed document's count.
func (w *Workspace) dropPending(doc string) {
	w.setPending(doc, 0)
	w.pending.mu.Lock()
	delete(w.pending.seen, doc)
	w.pending.mu.Unlock()
}

// announcePending tells the watchers if doc's count changed since they
// were last told. The caller holds no lock.
func (w *Workspace) announcePending(doc string) {
	pc := &w.pending
	pc.mu.Lock()
	n := pc.per[doc]
	if n == pc.announced[doc] {
		pc.mu.Unlock()
		return
	}
	if n == 0 {
		delete(pc.announced, doc)
	} else {
		pc.announced[doc] = n
	}
	ws := pc.watchers
	pc.mu.Unlock()
	for _, fn := range ws {
		fn(doc)
	}
}

// Pending returns how many changes made here, in every document, the relay
// has not acknowledged yet.
func (w *Workspace) Pending() uint64 {
	w.pending.mu.Lock()
	defer w.pending.mu.Unlock()
	return w.pending.total
}

// PendingIn returns how many changes made here to one document the relay
// has not acknowledged yet.
func (w *Workspace) PendingIn(doc string) uint64 {
	w.pending.mu.Lock()
	defer w.pending.mu.Unlock()
	return w.pending.per[doc]
}

// WatchPending registers fn to be called (on the goroutine of the change,
// holding no lock) whenever a document's count of changes waiting for the
// relay changes: after a local change, an acknowledgement, a removal.
func (w *Workspace) WatchPending(fn func(doc string)) {
	w.pending.mu.Lock()
	defer w.pending.mu.Unlock()
	w.pending.watchers = append(w.pending.watchers[:len(w.pending.watchers):len(w.pending.watchers)], fn)
}
