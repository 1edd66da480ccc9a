package relaystore

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"pairwise/shared/wire"
	"pairwise/syncserver/pgtest"
)

// A snapshot replaces the current one only if it covers more and no more
// than the head, whichever instance stored the current one; a waiting
// snapshot overtaken by the current one is not promoted.
func TestPostgresSnapshotRules(t *testing.T) {
	url := pgtest.Start(t)
	a, b := openPG(t, url), openPG(t, url)
	doc, dev := docID(7), devID(1)
	must(t, a.Commit(Batch{Creates: map[wire.DocID]Doc{doc: newDoc(7)}}))
	stale := func(what string, err error, want uint64) {
		t.Helper()
		if !errors.Is(err, ErrConflict) {
			t.Fatalf("%s: %v, want ErrConflict", what, err)
		}
		if sn, _ := a.Snapshot(doc); sn.Seq != want {
			t.Fatalf("%s: the snapshot is at %d now, want %d", what, sn.Seq, want)
		}
	}
	stale("a snapshot beyond the head", b.PutSnapshot(doc, Snap{Seq: 1, Body: []byte("x")}), 0)
	var recs []wire.Record
	for i := uint64(1); i <= 10; i++ {
		recs = append(recs, rec(i, dev, i, "r", true))
	}
	must(t, a.Commit(Batch{Entries: entries(doc, recs...), Heads: map[wire.DocID]uint64{doc: 0}}))
	must(t, a.PutSnapshot(doc, Snap{Seq: 5, Body: []byte("at 5")}))
	stale("an older snapshot from the other instance", b.PutSnapshot(doc, Snap{Seq: 3, Body: []byte("at 3")}), 5)
	stale("the same sequence again", b.PutSnapshot(doc, Snap{Seq: 5, Body: []byte("at 5 again")}), 5)
	stale("a waiting snapshot below the current one", b.PutCandidate(doc, Snap{Seq: 4}), 5)
	must(t, b.PutCandidate(doc, Snap{Seq: 8, Body: []byte("cand 8")}))
	stale("a waiting snapshot below the waiting one", a.PutCandidate(doc, Snap{Seq: 7}), 5)
	stale("a waiting snapshot beyond the head", a.PutCandidate(doc, Snap{Seq: 11}), 5)
	must(t, b.PutSnapshot(doc, Snap{Seq: 9, Body: []byte("at 9")}))
	stale("promoting a waiting snapshot the current one overtook", a.Promote(doc, 8), 9)
	if sn, _ := a.Snapshot(doc); string(sn.Body) != "at 9" {
		t.Fatalf("snapshot body %q, want the one at 9", sn.Body)
	}
	if u, _ := b.Usage(doc); u.Bytes != 10+4 {
		t.Fatalf("usage %d bytes, want 14: the refused snapshots count for nothing", u.Bytes)
	}
}

// Two instances store snapshots and prune while records are appended:
// the snapshot ends as the highest one stored, every record above it is
// kept, and the usage counted in the database matches what is there.
func TestPostgresSnapshotsAndPruningRace(t *testing.T) {
	url := pgtest.Start(t)
	a, b := openPG(t, url), openPG(t, url)
	doc, dev := docID(8), devID(1)
	must(t, a.Commit(Batch{Creates: map[wire.DocID]Doc{doc: newDoc(8)}, Owners: map[wire.DocID]string{doc: "tok"}}))
	const records = 150
	var wg sync.WaitGroup
	var mu sync.Mutex
	var best uint64 // highest snapshot stored
	errs := make(chan error, 8)
	report := func(err error) { // never blocks: the first few errors are enough
		select {
		case errs <- err:
		default:
		}
	}
	stop := make(chan struct{})

	wg.Add(1)
	go func() { // the writer
		defer wg.Done()
		defer close(stop)
		for i := uint64(1); i <= records; i++ {
			r := rec(i, dev, i, fmt.Sprintf("record %d", i), true)
			if err := a.Commit(Batch{Entries: entries(doc, r), Heads: map[wire.DocID]uint64{doc: i - 1}}); err != nil {
				report(err)
				return
			}
		}
	}()
	for i, st := range []*Postgres{a, b} {
		wg.Add(2)
		go func() { // a snapshotter on each instance
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 9))
			for {
				select {
				case <-stop:
					return
				default:
				}
				d, err := st.Doc(doc)
				if err != nil {
					report(err)
					return
				}
				// Trailing the head by 20 at least, so records stay above
				// the snapshot, and now and then beyond it.
				seq := d.Head + records
				if d.Head > d.SnapSeq+20 && rng.IntN(8) > 0 {
					seq = d.SnapSeq + 1 + rng.Uint64N(d.Head-20-d.SnapSeq)
				}
				// Only a snapshot stored before this put began must stop
				// it: one stored meanwhile, by the other instance, may
				// have been committed after it and reported before it.
				mu.Lock()
				before := best
				mu.Unlock()
				err = st.PutSnapshot(doc, Snap{Seq: seq, Device: dev, Body: fmt.Appendf(nil, "snapshot %d", seq)})
				switch {
				case err == nil:
					mu.Lock()
					if seq <= before {
						report(fmt.Errorf("a snapshot at %d replaced one at %d stored before it was put", seq, before))
					}
					best = max(best, seq)
					mu.Unlock()
				case !errors.Is(err, ErrConflict):
					report(err)
					return
				}
			}
		}()
		go func() { // a pruner on each instance
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := st.Prune(doc); err != nil {
					report(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	must(t, b.Prune(doc))

	fresh := openPG(t, url) // nothing cached
	d, err := fresh.Doc(doc)
	must(t, err)
	sn, err := fresh.Snapshot(doc)
	must(t, err)
	if d.Head != records || d.SnapSeq != best || sn.Seq != best || string(sn.Body) != fmt.Sprintf("snapshot %d", best) {
		t.Fatalf("after the race: %+v, snapshot %d %q; want head %d and the highest snapshot stored, %d", d, sn.Seq, sn.Body, records, best)
	}
	recs, err := fresh.Read(doc, 0, records+10, 1<<30)
	must(t, err)
	if uint64(len(recs)) != records-best {
		t.Fatalf("%d records kept, want the %d above the snapshot", len(recs), records-best)
	}
	bytes := int64(len(sn.Body))
	for i, r := range recs {
		if r.Seq != best+uint64(i)+1 || string(r.Body) != fmt.Sprintf("record %d", r.Seq) {
			t.Fatalf("kept record %d: %+v", i, r)
		}
		bytes += int64(len(r.Body))
	}
	if u, _ := fresh.Usage(doc); u.Records != int64(len(recs)) || u.Bytes != bytes {
		t.Fatalf("usage %+v, want %d records of %d bytes", u, len(recs), bytes)
	}
	if n := fresh.OwnerBytes("tok"); n != bytes {
		t.Fatalf("the token's documents hold %d bytes, want %d", n, bytes)
	}
	t.Logf("snapshot at %d of %d", best, records)
}
