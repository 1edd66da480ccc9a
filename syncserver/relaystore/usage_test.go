package relaystore

import (
	"bytes"
	"io"
	"log/slog"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"pairwise/shared/wire"
)

func openTest(t *testing.T, dir string, log *slog.Logger) *Badger {
	t.Helper()
	st, err := OpenBadger(dir, log)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestUsageIsDurableMigratedAndDeleted: usage follows records, snapshots
// and pruning and survives a reopen; a store from before accounting gets
// its usage counted on open, with no owner; DeleteDoc leaves no key of the
// document behind.
func TestUsageIsDurableMigratedAndDeleted(t *testing.T) {
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st := openTest(t, dir, quiet)
	var doc, other wire.DocID
	doc[0], other[0] = 1, 2
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.Commit(Batch{Creates: map[wire.DocID]Doc{doc: {}, other: {}}, Owners: map[wire.DocID]string{doc: "tok-a", other: "tok-a"}}))
	var b Batch
	for i := uint64(1); i <= 3; i++ {
		b.Entries = append(b.Entries, Entry{Doc: doc, Rec: wire.Record{Seq: i, DSeq: i, Body: make([]byte, 100)}})
	}
	b.Entries = append(b.Entries, Entry{Doc: other, Rec: wire.Record{Seq: 1, DSeq: 1, Body: make([]byte, 7)}})
	must(st.Commit(b))
	must(st.PutSnapshot(doc, Snap{Seq: 2, Body: make([]byte, 50)}))
	must(st.Prune(doc))
	want := Usage{Doc: doc, Owner: "tok-a", Records: 1, Bytes: 150}
	check := func(st *Badger, owner string) {
		t.Helper()
		u, ok := st.Usage(doc)
		if !ok || u.Owner != owner || u.Records != want.Records || u.Bytes != want.Bytes {
			t.Fatalf("usage %+v, want owner %q, %d records, %d bytes", u, owner, want.Records, want.Bytes)
		}
		if u.LastWrite.IsZero() != (owner == "") {
			t.Errorf("last write %v", u.LastWrite)
		}
		if got := st.OwnerBytes(owner); got != 157 {
			t.Errorf("owner %q holds %d bytes, want 157", owner, got)
		}
	}
	check(st, "tok-a")
	must(st.Close())
	st = openTest(t, dir, quiet)
	check(st, "tok-a")

	// As a relay from before accounting left it.
	must(st.db.Update(func(txn *badger.Txn) error {
		for _, id := range []wire.DocID{doc, other} {
			for _, k := range []byte{kOwner, kUsage, kPruned} {
				if err := txn.Delete(key(k, id)); err != nil {
					return err
				}
			}
		}
		return nil
	}))
	must(st.Close())
	var logs bytes.Buffer
	st = openTest(t, dir, slog.New(slog.NewTextHandler(&logs, nil)))
	check(st, "")
	if !bytes.Contains(logs.Bytes(), []byte("documents=2")) {
		t.Errorf("the migration is not in the log:\n%s", logs.String())
	}

	must(st.DeleteDoc(doc))
	if err := st.DeleteDoc(doc); err != ErrNotFound {
		t.Errorf("deleting twice: %v, want ErrNotFound", err)
	}
	if _, ok := st.Usage(doc); ok {
		t.Error("a deleted document still has usage")
	}
	must(st.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if k := it.Item().Key(); len(k) >= 17 && bytes.Equal(k[1:17], doc[:]) {
				t.Errorf("key %q of the deleted document remains", k)
			}
		}
		return nil
	}))
	if s := st.Stats(); s.Docs != 1 || s.Records != 1 || s.Bytes != 7 {
		t.Errorf("stats after delete: %+v, want 1 doc, 1 record, 7 bytes", s)
	}
	if _, err := st.Doc(other); err != nil {
		t.Errorf("the other document: %v", err)
	}
	must(st.Close())
}
