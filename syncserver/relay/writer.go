package relay

import (
	"errors"
	"time"

	"pairwise/shared/wire"
	"pairwise/syncserver/relaystore"
	"pairwise/syncserver/wsserve"
)

// Bounds of one group commit. A batch holds at most maxBatchEntries
// requests, so at most that many records and that many creations, and
// the pipeline groups batches only within the same bound on records (a
// batch that creates documents is the last of its group): what the
// Badger store sizes its transactions for. Group commits under load hold
// a few records each, so the bound costs nothing there.
const (
	maxBatchEntries = relaystore.MaxCommitRecords
	maxBatchBytes   = 4 << 20
)

// writeReq is a create, push or snapshot waiting for the writer.
type writeReq struct {
	c       *conn
	create  *wire.Create
	push    *wire.Push
	snap    *wire.SnapPut
	certify *wire.Certify
	confirm *wire.Confirm
	token   string // for create
	device  wire.DeviceID
	at      time.Time // when the push arrived, for the delivery histogram
	fn      func()    // runs alone on the writer goroutine (evict.go)
}

// alone reports whether r is handled on its own rather than in a batch.
func (r *writeReq) alone() bool {
	return r.snap != nil || r.certify != nil || r.confirm != nil || r.fn != nil
}

func (w *writer) one(r *writeReq) {
	switch {
	case r.fn != nil:
		r.fn()
	case r.snap != nil:
		w.snapshot(r)
	case r.certify != nil:
		w.certify(r)
	case r.confirm != nil:
		w.confirm(r)
	}
}

func (r *writeReq) size() int {
	switch {
	case r.push != nil:
		return len(r.push.Body)
	case r.snap != nil:
		return len(r.snap.Body)
	}
	return 0
}

// writer is the one goroutine that assigns sequence numbers and writes the
// logs. It takes every request waiting when it starts a commit, so one disk
// sync covers many pushes (group commit). Subscribers that asked for early
// records get them before that sync, the others after it; nobody's cursor
// moves past a record the relay could still lose, and writers are
// acknowledged only once their records are stored.
type writer struct {
	s    *Server
	in   chan *writeReq
	done chan struct{}
	pipe *pipeline // nil over a shared store: each batch commits before the next is numbered
}

func newWriter(s *Server) *writer {
	w := &writer{s: s, in: make(chan *writeReq, 4096), done: make(chan struct{})}
	if !commitsRefusable(s.store) {
		w.pipe = newPipeline(w)
	}
	go w.run()
	return w
}

// submit queues r. It reports false once the writer has stopped.
func (w *writer) submit(r *writeReq) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	w.in <- r
	return true
}

// stop finishes every queued request and returns.
func (w *writer) stop() {
	close(w.in)
	<-w.done
}

func (w *writer) run() {
	defer close(w.done)
	defer w.pipe.close()
	var carry *writeReq
	for {
		first := carry
		carry = nil
		if first == nil {
			var ok bool
			if first, ok = <-w.in; !ok {
				return
			}
		}
		w.pipe.recover()
		if first.alone() {
			w.pipe.wait() // it reads and writes what the batches before it commit
			w.one(first)
			continue
		}
		batch := []*writeReq{first}
		size := first.size()
	drain:
		for len(batch) < maxBatchEntries && size < maxBatchBytes {
			select {
			case r, ok := <-w.in:
				if !ok {
					break drain
				}
				if r.alone() {
					carry = r // after this batch, so it sees its records
					break drain
				}
				batch = append(batch, r)
				size += r.size()
			default:
				break drain
			}
		}
		w.commit(batch)
	}
}

// pending is a batch's view of one document before it is committed.
type pending struct {
	d    *docState // nil for a document created in this batch
	meta relaystore.Doc
	devs []devSeq // each device's last sequence numbered in this batch
	recs []wire.Record
	at   time.Time // when the earliest of recs arrived
}

