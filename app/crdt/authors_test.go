package crdt

import (
	"testing"
	"time"
)

// NoteChanges reads each change's author and time from its header alone,
// and agrees with the history: before 1970 too, where the time is negative.
func TestNoteChangesAgreesWithHistory(t *testing.T) {
	a, b := newDoc(t), newDoc(t)
	var raw []byte
	var each [][]byte
	for i, at := range []time.Time{
		time.Date(2026, 11, 1, 9, 0, 0, 123e6, time.UTC),
		time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC),
		time.Date(2026, 11, 3, 18, 30, 0, 0, time.UTC),
	} {
		if err := a.Set(P("n"), int64(i)); err != nil {
			t.Fatal(err)
		}
		ch, err := a.Commit("edit", at)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, ch...)
		each = append(each, ch)
	}
	if err := b.ApplyChanges(raw); err != nil {
		t.Fatal(err)
	}
	if err := b.Set(P("m"), "x"); err != nil {
		t.Fatal(err)
	}
	own, err := b.Commit("mine", time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}

	noted := map[string]time.Time{}
	NoteChanges(noted, raw)
	NoteChanges(noted, own)
	NoteChanges(noted, []byte("not a chunk")) // passed over
	want, err := b.LastChanges()
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 2 || len(noted) != 2 {
		t.Fatalf("got %v from headers and %v from the history, want two actors each", noted, want)
	}
	for actor, at := range want {
		if !noted[actor].Equal(at) {
			t.Errorf("actor %s: got %v from headers, want %v as the history says", actor, noted[actor], at)
		}
	}
	moon := map[string]time.Time{}
	NoteChanges(moon, each[1])
	if got := moon[a.Actor()]; !got.Equal(time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC)) {
		t.Errorf("a change from 1969: got %v from its header", got)
	}
	if got := noted[a.Actor()]; !got.Equal(time.Date(2026, 11, 3, 18, 30, 0, 0, time.UTC)) {
		t.Errorf("latest change of a: got %v, want 2026-11-03 18:30", got)
	}
}
