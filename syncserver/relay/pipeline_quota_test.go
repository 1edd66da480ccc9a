package relay

import (
	"strings"
	"sync"
	"testing"
	"time"

	"pairwise/shared/wire"
	"pairwise/syncserver/relaystore"
)

// usageHeld lets a test stop the writer right after it has read a
// document's stored usage, as a busy machine may: what the store and the
// pipeline count must still add up once it goes on.
type usageHeld struct {
	*heldStore

	mu  sync.Mutex
	arm chan chan struct{} // the next Usage sends a channel here and waits for it to close
}

func (u *usageHeld) Usage(id wire.DocID) (relaystore.Usage, bool) {
	got, ok := u.heldStore.Usage(id)
	u.mu.Lock()
	arm := u.arm
	u.arm = nil
	u.mu.Unlock()
	if arm != nil {
		goOn := make(chan struct{})
		arm <- goOn
		<-goOn
	}
	return got, ok
}

// startQuotaRelay starts a relay with a document quota of 1,000 bytes over
// a store whose commits and usage reads the test can hold, with a writer
// subscribed to a new document and an early subscriber to it.
func startQuotaRelay(t *testing.T) (r *testRelay, st *usageHeld, a *client, d testDoc, early *client) {
	t.Helper()
	limits := DefaultLimits()
	limits.DocQuota = 1000
	st = &usageHeld{heldStore: &heldStore{}}
	r = startRelayOver(t, limits, func(s relaystore.Store) relaystore.Store {
		st.Store = s
		return st
	})
	d = newDoc()
	a, early = writerOf(t, r, d), readerOf(t, r, d, true)
	return r, st, a, d, early
}

// A push judged while the batch before it leaves the pipeline for the
// store must count that batch's bytes once: not zero times because the
// writer read the store's usage before the commit and the pipeline's after
// it.
func TestQuotaCountsABatchThatIsStoredWhileAPushIsJudged(t *testing.T) {
	r, st, a, d, early := startQuotaRelay(t)

	big := strings.Repeat("q", 600)
	holdCommits(t, st.heldStore)
	first := a.push(d.id, 1, big)
	nextEarly(t, early, 1, big) // on the pipeline, its commit held

	arm := make(chan chan struct{})
	st.mu.Lock()
	st.arm = arm
	st.mu.Unlock()
	second := a.push(d.id, 2, big) // 1,200 bytes with the first: over
	goOn := <-arm                  // the writer has read the usage for the second
	st.hold <- true                // the first is stored meanwhile
	if ack := a.expectAck(first); ack.Seq != 1 {
		t.Fatalf("the first push took %d, want 1", ack.Seq)
	}
	r.srv.writer.pipe.wait() // and off the pipeline; the writer is held, so it submits nothing
	st.heldStore.mu.Lock()
	st.hold = nil
	st.heldStore.mu.Unlock()
	close(goOn)

	if e, ok := a.answer(second).(*wire.Error); !ok || e.Code != wire.CodeQuota {
		t.Fatalf("the push that takes the pair to 1,200 bytes, over its quota of 1,000, got %#v, want a quota error", e)
	}
}

// serverConn is the relay's connection of the client with device dev
// subscribed to doc.
func serverConn(t *testing.T, r *testRelay, doc wire.DocID, dev wire.DeviceID) *conn {
	t.Helper()
	d, err := r.srv.doc(doc)
	if err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for c := range d.subs {
		if c.device == dev {
			return c
		}
	}
	t.Fatalf("no connection of device %x follows the pair", dev[:4])
	return nil
}

// Once a writer holds the ack of a push, the push's bytes count once
// against the quota: a push the writer sends next, which fits beside it,
// is not refused because they are counted both as stored and as still on
// their way to the disk.
func TestAnAcknowledgedPushCountsOnceAgainstTheQuota(t *testing.T) {
	r, st, a, d, early := startQuotaRelay(t)
	// Another writer on another pair, whose push is refused in the same
	// batch as a's first: the relay answers it after a's ack, and the
	// test holds that answer, with the relay's committer in it.
	w := newDoc()
	z := writerOf(t, r, w)
	// A pair of a's whose early records show how far the writer is.
	y := newDoc()
	a.create(y)
	a.subscribe(y.id, y.write[:], 0)
	yEarly := readerOf(t, r, y, true)

	holdCommits(t, st.heldStore)
	st.heldStore.mu.Lock()
	commits := len(st.commits)
	st.heldStore.mu.Unlock()
	held := z.push(w.id, 1, "held") // its commit is held
	waitFor(func() bool { st.heldStore.mu.Lock(); defer st.heldStore.mu.Unlock(); return len(st.commits) > commits })
	// A pair created waits for the pipeline to empty: the writer stops
	// there, and the next two pushes wait for it together.
	created := newDoc()
	a.send(&wire.Create{Req: a.nextReq(), Doc: created.id, WriteHash: [32]byte{1}, ReadHash: [32]byte{2}, Root: created.root.Pub()})
	waitFor(func() bool { return len(r.srv.writer.pipe.queue) == 1 })
	first := a.push(d.id, 1, strings.Repeat("q", 600))
	skips := z.push(w.id, 5, "skips ahead")                   // refused: out of order
	waitFor(func() bool { return len(r.srv.writer.in) == 2 }) // both wait for the writer
	st.hold <- true                                           // z's first; the pair is created without a commit to hold
	nextEarly(t, early, 1, strings.Repeat("q", 600))
	// Both were answered before the writer went on to a's first.
	zc := serverConn(t, r, w.id, z.device)
	zc.qmu.Lock() // z's answers wait, and the committer with them
	locked := true
	defer func() {
		if locked {
			zc.qmu.Unlock()
		}
	}()
	st.hold <- true // a's first and z's refused push, in one batch
	if ack := a.expectAck(first); ack.Seq != 1 {
		t.Fatalf("a's first push took %d, want 1", ack.Seq)
	}
	// 900 bytes with the first: within the quota.
	second := a.push(d.id, 2, strings.Repeat("r", 300))
	a.push(y.id, 1, "after it")
	nextEarly(t, yEarly, 1, "after it") // the writer has judged the second
	// The commits from here on go through: say so while the committer
	// still waits on z's answers, or it may take up the next commit, and
	// wait for a hold nobody sends, before it hears.
	st.heldStore.mu.Lock()
	st.hold = nil
	st.heldStore.mu.Unlock()
	zc.qmu.Unlock()
	locked = false

	if m := a.answer(second); func() bool { ack, ok := m.(*wire.Ack); return !ok || ack.Seq != 2 }() {
		t.Fatalf("a push that takes the pair to 900 bytes, within its quota of 1,000, sent once the 600 before it were acknowledged, got %#v, want an ack for record 2", m)
	}
	z.expectAck(held)
	if e, ok := z.answer(skips).(*wire.Error); !ok || e.Code != wire.CodeOutOfOrder {
		t.Fatalf("z's push that skips ahead got %#v, want out of order", e)
	}
}

// waitFor waits until cond holds, for state the test cannot be told of.
func waitFor(cond func() bool) {
	for !cond() {
		time.Sleep(time.Millisecond)
	}
}
