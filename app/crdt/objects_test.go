package crdt

import (
	"errors"
	"slices"
	"testing"

	"github.com/automerge/automerge-go"
)

// replaceColumns is an edit for rewriteColumns that sets the data of the
// given columns, adding those the chunk lacks and dropping those set to
// nil, and keeps them in order.
func replaceColumns(set map[uint64][]byte) func([]testColumn) []testColumn {
	return func(cols []testColumn) []testColumn {
		var out []testColumn
		for _, c := range cols {
			if _, ok := set[c.spec]; !ok {
				out = append(out, c)
			}
		}
		for spec, data := range set {
			if data != nil {
				out = append(out, testColumn{spec, data})
			}
		}
		slices.SortFunc(out, func(a, b testColumn) int { return int(a.spec) - int(b.spec) })
		return out
	}
}

// name is a string column of one value.
func name(s string) []byte { return append(append(sleb(-1), uleb(uint64(len(s)))...), s...) }

// nulls is a column of n nulls.
func nulls(n uint64) []byte { return append(sleb(0), uleb(n)...) }

// Automerge 0.5 compares the keys of an object's operations as its kind
// has them, and stops the process on an operation with the other kind of
// key: a name in a text as it applies it, an element in a map when the
// map is next read, and an element in an object with half an ID, which it
// files under the root. Every operation's key is checked against its
// object's kind, through every door, with objects made by the document, by
// earlier changes in the same bytes or by this replica. An operation in an
// object never made did not stop Automerge here, but is refused too: no
// replica makes one, and its object's kind cannot be checked. (The two
// documents Automerge refuses itself, for heads that do not match their
// operations; someone who computes the heads gets past that.)
func TestKeysMustBeOfTheirObjectsKind(t *testing.T) {
	d := newDoc(t)
	_ = d.Set(P("title"), "A")
	_ = d.NewText(P("notes"), "hello")
	_ = d.NewMap(P("m"))
	first := commit(t, d, "one") // title is op 1, notes 2, its letters 3-7, m 8
	_ = d.Set(P("title"), "B")
	setRoot := commit(t, d, "title again") // one op on the root
	_ = d.EditText(P("notes"), "hello!")
	insert := commit(t, d, "text insert") // one op in notes
	_ = d.Set(P("m", "k"), "v")
	inMap := commit(t, d, "map set") // one op in m
	history := slices.Concat(first, setRoot, insert)
	saved := d.Save()
	elementInRoot := rewriteColumns(t, setRoot, false, replaceColumns(map[uint64][]byte{
		0x11: literal([]int64{0}), 0x13: slices.Concat(sleb(1), sleb(3)), 0x15: nil,
	}))
	// Automerge takes that change and saves it, heads and all: a saved
	// document can hold it without failing Automerge's own checks.
	raw := automerge.New()
	if err := raw.LoadIncremental(slices.Concat(first, elementInRoot)); err != nil {
		t.Fatal(err)
	}
	savedElementInRoot := raw.Save()

	cases := []struct {
		name    string
		history []byte
		data    []byte
		want    error
	}{
		{"change: a name in a text", slices.Concat(first, setRoot),
			rewriteColumns(t, insert, false, replaceColumns(map[uint64][]byte{
				0x11: nulls(1), 0x13: nulls(1), 0x15: name("x"),
			})), errKey},
		{"change: an element in the root", first, elementInRoot, errKey},
		{"document: an element in the root", nil, savedElementInRoot, errKey},
		{"change: a name in a text, by its object", history,
			rewriteColumns(t, inMap, false, setColumn(t, 0x02, all(2))), errKey},
		{"change: half an object ID", slices.Concat(first, setRoot),
			rewriteColumns(t, insert, false, replaceColumns(map[uint64][]byte{0x02: nil})), errObject},
		{"change: an object never made", history,
			rewriteColumns(t, inMap, false, setColumn(t, 0x02, all(999))), errObject},
		{"change: a scalar as an object", history,
			rewriteColumns(t, inMap, false, setColumn(t, 0x02, all(1))), errObject},
		{"document: every operation in the root", nil,
			rewriteColumns(t, saved, false, func(cols []testColumn) []testColumn {
				cols = setColumn(t, 0x01, all(-1))(cols)
				return setColumn(t, 0x02, all(-1))(cols)
			}), errKey},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { refusedAtEveryDoor(t, c.history, c.data, c.want) })
	}

	// Objects this replica made, or that came in a saved document or in
	// changes, are known to later changes, by every way a document is had.
	other := newDoc(t)
	if err := other.ApplyChanges(first); err != nil {
		t.Fatal(err)
	}
	_ = other.NewList(P("l"))
	mine := commit(t, other, "a list")
	_ = other.Append(P("l"), "x")
	inMine := commit(t, other, "into the list")
	late := newDoc(t) // the list's change after the change into it
	if err := late.ApplyChanges(slices.Concat(first, inMine, mine)); err != nil {
		t.Errorf("a change into a list before the change making it, in the same bytes: %v", err)
	}
	loaded, err := Load(saved, NewActor())
	if err != nil {
		t.Fatal(err)
	}
	fork, err := loaded.Fork(NewActor())
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]*Doc{"loaded": loaded, "fork": fork, "made here": other} {
		if name != "made here" {
			if err := doc.ApplyChanges(mine); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if err := doc.ApplyChanges(inMine); err != nil {
			t.Errorf("%s: a change into a list made before: %v", name, err)
		}
	}
	if err := loaded.Merge(other); err != nil {
		t.Fatal(err)
	}
	_ = other.Append(P("l"), "y")
	if err := loaded.ApplyChanges(commit(t, other, "after a merge")); err != nil {
		t.Errorf("after a merge: %v", err)
	}
	if err := loaded.ApplyChanges(inMap); err != nil {
		t.Errorf("a change into a map of the saved document: %v", err)
	}
}

// refusedAtEveryDoor checks that data (a saved document or changes, after
// the changes in history) is refused as corrupt with want wherever bytes
// from a partner, the relay or a file come in, and that a refusal leaves
// the document it was offered to as it was.
func refusedAtEveryDoor(t *testing.T, history, data []byte, want error) {
	t.Helper()
	doors := map[string]func(*Doc) (*Doc, error){
		"load": func(*Doc) (*Doc, error) { return Load(slices.Concat(history, data), NewActor()) },
		"merge": func(base *Doc) (*Doc, error) {
			return MergeSavedInto(base, slices.Concat(history, data))
		},
	}
	if data[8] == chunkChange {
		doors["apply"] = func(base *Doc) (*Doc, error) { return base, base.ApplyChanges(data) }
		doors["apply with history"] = func(*Doc) (*Doc, error) {
			d := newDoc(t)
			return d, d.ApplyChanges(slices.Concat(history, data))
		}
	}
	for door, try := range doors {
		base := newDoc(t)
		if history != nil {
			if err := base.ApplyChanges(history); err != nil {
				t.Fatal(err)
			}
		}
		heads := base.Heads()
		got, err := try(base)
		if !errors.Is(err, ErrCorrupt) || !errors.Is(err, want) {
			t.Errorf("%s: %v, want it refused as corrupt with %v", door, err, want)
		}
		if err == nil { // what reading it would do
			for _, k := range []string{"title", "notes", "m"} {
				_, _, _ = got.ReadAt(P(k))
			}
		}
		if !slices.Equal(base.Heads(), heads) {
			t.Errorf("%s: the document moved", door)
		}
		if _, err := base.Tree(); err != nil {
			t.Errorf("%s: %v", door, err)
		}
	}
}
