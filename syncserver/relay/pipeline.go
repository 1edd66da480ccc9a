package relay

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"pairwise/shared/wire"
	"pairwise/syncserver/relaystore"
)

// pipeline commits numbered batches on a goroutine of its own, in order,
// while the writer numbers the next ones and sends their records to Early
// subscribers. So a push never waits for the disk sync of the batch before
// it to reach its partner, and batches that pile up during one sync are
// committed together by the next (one sync for all of them).
//
// What the writer numbers on top of batches still on the pipeline it takes
// from the documents' state, which it moves on as it numbers (devices,
// numbered, inflight) rather than once stored. If a commit fails, every
// batch numbered after it fails too (their numbers follow the lost ones),
// and before numbering anything else the writer waits for the pipeline to
// empty and sets that state back to what is stored (recover).
//
// A relay over a shared store has no pipeline: another instance may take
// any number, so each batch is stored before the next is numbered.
type pipeline struct {
	w     *writer
	queue chan *prepared
	busy  sync.WaitGroup // batches submitted and not yet finished
	done  chan struct{}

	// failed is the error of a failed commit; the batches after it fail
	// with it until the writer recovers. Set by the committer.
	failed atomic.Pointer[error]
	// suspect are the documents of the commit that failed: the store
	// may hold its records all the same (a sync that failed after the
	// write), so recover reads their heads again. Set by the committer
	// before failed; read by the writer once the pipeline is empty.
	suspect []wire.DocID
	// created are the documents the failed commit created, with the
	// token that did: if the store holds them all the same, recover
	// stores them again. Set and read like suspect.
	created map[wire.DocID]string

	mu     sync.Mutex // over the bytes on the pipeline, for quotas
	docs   map[wire.DocID]int64
	tokens map[string]int64
}

// commitsRefusable reports whether st may refuse a commit for what someone
// else wrote meanwhile (a shared store, or a test's stand-in for one): the
// writer then numbers each batch only once the one before is stored.
func commitsRefusable(st relaystore.Store) bool {
	_, shared := st.(relaystore.Shared)
	_, refusable := st.(interface{ refusesCommits() })
	return shared || refusable
}

// pipelineDepth bounds the batches waiting for the committer; the writer
// waits for room beyond it.
const pipelineDepth = 64

func newPipeline(w *writer) *pipeline {
	p := &pipeline{w: w, queue: make(chan *prepared, pipelineDepth), done: make(chan struct{}),
		docs: map[wire.DocID]int64{}, tokens: map[string]int64{}}
	go p.run()
	return p
}

// numbered moves the documents of b on past its records, before b is
// stored, so that the next batch is numbered after them and a retried push
// of one of them is recognised. It runs on the writer goroutine.
func (p *pipeline) numbered(b *prepared) {
	for _, id := range b.order {
		pd := b.docs[id]
		d := pd.d
		if d == nil {
			continue // created in b, which is committed before anything else is numbered
		}
		pd.advance(d)
		d.numbered = pd.meta.Head
		if len(pd.recs) > 0 {
			d.mu.Lock()
			if d.inflight == nil {
				d.inflight = map[devSeq]wire.Record{}
			}
			for _, r := range pd.recs {
				d.inflight[devSeq{r.Device, r.DSeq}] = r
			}
			d.mu.Unlock()
		}
	}
	p.mu.Lock()
	for id, n := range b.quota.docs {
		p.docs[id] += n
	}
	for t, n := range b.quota.tokens {
		p.tokens[t] += n
	}
	p.mu.Unlock()
}

