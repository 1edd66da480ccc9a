package relaystore

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"pairwise/shared/wire"
)

func testCandidateAndPromote(t *testing.T, s stores) {
	st := s.open(t)
	doc, a := docID(6), devID(1)
	must(t, st.Commit(Batch{Creates: map[wire.DocID]Doc{doc: newDoc(6)},
		Entries: entries(doc, rec(1, a, 1, "1", true), rec(2, a, 2, "2", true), rec(3, a, 3, "3", true))}))
	if c, err := st.Candidate(doc); err != nil || c.Seq != 0 {
		t.Fatalf("candidate before any: %+v, %v", c, err)
	}
	cand := Snap{Seq: 3, Device: a, Sig: []byte("sig"), Body: []byte("state at 3")}
	must(t, st.PutCandidate(doc, cand))
	if c, err := st.Candidate(doc); err != nil || !sameSnap(c, cand) {
		t.Fatalf("candidate: %+v, %v; want %+v", c, err, cand)
	}
	if sn, _ := st.Snapshot(doc); sn.Seq != 0 {
		t.Fatalf("a waiting snapshot became the snapshot before confirmation: %+v", sn)
	}
	if d, _ := st.Doc(doc); d.SnapSeq != 0 {
		t.Fatalf("document with a waiting snapshot: %+v", d)
	}
	if u, _ := st.Usage(doc); u.Bytes != 3 {
		t.Errorf("a waiting snapshot counts in usage: %d bytes, want 3", u.Bytes)
	}
	if err := st.Promote(doc, 2); !errors.Is(err, ErrConflict) {
		t.Errorf("promoting a snapshot other than the one waiting: %v, want ErrConflict", err)
	}
	must(t, st.Promote(doc, 3))
	if sn, err := st.Snapshot(doc); err != nil || !sameSnap(sn, cand) {
		t.Fatalf("promoted snapshot: %+v, %v; want %+v", sn, err, cand)
	}
	if c, err := st.Candidate(doc); err != nil || c.Seq != 0 {
		t.Fatalf("candidate after promotion: %+v, %v; want none", c, err)
	}
	if d, _ := st.Doc(doc); d.SnapSeq != 3 {
		t.Fatalf("document after promotion: %+v", d)
	}
	if u, _ := st.Usage(doc); u.Bytes != 3+int64(len(cand.Body)) {
		t.Errorf("usage after promotion: %d bytes, want %d", u.Bytes, 3+len(cand.Body))
	}
	if err := st.Promote(doc, 3); err == nil {
		t.Error("promoting with no snapshot waiting succeeded")
	}
}

func testAuthors(t *testing.T, s stores) {
	st := s.open(t)
	doc, a, b, c := docID(7), devID(1), devID(2), devID(3)
	must(t, st.Commit(Batch{Creates: map[wire.DocID]Doc{doc: newDoc(7)}, Entries: entries(doc,
		rec(1, a, 1, "x", true), rec(2, c, 1, "x", false), rec(3, b, 1, "x", true), rec(4, a, 2, "x", true))}))
	for _, tc := range []struct {
		from, to uint64
		want     []wire.DeviceID
	}{
		{0, 4, []wire.DeviceID{a, b}}, // c's record carries no signature
		{1, 3, []wire.DeviceID{b}},
		{3, 4, []wire.DeviceID{a}},
		{0, 2, []wire.DeviceID{a}},
		{4, 9, nil},
	} {
		got, err := st.Authors(doc, tc.from, tc.to)
		must(t, err)
		if !slices.Equal(got, tc.want) {
			t.Errorf("authors of (%d, %d]: %x, want %x", tc.from, tc.to, got, tc.want)
		}
	}
}

func testCerts(t *testing.T, s stores) {
	st := s.open(t)
	doc := docID(8)
	must(t, st.Commit(Batch{Creates: map[wire.DocID]Doc{doc: newDoc(8)}}))
	c1, c2, c3 := []byte("certificate one"), []byte("certificate two"), []byte("certificate three")
	must(t, st.AddCerts(doc, [][]byte{c1, c2}))
	must(t, st.AddCerts(doc, [][]byte{c2, c3})) // c2 again: kept once
	got, err := st.Certs(doc)
	must(t, err)
	slices.SortFunc(got, bytes.Compare)
	want := [][]byte{c1, c3, c2}
	if !slices.EqualFunc(got, want, bytes.Equal) {
		t.Fatalf("certificates: %q, want %q", got, want)
	}
	if got, err := st.Certs(docID(99)); err != nil || len(got) != 0 {
		t.Fatalf("certificates of an unknown document: %q, %v", got, err)
	}
}

