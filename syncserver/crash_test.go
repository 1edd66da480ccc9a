package main

import (
	"context"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"pairwise/shared/seal"
	"pairwise/shared/wire"
)

// TestSIGKILLDuringPushesAndSnapshots kills the relay process again and
// again while one client streams pushes and uploads a snapshot every few
// records, so kills land during appends, snapshot replacement and pruning.
// After every restart the relay must start cleanly and its view of the
// document must be whole: the newest acknowledged snapshot (or a later one)
// is served, the records after it are dense, and every acknowledged push
// is either in the log or covered by the snapshot.
func TestSIGKILLDuringPushesAndSnapshots(t *testing.T) {
	dir := t.TempDir()
	tokOut, _, _ := relayCmd(t, "token", "new", "--data", dir, "--name", "t")
	tok := strings.TrimSpace(tokOut)
	var doc wire.DocID
	rand.Read(doc[:])
	key := seal.NewDeviceKey() // one device across every restart
	w := seal.NewSecret()
	rng := mrand.New(mrand.NewPCG(7, 11))

	acked := map[uint64]uint64{} // device sequence -> relay sequence
	var snapAcked uint64         // newest snapshot the relay acknowledged
	next := uint64(1)            // next device sequence to send
	rounds := 6
	for round := 0; round < rounds; round++ {
		relay := serveRelay(t, dir)
		cmd, log, addr := relay.cmd, relay.log, relay.addr
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		ws := dialAs(t, ctx, addr, tok, key)
		if round == 0 {
			call(t, ctx, ws, &wire.Create{Req: 1, Doc: doc, WriteHash: seal.CapHash(w[:]), Root: key.Pub()})
		}
		snap, head := checkWhole(t, ctx, ws, doc, w[:], acked, snapAcked)
		t.Logf("round %d: relay holds snapshot at %d, head %d, %d pushes acknowledged so far", round, snap, head, len(acked))

		// Resend everything not yet acknowledged (the relay must treat
		// those it already stored as replays), then carry on.
		for d := uint64(1); d < next; d++ {
			if _, ok := acked[d]; !ok {
				next = d
				break
			}
		}
		var mu sync.Mutex
		kinds := map[uint64]string{}
		snapSeqs := map[uint64]uint64{}
		readDone := make(chan struct{})
		go func() { // acknowledgements, until the relay dies
			defer close(readDone)
			for {
				_, b, err := ws.Read(ctx)
				if err != nil {
					return
				}
				m, err := wire.Decode(b)
				if err != nil {
					t.Errorf("relay sent an undecodable frame: %v", err)
					return
				}
				mu.Lock()
				switch m := m.(type) {
				case *wire.Ack:
					if kinds[m.Req] == "snap" {
						snapAcked = max(snapAcked, snapSeqs[m.Req])
					} else if d, ok := strings.CutPrefix(kinds[m.Req], "push "); ok {
						var n uint64
						fmt.Sscan(d, &n)
						acked[n] = m.Seq
					}
				case *wire.Error:
					if kinds[m.Req] != "snap" || m.Code != wire.CodeStaleSnap {
						t.Errorf("relay refused %s: %v", kinds[m.Req], m)
					}
				}
				mu.Unlock()
			}
		}()
		killed := time.After(time.Duration(30+rng.IntN(200)) * time.Millisecond)
		req := uint64(100)
		send := func(m wire.Message, kind string, snapSeq uint64) bool {
			req++
			mu.Lock()
			kinds[req], snapSeqs[req] = kind, snapSeq
			mu.Unlock()
			switch m := m.(type) {
			case *wire.Push:
				m.Req = req
			case *wire.SnapPut:
				m.Req = req
			}
			b, _ := wire.Encode(m)
			return ws.Write(ctx, websocket.MessageBinary, b) == nil
		}
	stream:
		for ok := true; ok; next++ {
			select {
			case <-killed:
				break stream
			default:
			}
			body := []byte(fmt.Sprintf("rec-%d", next))
			ok = send(&wire.Push{Doc: doc, DSeq: next, Body: body, Sig: key.SignRecord(doc, next, body)}, fmt.Sprintf("push %d", next), 0)
			if next%16 == 0 {
				mu.Lock()
				var top uint64
				for _, s := range acked {
					top = max(top, s)
				}
				mu.Unlock()
				if top > 0 {
					body := []byte(fmt.Sprintf("snap-%d", top))
					ok = ok && send(&wire.SnapPut{Doc: doc, Seq: top, Body: body, Sig: key.SignSnapshot(doc, top, body)}, "snap", top)
				}
			}
			time.Sleep(200 * time.Microsecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		<-readDone
		ws.CloseNow()
		cancel()
		if t.Failed() {
			t.Fatalf("relay log:\n%s", log)
		}
	}
	// And once more, after the last kill.
	relay := serveRelay(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws := dialAs(t, ctx, relay.addr, "", key)
	snap, head := checkWhole(t, ctx, ws, doc, w[:], acked, snapAcked)
	if len(acked) < 50 || snapAcked == 0 {
		t.Fatalf("too little happened to say anything: %d pushes and a snapshot at %d acknowledged", len(acked), snapAcked)
	}
	t.Logf("after %d SIGKILLs: snapshot at %d, head %d, %d pushes acknowledged, all present", rounds, snap, head, len(acked))
}

// checkWhole subscribes from the start and checks the relay's view of doc
// against what it acknowledged. It returns the snapshot's and the head's
// sequence.
func checkWhole(t *testing.T, ctx context.Context, ws *websocket.Conn, doc wire.DocID, rcap []byte, acked map[uint64]uint64, snapAcked uint64) (snap, head uint64) {
	t.Helper()
	b, _ := wire.Encode(&wire.Subscribe{Req: 2, Doc: doc, Cap: rcap})
	if err := ws.Write(ctx, websocket.MessageBinary, b); err != nil {
		t.Fatal(err)
	}
	bodies := map[uint64]string{}
	for {
		switch m := readMsg(t, ctx, ws).(type) {
		case *wire.Snapshot:
			snap = m.Seq
			if string(m.Body) != fmt.Sprintf("snap-%d", m.Seq) {
				t.Fatalf("snapshot at %d holds %q", m.Seq, m.Body)
			}
		case *wire.Records:
			for _, r := range m.Recs {
				if r.Seq != max(snap, head)+1 {
					t.Fatalf("record %d follows %d: the log has a gap", r.Seq, max(snap, head))
				}
				head = r.Seq
				bodies[r.Seq] = string(r.Body)
			}
		case *wire.Error:
			t.Fatalf("subscribe: %v", m)
		case *wire.CaughtUp:
			head = max(head, snap)
			if snap < snapAcked {
				t.Fatalf("the relay acknowledged a snapshot at %d but serves one at %d", snapAcked, snap)
			}
			for d, seq := range acked {
				if seq > head {
					t.Fatalf("push %d was acknowledged as record %d, but the log ends at %d", d, seq, head)
				}
				if seq > snap && bodies[seq] != fmt.Sprintf("rec-%d", d) {
					t.Fatalf("push %d was acknowledged as record %d, which holds %q", d, seq, bodies[seq])
				}
			}
			return snap, head
		}
	}
}

// dialAs connects as the device whose key is key: it answers the relay's
// challenge with the key's proof and waits for the welcome. It speaks
// protocol version 2, so its pushes need only their signatures; the app's
// version 3 sessions are tested in relay and app/syncclient.
func dialAs(t *testing.T, ctx context.Context, addr, tok string, key seal.DeviceKey) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.Dial(ctx, "ws://"+addr, &websocket.DialOptions{Subprotocols: []string{wire.SubprotocolV2}})
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(wire.MaxFrame)
	ch, ok := readMsg(t, ctx, ws).(*wire.Challenge)
	if !ok {
		t.Fatal("the relay's first message is not a challenge")
	}
	call(t, ctx, ws, &wire.Hello{Version: wire.VersionV2, Device: key.ID(), Token: tok, Pub: key.Pub(), Sig: key.HelloProof(ch.Nonce)})
	return ws
}
