package crdt

import (
	"errors"
	"testing"
	"time"
)

func newDoc(t *testing.T) *Doc {
	t.Helper()
	d, err := New(NewActor())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func commit(t *testing.T, d *Doc, msg string) []byte {
	t.Helper()
	raw, err := d.Commit(msg, time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatalf("commit %q: %v", msg, err)
	}
	return raw
}

func TestEveryOperationRoundTrips(t *testing.T) {
	d := newDoc(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.NewMap(P("goals")))
	must(d.NewMap(P("goals", "g1")))
	must(d.Set(P("goals", "g1", "title"), "Ship it 🚀"))
	must(d.Set(P("goals", "g1", "n"), int64(7)))
	must(d.Set(P("goals", "g1", "done"), true))
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	must(d.Set(P("goals", "g1", "at"), at))
	must(d.NewText(P("notes"), "مرحبا hello"))
	must(d.EditText(P("notes"), "مرحبا brave hello"))
	must(d.NewMap(P("gone")))
	must(d.Delete(P("gone")))
	raw := commit(t, d, "edit everything")

	other := newDoc(t)
	must(other.ApplyChanges(raw))
	tree, err := other.Tree()
	must(err)
	g := tree["goals"].(map[string]any)["g1"].(map[string]any)
	if got := g["title"]; got != "Ship it 🚀" {
		t.Errorf("title: got %q, want %q", got, "Ship it 🚀")
	}
	if got := g["n"]; got != int64(7) {
		t.Errorf("n: got %v, want 7", got)
	}
	if got := g["done"]; got != true {
		t.Errorf("done: got %v, want true", got)
	}
	if got := g["at"].(time.Time); !got.Equal(at) {
		t.Errorf("at: got %v, want %v", got, at)
	}
	if got := tree["notes"]; got != "مرحبا brave hello" {
		t.Errorf("notes: got %q", got)
	}
	if _, ok := tree["gone"]; ok {
		t.Errorf("deleted key still present")
	}
	h, err := other.History()
	must(err)
	if len(h) != 1 || h[0].Message != "edit everything" || h[0].Actor != d.Actor() {
		t.Errorf("history: got %+v", h)
	}
}

func TestConcurrentTextEditsBothSurvive(t *testing.T) {
	a := newDoc(t)
	if err := a.NewText(P("notes"), "We met today."); err != nil {
		t.Fatal(err)
	}
	base := commit(t, a, "create")
	b := newDoc(t)
	if err := b.ApplyChanges(base); err != nil {
		t.Fatal(err)
	}
	if err := a.EditText(P("notes"), "Ana: We met today."); err != nil {
		t.Fatal(err)
	}
	if err := b.EditText(P("notes"), "We met today. 😀 Ben"); err != nil {
		t.Fatal(err)
	}
	ca, cb := commit(t, a, "a"), commit(t, b, "b")
	if err := a.ApplyChanges(cb); err != nil {
		t.Fatal(err)
	}
	if err := b.ApplyChanges(ca); err != nil {
		t.Fatal(err)
	}
	ta, _ := a.Tree()
	tb, _ := b.Tree()
	want := "Ana: We met today. 😀 Ben"
	if ta["notes"] != want || tb["notes"] != want {
		t.Errorf("got %q and %q, want %q", ta["notes"], tb["notes"], want)
	}
}

func TestRefusesBadInput(t *testing.T) {
	d := newDoc(t)
	if err := d.ApplyChanges([]byte("garbage garbage garbage")); !errors.Is(err, ErrCorrupt) {
		t.Errorf("ApplyChanges(garbage): got %v, want ErrCorrupt", err)
	}
	if _, err := Load([]byte("not a doc"), NewActor()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Load(garbage): got %v, want ErrCorrupt", err)
	}
	if _, err := MergeSavedInto(d, []byte{0x85, 0x6f}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("MergeSavedInto(garbage): got %v, want ErrCorrupt", err)
	}
	if err := d.Set(P("no", "such"), "x"); !errors.Is(err, ErrMissing) {
		t.Errorf("Set under a missing map: got %v, want ErrMissing", err)
	}
	if err := d.EditText(P("nope"), "x"); !errors.Is(err, ErrMissing) {
		t.Errorf("EditText on missing text: got %v, want ErrMissing", err)
	}
	if _, err := d.Commit("nothing", time.Now()); !errors.Is(err, ErrNoChange) {
		t.Errorf("empty commit: got %v, want ErrNoChange", err)
	}
}

func TestSaveLoadMergeFork(t *testing.T) {
	a := newDoc(t)
	_ = a.Set(P("title"), "Pair")
	commit(t, a, "title")
	b, err := Load(a.Save(), NewActor())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Merge(b); err != nil { // must not deadlock
		t.Fatal(err)
	}
	f, err := b.Fork(NewActor())
	if err != nil {
		t.Fatal(err)
	}
	_ = f.Set(P("title"), "Forked")
	commit(t, f, "rename")
	if a, err = MergeSavedInto(a, f.Save()); err != nil {
		t.Fatal(err)
	}
	ta, _ := a.Tree()
	if ta["title"] != "Forked" {
		t.Errorf("title after merge: got %v, want Forked", ta["title"])
	}
	if len(a.Heads()) != 1 {
		t.Errorf("heads: got %d, want 1", len(a.Heads()))
	}
}

// TestMergeSavedIntoAdoptsOrMerges: a saved document that holds all of d
// replaces it and keeps writing as d's actor; one that lacks d's own
// changes is merged, and neither side's edits are lost.
func TestMergeSavedIntoAdoptsOrMerges(t *testing.T) {
	a := newDoc(t)
	_ = a.Set(P("title"), "Pair")
	commit(t, a, "title")
	b, err := a.Fork(NewActor())
	if err != nil {
		t.Fatal(err)
	}
	_ = b.Set(P("cadence"), int64(14))
	commit(t, b, "cadence")

	got, err := MergeSavedInto(a, b.Save()) // b holds everything a has
	if err != nil {
		t.Fatal(err)
	}
	if got == a || got.Actor() != a.Actor() {
		t.Fatalf("a covering snapshot was merged instead of adopted, or the actor changed (%s, want %s)", got.Actor(), a.Actor())
	}
	if tr, _ := got.Tree(); tr["cadence"] != int64(14) || tr["title"] != "Pair" {
		t.Fatalf("adopted document: %v", tr)
	}
	_ = got.Set(P("title"), "Renamed")
	ch := commit(t, got, "rename")
	if err := b.ApplyChanges(ch); err != nil {
		t.Fatalf("an edit made after adopting does not apply at the partner: %v", err)
	}

	c := newDoc(t) // unrelated local history: must merge, not replace
	_ = c.Set(P("mine"), "kept")
	commit(t, c, "mine")
	merged, err := MergeSavedInto(c, b.Save())
	if err != nil {
		t.Fatal(err)
	}
	if merged != c {
		t.Fatal("a snapshot lacking local changes replaced the document")
	}
	if tr, _ := merged.Tree(); tr["mine"] != "kept" || tr["cadence"] != int64(14) {
		t.Fatalf("merged document: %v", tr)
	}
}

func TestDiff(t *testing.T) {
	cases := []struct {
		a, b, ins string
		pos, del  int
	}{
		{"abc", "abc", "", 3, 0},
		{"abc", "aXc", "X", 1, 1},
		{"", "hi", "hi", 0, 2 - 2},
		{"aaa", "aa", "", 2, 1},
		{"😀x", "😀yx", "y", 1, 0},
	}
	for _, c := range cases {
		pos, del, ins := diff([]rune(c.a), []rune(c.b))
		if pos != c.pos || del != c.del || ins != c.ins {
			t.Errorf("diff(%q,%q): got (%d,%d,%q), want (%d,%d,%q)", c.a, c.b, pos, del, ins, c.pos, c.del, c.ins)
		}
	}
}

func TestApplyChangesRefusesDamage(t *testing.T) {
	d := newDoc(t)
	_ = d.Set(P("title"), "A long enough title to make a real change")
	raw := commit(t, d, "title")
	flipped := append([]byte(nil), raw...)
	flipped[len(flipped)-3] ^= 0x40
	for name, bad := range map[string][]byte{
		"truncated":     raw[:len(raw)-5],
		"bit flipped":   flipped,
		"trailing junk": append(append([]byte(nil), raw...), 1, 2, 3),
		"whole doc":     d.Save(),
	} {
		if err := newDoc(t).ApplyChanges(bad); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: got %v, want ErrCorrupt", name, err)
		}
	}
	// A change before its dependency is refused and leaves the document
	// usable; two changes concatenated in order apply.
	_ = d.Set(P("title"), "Second")
	second := commit(t, d, "again")
	late := newDoc(t)
	if err := late.ApplyChanges(second); !errors.Is(err, ErrMissingDeps) {
		t.Fatalf("change before its dependency: got %v, want ErrMissingDeps", err)
	}
	if err := late.ApplyChanges(append(append([]byte(nil), raw...), second...)); err != nil {
		t.Fatal(err)
	}
	tree, _ := late.Tree()
	if tree["title"] != "Second" {
		t.Errorf("title: got %v, want Second", tree["title"])
	}
}

