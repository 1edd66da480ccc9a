package syncclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"pairwise/app/workspace"
	"pairwise/shared/wire"
)

// The receiving side of a session: what the relay answers and sends.

func (s *session) handle(ctx context.Context, m wire.Message) error {
	if d := s.resubscribing(m); d != nil {
		return nil // sent for the subscription being replaced
	}
	switch m := m.(type) {
	case *wire.Ack:
		return s.onAck(ctx, m)
	case *wire.Records:
		return s.onRecords(m)
	case *wire.Snapshot:
		return s.onSnapshot(ctx, m)
	case *wire.CaughtUp:
		d := s.docs[m.Doc]
		if d == nil {
			return nil
		}
		if m.Seq < d.cursor {
			// Records this machine has seen are gone: new ones would take
			// their numbers and be skipped here as already applied.
			return docError(d, fmt.Errorf("%w: the relay at %s holds %d of its records but this computer has seen %d; it was probably restored from an older backup. Nothing here was changed; ask the relay's admin to restore its latest data", ErrRelayBehind, s.url, m.Seq, d.cursor))
		}
		d.caughtUp = true
		if err := s.certify(ctx, d); err != nil {
			return err
		}
		if _, err := s.e.ws.CompleteJoin(d.id); err != nil {
			return err
		}
		s.present(d)
		if err := s.pushMore(ctx, d); err != nil {
			return err
		}
		return s.maybeSnapshot(ctx, d, false)
	case *wire.Durable:
		return s.onDurable(m)
	case *wire.Writers:
		return s.onWriters(m)
	case *wire.Error:
		return s.onError(m)
	}
	return nil
}

func (s *session) onAck(ctx context.Context, m *wire.Ack) error {
	r, ok := s.reqs[m.Req]
	if !ok {
		return nil
	}
	delete(s.reqs, m.Req)
	d := r.doc
	switch r.kind {
	case wire.TypeSubscribe:
		if d.resub == m.Req {
			d.resub = 0
		}
	case wire.TypeCreate:
		if err := s.e.ws.SetMeta(d.id, func(meta *workspace.Meta) { meta.Registered = true }); err != nil {
			return err
		}
		d.meta.Registered = true
		return s.subscribe(ctx, d)
	case wire.TypePush:
		if m.Sig != nil && !bytes.Equal(m.Sig, r.sig) {
			if d.unsureAt(r.dseq) && r.dseq <= m.Last && m.Last < d.unsure[1] {
				// Sent before a crash that this disk did not survive: the
				// relay keeps it (it comes back and is applied), and the
				// changes made since go under the numbers after it. (A
				// relay holding more than this device could have sent
				// before the crash is not believed.)
				if err := s.e.ws.RenumberUnsure(d.id, m.Last); err != nil {
					return err
				}
				return fmt.Errorf("%w: the relay holds changes to %s this computer sent just before it stopped; they are taken back and the changes made since are sent again", errRenumbered, name(d))
			}
			return s.reused(d, r.dseq, m.Last)
		}
		if d.unsureAt(r.dseq) {
			// The relay took our change under this number (new, or one of
			// ours it had): numbers are dense, so it holds nothing else of
			// ours beyond it, and sending may go on as usual.
			d.settled = true
		}
		d.inflight--
		d.maxOwnSeq = max(d.maxOwnSeq, m.Seq)
		d.noteOwn(m.Seq)
		d.remember(m.Seq, r.hash)
		d.acked = max(d.acked, r.dseq)
		s.e.ws.Acked(d.id, r.dseq)
		if err := s.tryConfirm(ctx, d); err != nil {
			return err
		}
		if err := s.pushMore(ctx, d); err != nil {
			return err
		}
		return s.maybeSnapshot(ctx, d, false)
	case wire.TypeSnapPut:
		d.snapPending = false
		d.relaySnap = max(d.relaySnap, m.Seq)
		return s.e.ws.RelaySnapshotAt(d.id, m.Seq)
	case wire.TypeConfirm:
		// The partner's snapshot holds ours: count the records after it
		// towards our next one (snapDue), or we would upload one much
		// the same just after it. Stored, as the relay does not tell a
		// replica that is up to date of a newer snapshot when it
		// reconnects. (The relay promotes it once every device it waits
		// for has confirmed it; the stored value only schedules ours.)
		d.relaySnap = max(d.relaySnap, r.seq)
		return s.e.ws.RelaySnapshotAt(d.id, r.seq)
	}
	return nil
}

// errRenumbered ends a session whose outbox was numbered anew (see
// Workspace.RenumberUnsure): the next one sends it from the start.
var errRenumbered = errors.New("sending again")

func (s *session) onError(m *wire.Error) error {
	r, ok := s.reqs[m.Req]
	if !ok || r.doc == nil {
		return m
	}
	delete(s.reqs, m.Req)
	if r.kind == wire.TypeSnapPut && m.Code == wire.CodeStaleSnap {
		// Another replica's snapshot got there first and covers at least
		// as much: ours is not needed, and nothing is wrong.
		r.doc.snapPending = false
		return s.e.ws.RelaySnapshotAt(r.doc.id, r.seq)
	}
	return docError(r.doc, m)
}
