package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, t.Logf)
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	return s
}

// openWithDoc opens a store in dir holding document d1, whose first change
// is queued for the relay.
func openWithDoc(t *testing.T, dir string) *Store {
	t.Helper()
	s := open(t, dir)
	if err := s.Create("d1", map[string]string{"id": "d1"}, []byte("first"), true); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestChunksOutboxAndCursorSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	if err := s.Create("d1", map[string]string{"title": "x"}, []byte("first"), true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendLocal("d1", []byte("second"), true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendRemote("d1", []Chunk{{Changes, []byte("theirs")}}, 7); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ack("d1", 1); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = open(t, dir)
	defer s.Close()
	_, chunks, err := s.Load("d1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range chunks {
		got = append(got, string(c.Data))
	}
	if want := "first second theirs"; joined(got) != want {
		t.Errorf("chunks: got %q, want %q", joined(got), want)
	}
	out, _ := s.Outbox("d1", 0, 10)
	if len(out) != 1 || out[0].DSeq != 2 || string(out[0].Data) != "second" {
		t.Errorf("outbox: got %+v, want only dseq 2", out)
	}
	st, _ := s.State("d1")
	if st.Cursor != 7 || st.Pending() != 1 {
		t.Errorf("state: got cursor %d pending %d, want 7 and 1", st.Cursor, st.Pending())
	}
	var meta map[string]string
	if err := s.Meta("d1", &meta); err != nil || meta["title"] != "x" {
		t.Errorf("meta: got %v, %v", meta, err)
	}
}

func joined(ss []string) string {
	var b bytes.Buffer
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	return b.String()
}

func TestCompactReplacesChunksWithSnapshot(t *testing.T) {
	s := open(t, t.TempDir())
	defer s.Close()
	_ = s.Create("d", struct{}{}, []byte("a"), false)
	st, _ := s.AppendLocal("d", []byte("b"), false)
	if err := s.Compact("d", []byte("SNAP"), st.NextChunk); err != nil {
		t.Fatal(err)
	}
	_, _ = s.AppendLocal("d", []byte("c"), false)
	snap, chunks, _ := s.Load("d")
	if string(snap) != "SNAP" || len(chunks) != 1 || string(chunks[0].Data) != "c" {
		t.Errorf("got snap %q and %d chunks, want SNAP and only c", snap, len(chunks))
	}
	st, _ = s.State("d")
	if st.Chunks != 1 {
		t.Errorf("chunk count: got %d, want 1", st.Chunks)
	}
}

func TestSecondOpenIsRefusedClearly(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	defer s.Close()
	_, err := Open(dir, t.Logf)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("got %v, want ErrLocked", err)
	}
}

func TestNewerFormatIsLeftAlone(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	_ = s.update(func(txn *badger.Txn) error { return txn.Set(keyFormat, []byte{FormatVersion + 1}) })
	s.Close()
	if _, err := Open(dir, t.Logf); !errors.Is(err, ErrNewer) {
		t.Fatalf("got %v, want ErrNewer", err)
	}
}

func TestDamagedFolderGivesClearError(t *testing.T) {
	cases := map[string]func(t *testing.T, dir string){
		"manifest garbage": func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "MANIFEST"), []byte("this is not a manifest"))
		},
		"truncated manifest": func(t *testing.T, dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, "MANIFEST"))
			writeFile(t, filepath.Join(dir, "MANIFEST"), b[:len(b)/2])
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir)
			_ = s.Create("d", struct{}{}, []byte("x"), true)
			s.Close()
			damage(t, dir)
			_, err := Open(dir, t.Logf)
			if err == nil {
				t.Fatal("damaged folder opened without complaint")
			}
			if !errors.Is(err, ErrCorrupt) || !bytes.Contains([]byte(err.Error()), []byte(dir)) {
				t.Errorf("got %v, want ErrCorrupt naming %s", err, dir)
			}
		})
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestEmptyLogsLeftByACrashDoNotStopTheStore: a SIGKILL while Badger
// deletes or creates a log file can leave it empty, and Badger v4 then
// refuses to open the folder; the store tidies them and keeps every change.
func TestEmptyLogsLeftByACrashDoNotStopTheStore(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Create("doc1", map[string]string{"id": "doc1"}, []byte("change"), true); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, name := range []string{"00099.mem", "000099.vlog"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, err = Open(dir, t.Logf)
	if err != nil {
		t.Fatalf("reopen with empty files a crash left: %v", err)
	}
	defer s.Close()
	if _, chunks, err := s.Load("doc1"); err != nil || len(chunks) != 1 {
		t.Fatalf("after reopening: %d chunks, %v", len(chunks), err)
	}
}

// TestDocsListsEveryPairBeforeAndAfterReopen: the in-memory list of pairs
// follows creations, and is rebuilt from disk on open.
func TestDocsListsEveryPairBeforeAndAfterReopen(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	for _, id := range []string{"b2", "a1", "c3"} {
		if err := s.Create(id, map[string]string{"id": id}, []byte("first"), true); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Create("a1", map[string]string{"id": "a1"}, nil, false); err == nil {
		t.Fatal("creating a pair twice was accepted")
	}
	want := []string{"a1", "b2", "c3"}
	if got, _ := s.Docs(); !slices.Equal(got, want) {
		t.Fatalf("Docs = %v, want %v", got, want)
	}
	s.Close()
	s = open(t, dir)
	defer s.Close()
	if got, _ := s.Docs(); !slices.Equal(got, want) {
		t.Fatalf("after reopening, Docs = %v, want %v", got, want)
	}
}

// TestAcknowledgedOutboxEntriesThatComeBackAreDropped: if a power cut
// undoes an acknowledgement's deletions while the new Acked survives, the
// entries reappear below Acked; the next compaction removes them, so they
// neither leak nor count as waiting.
func TestAcknowledgedOutboxEntriesThatComeBackAreDropped(t *testing.T) {
	s := openWithDoc(t, t.TempDir())
	defer s.Close()
	if _, err := s.AppendLocal("d1", []byte("second"), true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ack("d1", 2); err != nil {
		t.Fatal(err)
	}
	// What the power cut leaves: the entries are back.
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(keyOut("d1", 1), []byte("first")) }); err != nil {
		t.Fatal(err)
	}
	st, _ := s.State("d1")
	if err := s.Compact("d1", []byte("snapshot"), st.NextChunk); err != nil {
		t.Fatal(err)
	}
	if out, _ := s.Outbox("d1", 0, 10); len(out) != 0 {
		t.Fatalf("after compacting, the outbox still holds %d acknowledged changes", len(out))
	}
	if st, _ := s.State("d1"); st.Pending() != 0 {
		t.Fatalf("pending %d, want 0", st.Pending())
	}
}

// TestReceivedChangesAreSyncedBeforeTheNextWrite: changes from the relay
// do not make the engine wait for the disk, but they reach it before any
// later write can (a later edit may build on them), and soon in any case.
func TestReceivedChangesAreSyncedBeforeTheNextWrite(t *testing.T) {
	s := openWithDoc(t, t.TempDir())
	defer s.Close()
	dirty := func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.dirty }

	// As if the background sync had not run yet: the next write syncs first.
	s.mu.Lock()
	s.syncing = true
	s.mu.Unlock()
	if _, err := s.AppendRemote("d1", []Chunk{{Changes, []byte("theirs")}}, 1); err != nil {
		t.Fatal(err)
	}
	if !dirty() {
		t.Fatal("received changes were not marked for syncing")
	}
	if _, err := s.Ack("d1", 1); err != nil {
		t.Fatal(err)
	}
	if dirty() {
		t.Fatal("a later write went ahead without syncing the received changes first")
	}

	// And without a later write, the background sync gets there.
	s.mu.Lock()
	s.syncing = false
	s.mu.Unlock()
	if _, err := s.AppendRemote("d1", []Chunk{{Changes, []byte("more")}}, 2); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for dirty() {
		if time.Now().After(deadline) {
			t.Fatal("received changes were never synced")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Removing a document deletes it and everything kept with it, for good,
// and leaves the others alone.
func TestRemoveDeletesOneDocumentForGood(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	for _, d := range []string{"gone", "kept"} {
		if err := s.Create(d, map[string]string{"id": d}, []byte("first"), true); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if _, err := s.AppendLocal(d, []byte("change"), true); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.PutPrivate(d, "n1", []byte("private")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Remove("gone"); err != nil {
		t.Fatal(err)
	}
	check := func(s *Store) {
		t.Helper()
		if ids, _ := s.Docs(); len(ids) != 1 || ids[0] != "kept" {
			t.Fatalf("documents after removal: %v", ids)
		}
		var m map[string]string
		if err := s.Meta("gone", &m); !errors.Is(err, ErrNotFound) {
			t.Fatalf("the removed document's metadata: %v", err)
		}
		if _, err := s.State("gone"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("the removed document's state: %v", err)
		}
		if notes, _ := s.Private("gone"); len(notes) != 0 {
			t.Fatal("the removed document's private notes remain")
		}
		s.view(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.DefaultIteratorOptions)
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				if k := it.Item().Key(); bytes.Contains(k, []byte("gone")) && !bytes.Equal(k, keyTomb("gone")) {
					t.Errorf("key %q of the removed document remains", it.Item().Key())
				}
			}
			return nil
		})
		if _, err := s.AppendLocal("gone", []byte("late"), true); !errors.Is(err, ErrNotFound) {
			t.Fatalf("a late change brought the removed document back: %v", err)
		}
		if snap, chunks, err := s.Load("kept"); err != nil || snap != nil || len(chunks) != 4 {
			t.Fatalf("the other document: %d chunks, %v", len(chunks), err)
		}
		if out, _ := s.Outbox("kept", 1, 100); len(out) != 4 {
			t.Fatalf("the other document's outbox: %d", len(out))
		}
	}
	check(s)
	s.Close()
	s = open(t, dir)
	check(s)

	// Joining it again goes on numbering from where this device stopped,
	// so the relay never takes a new change for a repeat of an old one.
	if err := s.Create("gone", map[string]string{"id": "gone"}, nil, false); err != nil {
		t.Fatal(err)
	}
	st, err := s.State("gone")
	if err != nil || st.NextDSeq != 5 || st.Reborn != 5 || st.Pending() != 0 {
		t.Fatalf("joined again: %+v, %v", st, err)
	}
}

// Received chunks are synced before any later write (soon); a
// caller may have that sync done beforehand, so its own next write,
// made while it holds its own locks, does not wait for the disk.
func TestSyncPutOffSyncsReceivedChunksAhead(t *testing.T) {
	s := openWithDoc(t, t.TempDir())
	defer s.Close()
	if _, err := s.AppendReceived("d1", []Chunk{{Changes, []byte("from the partner")}}, 0, nil, false); err != nil {
		t.Fatal(err)
	}
	// As if the goroutine that syncs it had not run yet.
	s.mu.Lock()
	s.dirty = true
	s.mu.Unlock()
	before := s.syncs.Load()
	if err := s.SyncPutOff(); err != nil {
		t.Fatal(err)
	}
	if n := s.syncs.Load() - before; n != 1 {
		t.Fatalf("SyncPutOff synced %d times, want once", n)
	}
	before = s.syncs.Load()
	if _, err := s.AppendReceived("d1", nil, 5, nil, false); err != nil { // the cursor, lazily
		t.Fatal(err)
	}
	if n := s.syncs.Load() - before; n != 0 {
		t.Fatalf("the cursor's write synced the disk %d times after SyncPutOff, want none", n)
	}
	if st, err := s.State("d1"); err != nil || st.Cursor != 5 || st.Chunks != 2 {
		t.Fatalf("state %+v (%v), want the chunk kept and the cursor at 5", st, err)
	}
}

// Badger's warnings and errors reach the app's log (an option set after
// the logger once replaced it with Badger's own, which wrote to stderr).
func TestBadgerLogsThroughTheAppsLog(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	s, err := Open(t.TempDir(), func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(f, a...))
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.db.Opts().Logger.Warningf("a warning %d\n", 1)
	s.db.Opts().Logger.Infof("chatter")
	s.db.Opts().Logger.Warningf("%s might be too small. Metrics: %s\n", "Block cache", "chatter")
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(lines, "badger warning: a warning 1") || slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "chatter") }) {
		t.Fatalf("the app's log got %q, want Badger's warning and not its chatter or cache advice", lines)
	}
}

