package workspace

import (
	"errors"
	"fmt"
	"time"

	"pairwise/app/crdt"
	"pairwise/app/mentoring"
	"pairwise/app/store"
	"pairwise/shared/seal"
)

// ErrClosed is returned for an edit on a relationship that was closed: it
// is archived, read-only for good.
var ErrClosed = errors.New("this mentoring relationship was closed and is kept as a read-only record")

// ErrReadOnly is returned for an edit on a pair joined with a read-only
// invite.
var ErrReadOnly = errors.New("you joined this pair with a read-only invite, so you can read it but not change it; ask your partner for a write invite")

// NewPair creates a pair with me as its first member and returns its ID.
func (w *Workspace) NewPair(title, name string, role mentoring.Role) (string, error) {
	id := randomHex(16)
	actor := crdt.NewActor()
	edit, err := mentoring.NewPair(id, title, mentoring.Member{ID: actor, Name: name, Role: role}, w.Now())
	if err != nil {
		return "", err
	}
	key, write, read := seal.NewSecret(), seal.NewSecret(), seal.NewSecret()
	meta := Meta{ID: id, Actor: actor, Key: key[:], Write: write[:], Read: read[:], Relay: w.Settings().Relay, Title: title}
	w.selfRooted(&meta)
	if err := w.createDoc(meta, edit); err != nil {
		return "", err
	}
	return id, nil
}

// Pair reads the current state of a pair.
func (w *Workspace) Pair(id string) (*mentoring.Pair, error) {
	if p, ok := w.previewPair(id); ok {
		return p, nil
	}
	h, err := w.get(id)
	if err != nil {
		return nil, err
	}
	if h.kind != "" {
		return nil, w.notAPair(id)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.read()
}

// Meta returns what this machine knows about a pair.
func (w *Workspace) Meta(id string) (Meta, error) {
	h, err := w.get(id)
	if err != nil {
		return Meta{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.meta, nil
}

// Me returns this replica's member ID in a pair.
func (w *Workspace) Me(id string) (string, error) {
	m, err := w.Meta(id)
	return m.Actor, err
}

// Editor builds an edit from the pair's current state and this replica's
// member ID.
type Editor func(p *mentoring.Pair, me string) (mentoring.Edit, error)

// Edit applies one user action to a pair as one commit, and returns only
// once the change is on disk. It returns the ID of whatever the edit created.
func (w *Workspace) Edit(id string, build Editor) (string, error) {
	eid, err := w.edit(id, build)
	if err == nil {
		w.notify(id) // after the handle's lock is released: watchers read the pair
		w.afterChange(id)
	}
	return eid, err
}

func (w *Workspace) notAPair(id string) error {
	return &IDError{ID: id, Want: ThingPair, Is: ThingCohort, Dir: w.st.Dir()}
}

func (w *Workspace) edit(id string, build Editor) (string, error) {
	h, err := w.get(id)
	if err != nil {
		return "", err
	}
	if h.kind != "" {
		return "", w.notAPair(id)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.meta.ReadOnly() {
		return "", ErrReadOnly
	}
	p, err := h.read()
	if err != nil {
		return "", err
	}
	edit, err := build(p, h.meta.Actor)
	if err != nil {
		return "", err
	}
	if p.IsClosed() && !edit.AfterClose {
		return "", fmt.Errorf("%w (on %s); you can still read it, export it, and add your closing reflection", ErrClosed, p.Closed.At.Local().Format(mentoring.DateLayout))
	}
	if err := w.commit(h, edit); err != nil {
		return "", err
	}
	return edit.ID, nil
}

// reload reads the handle's document again from the store, after a
// failed write, and merges back its unconfirmed changes: among them are
// those the saver holds and has not written yet (saver.go), which the
// document in memory had and the store may not. It keeps the document as
// it is if the store cannot be read. The caller holds h.mu.
func (w *Workspace) reload(h *handle) {
	doc, err := w.load(h.meta)
	if err != nil {
		return
	}
	h.earlyMu.Lock()
	raw := h.early.raw()
	h.earlyMu.Unlock()
	if raw != nil {
		if merged, _, err := mergeChunks(doc, []store.Chunk{{Kind: store.Changes, Data: raw}}); err == nil {
			doc = merged
		}
	}
	h.doc = doc
	h.forget()
}

// commit applies edit to the handle's document, commits and stores it. On
// any failure the in-memory document is reloaded from disk, so a half-made
// edit can never ride along with the next commit.
func (w *Workspace) commit(h *handle, edit mentoring.Edit) error {
	if err := h.rebuildingErr(); err != nil {
		return err
	}
	defer h.refresh(edit.Touched())
	err := edit.Apply(h.doc)
	var change []byte
	if err == nil {
		change, err = h.doc.Commit(edit.Msg, w.Now())
	}
	if errors.Is(err, crdt.ErrNoChange) {
		return nil
	}
	if err == nil {
		// The record carries the changes merged early that the relay may
		// still lose, ahead of this one (unconfirmed.go).
		h.earlyMu.Lock()
		record, once := h.early.carry(change), h.early.onceHashes()
		h.earlyMu.Unlock()
		var st store.DocState
		st, err = w.st.AppendLocal(h.meta.ID, record, true)
		if err == nil {
			h.earlyMu.Lock()
			h.early.carried(once)
			h.earlyMu.Unlock()
			w.notePending(h.meta.ID, st)
			h.noteChanges(store.Chunk{Kind: store.Changes, Data: change})
			w.maybeCompact(h, st.Chunks, st.ChunkBytes, st.NextChunk)
			return nil
		}
	}
	w.reload(h)
	return fmt.Errorf("%s: %w", edit.Msg, err)
}

// maybeCompact folds the chunks into a new snapshot once there are many:
// when the pair has been idle for a moment, or at once when there are very
// many. The caller holds h.mu. Failure is harmless (the chunks stay), so it
// is only logged.
func (w *Workspace) maybeCompact(h *handle, chunks int, bytes int64, next uint64) {
	switch {
	case chunks >= w.opts.CompactChunksHard || bytes >= w.opts.CompactBytesHard:
		w.compactNow(h, next)
	case chunks >= compactChunks || bytes >= compactBytes:
		if h.compact == nil {
			h.compact = time.AfterFunc(w.opts.CompactIdle, func() { w.idleCompact(h) })
		} else {
			h.compact.Reset(w.opts.CompactIdle) // still busy: wait for a pause
		}
	}
}

func (w *Workspace) compactNow(h *handle, next uint64) {
	if h.compact != nil {
		h.compact.Stop()
		h.compact = nil
	}
	snap := h.doc.Save()
	if err := w.st.Compact(h.meta.ID, snap, next); err != nil {
		w.logf("compact pair %s: %v", h.meta.ID, err)
		return
	}
	w.saveView(h, snap)
}

// idleCompact runs once a pair has had no edits for Options.CompactIdle.
func (w *Workspace) idleCompact(h *handle) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !w.closed.Load() {
		w.compactIfDue(h)
	}
}

// compactIfDue compacts if the chunks are still past the soft thresholds
// (the pair may have been compacted since a compaction was scheduled), and
// drops the scheduled one. The caller holds h.mu.
func (w *Workspace) compactIfDue(h *handle) {
	if h.compact != nil {
		h.compact.Stop()
		h.compact = nil
	}
	st, err := w.st.State(h.meta.ID)
	if err != nil {
		w.logf("compact pair %s: %v", h.meta.ID, err)
		return
	}
	if st.Chunks >= compactChunks || st.ChunkBytes >= compactBytes {
		w.compactNow(h, st.NextChunk)
	}
}
