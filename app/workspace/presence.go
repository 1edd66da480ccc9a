package workspace

import (
	"errors"
	"time"

	"pairwise/app/crdt"
	"pairwise/app/mentoring"
	"pairwise/app/store"
)

// Presence: when each member's app was last heard from, from inside the
// signed, sealed pair document (see mentoring/presence.go), so a relay
// that quietly stops passing one member's changes on shows up as a
// partner who has gone quiet.

// lastChanges caches, for one handle, when each actor last changed its
// document. Working it out reads the whole history, so it is done once per
// loaded document (doc is the one it was read from; a handle whose doc
// was replaced reads it again) and then kept current from the headers of
// the changes committed or merged, never by reading the document again.
type lastChanges struct {
	doc *crdt.Doc
	at  map[string]time.Time
}

// lastChanges returns when each actor last changed the handle's document.
// The caller holds h.mu and must not modify the result.
func (h *handle) lastChanges() (map[string]time.Time, error) {
	if h.last.at == nil || h.last.doc != h.doc {
		at, err := h.doc.LastChanges()
		if err != nil {
			return nil, err
		}
		h.last = lastChanges{doc: h.doc, at: at}
	}
	return h.last.at, nil
}

// noteChanges keeps the cache of lastChanges current after chunks were
// committed or merged into h.doc. A whole document (a snapshot from the
// relay) drops it instead: it is read again when next needed. The caller
// holds h.mu.
func (h *handle) noteChanges(chunks ...store.Chunk) {
	if h.last.at == nil || h.last.doc != h.doc {
		h.last = lastChanges{}
		return
	}
	for _, c := range chunks {
		if c.Kind != store.Changes {
			h.last = lastChanges{}
			return
		}
		crdt.NoteChanges(h.last.at, c.Data)
	}
}

// Heard returns, by member ID, when each member's app was last heard from
// in a pair: the later of its presence time and its latest change. Both
// come from the pair document as the members' devices signed it; nothing
// comes from the relay.
func (w *Workspace) Heard(id string) (map[string]time.Time, error) {
	h, err := w.get(id)
	if err != nil {
		return nil, err
	}
	if h.kind != "" {
		return nil, w.notAPair(id)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	p, err := h.read()
	if err != nil {
		return nil, err
	}
	changed, err := h.lastChanges()
	if err != nil {
		return nil, err
	}
	return mentoring.LastHeard(p, changed), nil
}

// Present records in a pair that this app synced it, if it has written
// nothing there for mentoring.PresenceEvery; the sync engine calls it once
// the pair is caught up with the relay. It reports whether it wrote. A
// read-only replica cannot, and a pair not arrived or closed needs none.
func (w *Workspace) Present(id string) (bool, error) {
	wrote, err := w.present(id)
	if wrote {
		w.notify(id)
		w.afterChange(id) // the day the app was heard from is in the cohort's report
	}
	return wrote, err
}

func (w *Workspace) present(id string) (bool, error) {
	h, err := w.get(id)
	if err != nil || h.kind != "" {
		return false, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.meta.ReadOnly() || h.meta.Pending != nil || h.meta.Rebuilding {
		return false, nil
	}
	p, err := h.read()
	if errors.Is(err, mentoring.ErrNotReady) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	changed, err := h.lastChanges()
	if err != nil {
		return false, err
	}
	now, me := w.Now(), h.meta.Actor
	if !mentoring.PresenceDue(p, me, changed[me], now) {
		return false, nil
	}
	edit, err := mentoring.Presence(p, me, now)
	if err != nil {
		return false, err
	}
	if err := w.commit(h, edit); err != nil {
		return false, err
	}
	return true, nil
}

// healthOf is the pair's report for its cohort, with the day each
// member's app was last heard from.
func (w *Workspace) healthOf(id string, p *mentoring.Pair) (mentoring.Report, error) {
	h, err := w.get(id)
	if err != nil {
		return mentoring.Report{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	changed, err := h.lastChanges()
	if err != nil {
		return mentoring.Report{}, err
	}
	return mentoring.HealthHeard(p, changed), nil
}