// last returns the last sequence numbered in this batch for dev. A batch
// holds few devices of one document: a scan, rather than a map made for
// every document of every batch.
func (p *pending) last(dev wire.DeviceID) (uint64, bool) {
	for _, d := range p.devs {
		if d.dev == dev {
			return d.dseq, true
		}
	}
	return 0, false
}

// advance moves d's device sequences on to those numbered in this batch.
func (p *pending) advance(d *docState) {
	for _, v := range p.devs {
		d.devices[v.dev] = v.dseq
	}
}

// numbered records dseq as dev's last sequence numbered in this batch.
func (p *pending) numbered(dev wire.DeviceID, dseq uint64) {
	for i := range p.devs {
		if p.devs[i].dev == dev {
			p.devs[i].dseq = dseq
			return
		}
	}
	p.devs = append(p.devs, devSeq{dev, dseq})
}

// held returns the record from device dev with device sequence dseq if
// the batch holds it. A batch holds few records of one document (at most
// maxBatchEntries), so a scan is cheaper than maps filled for every
// record to answer the odd retry.
func (p *pending) held(dev wire.DeviceID, dseq uint64) (wire.Record, bool) {
	for _, r := range p.recs {
		if r.Device == dev && r.DSeq == dseq {
			return r, true
		}
	}
	return wire.Record{}, false
}

type devSeq struct {
	dev  wire.DeviceID
	dseq uint64
}

type reply struct {
	c   *conn
	msg wire.Message
}

// commit numbers batch and has it committed: on the pipeline, which
// commits it while the next batch is numbered, or here and now over a
// shared store.
func (w *writer) commit(batch []*writeReq) {
	if w.pipe == nil {
		w.commitShared(batch)
		return
	}
	w.pipe.submit(w.prepare(batch))
}

// prepared is a numbered batch: its records, what the store is to write,
// and the replies that wait for the commit.
type prepared struct {
	docs    map[wire.DocID]*pending
	order   []wire.DocID
	b       relaystore.Batch
	replies []reply
	acks    []reply // sent only if the commit succeeds
	quota   *quotaBatch
}

// commitShared numbers and commits batch over a shared store; after a
// conflict with another relay instance (relaystore.ErrConflict) it reads
// the documents again and tries anew, for up to conflictBudget.
func (w *writer) commitShared(batch []*writeReq) {
	s := w.s
	first := time.Now()
	for {
		p := w.prepare(batch)
		if len(p.b.Entries) == 0 && len(p.b.Creates) == 0 {
			w.finish(p, nil)
			return
		}
		start := time.Now()
		err := s.store.Commit(p.b)
		s.m.commitSeconds.Observe(time.Since(start).Seconds())
		if err == nil {
			s.m.committed(len(p.b.Entries))
		}
		if !(errors.Is(err, relaystore.ErrConflict) || errors.Is(err, relaystore.ErrNotFound)) || time.Since(first) >= conflictBudget {
			w.finish(p, err)
			return
		}
		// Another instance wrote one of these documents first, or
		// deleted one: read them again (records go to subscribers
		// here, a deleted one is forgotten and its pushes refused
		// alone) and number the batch anew, with the device
		// sequences read from the store.
		s.m.conflicts.Inc()
		for _, id := range p.order {
			d := p.docs[id].d
			if d == nil {
				d = s.loaded(id)
			}
			if d != nil {
				clear(d.devices)
				s.refresh(d, false)
			}
		}
	}
}

