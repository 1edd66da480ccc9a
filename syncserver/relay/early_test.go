package relay

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"github.com/coder/websocket"

	"pairwise/shared/wire"
	"pairwise/syncserver/relaystore"
)

// heldStore holds each commit until the test lets it go, and can make it
// fail, so a test sees what subscribers get while the disk works.
type heldStore struct {
	relaystore.Store
	hold chan bool // receives whether the held commit succeeds

	mu      sync.Mutex
	commits []int // the records of each commit
}

var errDiskGone = errors.New("the disk went away")

func (h *heldStore) Commit(b relaystore.Batch) error {
	h.mu.Lock()
	h.commits = append(h.commits, len(b.Entries))
	hold := h.hold
	h.mu.Unlock()
	if len(b.Entries) > 0 && hold != nil {
		if ok := <-hold; !ok {
			return errDiskGone
		}
	}
	return h.Store.Commit(b)
}

func startHeldRelay(t *testing.T) (*testRelay, *heldStore) {
	t.Helper()
	held := &heldStore{}
	r := startRelayOver(t, DefaultLimits(), func(st relaystore.Store) relaystore.Store {
		held.Store = st
		return held
	})
	return r, held
}

// startRelayOver starts a relay with limits over the store wrap makes of
// its own.
func startRelayOver(t *testing.T, limits Limits, wrap func(relaystore.Store) relaystore.Store) *testRelay {
	t.Helper()
	dir := t.TempDir()
	tok, err := NewToken(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	r := &testRelay{t: t, dir: dir, token: tok, logs: &bytes.Buffer{}, wrap: wrap}
	r.open(limits)
	return r
}

// writerOf creates d on r and follows it with a new writer client.
func writerOf(t *testing.T, r *testRelay, d testDoc) *client {
	t.Helper()
	a := dial(t, r.url)
	a.hello(r.token)
	a.create(d)
	a.subscribe(d.id, d.write[:], 0)
	return a
}

// readerOf follows d with a new read-only client, asking for early
// records if early is set.
func readerOf(t *testing.T, r *testRelay, d testDoc, early bool) *client {
	t.Helper()
	c := dial(t, r.url)
	c.hello("")
	c.early = early
	c.subscribe(d.id, d.read[:], 0)
	return c
}

// startEarlyTrio starts a relay whose commits the test holds, with a
// writer, a subscriber that asks for early records and one that does not,
// all on one new document.
func startEarlyTrio(t *testing.T) (r *testRelay, held *heldStore, a *client, d testDoc, early, plain *client) {
	t.Helper()
	r, held = startHeldRelay(t)
	d = newDoc()
	a = writerOf(t, r, d)
	return r, held, a, d, readerOf(t, r, d, true), readerOf(t, r, d, false)
}

// expectDropped reads an early subscriber until the relay drops it, as it
// does when records it was sent early are lost, and fails if it was told
// they were stored meanwhile.
func expectDropped(t *testing.T, early *client) {
	t.Helper()
	for {
		m, err := early.read()
		if err != nil {
			if websocket.CloseStatus(err) != websocket.StatusTryAgainLater {
				t.Fatalf("the early subscriber's connection ended with %v, want try-again-later", err)
			}
			return
		}
		if _, ok := m.(*wire.Durable); ok {
			t.Fatalf("the early subscriber was told %#v about records the relay lost", m)
		}
	}
}

// A subscriber that asks for early records gets a record while the relay's
// commit is still under way, and a Durable notice once it is stored; the
// writer is acknowledged only then, and a subscriber that did not ask gets
// the record only then.
func TestEarlyRecordsArriveBeforeTheCommitAndDurableAfter(t *testing.T) {
	_, held, a, d, early, plain := startEarlyTrio(t)

	held.hold = make(chan bool)
	req := a.push(d.id, 1, "while the disk works")
	m, ok := early.next().(*wire.Records)
	if !ok || !m.Early || len(m.Recs) != 1 || m.Recs[0].Seq != 1 || string(m.Recs[0].Body) != "while the disk works" {
		t.Fatalf("an early subscriber got %#v while the commit was held, want the record marked early", m)
	}
	held.hold <- true // the commit goes through

	if got, ok := early.next().(*wire.Durable); !ok || got.Seq != 1 {
		t.Fatalf("after the commit the early subscriber got %#v, want Durable up to 1", got)
	}
	if ack := a.expectAck(req); ack.Seq != 1 {
		t.Fatalf("the writer's ack says %d, want 1", ack.Seq)
	}
	if got, ok := plain.next().(*wire.Records); !ok || got.Early || len(got.Recs) != 1 || got.Recs[0].Seq != 1 {
		t.Fatalf("a subscriber that did not ask for early records got %#v, want the stored record", got)
	}
}

// When records sent early cannot be stored, their numbers will go to other
// records: every early subscriber is dropped before it hears of anything
// else, the writer gets an error, and the numbers go to what is stored
// next, which a reconnecting early subscriber and a plain one both get.
func TestLostEarlyRecordsDropTheirSubscribers(t *testing.T) {
	r, held, a, d, early, plain := startEarlyTrio(t)

	held.hold = make(chan bool)
	req := a.push(d.id, 1, "lost")
	if m, ok := early.next().(*wire.Records); !ok || !m.Early {
		t.Fatalf("early subscriber got %#v, want the early record", m)
	}
	held.hold <- false // the disk fails
	if e, ok := a.answer(req).(*wire.Error); !ok || e.Code != wire.CodeInternal {
		t.Fatalf("the writer of a record the relay could not store got %#v, want an internal error", e)
	}
	expectDropped(t, early)

	held.hold = nil
	if ack := a.expectAck(a.push(d.id, 1, "stored")); ack.Seq != 1 {
		t.Fatalf("the retried push took %d, want 1 (the lost record's number)", ack.Seq)
	}
	if got := plain.readRecords(1); got[0].Seq != 1 || string(got[0].Body) != "stored" {
		t.Fatalf("the plain subscriber got %+v, want only the stored record", got)
	}
	again := dial(t, r.url)
	again.hello("")
	again.early = true
	if _, recs := again.subscribe(d.id, d.read[:], 0); len(recs) != 1 || string(recs[0].Body) != "stored" {
		t.Fatalf("a reconnecting early subscriber got %+v, want the stored record under number 1", recs)
	}
}
