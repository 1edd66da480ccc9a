package relaystore

import (
	"bytes"
	"encoding/binary"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"pairwise/shared/wire"
)

// writeV1 lays down a folder as a relay of format 1 left it: 80-byte
// document entries, records of device, dseq and body, and a snapshot of
// seq and body.
func writeV1(t *testing.T, dir string, doc wire.DocID, dev wire.DeviceID, n int) {
	t.Helper()
	writeV1Bodies(t, dir, doc, dev, n, func(i int) []byte { return []byte("sealed body " + string(rune('a'+i))) })
}

// writeV1Bodies is writeV1 with record i's body from body(i).
func writeV1Bodies(t *testing.T, dir string, doc wire.DocID, dev wire.DeviceID, n int, body func(int) []byte) {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(txn *badger.Txn) error {
		if err := txn.Set(keyFormat, []byte(formatV1)); err != nil {
			return err
		}
		meta := make([]byte, metaLenV1)
		meta[0] = 0xaa
		binary.BigEndian.PutUint64(meta[64:], uint64(n))
		binary.BigEndian.PutUint64(meta[72:], 2)
		if err := txn.Set(key(kMeta, doc), meta); err != nil {
			return err
		}
		for i := 1; i <= n; i++ {
			v := append(append([]byte{}, dev[:]...), u64(uint64(i))...)
			v = append(v, body(i)...)
			if err := txn.Set(key(kRecord, doc, u64(uint64(i))), v); err != nil {
				return err
			}
			if err := txn.Set(key(kIndex, doc, dev[:], u64(uint64(i))), u64(uint64(i))); err != nil {
				return err
			}
		}
		if err := txn.Set(key(kDevice, doc, dev[:]), u64(uint64(n))); err != nil {
			return err
		}
		return txn.Set(key(kSnap, doc), append(u64(2), []byte("old snapshot")...))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A relay of the previous version is migrated on its first start: every
// record and the snapshot read back as they were, with no signature, and
// the document has no root, so it keeps the old rule for writers.
func TestFormat1FolderIsMigrated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	var doc wire.DocID
	var dev wire.DeviceID
	doc[0], dev[0] = 7, 8
	const n = 1200 // more than one migration batch
	writeV1(t, dir, doc, dev, n)

	var logs bytes.Buffer
	st, err := OpenBadger(dir, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(logs.Bytes(), []byte("migrating")) {
		t.Errorf("the migration is not in the log:\n%s", logs.String())
	}
	check := func(st *Badger) {
		t.Helper()
		d, err := st.Doc(doc)
		if err != nil {
			t.Fatal(err)
		}
		if d.Head != n || d.SnapSeq != 2 || d.WriteHash[0] != 0xaa || d.Root != ([32]byte{}) {
			t.Fatalf("document after migration: %+v", d)
		}
		recs, err := st.Read(doc, 0, n+10, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != n {
			t.Fatalf("got %d records, want %d", len(recs), n)
		}
		for i, r := range recs {
			want := "sealed body " + string(rune('a'+i+1))
			if r.Seq != uint64(i+1) || r.Device != dev || r.DSeq != uint64(i+1) || string(r.Body) != want || r.Sig != nil {
				t.Fatalf("record %d after migration: %+v, want body %q", i+1, r, want)
			}
		}
		snap, err := st.Snapshot(doc)
		if err != nil || snap.Seq != 2 || string(snap.Body) != "old snapshot" || snap.Sig != nil {
			t.Fatalf("snapshot after migration: %+v, %v", snap, err)
		}
		// Records from before signatures hold back no snapshot.
		if a, err := st.Authors(doc, 2, n); err != nil || len(a) != 0 {
			t.Fatalf("authors of unsigned records: %v, %v", a, err)
		}
	}
	check(st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// Opening again migrates nothing twice.
	logs.Reset()
	if st, err = OpenBadger(dir, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if bytes.Contains(logs.Bytes(), []byte("migrating")) {
		t.Error("a migrated folder was migrated again")
	}
	check(st)
}

// A migration cut short carries on where it stopped, rewriting no value
// twice.
func TestInterruptedMigrationResumes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	var doc wire.DocID
	var dev wire.DeviceID
	doc[0], dev[0] = 7, 8
	writeV1(t, dir, doc, dev, 900)
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	s := &Badger{db: db, dir: dir, log: slog.New(slog.NewTextHandler(io.Discard, nil)), disk: &diskHealth{log: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	if done, k, err := s.migrateBatch(); err != nil || done || k == 0 {
		t.Fatalf("first batch: done %v, %d values, %v", done, k, err)
	}
	db.Close() // as if the relay died here
	st, err := OpenBadger(dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	recs, err := st.Read(doc, 0, 1000, 1<<30)
	if err != nil || len(recs) != 900 {
		t.Fatalf("got %d records, %v", len(recs), err)
	}
	for i, r := range recs {
		if want := "sealed body " + string(rune('a'+i+1)); string(r.Body) != want || r.Sig != nil {
			t.Fatalf("record %d: %q, want %q", i+1, r.Body, want)
		}
	}
}

// A format 1 folder whose records are as large as records stored inline
// get is migrated in transactions Badger accepts.
func TestFormat1FolderOfLargeRecordsIsMigrated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	var doc wire.DocID
	var dev wire.DeviceID
	doc[0], dev[0] = 7, 8
	const n = 600 // over the 500 values one batch takes at most
	// A format 1 record is device, dseq and body; format 2 adds a
	// signature length, which keeps it one byte under the threshold.
	body := func(i int) []byte {
		b := bytes.Repeat([]byte{0xcd}, valueThreshold-2-24)
		binary.BigEndian.PutUint64(b, uint64(i))
		return b
	}
	writeV1Bodies(t, dir, doc, dev, n, body)
	st, err := OpenBadger(dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("migrating: %v", err)
	}
	defer st.Close()
	recs, err := st.Read(doc, 0, n+10, 1<<30)
	if err != nil || len(recs) != n {
		t.Fatalf("got %d records after the migration, %v", len(recs), err)
	}
	for i, r := range recs {
		if !bytes.Equal(r.Body, body(i+1)) {
			t.Fatalf("record %d after the migration has another body", i+1)
		}
	}
}
