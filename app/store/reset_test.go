package store

import (
	"testing"
)

// TestResetKeepsWhatTheRelayLacks: a reset drops the snapshot, every chunk
// and the acknowledged outbox entries, rewinds the cursor and sets Reborn,
// and keeps the metadata and the changes the relay has not acknowledged,
// across a reopen.
func TestResetKeepsWhatTheRelayLacks(t *testing.T) {
	dir := t.TempDir()
	s := openWithDoc(t, dir) // change 1, queued
	for _, c := range []string{"second", "third"} {
		if _, err := s.AppendLocal("d1", []byte(c), true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AppendRemote("d1", []Chunk{{Changes, []byte("theirs")}}, 9); err != nil {
		t.Fatal(err)
	}
	if err := s.Compact("d1", []byte("snap"), 2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ack("d1", 2); err != nil {
		t.Fatal(err)
	}
	st, err := s.Reset("d1")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = open(t, dir)
	defer s.Close()
	st.Reserved = st.NextDSeq // a clean close gives back the numbers the edits reserved
	if got, _ := s.State("d1"); got != st {
		t.Fatalf("state after a reopen: got %+v, want %+v", got, st)
	}
	want := DocState{NextChunk: st.NextChunk, NextDSeq: 4, Acked: 2, Cursor: 0, Reborn: 4, Reserved: 4}
	if st != want {
		t.Fatalf("state after the reset: got %+v, want %+v", st, want)
	}
	snap, chunks, err := s.Load("d1")
	if err != nil {
		t.Fatal(err)
	}
	if snap != nil || len(chunks) != 0 {
		t.Fatalf("after the reset: snapshot %q and %d chunks, want none", snap, len(chunks))
	}
	out, err := s.Outbox("d1", 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].DSeq != 3 || string(out[0].Data) != "third" {
		t.Fatalf("outbox after the reset: got %+v, want only change 3, \"third\"", out)
	}
	var meta map[string]string
	if err := s.Meta("d1", &meta); err != nil || meta["id"] != "d1" {
		t.Fatalf("metadata after the reset: got %v (%v), want id d1", meta, err)
	}
	if _, err := s.Reset("nope"); err == nil {
		t.Fatal("reset of a document that is not here: got no error")
	}
}
