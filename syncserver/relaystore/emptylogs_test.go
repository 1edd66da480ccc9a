package relaystore

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"pairwise/shared/wire"
)

// A SIGKILL while Badger deletes a flushed memtable (truncate, then remove)
// left an empty .mem file, and the relay refused to start again, calling its
// data damaged (found by app/syncclient's chaos harness, seed 1566). Empty
// value-log files come from the same steps.
func TestEmptyLogFilesLeftByACrashDoNotStopTheStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := OpenBadger(dir, log)
	if err != nil {
		t.Fatal(err)
	}
	var doc wire.DocID
	doc[0] = 9
	rec := wire.Record{Seq: 1, DSeq: 1, Body: []byte("sealed")}
	if err := st.Commit(Batch{Creates: map[wire.DocID]Doc{doc: {}}, Entries: []Entry{{Doc: doc, Rec: rec}}}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"00099.mem", "000099.vlog"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	st, err = OpenBadger(dir, log)
	if err != nil {
		t.Fatalf("reopen with empty files a crash left: %v", err)
	}
	defer st.Close()
	recs, err := st.Read(doc, 0, 10, 1<<20)
	if err != nil || len(recs) != 1 || string(recs[0].Body) != "sealed" {
		t.Fatalf("after reopening: got %v (%v), want the one record", recs, err)
	}
}
