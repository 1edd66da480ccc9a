package syncclient

import (
	"context"
	"crypto/sha256"

	"pairwise/app/crdt"
	"pairwise/shared/seal"
	"pairwise/shared/wire"
)

// The pushing side of a session: the outbox, sealed and sent.

// mayPush reports whether the session may push d's changes now: caught
// up, writable, and with room in its window.
func (d *docSync) mayPush() bool {
	return d.caughtUp && !d.meta.ReadOnly() && d.inflight < maxInflight
}

// pushMore seals and sends outbox entries until maxInflight are in flight.
func (s *session) pushMore(ctx context.Context, d *docSync) error {
	defer s.noteSending(d)
	if !d.mayPush() {
		return nil
	}
	// Each edit wakes the session twice (its change entering the outbox,
	// then the pair changing) and each acknowledgement once more: the
	// outbox is read only when it may hold a change not yet sent. That is
	// at the start, when the workspace says a change may go (see
	// WatchOutbox; the mark is taken before reading, so a change queued
	// meanwhile marks it again), or when the last read left some behind.
	if d.outboxRead && !s.e.takeQueued(d.id) && !d.more {
		return nil
	}
	d.outboxRead = true
	want := maxInflight - d.inflight
	out, err := s.e.ws.Outbox(d.id, d.sentUpTo+1, want)
	if err != nil {
		return err
	}
	d.more = len(out) == want
	for _, p := range out {
		if d.unsureAt(p.DSeq) && d.inflight > 0 {
			// After a crash the relay may hold another change under this
			// number: one at a time until its answer settles the
			// numbering, or a change sent behind it would be taken as new
			// ahead of the one it builds on (see onAck).
			d.more = true
			break
		}
		if d.sealer == nil {
			d.sealer = seal.NewRecordSealer(d.key)
		}
		body := d.sealer.Seal(d.did, s.device, p.DSeq, p.Data)
		sig := s.key.SignRecord(d.did, p.DSeq, body)
		if d.sent == nil {
			d.sent = map[uint64][32]byte{}
		}
		d.sent[p.DSeq] = sha256.Sum256(body)
		r := request{doc: d, dseq: p.DSeq, sig: sig, hash: crdt.LastChangeHash(p.Data)}
		if err := s.request(ctx, &wire.Push{Doc: d.did, DSeq: p.DSeq, Body: body, Sig: sig, Tag: s.tags.PushTag(d.did, p.DSeq, body, sig)}, r); err != nil {
			return err
		}
		d.sentUpTo = p.DSeq
		d.inflight++
		s.e.ws.Sent(d.id, p.DSeq)
	}
	return nil
}