// prepare numbers batch against what the documents hold, counting the
// records of batches still on the pipeline, and hands the records to
// Early subscribers. On the pipeline it also moves the documents' device
// sequences and numbers on, so the next batch follows this one.
func (w *writer) prepare(batch []*writeReq) *prepared {
	s := w.s
	docs := map[wire.DocID]*pending{}
	var order []wire.DocID
	var replies []reply
	var acks []reply // sent only if the commit succeeds
	// Creates and Owners are made by the first creation: most batches
	// only append.
	b := relaystore.Batch{Heads: map[wire.DocID]uint64{}}
	quota := s.newQuotaBatch()

	view := func(id wire.DocID) (*pending, error) {
		if p, ok := docs[id]; ok {
			return p, nil
		}
		d, err := s.doc(id)
		if err != nil {
			return nil, err
		}
		d.mu.Lock()
		meta := d.meta
		d.mu.Unlock()
		meta.Head = max(meta.Head, d.numbered)
		p := &pending{d: d, meta: meta}
		b.Heads[id] = meta.Head
		docs[id] = p
		order = append(order, id)
		return p, nil
	}

	for _, r := range batch {
		switch {
		case r.create != nil:
			m := r.create
			tok, err := s.tokens.Identify(r.token)
			if err != nil {
				replies = append(replies, reply{r.c, errFor(m.Req, m.Doc, err)})
				continue
			}
			p, err := view(m.Doc)
			if errors.Is(err, relaystore.ErrNotFound) {
				if err := quota.create(m.Doc, tok.ID()); err != nil {
					replies = append(replies, reply{r.c, errFor(m.Req, m.Doc, err)})
					continue
				}
				meta := relaystore.Doc{WriteHash: m.WriteHash, ReadHash: m.ReadHash, Root: m.Root}
				if b.Creates == nil {
					b.Creates, b.Owners = map[wire.DocID]relaystore.Doc{}, map[wire.DocID]string{}
				}
				b.Creates[m.Doc] = meta
				b.Owners[m.Doc] = tok.ID()
				docs[m.Doc] = &pending{meta: meta}
				order = append(order, m.Doc)
				acks = append(acks, reply{r.c, &wire.Ack{Req: m.Req, Doc: m.Doc}})
				continue
			}
			if err != nil {
				replies = append(replies, reply{r.c, errFor(m.Req, m.Doc, err)})
				continue
			}
			if p.meta.WriteHash != m.WriteHash || p.meta.ReadHash != m.ReadHash || (p.meta.Root != m.Root && p.meta.Root != [32]byte{}) {
				replies = append(replies, reply{r.c, &wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeExists,
					Msg: "a different pair already uses this ID on the relay; this cannot happen by chance, so check the data folder was not copied from someone else"}})
				continue
			}
			acks = append(acks, reply{r.c, &wire.Ack{Req: m.Req, Doc: m.Doc, Seq: p.meta.Head}})

		case r.push != nil:
			m := r.push
			p, err := view(m.Doc)
			if err != nil {
				replies = append(replies, reply{r.c, errFor(m.Req, m.Doc, err)})
				continue
			}
			if p.d == nil && p.meta.Root != r.c.pub { // the connection proved its key
				// Created in this very batch: only its root has a say yet.
				replies = append(replies, reply{r.c, &wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeNotWriter, Msg: "this device is not one of the pair's writers"}})
				continue
			}
			if p.d != nil {
				s.writerKnown(p.d, r.device)
				if e := p.d.mayPush(r); e != nil {
					s.m.errors.WithLabelValues(string(e.Code)).Inc()
					replies = append(replies, reply{r.c, e})
					continue
				}
			}
			last, ok := p.last(r.device)
			if !ok && p.d != nil {
				if last, ok = p.d.devices[r.device]; !ok {
					if last, err = s.store.DeviceSeq(m.Doc, r.device); err != nil {
						replies = append(replies, reply{r.c, errFor(m.Req, m.Doc, err)})
						continue
					}
					p.d.devices[r.device] = last
				}
			}
			switch {
			case m.DSeq == 0 || m.DSeq > last+1:
				replies = append(replies, reply{r.c, &wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeOutOfOrder,
					Msg: "this change skips ahead of the ones before it from this device; reconnect to send them in order"}})
			case m.DSeq <= last:
				// A retry of a push the relay already holds: the ack carries
				// the held record's signature, so the device can tell its
				// own retry from a different change under the same number.
				ack := &wire.Ack{Req: m.Req, Doc: m.Doc, Last: last}
				if rec, ok := p.held(r.device, m.DSeq); ok {
					ack.Seq, ack.Sig = rec.Seq, rec.Sig
				} else if seq, sig, ok := p.d.onPipeline(r.device, m.DSeq); ok {
					ack.Seq, ack.Sig = seq, sig // sent once that batch is stored, as this one follows it
				} else {
					if ack.Seq, err = s.store.SeqOf(m.Doc, r.device, m.DSeq); err != nil {
						replies = append(replies, reply{r.c, errFor(m.Req, m.Doc, err)})
						continue
					}
					if ack.Seq == 0 {
						ack.Seq = p.meta.SnapSeq // covered by the snapshot, and pruned
					} else if rec, err := s.store.Record(m.Doc, ack.Seq); err == nil {
						ack.Sig = rec.Sig
					}
				}
				s.m.duplicates.Inc()
				acks = append(acks, reply{r.c, ack})
			default:
				if err := quota.admit(m.Doc, len(m.Body)); err != nil {
					replies = append(replies, reply{r.c, errFor(m.Req, m.Doc, err)})
					continue
				}
				p.meta.Head++
				rec := wire.Record{Seq: p.meta.Head, Device: r.device, DSeq: m.DSeq, Body: m.Body, Sig: m.Sig}
				p.numbered(r.device, m.DSeq)
				if len(p.recs) == 0 || r.at.Before(p.at) {
					p.at = r.at
				}
				p.recs = append(p.recs, rec)
				b.Entries = append(b.Entries, relaystore.Entry{Doc: m.Doc, Rec: rec})
				acks = append(acks, reply{r.c, &wire.Ack{Req: m.Req, Doc: m.Doc, Seq: rec.Seq}})
			}
		}
	}

	// Early subscribers get the records now, while the disk works; the
	// others, and everyone's cursor, wait for the commit.
	for _, id := range order {
		if p := docs[id]; p.d != nil && len(p.recs) > 0 && s.shared == nil {
			p.d.publishEarly(p.meta.Head, p.recs, p.at)
		}
	}
	pb := &prepared{docs: docs, order: order, b: b, replies: replies, acks: acks, quota: quota}
	if w.pipe != nil {
		w.pipe.numbered(pb)
	}
	return pb
}

