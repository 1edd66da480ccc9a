package workspace

import (
	"encoding/hex"

	"pairwise/app/crdt"
	"pairwise/shared/seal"
)

// Write authority in the workspace. Each document's Meta keeps its root
// (learned when it was created here, or from the invite, never from the
// relay) and the writer certificates this replica has accepted. The sync
// engine builds a seal.Writers from them, adds what the relay announces,
// and refuses every record not signed by a writer.

// Writers returns the write authority of a document as this replica knows
// it, or nil for a document made before signed devices, whose writers are
// whoever holds its write capability.
func (m Meta) Writers() *seal.Writers {
	if len(m.Root) != len(seal.DevicePub{}) {
		return nil
	}
	var doc [16]byte
	raw, _ := hex.DecodeString(m.ID)
	copy(doc[:], raw)
	w := seal.NewWriters(doc, seal.DevicePub(m.Root))
	w.Add(m.Certs...) // certificates stored here were checked when they came
	return w
}

// AddCerts keeps certificates that the engine accepted for a document.
func (w *Workspace) AddCerts(id string, certs [][]byte) error {
	if len(certs) == 0 {
		return nil
	}
	return w.SetMeta(id, func(m *Meta) { m.Certs = append(m.Certs, certs...) })
}

// selfRooted sets meta up for a document this device creates: the device
// is its root, so it needs no certificate.
func (w *Workspace) selfRooted(meta *Meta) {
	if !w.device.Valid() {
		return // see DeviceKey: sync says why
	}
	pub := w.device.Pub()
	meta.Root = pub[:]
}

// boardAuthority sets up a board's authority for this device: the root
// derives from the cohort key, and the device certifies itself with it.
func (w *Workspace) boardAuthority(meta *Meta, key seal.Key) {
	if !w.device.Valid() {
		return
	}
	auth := seal.BoardAuthority(key)
	root := auth.Pub()
	var doc [16]byte
	raw, _ := hex.DecodeString(meta.ID)
	copy(doc[:], raw)
	meta.Root = root[:]
	meta.Certs = [][]byte{auth.Issue(seal.CertWriter, doc, w.device.Pub()).Encode()}
}

// admitFromInvite sets up a joiner's authority from an invite: the root it
// names, and, for a write invite, this device's certificates through the
// invite's admission key.
func (w *Workspace) admitFromInvite(meta *Meta, inv seal.Invite) {
	if inv.Root == (seal.DevicePub{}) || !w.device.Valid() {
		return // a document from before signed devices
	}
	meta.Root = append([]byte(nil), inv.Root[:]...)
	if inv.Admit != nil {
		meta.Certs = inv.Admit.Certs(inv.Doc, w.device.Pub())
	}
}

// admission makes a fresh admission key for a write invite to meta's
// document. Only a writer's admission is accepted by the partner, so a
// device that is not one (a folder from before signed devices) gets none.
func (w *Workspace) admission(meta Meta, doc [16]byte) *seal.Admission {
	wr := meta.Writers()
	if wr == nil || !w.device.Valid() {
		return nil
	}
	if _, ok := wr.Writer(w.device.ID()); !ok {
		return nil
	}
	return seal.NewAdmission(w.device, doc)
}

// SnapshotHeads returns the heads of a whole saved document of pair id,
// such as a snapshot waiting for confirmation. A snapshot the pair has just
// merged (a catch-up) is not loaded again; any other is loaded.
func (w *Workspace) SnapshotHeads(id string, snapshot []byte) ([]string, error) {
	if h, err := w.get(id); err == nil {
		h.mu.Lock()
		heads, ok := h.doc.MergedHeads(snapshot)
		h.mu.Unlock()
		if ok {
			return heads, nil
		}
	}
	doc, err := crdt.Load(snapshot, crdt.NewActor())
	if err != nil {
		return nil, err
	}
	return doc.Heads(), nil
}

// OwnMissingSince lists the changes this replica wrote to a document that
// a document with the given heads (see SnapshotHeads) lacks. It reports
// false when those heads hold changes this replica has not seen yet, so it
// cannot tell.
func (w *Workspace) OwnMissingSince(id string, heads []string) ([]string, bool, error) {
	h, err := w.get(id)
	if err != nil {
		return nil, false, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	missing, ok := h.doc.OwnMissingSince(heads, h.meta.Actor)
	return missing, ok, nil
}
