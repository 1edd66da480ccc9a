package workspace

import (
	"errors"
	"sync"
	"time"

	"pairwise/app/store"
)

// The saver writes what arrived early from the relay (ApplyEarly), the
// cursor moves that follow and the relay's acknowledgements (Acked), on a
// goroutine of its own: the session that receives them merges them in
// memory, shows them, and goes on to the next record without waiting for
// the disk, or for an edit that holds the store through its disk sync.
// What it takes from the queue at once goes to the store per document in
// one write (two with an acknowledgement).
//
// Nothing here needs to reach the disk before the person sees it: the
// relay still holds every record past the stored cursor, and the cursor is
// written only after the changes it passes are on disk. A crash before the
// saver writes them just means they are fetched again.
//
// So received changes are written at once but not synced one by one: the
// saver syncs them, and then writes the cursors and unconfirmed lists put
// off meanwhile, at most syncAfter after the first of them (one disk sync
// for every record of a busy pair, not one each). Any other write to the
// store, such as a local edit built on them, syncs them first.
type saver struct {
	w *Workspace

	mu    sync.Mutex
	idle  *sync.Cond
	queue map[string]*unsaved
	order []string
	// putOff holds the cursors and unconfirmed lists that wait for the
	// next sync (see sync), in putOffOrder; unsynced says that chunks
	// were written since the last one, and hurry that a caller of settle
	// or close wants them now.
	putOff      map[string]*unsaved
	putOffOrder []string
	unsynced    bool
	hurry       bool
	busy        bool
	failing     bool // the last pass could not write everything
	closed      bool
	stopped     bool // the disk failed: nothing more is written (store.ErrDiskFailed)
	wake        chan struct{}
	done        chan struct{}
}

// unsaved is what waits to be written for one document.
type unsaved struct {
	chunks []store.Chunk
	cursor uint64
	early  bool   // the unconfirmed changes changed (unconfirmed.go)
	acked  uint64 // the relay holds this device's changes up to here (Acked)
}

// syncAfter bounds how long a received change waits for its disk sync,
// and a cursor for its write, after the saver wrote or put it off: a
// power cut in that time means fetching them from the relay again. A
// variable for tests.
var syncAfter = 20 * time.Millisecond

