package workspace

import (
	"encoding/hex"
	"errors"
	"fmt"

	"pairwise/app/crdt"
	"pairwise/app/mentoring"
	"pairwise/app/store"
)

// Remote is one piece of a pair received from the relay, already opened.
type Remote struct {
	Kind store.ChunkKind
	Data []byte
	// Own marks this machine's own records coming back from the relay: they
	// are already in the document and only move the cursor.
	Own bool
}

// ErrRemoteBroken is wrapped when something that came from the relay opened
// with the pair's key but is not a valid change; it is refused whole.
var ErrRemoteBroken = errors.New("a change from the relay could not be merged")

// ApplyRemote merges what the relay sent and advances the pair's cursor to
// cursor, durably and in one step. If any piece fails to merge, nothing is
// stored, the in-memory document is restored, and the cursor stays put.
func (w *Workspace) ApplyRemote(id string, items []Remote, cursor uint64) error {
	changed, err := w.applyRemote(id, items, cursor)
	if err == nil {
		if h, gerr := w.get(id); gerr == nil {
			h.advance(cursor)
		}
	}
	if changed {
		w.notify(id) // after the handle's lock is released: watchers read the pair
		w.afterChange(id)
	}
	return err
}

// ApplyEarly merges records the relay has numbered but not yet stored, up
// to relay sequence upto: the pair shows them at once, and they are saved
// in the background (see saver), but the cursor stays where it is until
// the relay says they are stored (Stored). If the relay loses them, it
// sends whatever takes their numbers, and merging a change twice changes
// nothing.
func (w *Workspace) ApplyEarly(id string, items []Remote, upto uint64) error {
	changed, err := w.applyEarly(id, items, upto)
	if changed {
		w.notify(id)
		w.afterChange(id)
	}
	return err
}

// Stored moves the pair's cursor to cursor once the relay has stored every
// record up to it. Like ApplyEarly, it does not wait for the disk: the
// saver writes the cursor only once the changes it passes are on disk.
//
// hashes are the changes those records carried: this machine's changes no
// longer need to carry them (unconfirmed.go).
//
// Those changes stay among the unconfirmed ones until the saver has
// written the records that hold them: an edit meanwhile carries them.
func (w *Workspace) Stored(id string, cursor uint64, hashes []string) {
	w.saver.stored(id, cursor, hashes)
}

