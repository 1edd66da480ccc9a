package relaystore

import (
	"bytes"
	"encoding/binary"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"pairwise/shared/wire"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func docN(i int) wire.DocID {
	var id wire.DocID
	binary.BigEndian.PutUint64(id[8:], uint64(i)+1)
	return id
}

// The largest commit the relay forms fits in one Badger transaction:
// MaxCommitRecords records, each of a different document and stored
// inline (a value one byte under the value threshold), and as many
// documents created besides, each with an owner as long as a token's ID.
func TestTheLargestCommitFitsOneTransaction(t *testing.T) {
	st, err := OpenBadger(filepath.Join(t.TempDir(), "store"), quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	owner := strings.Repeat("f", 64) // hex SHA-256, as relay.Token.ID
	meta := Doc{WriteHash: [32]byte{1}, ReadHash: [32]byte{2}, Root: [32]byte{3}}

	existing := Batch{Creates: map[wire.DocID]Doc{}, Owners: map[wire.DocID]string{}}
	for i := range MaxCommitRecords {
		existing.Creates[docN(i)], existing.Owners[docN(i)] = meta, owner
	}
	if err := st.Commit(existing); err != nil {
		t.Fatalf("creating %d documents: %v", MaxCommitRecords, err)
	}

	sig := bytes.Repeat([]byte{0x5a}, 64)
	body := bytes.Repeat([]byte{0xab}, valueThreshold-1-recHead-len(sig))
	b := Batch{Creates: map[wire.DocID]Doc{}, Owners: map[wire.DocID]string{}}
	for i := range MaxCommitRecords {
		var dev wire.DeviceID
		dev[0] = byte(i)
		rec := wire.Record{Seq: 1, Device: dev, DSeq: 1, Body: body, Sig: sig}
		if n := len(encodeRecord(rec)); n != valueThreshold-1 {
			t.Fatalf("stored record of %d bytes, want %d: one under the value threshold, so inline", n, valueThreshold-1)
		}
		b.Entries = append(b.Entries, Entry{Doc: docN(i), Rec: rec})
		created := docN(MaxCommitRecords + i)
		b.Creates[created], b.Owners[created] = meta, owner
	}
	if err := st.Commit(b); err != nil {
		t.Fatalf("the largest commit the relay forms was refused: %v", err)
	}
	for i := range MaxCommitRecords {
		recs, err := st.Read(docN(i), 0, 10, 1<<20)
		if err != nil || len(recs) != 1 || !bytes.Equal(recs[0].Body, body) {
			t.Fatalf("document %d after the commit: %d records, %v", i, len(recs), err)
		}
		if _, err := st.Doc(docN(MaxCommitRecords + i)); err != nil {
			t.Fatalf("created document %d after the commit: %v", i, err)
		}
	}
}

// A relay whose memtables were larger (8 MiB, before this version) and
// that stopped without closing its store leaves memtable logs holding
// more than one of today's memtables can: the store opens anyway, and
// keeps everything they held.
func TestMemtableLogsOfLargerMemtablesAreKept(t *testing.T) {
	old := filepath.Join(t.TempDir(), "old")
	var doc wire.DocID
	doc[0] = 9
	s := openAsEarlier(t, old, func(o badger.Options) badger.Options { return o.WithMemTableSize(8 << 20) }, doc)
	db := s.db
	// About 5 MiB: more than today's memtables hold, less than one of 8.
	const n = 16000
	body := bytes.Repeat([]byte{0xee}, 250)
	commitRecords(t, s, doc, n, func(int) []byte { return body })
	// Copy the folder as it is on disk while the store is open: what a
	// relay killed now would leave.
	dir := filepath.Join(t.TempDir(), "crashed")
	copyDir(t, old, dir)
	db.Close()
	var logs int64
	mems, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	for _, m := range mems {
		if info, err := os.Stat(m); err == nil {
			logs += info.Size()
		}
	}
	if logs <= 2*memTableSize {
		t.Fatalf("the crashed folder has %d bytes of memtable logs, want some larger than today's", logs)
	}

	st, err := OpenBadger(dir, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := st.Doc(doc)
	if err != nil || d.Head != n {
		t.Fatalf("document after the restart: %+v, %v; want head %d", d, err, n)
	}
	recs, err := st.Read(doc, 0, n+10, 1<<30)
	if err != nil || len(recs) != n {
		t.Fatalf("got %d records after the restart, %v; want %d", len(recs), err, n)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o700); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == "LOCK" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// openAsEarlier opens a store in dir with the Badger options an earlier
// relay used (today's, changed by earlier), without OpenBadger's tidying,
// and creates document doc in it.
func openAsEarlier(t *testing.T, dir string, earlier func(badger.Options) badger.Options, doc wire.DocID) *Badger {
	t.Helper()
	disk := &diskHealth{log: quietLog()}
	db, err := badger.Open(earlier(badgerOptions(dir, quietLog(), memTableSize, disk)))
	if err != nil {
		t.Fatal(err)
	}
	s := &Badger{db: db, dir: dir, log: quietLog(), disk: disk}
	if err := s.checkFormat(false); err != nil {
		t.Fatal(err)
	}
	if err := s.loadUsage(); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(Batch{Creates: map[wire.DocID]Doc{doc: {}}}); err != nil {
		t.Fatal(err)
	}
	return s
}

// commitRecords commits records 1 to n of doc, with body(seq) as each
// one's body, in commits as large as the relay forms.
func commitRecords(t *testing.T, s *Badger, doc wire.DocID, n int, body func(seq int) []byte) {
	t.Helper()
	for seq := 1; seq <= n; {
		var b Batch
		for ; seq <= n && len(b.Entries) < MaxCommitRecords; seq++ {
			b.Entries = append(b.Entries, Entry{Doc: doc, Rec: wire.Record{Seq: uint64(seq), DSeq: uint64(seq), Body: body(seq)}})
		}
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
	}
}
