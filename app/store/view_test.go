package store

import (
	"errors"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// TestViewOnlyWhileTheSnapshotIsTheWholeDocument: a view is handed out
// only while the snapshot it was made from is all there is of the
// document; a change after it, a newer snapshot, a reset or a removal
// each put it out of use.
func TestViewOnlyWhileTheSnapshotIsTheWholeDocument(t *testing.T) {
	s := openWithDoc(t, t.TempDir())
	defer s.Close()
	want := func(stage string, ok bool, view string) {
		t.Helper()
		v, got, err := s.View("d1")
		if err != nil || got != ok || string(v) != view {
			t.Fatalf("%s: got view %q, %v (%v); want %q, %v", stage, v, got, err, view, ok)
		}
	}
	snap := "snapshot one"
	put := func(view string) {
		t.Helper()
		if err := s.PutView("d1", func() ([]byte, []byte, error) { return []byte(snap), []byte(view), nil }); err != nil {
			t.Fatal(err)
		}
	}
	put("early")
	want("before any snapshot", false, "")
	compact := func(snap string) {
		t.Helper()
		st, err := s.State("d1")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Compact("d1", []byte(snap), st.NextChunk); err != nil {
			t.Fatal(err)
		}
	}
	compact("snapshot one")
	want("compacted, no view yet", false, "")
	put("view one")
	want("compacted, with its view", true, "view one")
	if err := s.PutView("d1", func() ([]byte, []byte, error) {
		t.Fatal("made a view again for the same snapshot")
		return nil, nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendLocal("d1", []byte("second"), true); err != nil {
		t.Fatal(err)
	}
	want("a change since", false, "")
	put("ignored")
	compact("snapshot two")
	want("a newer snapshot", false, "")
	put("made from snapshot one")
	want("a view made from another snapshot", false, "")
	snap = "snapshot two"
	put("view two")
	want("the newer snapshot's view", true, "view two")
	if _, err := s.Reset("d1"); err != nil {
		t.Fatal(err)
	}
	want("reset", false, "")
	compact("snapshot two")
	want("the same snapshot again after a reset", false, "")
	put("view three")
	if err := s.Remove("d1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.View("d1"); ok {
		t.Fatal("a removed document still has a view")
	}
	if err := s.view(func(txn *badger.Txn) error { _, err := get(txn, keyView("d1")); return err }); !errors.Is(err, badger.ErrKeyNotFound) {
		t.Fatalf("a removed document's view: got %v, want it gone", err)
	}
}