// Usage follows records, snapshots and pruning; a token's total is the
// sum of its documents; a deleted document leaves nothing behind.
func testUsageAndDelete(t *testing.T, s stores) {
	st := s.open(t)
	doc, other, orphan := docID(10), docID(11), docID(12)
	must(t, st.Commit(Batch{Creates: map[wire.DocID]Doc{doc: newDoc(10), other: newDoc(11), orphan: newDoc(12)},
		Owners: map[wire.DocID]string{doc: "tok-a", other: "tok-a"}}))
	if u, ok := st.Usage(doc); !ok || u.Owner != "tok-a" || u.Records != 0 || u.Bytes != 0 || !u.LastWrite.IsZero() {
		t.Fatalf("usage of a new document: %+v, %v", u, ok)
	}
	var b Batch
	for i := uint64(1); i <= 3; i++ {
		b.Entries = append(b.Entries, Entry{Doc: doc, Rec: wire.Record{Seq: i, DSeq: i, Body: make([]byte, 100)}})
	}
	b.Entries = append(b.Entries, Entry{Doc: other, Rec: wire.Record{Seq: 1, DSeq: 1, Body: make([]byte, 7), Sig: []byte("s")}})
	b.Entries = append(b.Entries, Entry{Doc: orphan, Rec: wire.Record{Seq: 1, DSeq: 1, Body: make([]byte, 20)}})
	b.Heads = map[wire.DocID]uint64{doc: 0, other: 0, orphan: 0}
	must(t, st.Commit(b))
	must(t, st.PutSnapshot(doc, Snap{Seq: 2, Body: make([]byte, 50)}))
	must(t, st.Prune(doc))
	u, ok := st.Usage(doc)
	if !ok || u.Owner != "tok-a" || u.Records != 1 || u.Bytes != 150 || u.LastWrite.IsZero() {
		t.Fatalf("usage: %+v, want tok-a's, 1 record, 150 bytes, a last write", u)
	}
	if got := st.OwnerBytes("tok-a"); got != 157 {
		t.Errorf("tok-a's documents hold %d bytes, want 157", got)
	}
	if got := st.OwnerBytes(""); got != 20 {
		t.Errorf("documents of no known token hold %d bytes, want 20", got)
	}
	if got := st.OwnerBytes("tok-b"); got != 0 {
		t.Errorf("a token with no documents holds %d bytes", got)
	}
	var order []wire.DocID
	for _, u := range st.Usages() {
		order = append(order, u.Doc)
	}
	if want := []wire.DocID{doc, orphan, other}; !slices.Equal(order, want) {
		t.Errorf("usages in order %x, want the largest first %x", order, want)
	}

	must(t, st.DeleteDoc(doc))
	if err := st.DeleteDoc(doc); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting twice: %v, want ErrNotFound", err)
	}
	if _, ok := st.Usage(doc); ok {
		t.Error("a deleted document still has usage")
	}
	if got := st.OwnerBytes("tok-a"); got != 7 {
		t.Errorf("after deleting, tok-a's documents hold %d bytes, want 7", got)
	}
	if _, err := st.Doc(doc); !errors.Is(err, ErrNotFound) {
		t.Errorf("a deleted document: %v, want ErrNotFound", err)
	}
	if got, _ := st.Read(doc, 0, 10, 1<<20); len(got) != 0 {
		t.Errorf("a deleted document's records remain: %v", seqs(got))
	}
	if sn, _ := st.Snapshot(doc); sn.Seq != 0 {
		t.Errorf("a deleted document's snapshot remains: %+v", sn)
	}
	if n, _ := st.DeviceSeq(doc, wire.DeviceID{}); n != 0 {
		t.Errorf("a deleted document's device sequence remains: %d", n)
	}
	if s := st.Stats(); s.Docs != 2 || s.Records != 2 || s.Bytes != 28 {
		t.Errorf("stats after delete: %+v, want 2 docs, 2 records, 28 bytes", s)
	}
	if len(st.Usages()) != 2 {
		t.Errorf("usages after delete: %+v", st.Usages())
	}
	if err := st.DeleteDoc(docID(99)); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting an unknown document: %v, want ErrNotFound", err)
	}
}

