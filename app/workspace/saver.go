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
// written only with, or after, the changes it passes. A crash before the
// saver writes them just means they are fetched again.
type saver struct {
	w *Workspace

	mu      sync.Mutex
	idle    *sync.Cond
	queue   map[string]*unsaved
	order   []string
	busy    bool
	failing bool // the last pass could not write everything
	closed  bool
	stopped bool // the disk failed: nothing more is written (store.ErrDiskFailed)
	wake    chan struct{}
	done    chan struct{}
}

// unsaved is what waits to be written for one document.
type unsaved struct {
	chunks []store.Chunk
	cursor uint64
	early  bool   // the unconfirmed changes changed (unconfirmed.go)
	acked  uint64 // the relay holds this device's changes up to here (Acked)
}

func newSaver(w *Workspace) *saver {
	sv := &saver{w: w, queue: map[string]*unsaved{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
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
	for {
		select {
		case _, ok := <-sv.wake:
			if !ok {
				return
			}
		case <-retry.C:
		}
		for {
			more, failed := sv.saveAll()
			if failed {
				retry.Reset(retryAfter)
			}
			if !more || failed {
				break
			}
		}
	}
}

// saveAll writes everything queued. It reports whether there was anything,
// and whether a write failed: what failed goes back to the head of the
// queue, before anything queued since, so no cursor is written without the
// changes it passes.
func (sv *saver) saveAll() (more, failed bool) {
	sv.mu.Lock()
	queue, order := sv.queue, sv.order
	if len(order) == 0 {
		sv.busy = false
		sv.idle.Broadcast()
		sv.mu.Unlock()
		return false, false
	}
	sv.queue, sv.order, sv.busy = map[string]*unsaved{}, nil, true
	sv.mu.Unlock()
	var back []string
	for _, id := range order {
		if !sv.w.save(id, queue[id]) {
			back = append(back, id)
		}
	}
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
		sv.idle.Broadcast()
		return true, false
	}
	for _, id := range back {
		u := queue[id]
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
	if sv.failing {
		sv.busy = false
		sv.idle.Broadcast() // settle does not wait on a disk that refuses
	}
	return true, sv.failing
}

// settle waits until everything queued before it is written, or a write
// has failed (the saver tries again on its own).
func (sv *saver) settle() {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	for (sv.busy || len(sv.order) > 0) && !sv.failing {
		sv.idle.Wait()
	}
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
		if !more || failed {
			return // what failed is fetched from the relay again
		}
	}
}

// save writes one document's queued acknowledgement, chunks and cursor.
// It reports false if a write failed and should be tried again.
func (w *Workspace) save(id string, u *unsaved) bool {
	if u.acked > 0 {
		// Before taking the pair: Acknowledge tells the count's watchers,
		// which must find no lock held.
		err := w.Acknowledge(id, u.acked)
		if errors.Is(err, store.ErrDiskFailed) {
			return false // the store has said so, once; see saveAll
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			w.logf("pair %s: could not record that the relay has this computer's changes up to %d (will try again): %v", id, u.acked, err)
			return false
		}
	}
	if len(u.chunks) == 0 && u.cursor == 0 && !u.early {
		return true
	}
	h, err := w.get(id)
	if err != nil {
		return true // removed meanwhile
	}
	if len(u.chunks) > 0 || u.early {
		// The pair's unconfirmed changes are read, and its compaction
		// considered, with the pair held. A cursor alone needs neither,
		// nor to wait for an edit that holds the pair through its disk
		// sync (on the writer, each edit's own record coming back).
		//
		// The chunks the last pass wrote are synced first, if they are
		// not yet, rather than by the write below with the pair held:
		// the session merging the next record would wait for that disk
		// sync. (If this fails, the write below tries again and says.)
		_ = w.st.SyncPutOff()
		h.mu.Lock()
		defer h.mu.Unlock()
	}
	var early []byte
	if u.early {
		h.earlyMu.Lock()
		early = h.early.raw()
		h.earlyMu.Unlock()
	}
	st, err := w.st.AppendReceived(id, u.chunks, u.cursor, early, u.early)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return true
	case errors.Is(err, store.ErrDiskFailed):
		return false // the store has said so, once; see saveAll
	case err != nil:
		// The cursor stays behind; they are tried again, and fetched
		// from the relay again if this machine stops first.
		w.logf("pair %s: could not save %d received changes (will try again): %v", id, len(u.chunks), err)
		return false
	case len(u.chunks) > 0:
		w.maybeCompact(h, st.Chunks, st.ChunkBytes, st.NextChunk)
	}
	return true
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
