package workspace

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"pairwise/app/crdt"
	"pairwise/app/mentoring"
	"pairwise/app/store"
)

type handle struct {
	kind string     // meta.Kind, which never changes: read without mu
	mu   sync.Mutex // held across edit, commit and store write
	doc  *crdt.Doc
	meta Meta
	// tree caches doc as plain values and pair its last typed read; stale
	// lists the records edited since that read. Reading a long-lived
	// document through cgo is the costly part of an edit and of drawing a
	// screen, so a local edit re-reads only the records it touched into
	// tree and read refreshes only those parts of pair; anything else (a
	// merge, a reload) drops the cache.
	tree  map[string]any
	pair  *mentoring.Pair
	stale []crdt.Path
	last  lastChanges // when each member last changed it (presence.go)
	// compact is the pending idle compaction, if any.
	compact *time.Timer
	// reads counts whole-document reads (Workspace.Counts).
	reads *atomic.Int64
	// applied is the highest relay sequence merged in memory (ApplyEarly);
	// the stored cursor may lag it.
	applied atomic.Uint64
	// early are the changes merged early and not yet in a record the relay
	// stored (unconfirmed.go), under earlyMu alone: the session that
	// confirms them must not wait for an edit's disk sync.
	earlyMu sync.Mutex
	early   unconfirmed
}

// read returns the typed pair. The result is shared: callers must not
// modify it.
func (h *handle) read() (*mentoring.Pair, error) {
	if err := h.rebuildingErr(); err != nil {
		return nil, err
	}
	if h.pair != nil && len(h.stale) == 0 {
		return h.pair, nil
	}
	if h.tree == nil {
		t, err := h.doc.Tree()
		if err != nil {
			return nil, err
		}
		h.tree = t
		if h.reads != nil {
			h.reads.Add(1)
		}
	}
	p, err := mentoring.Refresh(h.pair, h.tree, h.stale)
	if err != nil {
		h.forget() // Refresh may have shared memory with pair: never reuse it
		return nil, err
	}
	h.pair, h.stale = p, nil
	return p, nil
}

// forget drops the cache, so the next read is from the document.
func (h *handle) forget() { h.tree, h.pair, h.stale = nil, nil, nil }

// refresh re-reads the records at paths into the cached tree after a local
// edit; on any doubt it forgets the cache instead.
func (h *handle) refresh(paths []crdt.Path) {
	if h.tree == nil {
		h.forget()
		return
	}
	if h.pair != nil {
		h.stale = append(h.stale, paths...)
	}
next:
	for _, p := range paths {
		if n := len(p); n >= 2 && p[n-1] == crdt.Last {
			if !h.refreshAppended(p[:n-1]) {
				h.forget()
				return
			}
			continue
		}
		v, ok, err := h.doc.ReadAt(p)
		if err != nil {
			h.forget()
			return
		}
		parent := h.tree
		for _, k := range p[:len(p)-1] {
			child, isMap := parent[k].(map[string]any)
			if !isMap {
				if !ok {
					continue next // nothing there, nothing cached
				}
				child = map[string]any{}
				parent[k] = child
			}
			parent = child
		}
		if ok {
			parent[p[len(p)-1]] = v
		} else {
			delete(parent, p[len(p)-1])
		}
	}
}

// refreshAppended adds the element just appended to the list at p to the
// cached tree. It reports false when the cached list is not the document's
// less that one element, and the cache must go.
func (h *handle) refreshAppended(p crdt.Path) bool {
	parent := h.tree
	for _, k := range p[:len(p)-1] {
		if parent, _ = parent[k].(map[string]any); parent == nil {
			return false
		}
	}
	cached, isList := parent[p[len(p)-1]].([]any)
	if !isList {
		return false
	}
	v, n, ok, err := h.doc.LastOf(p)
	if !ok || err != nil || len(cached) != n-1 {
		return false
	}
	parent[p[len(p)-1]] = append(cached, v)
	return true
}

// get returns the open handle of a pair, loading it on first use. Loading
// (store reads, unsealing, the Automerge load: tens of milliseconds for a
// long-lived pair) runs outside w.mu, so other pairs are not held up;
// callers asking for a pair being loaded wait for that one load.
func (w *Workspace) get(id string) (*handle, error) {
	w.mu.Lock()
	if h, ok := w.docs[id]; ok {
		w.mu.Unlock()
		return h, nil
	}
	if l, ok := w.loads[id]; ok {
		w.mu.Unlock()
		<-l.done
		return l.h, l.err
	}
	l := &loading{done: make(chan struct{})}
	w.loads[id] = l
	w.mu.Unlock()

	l.h, l.err = w.loadHandle(id)
	w.mu.Lock()
	delete(w.loads, id)
	delete(w.previews, id) // from now on reads go to the document
	if l.err == nil {
		w.docs[id] = l.h
	}
	w.mu.Unlock()
	close(l.done)
	return l.h, l.err
}

// loading is a pair being loaded by one caller of get; others wait for
// done and take its result.
type loading struct {
	done chan struct{}
	h    *handle
	err  error
}

// awaitLoad waits for a load of id in progress, if any.
func (w *Workspace) awaitLoad(id string) {
	w.mu.Lock()
	l := w.loads[id]
	w.mu.Unlock()
	if l != nil {
		<-l.done
	}
}

// loadHandle reads a pair from the store. The caller does not hold w.mu.
func (w *Workspace) loadHandle(id string) (*handle, error) {
	w.opts.beforeLoad(id)
	var meta Meta
	if err := w.st.Meta(id, &meta); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, &IDError{ID: id, Want: ThingPair, Dir: w.st.Dir()}
		}
		return nil, err
	}
	if err := w.vault.open(&meta); err != nil {
		return nil, err
	}
	doc, err := w.load(meta)
	if err != nil {
		if doc, err = w.rebuild(&meta, err); err != nil {
			return nil, err
		}
	}
	h := &handle{doc: doc, meta: meta, kind: meta.Kind, reads: &w.counts.wholeReads}
	if raw, err := w.st.Unconfirmed(id); err != nil {
		return nil, err
	} else {
		h.early.add(raw)
		if meta.Relay == "" {
			h.early.allOnce() // no relay: what is kept came from files
		}
	}
	if !meta.Registered {
		w.finishRebuildNow(h) // the relay never had it: the outbox holds it all
	}
	return h, nil
}
