package relay

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"pairwise/shared/wire"
	"pairwise/syncserver/pgtest"
	"pairwise/syncserver/relaystore"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// deafStore is a Postgres whose notices never arrive, as when the LISTEN
// connection is down or the writer is too busy to handle them in time.
type deafStore struct{ *relaystore.Postgres }

func (d deafStore) Watch(ctx context.Context, w relaystore.Watcher) error {
	<-ctx.Done()
	return ctx.Err()
}

// instance B caches device X's sequence at 1. Through instance A
// (here the store directly) X's change 2 is stored, a snapshot covers it
// and its record is pruned. X, whose ack was lost with A, retries change 2
// through B: B's refresh after the conflict finds the records pruned and
// never updates its cached device sequence, so every retry renumbers the
// push as new and conflicts again, 16 times, and X (with every other push
// in those batches) gets internal errors forever instead of the duplicate
// ack.
func TestRetryOfPrunedPushThroughOtherInstance(t *testing.T) {
	url := pgtest.Start(t)
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()
	stB, err := relaystore.OpenPostgres(ctx, url, log)
	if err != nil {
		t.Fatal(err)
	}
	stA, err := relaystore.OpenPostgres(ctx, url, log)
	if err != nil {
		t.Fatal(err)
	}
	defer stA.Close()
	tok, err := StoreTokenAdmin(stB).New("t")
	if err != nil {
		t.Fatal(err)
	}
	srv := New(deafStore{stB}, OpenStoreTokens(stB), log, DefaultLimits())
	hs := httptest.NewServer(srv.Handler())
	defer func() { hs.Close(); srv.Shutdown(ctx) }()
	url2 := "ws" + strings.TrimPrefix(hs.URL, "http")
	x, d := writerOfOneRecord(t, url2, tok)

	// Instance A stores X's change 2, a snapshot covering it, and prunes.
	body := []byte("two")
	r2 := wire.Record{Seq: 2, Device: x.device, DSeq: 2, Body: body, Sig: x.key.SignRecord(d.id, 2, body)}
	if err := stA.Commit(relaystore.Batch{Entries: []relaystore.Entry{{Doc: d.id, Rec: r2}}, Heads: map[wire.DocID]uint64{d.id: 1}}); err != nil {
		t.Fatal(err)
	}
	snap := []byte("snap")
	if err := stA.PutSnapshot(d.id, relaystore.Snap{Seq: 2, Device: x.device, Body: snap, Sig: x.key.SignSnapshot(d.id, 2, snap)}); err != nil {
		t.Fatal(err)
	}
	if err := stA.Prune(d.id); err != nil {
		t.Fatal(err)
	}

	// X retries change 2 through B (twice: the first attempt's refresh
	// drops B's subscribers, as it should).
	var last wire.Message
	for attempt := 0; attempt < 2; attempt++ {
		c := dial(t, url2)
		c.key, c.device = x.key, x.device
		c.hello(tok)
		c.subscribe(d.id, d.write[:], 2)
		last = c.answer(c.push(d.id, 2, "two"))
	}
	if e, ok := last.(*wire.Error); ok {
		t.Fatalf("retry of a stored (and pruned) change through another instance: got %s (%q), want the duplicate's ack; log:\n%s", e.Code, e.Msg, lastLines(logs.String(), 5))
	}
}

// startDeaf starts an in-process relay on a fresh database whose notices
// never arrive, and returns it, its URL, a token and a second handle on
// the database that stands for another instance.
func startDeaf(t *testing.T) (srv *Server, wsURL, tok string, other, own *relaystore.Postgres, logs *bytes.Buffer) {
	t.Helper()
	url := pgtest.Start(t)
	logs = &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()
	var err error
	if own, err = relaystore.OpenPostgres(ctx, url, log); err != nil {
		t.Fatal(err)
	}
	if other, err = relaystore.OpenPostgres(ctx, url, log); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	if tok, err = StoreTokenAdmin(own).New("t"); err != nil {
		t.Fatal(err)
	}
	srv = New(deafStore{own}, OpenStoreTokens(own), log, DefaultLimits())
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Shutdown(ctx) })
	return srv, "ws" + strings.TrimPrefix(hs.URL, "http"), tok, other, own, logs
}