// A document deleted and created again under its ID has nothing of the
// old one: no records, device sequences, snapshot or certificates.
func testDeletedStartsAfresh(t *testing.T, s stores) {
	st := s.open(t)
	doc, a := docID(13), devID(1)
	must(t, st.Commit(Batch{Creates: map[wire.DocID]Doc{doc: newDoc(13)}, Entries: entries(doc, rec(1, a, 1, "old", true), rec(2, a, 2, "old", true))}))
	must(t, st.PutSnapshot(doc, Snap{Seq: 1, Body: []byte("old")}))
	must(t, st.PutCandidate(doc, Snap{Seq: 2, Body: []byte("old")}))
	must(t, st.AddCerts(doc, [][]byte{[]byte("old cert")}))
	must(t, st.DeleteDoc(doc))

	fresh := newDoc(14)
	must(t, st.Commit(Batch{Creates: map[wire.DocID]Doc{doc: fresh}, Entries: entries(doc, rec(1, a, 1, "new", true))}))
	if d, err := st.Doc(doc); err != nil || d.WriteHash != fresh.WriteHash || d.Head != 1 || d.SnapSeq != 0 {
		t.Fatalf("the document created again: %+v, %v", d, err)
	}
	got, err := st.Read(doc, 0, 10, 1<<20)
	must(t, err)
	checkRecords(t, got, rec(1, a, 1, "new", true))
	if n, _ := st.DeviceSeq(doc, a); n != 1 {
		t.Errorf("device sequence: %d, want 1", n)
	}
	if sn, _ := st.Snapshot(doc); sn.Seq != 0 {
		t.Errorf("the old snapshot came back: %+v", sn)
	}
	if c, _ := st.Candidate(doc); c.Seq != 0 {
		t.Errorf("the old waiting snapshot came back: %+v", c)
	}
	if c, _ := st.Certs(doc); len(c) != 0 {
		t.Errorf("the old certificates came back: %q", c)
	}
	if u, _ := st.Usage(doc); u.Records != 1 || u.Bytes != 3 {
		t.Errorf("usage: %+v, want 1 record of 3 bytes", u)
	}
}

// Everything acknowledged is there after the store is opened again.
func testDurable(t *testing.T, s stores) {
	st := s.open(t)
	doc, a := docID(15), devID(1)
	meta := newDoc(15)
	want := []wire.Record{rec(1, a, 1, "one", true), rec(2, a, 2, "two", true), rec(3, a, 3, "three", false)}
	must(t, st.Commit(Batch{Creates: map[wire.DocID]Doc{doc: meta}, Owners: map[wire.DocID]string{doc: "tok"}, Entries: entries(doc, want...)}))
	snap := Snap{Seq: 1, Device: a, Sig: []byte("sig"), Body: []byte("snap")}
	cand := Snap{Seq: 2, Device: a, Body: []byte("cand")}
	must(t, st.PutSnapshot(doc, snap))
	must(t, st.PutCandidate(doc, cand))
	must(t, st.AddCerts(doc, [][]byte{[]byte("cert")}))
	before := st.Stats()

	st = s.reopen(t, st)
	meta.Head, meta.SnapSeq = 3, 1
	if d, err := st.Doc(doc); err != nil || d != meta {
		t.Fatalf("after reopening: %+v, %v; want %+v", d, err, meta)
	}
	got, err := st.Read(doc, 0, 10, 1<<20)
	must(t, err)
	checkRecords(t, got, want...)
	if sn, _ := st.Snapshot(doc); !sameSnap(sn, snap) {
		t.Errorf("snapshot after reopening: %+v", sn)
	}
	if c, _ := st.Candidate(doc); !sameSnap(c, cand) {
		t.Errorf("waiting snapshot after reopening: %+v", c)
	}
	if c, _ := st.Certs(doc); len(c) != 1 || string(c[0]) != "cert" {
		t.Errorf("certificates after reopening: %q", c)
	}
	if n, _ := st.DeviceSeq(doc, a); n != 3 {
		t.Errorf("device sequence after reopening: %d", n)
	}
	if u, _ := st.Usage(doc); u.Owner != "tok" || u.Records != 3 || u.Bytes != int64(len("onetwothreesnap")) {
		t.Errorf("usage after reopening: %+v", u)
	}
	if after := st.Stats(); after != before {
		t.Errorf("stats after reopening: %+v, before %+v", after, before)
	}
}
