package store

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// crashImage copies an open store's folder as a process killed at this
// moment would leave it: everything written, synced or not, and no clean
// close.
func crashImage(t *testing.T, dir string) string {
	t.Helper()
	img := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == "LOCK" {
			continue
		}
		src, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(filepath.Join(img, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		src.Close()
		dst.Close()
	}
	return img
}

// outboxNumbers lists the device sequences Outbox hands out for d1.
func outboxNumbers(t *testing.T, s *Store) []uint64 {
	t.Helper()
	out, err := s.Outbox("d1", 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	var n []uint64
	for _, p := range out {
		n = append(n, p.DSeq)
	}
	return n
}

// A change may go to the relay before it is on disk only under a number
// an earlier synced write reserved: the first edit after opening waits for
// its own sync (and the engine is told again once it may go), the next
// ones are handed out at once.
func TestOutboxHandsOutUnsyncedChangesOnlyUnderAReservation(t *testing.T) {
	dir := t.TempDir()
	s := openWithDoc(t, dir) // change 1, queued and synced
	defer s.Close()
	var during [][]uint64 // what Outbox handed out while each change was not yet synced
	s.OnQueued(func(doc string) bool {
		during = append(during, outboxNumbers(t, s))
		return false
	})

	for _, c := range []string{"two", "three", "four"} {
		if _, err := s.AppendLocal("d1", []byte(c), true); err != nil {
			t.Fatal(err)
		}
	}
	if len(during) != 4 {
		t.Fatalf("told %d times of queued changes, want 4: change 2 when queued and again once synced, 3 and 4 when queued", len(during))
	}
	if got := during[0]; len(got) != 1 || got[0] != 1 {
		t.Fatalf("while change 2 was unsynced the outbox handed out %v, want only change 1: nothing reserved 2 yet", got)
	}
	if got := during[1]; len(got) != 2 || got[1] != 2 {
		t.Fatalf("told again once change 2 was synced, the outbox handed out %v, want 1-2", got)
	}
	if got := during[2]; len(got) != 3 || got[2] != 3 {
		t.Fatalf("while change 3 was unsynced the outbox handed out %v, want 1-3: change 2's write reserved it", got)
	}
	st, _ := s.State("d1")
	if st.Reserved <= st.NextDSeq {
		t.Fatalf("after synced edits %d numbers are reserved up to %d, want some ahead", st.NextDSeq, st.Reserved)
	}
}

// A clean close gives the reserved numbers back; a crash leaves them, and
// the next start marks them unsure and starts a new epoch, so a change the
// relay may hold under one of them is never mistaken for a new one.
func TestACrashLeavesReservedNumbersUnsure(t *testing.T) {
	dir := t.TempDir()
	s := openWithDoc(t, dir)
	for _, c := range []string{"two", "three"} {
		if _, err := s.AppendLocal("d1", []byte(c), true); err != nil {
			t.Fatal(err)
		}
	}
	img := crashImage(t, dir)
	s.Close()

	clean := open(t, dir)
	st, _ := clean.State("d1")
	clean.Close()
	if st.Reserved != st.NextDSeq || st.UnsureTo != 0 || st.Epoch != 0 {
		t.Fatalf("after a clean close: %+v, want nothing reserved, unsure or new", st)
	}

	crashed := open(t, img)
	defer crashed.Close()
	st, _ = crashed.State("d1")
	if st.NextDSeq != 4 || st.UnsureFrom != 4 || st.UnsureTo <= 4 || st.Epoch != 1 || st.Reserved != 4 {
		t.Fatalf("after a crash: %+v, want numbers from 4 unsure, epoch 1, nothing reserved", st)
	}
	if !st.Unsure(4) || st.Unsure(3) {
		t.Fatalf("Unsure(4)=%v Unsure(3)=%v, want true and false", st.Unsure(4), st.Unsure(3))
	}

	// The relay holds this device's changes up to 6: 1-3 as this disk has
	// them, 4-6 sent before the crash and never kept here. The outbox
	// drops 1-3 and numbers the change made since from 7.
	if _, err := crashed.AppendLocal("d1", []byte("after"), true); err != nil {
		t.Fatal(err)
	}
	if err := crashed.RenumberUnsure("d1", 6); err != nil {
		t.Fatal(err)
	}
	st, _ = crashed.State("d1")
	out, err := crashed.Outbox("d1", 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].DSeq != 7 || string(out[0].Data) != "after" {
		t.Fatalf("after renumbering the outbox holds %+v, want only the change made since the crash, as 7", out)
	}
	if st.Acked != 6 || st.NextDSeq != 8 || !st.Unsure(4) || !st.Unsure(6) {
		t.Fatalf("after renumbering: %+v, want 4-6 unsure and acknowledged, 7 the next to send", st)
	}
}
