package workspace

import (
	"errors"
	"sync"

	"pairwise/app/store"
)

// The saver writes what arrived early from the relay (ApplyEarly) and the
// cursor moves that follow, on a goroutine of its own: the session that
// receives them merges them in memory, shows them, and goes on to the next
// record without waiting for the disk. What it takes from the queue at once
// goes to the store per document in one write.
//
// Nothing here needs to reach the disk before the person sees it: the
// relay still holds every record past the stored cursor, and the cursor is
// written only with, or after, the changes it passes. A crash before the
// saver writes them just means they are fetched again.
type saver struct {
	w *Workspace

	mu     sync.Mutex
	idle   *sync.Cond
	queue  map[string]*unsaved
	order  []string
	busy   bool
	closed bool
	wake   chan struct{}
	done   chan struct{}
}

// unsaved is what waits to be written for one document.
type unsaved struct {
	chunks []store.Chunk
	cursor uint64
	early  bool // the unconfirmed changes changed (unconfirmed.go)
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
	sv.mu.Lock()
	defer sv.mu.Unlock()
	if sv.closed {
		return // the store is closing; the relay sends them again
	}
	u := sv.queue[id]
	if u == nil {
		u = &unsaved{}
		sv.queue[id] = u
		sv.order = append(sv.order, id)
	}
	u.chunks = append(u.chunks, chunks...)
	u.cursor = max(u.cursor, cursor)
	u.early = u.early || early
	select {
	case sv.wake <- struct{}{}:
	default:
	}
}

func (sv *saver) run() {
	defer close(sv.done)
	for range sv.wake {
		for sv.saveAll() {
		}
	}
}

// saveAll writes everything queued; it reports false once the queue was
// empty.
func (sv *saver) saveAll() bool {
	sv.mu.Lock()
	queue, order := sv.queue, sv.order
	if len(order) == 0 {
		sv.busy = false
		sv.idle.Broadcast()
		sv.mu.Unlock()
		return false
	}
	sv.queue, sv.order, sv.busy = map[string]*unsaved{}, nil, true
	sv.mu.Unlock()
	for _, id := range order {
		sv.w.save(id, queue[id])
	}
	return true
}

// settle waits until everything queued before it is written.
func (sv *saver) settle() {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	for sv.busy || len(sv.order) > 0 {
		sv.idle.Wait()
	}
}

// close writes what is queued and stops the goroutine.
func (sv *saver) close() {
	sv.mu.Lock()
	if sv.closed {
		sv.mu.Unlock()
		return
	}
	sv.closed = true
	sv.busy = true // until run has drained the queue
	sv.mu.Unlock()
	close(sv.wake)
	<-sv.done
	for sv.saveAll() {
	}
}

// save writes one document's queued chunks and cursor.
func (w *Workspace) save(id string, u *unsaved) {
	h, err := w.get(id)
	if err != nil {
		return // removed meanwhile
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	st, err := w.st.AppendRemote(id, u.chunks, u.cursor)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return
	case err != nil:
		// The cursor stays behind, so the relay sends these again.
		w.logf("pair %s: could not save %d received changes: %v", id, len(u.chunks), err)
		return
	case len(u.chunks) > 0:
		w.maybeCompact(h, st.Chunks, st.ChunkBytes, st.NextChunk)
	}
	if u.early {
		h.earlyMu.Lock()
		raw := h.early.raw()
		h.earlyMu.Unlock()
		if err := w.st.PutUnconfirmed(id, raw); err != nil && !errors.Is(err, store.ErrNotFound) {
			w.logf("pair %s: could not save the changes not yet stored by the relay: %v", id, err)
		}
	}
}