func TestRebase(t *testing.T) {
	cases := []struct{ name, base, mine, theirs, want string }{
		{"nobody else changed it", "abc", "abXc", "abc", "abXc"},
		{"only they changed it", "abc", "abc", "Zabc", "Zabc"},
		{"they edited before us", "hello world", "hello world!", "Oh, hello world", "Oh, hello world!"},
		{"they edited after us", "hello world", "Oh, hello world", "hello world!", "Oh, hello world!"},
		{"both in the middle apart", "one two three", "one 2 three", "one two 3", "one 2 3"},
		{"unicode positions", "😀 a b", "😀 a X b", "😀😀 a b", "😀😀 a X b"},
		{"overlap: ours wins", "the cat sat", "the dog sat", "the cow sat", "the dog sat"},
		{"they deleted before us", "aaa bbb ccc", "aaa bbb ccc ddd", "bbb ccc", "bbb ccc ddd"},
	}
	for _, c := range cases {
		if got := Rebase(c.base, c.mine, c.theirs); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// LastOf reads what ReadAt reads at the list's Last, with the list's
// length: an empty list has no last element, a missing one is an error.
func TestLastOfReadsTheLastElementAndTheLength(t *testing.T) {
	d := newDoc(t)
	if err := d.NewList(P("messages")); err != nil {
		t.Fatal(err)
	}
	if v, n, ok, err := d.LastOf(P("messages")); err != nil || ok || n != 0 || v != nil {
		t.Fatalf("an empty list: %v, %d, %v, %v; want nothing, 0", v, n, ok, err)
	}
	for _, m := range []string{"first", "second", "third"} {
		if err := d.Append(P("messages"), m); err != nil {
			t.Fatal(err)
		}
	}
	v, n, ok, err := d.LastOf(P("messages"))
	want, wantOK, _ := d.ReadAt(P("messages", Last))
	if err != nil || !ok || n != 3 || v != "third" || v != want || !wantOK {
		t.Fatalf("after three appends: %v, %d, %v, %v; want \"third\", 3 (ReadAt gives %v)", v, n, ok, err, want)
	}
	if _, _, _, err := d.LastOf(P("nothing here")); !errors.Is(err, ErrMissing) {
		t.Fatalf("a missing list: %v, want ErrMissing", err)
	}
}
