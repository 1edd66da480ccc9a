package workspace

import (
	"errors"
	"sync"
	"time"

	"pairwise/app/store"
)

// The saver writes what arrived early from the relay (ApplyEarly), the
// cursor moves that follow (Stored) and the relay's acknowledgements
// (Acked), on a goroutine of its own: the session that receives them
// merges them in memory, shows them, and goes on to the next record
// without waiting for the disk, or for an edit that holds the store
// through its disk sync.
//
// Nothing here needs to reach the disk before the person sees it: the
// relay still holds every record past the stored cursor, and the cursor is
// written only with the changes it passes. A crash before the saver writes
// them just means they are fetched again.
//
// So it holds what arrives for up to syncAfter and then writes all of it,
// for every pair, in one transaction synced at once: a busy pair's records
// share one disk sync instead of taking one each. Acknowledgements are
// written as they come (they need no sync). Until the held changes are on
// disk they stay among the pair's unconfirmed changes, even once the relay
// has stored them, so a local edit meanwhile carries them in its own
// record (unconfirmed.go) and never reaches the disk without them; and a
// cursor written another way waits for them first (flushFor).
type saver struct {
	w     *Workspace
	after time.Duration // syncAfter, as the saver was made

	mu      sync.Mutex
	idle    *sync.Cond
	queue   map[string]*unsaved
	order   []string
	writing map[string]bool // the documents the pass under way writes
	held    int             // changes held, and their bytes (see holdAtMost)
	heldB   int
	hurry   bool // someone waits for what is held (settle, flushFor, a bound): write it now
	busy    bool
	failing bool // the last pass could not write everything
	closed  bool
	stopped bool // the disk failed: nothing more is written (store.ErrDiskFailed)
	wake    chan struct{}
	done    chan struct{}
}

// unsaved is what waits to be written for one document.
type unsaved struct {
	chunks  []store.Chunk
	hashes  []string // the changes in chunks, marked held in the unconfirmed ones
	cursor  uint64
	early   bool     // the unconfirmed changes changed (unconfirmed.go)
	confirm []string // changes in records the relay stored (Stored), unconfirmed once written
	acked   uint64   // the relay holds this device's changes up to here (Acked)
}

// holds reports whether u has anything for the held pass.
func (u *unsaved) holds() bool {
	return len(u.chunks) > 0 || u.cursor > 0 || u.early || len(u.confirm) > 0
}

// syncAfter bounds how long the saver holds a received change and its
// cursor before writing them: a crash in that time means fetching them
// from the relay again. A variable for tests, read when a saver is made.
var syncAfter = 20 * time.Millisecond

// holdAtMost bounds what the saver holds before it writes at once. The
// unconfirmed changes keep every change it holds, past their own bounds
// (unconfirmed.held); this keeps them from growing far past those.
const (
	holdAtMostChanges = maxUnconfirmed / 4
	holdAtMostBytes   = 256 << 10
)

