package workspace

import "pairwise/app/store"

// The sync engine's door into the client core. The engine pushes each
// document's outbox, records what the relay acknowledged and how far it
// has applied, and merges what arrives; the workspace owns the store that
// keeps all of it, so nothing else reasons about its locks.

// SyncState is a document's sync bookkeeping: outbox numbering, what the
// relay acknowledged, the cursor, the relay's snapshot.
type SyncState = store.DocState

// Outgoing is a change waiting in a document's outbox.
type Outgoing = store.Pending

// SyncState returns a document's sync bookkeeping.
func (w *Workspace) SyncState(id string) (SyncState, error) { return w.st.State(id) }

// Outbox returns up to max changes waiting for the relay, from device
// sequence from on, oldest first.
func (w *Workspace) Outbox(id string, from uint64, max int) ([]Outgoing, error) {
	return w.st.Outbox(id, from, max)
}

// Acknowledge records that the relay holds every change of this device up
// to dseq, and drops them from the outbox.
func (w *Workspace) Acknowledge(id string, dseq uint64) error {
	if err := w.st.Ack(id, dseq); err != nil {
		return err
	}
	st, err := w.st.State(id)
	if err != nil {
		return err
	}
	w.setPending(id, st.Pending())
	w.announcePending(id)
	return nil
}

// RelaySnapshotAt records that the relay has a snapshot covering its log
// up to seq.
func (w *Workspace) RelaySnapshotAt(id string, seq uint64) error { return w.st.SetRelaySnap(id, seq) }
