package relay

import (
	"errors"
	"fmt"

	"pairwise/shared/seal"
	"pairwise/shared/wire"
	"pairwise/syncserver/relaystore"
)

// Write authority on the relay. Replicas check every record for
// themselves (see seal.Writers); the relay checks too, so that a holder of
// the write capability who is not a writer (someone who read it off a
// plain ws:// connection, say) cannot fill a pair's log with records every
// replica would refuse.

// candidate is a snapshot the relay keeps beside the current one until
// every other device that wrote a record it covers has confirmed it. Only
// then are those records dropped: no device can make the relay forget
// another device's records with a snapshot that leaves them out.
type candidate struct {
	seq    uint64
	device wire.DeviceID
	need   map[wire.DeviceID]bool
	frame  []byte // the Snapshot message, encoded once
}

// loadAuthority reads a document's certificates and waiting snapshot.
func (s *Server) loadAuthority(d *docState) error {
	certs, err := s.store.Certs(d.id)
	if err != nil {
		return err
	}
	if d.auth != nil {
		added, _ := d.auth.Add(certs...)
		d.certs = added
	}
	cand, err := s.store.Candidate(d.id)
	if err != nil || cand.Seq == 0 {
		return err
	}
	if cand.Seq <= d.meta.SnapSeq {
		return nil // promoted already; a crash left the copy behind
	}
	if d.cand, err = s.loadCandidate(d, cand); err != nil {
		return err
	}
	if s.shared != nil && len(d.cand.need) == 0 {
		// Confirmed in full through other instances, and not promoted
		// (the instance that would have died first): promote it here,
		// on the writer, once the state is in place.
		go s.onWriter(func() { s.refresh(d, true) })
	}
	return nil
}

// newCandidate works out whose confirmation a snapshot waits for: every
// device other than its uploader that signed a record it covers and that
// the relay still keeps. Records from before version 2 carry no signature
// and no device that could confirm, so they do not hold a snapshot back.
func (s *Server) newCandidate(d *docState, snap relaystore.Snap) (*candidate, error) {
	authors, err := s.store.Authors(d.id, d.meta.SnapSeq, snap.Seq)
	if err != nil {
		return nil, err
	}
	c := &candidate{seq: snap.Seq, device: snap.Device, need: map[wire.DeviceID]bool{}}
	for _, a := range authors {
		if a != snap.Device {
			c.need[a] = true
		}
	}
	c.frame, err = wire.Encode(&wire.Snapshot{Doc: d.id, Seq: snap.Seq, Body: snap.Body, Device: snap.Device, Sig: snap.Sig, Candidate: true})
	return c, err
}

// certify adds certificates that chain to the document's root and tells
// subscribers about the new ones.
func (w *writer) certify(r *writeReq) {
	s, m := w.s, r.certify
	d, err := s.doc(m.Doc)
	if err != nil {
		r.c.send(errFor(m.Req, m.Doc, err))
		return
	}
	if d.auth == nil {
		// A document from before version 2 has no root to chain to.
		r.c.send(&wire.Ack{Req: m.Req, Doc: m.Doc})
		return
	}
	added, aerr := d.auth.Add(m.Certs...)
	if len(added) > 0 {
		if err := s.store.AddCerts(m.Doc, added); err != nil {
			// Not stored, so not trusted: rebuild from what is.
			d.auth = seal.NewWriters(d.id, d.meta.Root)
			d.auth.Add(d.certs...)
			r.c.send(errFor(m.Req, m.Doc, err))
			return
		}
		f, err := wire.Encode(&wire.Writers{Doc: m.Doc, Root: d.meta.Root, Certs: added})
		d.mu.Lock()
		d.certs = append(d.certs, added...)
		if err == nil {
			for c, sb := range d.subs {
				sb.deliver(c, f)
			}
		}
		d.mu.Unlock()
	}
	if aerr != nil {
		r.c.send(&wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeBadCert,
			Msg: fmt.Sprintf("the relay did not take these writer certificates (%v); ask your partner for a fresh invite", aerr)})
		return
	}
	r.c.send(&wire.Ack{Req: m.Req, Doc: m.Doc})
}

// mayPush checks that a push comes from a writer: the connection's device
// (the connection checked that it sent the push, see pushFromDevice) must
// be one, under the key it proved. It returns nil for a document from
// before version 2, whose writers are whoever holds the write capability.
func (d *docState) mayPush(r *writeReq) *wire.Error {
	m := r.push
	if d.auth == nil {
		return nil
	}
	pub, ok := d.auth.Writer(r.device)
	if !ok {
		return &wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeNotWriter,
			Msg: "this device is not one of the pair's writers, so the relay does not take its changes; join the pair with a write invite from your partner"}
	}
	if pub != r.c.pub {
		return &wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeBadMessage, Msg: "this device proved another key than the one the pair's writers list for it; its data folder may be damaged"}
	}
	return nil
}

