package relay

import (
	"errors"
	"time"

	"pairwise/shared/wire"
	"pairwise/syncserver/relaystore"
	"pairwise/syncserver/wsserve"
)

// Several relay instances on one shared store (relaystore.Shared, such as
// PostgreSQL) each keep documents in memory as one relay does. What one
// instance commits, the others learn from the store's notices:
//
//   - a new head: the records are read from the store and sent to this
//     instance's subscribers, as if its own writer had stored them;
//   - a new snapshot or candidate, new writers, a deletion: the document's
//     state is read again (or forgotten);
//   - tokens are read again on a notice, and at least every second
//     (tokens.go);
//   - a gap in the notices (the store's connection was lost): every
//     document in memory is read again.
//
// Every instance numbers records from the head it knows, and the store
// refuses a commit whose heads moved meanwhile (relaystore.ErrConflict):
// the writer then reads those documents again and numbers anew. Records
// are not sent before they are stored (no early records), since another
// instance may take their numbers.

// conflictBudget bounds how long one group commit goes on being numbered
// again after other instances wrote its documents first. Each conflict
// means another instance stored a commit, so the instances together never
// stop making progress; but one instance can lose many times in a row
// while another has a stream of pushes for the same document, each of its
// commits landing between this one's reading and writing. A count of
// tries (16, before) ran out within a few dozen milliseconds on a busy
// machine, and its pushes were refused, and those after them as out of
// order; the time is what a writer waiting for its acknowledgement can
// afford.
const conflictBudget = 5 * time.Second

// watchShared follows the store's notices until Shutdown.
func (s *Server) watchShared(sh relaystore.Shared) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		for s.connCtx.Err() == nil {
			err := sh.Watch(s.connCtx, relaystore.Watcher{
				Head:     func(id wire.DocID, head uint64) { s.noticeHead(id, head) },
				Snapshot: func(id wire.DocID) { s.noticeDoc(id) },
				Certs:    func(id wire.DocID) { s.noticeDoc(id) },
				Tokens:   s.tokens.Changed,
				Deleted:  func(id wire.DocID) { s.onWriter(func() { s.forgetDoc(id) }) },
				Gap:      s.noticeGap,
			})
			if s.connCtx.Err() != nil {
				return
			}
			s.log.Warn("lost the store's notices; catching up and watching again", "err", err)
			s.noticeGap()
			select {
			case <-s.connCtx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
}

// loaded returns the document's state if this instance holds it.
func (s *Server) loaded(id wire.DocID) *docState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.docs[id]
}

// noticeHead catches a document this instance holds up to head.
func (s *Server) noticeHead(id wire.DocID, head uint64) {
	d := s.loaded(id)
	if d == nil {
		return
	}
	d.mu.Lock()
	known := d.meta.Head
	d.mu.Unlock()
	if head <= known {
		return
	}
	s.noticed(d, head, false)
}

// noticed queues d to be brought up to the store on the writer (to head,
// or read again in full with all), without waiting: notices that arrive
// while the writer is busy collapse into one refresh per document, so a
// storm of them costs the writer one round of reads, and the goroutine
// that receives them never waits for it.
func (s *Server) noticed(d *docState, head uint64, all bool) {
	s.nmu.Lock()
	defer s.nmu.Unlock()
	if s.noticedDocs == nil {
		s.noticedDocs = map[*docState]noticedDoc{}
	}
	n := s.noticedDocs[d]
	n.head, n.all = max(n.head, head), n.all || all
	s.noticedDocs[d] = n
	if !s.draining {
		s.draining = true
		go s.writer.submit(&writeReq{fn: s.drainNotices})
	}
}

// noticedDoc is what the notices about one document asked for.
type noticedDoc struct {
	head uint64
	all  bool
}

// drainNotices refreshes every document noticed since it last ran, on the
// writer goroutine.
func (s *Server) drainNotices() {
	s.nmu.Lock()
	docs := s.noticedDocs
	s.noticedDocs, s.draining = nil, false
	s.nmu.Unlock()
	for d, n := range docs {
		d.mu.Lock()
		known := d.meta.Head
		d.mu.Unlock()
		// This instance's own commits are noticed too, often before its
		// writer has published them: by now it has.
		if n.all || n.head > known {
			s.refresh(d, n.all)
		}
	}
}

