package syncclient

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// sendWatch records what the engine tells the workspace about sending
// first: whether it said it would push each queued change before
// anything else, and each change it reported sent.
type sendWatch struct {
	Replicas
	promised atomic.Int64
	mu       sync.Mutex
	sent     map[string][]uint64
}

func (w *sendWatch) WatchOutbox(fn func(id string) bool) {
	w.Replicas.WatchOutbox(func(id string) bool {
		ok := fn(id)
		if ok {
			w.promised.Add(1)
		}
		return ok
	})
}

func (w *sendWatch) Sent(id string, dseq uint64) {
	w.mu.Lock()
	w.sent[id] = append(w.sent[id], dseq)
	w.mu.Unlock()
	w.Replicas.Sent(id, dseq)
}

func (w *sendWatch) sentOf(id string) []uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]uint64(nil), w.sent[id]...)
}

// While a session waits with nothing to do, the engine tells the
// workspace that a pair's new change will be pushed before anything else,
// so the edit syncs its disk only after the send (store/sendfirst.go), and
// it reports every change it pushes as sent: an edit told so and never
// told that its change went would wait for nothing. A pair joined
// read-only is never pushed, and once the session has ended no pair is.
func TestTheEngineReportsWhatItSendsFirst(t *testing.T) {
	r := startRelay(t)
	a, b, c := newReplica(t, r), newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, a, b, false)
	readOnly := pairOf(t, a, c, true)

	eng := NewWith(c.ws, Options{Logf: t.Logf})
	stop := runEngine(t, eng)
	if eng.markQueued(readOnly) {
		t.Fatal("the engine says it pushes a pair joined read-only")
	}
	stop()

	w := &sendWatch{Replicas: b.ws, sent: map[string][]uint64{}}
	eng = NewWith(w, Options{Logf: t.Logf})
	stop = runEngine(t, eng)
	before, err := b.ws.SyncState(pair)
	if err != nil {
		t.Fatal(err)
	}
	const edits = 20
	for i := range edits {
		b.addGoal(pair, "sent first "+itoa(i))
		waitFor(t, "the relay to acknowledge edit "+itoa(i), func() bool { return b.ws.PendingIn(pair) == 0 })
	}
	t.Logf("promised %d of %d", w.promised.Load(), edits)
	if p := w.promised.Load(); p < edits/2 {
		t.Fatalf("for %d of %d edits, each made with the session idle, the engine said it would push the change first; want most", p, edits)
	}
	sent := w.sentOf(pair)
	if len(sent) != edits || sent[0] != before.NextDSeq || sent[edits-1] != before.NextDSeq+edits-1 {
		t.Fatalf("the engine reported %v sent, want each of the %d changes from %d once", sent, edits, before.NextDSeq)
	}
	stop()
	if eng.markQueued(pair) {
		t.Fatal("after its session ended the engine still says it pushes the pair")
	}
	a.mustSync()
	if !strings.Contains(a.json(pair), "sent first "+itoa(edits-1)) {
		t.Fatal("the partner lacks the last edit")
	}
}

// The engine promises to push a change first only for a document its
// session would push at once, and only while the session is parked;
// waking takes the promise back and hands the session those documents
// (and no others), and a session's end forgets them all.
func TestAPushIsPromisedOnlyWhileTheSessionIsParked(t *testing.T) {
	e := &Engine{}
	e.setSending("a", true)
	if e.markQueued("a") {
		t.Fatal("promised while the session was busy")
	}
	e.park()
	if e.markQueued("b") {
		t.Fatal("promised a document the session would not push at once")
	}
	if !e.markQueued("a") {
		t.Fatal("not promised while the session was parked")
	}
	if got := e.unpark(nil); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("the session, woken, was handed %v to push first; want [a]", got)
	}
	if e.markQueued("a") {
		t.Fatal("promised after the session woke")
	}
	e.stopSending()
	e.park() // the next session, before it catches up
	if e.markQueued("a") {
		t.Fatal("promised a document of a session that ended")
	}
}
