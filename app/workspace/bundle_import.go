package workspace

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"pairwise/app/bundle"
	"pairwise/app/crdt"
	"pairwise/app/store"
	"pairwise/shared/seal"
)

// ImportBundle merges a file of changes (ExportBundle) into the pair it is
// for and stores them durably. It refuses, changing nothing, a file for a
// pair this machine does not hold, a damaged or altered one, one from a
// newer Pairwise, and one saved by a device that is not a writer of the
// pair. A pair joined by an invite that named no relay is held until its
// first file arrives; the membership is added then.
//
// The changes merged keep their authors. They are not this machine's to
// push: until a relay has stored them, this machine's own records carry
// them ahead of its changes (as for changes merged early, unconfirmed.go),
// so a partner syncing through a relay never gets a change before one it
// builds on; when the relay sends them back as its author's records, they
// are already here and change nothing.
func (w *Workspace) ImportBundle(raw []byte) (BundleSummary, error) {
	f, err := bundle.Parse(raw)
	if err != nil {
		return BundleSummary{}, err
	}
	if err := f.Verify(); err != nil {
		return BundleSummary{}, err // first: an altered pair ID is damage, not another pair
	}
	id := f.PairID()
	meta, err := w.Meta(id)
	if errors.Is(err, ErrUnknownPair) {
		return BundleSummary{}, foreign(id)
	}
	if err != nil {
		return BundleSummary{}, err
	}
	if meta.Kind != "" {
		return BundleSummary{}, foreign(id)
	}
	wr := meta.Writers()
	if wr == nil {
		return BundleSummary{}, ErrBundleUnsigned
	}
	added, _ := wr.Add(f.Certs...) // the rest do not chain to the pair's root: they grant nothing
	if pub, ok := wr.Writer(f.ExporterID()); !ok || pub != f.Exporter {
		return BundleSummary{}, fmt.Errorf("%w: nothing was changed. Ask your partner to save the file again on a computer that joined with a write invite", ErrBundleNotWriter)
	}
	var key seal.Key
	copy(key[:], meta.Key)
	changes, err := f.Open(key)
	if err != nil {
		return BundleSummary{}, err
	}
	sum, err := w.mergeBundle(id, f, changes)
	if err != nil {
		return BundleSummary{}, err
	}
	// notePartner writes to the store, which first syncs the changes just
	// stored: they are on disk before the person is told they arrived.
	if err := w.notePartner(id, f, added); err != nil {
		return sum, err
	}
	if _, err := w.CompleteJoin(id); err != nil {
		return sum, err
	}
	if sum.New > 0 {
		w.notify(id)
		w.afterChange(id)
	}
	return sum, nil
}

// mergeBundle merges the changes new to the pair and stores them with the
// unconfirmed changes, in one step; on failure nothing is kept.
func (w *Workspace) mergeBundle(id string, f *bundle.File, changes [][]byte) (BundleSummary, error) {
	h, err := w.get(id)
	if err != nil {
		return BundleSummary{}, err
	}
	// The file's changes may build on changes the saver holds: those go
	// to the disk first.
	if !w.saver.flushFor(id) {
		if err := w.DiskFailed(); err != nil {
			return BundleSummary{}, err
		}
		return BundleSummary{}, errors.New("changes received from the relay could not be saved first, so nothing was changed; check there is free space on the disk and open the file again")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	sum := BundleSummary{Pair: id, Changes: len(changes)}
	var fresh []store.Chunk
	var hashes []string
	seen := make(map[string]bool, len(changes))
	for i, ch := range changes {
		parts := crdt.SplitChanges(ch)
		if len(parts) != 1 || len(parts[0].Raw) != len(ch) {
			return BundleSummary{}, fmt.Errorf("%w (change %d is not one whole change). Ask for the file to be saved and sent again", bundle.ErrDamaged, i+1)
		}
		hashes = append(hashes, parts[0].Hash)
		if !seen[parts[0].Hash] && !h.doc.HasChange(parts[0].Hash) {
			fresh = append(fresh, store.Chunk{Kind: store.Changes, Data: ch})
		}
		seen[parts[0].Hash] = true
	}
	sum.New = len(fresh)
	if len(fresh) > 0 {
		chunks, err := w.merge(h, fresh)
		if errors.Is(err, crdt.ErrMissingDeps) || (err != nil && isGap(err)) {
			return BundleSummary{}, fmt.Errorf("%w: nothing was changed. Open the files your partner saved before this one first, or ask for a file with everything", ErrBundleGap)
		}
		if err != nil {
			return BundleSummary{}, fmt.Errorf("%w (%v). Ask for the file to be saved and sent again", bundle.ErrDamaged, err)
		}
		h.earlyMu.Lock()
		for _, c := range fresh {
			h.early.addOnce(c.Data)
		}
		early := h.early.raw()
		h.earlyMu.Unlock()
		st, err := w.st.AppendReceived(id, chunks, 0, early, true)
		if err != nil {
			w.reload(h)
			return BundleSummary{}, err
		}
		h.noteChanges(chunks...)
		w.maybeCompact(h, st.Chunks, st.ChunkBytes, st.NextChunk)
		w.noteTitle(h)
	}
	// Tell what arrived: the new changes, or, if none, the file's.
	told := hashes
	if len(fresh) > 0 {
		told = nil
		for _, c := range fresh {
			told = append(told, crdt.LastChangeHash(c.Data))
		}
	}
	members := map[string]bool{}
	for i, hash := range told {
		actor, at, ok := h.doc.Describe(hash)
		if !ok {
			continue
		}
		members[crdt.MemberOf(actor)] = true
		if i == 0 || at.Before(sum.From) {
			sum.From = at
		}
		if at.After(sum.To) {
			sum.To = at
		}
	}
	sum.Authors = names(h, members)
	sum.Title = h.meta.Title
	return sum, nil
}

// isGap reports whether a merge failed for a change whose dependencies
// are missing: merge wraps the cause's text, not the sentinel.
func isGap(err error) bool {
	return strings.Contains(err.Error(), crdt.ErrMissingDeps.Error())
}

// notePartner keeps the writer certificates the file brought and the heads
// its exporter had, for exporting since the partner.
func (w *Workspace) notePartner(id string, f *bundle.File, certs [][]byte) error {
	dev := f.ExporterID()
	devID := hex.EncodeToString(dev[:])
	return w.SetMeta(id, func(m *Meta) {
		m.Certs = append(m.Certs, certs...)
		if dev == w.device.ID() {
			return // a file this machine saved tells nothing of the partner
		}
		if m.PartnerHeads == nil {
			m.PartnerHeads = map[string][]string{}
		}
		m.PartnerHeads[devID] = slices.Clone(f.Heads)
	})
}
