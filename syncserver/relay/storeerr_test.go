package relay

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"pairwise/shared/wire"
	"pairwise/syncserver/relaystore"
)

// failedStore is a store whose disk failed (relaystore.Badger.Failed).
type failedStore struct {
	relaystore.Store
	err error
}

func (f failedStore) Failed() error { return f.err }

// A relay whose store stopped writing after a disk failure says so on
// /healthz, so that whatever watches it can restart it, and its pushes
// are refused with a message saying the changes are kept.
func TestHealthzReportsAFailedDisk(t *testing.T) {
	failure := fmt.Errorf("%w: the disk failed a write or sync of the relay's store (EIO); check the disk, then restart it", relaystore.ErrDiskFailed)
	r := startRelayOver(t, DefaultLimits(), func(st relaystore.Store) relaystore.Store { return failedStore{st, failure} })
	resp, err := http.Get(r.http.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "check the disk") {
		t.Fatalf("healthz with a failed disk: %d %q, want 503 saying what failed", resp.StatusCode, body)
	}
	if e := errFor(1, wire.DocID{}, failure); !strings.Contains(e.Msg, "kept on your computer") {
		t.Fatalf("a push refused after the failure tells its writer %q", e.Msg)
	}
}

// conflictingStore refuses its next commits as if another relay instance
// had written their documents first.
type conflictingStore struct {
	relaystore.Store
	left atomic.Int32
}

func (c *conflictingStore) refusesCommits() {}

func (c *conflictingStore) Commit(b relaystore.Batch) error {
	if len(b.Entries) > 0 && c.left.Add(-1) >= 0 {
		return fmt.Errorf("%w: another instance wrote first", relaystore.ErrConflict)
	}
	return c.Store.Commit(b)
}

// A commit that keeps losing to other instances is numbered again until
// it is stored, for a while, not for a fixed count of tries: 40 conflicts
// in a row (another instance's stream of pushes on a busy machine) still
// end in the push being stored and acknowledged.
func TestAPushThatKeepsConflictingIsStoredInTheEnd(t *testing.T) {
	cs := &conflictingStore{}
	r := startRelayOver(t, DefaultLimits(), func(st relaystore.Store) relaystore.Store { cs.Store = st; return cs })
	d := newDoc()
	a := writerOf(t, r, d)
	cs.left.Store(40)
	if ack := a.expectAck(a.push(d.id, 1, "after forty conflicts")); ack.Seq != 1 {
		t.Fatalf("the push was stored as %d, want 1", ack.Seq)
	}
	if n := cs.left.Load(); n >= 0 {
		t.Fatalf("%d conflicts were left: the scenario did not happen", n+1)
	}
}