func newSaver(w *Workspace) *saver {
	sv := &saver{w: w, queue: map[string]*unsaved{}, putOff: map[string]*unsaved{},
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	sv.idle = sync.NewCond(&sv.mu)
	go sv.run()
	return sv
}

// add queues chunks for a document and moves its cursor to cursor (0 to
// leave it), after everything queued before; with early set, it also
// writes the document's unconfirmed changes as they are then.
func (sv *saver) add(id string, chunks []store.Chunk, cursor uint64, early bool) {
	sv.queueFor(id, func(u *unsaved) {
		u.chunks = append(u.chunks, chunks...)
		u.cursor = max(u.cursor, cursor)
		u.early = u.early || early
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
	armed := false // due runs
	for {
		syncNow := false
		select {
		case _, ok := <-sv.wake:
			if !ok {
				return
			}
		case <-retry.C:
		case <-due.C:
			armed, syncNow = false, true
		}
		failed := false
		for {
			var more bool
			more, failed = sv.saveAll()
			if !more || failed {
				break
			}
		}
		waiting, hurry := sv.waiting()
		if waiting && !failed && (syncNow || hurry) {
			failed = !sv.sync()
			waiting, _ = sv.waiting()
		}
		if failed {
			retry.Reset(retryAfter)
		}
		if waiting && !armed {
			due.Reset(syncAfter)
			armed = true
		}
	}
}

// waiting reports whether chunks wait for a sync or cursors for their
// write, and whether a caller of settle waits for them.
func (sv *saver) waiting() (waiting, hurry bool) {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	return sv.unsynced || len(sv.putOffOrder) > 0, sv.hurry
}

// sync syncs the chunks written since the last sync and then writes the
// cursors and unconfirmed lists put off, which that sync lets pass them.
// It reports false if something failed and should be tried again.
func (sv *saver) sync() bool {
	sv.mu.Lock()
	putOff, order := sv.putOff, sv.putOffOrder
	sv.putOff, sv.putOffOrder, sv.unsynced, sv.busy = map[string]*unsaved{}, nil, false, true
	sv.mu.Unlock()
	var back []string
	if err := sv.w.st.SyncPutOff(); err != nil {
		back = order
		sv.mu.Lock()
		sv.unsynced = true
		sv.mu.Unlock()
	} else {
		for _, id := range order {
			if _, ok := sv.w.save(id, putOff[id], true); !ok {
				back = append(back, id)
			}
		}
	}
	return sv.requeue(putOff, back)
}

// saveAll writes everything queued. It reports whether there was anything,
// and whether a write failed: what failed goes back to the head of the
// queue, before anything queued since, so no cursor is written without the
// changes it passes.
func (sv *saver) saveAll() (more, failed bool) {
	sv.mu.Lock()
	queue, order := sv.queue, sv.order
	if len(order) == 0 {
		sv.mu.Unlock()
		return false, false
	}
	sv.queue, sv.order, sv.busy = map[string]*unsaved{}, nil, true
	sv.mu.Unlock()
	var back []string
	for _, id := range order {
		rest, ok := sv.w.save(id, queue[id], false)
		if !ok {
			back = append(back, id)
			continue
		}
		sv.mu.Lock()
		sv.unsynced = sv.unsynced || len(queue[id].chunks) > 0
		if rest != nil {
			sv.putOffFor(id, rest)
		}
		sv.mu.Unlock()
	}
	return true, !sv.requeue(queue, back)
}

// putOffFor adds the cursor and unconfirmed list in u to what waits for
// the next sync. The caller holds sv.mu.
func (sv *saver) putOffFor(id string, u *unsaved) {
	p := sv.putOff[id]
	if p == nil {
		sv.putOff[id] = u
		sv.putOffOrder = append(sv.putOffOrder, id)
		return
	}
	p.cursor = max(p.cursor, u.cursor)
	p.early = p.early || u.early
}

// requeue puts what could not be written (the documents back, from
// taken) at the head of the queue, before anything queued since, so no
// cursor is written without the changes it passes, and ends a pass. It
// reports false if anything failed.
func (sv *saver) requeue(taken map[string]*unsaved, back []string) bool {
	// Asked before taking sv.mu: the store's lock may be held through a
	// disk sync, and queueFor must not wait for it.
	diskFailed := len(back) > 0 && sv.w.st.Failed() != nil
	sv.mu.Lock()
	defer sv.mu.Unlock()
	if diskFailed {
		// Every later write would fail too, until Pairwise is restarted
		// (the store said why, once): drop what waits, which the relay
		// sends again after the restart, rather than retry for ever.
		sv.queue, sv.order, sv.stopped, sv.busy = map[string]*unsaved{}, nil, true, false
		sv.putOff, sv.putOffOrder, sv.unsynced = map[string]*unsaved{}, nil, false
		sv.idle.Broadcast()
		return true
	}
	for _, id := range back {
		u := taken[id]
		if later := sv.queue[id]; later != nil {
			later.chunks = append(u.chunks, later.chunks...)
			later.cursor = max(later.cursor, u.cursor)
			later.early = later.early || u.early
			later.acked = max(later.acked, u.acked)
			continue
		}
		sv.queue[id] = u
		sv.order = append(sv.order, id)
	}
	sv.failing = len(back) > 0
	sv.busy = false
	if sv.failing || (len(sv.order) == 0 && !sv.unsynced && len(sv.putOffOrder) == 0) {
		sv.hurry = false
	}
	sv.idle.Broadcast() // settle does not wait on a disk that refuses
	return !sv.failing
}

// settle waits until everything queued before it is written and synced,
// cursors included, or a write has failed (the saver tries again on its
// own).
func (sv *saver) settle() {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	for sv.pending() && !sv.failing && !sv.closed {
		if !sv.hurry {
			sv.hurry = true
			select {
			case sv.wake <- struct{}{}:
			default:
			}
		}
		sv.idle.Wait()
	}
}

// pending reports whether anything waits to be written or synced. The
// caller holds sv.mu.
func (sv *saver) pending() bool {
	return sv.busy || len(sv.order) > 0 || sv.unsynced || len(sv.putOffOrder) > 0
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
	sv.mu.Unlock()
	close(sv.wake)
	<-sv.done
	for {
		more, failed := sv.saveAll()
		if failed {
			return // what failed is fetched from the relay again
		}
		if !more {
			break
		}
	}
	if waiting, _ := sv.waiting(); waiting {
		sv.sync()
	}
}

// save writes one document's queued acknowledgement and chunks, and
// returns its cursor and unconfirmed list to be written after the next
// sync (nil if neither). With synced set, the chunks the cursor passes
// are on disk already, and save writes everything. It reports false if
// a write failed and should be tried again.
func (w *Workspace) save(id string, u *unsaved, synced bool) (putOff *unsaved, ok bool) {
	if u.acked > 0 {
		// Before taking the pair: Acknowledge tells the count's watchers,
		// which must find no lock held.
		err := w.Acknowledge(id, u.acked)
		if errors.Is(err, store.ErrDiskFailed) {
			return nil, false // the store has said so, once; see saveAll
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			w.logf("pair %s: could not record that the relay has this computer's changes up to %d (will try again): %v", id, u.acked, err)
			return nil, false
		}
	}
	cursor, early := u.cursor, u.early
	if !synced {
		// The unconfirmed list goes with the chunks, if any: it holds
		// theirs, and lasts as long as they do.
		if cursor > 0 || (early && len(u.chunks) == 0) {
			putOff = &unsaved{cursor: cursor, early: early && len(u.chunks) == 0}
		}
		cursor = 0
		if len(u.chunks) == 0 {
			return putOff, true
		}
	}
	if len(u.chunks) == 0 && cursor == 0 && !early {
		return nil, true
	}
	h, err := w.get(id)
	if err != nil {
		return nil, true // removed meanwhile
	}
	if len(u.chunks) > 0 || early {
		// The pair's unconfirmed changes are read, and its compaction
		// considered, with the pair held. A cursor alone needs neither,
		// nor to wait for an edit that holds the pair through its disk
		// sync (on the writer, each edit's own record coming back).
		h.mu.Lock()
		defer h.mu.Unlock()
	}
	var raw []byte
	if early {
		h.earlyMu.Lock()
		raw = h.early.raw()
		h.earlyMu.Unlock()
	}
	var st store.DocState
	if synced {
		st, err = w.st.AppendReceived(id, u.chunks, cursor, raw, early)
	} else {
		st, err = w.st.AppendUnsynced(id, u.chunks, raw, early)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, true
	case errors.Is(err, store.ErrDiskFailed):
		return nil, false // the store has said so, once; see saveAll
	case err != nil:
		// The cursor stays behind; they are tried again, and fetched
		// from the relay again if this machine stops first.
		w.logf("pair %s: could not save %d received changes (will try again): %v", id, len(u.chunks), err)
		return nil, false
	case len(u.chunks) > 0:
		w.maybeCompact(h, st.Chunks, st.ChunkBytes, st.NextChunk)
	}
	return putOff, true
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