func newSaver(w *Workspace) *saver {
	sv := &saver{w: w, after: syncAfter, queue: map[string]*unsaved{}, writing: map[string]bool{},
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	sv.idle = sync.NewCond(&sv.mu)
	go sv.run()
	return sv
}

// add queues for a document the chunks that hold the changes hashes,
// which the caller has marked held among its unconfirmed changes, and the
// unconfirmed changes as they are when written; with no chunks, only the
// unconfirmed changes.
func (sv *saver) add(id string, chunks []store.Chunk, hashes []string) {
	sv.queueFor(id, func(u *unsaved) {
		u.chunks = append(u.chunks, chunks...)
		u.hashes = append(u.hashes, hashes...)
		u.early = true
		sv.count(chunks, hashes)
	})
}

// count adds chunks holding the changes hashes to what the saver holds.
// The caller holds sv.mu.
func (sv *saver) count(chunks []store.Chunk, hashes []string) {
	sv.held += len(hashes)
	for _, c := range chunks {
		sv.heldB += len(c.Data)
	}
}

// mustWriteFirst reports whether the changes the saver holds for
// document id must be written (flushFor) before n more arrive: past its
// bound it takes no more, which bounds what it holds while writes fail.
func (sv *saver) mustWriteFirst(id string, n int) bool {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	u := sv.queue[id]
	return u != nil && len(u.hashes) > 0 && len(u.hashes)+n > holdAtMostChanges
}

// stored queues a cursor move the relay's notice allows, and the changes
// its records carried, to leave the unconfirmed ones once written.
func (sv *saver) stored(id string, cursor uint64, hashes []string) {
	sv.queueFor(id, func(u *unsaved) {
		u.cursor = max(u.cursor, cursor)
		u.confirm = append(u.confirm, hashes...)
	})
}

// ack queues the relay's acknowledgement of this device's changes to a
// document up to dseq.
func (sv *saver) ack(id string, dseq uint64) {
	sv.queueFor(id, func(u *unsaved) { u.acked = max(u.acked, dseq) })
}

// queueFor has fn add to what waits for document id, and wakes the saver.
func (sv *saver) queueFor(id string, fn func(u *unsaved)) {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	if sv.closed || sv.stopped {
		return // the store is closing, or its disk failed; the relay sends them again
	}
	u := sv.queue[id]
	if u == nil {
		u = &unsaved{}
		sv.queue[id] = u
		sv.order = append(sv.order, id)
	}
	fn(u)
	if !sv.failing && (sv.held >= holdAtMostChanges || sv.heldB >= holdAtMostBytes) {
		sv.hurry = true // unless a retry waits: see run
	}
	sv.poke()
}

// poke wakes the saver's goroutine. The caller holds sv.mu.
func (sv *saver) poke() {
	select {
	case sv.wake <- struct{}{}:
	default:
	}
}

// retryAfter is how long the saver waits after a write failed (a full
// disk, say) before it tries again.
const retryAfter = time.Second

func (sv *saver) run() {
	defer close(sv.done)
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	due := time.NewTimer(time.Hour)
	due.Stop()
	armed, retrying := false, false
	for {
		all := false
		select {
		case _, ok := <-sv.wake:
			if !ok {
				return
			}
		case <-retry.C:
			retrying, all = false, true
		case <-due.C:
			armed, all = false, true
		}
		switch ok := sv.pass(all); {
		case !ok && !retrying:
			retry.Reset(retryAfter)
			retrying = true
		case ok && retrying:
			retry.Stop()
			retrying = false
		}
		// What a failed pass left waits for the retry, not the bound.
		if sv.holding() && !armed && !retrying {
			due.Reset(sv.after)
			armed = true
		}
	}
}

// holding reports whether anything waits for the held pass: after a
// pass, what is queued is held (acknowledgements go at once), or came
// meanwhile and woke the saver again.
func (sv *saver) holding() bool {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	return len(sv.order) > 0
}

// pass writes the acknowledgements queued and, if all is set or someone
// hurries it, everything held. It reports false if a write failed.
func (sv *saver) pass(all bool) bool {
	sv.mu.Lock()
	all = all || sv.hurry
	acks := map[string]uint64{}
	var ackOrder, order []string
	taken := sv.queue
	for _, id := range sv.order {
		if u := sv.queue[id]; u.acked > 0 {
			acks[id] = u.acked
			ackOrder = append(ackOrder, id)
			u.acked = 0
		}
	}
	if all {
		order = sv.order
		sv.queue, sv.order, sv.held, sv.heldB, sv.hurry = map[string]*unsaved{}, nil, 0, 0, false
		for _, id := range order {
			sv.writing[id] = true
		}
	} else {
		kept := sv.order[:0]
		for _, id := range sv.order {
			if sv.queue[id].holds() {
				kept = append(kept, id)
			} else {
				delete(sv.queue, id)
			}
		}
		sv.order = kept
	}
	sv.busy = true
	sv.mu.Unlock()

	var back map[string]*unsaved
	putBack := func(id string, u *unsaved) {
		if back == nil {
			back = map[string]*unsaved{}
		}
		if b := back[id]; b != nil {
			u.acked = max(u.acked, b.acked)
		}
		back[id] = u
	}
	for _, id := range ackOrder {
		if !sv.w.writeAck(id, acks[id]) {
			putBack(id, &unsaved{acked: acks[id]})
		}
	}
	var wrote map[string]store.DocState
	if len(order) > 0 {
		wrote = sv.w.writeHeld(order, taken)
		for _, id := range order {
			if _, done := wrote[id]; !done && taken[id].holds() {
				taken[id].acked = 0
				putBack(id, taken[id])
			}
		}
	}
	ok := sv.requeue(back, order)
	// After the pass is over (requeue woke those in flushFor and settle):
	// compaction takes the pair, which they may hold.
	for id, st := range wrote {
		if len(taken[id].chunks) > 0 {
			if h, err := sv.w.get(id); err == nil {
				h.mu.Lock()
				sv.w.maybeCompact(h, st.Chunks, st.ChunkBytes, st.NextChunk)
				h.mu.Unlock()
			}
		}
	}
	return ok
}

// requeue puts what could not be written (back) at the head of the queue,
// before anything queued since for the same documents, so no cursor is
// written without the changes it passes, and ends a pass over the
// documents in order. It reports false if anything failed.
func (sv *saver) requeue(back map[string]*unsaved, order []string) bool {
	// Asked before taking sv.mu: the store's lock may be held through a
	// disk sync, and queueFor must not wait for it.
	diskFailed := len(back) > 0 && sv.w.st.Failed() != nil
	sv.mu.Lock()
	defer sv.mu.Unlock()
	for _, id := range order {
		delete(sv.writing, id)
	}
	sv.busy = false
	defer sv.idle.Broadcast()
	if diskFailed {
		// Every later write would fail too, until Pairwise is restarted
		// (the store said why, once): drop what waits, which the relay
		// sends again after the restart, rather than retry for ever.
		sv.queue, sv.order, sv.stopped, sv.held, sv.heldB, sv.hurry = map[string]*unsaved{}, nil, true, 0, 0, false
		return true
	}
	for id, u := range back {
		if later := sv.queue[id]; later != nil {
			later.chunks = append(u.chunks, later.chunks...)
			later.hashes = append(u.hashes, later.hashes...)
			later.cursor = max(later.cursor, u.cursor)
			later.early = later.early || u.early
			later.confirm = append(u.confirm, later.confirm...)
			later.acked = max(later.acked, u.acked)
		} else {
			sv.queue[id] = u
			sv.order = append([]string{id}, sv.order...)
		}
		sv.count(u.chunks, u.hashes)
	}
	sv.failing = len(back) > 0
	return !sv.failing
}

// settle waits until everything queued before it is written, held
// changes and cursors included, or a write has failed (the saver tries
// again on its own).
func (sv *saver) settle() {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	sv.waitFor(func() bool { return sv.busy || len(sv.order) > 0 })
}

// flushFor waits until nothing the saver holds for document id is left
// to write, so that a cursor written another way (ApplyRemote) does not
// pass changes still held, nor a bundle's changes build on them. It
// reports false if a write failed, or the saver is closed or stopped:
// what it held may then not be on disk. Never call it holding the pair's
// h.mu: the compaction after a pass takes it.
func (sv *saver) flushFor(id string) bool {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	if sv.closed || sv.stopped {
		return false
	}
	return sv.waitFor(func() bool {
		u := sv.queue[id]
		return sv.writing[id] || (u != nil && u.holds())
	})
}

// waitFor has the saver write what it holds at once, and waits while
// pending reports something left, unless a write fails or the saver
// stops. It reports false in those cases. The caller holds sv.mu.
func (sv *saver) waitFor(pending func() bool) bool {
	for pending() {
		if sv.failing || sv.stopped {
			return false
		}
		if !sv.hurry && !sv.closed { // once closed, close writes it
			sv.hurry = true
			sv.poke()
		}
		sv.idle.Wait()
	}
	return true
}

// close writes what is queued, one more try if writes fail, and stops the
// goroutine.
func (sv *saver) close() {
	sv.mu.Lock()
	if sv.closed {
		sv.mu.Unlock()
		return
	}
	sv.closed = true
	sv.idle.Broadcast()
	sv.mu.Unlock()
	close(sv.wake)
	<-sv.done
	if !sv.pass(true) {
		sv.pass(true) // what fails again is fetched from the relay again
	}
}

// writeAck records the relay's acknowledgement of this device's changes
// to document id up to dseq. It reports false if the write failed and
// should be tried again.
func (w *Workspace) writeAck(id string, dseq uint64) bool {
	// Acknowledge tells the count's watchers, which must find no lock
	// held: the saver holds none here.
	err := w.Acknowledge(id, dseq)
	if errors.Is(err, store.ErrDiskFailed) {
		return false // the store has said so, once; see requeue
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		w.logf("pair %s: could not record that the relay has this computer's changes up to %d (will try again): %v", id, dseq, err)
		return false
	}
	return true
}

// writeHeld writes what is held for the documents in order, in one
// synced transaction, and returns the new states of those written (and,
// with none, of those deleted meanwhile); the others (the write failed)
// are tried again. The
// unconfirmed changes each writes leave out those the relay stored
// (unsaved.confirm), which leave the list in memory only once written,
// as the changes written stop being held.
func (w *Workspace) writeHeld(order []string, taken map[string]*unsaved) map[string]store.DocState {
	wrote := map[string]store.DocState{}
	var items []store.Received
	var handles []*handle
	for _, id := range order {
		u := taken[id]
		if !u.holds() {
			continue
		}
		h, err := w.get(id)
		if err != nil {
			wrote[id] = store.DocState{} // removed meanwhile: nothing to write
			continue
		}
		handles = append(handles, h)
		it := store.Received{Doc: id, Chunks: u.chunks, Cursor: u.cursor}
		if u.early || len(u.confirm) > 0 {
			h.earlyMu.Lock()
			it.Unconfirmed, it.PutUnconfirmed = h.early.rawWithout(u.confirm), true
			h.earlyMu.Unlock()
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return wrote
	}
	states, done, err := w.st.AppendReceivedSynced(items)
	if err != nil && !errors.Is(err, store.ErrDiskFailed) { // which the store has said, once
		// The cursors stay behind; they are tried again, and fetched from
		// the relay again if this machine stops first.
		w.logf("could not save the changes received for %d pairs (will try again): %v", len(items)-done, err)
	}
	for i, it := range items[:done] {
		u, h := taken[it.Doc], handles[i]
		h.earlyMu.Lock()
		h.early.written(u.hashes)
		h.early.confirmHashes(u.confirm)
		h.earlyMu.Unlock()
		wrote[it.Doc] = states[i]
	}
	return wrote
}

// ErrDiskFailed is wrapped by every write refused after this computer's
// disk failed a write or sync (see DiskFailed).
var ErrDiskFailed = store.ErrDiskFailed

// DiskFailed returns the disk failure that stopped this computer's store
// from saving anything more until Pairwise is restarted, or nil.
// DiskFailedC is closed when that happens.
func (w *Workspace) DiskFailed() error { return w.st.Failed() }

// DiskFailedC: see DiskFailed.
func (w *Workspace) DiskFailedC() <-chan struct{} { return w.st.FailedC() }
