package relaystore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"pairwise/shared/wire"
	"pairwise/syncserver/pgtest"
)

// watchEvents runs st.Watch and turns its calls into lines on a channel.
func watchEvents(t *testing.T, st *Postgres) (<-chan string, context.CancelFunc, <-chan error) {
	events := make(chan string, 100)
	send := func(f string, a ...any) { events <- fmt.Sprintf(f, a...) }
	w := Watcher{
		Head:     func(id wire.DocID, head uint64) { send("head %x %d", id[:1], head) },
		Snapshot: func(id wire.DocID) { send("snapshot %x", id[:1]) },
		Certs:    func(id wire.DocID) { send("certs %x", id[:1]) },
		Deleted:  func(id wire.DocID) { send("deleted %x", id[:1]) },
		Tokens:   func() { send("tokens") },
		Gap:      func() { send("gap") },
		Ready:    func() { send("ready") },
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- st.Watch(ctx, w)
		close(done) // the cleanup's receive does not wait for a value the test took
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return events, cancel, done
}

// expect reads the next events and checks they are want, in order.
func expect(t *testing.T, events <-chan string, want ...string) {
	t.Helper()
	for _, w := range want {
		select {
		case got := <-events:
			if got != w {
				t.Fatalf("got notice %q, want %q", got, w)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no notice within 30s; want %q", w)
		}
	}
}

// What one instance changes reaches the other's Watch, in commit order;
// after the database restarts, or is killed and started again, the
// watcher hears of the gap, is ready again, and hears what follows.
func TestPostgresWatchAcrossInstancesAndRestarts(t *testing.T) {
	url := pgtest.Start(t)
	a, b := openPG(t, url), openPG(t, url)
	events, cancel, done := watchEvents(t, a)
	expect(t, events, "ready")

	doc, dev := docID(1), devID(1)
	must(t, b.Commit(Batch{Creates: map[wire.DocID]Doc{doc: newDoc(1)}}))
	must(t, b.Commit(Batch{Entries: entries(doc, rec(1, dev, 1, "a", true), rec(2, dev, 2, "b", true)), Heads: map[wire.DocID]uint64{doc: 0}}))
	must(t, b.PutSnapshot(doc, Snap{Seq: 1, Body: []byte("s")}))
	must(t, b.PutCandidate(doc, Snap{Seq: 2, Body: []byte("c")}))
	must(t, b.AddCerts(doc, [][]byte{[]byte("cert")}))
	must(t, b.AddCerts(doc, [][]byte{[]byte("cert")})) // nothing new: no notice
	must(t, b.AddToken(TokenRow{Name: "n", Hash: strings.Repeat("ab", 32), Created: time.Now()}))
	must(t, a.Commit(Batch{Entries: entries(doc, rec(3, dev, 3, "c", true)), Heads: map[wire.DocID]uint64{doc: 2}})) // its own too
	must(t, b.RevokeToken("n", time.Now()))
	must(t, b.DeleteDoc(doc))
	expect(t, events, "head 01 0", "head 01 2", "snapshot 01", "snapshot 01", "certs 01", "tokens", "head 01 3", "tokens", "deleted 01")

	pgtest.Restart(t)
	expect(t, events, "gap", "ready")
	// b's pooled connections died with the server: the commit dials again.
	must(t, b.Commit(Batch{Creates: map[wire.DocID]Doc{docID(2): newDoc(2)}}))
	expect(t, events, "head 02 0")

	pgtest.Kill(t)
	if err := b.Commit(Batch{Creates: map[wire.DocID]Doc{docID(3): newDoc(3)}}); err == nil || !strings.Contains(err.Error(), "cannot be reached") {
		t.Fatalf("a commit while the database is down: %v; want one saying it cannot be reached", err)
	}
	pgtest.Start(t)
	expect(t, events, "gap", "ready")
	must(t, b.Commit(Batch{Creates: map[wire.DocID]Doc{docID(4): newDoc(4)}}))
	expect(t, events, "head 04 0")
	if _, err := b.Doc(docID(2)); err != nil {
		t.Fatalf("a document committed before the kill: %v", err)
	}

	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Watch returned %v when its context ended, want context.Canceled", err)
	}
	select {
	case e := <-events:
		t.Fatalf("a notice after Watch returned: %q", e)
	default:
	}
}

// Closing the store ends its Watch, which returns nil.
func TestPostgresCloseEndsWatch(t *testing.T) {
	st, err := OpenPostgres(context.Background(), pgtest.Start(t), logTo(t))
	must(t, err)
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- st.Watch(context.Background(), Watcher{Ready: func() { close(ready) }}) }()
	<-ready
	must(t, st.Close())
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Watch returned %v on Close, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Watch still runs after Close")
	}
	if err := st.Watch(context.Background(), Watcher{}); err != nil {
		t.Fatalf("Watch on a closed store: %v, want nil at once", err)
	}
}
