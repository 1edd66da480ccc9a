package crdt

import (
	"bytes"
	"errors"
	"testing"
)

// TestAtReadsAnEarlierStateWithoutChangingTheDocument: the state right
// after each change is what it was then; reading it leaves the document,
// its heads and its saved bytes as they were.
func TestAtReadsAnEarlierStateWithoutChangingTheDocument(t *testing.T) {
	d := newDoc(t)
	if err := d.NewText(P("notes"), "one"); err != nil {
		t.Fatal(err)
	}
	commit(t, d, "first")
	for _, s := range []string{"one two", "three"} {
		if err := d.EditText(P("notes"), s); err != nil {
			t.Fatal(err)
		}
		commit(t, d, s)
	}
	h, err := d.History()
	if err != nil || len(h) != 3 {
		t.Fatalf("history: got %d entries (%v), want 3", len(h), err)
	}
	heads, saved := d.Heads(), d.Save()
	for i, want := range []string{"one", "one two", "three"} {
		old, err := d.At(h[i].Hash)
		if err != nil {
			t.Fatal(err)
		}
		v, _, err := old.ReadAt(P("notes"))
		if err != nil || v != want {
			t.Errorf("notes at change %d: got %v (%v), want %q", i, v, err, want)
		}
	}
	if got := d.Heads(); len(got) != 1 || got[0] != heads[0] {
		t.Errorf("heads after reading the past: got %v, want %v", got, heads)
	}
	if !bytes.Equal(d.Save(), saved) {
		t.Error("the document changed while its past was read")
	}
}

func TestResolveChange(t *testing.T) {
	d := newDoc(t)
	var hashes []string
	for i := range 40 { // enough changes for two to share a first hex digit
		if err := d.NewMap(P("k")); err != nil {
			t.Fatal(err)
		}
		commit(t, d, string(rune('a'+i%26)))
	}
	h, _ := d.History()
	for _, e := range h {
		hashes = append(hashes, e.Hash)
	}
	got, err := d.ResolveChange(hashes[5][:8])
	if err != nil || got != hashes[5] {
		t.Errorf("8-digit prefix: got %q, %v; want %s", got, err, hashes[5])
	}
	if got, err := d.ResolveChange(" " + hashes[7][:12] + " "); err != nil || got != hashes[7] {
		t.Errorf("padded prefix: got %q, %v; want %s", got, err, hashes[7])
	}
	byFirst := map[byte]int{}
	var shared string
	for _, x := range hashes {
		if byFirst[x[0]]++; byFirst[x[0]] == 2 {
			shared = x[:1]
		}
	}
	// Two of 40 random hashes rarely share four digits, so the ambiguity is
	// built with a one-digit minimum.
	if _, err := d.resolveChange(shared, 1); !errors.Is(err, ErrAmbiguousChange) {
		t.Errorf("prefix %q shared by two changes: got %v, want ErrAmbiguousChange", shared, err)
	}
	for _, bad := range []string{"", "ab", shared, "zzzzzzzz", hashes[0] + "00", "0000000000000000"} {
		if _, err := d.ResolveChange(bad); !errors.Is(err, ErrUnknownChange) {
			t.Errorf("ResolveChange(%q): got %v, want ErrUnknownChange", bad, err)
		}
	}
}
