package workspace

import (
	"errors"
	"fmt"
	"math"

	"pairwise/app/crdt"
	"pairwise/app/mentoring"
	"pairwise/app/store"
)

// ErrRebuilding is matched by the error reads and edits return while a
// document whose saved copy was found damaged is rebuilt from the relay
// (see RebuildingError).
var ErrRebuilding = errors.New("the saved copy is being rebuilt from the relay")

// RebuildingError is returned by reads and edits of a document being
// rebuilt: showing it would show it empty or half there.
type RebuildingError struct {
	ID, Title, Kind string
}

func (e *RebuildingError) Error() string {
	name := e.Title
	if name == "" {
		name = e.ID
	}
	what := fmt.Sprintf("pair %q", name)
	switch e.Kind {
	case mentoring.KindProgramme:
		what = fmt.Sprintf("cohort %q", name)
	case mentoring.KindBoard:
		what = "a cohort's board"
	}
	return fmt.Sprintf("%s's saved copy on this computer was damaged; it is being rebuilt from the relay. Stay online (or sync) and it comes back: nothing the relay received is lost, and edits not yet sent are kept and put back", what)
}

// Is makes a RebuildingError match ErrRebuilding.
func (e *RebuildingError) Is(target error) bool { return target == ErrRebuilding }

// rebuildingErr returns a RebuildingError while h is being rebuilt. The
// caller holds h.mu.
func (h *handle) rebuildingErr() error {
	if !h.meta.Rebuilding {
		return nil
	}
	return &RebuildingError{ID: h.meta.ID, Title: h.meta.Title, Kind: h.meta.Kind}
}

// rebuild is what get does with a document whose saved copy does not load
// (cause): rather than show it empty or not at all, it drops the local
// copy and has the relay send the whole document again (store.Reset),
// marking it Rebuilding until the first sync has caught up (finishRebuild).
// The relay holds every change it acknowledged; the changes it has not
// stay in the outbox and are put back then. The mark is written first, so
// a crash in between finds the copy still damaged and starts again.
func (w *Workspace) rebuild(meta *Meta, cause error) (*crdt.Doc, error) {
	if !errors.Is(cause, store.ErrCorrupt) {
		return nil, cause
	}
	w.logf("%v; rebuilding it from the relay", cause)
	m := *meta
	m.Rebuilding = true
	if err := w.putMeta(m); err != nil {
		return nil, fmt.Errorf("%w; marking it to be rebuilt from the relay failed too: %v", cause, err)
	}
	if _, err := w.st.Reset(m.ID); err != nil {
		return nil, fmt.Errorf("%w; dropping it to rebuild from the relay failed too: %v", cause, err)
	}
	*meta = m
	actor, err := w.actor(m)
	if err != nil {
		return nil, err
	}
	return crdt.New(actor)
}

// finishRebuild ends a rebuild once the relay has sent everything it has
// (or, for a document the relay never had, at once): it applies the
// changes still waiting in the outbox, stores them, and clears the mark.
// If they do not apply yet, the document stays marked; they come back
// from the relay once it has them, and the next sync ends the rebuild.
// It reports whether it ended one. The caller holds h.mu.
func (w *Workspace) finishRebuild(h *handle) (bool, error) {
	if !h.meta.Rebuilding {
		return false, nil
	}
	out, err := w.st.Outbox(h.meta.ID, 1, math.MaxInt)
	if err != nil {
		return false, err
	}
	if len(out) > 0 {
		var data []byte
		for _, p := range out {
			data = append(data, p.Data...)
		}
		if err := h.doc.ApplyChanges(data); err != nil {
			return false, fmt.Errorf("put back the %d changes made here that the relay does not have yet: %w", len(out), err)
		}
		if _, err := w.st.AppendRemote(h.meta.ID, []store.Chunk{{Kind: store.Changes, Data: data}}, 0); err != nil {
			w.reload(h)
			return false, err
		}
	}
	m := h.meta
	m.Rebuilding = false
	if err := w.putMeta(m); err != nil {
		return false, err
	}
	h.meta = m
	h.forget()
	h.last = lastChanges{} // the changes put back are read again when needed
	w.logf("%s was rebuilt from the relay", h.meta.ID)
	return true, nil
}

// finishRebuildNow ends the rebuild of a document the relay never had,
// from the outbox alone; if that fails it waits for a sync like any other.
func (w *Workspace) finishRebuildNow(h *handle) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, err := w.finishRebuild(h); err != nil {
		w.logf("pair %s: %v", h.meta.ID, err)
	}
}
