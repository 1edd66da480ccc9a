package relaystore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"pairwise/shared/wire"
	"pairwise/syncserver/pgtest"
)

// The store conformance suite: the behaviour the relay relies on, checked
// with the same test functions against every Store. Behaviour only one
// store has (Badger's disk-full refusal, PostgreSQL's conflicts between
// instances) is tested beside that store.

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// stores makes stores of one kind for the suite.
type stores struct {
	// open returns a new, empty store, closed when the test ends.
	open func(t *testing.T) Store
	// reopen closes st and opens what it holds again.
	reopen func(t *testing.T, st Store) Store
}

// onceClose lets a test close a store that its cleanup closes again.
type onceClose struct {
	Store
	once sync.Once
	err  error
}

func (o *onceClose) Close() error {
	o.once.Do(func() { o.err = o.Store.Close() })
	return o.err
}

// logTo sends a store's log to the test's, shown when it fails.
func logTo(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// managed wraps a store so its test's cleanup closes it.
func managed(t *testing.T, st Store) Store {
	o := &onceClose{Store: st}
	t.Cleanup(func() {
		if err := o.Close(); err != nil {
			t.Errorf("closing the store: %v", err)
		}
	})
	return o
}

func badgerStores() stores {
	var mu sync.Mutex
	dirs := map[Store]string{}
	openAt := func(t *testing.T, dir string) Store {
		st, err := OpenBadger(dir, logTo(t))
		if err != nil {
			t.Fatal(err)
		}
		m := managed(t, st)
		mu.Lock()
		dirs[m] = dir
		mu.Unlock()
		return m
	}
	return stores{
		open: func(t *testing.T) Store { return openAt(t, filepath.Join(t.TempDir(), "store")) },
		reopen: func(t *testing.T, st Store) Store {
			mu.Lock()
			dir := dirs[st]
			mu.Unlock()
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			return openAt(t, dir)
		},
	}
}

// openPG opens a Postgres store on url, closed when the test ends.
func openPG(t *testing.T, url string) *Postgres {
	t.Helper()
	st, err := OpenPostgres(context.Background(), url, logTo(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func postgresStores() stores {
	var mu sync.Mutex
	urls := map[Store]string{}
	openAt := func(t *testing.T, url string) Store {
		st, err := OpenPostgres(context.Background(), url, logTo(t))
		if err != nil {
			t.Fatal(err)
		}
		m := managed(t, st)
		mu.Lock()
		urls[m] = url
		mu.Unlock()
		return m
	}
	return stores{
		open: func(t *testing.T) Store { return openAt(t, pgtest.Start(t)) },
		reopen: func(t *testing.T, st Store) Store {
			mu.Lock()
			url := urls[st]
			mu.Unlock()
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			return openAt(t, url)
		},
	}
}

var conformance = []struct {
	name string
	test func(t *testing.T, s stores)
}{
	{"DocsAndRecords", testDocsAndRecords},
	{"ReadLimits", testReadLimits},
	{"CommitToMissingDocumentStoresNothing", testCommitToMissingDoc},
	{"SnapshotAndPrune", testSnapshotAndPrune},
	{"CandidateAndPromote", testCandidateAndPromote},
	{"Authors", testAuthors},
	{"Certs", testCerts},
	{"UsageAndDelete", testUsageAndDelete},
	{"DeletedDocumentStartsAfresh", testDeletedStartsAfresh},
	{"Durable", testDurable},
}

func TestConformance(t *testing.T) {
	kinds := []struct {
		name string
		s    stores
	}{{"badger", badgerStores()}, {"postgres", postgresStores()}}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			for _, c := range conformance {
				t.Run(c.name, func(t *testing.T) { c.test(t, k.s) })
			}
		})
	}
}

// Fixtures.

func docID(n byte) wire.DocID {
	var id wire.DocID
	id[0], id[15] = n, n*7
	return id
}

func devID(n byte) wire.DeviceID {
	var d wire.DeviceID
	d[0], d[15] = n, 0xd0
	return d
}

func newDoc(n byte) Doc {
	var d Doc
	for i := range d.WriteHash {
		d.WriteHash[i], d.ReadHash[i], d.Root[i] = n, n+1, n+2
	}
	return d
}

func rec(seq uint64, dev wire.DeviceID, dseq uint64, body string, signed bool) wire.Record {
	r := wire.Record{Seq: seq, Device: dev, DSeq: dseq, Body: []byte(body)}
	if signed {
		r.Sig = bytes.Repeat([]byte{byte(seq)}, 64)
	}
	return r
}

func entries(doc wire.DocID, recs ...wire.Record) []Entry {
	out := make([]Entry, len(recs))
	for i, r := range recs {
		out[i] = Entry{Doc: doc, Rec: r}
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func sameRecord(a, b wire.Record) bool {
	return a.Seq == b.Seq && a.Device == b.Device && a.DSeq == b.DSeq && bytes.Equal(a.Body, b.Body) &&
		bytes.Equal(a.Sig, b.Sig) && (a.Sig == nil) == (len(b.Sig) == 0)
}

func checkRecords(t *testing.T, got []wire.Record, want ...wire.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records %v, want %d", len(got), seqs(got), len(want))
	}
	for i := range want {
		if !sameRecord(got[i], want[i]) {
			t.Fatalf("record %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func seqs(recs []wire.Record) []uint64 {
	var out []uint64
	for _, r := range recs {
		out = append(out, r.Seq)
	}
	return out
}

func sameSnap(a, b Snap) bool {
	return a.Seq == b.Seq && a.Device == b.Device && bytes.Equal(a.Body, b.Body) && bytes.Equal(a.Sig, b.Sig)
}

func testDocsAndRecords(t *testing.T, s stores) {
	st := s.open(t)
	doc, meta := docID(1), newDoc(1)
	if _, err := st.Doc(doc); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an unknown document: %v, want ErrNotFound", err)
	}
	must(t, st.Commit(Batch{Creates: map[wire.DocID]Doc{doc: meta}, Owners: map[wire.DocID]string{doc: "tok"}}))
	if d, err := st.Doc(doc); err != nil || d != meta {
		t.Fatalf("created document: %+v, %v; want %+v", d, err, meta)
	}
	a, b := devID(1), devID(2)
	want := []wire.Record{rec(1, a, 1, "one", true), rec(2, b, 1, "two", true), rec(3, a, 2, "", true), rec(4, b, 2, "four", false), rec(5, a, 3, "five", true)}
	must(t, st.Commit(Batch{Entries: entries(doc, want[:2]...), Heads: map[wire.DocID]uint64{doc: 0}}))
	must(t, st.Commit(Batch{Entries: entries(doc, want[2:]...), Heads: map[wire.DocID]uint64{doc: 2}}))
	if d, err := st.Doc(doc); err != nil || d.Head != 5 || d.SnapSeq != 0 || d.Root != meta.Root {
		t.Fatalf("after 5 records: %+v, %v", d, err)
	}
	got, err := st.Read(doc, 0, 100, 1<<20)
	must(t, err)
	checkRecords(t, got, want...)
	got, err = st.Read(doc, 2, 2, 1<<20)
	must(t, err)
	checkRecords(t, got, want[2:4]...)
	r, err := st.Record(doc, 4)
	if err != nil || !sameRecord(r, want[3]) {
		t.Fatalf("record 4: %+v, %v", r, err)
	}
	if _, err := st.Record(doc, 6); !errors.Is(err, ErrNotFound) {
		t.Fatalf("record beyond the head: %v, want ErrNotFound", err)
	}
	for _, c := range []struct {
		dev  wire.DeviceID
		want uint64
	}{{a, 3}, {b, 2}, {devID(9), 0}} {
		if n, err := st.DeviceSeq(doc, c.dev); err != nil || n != c.want {
			t.Errorf("device sequence of %x: %d, %v; want %d", c.dev[:1], n, err, c.want)
		}
	}
	if n, err := st.SeqOf(doc, a, 2); err != nil || n != 3 {
		t.Errorf("sequence of device a's second record: %d, %v; want 3", n, err)
	}
	if n, err := st.SeqOf(doc, a, 9); err != nil || n != 0 {
		t.Errorf("sequence of a record never sent: %d, %v; want 0", n, err)
	}
	if got, err := st.Read(docID(9), 0, 10, 1<<20); err != nil || len(got) != 0 {
		t.Errorf("reading an unknown document: %v, %v; want nothing", got, err)
	}
}

func testReadLimits(t *testing.T, s stores) {
	st := s.open(t)
	doc := docID(2)
	var all []wire.Record
	for i := uint64(1); i <= 10; i++ {
		all = append(all, rec(i, devID(1), i, strings.Repeat("x", 100), true))
	}
	must(t, st.Commit(Batch{Creates: map[wire.DocID]Doc{doc: newDoc(2)}, Entries: entries(doc, all...)}))
	for _, c := range []struct {
		from          uint64
		max, maxBytes int
		want          []uint64
	}{
		{0, 3, 1 << 20, []uint64{1, 2, 3}},
		{0, 100, 250, []uint64{1, 2, 3}}, // stops after the record that reaches the limit
		{0, 100, 300, []uint64{1, 2, 3}},
		{0, 100, 301, []uint64{1, 2, 3, 4}},
		{0, 100, 1, []uint64{1}},
		{4, 100, 0, []uint64{5}}, // always one, if there is one
		{0, 0, 1 << 20, nil},
		{8, 100, 1 << 20, []uint64{9, 10}},
		{10, 100, 1 << 20, nil},
		{20, 100, 1 << 20, nil},
	} {
		got, err := st.Read(doc, c.from, c.max, c.maxBytes)
		must(t, err)
		if !slices.Equal(seqs(got), c.want) {
			t.Errorf("Read(from %d, max %d, %d bytes): got %v, want %v", c.from, c.max, c.maxBytes, seqs(got), c.want)
		}
	}
}

func testCommitToMissingDoc(t *testing.T, s stores) {
	st := s.open(t)
	missing, created := docID(3), docID(4)
	err := st.Commit(Batch{
		Creates: map[wire.DocID]Doc{created: newDoc(4)},
		Entries: append(entries(created, rec(1, devID(1), 1, "a", true)), entries(missing, rec(1, devID(1), 1, "b", true))...),
	})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("a batch writing a document that is not there: %v, want ErrNotFound", err)
	}
	for _, id := range []wire.DocID{missing, created} {
		if _, err := st.Doc(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("after the refused batch, document %x: %v; want ErrNotFound", id[:1], err)
		}
		if got, _ := st.Read(id, 0, 10, 1<<20); len(got) != 0 {
			t.Errorf("after the refused batch, document %x has records %v", id[:1], seqs(got))
		}
	}
	if n := st.Stats(); n.Docs != 0 || n.Records != 0 {
		t.Errorf("after the refused batch: %+v, want nothing", n)
	}
}

func testSnapshotAndPrune(t *testing.T, s stores) {
	st := s.open(t)
	doc, a := docID(5), devID(1)
	var all []wire.Record
	for i := uint64(1); i <= 6; i++ {
		all = append(all, rec(i, a, i, fmt.Sprintf("body %d", i), true))
	}
	must(t, st.Commit(Batch{Creates: map[wire.DocID]Doc{doc: newDoc(5)}, Entries: entries(doc, all...)}))
	if sn, err := st.Snapshot(doc); err != nil || sn.Seq != 0 {
		t.Fatalf("snapshot before any: %+v, %v; want none", sn, err)
	}
	snap := Snap{Seq: 4, Device: a, Sig: []byte("signature"), Body: []byte("state at 4")}
	must(t, st.PutSnapshot(doc, snap))
	if got, err := st.Snapshot(doc); err != nil || !sameSnap(got, snap) {
		t.Fatalf("snapshot: %+v, %v; want %+v", got, err, snap)
	}
	if d, _ := st.Doc(doc); d.SnapSeq != 4 || d.Head != 6 {
		t.Fatalf("document after the snapshot: %+v", d)
	}
	if got, _ := st.Read(doc, 0, 10, 1<<20); len(got) != 6 {
		t.Fatalf("records before pruning: %v, want all 6", seqs(got))
	}
	must(t, st.Prune(doc))
	must(t, st.Prune(doc)) // nothing more to do
	got, err := st.Read(doc, 0, 10, 1<<20)
	must(t, err)
	checkRecords(t, got, all[4:]...)
	if _, err := st.Record(doc, 4); !errors.Is(err, ErrNotFound) {
		t.Errorf("a pruned record: %v, want ErrNotFound", err)
	}
	if n, err := st.SeqOf(doc, a, 2); err != nil || n != 0 {
		t.Errorf("sequence of a pruned record: %d, %v; want 0", n, err)
	}
	if n, err := st.SeqOf(doc, a, 5); err != nil || n != 5 {
		t.Errorf("sequence of a kept record: %d, %v; want 5", n, err)
	}
	if n, err := st.DeviceSeq(doc, a); err != nil || n != 6 {
		t.Errorf("device sequence after pruning: %d, %v; want 6", n, err)
	}
	wantBytes := int64(len("body 5") + len("body 6") + len("state at 4"))
	if u, ok := st.Usage(doc); !ok || u.Records != 2 || u.Bytes != wantBytes {
		t.Errorf("usage after pruning: %+v, want 2 records, %d bytes", u, wantBytes)
	}
	stored := wantBytes + 64*2 + int64(len("signature"))
	if n := st.Stats(); n.Docs != 1 || n.Records != 2 || n.Bytes != stored {
		t.Errorf("stats after pruning: %+v, want 1 doc, 2 records, %d bytes", n, stored)
	}
	// A later snapshot replaces it.
	snap2 := Snap{Seq: 6, Device: devID(2), Body: []byte("state at 6")}
	must(t, st.PutSnapshot(doc, snap2))
	if got, err := st.Snapshot(doc); err != nil || !sameSnap(got, snap2) || got.Sig != nil {
		t.Fatalf("replaced snapshot: %+v, %v; want %+v", got, err, snap2)
	}
	must(t, st.Prune(docID(99))) // an unknown document: nothing to do
}