// catchUp reads d's records up to the store's head before a subscriber
// that has applied more than this instance knows of (from) is answered.
// Such a client comes from another instance, whose latest records this one
// hears of only a moment later; answering with the head held here would
// tell it the relay lost records it has seen.
func (s *Server) catchUp(d *docState, from uint64) {
	if s.shared == nil {
		return
	}
	d.mu.Lock()
	known := d.meta.Head
	d.mu.Unlock()
	if from <= known {
		return
	}
	s.onWriter(func() {
		d.mu.Lock()
		known := d.meta.Head
		d.mu.Unlock()
		if from > known {
			s.refresh(d, false)
		}
	})
}

// lostSnapRace reports whether err says that another instance changed
// d's snapshot first: stored one, or a waiting one, that covers as much as
// the one being stored (relaystore.ErrConflict), or promoted the waiting
// one being confirmed (also relaystore.ErrNotFound). Then it reads d again
// from the store, and the caller answers as one relay answers a snapshot
// or confirmation that another device's snapshot overtook.
func (s *Server) lostSnapRace(d *docState, err error, promoting bool) bool {
	if s.shared == nil || !(errors.Is(err, relaystore.ErrConflict) || (promoting && errors.Is(err, relaystore.ErrNotFound))) {
		return false
	}
	s.refresh(d, true)
	return s.loaded(d.id) == d // else deleted meanwhile: the error stands
}

// noticeDoc reads a document this instance holds again.
func (s *Server) noticeDoc(id wire.DocID) {
	if d := s.loaded(id); d != nil {
		s.noticed(d, 0, true)
	}
}

// noticeGap reads every document this instance holds again, and the
// tokens.
func (s *Server) noticeGap() {
	s.tokens.Changed()
	s.mu.Lock()
	held := make([]*docState, 0, len(s.docs))
	for _, d := range s.docs {
		held = append(held, d)
	}
	s.mu.Unlock()
	for _, d := range held {
		s.noticed(d, 0, true)
	}
}

// refresh brings what this instance holds of d up to the store, on the
// writer goroutine: records other instances stored go to its subscribers,
// and with all set (or when a record comes from a device not known here)
// the candidate and writers are read again.
func (s *Server) refresh(d *docState, all bool) {
	if s.loaded(d.id) != d {
		return // forgotten meanwhile; read afresh when next needed
	}
	meta, err := s.store.Doc(d.id)
	if errors.Is(err, relaystore.ErrNotFound) {
		s.forgetDoc(d.id)
		return
	}
	if err != nil {
		s.log.Warn("cannot read a document another relay instance changed", "err", err)
		return
	}
	d.mu.Lock()
	known := d.meta.Head
	snapMoved := meta.SnapSeq != d.meta.SnapSeq
	d.meta.SnapSeq = meta.SnapSeq
	if snapMoved {
		d.snap = nil
	}
	d.mu.Unlock()
	if all {
		if err := s.reloadAuthority(d); err != nil {
			s.log.Warn("cannot read a document's writers and snapshot", "err", err)
		}
	}
	if meta.Head <= known {
		return
	}
	for from := known; from < meta.Head; {
		got, err := s.store.Read(d.id, from, wire.MaxRecordsPerBatch, 1<<20)
		if err != nil {
			s.log.Warn("cannot read records another relay instance stored", "err", err)
			return
		}
		if len(got) == 0 || got[0].Seq != from+1 {
			// A snapshot covers some of them and they are pruned:
			// subscribers start again from the snapshot.
			s.resubscribeAll(d, "the pair moved on to a newer snapshot; reconnect to catch up")
			d.mu.Lock()
			d.meta.Head = meta.Head
			d.mu.Unlock()
			clear(d.devices) // their last records may be among those pruned
			return
		}
		var recs []wire.Record
		for _, r := range got {
			if r.Seq > meta.Head {
				break
			}
			if !all && d.auth != nil {
				if _, ok := d.auth.Writer(r.Device); !ok {
					// A writer another instance certified: subscribers
					// need its certificate before its records.
					all = true
					if err := s.reloadAuthority(d); err != nil {
						s.log.Warn("cannot read a document's writers", "err", err)
					}
				}
			}
			recs = append(recs, r)
			if r.DSeq > d.devices[r.Device] {
				d.devices[r.Device] = r.DSeq
			}
			from = r.Seq
		}
		// Chunk by chunk, so a long backlog is never all in memory.
		// Nothing sent these early (over a shared store nothing is;
		// after a failed commit the store kept, its Early subscribers
		// were dropped, and those that came since have not seen them).
		d.publish(from, &wire.Records{Doc: d.id, Recs: recs}, false, time.Time{})
	}
}

