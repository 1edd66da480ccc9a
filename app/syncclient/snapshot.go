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

// snapTailShare: a snapshot is due once the records past the relay's
// snapshot come to a quarter of its size (see snapDue).
const snapTailShare = 4

// snapDue reports whether the records past the relay's snapshot at snap
// call for a new one. A replica that comes back after a while receives
// the snapshot and every record after it. So a new one is due once those
// records come to a quarter of the snapshot's size, as far as this
// session has seen both (records' sizes as they passed, the snapshot's as
// uploaded or received): such a replica then receives about 1.25 times
// the snapshot, or every/8 records past it if that is more, as estimated
// from the records' mean size. That takes at least every/8 records, so a
// tiny pair is not uploaded for every few edits, and at most every
// records, which is the only rule until this session knows the sizes or
// when no device wrote most of the records (see below).
//
// By size, a snapshot is due only from a device that wrote most of those
// records. A partner does not always hear of the other's snapshot (the
// relay tells only those whose records it holds, to confirm it), and
// would otherwise upload the pair again for much the same records.
func (d *docSync) snapDue(snap uint64, every int) bool {
	if d.cursor <= snap {
		return false
	}
	n := d.cursor - snap
	if n >= uint64(every) {
		return true
	}
	if d.snapBytes == 0 || d.recCount == 0 || n < uint64(max(1, every/8)) {
		return false
	}
	return n*(d.recBytes/d.recCount)*snapTailShare >= d.snapBytes && 2*d.ownPast(snap) > n
}

// ownPast counts this device's records numbered after seq that the relay
// acknowledged in this session (as far as ownTail holds them).
func (d *docSync) ownPast(seq uint64) uint64 {
	var n uint64
	for i := len(d.ownTail) - 1; i >= 0 && d.ownTail[i] > seq; i-- {
		n++
	}
	return n
}

// noteOwn records the relay's number for one of our pushes, for ownPast.
// snapDue weighs fewer than SnapshotEvery records by size, so the newest
// 256 or more are enough (with a larger SnapshotEvery, ownPast counts
// fewer than it might, and a snapshot by size comes later or not at all).
func (d *docSync) noteOwn(seq uint64) {
	if len(d.ownTail) >= 512 {
		d.ownTail = append(d.ownTail[:0], d.ownTail[256:]...)
	}
	d.ownTail = append(d.ownTail, seq)
}

// noteRecord counts a record's size towards snapDue's estimate of what
// the records past the snapshot weigh.
func (d *docSync) noteRecord(r *wire.Record) {
	d.recBytes += uint64(len(r.Body) + len(r.Sig))
	d.recCount++
}

// maybeSnapshot uploads a sealed snapshot once enough records piled up past
// the relay's (snapDue), so that a replica far behind catches up quickly.
// A running engine waits for a quiet moment (quiet) unless very many piled
// up.
func (s *session) maybeSnapshot(ctx context.Context, d *docSync, quiet bool) error {
	if !d.caughtUp || d.inflight > 0 || d.snapPending || d.meta.ReadOnly() || d.cursor < d.maxOwnSeq {
		return nil
	}
	every := s.e.opts.SnapshotEvery
	if d.relaySnap > 0 && !d.snapDue(d.relaySnap, every) {
		return nil // known without reading the store: too few records since
	}
	st, err := s.e.ws.SyncState(d.id)
	d.relaySnap = max(d.relaySnap, st.RelaySnap)
	if err != nil || d.waiting(st) || !d.snapDue(d.relaySnap, every) {
		return err
	}
	if !s.once {
		if d.maxOwnSeq <= d.relaySnap {
			return nil // nothing of ours since: leave it to the pair's writers
		}
		if !quiet && d.cursor < d.relaySnap+snapHurry*uint64(every) {
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
	d.snapBytes = uint64(len(body))
	put := &wire.SnapPut{Doc: d.did, Seq: d.cursor, Body: body, Sig: s.key.SignSnapshot(d.did, d.cursor, body)}
	return s.request(ctx, put, request{doc: d, seq: d.cursor})
}
