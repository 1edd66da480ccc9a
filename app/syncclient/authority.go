package syncclient

import (
	"context"
	"crypto/sha256"
	"fmt"

	"pairwise/app/crdt"
	"pairwise/app/store"
	"pairwise/app/workspace"
	"pairwise/shared/seal"
	"pairwise/shared/wire"
)

// hello waits for the relay's challenge and answers it with this device's
// proof and its half of the session key. The organisation token goes out
// only when the session is about to create a document on the relay, the
// one thing it is for.
func (s *session) hello(ctx context.Context) error {
	var ch *wire.Challenge
	select {
	case m := <-s.in:
		switch m := m.(type) {
		case *wire.Challenge:
			ch = m
		case *wire.Error:
			return m
		default:
			return fmt.Errorf("the relay at %s opened with %s instead of a challenge; it may run another version of Pairwise", s.url, m.WireType())
		}
	case err := <-s.rerr:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
	if ch.Version != wire.Version {
		return fmt.Errorf("the relay at %s opened with protocol version %d, not %d; ask the relay's admin to update it", s.url, ch.Version, wire.Version)
	}
	// The session key: a tag made with it vouches for each push and
	// confirmation, so the relay need not check signatures (seal.Session).
	a, err := s.key.AnswerChallenge(ch.Nonce, ch.Key)
	if err != nil {
		return fmt.Errorf("the relay at %s sent a session key that gives no session (%w); it may run a damaged or modified relay: ask its admin", s.url, err)
	}
	s.tags = a.Session
	h := &wire.Hello{Version: wire.Version, Device: s.device, Pub: s.key.Pub(), Sig: a.Proof, Key: a.Key}
	if s.creates() {
		h.Token, _ = s.e.ws.Token() // a token the keyring keeps locked: the create is refused, and says why
	}
	return s.send(ctx, h)
}

// creates reports whether some document of this relay is not on it yet.
func (s *session) creates() bool {
	ids, err := s.e.ws.IDs()
	if err != nil {
		return false
	}
	for _, id := range ids {
		meta, err := s.e.ws.Meta(id)
		if err == nil && !meta.Registered && !meta.ReadOnly() && (meta.Relay == "" || meta.Relay == s.url) {
			return true
		}
	}
	return false
}

// onWriters takes the certificates the relay announces. Each is checked
// against the root this replica learned for itself; those that do not
// chain to it change nothing.
func (s *session) onWriters(m *wire.Writers) error {
	d := s.docs[m.Doc]
	if d == nil {
		return nil
	}
	for _, c := range m.Certs {
		d.relayCerts[sha256.Sum256(c)] = true
	}
	if d.writers == nil {
		return nil
	}
	added, err := d.writers.Add(m.Certs...)
	if err != nil {
		s.e.logf("sync: %s: the relay passed on a writer certificate that does not hold (%v); it was ignored", logName(d), err)
	}
	return s.e.ws.AddCerts(d.id, added)
}

// certify sends the relay the certificates this replica holds and the
// relay has not announced: this device's own, after joining with a write
// invite. The relay takes them before any push that follows.
func (s *session) certify(ctx context.Context, d *docSync) error {
	if d.writers == nil || d.meta.ReadOnly() {
		return nil
	}
	var missing [][]byte
	for _, c := range d.writers.Certs() {
		if !d.relayCerts[sha256.Sum256(c)] {
			missing = append(missing, c)
		}
	}
	for len(missing) > 0 {
		n := min(len(missing), wire.MaxRecordsPerBatch)
		if err := s.request(ctx, &wire.Certify{Doc: d.did, Certs: missing[:n]}, request{doc: d}); err != nil {
			return err
		}
		for _, c := range missing[:n] {
			d.relayCerts[sha256.Sum256(c)] = true
		}
		missing = missing[n:]
	}
	return nil
}

// signedByWriter reports whether a record carries a valid signature of a
// writer of the document. For a document from before signed devices any
// device may write, but a record under this device's own ID must still be
// this device's.
func (s *session) signedByWriter(d *docSync, r wire.Record) bool {
	if r.Device == s.device {
		if h, ok := d.sent[r.DSeq]; ok {
			delete(d.sent, r.DSeq)
			if h == sha256.Sum256(r.Body) {
				return true // exactly the bytes this device signed and sent
			}
		}
	}
	if d.writers == nil {
		return r.Device != s.device || seal.CheckRecord(s.key.Pub(), d.did, r.Device, r.DSeq, r.Body, r.Sig)
	}
	pub, ok := d.writers.Writer(r.Device)
	return ok && seal.CheckRecord(pub, d.did, r.Device, r.DSeq, r.Body, r.Sig)
}

func (s *session) onRecords(m *wire.Records) error {
	d := s.docs[m.Doc]
	if d == nil {
		return nil
	}
	if m.Early {
		return s.onEarly(d, m)
	}
	items, marks, last, err := s.open(d, m.Recs, d.cursor)
	if err != nil || last == d.cursor {
		return err
	}
	for _, mk := range marks {
		d.remember(mk.seq, mk.hash)
	}
	if err := s.e.ws.ApplyRemote(d.id, items, last); err != nil {
		return refused(d, err)
	}
	d.cursor = last
	return nil
}

// open checks and opens the records after from, which must follow it
// without a gap. It returns what to merge, a mark for each record (the
// last change of this device's own, the changes of a partner's), and the
// last sequence read. A record no writer signed (a read-only member,
// anyone who learned the write secret, or the relay itself) changes
// nothing, and the cursor moves past it.
func (s *session) open(d *docSync, recs []wire.Record, from uint64) ([]workspace.Remote, []earlyRec, uint64, error) {
	items := make([]workspace.Remote, 0, len(recs))
	var marks []earlyRec
	last := from
	for _, r := range recs {
		if r.Seq <= last {
			continue // already applied
		}
		if r.Seq != last+1 {
			return nil, nil, from, docError(d, fmt.Errorf("the relay at %s skipped from record %d to %d; syncing again from where this computer is", s.url, last, r.Seq))
		}
		last = r.Seq
		d.noteRecord(&r)
		mark := earlyRec{seq: r.Seq}
		if !s.signedByWriter(d, r) {
			d.ignored++
			s.e.logf("sync: %s: record %d is not signed by one of its writers; it was ignored", logName(d), r.Seq)
			items = append(items, workspace.Remote{Own: true})
			marks = append(marks, mark)
			continue
		}
		plain, err := seal.OpenRecord(d.key, d.did, r.Device, r.DSeq, r.Body)
		if err != nil {
			return nil, nil, from, refused(d, fmt.Errorf("record %d cannot be opened with this pair's key (%v); it was not applied. Ask your partner for a fresh invite if this keeps happening", r.Seq, err))
		}
		if r.Device == s.device {
			mark.hash = crdt.LastChangeHash(plain)
			if d.kept(r.DSeq) {
				items = append(items, workspace.Remote{Own: true})
				marks = append(marks, mark)
				continue
			}
		}
		for _, c := range crdt.SplitChanges(plain) {
			mark.changes = append(mark.changes, c.Hash)
		}
		items = append(items, workspace.Remote{Kind: store.Changes, Data: plain})
		marks = append(marks, mark)
	}
	return items, marks, last, nil
}

// snapshotByWriter reports whether a snapshot carries a valid signature of
// a writer; see signedByWriter for documents from before signed devices
// (whose relays also keep snapshots without any signature).
func (s *session) snapshotByWriter(d *docSync, m *wire.Snapshot) bool {
	if d.writers == nil {
		return m.Device != s.device || seal.CheckSnapshot(s.key.Pub(), d.did, m.Device, m.Seq, m.Body, m.Sig)
	}
	pub, ok := d.writers.Writer(m.Device)
	return ok && seal.CheckSnapshot(pub, d.did, m.Device, m.Seq, m.Body, m.Sig)
}

func (s *session) onSnapshot(ctx context.Context, m *wire.Snapshot) error {
	d := s.docs[m.Doc]
	if d == nil || (!m.Candidate && m.Seq <= d.cursor) {
		return nil
	}
	catchUp := m.Candidate && m.Seq > d.cursor // sent in place of the records it covers
	if !s.snapshotByWriter(d, m) {
		if catchUp {
			return s.catchUpFromRecords(ctx, d, "is not signed by one of the pair's writers")
		}
		if m.Candidate {
			s.e.logf("sync: %s: a snapshot waiting for confirmation is not signed by a writer; it was not confirmed", logName(d))
			return nil
		}
		return refused(d, fmt.Errorf("the relay's snapshot is not signed by one of the pair's writers, so it was not applied; your changes stay on this computer. Tell the relay's admin: the relay may have been tampered with"))
	}
	plain, err := seal.OpenSnapshot(d.key, d.did, m.Seq, m.Body)
	if err != nil {
		if catchUp {
			return s.catchUpFromRecords(ctx, d, "does not open")
		}
		if m.Candidate {
			s.e.logf("sync: %s: a snapshot waiting for confirmation does not open (%v); it was not confirmed", logName(d), err)
			return nil
		}
		return refused(d, fmt.Errorf("the relay's snapshot cannot be opened with this pair's key (%v); it was not applied", err))
	}
	d.snapBytes = uint64(len(m.Body))
	if catchUp {
		// Every other device that wrote what it covers has confirmed it;
		// merging it keeps everything of ours, and it is confirmed below
		// only if it holds our changes too.
		if err := s.e.ws.ApplyRemote(d.id, []workspace.Remote{{Kind: store.Document, Data: plain}}, m.Seq); err != nil {
			return s.catchUpFromRecords(ctx, d, "does not merge")
		}
		d.cursor = m.Seq
	}
	if m.Candidate {
		s.loadCandidate(ctx, d, m.Seq, plain)
		return nil
	}
	if err := s.e.ws.ApplyRemote(d.id, []workspace.Remote{{Kind: store.Document, Data: plain}}, m.Seq); err != nil {
		return refused(d, err)
	}
	d.cursor = m.Seq
	return s.e.ws.RelaySnapshotAt(d.id, m.Seq)
}

// catchUpFromRecords subscribes again, without waiting snapshots, after one
// sent in place of records could not be used; this engine asks for none of
// that document again.
func (s *session) catchUpFromRecords(ctx context.Context, d *docSync, why string) error {
	s.e.logf("sync: %s: a snapshot sent to catch up %s; catching up from records", logName(d), why)
	s.e.refuseCandidate(d.did)
	d.resub = ^uint64(0) // set to the new subscription's request
	return s.subscribe(ctx, d)
}

// resubscribing returns the document a message is for if that document's
// subscription is being replaced and the message belongs to the old one.
func (s *session) resubscribing(m wire.Message) *docSync {
	var doc wire.DocID
	switch m := m.(type) {
	case *wire.Records:
		doc = m.Doc
	case *wire.Snapshot:
		doc = m.Doc
	case *wire.CaughtUp:
		doc = m.Doc
	case *wire.Durable:
		doc = m.Doc
	case *wire.Writers:
		doc = m.Doc
	default:
		return nil
	}
	if d := s.docs[doc]; d != nil && d.resub != 0 {
		return d
	}
	return nil
}

// loadedSnapshot is what loading a candidate snapshot found.
type loadedSnapshot struct {
	d     *docSync
	seq   uint64
	heads []string
	err   error
}

// queuedSnapshot is a candidate waiting for the one loading before it.
type queuedSnapshot struct {
	seq   uint64
	plain []byte
}

// loadCandidate loads a snapshot that waits for this device's
// confirmation, to learn its heads, on a goroutine of its own: a load
// takes as long as opening the pair (about 22 ms for 2,500 edits), and on
// the session's goroutine every record arriving meanwhile waited for it
// (W1: the partner's edits 10-33 ms late each time the writer sent a
// snapshot). The session goes on; wait brings the heads back.
//
// One snapshot loads at a time in the session, and for each pair only the
// newest that came meanwhile waits: a relay that sent candidates as fast
// as it could, for one pair or for all, would otherwise start a load, and
// hold a copy of a pair, for each of them.
func (s *session) loadCandidate(ctx context.Context, d *docSync, seq uint64, plain []byte) {
	d.cand = nil // a newer one replaces it
	if s.loadBusy {
		if d.loading == seq {
			return // the same one again
		}
		d.queued = &queuedSnapshot{seq: seq, plain: plain}
		return
	}
	s.loadBusy, d.loading = true, seq
	s.loads.Add(1)
	go func() {
		defer s.loads.Done()
		s.e.opts.loadingCandidate()
		heads, err := s.e.ws.SnapshotHeads(d.id, plain) // loaded once, not on every ack
		select {
		case s.loaded <- loadedSnapshot{d: d, seq: seq, heads: heads, err: err}:
		case <-ctx.Done(): // the session ended: the relay asks the next one again
		}
	}()
}

// candidateLoaded takes the heads of a loaded candidate and confirms it
// if it holds this device's changes (tryConfirm), then starts the next
// load waiting. If a newer candidate for the pair came meanwhile, that one
// loads instead, and this one is dropped.
func (s *session) candidateLoaded(ctx context.Context, l loadedSnapshot) error {
	d := l.d
	s.loadBusy, d.loading = false, 0
	defer s.loadNext(ctx)
	if d.queued != nil {
		return nil
	}
	if l.err != nil {
		s.e.logf("sync: %s: a snapshot waiting for confirmation does not load (%v); it was not confirmed", logName(d), l.err)
		return nil
	}
	d.cand = &heldSnapshot{seq: l.seq, heads: l.heads}
	return s.tryConfirm(ctx, d)
}

// confirmLoading reports whether a snapshot to confirm is loading for the
// pair, or waits to.
func (d *docSync) confirmLoading() bool { return d.loading != 0 || d.queued != nil }

// loadNext starts the next queued load, if none runs.
func (s *session) loadNext(ctx context.Context) {
	if s.loadBusy {
		return
	}
	for _, d := range s.docs {
		if q := d.queued; q != nil {
			d.queued = nil
			s.loadCandidate(ctx, d, q.seq, q.plain)
			return
		}
	}
}

// heldSnapshot is a snapshot waiting for this device's confirmation.
type heldSnapshot struct {
	seq   uint64
	heads []string // of the snapshot
}

// ownMark is one record of this device: its relay sequence and the last
// change it carries.
type ownMark struct {
	seq  uint64
	hash string
}

const ownMarks = 1024

func (d *docSync) remember(seq uint64, hash string) {
	if hash == "" {
		return
	}
	if len(d.own) >= ownMarks {
		d.own = append(d.own[:0], d.own[len(d.own)/2:]...)
	}
	d.own = append(d.own, ownMark{seq, hash})
}

// tryConfirm confirms the held snapshot if it holds every change this
// replica wrote that the relay numbered up to its sequence: each of our
// changes it lacks must be one the relay numbered after it. When that
// cannot be told yet (a push still unanswered, or the snapshot has
// changes we have not received), it waits and is tried again later.
func (s *session) tryConfirm(ctx context.Context, d *docSync) error {
	c := d.cand
	if c == nil {
		return nil
	}
	missing, known, err := s.e.ws.OwnMissingSince(d.id, c.heads)
	if err != nil {
		return err
	}
	if !known {
		return nil
	}
	after := map[string]bool{}
	for _, o := range d.own {
		if o.seq > c.seq {
			after[o.hash] = true
		}
	}
	for _, h := range missing {
		if !after[h] {
			return nil // ours, and not known to come after it
		}
	}
	d.cand = nil
	return s.request(ctx, &wire.Confirm{Doc: d.did, Seq: c.seq, Tag: s.tags.ConfirmTag(d.did, c.seq)}, request{doc: d, seq: c.seq})
}

// reused handles the relay holding a different record under one of this
// device's numbers. That happens when this data folder was restored from
// an older copy and numbered new changes again from where the copy
// stopped: those changes also reuse the pair's Automerge sequence numbers,
// so no replica could ever merge them, and pushing them under new numbers
// would stall the partner. They are kept here, untouched, and the person
// is told what to do; the relay's copy and the partner's are unharmed.
func (s *session) reused(d *docSync, dseq, last uint64) error {
	return docError(d, fmt.Errorf("%w: the relay already holds a different change numbered %d from this computer (it holds up to %d): this data folder was probably restored from an older copy. The changes made here since then are kept on this computer but cannot be merged; export it to keep them, then remove it and join it again with a fresh invite", ErrRestoredCopy, dseq, last))
}