func (w *Workspace) applyEarly(id string, items []Remote, upto uint64) (changed bool, err error) {
	h, err := w.get(id)
	if err != nil {
		return false, err
	}
	received := partners(items)
	if len(received) == 0 {
		h.advance(upto)
		return false, nil
	}
	var parts []crdt.Change
	for _, c := range received {
		parts = append(parts, crdt.SplitChanges(c.Data)...)
	}
	if w.saver.mustWriteFirst(id, len(parts)) && !w.saver.flushFor(id) {
		return false, errHeldNotSaved(id)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	chunks, err := w.merge(h, received)
	if err != nil {
		return false, err
	}
	h.noteChanges(chunks...)
	hashes := make([]string, len(parts))
	for i, c := range parts {
		hashes[i] = c.Hash
	}
	h.earlyMu.Lock()
	h.early.addParts(parts, true)
	h.earlyMu.Unlock()
	w.saver.add(id, chunks, hashes)
	w.noteTitle(h)
	h.advance(upto)
	return true, nil
}

// errHeldNotSaved is why records for pair id are refused while the
// changes received before them cannot be written.
func errHeldNotSaved(id string) error {
	return fmt.Errorf("pair %s: changes received earlier could not be saved yet, so these wait; the relay sends them again", id)
}

// partners returns the pieces of items that are not this machine's own.
func partners(items []Remote) []store.Chunk {
	var out []store.Chunk
	for _, it := range items {
		if !it.Own {
			out = append(out, store.Chunk{Kind: it.Kind, Data: it.Data})
		}
	}
	return out
}

// merge merges received pieces into the handle's document, all or
// nothing: on failure the document is reloaded from the store. It returns
// the pieces as merged (see mergeChunks). The caller holds h.mu.
func (w *Workspace) merge(h *handle, received []store.Chunk) ([]store.Chunk, error) {
	h.forget()
	doc, chunks, err := mergeChunks(h.doc, received)
	if err != nil {
		w.reload(h)
		return nil, fmt.Errorf("%w into pair %s: %v", ErrRemoteBroken, h.meta.ID, err)
	}
	h.doc = doc
	return chunks, nil
}

// Applied returns the highest relay sequence merged into the pair on this
// machine, whether or not the relay has said it is stored.
func (w *Workspace) Applied(id string) (uint64, error) {
	h, err := w.get(id)
	if err != nil {
		return 0, err
	}
	if a := h.applied.Load(); a > 0 {
		return a, nil // never below the cursor: both only grow, and this leads
	}
	st, err := w.st.State(id)
	return st.Cursor, err
}

// SettleSaves waits until what arrived early is written to the store, or
// a write failed (see SavesFailing).
func (w *Workspace) SettleSaves() { w.saver.settle() }

// SavesFailing says why changes received from the relay wait unwritten,
// if the saver's last writes failed (a full disk, say): it tries again on
// its own, and they are fetched again if this machine stops first.
func (w *Workspace) SavesFailing() error {
	w.saver.mu.Lock()
	defer w.saver.mu.Unlock()
	if !w.saver.failing {
		return nil
	}
	return errors.New("changes received from the relay could not be saved yet; check there is free space on the disk. They are fetched again at the next sync")
}

// advance raises the highest relay sequence merged in memory to seq.
func (h *handle) advance(seq uint64) {
	for cur := h.applied.Load(); seq > cur && !h.applied.CompareAndSwap(cur, seq); cur = h.applied.Load() {
	}
}

func (w *Workspace) applyRemote(id string, items []Remote, cursor uint64) (changed bool, err error) {
	h, err := w.get(id)
	if err != nil {
		return false, err
	}
	received := partners(items)
	// The cursor written below passes every record before it: the saver
	// must have written those it holds.
	if !w.saver.flushFor(id) {
		return false, errHeldNotSaved(id)
	}
	if len(received) == 0 {
		// Only this machine's own changes coming back: the document has
		// them, so just move the cursor, without waiting for an edit that
		// holds the pair while its change goes to disk.
		_, err := w.st.AppendRemote(id, nil, cursor)
		return false, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	chunks, err := w.merge(h, received)
	if err != nil {
		return false, err
	}
	h.earlyMu.Lock()
	confirmed := false
	for _, c := range received {
		if c.Kind == store.Document {
			// A snapshot the relay stored: what it holds is stored too.
			if heads, ok := h.doc.MergedHeads(c.Data); ok {
				if covered, ok := h.doc.CoveredBy(heads); ok {
					confirmed = h.early.confirmCovered(covered) || confirmed
				}
			}
			continue
		}
		confirmed = h.early.confirm(c.Data) || confirmed
	}
	h.earlyMu.Unlock()
	if confirmed {
		w.saver.add(id, nil, nil)
	}
	st, err := w.st.AppendRemote(id, chunks, cursor)
	if err != nil {
		w.reload(h)
		return false, err
	}
	h.noteChanges(chunks...)
	w.maybeCompact(h, st.Chunks, st.ChunkBytes, st.NextChunk)
	w.noteTitle(h)
	return true, nil
}

// noteTitle keeps the pair's title in its meta current after a merge. Only
// the title is read: reading the whole pair on every arrival made a busy
// reader fall behind. The caller holds h.mu.
func (w *Workspace) noteTitle(h *handle) {
	if title, err := mentoring.ReadTitle(h.doc); err == nil && title != h.meta.Title {
		h.meta.Title = title
		_ = w.putMeta(h.meta)
	}
}

// CompleteJoin is called once the relay has sent all it has of a pair. It
// ends a rebuild of a damaged copy (see rebuild) and adds this machine's
// pending membership. It reports whether it changed the pair.
func (w *Workspace) CompleteJoin(id string) (bool, error) {
	made, err := w.completeJoin(id)
	if made {
		w.notify(id)
		w.afterChange(id) // the new member's name belongs in the cohort's report
	}
	return made, err
}

func (w *Workspace) completeJoin(id string) (bool, error) {
	h, err := w.get(id)
	if err != nil {
		return false, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	rebuilt, err := w.finishRebuild(h)
	if err != nil {
		w.logf("pair %s: %v", id, err) // it stays marked until a later sync
	}
	if h.meta.Pending == nil || h.meta.ReadOnly() || h.meta.Rebuilding {
		return rebuilt, nil
	}
	p, err := h.read()
	if errors.Is(err, mentoring.ErrNotReady) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	edit, err := mentoring.Join(p, mentoring.Member{ID: h.meta.Actor, Name: h.meta.Pending.Name, Role: h.meta.Pending.Role}, w.Now())
	if err != nil {
		return false, err
	}
	if err := w.commit(h, edit); err != nil {
		return false, err
	}
	h.meta.Pending = nil
	h.meta.Title = p.Title
	if err := w.putMeta(h.meta); err != nil {
		return false, err
	}
	return true, nil
}

// Snapshot returns the pair's whole document, for uploading to the relay.
func (w *Workspace) Snapshot(id string) ([]byte, error) {
	h, err := w.get(id)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.doc.Save(), nil
}

// SetMeta changes what this machine knows about a pair.
func (w *Workspace) SetMeta(id string, fn func(m *Meta)) error {
	h, err := w.get(id)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	m := h.meta
	fn(&m)
	if err := w.putMeta(m); err != nil {
		return err
	}
	h.meta = m
	return nil
}

// AddJoined records a pair joined by invite. The document itself arrives
// with the first sync; the membership is added then (see CompleteJoin).
func (w *Workspace) AddJoined(meta Meta, name string, role mentoring.Role) error {
	if err := mentoring.ValidMember(name, role); err != nil {
		return err
	}
	if _, err := hex.DecodeString(meta.ID); err != nil || len(meta.ID) != 32 {
		return fmt.Errorf("pair ID %q is malformed", meta.ID)
	}
	if _, err := w.get(meta.ID); err == nil {
		return fmt.Errorf("you already have this pair (%s) in %s", meta.ID, w.st.Dir())
	}
	meta.Actor = crdt.NewActor()
	if meta.Write != nil {
		meta.Pending = &PendingJoin{Name: name, Role: role}
	}
	return w.createStored(meta, nil, false)
}