// reloadAuthority reads d's writer certificates and waiting snapshot
// again, for changes another instance made.
func (s *Server) reloadAuthority(d *docState) error {
	certs, err := s.store.Certs(d.id)
	if err != nil {
		return err
	}
	if d.auth != nil {
		added, _ := d.auth.Add(certs...)
		if len(added) > 0 {
			d.mu.Lock()
			d.certs = append(d.certs, added...)
			root, all := d.meta.Root, d.certs
			subs := make([]*conn, 0, len(d.subs))
			for c := range d.subs {
				subs = append(subs, c)
			}
			d.mu.Unlock()
			for _, c := range subs {
				c.sendWriters(d.id, root, all)
			}
		}
	}
	cand, err := s.store.Candidate(d.id)
	if err != nil {
		return err
	}
	d.mu.Lock()
	snapSeq, have := d.meta.SnapSeq, d.cand
	d.mu.Unlock()
	switch {
	case cand.Seq == 0 || cand.Seq <= snapSeq:
		d.mu.Lock()
		d.cand = nil
		d.mu.Unlock()
	case have == nil || have.seq != cand.Seq || have.device != cand.Device:
		next, err := s.loadCandidate(d, cand)
		if err != nil {
			return err
		}
		d.offerCandidate(next) // another instance took it
	}
	return s.promoteConfirmed(d)
}

// promoteConfirmed promotes d's waiting snapshot when every device it
// waits for has confirmed it already (through other instances, or before
// this one had read it), on the writer goroutine.
func (s *Server) promoteConfirmed(d *docState) error {
	d.mu.Lock()
	cand := d.cand
	d.mu.Unlock()
	if s.shared == nil || cand == nil || len(cand.need) > 0 {
		return nil
	}
	err := s.store.Promote(d.id, cand.seq)
	if errors.Is(err, relaystore.ErrConflict) || errors.Is(err, relaystore.ErrNotFound) {
		return nil // another instance promoted or replaced it; its notice follows
	}
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.meta.SnapSeq = max(d.meta.SnapSeq, cand.seq)
	d.snap = nil
	if d.cand == cand {
		d.cand = nil
	}
	d.mu.Unlock()
	s.m.snapshots.Inc()
	s.writer.prune(d)
	return nil
}

// resubscribeAll asks every subscriber of d to connect again.
func (s *Server) resubscribeAll(d *docState, why string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for c := range d.subs {
		delete(d.subs, c)
		c.finish(wsserve.StatusTryAgainLater, why)
	}
}

// forgetDoc drops a deleted document from memory and tells its
// subscribers, on the writer goroutine.
func (s *Server) forgetDoc(id wire.DocID) {
	s.mu.Lock()
	d := s.docs[id]
	delete(s.docs, id)
	s.mu.Unlock()
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for c := range d.subs {
		c.send(&wire.Error{Doc: id, Code: wire.CodeNotFound,
			Msg: "the relay's admin removed this pair from the relay; your copy on this computer is kept. Ask the admin why, or join the pair again on another relay"})
		delete(d.subs, c)
	}
	d.snap = nil
}

// writerKnown reports whether dev is one of d's writers, reading the
// certificates again first when it is not known here (another instance
// may have stored its certificate).
func (s *Server) writerKnown(d *docState, dev wire.DeviceID) bool {
	if d.auth == nil {
		return true
	}
	if _, ok := d.auth.Writer(dev); ok {
		return true
	}
	if s.shared == nil {
		return false
	}
	if err := s.reloadAuthority(d); err != nil {
		return false
	}
	_, ok := d.auth.Writer(dev)
	return ok
}

// loadCandidate is newCandidate for a snapshot read from the store: over
// a shared store, the confirmations other instances kept count too.
func (s *Server) loadCandidate(d *docState, snap relaystore.Snap) (*candidate, error) {
	c, err := s.newCandidate(d, snap)
	if err != nil || s.shared == nil {
		return c, err
	}
	done, err := s.shared.Confirmed(d.id, snap.Seq)
	if err != nil {
		return nil, err
	}
	for _, dev := range done {
		delete(c.need, dev)
	}
	return c, nil
}