// finish acts on the outcome of p's commit (err nil: stored): it
// publishes the new heads and records in log order and answers the
// clients, or, on failure, refuses what was pushed and takes back the
// records sent early.
func (w *writer) finish(p *prepared, err error) {
	s := w.s
	replies, acks := p.replies, p.acks
	if err != nil {
		s.logStoreErr("commit failed; nothing in it was acknowledged", err, "records", len(p.b.Entries))
		for _, a := range acks {
			ack := a.msg.(*wire.Ack)
			replies = append(replies, reply{a.c, errFor(ack.Req, ack.Doc, err)})
		}
		// The numbers the early records took will be given to others:
		// whoever saw them must start again from what is stored.
		for _, id := range p.order {
			if pd := p.docs[id]; pd.d != nil && len(pd.recs) > 0 {
				pd.d.revokeEarly()
			}
		}
		// The cached device sequences were not advanced (over a shared
		// store), or are set back before the next batch (pipeline.recover),
		// so retries are judged against what is really stored.
		for _, r := range replies {
			r.c.send(r.msg)
		}
		return
	}
	// Publish: the new heads, device sequences and records, in log order.
	for _, id := range p.order {
		pd := p.docs[id]
		d := pd.d
		if d == nil {
			d = s.addDoc(id, pd.meta)
		}
		if w.pipe == nil {
			pd.advance(d)
		}
		if len(pd.recs) == 0 {
			continue
		}
		d.publish(pd.meta.Head, &wire.Records{Doc: id, Recs: pd.recs}, true, pd.at)
	}
	for _, r := range acks {
		r.c.send(r.msg)
	}
	for _, r := range replies {
		r.c.send(r.msg)
	}
}

