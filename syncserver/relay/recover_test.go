package relay

import (
	"bytes"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"pairwise/shared/seal"
	"pairwise/shared/wire"
	"pairwise/syncserver/relaystore"
)

// writtenThenFailed is a store whose next commit writes and then fails,
// as Badger's does when the disk sync after the write fails.
type writtenThenFailed struct {
	relaystore.Store
	fail       atomic.Bool // the next commit of records
	failCreate atomic.Bool // the next commit that creates a document

	mu      sync.Mutex
	durable map[uint64]string     // record numbers in a commit that succeeded, and their bodies
	created map[wire.DocID]uint64 // documents created by a commit that succeeded, and their heads
}

var errSyncFailed = errors.New("sync failed after the write")

func (s *writtenThenFailed) Commit(b relaystore.Batch) error {
	err := s.Store.Commit(b)
	if err == nil && len(b.Entries) > 0 && s.fail.CompareAndSwap(true, false) {
		return errSyncFailed
	}
	if err == nil && len(b.Creates) > 0 && s.failCreate.CompareAndSwap(true, false) {
		return errSyncFailed
	}
	if err == nil {
		s.mu.Lock()
		if s.durable == nil {
			s.durable, s.created = map[uint64]string{}, map[wire.DocID]uint64{}
		}
		for _, e := range b.Entries {
			s.durable[e.Rec.Seq] = string(e.Rec.Body)
		}
		for id, d := range b.Creates {
			s.created[id] = d.Head
		}
		s.mu.Unlock()
	}
	return err
}

// createdSynced reports whether a commit that succeeded created id.
func (s *writtenThenFailed) createdSynced(id wire.DocID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.created[id]
	return ok
}

func (s *writtenThenFailed) wrap(inner relaystore.Store) relaystore.Store {
	s.Store = inner
	return s
}

// startOverStore starts a relay over the store wrap makes of its own,
// with a writer on a new pair.
func startOverStore(t *testing.T, wrap func(relaystore.Store) relaystore.Store) (*testRelay, testDoc, *client) {
	t.Helper()
	r := startRelayOver(t, DefaultLimits(), wrap)
	d := newDoc()
	return r, d, writerOf(t, r, d)
}

// pushFailing pushes a's first record to d with fail set, so that its
// commit writes and then fails, and checks that it did.
func pushFailing(t *testing.T, a *client, d testDoc, fail *atomic.Bool) *wire.Push {
	t.Helper()
	fail.Store(true)
	first := a.pushMsg(a.nextReq(), d.id, 1, []byte("one"))
	a.send(first)
	if e := a.answerError(first.Req); e == nil {
		t.Fatal("the push whose commit failed was acknowledged")
	}
	if fail.Load() {
		t.Fatal("no commit failed: the scenario did not happen")
	}
	return first
}

// synced returns the body of record seq as a commit that succeeded wrote it.
func (s *writtenThenFailed) synced(seq uint64) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	body, ok := s.durable[seq]
	return body, ok
}

// A commit the store reports as failed, but holds all the same, keeps its
// numbers: the next record takes the number after it rather than
// overwriting it, the device's retry is answered with its own record, and
// a subscriber gets both, in order.
func TestARecordAFailedCommitLeftInTheStoreKeepsItsNumber(t *testing.T) {
	st := &writtenThenFailed{}
	r, d, a := startOverStore(t, st.wrap)
	plain := readerOf(t, r, d, false)
	first := pushFailing(t, a, d, &st.fail)
	if ack := a.expectAck(a.push(d.id, 2, "two")); ack.Seq != 2 {
		t.Fatalf("the next record took number %d, want 2: number 1 is the record the store kept", ack.Seq)
	}
	retry := a.pushMsg(a.nextReq(), d.id, 1, []byte("one"))
	a.send(retry)
	ack := a.expectAck(retry.Req)
	if ack.Seq != 1 || !bytes.Equal(ack.Sig, first.Sig) {
		t.Fatalf("the retry was answered with record %d signed %x, want record 1 with its own signature %x", ack.Seq, ack.Sig, first.Sig)
	}
	recs := plain.readRecords(2)
	if string(recs[0].Body) != "one" || recs[0].Seq != 1 || string(recs[1].Body) != "two" || recs[1].Seq != 2 {
		t.Fatalf("the subscriber got %q (%d), %q (%d), want one (1), two (2)", recs[0].Body, recs[0].Seq, recs[1].Body, recs[1].Seq)
	}
}

// An Early subscriber that subscribes after a failed commit the store
// kept, before the writer has read it again, gets the kept record itself,
// not only the notice that it is stored: nothing sent it early.
func TestAnEarlySubscriberAfterAKeptFailedCommitGetsItsRecord(t *testing.T) {
	st := &writtenThenFailed{}
	r, d, a := startOverStore(t, st.wrap)
	pushFailing(t, a, d, &st.fail)
	// The writer is idle: it reads the document again only with the
	// next request. This subscriber comes in between.
	early := readerOf(t, r, d, true)
	a.expectAck(a.push(d.id, 2, "two"))
	var got []string
	for len(got) < 2 {
		switch m := early.next().(type) {
		case *wire.Records:
			for _, rec := range m.Recs {
				got = append(got, string(rec.Body))
			}
		case *wire.Durable:
			if m.Seq >= 1 && len(got) == 0 {
				t.Fatalf("the early subscriber was told record %d is stored, but was never sent record 1", m.Seq)
			}
		}
	}
	if got[0] != "one" || got[1] != "two" {
		t.Fatalf("the early subscriber got %q, want one, two", got)
	}
}

