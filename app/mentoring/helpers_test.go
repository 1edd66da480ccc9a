package mentoring

import (
	"bytes"
	"testing"
	"time"

	"pairwise/app/crdt"
)

var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// replica is one member's copy of a pair document.
type replica struct {
	t   *testing.T
	doc *crdt.Doc
	me  string
	now time.Time
}

func newReplicaPair(t *testing.T, name string, role Role) *replica {
	t.Helper()
	actor := crdt.NewActor()
	d, err := crdt.New(actor)
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{t: t, doc: d, me: actor, now: t0}
	r.do(func(*Pair) (Edit, error) {
		return NewPair("pair1", "Ana & Ben", Member{ID: actor, Name: name, Role: role}, t0)
	})
	return r
}

// join makes a second replica from r's document, as the partner's machine
// has after the first sync, and adds its member.
func (r *replica) join(name string, role Role) *replica {
	r.t.Helper()
	actor := crdt.NewActor()
	d, err := r.doc.Fork(actor)
	if err != nil {
		r.t.Fatal(err)
	}
	o := &replica{t: r.t, doc: d, me: actor, now: t0}
	o.do(func(p *Pair) (Edit, error) { return Join(p, Member{ID: actor, Name: name, Role: role}, t0) })
	return o
}

func (r *replica) pair() *Pair {
	r.t.Helper()
	p, err := Read(r.doc)
	if err != nil {
		r.t.Fatalf("read: %v", err)
	}
	return p
}

// do applies and commits one edit, failing the test on error.
func (r *replica) do(build func(p *Pair) (Edit, error)) string {
	r.t.Helper()
	id, err := r.try(build)
	if err != nil {
		r.t.Fatalf("edit: %v", err)
	}
	return id
}

func (r *replica) try(build func(p *Pair) (Edit, error)) (string, error) {
	var p *Pair
	if _, err := r.doc.Tree(); err == nil {
		p, _ = Read(r.doc)
	}
	if p == nil {
		p = &Pair{}
	}
	e, err := build(p)
	if err != nil {
		return "", err
	}
	if err := e.Apply(r.doc); err != nil {
		r.t.Fatalf("apply %q: %v", e.Msg, err)
	}
	r.now = r.now.Add(time.Minute)
	if _, err := r.doc.Commit(e.Msg, r.now); err != nil {
		r.t.Fatalf("commit %q: %v", e.Msg, err)
	}
	return e.ID, nil
}

// sync merges every replica with every other, as rounds through a relay do.
func sync(t *testing.T, rs ...*replica) {
	t.Helper()
	for _, a := range rs {
		for _, b := range rs {
			if a != b {
				if err := a.doc.Merge(b.doc); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// converged asserts every replica exports the same JSON and returns it.
func converged(t *testing.T, rs ...*replica) *Pair {
	t.Helper()
	var first []byte
	for i, r := range rs {
		var b bytes.Buffer
		if err := ExportJSON(&b, r.pair()); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b.Bytes()
		} else if !bytes.Equal(first, b.Bytes()) {
			t.Fatalf("replica %d differs:\n%s\nwant\n%s", i, b.Bytes(), first)
		}
	}
	return rs[0].pair()
}

func ptr[T any](v T) *T { return &v }