// maxLiveFrame bounds the records one live frame carries, so a group
// commit of large records reaches subscribers in several frames.
const maxLiveFrame = 512 << 10

// liveFrames encodes records for subscribers, in frames of at most
// maxLiveFrame bytes of bodies, each encoded once for all of them.
func liveFrames(doc wire.DocID, recs []wire.Record, early bool) [][]byte {
	var frames [][]byte
	for rest := recs; len(rest) > 0; {
		n, size := 0, 0
		for n < len(rest) && n < wire.MaxRecordsPerBatch && (n == 0 || size+len(rest[n].Body) <= maxLiveFrame) {
			size += len(rest[n].Body)
			n++
		}
		if f, err := wire.Encode(&wire.Records{Doc: doc, Recs: rest[:n], Early: early}); err == nil {
			frames = append(frames, f)
		}
		rest = rest[n:]
	}
	return frames
}

// publishEarly hands records the writer has numbered, but not yet stored,
// to the Early subscribers, and keeps them for Early subscribers that
// arrive before they are stored. The earliest of them arrived at at.
//
// Partners first: a device that pushed some of the records gets them back
// only to keep its cursor whole, while a partner is waiting to show them,
// so its frames are queued after everyone else's.
func (d *docState) publishEarly(upto uint64, recs []wire.Record, at time.Time) {
	frames := liveFrames(d.id, recs, true)
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.earlyOrder(recs) {
		sb := d.subs[c]
		for _, f := range frames {
			sb.deliverAt(c, f, at)
		}
	}
	for _, f := range frames {
		d.early = append(d.early, earlyFrame{upto: upto, frame: f})
	}
}

// earlyOrder returns the Early subscribers to deliver recs to: those whose
// device pushed none of them first, then the authors. d.mu is held.
func (d *docState) earlyOrder(recs []wire.Record) []*conn {
	out := make([]*conn, 0, len(d.subs))
	var authors []*conn
	for c, sb := range d.subs {
		switch {
		case !sb.early:
		case pushedAny(recs, c.device):
			authors = append(authors, c)
		default:
			out = append(out, c)
		}
	}
	return append(out, authors...)
}

// pushedAny reports whether device pushed any of recs.
func pushedAny(recs []wire.Record, device wire.DeviceID) bool {
	for i := range recs {
		if recs[i].Device == device {
			return true
		}
	}
	return false
}

// revokeEarly is called when records sent early could not be stored:
// their numbers go to other records, so every Early subscriber is dropped
// (before anything else reaches it for this document) and reconnects from
// what it knows is stored.
func (d *docState) revokeEarly() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.early = nil
	for c, sb := range d.subs {
		if sb.early {
			delete(d.subs, c)
			c.finish(wsserve.StatusTryAgainLater, "the relay could not store the latest changes; reconnect to sync again")
		}
	}
}

// publish advances the head once records are stored: Early subscribers
// are told their cursor may move, the others get the records. With
// sentEarly false the records were never sent early (read again from the
// store, pipeline.recover and shared.go), and Early subscribers get them
// as stored records too. The earliest of the records arrived at at (zero:
// not known).
func (d *docState) publish(head uint64, recs *wire.Records, sentEarly bool, at time.Time) {
	var frames [][]byte
	durable, _ := wire.Encode(&wire.Durable{Doc: recs.Doc, Seq: head})
	d.mu.Lock()
	defer d.mu.Unlock()
	d.meta.Head = head
	n := 0
	for n < len(d.early) && d.early[n].upto <= head {
		n++
	}
	d.early = d.early[n:]
	if len(d.early) == 0 {
		d.early = nil
	}
	for c, sb := range d.subs {
		if sb.early && sentEarly {
			sb.deliver(c, durable)
			continue
		}
		if frames == nil {
			frames = liveFrames(recs.Doc, recs.Recs, false)
		}
		for _, f := range frames {
			sb.deliverAt(c, f, at)
		}
	}
}
