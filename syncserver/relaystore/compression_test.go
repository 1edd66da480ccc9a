package relaystore

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"pairwise/shared/wire"
)

// A relay's folder whose tables an earlier version compressed with Snappy
// opens with today's options, which compress nothing, and every record
// reads back: each table says in the manifest how it was compressed.
func TestTablesCompressedByAnEarlierRelayStillRead(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	var doc wire.DocID
	doc[0] = 7
	s := openAsEarlier(t, dir, func(o badger.Options) badger.Options { return o.WithCompression(options.Snappy) }, doc)
	// Bodies Snappy can shrink, more than one memtable holds: some reach
	// tables while the store is open, the rest when it closes.
	const n = 12000
	body := func(seq int) []byte { return bytes.Repeat([]byte{byte(seq)}, 300) }
	commitRecords(t, s, doc, n, body)
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}

	st, err := OpenBadger(dir, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var onDisk, whole uint64
	for _, ti := range st.db.Tables() {
		onDisk += uint64(ti.OnDiskSize)
		whole += uint64(ti.UncompressedSize)
	}
	if onDisk == 0 || onDisk*2 > whole {
		t.Fatalf("the earlier relay's tables hold %d bytes for %d uncompressed: the scenario needs compressed tables", onDisk, whole)
	}
	recs, err := st.Read(doc, 0, n+10, 1<<30)
	if err != nil || len(recs) != n {
		t.Fatalf("read %d records, %v; want %d", len(recs), err, n)
	}
	for i, r := range recs {
		if !bytes.Equal(r.Body, body(i+1)) {
			t.Fatalf("record %d reads back changed", i+1)
		}
	}
}
