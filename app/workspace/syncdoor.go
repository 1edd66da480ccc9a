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
	st, err := w.st.Ack(id, dseq)
	if err != nil {
		return err
	}
	w.notePending(id, st)
	w.announcePending(id)
	return nil
}

// Acked is Acknowledge in the background, for the sync engine: it goes on
// with the next message at once instead of waiting for the store, which an
// edit holds through its disk sync. The saver writes it; the counts of
// waiting changes follow then, and SettleSaves waits for it. Like
// Acknowledge's own write, a crash may undo it, and the relay then takes
// the changes sent again as repeats.
func (w *Workspace) Acked(id string, dseq uint64) { w.saver.ack(id, dseq) }

// RelaySnapshotAt records that the relay has a snapshot covering its log
// up to seq.
func (w *Workspace) RelaySnapshotAt(id string, seq uint64) error { return w.st.SetRelaySnap(id, seq) }

// WatchOutbox registers fn to be called with a document's ID as soon as a
// change to push is in its outbox, before the disk has it: the engine may
// send what Outbox hands out meanwhile (it hands out a change early only
// when a crash could not let another change take its number), and again
// once the disk has a change that could not go early. fn returns whether
// it will send the document's changes at once and report each with Sent:
// the edit then waits (briefly) for that before its disk sync. fn runs
// while the pair and the store are locked, so it must only signal.
func (w *Workspace) WatchOutbox(fn func(id string) bool) {
	w.outboxMu.Lock()
	defer w.outboxMu.Unlock()
	w.outbox = append(w.outbox[:len(w.outbox):len(w.outbox)], fn)
}

func (w *Workspace) queued(id string) bool {
	w.outboxMu.Lock()
	fns := w.outbox
	w.outboxMu.Unlock()
	sending := false
	for _, fn := range fns {
		sending = fn(id) || sending
	}
	return sending
}

// Sent tells the workspace that document id's changes up to dseq are on
// their way to the relay (see WatchOutbox).
func (w *Workspace) Sent(id string, dseq uint64) { w.st.Sent(id, dseq) }

// SendFirstWaits reports how many edits waited for their change to be sent
// before their disk sync, and for how many the wait ran out (see
// WatchOutbox).
func (w *Workspace) SendFirstWaits() (waits, late int64) { return w.st.SendFirstWaits() }

// RenumberUnsure is called when the relay holds another change of this
// device under a number a crash left unsure (SyncState.Unsure): the
// outbox is numbered on from last+1, and this device's changes up to last
// are applied when they come back.
func (w *Workspace) RenumberUnsure(id string, last uint64) error {
	return w.st.RenumberUnsure(id, last)
}
