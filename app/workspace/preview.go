package workspace

import (
	"pairwise/app/crdt"
	"pairwise/app/mentoring"
)

// Loading a pair into Automerge costs tens of milliseconds for a year of
// history (Automerge rebuilds every change to check the document), and
// reading it out as plain values a few more. So each snapshot is kept
// with a view: the document as plain values (crdt.EncodeTree), which the
// store hands out only while the snapshot is the whole document. A pair
// not loaded yet is shown from its view; the document itself is loaded in
// the background once the pair is opened, and on the first edit or
// anything else that needs it.

// preview is a pair shown from its view, kept until the pair is loaded.
type preview struct {
	meta Meta
	pair *mentoring.Pair
}

// previewOf returns the pair from its view, if the pair is not loaded and
// has a current view. The result is shared: callers must not modify it.
func (w *Workspace) previewOf(id string) (preview, bool) {
	w.mu.Lock()
	_, loaded := w.docs[id]
	_, loading := w.loads[id]
	pv, ok := w.previews[id]
	w.mu.Unlock()
	switch {
	case loaded:
		return preview{}, false
	case ok:
		// Still current while the pair loads: every change waits for that.
		return pv, true
	case loading:
		return preview{}, false
	}
	b, ok, err := w.st.View(id) // first: most often there is none, and this is one read
	if err != nil || !ok {
		return preview{}, false
	}
	var meta Meta
	if err := w.st.Meta(id, &meta); err != nil || meta.Kind != "" || meta.Rebuilding {
		return preview{}, false
	}
	if err := w.vault.open(&meta); err != nil {
		return preview{}, false // loading says what is wrong
	}
	tree, err := crdt.DecodeTree(b)
	if err != nil {
		w.logf("pair %s: the saved view cannot be read (%v); loading the pair instead", id, err)
		return preview{}, false
	}
	p, err := mentoring.Refresh(nil, tree, nil)
	if err != nil {
		return preview{}, false
	}
	pv = preview{meta: meta, pair: p}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, loaded := w.docs[id]; loaded {
		// Loaded meanwhile: the view was current when read, but later
		// readers go to the document.
		return pv, true
	}
	w.previews[id] = pv
	return pv, true
}

// previewPair returns a pair not loaded yet from its view, and starts
// loading it in the background: a pair that is being looked at is likely
// to be edited next.
func (w *Workspace) previewPair(id string) (*mentoring.Pair, bool) {
	pv, ok := w.previewOf(id)
	if !ok {
		return nil, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed.Load() {
		return pv.pair, true
	}
	w.bg.Add(1)
	go func() {
		defer w.bg.Done()
		if _, err := w.get(id); err != nil {
			w.logf("load pair %s: %v", id, err)
		}
	}()
	return pv.pair, true
}

// saveView stores the view of the handle's document if its snapshot is
// the whole document and has no view yet. snap is the snapshot just
// stored, or nil to save the document again (Automerge saves a document
// to the same bytes each time); the store keeps the view only if that is
// the snapshot it holds. The caller holds h.mu. A view that cannot be made
// or stored only means a slower start, so failures are logged.
func (w *Workspace) saveView(h *handle, snap []byte) {
	if h.kind != "" || h.meta.Rebuilding {
		return
	}
	err := w.st.PutView(h.meta.ID, func() ([]byte, []byte, error) {
		if snap == nil {
			snap = h.doc.Save()
		}
		tree, err := h.doc.Tree() // not h.tree: mid-commit it lags the document
		if err != nil {
			return nil, nil, err
		}
		view, err := crdt.EncodeTree(tree)
		return snap, view, err
	})
	if err != nil {
		w.logf("pair %s: save its view: %v", h.meta.ID, err)
	}
}
