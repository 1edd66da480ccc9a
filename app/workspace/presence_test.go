package workspace

import (
	"reflect"
	"testing"
	"time"

	"pairwise/app/crdt"
	"pairwise/app/mentoring"
	"pairwise/app/store"
)

// partnerJoins makes the partner's changes to pair, committed at at: their
// joining and a message, as the relay would deliver them.
func partnerJoins(t *testing.T, w *Workspace, pair string, at time.Time) (actor string, changes, whole []byte) {
	t.Helper()
	snap, err := w.Snapshot(pair)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := crdt.Load(snap, crdt.NewActor())
	if err != nil {
		t.Fatal(err)
	}
	for _, build := range []func(p *mentoring.Pair) (mentoring.Edit, error){
		func(p *mentoring.Pair) (mentoring.Edit, error) {
			return mentoring.Join(p, mentoring.Member{ID: doc.Actor(), Name: "Ben", Role: mentoring.Mentee}, at)
		},
		func(p *mentoring.Pair) (mentoring.Edit, error) {
			return mentoring.SendMessage(p, doc.Actor(), "hello", at)
		},
	} {
		p, err := mentoring.Read(doc)
		if err != nil {
			t.Fatal(err)
		}
		e, err := build(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Apply(doc); err != nil {
			t.Fatal(err)
		}
		ch, err := doc.Commit(e.Msg, at)
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, ch...)
	}
	return doc.Actor(), changes, doc.Save()
}

// When each member was last heard from follows local edits and changes
// from the partner from their headers: the history is read once, not again
// for each change that arrives. A presence is written only after
// PresenceEvery of silence, never by an edit, and stays out of the feed.
func TestLastHeardFollowsChangesWithoutRereading(t *testing.T) {
	w := openTemp(t)
	t1 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	w.SetNow(func() time.Time { return t1 })
	pair, err := w.NewPair("Ana & Ben", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	me, _ := w.Me(pair)
	heard := func() map[string]time.Time {
		t.Helper()
		h, err := w.Heard(pair)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	if got := heard()[me]; !got.Equal(t1) {
		t.Fatalf("heard from me at %v, want %v", got, t1)
	}
	h, _ := w.get(pair)
	cache := reflect.ValueOf(h.last.at).Pointer()

	// A local edit three days on: one change, no presence with it.
	t2 := t1.Add(72 * time.Hour)
	w.SetNow(func() time.Time { return t2 })
	st, _ := w.st.State(pair)
	if _, err := w.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SendMessage(p, me, "hi", t2)
	}); err != nil {
		t.Fatal(err)
	}
	if st2, _ := w.st.State(pair); st2.NextDSeq != st.NextDSeq+1 {
		t.Fatalf("an edit made %d changes, want 1", st2.NextDSeq-st.NextDSeq)
	}
	if got := heard()[me]; !got.Equal(t2) {
		t.Fatalf("after an edit heard from me at %v, want %v", got, t2)
	}

	// The partner's changes arrive.
	t3 := t2.Add(5 * time.Hour)
	ben, changes, whole := partnerJoins(t, w, pair, t3)
	if err := w.ApplyRemote(pair, []Remote{{Kind: store.Changes, Data: changes}}, 2); err != nil {
		t.Fatal(err)
	}
	if got := heard()[ben]; !got.Equal(t3) {
		t.Fatalf("heard from Ben at %v, want %v", got, t3)
	}
	if reflect.ValueOf(h.last.at).Pointer() != cache || h.last.doc != h.doc {
		t.Fatal("the history was read again for an edit or an arriving change")
	}
	// A whole document from the relay: read again, and still right.
	if err := w.ApplyRemote(pair, []Remote{{Kind: store.Document, Data: whole}}, 3); err != nil {
		t.Fatal(err)
	}
	if got := heard(); !got[ben].Equal(t3) || !got[me].Equal(t2) {
		t.Fatalf("after a snapshot heard %v, want Ben at %v and me at %v", got, t3, t2)
	}

	// Presence: not within PresenceEvery of my last change, then once.
	w.SetNow(func() time.Time { return t2.Add(mentoring.PresenceEvery - time.Minute) })
	if wrote, err := w.Present(pair); err != nil || wrote {
		t.Fatalf("presence within PresenceEvery of an edit: wrote %v, %v", wrote, err)
	}
	t4 := t2.Add(mentoring.PresenceEvery)
	w.SetNow(func() time.Time { return t4 })
	if wrote, err := w.Present(pair); err != nil || !wrote {
		t.Fatalf("presence after PresenceEvery of silence: wrote %v, %v", wrote, err)
	}
	if wrote, _ := w.Present(pair); wrote {
		t.Fatal("a second presence at once")
	}
	if got := heard()[me]; !got.Equal(t4) {
		t.Fatalf("after presence heard from me at %v, want %v", got, t4)
	}
	feed, err := w.History(pair)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range feed {
		if mentoring.IsPresence(a.What) {
			t.Fatalf("the feed shows presence: %+v", a)
		}
	}

	// A read-only replica cannot say it was there.
	if err := w.SetMeta(pair, func(m *Meta) { m.Write = nil }); err != nil {
		t.Fatal(err)
	}
	w.SetNow(func() time.Time { return t4.Add(10 * mentoring.PresenceEvery) })
	if wrote, err := w.Present(pair); err != nil || wrote {
		t.Fatalf("presence from a read-only replica: wrote %v, %v", wrote, err)
	}
}