// unreadable is writtenThenFailed whose reads of a document's head fail
// while docFails is set.
type unreadable struct {
	writtenThenFailed
	docFails atomic.Bool
}

var errReadFailed = errors.New("the read failed too")

func (s *unreadable) wrap(inner relaystore.Store) relaystore.Store {
	s.Store = inner
	return s
}

func (s *unreadable) Doc(id wire.DocID) (relaystore.Doc, error) {
	if s.docFails.Load() {
		return relaystore.Doc{}, errReadFailed
	}
	return s.Store.Doc(id)
}

// If the store cannot say what it kept of a failed commit, nothing is
// numbered over it: pushes are refused until it can, and then the record
// it kept keeps its number.
func TestNothingIsNumberedOverAFailedCommitTheStoreCannotRead(t *testing.T) {
	st := &unreadable{}
	_, d, a := startOverStore(t, st.wrap)
	first := pushFailing(t, a, d, &st.fail)
	st.docFails.Store(true)
	if e := a.answerError(a.push(d.id, 2, "two")); e == nil {
		t.Fatal("a push was numbered while the store could not say what it kept")
	}
	st.docFails.Store(false)
	if ack := a.expectAck(a.push(d.id, 2, "two")); ack.Seq != 2 {
		t.Fatalf("the next record took number %d, want 2: number 1 is the record the store kept", ack.Seq)
	}
	retry := a.pushMsg(a.nextReq(), d.id, 1, []byte("one"))
	a.send(retry)
	if ack := a.expectAck(retry.Req); ack.Seq != 1 || !bytes.Equal(ack.Sig, first.Sig) {
		t.Fatalf("the retry was answered with record %d signed %x, want record 1 with its own signature %x", ack.Seq, ack.Sig, first.Sig)
	}
}

// What a failed commit left in the store is not durable: the disk sync
// failed, and a later one need not cover it (the kernel may have dropped
// the pages it could not write). Before the relay answers for a record it
// kept, as stored, to subscribers and to the device's retry, it writes it
// again in a commit that succeeds.
func TestAKeptRecordIsStoredAgainBeforeItIsAnsweredFor(t *testing.T) {
	st := &writtenThenFailed{}
	r, d, a := startOverStore(t, st.wrap)
	plain := readerOf(t, r, d, false)
	pushFailing(t, a, d, &st.fail)
	retry := a.pushMsg(a.nextReq(), d.id, 1, []byte("one"))
	a.send(retry)
	if ack := a.expectAck(retry.Req); ack.Seq != 1 {
		t.Fatalf("the retry was answered with record %d, want 1", ack.Seq)
	}
	if got := plain.readRecords(1); got[0].Seq != 1 || string(got[0].Body) != "one" {
		t.Fatalf("the subscriber got %d %q, want 1 one", got[0].Seq, got[0].Body)
	}
	if body, ok := st.synced(1); !ok || body != "one" {
		t.Fatalf("record 1 was answered for as stored, but no commit that succeeded wrote it (%q, %v)", body, ok)
	}
}

// A pair whose creation the store reports as failed, but holds all the
// same, is created again in a commit that succeeds before anything else
// is numbered: its creation was never synced, so the kernel may drop it,
// and the app, asking again, would otherwise find it and go on pushing
// records to a pair the relay could forget.
func TestAPairAFailedCommitCreatedIsStoredAgain(t *testing.T) {
	st := &writtenThenFailed{}
	r := startRelayOver(t, DefaultLimits(), st.wrap)
	d := newDoc()
	a := dial(t, r.url)
	a.hello(r.token)
	st.failCreate.Store(true)
	req := a.nextReq()
	a.send(&wire.Create{Req: req, Doc: d.id, WriteHash: seal.CapHash(d.write[:]), ReadHash: seal.CapHash(d.read[:]), Root: d.root.Pub()})
	if e := a.answerError(req); e == nil {
		t.Fatal("the creation whose commit failed was acknowledged")
	}
	if st.failCreate.Load() {
		t.Fatal("no commit failed: the scenario did not happen")
	}
	if _, err := st.Store.Doc(d.id); err != nil {
		t.Fatalf("the store did not keep the failed creation (%v): the scenario did not happen", err)
	}
	a.create(d) // the app asks again
	a.subscribe(d.id, d.write[:], 0)
	if ack := a.expectAck(a.push(d.id, 1, "one")); ack.Seq != 1 {
		t.Fatalf("the first record took number %d, want 1", ack.Seq)
	}
	if !st.createdSynced(d.id) {
		t.Fatal("the pair was never created by a commit that succeeded: the relay answered for a creation the disk may not hold")
	}
}
