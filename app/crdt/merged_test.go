package crdt

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestMergedHeadsNeedNoSecondLoad: after MergeSavedInto the heads of the
// saved document are known for exactly those bytes, whether the result is
// the saved document itself or d with it merged in.
func TestMergedHeadsNeedNoSecondLoad(t *testing.T) {
	commit := func(d *Doc, k string) {
		t.Helper()
		if err := d.Set(P(k), k); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Commit(k, time.Unix(1, 0)); err != nil {
			t.Fatal(err)
		}
	}
	writer, _ := New(NewActor())
	commit(writer, "a")
	for _, local := range []bool{false, true} {
		reader, err := writer.Fork(NewActor())
		if err != nil {
			t.Fatal(err)
		}
		commit(writer, fmt.Sprint("b", local))
		if local {
			commit(reader, "mine") // the snapshot lacks it: merged into the reader
		}
		snap := writer.Save()
		got, err := MergeSavedInto(reader, snap)
		if err != nil {
			t.Fatal(err)
		}
		heads, ok := got.MergedHeads(snap)
		if want := writer.Heads(); !ok || !slices.Equal(heads, want) {
			t.Errorf("local change %v: got %v (%v), want %v", local, heads, ok, want)
		}
		if _, ok := got.MergedHeads(append(snap[:len(snap):len(snap)], 0)); ok {
			t.Errorf("local change %v: other bytes answered from the memo", local)
		}
	}
}
