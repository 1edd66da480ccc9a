package relaystore

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"pairwise/shared/wire"
)

// When the disk fails to sync Badger's value log, Badger only logs it and
// reports the write as done. The store sees the log line, fails that
// write, and refuses every later one until the relay restarts, saying
// what to do; reading goes on, and a restart writes again.
func TestAFailedValueLogSyncFailsTheWriteAndStopsWriting(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	st := openTest(t, dir, slog.New(slog.NewTextHandler(&logs, nil)))
	var doc wire.DocID
	doc[0] = 3
	dev := wire.DeviceID{9}
	if err := st.Failed(); err != nil {
		t.Fatalf("a new store reports a failure: %v", err)
	}
	if err := st.Commit(Batch{Creates: map[wire.DocID]Doc{doc: {}}}); err != nil {
		t.Fatal(err)
	}
	if err := st.Commit(Batch{Entries: []Entry{{Doc: doc, Rec: rec(1, dev, 1, "stored before", false)}}}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutCandidate(doc, Snap{Seq: 1, Body: bytes.Repeat([]byte("c"), 4096)}); err != nil {
		t.Fatal(err)
	}

	// What Badger's value log does when its deferred sync fails, through
	// the logger the store gave Badger, here during a write, which the
	// store's writes then judge as they all do.
	err := st.writeErr(st.db.Update(func(txn *badger.Txn) error {
		st.db.Opts().Logger.Errorf(valueLogSyncFailed, &os.PathError{Op: "sync", Path: "000001.vlog", Err: syscall.EIO})
		return txn.Set([]byte("written while the sync failed"), bytes.Repeat([]byte("v"), 2*valueThreshold))
	}))
	if !errors.Is(err, ErrDiskFailed) {
		t.Fatalf("the write under way when the sync failed: %v, want ErrDiskFailed", err)
	}
	if !errors.Is(st.Failed(), ErrDiskFailed) {
		t.Fatalf("the store reports %v as its failure, want ErrDiskFailed (it is what /healthz says)", st.Failed())
	}

	if err := st.Promote(doc, 1); !errors.Is(err, ErrDiskFailed) {
		t.Errorf("promoting a snapshot after the failed sync: %v, want ErrDiskFailed", err)
	}
	if d, err := st.Doc(doc); err != nil || d.SnapSeq != 0 {
		t.Errorf("the document after a refused promotion: %+v, %v; want no snapshot", d, err)
	}
	if err := st.DeleteDoc(doc); !errors.Is(err, ErrDiskFailed) {
		t.Errorf("deleting a pair after the failed sync: %v, want ErrDiskFailed", err)
	}
	for what, err := range map[string]error{
		"a snapshot":  st.PutSnapshot(doc, Snap{Seq: 1, Body: bytes.Repeat([]byte("s"), 4096)}),
		"a record":    st.Commit(Batch{Entries: []Entry{{Doc: doc, Rec: rec(2, dev, 2, "after", false)}}}),
		"a candidate": st.PutCandidate(doc, Snap{Seq: 1, Body: []byte("c")}),
	} {
		if !errors.Is(err, ErrDiskFailed) || !strings.Contains(err.Error(), "restart") || !strings.Contains(err.Error(), "input/output error") {
			t.Errorf("%s after the failed sync: %v, want ErrDiskFailed saying what failed and to restart", what, err)
		}
	}
	if recs, err := st.Read(doc, 0, 10, 1<<20); err != nil || len(recs) != 1 || string(recs[0].Body) != "stored before" {
		t.Fatalf("reading after the failure: %+v, %v", recs, err)
	}
	if !strings.Contains(logs.String(), "restart") {
		t.Errorf("the log does not tell the admin what to do:\n%s", logs.String())
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st = openTest(t, dir, quietLog())
	defer st.Close()
	if err := st.Commit(Batch{Entries: []Entry{{Doc: doc, Rec: rec(2, dev, 2, "after a restart", false)}}}); err != nil {
		t.Fatalf("after a restart: %v", err)
	}
}

// The store recognises the failure by Badger's log text: a Badger that
// words it differently would leave the failure unseen again.
func TestBadgerStillReportsAFailedValueLogSyncThisWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/dgraph-io/badger/v4").Output()
	if err != nil {
		t.Fatalf("finding Badger's source: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "value.go"))
	if err != nil {
		t.Fatal(err)
	}
	call := "vlog.opt.Errorf(" + strings.ReplaceAll(strings.ReplaceAll(`"`+valueLogSyncFailed+`"`, "\n", `\n`), "\t", `\t`) + ", err)"
	if !bytes.Contains(src, []byte(call)) {
		t.Fatalf("Badger's value.go no longer has %s: see how it reports a failed value-log sync now", call)
	}
}

// Which failed commits mean the disk failed: not fn's own refusal (never
// passed here), a conflict, a store being closed or a full disk, which
// stops writes only until there is room; anything else Badger returns
// from writing or syncing its logs does.
func TestWhichFailedCommitsMeanTheDiskFailed(t *testing.T) {
	for _, c := range []struct {
		err    error
		failed bool
	}{
		{syscall.EIO, true},
		{&os.PathError{Op: "msync", Path: "00001.mem", Err: syscall.EIO}, true},
		{errors.New("while writing to value log: short write"), true},
		{badger.ErrConflict, false},
		{badger.ErrDBClosed, false},
		{badger.ErrBlockedWrites, false},
		{syscall.ENOSPC, false},
		{errors.New("while creating a memtable file err: write 00007.mem: no space left on device"), false},
	} {
		if got := diskFailure(c.err); got != c.failed {
			t.Errorf("%v: disk failed %v, want %v", c.err, got, c.failed)
		}
	}
}
