package syncclient

import (
	"context"
	"time"

	"pairwise/shared/seal"
	"pairwise/shared/wire"
)

// DefaultSnapIdle is how long a running engine waits for a pause in
// traffic before it uploads a snapshot: saving a long-lived pair takes tens
// of milliseconds, which the next edit would otherwise wait for. Past
// snapHurry times SnapshotEvery records it uploads without waiting.
const DefaultSnapIdle = time.Second

const snapHurry = 8

// maybeSnapshot uploads a sealed snapshot once enough records piled up past
// the relay's, so that a replica far behind catches up quickly. A running
// engine waits for a quiet moment (quiet) unless very many piled up.
func (s *session) maybeSnapshot(ctx context.Context, d *docSync, quiet bool) error {
	if !d.caughtUp || d.inflight > 0 || d.snapPending || d.meta.ReadOnly() || d.cursor < d.maxOwnSeq {
		return nil
	}
	if d.relaySnap > 0 && d.cursor < d.relaySnap+uint64(s.e.opts.SnapshotEvery) {
		return nil // known without reading the store: too few records since
	}
	st, err := s.e.ws.SyncState(d.id)
	d.relaySnap = max(d.relaySnap, st.RelaySnap)
	if err != nil || d.waiting(st) || d.cursor < st.RelaySnap+uint64(s.e.opts.SnapshotEvery) {
		return err
	}
	if !s.once {
		if d.maxOwnSeq <= st.RelaySnap {
			return nil // nothing of ours since: leave it to the pair's writer
		}
		if !quiet && d.cursor < st.RelaySnap+snapHurry*uint64(s.e.opts.SnapshotEvery) {
			return nil // the quiet timer comes back to it
		}
	}
	s.e.opts.beforeSnapshot()
	doc, err := s.e.ws.Snapshot(d.id)
	if err != nil {
		return err
	}
	// An edit committed since the check above is in doc but not yet in the
	// relay's log. Checking again now is enough: an edit is in the outbox
	// before the document lock that Snapshot takes is free again.
	if st, err := s.e.ws.SyncState(d.id); err != nil || d.waiting(st) {
		return err
	}
	d.snapPending = true
	body := seal.SealSnapshot(d.key, d.did, d.cursor, doc)
	put := &wire.SnapPut{Doc: d.did, Seq: d.cursor, Body: body, Sig: s.key.SignSnapshot(d.did, d.cursor, body)}
	return s.request(ctx, put, request{doc: d, seq: d.cursor})
}
