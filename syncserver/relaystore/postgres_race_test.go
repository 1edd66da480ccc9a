package relaystore

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"pairwise/shared/wire"
	"pairwise/syncserver/pgtest"
)

// Two instances on one database, each numbering records from the heads
// it read, as two relays behind one address do.

// Each round both instances read the heads of two documents and then
// commit a record to each (listing the documents in opposite orders):
// exactly one wins, the other gets ErrConflict and none of its batch is
// stored.
func TestPostgresConcurrentCommitsOneWinsEachRound(t *testing.T) {
	url := pgtest.Start(t)
	insts := []*Postgres{openPG(t, url), openPG(t, url)}
	x, y := docID(1), docID(2)
	must(t, insts[0].Commit(Batch{Creates: map[wire.DocID]Doc{x: newDoc(1), y: newDoc(2)}}))
	devs := []wire.DeviceID{devID(1), devID(2)}
	var stored [2]uint64 // each device's records stored, per document
	const rounds = 40
	for round := 1; round <= rounds; round++ {
		var read, done sync.WaitGroup
		start := make(chan struct{})
		var errs [2]error
		read.Add(2)
		done.Add(2)
		for i := range insts {
			go func() {
				defer done.Done()
				hx, err1 := insts[i].Doc(x)
				hy, err2 := insts[i].Doc(y)
				read.Done()
				<-start
				if err := errors.Join(err1, err2); err != nil {
					errs[i] = err
					return
				}
				body := fmt.Sprintf("round %d by %d", round, i)
				ex := Entry{Doc: x, Rec: wire.Record{Seq: hx.Head + 1, Device: devs[i], DSeq: stored[i] + 1, Body: []byte(body)}}
				ey := Entry{Doc: y, Rec: wire.Record{Seq: hy.Head + 1, Device: devs[i], DSeq: stored[i] + 1, Body: []byte(body)}}
				b := Batch{Entries: []Entry{ex, ey}, Heads: map[wire.DocID]uint64{x: hx.Head, y: hy.Head}}
				if i == 1 {
					b.Entries = []Entry{ey, ex}
				}
				errs[i] = insts[i].Commit(b)
			}()
		}
		read.Wait()
		close(start)
		done.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: both commits returned alike (%v, %v); want one to win", round, errs[0], errs[1])
		}
		w, l := 0, 1
		if errs[0] != nil {
			w, l = 1, 0
		}
		if !errors.Is(errs[l], ErrConflict) {
			t.Fatalf("round %d: the losing commit returned %v, want ErrConflict", round, errs[l])
		}
		stored[w]++
		for _, id := range []wire.DocID{x, y} {
			if n, _ := insts[w].DeviceSeq(id, devs[l]); n != stored[l] {
				t.Fatalf("round %d: the loser's device sequence is %d, want %d", round, n, stored[l])
			}
			if n, _ := insts[w].SeqOf(id, devs[l], stored[l]+1); n != 0 {
				t.Fatalf("round %d: the loser's record is stored at %d", round, n)
			}
		}
	}
	for _, id := range []wire.DocID{x, y} {
		checkDense(t, insts[1], id, rounds)
	}
}

// checkDense reads a document's whole log and checks that it runs 1..head
// with no gap and that each device's records run 1, 2, 3… in log order.
func checkDense(t *testing.T, st Store, id wire.DocID, head uint64) {
	t.Helper()
	if d, err := st.Doc(id); err != nil || d.Head != head {
		t.Fatalf("document %x: %+v, %v; want head %d", id[:1], d, err, head)
	}
	recs, err := st.Read(id, 0, int(head)+10, 1<<30)
	must(t, err)
	next := map[wire.DeviceID]uint64{}
	for i, r := range recs {
		if r.Seq != uint64(i+1) {
			t.Fatalf("document %x: record %d has sequence %d", id[:1], i+1, r.Seq)
		}
		if r.DSeq != next[r.Device]+1 {
			t.Fatalf("document %x: record %d is device %x's change %d, want %d", id[:1], r.Seq, r.Device[:1], r.DSeq, next[r.Device]+1)
		}
		next[r.Device] = r.DSeq
	}
	if uint64(len(recs)) != head {
		t.Fatalf("document %x: %d records, want %d", id[:1], len(recs), head)
	}
}