// writerOfOneRecord connects a device that creates a document, follows
// it and pushes its first record.
func writerOfOneRecord(t *testing.T, url, tok string) (*client, testDoc) {
	t.Helper()
	x := dial(t, url)
	x.hello(tok)
	d := newDoc()
	x.create(d)
	x.subscribe(d.id, d.write[:], 0)
	x.expectAck(x.push(d.id, 1, "one"))
	return x, d
}

// a snapshot waits for X's confirmation. X confirms through
// instance B before B has read the waiting snapshot (its notice is late):
// the confirmation is kept in the database and acknowledged. When B then
// reads the waiting snapshot, loadCandidate finds nobody left to wait for,
// but nothing promotes it: it waits forever (records are never pruned, the
// document is never evicted, snapshots at or below it are refused).
func TestFullyConfirmedCandidateIsPromotedWhenLoaded(t *testing.T) {
	srv, url, tok, other, own, _ := startDeaf(t)
	x, d := writerOfOneRecord(t, url, tok)

	// Device Y, through instance A, uploads a snapshot covering X's record.
	y := dial(t, url)
	body := []byte("snap")
	if err := other.PutCandidate(d.id, relaystore.Snap{Seq: 1, Device: y.device, Body: body, Sig: y.key.SignSnapshot(d.id, 1, body)}); err != nil {
		t.Fatal(err)
	}
	req := x.nextReq()
	x.send(x.confirmMsg(req, d.id, 1))
	x.expectAck(req)
	srv.noticeDoc(d.id) // B's late notice of the waiting snapshot

	time.Sleep(200 * time.Millisecond)
	if sn, _ := own.Snapshot(d.id); sn.Seq != 1 {
		c, _ := own.Candidate(d.id)
		t.Fatalf("every device confirmed the waiting snapshot at 1, yet the current snapshot is at %d and the waiting one at %d", sn.Seq, c.Seq)
	}
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// A subscriber catching up through instance B, whose cached snapshot is
// older than one stored through instance A (its notice is late), found
// the records behind A's snapshot pruned and B's snapshot no help: it got
// an internal error on every try until B heard (found by app/syncclient's
// TestChaosTwoInstances, seed 6). B now reads the stored snapshot.
func TestCatchUpThroughAnInstanceThatMissedANewerSnapshot(t *testing.T) {
	_, url, tok, other, _, logs := startDeaf(t)
	x, d := writerOfOneRecord(t, url, tok)
	req := x.nextReq()
	x.send(x.snapPut(req, d.id, 1, "snap at 1"))
	x.expectAck(req)
	y := dial(t, url)
	y.hello(tok)
	if snap, _ := y.subscribe(d.id, d.read[:], 0); snap == nil || snap.Seq != 1 {
		t.Fatalf("a subscriber from 0 got snapshot %v, want the one at 1 (now cached)", snap)
	}

	// Records 2 and 3 through B; then a snapshot covering them through A,
	// which prunes them.
	x.expectAck(x.push(d.id, 2, "two"))
	x.expectAck(x.push(d.id, 3, "three"))
	body := []byte("snap at 3")
	if err := other.PutSnapshot(d.id, relaystore.Snap{Seq: 3, Device: x.device, Body: body, Sig: x.key.SignSnapshot(d.id, 3, body)}); err != nil {
		t.Fatal(err)
	}
	if err := other.Prune(d.id); err != nil {
		t.Fatal(err)
	}

	c := dial(t, url)
	c.hello(tok)
	req = c.nextReq()
	c.send(&wire.Subscribe{Req: req, Doc: d.id, Cap: d.read[:], From: 1})
	c.expectAck(req)
	for {
		switch m := c.next().(type) {
		case *wire.Snapshot:
			if m.Seq != 3 {
				t.Fatalf("catching up from 1 got the snapshot at %d, want 3", m.Seq)
			}
		case *wire.CaughtUp:
			return
		case *wire.Error:
			t.Fatalf("catching up from 1 through the instance that missed the snapshot at 3: %v; log:\n%s", m, lastLines(logs.String(), 5))
		}
	}
}