// What the saver held for several pairs goes to the disk in one synced
// transaction: one sync for all, each pair's chunks and cursor moved
// together, and a pair deleted meanwhile skipped.
func TestReceivedForSeveralPairsIsStoredInOneSync(t *testing.T) {
	s := openWithDoc(t, t.TempDir())
	defer s.Close()
	if err := s.Create("d2", map[string]string{"id": "d2"}, []byte("first"), true); err != nil {
		t.Fatal(err)
	}
	before := s.Syncs()
	states, done, err := s.AppendReceivedSynced([]Received{
		{Doc: "d1", Chunks: []Chunk{{Changes, []byte("a1")}, {Changes, []byte("a2")}}, Cursor: 2},
		{Doc: "gone", Chunks: []Chunk{{Changes, []byte("x")}}, Cursor: 9},
		{Doc: "d2", Cursor: 7, Unconfirmed: []byte("early"), PutUnconfirmed: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Syncs() - before; n != 1 || done != 3 {
		t.Fatalf("%d disk syncs, %d of 3 stored; want 1 and all", n, done)
	}
	if states[0].Cursor != 2 || states[0].Chunks != 3 || states[1] != (DocState{}) || states[2].Cursor != 7 {
		t.Fatalf("states %+v", states)
	}
	for doc, want := range map[string]uint64{"d1": 2, "d2": 7} {
		if st, err := s.State(doc); err != nil || st.Cursor != want {
			t.Fatalf("%s: stored state %+v (%v), want cursor %d", doc, st, err, want)
		}
	}
	if raw, err := s.Unconfirmed("d2"); err != nil || string(raw) != "early" {
		t.Fatalf("d2's unconfirmed changes %q (%v)", raw, err)
	}
	// Cursors alone pass only what is on disk already: no sync.
	before = s.Syncs()
	if _, _, err := s.AppendReceivedSynced([]Received{{Doc: "d1", Cursor: 5}, {Doc: "d2", Cursor: 8}}); err != nil {
		t.Fatal(err)
	}
	if n := s.Syncs() - before; n != 0 {
		t.Fatalf("%d disk syncs for cursors alone, want none", n)
	}
	if st, err := s.State("d2"); err != nil || st.Cursor != 8 {
		t.Fatalf("d2: stored state %+v (%v), want cursor 8", st, err)
	}
}

// What the saver held for one pair may be more than one Badger
// transaction takes: it is stored in several, each synced before the
// next, with the cursor in the last.
func TestReceivedTooLargeForOneTransactionIsStoredInSeveral(t *testing.T) {
	s := openWithDoc(t, t.TempDir())
	defer s.Close()
	var chunks []Chunk
	for i := range 240 {
		body := make([]byte, 3500)
		body[0], body[1] = byte(i), byte(i>>8)
		chunks = append(chunks, Chunk{Changes, body})
	}
	before := s.Syncs()
	states, done, err := s.AppendReceivedSynced([]Received{{Doc: "d1", Chunks: chunks, Cursor: 240}})
	if err != nil || done != 1 {
		t.Fatalf("stored %d of 1 (%v), want it stored", done, err)
	}
	if n := s.Syncs() - before; n < 2 {
		t.Fatalf("%d disk syncs: one transaction took it all, so the scenario did not happen", n)
	}
	if st, err := s.State("d1"); err != nil || st.Cursor != 240 || st.Chunks != 241 || states[0].Cursor != 240 {
		t.Fatalf("stored state %+v (%v), returned %+v; want 241 chunks and the cursor at 240", st, err, states[0])
	}
}