// snapshot takes an uploaded snapshot. If no other device wrote what it
// covers, it replaces the current one at once; otherwise it waits, as the
// candidate, for those devices to confirm it, and is sent to them.
func (w *writer) snapshot(r *writeReq) {
	s, m := w.s, r.snap
	d, err := s.doc(m.Doc)
	if err != nil {
		r.c.send(errFor(m.Req, m.Doc, err))
		return
	}
	if d.auth != nil {
		if !s.writerKnown(d, r.c.device) {
			r.c.send(&wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeNotWriter,
				Msg: "this device is not one of the pair's writers, so the relay does not take its snapshot"})
			return
		}
	}
	if s.shared != nil {
		s.refresh(d, true) // the head and snapshots other instances stored
	}
	d.mu.Lock()
	meta, cand := d.meta, d.cand
	d.mu.Unlock()
	if m.Seq <= meta.SnapSeq || m.Seq > meta.Head || (cand != nil && m.Seq <= cand.seq) {
		r.c.send(&wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeStaleSnap,
			Msg: "the relay already has a snapshot that covers as much, or this one claims records it does not have"})
		return
	}
	if err := s.admitSnapshot(m.Doc, len(m.Body)); err != nil {
		r.c.send(errFor(m.Req, m.Doc, err))
		return
	}
	snap := relaystore.Snap{Seq: m.Seq, Device: r.c.device, Sig: m.Sig, Body: m.Body}
	next, err := s.newCandidate(d, snap)
	if err == nil {
		if len(next.need) == 0 {
			err = s.store.PutSnapshot(m.Doc, snap)
		} else {
			err = s.store.PutCandidate(m.Doc, snap)
		}
	}
	if err != nil {
		if s.lostSnapRace(d, err, false) {
			r.c.send(&wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeStaleSnap,
				Msg: "the relay already has a snapshot that covers as much"})
			return
		}
		s.logStoreErr("snapshot not stored", err)
		r.c.send(errFor(m.Req, m.Doc, err))
		return
	}
	// The document's state moves before the ack goes: a subscriber the
	// uploader tells at once must be served the new snapshot, not the
	// frame cached for the old one.
	ack := &wire.Ack{Req: m.Req, Doc: m.Doc, Seq: m.Seq}
	if len(next.need) == 0 {
		d.mu.Lock()
		d.meta.SnapSeq = m.Seq
		d.snap = nil // subscribers get the new one (snapcache.go)
		if d.cand != nil && d.cand.seq <= m.Seq {
			d.cand = nil
		}
		d.mu.Unlock()
		r.c.send(ack)
		s.m.snapshots.Inc()
		w.prune(d)
		return
	}
	d.offerCandidate(next)
	r.c.send(ack)
}

// offerCandidate makes next the waiting snapshot and sends it to the
// devices it waits for that follow the pair here.
func (d *docState) offerCandidate(next *candidate) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cand = next
	for c, sb := range d.subs {
		if next.need[c.device] && sb.live {
			c.enqueue(next.frame)
		}
	}
}

// confirm records a device's confirmation of the waiting snapshot and
// promotes it once nobody else's is needed.
func (w *writer) confirm(r *writeReq) {
	s, m := w.s, r.confirm
	d, err := s.doc(m.Doc)
	if err != nil {
		r.c.send(errFor(m.Req, m.Doc, err))
		return
	}
	confirmed := []wire.DeviceID{r.c.device}
	if s.shared != nil {
		// Other devices may have confirmed through other instances.
		all, err := s.shared.Confirm(m.Doc, m.Seq, r.c.device)
		if errors.Is(err, relaystore.ErrConflict) {
			s.refresh(d, true) // promoted or replaced meanwhile
			r.c.send(&wire.Ack{Req: m.Req, Doc: m.Doc, Seq: m.Seq})
			return
		}
		if err != nil {
			r.c.send(errFor(m.Req, m.Doc, err))
			return
		}
		confirmed = all
	}
	d.mu.Lock()
	cand := d.cand
	ready := false
	if cand != nil && cand.seq == m.Seq {
		for _, dev := range confirmed {
			delete(cand.need, dev)
		}
		ready = len(cand.need) == 0
	}
	d.mu.Unlock()
	if !ready {
		r.c.send(&wire.Ack{Req: m.Req, Doc: m.Doc, Seq: m.Seq})
		return
	}
	if err := s.store.Promote(m.Doc, cand.seq); err != nil {
		if s.lostSnapRace(d, err, true) {
			r.c.send(&wire.Ack{Req: m.Req, Doc: m.Doc, Seq: m.Seq})
			return
		}
		s.logStoreErr("confirmed snapshot not promoted; it stays waiting", err)
		r.c.send(errFor(m.Req, m.Doc, err))
		return
	}
	d.mu.Lock()
	d.meta.SnapSeq = cand.seq
	d.snap = nil
	if d.cand == cand {
		d.cand = nil
	}
	d.mu.Unlock()
	s.m.snapshots.Inc()
	r.c.send(&wire.Ack{Req: m.Req, Doc: m.Doc, Seq: m.Seq})
	w.prune(d)
}

// prune drops the records the current snapshot covers, in the background.
func (w *writer) prune(d *docState) {
	s := w.s
	if d.pruning.CompareAndSwap(false, true) {
		s.bg.Add(1)
		go func() {
			defer s.bg.Done()
			defer d.pruning.Store(false)
			if err := s.store.Prune(d.id); err != nil && !errors.Is(err, relaystore.ErrNotFound) {
				s.log.Warn("pruning covered records failed; they are kept", "err", err)
			}
		}()
	}
}
