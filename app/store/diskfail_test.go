package store

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"pairwise/app/internal/faults"
)

// failNextSync makes the disk's next sync fail with cause, and only that
// one: the disk works again afterwards.
func failNextSync(t *testing.T, cause error) {
	t.Helper()
	var once atomic.Bool
	t.Cleanup(faults.SetSync(func() error {
		if once.CompareAndSwap(false, true) {
			return cause
		}
		return nil
	}))
}

// TestAFailedSyncStopsEveryLaterWrite: after the disk fails one sync, the
// edit under way is refused and so is every later write, though the disk
// answers the next syncs with success (a disk that dropped the pages it
// could not write does that); reads go on; opening the store again
// writes once more and finds what was saved before the failure.
func TestAFailedSyncStopsEveryLaterWrite(t *testing.T) {
	dir := t.TempDir()
	s := openWithDoc(t, dir)
	if _, err := s.AppendLocal("d1", []byte("saved before"), true); err != nil {
		t.Fatal(err)
	}

	failNextSync(t, &os.PathError{Op: "sync", Path: "000001.mem", Err: syscall.EIO})
	_, err := s.AppendLocal("d1", []byte("typed as the disk failed"), true)
	if !errors.Is(err, ErrDiskFailed) || errors.Is(err, ErrDiskFull) {
		t.Fatalf("the edit whose sync failed: %v, want ErrDiskFailed and not ErrDiskFull", err)
	}
	if !strings.Contains(err.Error(), "Check the disk, then restart Pairwise") || !errors.Is(err, syscall.EIO) {
		t.Fatalf("the error does not say what failed and what to do: %v", err)
	}
	select {
	case <-s.FailedC():
	default:
		t.Fatal("FailedC is still open after the failure")
	}
	// The writes below find the failure themselves, not by way of a sync
	// still owed (a failed commit leaves none).
	s.mu.Lock()
	s.dirty = false
	s.mu.Unlock()

	syncsBefore := s.syncs.Load()
	writes := []struct {
		name  string
		write func() error
	}{
		{"an acknowledgement", func() error { _, err := s.Ack("d1", 1); return err }},
		{"a partner's change", func() error { _, err := s.AppendRemote("d1", []Chunk{{Changes, []byte("theirs")}}, 1); return err }},
		{"an edit", func() error { _, err := s.AppendLocal("d1", []byte("typed after"), true); return err }},
		{"a new pair", func() error { return s.Create("d2", map[string]string{"id": "d2"}, []byte("first"), true) }},
		{"a compaction", func() error { return s.Compact("d1", []byte("snapshot"), 1) }},
		{"a purge of the data", s.Purge},
		{"a sync put off", func() error { s.mu.Lock(); s.dirty = true; s.mu.Unlock(); return s.SyncPutOff() }},
	}
	for _, w := range writes {
		if err := w.write(); !errors.Is(err, ErrDiskFailed) {
			t.Errorf("%s after the failed sync: %v, want ErrDiskFailed", w.name, err)
		}
	}
	if n := s.syncs.Load() - syncsBefore; n != 0 {
		t.Errorf("the store synced %d times after the failure; a sync that succeeds then proves nothing", n)
	}
	if st, err := s.State("d1"); err != nil || st.NextDSeq < 2 {
		t.Fatalf("reading after the failure: %+v, %v", st, err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("closing after the failure: %v", err)
	}

	s = open(t, dir)
	defer s.Close()
	_, chunks, err := s.Load("d1")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range chunks {
		found = found || string(c.Data) == "saved before"
	}
	if !found {
		t.Fatal("the change saved before the failure is gone after opening the store again")
	}
	if _, err := s.AppendLocal("d1", []byte("typed after restarting"), true); err != nil {
		t.Fatalf("an edit after opening the store again: %v", err)
	}
}

// TestASyncFailingOnAFullDiskSaysToFreeSpace: a sync refused for want of
// space stops the writes too (the pages it could not write may be gone),
// and says so in those words.
func TestASyncFailingOnAFullDiskSaysToFreeSpace(t *testing.T) {
	s := openWithDoc(t, t.TempDir())
	defer s.Close()
	failNextSync(t, &os.PathError{Op: "sync", Path: "000001.vlog", Err: syscall.ENOSPC})
	_, err := s.AppendLocal("d1", []byte("typed on a full disk"), true)
	if !errors.Is(err, ErrDiskFailed) || !errors.Is(err, ErrDiskFull) || !strings.Contains(err.Error(), "Free some space on it, then restart Pairwise") {
		t.Fatalf("the edit whose sync found the disk full: %v, want ErrDiskFailed and ErrDiskFull, saying to free space and restart", err)
	}
	if _, err := s.Ack("d1", 1); !errors.Is(err, ErrDiskFailed) {
		t.Fatalf("a later write: %v, want ErrDiskFailed", err)
	}
}

// TestARefusedWriteDoesNotStopTheStore: a write refused for its own
// reasons (a pair that is not there, a transaction too large) says
// nothing of the disk, and the writes after it go on.
func TestARefusedWriteDoesNotStopTheStore(t *testing.T) {
	s := openWithDoc(t, t.TempDir())
	defer s.Close()
	if _, err := s.AppendLocal("no such pair", []byte("change"), true); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an edit of a missing pair: %v, want ErrNotFound", err)
	}
	big := make([]byte, 1<<20)
	err := s.update(func(txn *badger.Txn) error {
		for i := 0; ; i++ {
			if err := txn.Set([]byte(fmt.Sprintf("big/%d", i)), big); err != nil {
				return err
			}
		}
	})
	if !errors.Is(err, badger.ErrTxnTooBig) {
		t.Fatalf("an oversized transaction: %v, want ErrTxnTooBig", err)
	}
	if err := s.Failed(); err != nil {
		t.Fatalf("a refused write stopped the store: %v", err)
	}
	if _, err := s.AppendLocal("d1", []byte("typed after"), true); err != nil {
		t.Fatalf("an edit after the refused writes: %v", err)
	}
}

// TestAWriteAfterCloseIsRefused: a write that comes after the store was
// closed (a late saver, say) gets an error, not a crash.
func TestAWriteAfterCloseIsRefused(t *testing.T) {
	s := openWithDoc(t, t.TempDir())
	s.mu.Lock()
	s.dirty = true // a sync still owed, as after a partner's change
	s.mu.Unlock()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendLocal("d1", []byte("typed too late"), true); !errors.Is(err, ErrClosed) {
		t.Fatalf("an edit after Close: %v, want ErrClosed", err)
	}
}