// As the relay does: on ErrConflict, read the head again and renumber.
// Both instances push all their changes; the log ends dense with every
// change once.
func TestPostgresConflictingWritersConverge(t *testing.T) {
	url := pgtest.Start(t)
	insts := []*Postgres{openPG(t, url), openPG(t, url)}
	doc := docID(3)
	must(t, insts[0].Commit(Batch{Creates: map[wire.DocID]Doc{doc: newDoc(3)}}))
	const each = 60
	var wg sync.WaitGroup
	conflicts := make([]int, len(insts))
	errs := make([]error, len(insts))
	for i, st := range insts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dev := devID(byte(i + 1))
			for n := uint64(1); n <= each; {
				d, err := st.Doc(doc)
				if err != nil {
					errs[i] = err
					return
				}
				err = st.Commit(Batch{Entries: entries(doc, wire.Record{Seq: d.Head + 1, Device: dev, DSeq: n, Body: []byte("x")}),
					Heads: map[wire.DocID]uint64{doc: d.Head}})
				switch {
				case errors.Is(err, ErrConflict):
					conflicts[i]++
				case err != nil:
					errs[i] = err
					return
				default:
					n++
				}
			}
		}()
	}
	wg.Wait()
	must(t, errors.Join(errs...))
	checkDense(t, insts[0], doc, 2*each)
	t.Logf("conflicts: %v", conflicts)
}

// A change stored already, by (device, device sequence), is not stored
// again under a new number, even after the record was pruned; a
// document is created once; a batch with one conflict stores nothing.
func TestPostgresTakenChangesAndDocumentsConflict(t *testing.T) {
	url := pgtest.Start(t)
	a, b := openPG(t, url), openPG(t, url)
	doc, other, dev := docID(4), docID(5), devID(1)
	must(t, a.Commit(Batch{Creates: map[wire.DocID]Doc{doc: newDoc(4), other: newDoc(5)}, Entries: entries(doc, rec(1, dev, 1, "first", true))}))

	conflict := func(what string, batch Batch) {
		t.Helper()
		if err := b.Commit(batch); !errors.Is(err, ErrConflict) {
			t.Fatalf("%s: %v, want ErrConflict", what, err)
		}
		checkDense(t, b, doc, 1)
		if d, _ := b.Doc(other); d.Head != 0 {
			t.Fatalf("%s: the batch's other document moved to %d", what, d.Head)
		}
	}
	heads := map[wire.DocID]uint64{doc: 1, other: 0}
	conflict("the same change again", Batch{Entries: entries(doc, rec(2, dev, 1, "first", true)), Heads: heads})
	conflict("a stale head", Batch{Entries: entries(doc, rec(1, devID(2), 1, "x", true)), Heads: map[wire.DocID]uint64{doc: 0}})
	conflict("a taken sequence number without heads", Batch{Entries: entries(doc, rec(1, devID(2), 1, "x", true))})
	conflict("one conflict in a batch of two documents", Batch{
		Entries: append(entries(other, rec(1, devID(2), 1, "fine", true)), entries(doc, rec(2, dev, 1, "again", true))...), Heads: heads})
	conflict("creating a document that exists", Batch{Creates: map[wire.DocID]Doc{doc: newDoc(9)}})
	if d, _ := b.Doc(doc); d.WriteHash != newDoc(4).WriteHash {
		t.Fatalf("creating again replaced the document: %+v", d)
	}

	must(t, a.PutSnapshot(doc, Snap{Seq: 1, Body: []byte("s")}))
	must(t, a.Prune(doc))
	if n, _ := b.SeqOf(doc, dev, 1); n != 0 {
		t.Fatalf("the pruned record is still found at %d", n)
	}
	if err := b.Commit(Batch{Entries: entries(doc, rec(2, dev, 1, "first", true)), Heads: heads}); !errors.Is(err, ErrConflict) {
		t.Fatalf("a pruned change again: %v, want ErrConflict", err)
	}
	if d, _ := b.Doc(doc); d.Head != 1 {
		t.Fatalf("a pruned change stored again: head %d", d.Head)
	}

	// Both create one document at once: one wins, with its own metadata.
	z := docID(6)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, st := range []*Postgres{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.Commit(Batch{Creates: map[wire.DocID]Doc{z: newDoc(byte(20 + i))}, Entries: entries(z, rec(1, devID(byte(i)), 1, "x", true))})
		}()
	}
	wg.Wait()
	w := 0
	if errs[0] != nil {
		w = 1
	}
	if errs[w] != nil || !errors.Is(errs[1-w], ErrConflict) {
		t.Fatalf("creating one document from two instances: %v, %v; want one success and ErrConflict", errs[0], errs[1])
	}
	if d, _ := a.Doc(z); d.WriteHash != newDoc(byte(20+w)).WriteHash || d.Head != 1 {
		t.Fatalf("the created document is not the winner's: %+v", d)
	}
	if r, _ := a.Record(z, 1); r.Device != devID(byte(w)) {
		t.Fatalf("the created document's record is not the winner's: %+v", r)
	}
}