// onPipeline returns the record from device dev with device sequence dseq
// if it is on the pipeline.
func (d *docState) onPipeline(dev wire.DeviceID, dseq uint64) (seq uint64, sig []byte, ok bool) {
	if d == nil {
		return 0, nil, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.inflight[devSeq{dev, dseq}]
	return r.Seq, r.Sig, ok
}

// pending returns the bytes on the pipeline for document id and for the
// documents of token; a nil pipeline has none.
func (p *pipeline) pending(id wire.DocID, token string) (doc, tok int64) {
	if p == nil {
		return 0, 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.docs[id], p.tokens[token]
}

// submit hands b to the committer. A batch that creates documents is
// committed before the writer goes on: the documents join the relay's
// state only once stored.
func (p *pipeline) submit(b *prepared) {
	p.busy.Add(1)
	p.queue <- b
	if len(b.b.Creates) > 0 {
		p.wait()
	}
}

// wait returns once every batch submitted is finished. A nil pipeline
// has none.
func (p *pipeline) wait() {
	if p != nil {
		p.busy.Wait()
	}
}

// recover, on the writer goroutine before it numbers anything, sets the
// documents back to what is stored after a failed commit: the device
// sequences are read again and numbering resumes from the stored heads.
//
// A store may hold what a failed commit wrote (Badger, when the disk
// sync fails after the write): numbering over it would give its numbers
// to other records, under the same keys, and a device's retry would find
// someone else's record under its own number. So the documents of the
// failed commit are read again. What the store holds of them is not
// durable, though: the sync failed, and a later one need not cover it
// (the kernel may drop pages it could not write). So it is written again,
// in a commit of its own, and published as stored only once that commit
// succeeds. Until the store can be read and that commit succeeds, the
// pipeline stays failed: batches are refused rather than numbered over
// what the store may hold.
func (p *pipeline) recover() {
	if p == nil || p.failed.Load() == nil {
		return
	}
	p.wait()
	s := p.w.s
	s.mu.Lock()
	for _, d := range s.docs {
		clear(d.devices)
		d.numbered = 0
		d.mu.Lock()
		d.inflight = nil
		d.mu.Unlock()
	}
	s.mu.Unlock()
	var held []kept
	var b relaystore.Batch
	seen := map[wire.DocID]bool{}
	for _, id := range p.suspect {
		d := s.loaded(id)
		if d == nil || seen[id] {
			continue // created in the failed commit: see below
		}
		seen[id] = true
		k, err := s.kept(d)
		if err != nil {
			s.log.Warn("cannot read what the store kept of a failed commit; refusing pushes until it can", "err", err)
			return
		}
		if len(k.recs) > 0 {
			held = append(held, k)
			for _, r := range k.recs {
				b.Entries = append(b.Entries, relaystore.Entry{Doc: id, Rec: r})
			}
		}
	}
	// A document the failed commit created, and the store holds all the
	// same, is stored again with what it holds of it: otherwise the
	// app, asking again, would find it and never have it stored, and a
	// restart after the kernel dropped those pages would not know the
	// pair its later records belong to. Nobody has been sent any of it,
	// and it is read from the store when next needed.
	for id, owner := range p.created {
		if s.loaded(id) != nil {
			continue
		}
		meta, recs, err := s.storedPast(id, 0)
		if errors.Is(err, relaystore.ErrNotFound) {
			continue // not kept: the app creates it again
		}
		if err != nil {
			s.log.Warn("cannot read what the store kept of a failed commit; refusing pushes until it can", "err", err)
			return
		}
		if b.Creates == nil {
			b.Creates, b.Owners = map[wire.DocID]relaystore.Doc{}, map[wire.DocID]string{}
		}
		b.Creates[id], b.Owners[id] = meta, owner
		for _, r := range recs {
			b.Entries = append(b.Entries, relaystore.Entry{Doc: id, Rec: r})
		}
	}
	if len(b.Entries) > 0 || len(b.Creates) > 0 {
		start := time.Now()
		err := s.store.Commit(b)
		s.m.commitSeconds.Observe(time.Since(start).Seconds())
		if err != nil {
			s.logStoreErr("cannot store again what the store kept of a failed commit; refusing pushes until it can", err, "records", len(b.Entries))
			return
		}
		s.m.committed(len(b.Entries))
	}
	for _, k := range held {
		for _, r := range k.recs {
			if r.DSeq > k.d.devices[r.Device] {
				k.d.devices[r.Device] = r.DSeq
			}
		}
		// Nobody was sent these early: the Early subscribers that were
		// have been dropped (writer.finish), and those that came since
		// wait for them.
		k.d.publish(k.head, &wire.Records{Doc: k.d.id, Recs: k.recs}, false, time.Time{})
	}
	p.suspect, p.created = nil, nil
	p.failed.Store(nil)
}

// kept is what the store holds of a document beyond what was published.
type kept struct {
	d    *docState
	head uint64
	recs []wire.Record
}

// kept reads the records the store holds of d past its published head,
// on the writer goroutine.
func (s *Server) kept(d *docState) (kept, error) {
	d.mu.Lock()
	known := d.meta.Head
	d.mu.Unlock()
	k := kept{d: d, head: known}
	_, recs, err := s.storedPast(d.id, known)
	if errors.Is(err, relaystore.ErrNotFound) {
		return k, nil
	}
	k.recs = recs
	if len(recs) > 0 {
		k.head = recs[len(recs)-1].Seq
	}
	return k, err
}

// storedPast reads document id as the store holds it, and its records
// past known up to its head, on the writer goroutine.
func (s *Server) storedPast(id wire.DocID, known uint64) (relaystore.Doc, []wire.Record, error) {
	meta, err := s.store.Doc(id)
	if err != nil {
		return meta, nil, err
	}
	var recs []wire.Record
	for from := known; from < meta.Head; {
		got, err := s.store.Read(id, from, wire.MaxRecordsPerBatch, 1<<20)
		if err != nil {
			return meta, nil, err
		}
		if len(got) == 0 || got[0].Seq != from+1 {
			return meta, nil, fmt.Errorf("record %d of a failed commit is missing", from+1)
		}
		for _, r := range got {
			if r.Seq > meta.Head {
				break
			}
			recs = append(recs, r)
			from = r.Seq
		}
	}
	return meta, recs, nil
}

// close commits what is queued and stops the committer.
func (p *pipeline) close() {
	if p == nil {
		return
	}
	close(p.queue)
	<-p.done
}

// commitGap is the least time between the starts of two commits. Records
// reach their subscribers before they are stored, so waiting costs the
// partners nothing, only the writer's acknowledgement; and each commit
// costs two disk syncs, which at W2's 2,500 records a second were a fifth
// of the relay's CPU with a commit for almost every record. Waiting up to
// 2 ms gathers about six a commit there, and the relay's CPU fell from
// 63% of its core to 50% (w2raw, three runs each, taking turns).
const commitGap = 2 * time.Millisecond

// run is the committer: it takes the batches in order, those waiting
// together, and commits them in one store commit.
func (p *pipeline) run() {
	defer close(p.done)
	var group []*prepared
	var carry *prepared
	var last time.Time
	for {
		first := carry
		carry = nil
		if first == nil {
			var ok bool
			if first, ok = <-p.queue; !ok {
				return
			}
		}
		if gap := time.Since(last); gap < commitGap {
			time.Sleep(commitGap - gap)
		}
		last = time.Now()
		// A group stays within one batch's bounds, which the store's
		// transactions are sized for.
		group = append(group[:0], first)
		entries, size := len(first.b.Entries), first.bodies()
	more:
		for {
			select {
			case b, ok := <-p.queue:
				if !ok {
					break more
				}
				if entries+len(b.b.Entries) > maxBatchEntries || size+b.bodies() > maxBatchBytes {
					carry = b
					break more
				}
				group = append(group, b)
				entries, size = entries+len(b.b.Entries), size+b.bodies()
			default:
				break more
			}
		}
		p.commit(group)
	}
}

// bodies is the size of the records b stores.
func (b *prepared) bodies() int {
	n := 0
	for _, e := range b.b.Entries {
		n += len(e.Rec.Body)
	}
	return n
}

func (p *pipeline) commit(group []*prepared) {
	s := p.w.s
	var err error
	if f := p.failed.Load(); f != nil {
		err = *f
	} else if b := merged(group); len(b.Entries) > 0 || len(b.Creates) > 0 {
		// Let the connections that have early records to send write them
		// before the disk sync: with one P, a goroutine in a system call
		// keeps it until the call returns.
		runtime.Gosched()
		start := time.Now()
		err = s.store.Commit(b)
		s.m.commitSeconds.Observe(time.Since(start).Seconds())
		if err != nil {
			for _, pb := range group {
				p.suspect = append(p.suspect, pb.order...)
				for id := range pb.b.Creates {
					if p.created == nil {
						p.created = map[wire.DocID]string{}
					}
					p.created[id] = pb.b.Owners[id]
				}
			}
			p.failed.Store(&err)
		} else {
			s.m.committed(len(b.Entries))
		}
	}
	// Off the pipeline's books before anyone hears of the outcome: the
	// store counts what it stored from now on, and a writer that holds
	// its ack and pushes again must not find its bytes counted twice.
	for _, b := range group {
		p.settle(b)
	}
	for _, b := range group {
		p.w.finish(b, err)
		p.busy.Done()
	}
}

// settle takes b off the pipeline's books once it is stored or refused:
// a retried push of one of its records is then answered from the store.
func (p *pipeline) settle(b *prepared) {
	for _, id := range b.order {
		pd := b.docs[id]
		if pd.d == nil || len(pd.recs) == 0 {
			continue
		}
		pd.d.mu.Lock()
		for _, r := range pd.recs {
			delete(pd.d.inflight, devSeq{r.Device, r.DSeq})
		}
		pd.d.mu.Unlock()
	}
	p.mu.Lock()
	for id, n := range b.quota.docs {
		if p.docs[id] -= n; p.docs[id] <= 0 {
			delete(p.docs, id)
		}
	}
	for t, n := range b.quota.tokens {
		if p.tokens[t] -= n; p.tokens[t] <= 0 {
			delete(p.tokens, t)
		}
	}
	p.mu.Unlock()
}

// merged is the store batch of a group of batches, in order. A group of
// one is its batch as it is.
func merged(group []*prepared) relaystore.Batch {
	if len(group) == 1 {
		return group[0].b
	}
	out := relaystore.Batch{Creates: map[wire.DocID]relaystore.Doc{}, Owners: map[wire.DocID]string{}}
	for _, b := range group {
		out.Entries = append(out.Entries, b.b.Entries...)
		for id, d := range b.b.Creates {
			out.Creates[id] = d
		}
		for id, o := range b.b.Owners {
			out.Owners[id] = o
		}
	}
	return out
}
