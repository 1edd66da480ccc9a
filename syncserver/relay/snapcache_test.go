package relay

import (
	"bytes"
	"context"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"pairwise/shared/wire"
)

// TestSubscribersShareOneSnapshotFrame: many subscribers catching up on a
// document with a large snapshot cost one read and one encoding of it, and
// the relay-wide budget for queued bytes holds: with a budget smaller than
// the snapshot frame, every subscriber that would queue it is dropped as
// slow, while the writer carries on and the budget is given back.
func TestSubscribersShareOneSnapshotFrame(t *testing.T) {
	const snapSize = 7 << 20
	const subscribers = 8
	r := startRelay(t, DefaultLimits())
	w := dial(t, r.url)
	w.hello(r.token)
	d := newDoc()
	w.create(d)
	w.subscribe(d.id, d.write[:], 0)
	w.expectAck(w.push(d.id, 1, "covered"))
	body := make([]byte, snapSize)
	rand.Read(body)
	req := w.nextReq()
	w.send(&wire.SnapPut{Req: req, Doc: d.id, Seq: 1, Body: body, Sig: w.key.SignSnapshot(d.id, 1, body)})
	w.expectAck(req)

	// Every subscriber gets the whole snapshot, from one encoding.
	var wg sync.WaitGroup
	for range subscribers {
		c := dial(t, r.url)
		c.hello("")
		wg.Go(func() {
			req := c.nextReq()
			c.send(&wire.Subscribe{Req: req, Doc: d.id, Cap: d.read[:]})
			for {
				m, err := c.read()
				if err != nil {
					t.Errorf("subscriber: %v", err)
					return
				}
				if s, ok := m.(*wire.Snapshot); ok {
					if s.Seq != 1 || !bytes.Equal(s.Body, body) {
						t.Errorf("snapshot %d of %d bytes, want 1 of %d", s.Seq, len(s.Body), len(body))
					}
					return
				}
			}
		})
	}
	wg.Wait()
	if n := testutil.ToFloat64(r.srv.m.snapshotsServed); n != subscribers {
		t.Fatalf("%v snapshots served, want %d", n, subscribers)
	}
	if n := testutil.ToFloat64(r.srv.m.snapshotEncodes); n != 1 {
		t.Errorf("the snapshot was read and encoded %v times for %d subscribers, want once", n, subscribers)
	}

	// A new snapshot replaces the shared frame.
	w.expectAck(w.push(d.id, 2, "covered too"))
	req = w.nextReq()
	w.send(&wire.SnapPut{Req: req, Doc: d.id, Seq: 2, Body: body[:snapSize-1], Sig: w.key.SignSnapshot(d.id, 2, body[:snapSize-1])})
	w.expectAck(req)
	late := dial(t, r.url)
	late.hello("")
	if snap, _ := late.subscribe(d.id, d.read[:], 0); snap == nil || snap.Seq != 2 || len(snap.Body) != snapSize-1 {
		t.Fatalf("a subscriber after the new snapshot got %+v, want snapshot 2", snap)
	}
	if n := testutil.ToFloat64(r.srv.m.snapshotEncodes); n != 2 {
		t.Errorf("%v encodings after a second snapshot, want 2", n)
	}

	// The same relay with a queued-bytes budget below one snapshot frame.
	r.close()
	limits := DefaultLimits()
	limits.MaxQueuedTotal = 4 << 20
	r.open(limits)
	w = dial(t, r.url)
	w.hello(r.token)
	w.subscribe(d.id, d.write[:], 2)
	for range subscribers {
		c := dial(t, r.url)
		c.hello("")
		wg.Go(func() {
			c.send(&wire.Subscribe{Req: c.nextReq(), Doc: d.id, Cap: d.read[:]})
			for {
				m, err := c.read()
				if err != nil {
					if st := websocket.CloseStatus(err); st != websocket.StatusTryAgainLater {
						t.Errorf("subscriber over the budget ended with %v, want close status %d", err, websocket.StatusTryAgainLater)
					}
					return
				}
				if _, ok := m.(*wire.Snapshot); ok {
					t.Error("a snapshot frame larger than the whole budget was queued")
					return
				}
			}
		})
	}
	wg.Wait()
	if n := testutil.ToFloat64(r.srv.m.slowDropped); n != subscribers {
		t.Errorf("%v subscribers dropped as slow, want all %d", n, subscribers)
	}
	if n := testutil.ToFloat64(r.srv.m.snapshotEncodes); n != 1 {
		t.Errorf("the snapshot was read and encoded %v times for %d subscribers, want once", n, subscribers)
	}
	w.expectAck(w.push(d.id, 1, "the writer is unaffected"))
	// Every byte counted against the budget is given back once written or
	// discarded.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for r.srv.queued.Load() != 0 {
		if ctx.Err() != nil {
			t.Fatalf("%d bytes still counted as queued with nothing left to send", r.srv.queued.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
