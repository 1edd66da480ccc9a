package relay

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"pairwise/shared/wire"
	"pairwise/syncserver/relaystore"
)

// goneStore answers a commit that writes gone as Postgres.Commit does when
// another instance (or `doc delete --store`) deleted a document of the
// batch meanwhile.
type goneStore struct {
	relaystore.Store
	gone wire.DocID
}

// Doc answers for the deleted document as a store it is gone from does.
func (g *goneStore) Doc(id wire.DocID) (relaystore.Doc, error) {
	if id == g.gone {
		return relaystore.Doc{}, relaystore.ErrNotFound
	}
	return g.Store.Doc(id)
}

// refusesCommits makes the relay commit as over a shared store, each batch
// stored before the next is numbered (commitsRefusable).
func (g *goneStore) refusesCommits() {}

func (g *goneStore) Commit(b relaystore.Batch) error {
	for _, e := range b.Entries {
		if e.Doc == g.gone {
			return fmt.Errorf("%w: a document of this batch was deleted meanwhile", relaystore.ErrNotFound)
		}
	}
	return g.Store.Commit(b)
}

// a push to pair E that shares a group commit with a push to a
// pair D deleted meanwhile is told not_found (a permanent error: the app
// shows "refused") although E is fine.
func TestPairDeletedElsewhereFailsOnlyItsOwnPushes(t *testing.T) {
	st := &goneStore{}
	r := &testRelay{t: t, dir: t.TempDir(), wrap: func(s relaystore.Store) relaystore.Store { st.Store = s; return st }}
	tok, err := NewToken(r.dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	r.token = tok
	r.logs = &bytes.Buffer{}
	r.open(DefaultLimits())

	a, b := dial(t, r.url), dial(t, r.url)
	a.hello(r.token)
	b.hello(r.token)
	dd, de := newDoc(), newDoc()
	a.create(dd)
	a.subscribe(dd.id, dd.write[:], 0)
	b.create(de)
	b.subscribe(de.id, de.write[:], 0)

	release := make(chan struct{})
	go r.srv.onWriter(func() { st.gone = dd.id; <-release })
	for len(r.srv.writer.in) != 0 { // the blocking fn is running
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	a.push(dd.id, 1, "to the deleted pair")
	reqE := b.push(de.id, 1, "to a pair that is fine")
	for len(r.srv.writer.in) < 2 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	if m := b.answer(reqE); m != nil {
		if e, ok := m.(*wire.Error); ok {
			t.Fatalf("push to an untouched pair: got error %s (%q), want an ack", e.Code, e.Msg)
		}
	}
}
