package syncclient

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"pairwise/app/crdt"
	"pairwise/app/mentoring"
	"pairwise/app/workspace"
	"pairwise/shared/seal"
	"pairwise/shared/wire"
	"pairwise/syncserver/relaystore"
)

// rawHello connects to r and says hello as device dev with key pub and
// signature sig (made by sign over the relay's nonce); it returns the
// relay's answer.
func rawHello(t *testing.T, r *relay, dev wire.DeviceID, pub seal.DevicePub, sign func(nonce [32]byte, relayKey, clientKey []byte) []byte) wire.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, r.url, &websocket.DialOptions{Subprotocols: []string{wire.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	read := func() wire.Message {
		_, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		m, err := wire.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	ch, ok := read().(*wire.Challenge)
	if !ok {
		t.Fatal("the relay did not open with a challenge")
	}
	own := seal.NewExchange().Public()
	b, _ := wire.Encode(&wire.Hello{Version: wire.Version, Device: dev, Pub: pub, Sig: sign(ch.Nonce, ch.Key, own), Key: own})
	if err := ws.Write(ctx, websocket.MessageBinary, b); err != nil {
		t.Fatal(err)
	}
	return read()
}

// Finding 1 of the security review: a holder of the write secret said
// hello as the victim's device and pushed at the victim's next number, so
// the relay took the victim's real push for a repeat and dropped it. Now
// a connection is bound to a device only by a signature of its key.
func TestSpoofedDeviceCannotSwallowPushes(t *testing.T) {
	r := startRelay(t)
	ana, ben := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, ana, ben, false)
	ana.mustSync()
	victim, _ := ana.ws.DeviceKey()
	attacker := seal.NewDeviceKey()

	// As the victim's ID with the attacker's own key, and with the
	// victim's public key but a signature the attacker can make.
	for name, pub := range map[string]seal.DevicePub{"own key": attacker.Pub(), "victim's key": victim.Pub()} {
		m := rawHello(t, r, victim.ID(), pub, attacker.SessionHelloProof)
		var e *wire.Error
		if e, _ = m.(*wire.Error); e == nil || e.Code != wire.CodeDevice {
			t.Fatalf("hello as the victim with the %s: got %#v, want a %s error", name, m, wire.CodeDevice)
		}
	}
	if got := r.metric(`pairwise_relay_errors_total{code="device"}`); got != 2 {
		t.Fatalf("the relay counted %v refused device proofs, want 2", got)
	}
	// The attacker under its own name is no writer: its push is refused,
	// and the victim's next push, numbered as the attacker hoped to take,
	// arrives.
	if m := rawHello(t, r, attacker.ID(), attacker.Pub(), attacker.SessionHelloProof); m.WireType() != wire.TypeWelcome {
		t.Fatalf("an honest hello got %#v", m)
	}
	ana.addGoal(pair, "Ana's goal after the attack")
	ana.mustSync()
	ben.mustSync()
	if !strings.Contains(ben.json(pair), "Ana's goal after the attack") {
		t.Fatal("the victim's change did not reach the partner")
	}
	st, _ := ana.ws.SyncState(pair)
	if st.Pending() != 0 {
		t.Fatalf("%d of the victim's changes still wait", st.Pending())
	}
}

// Finding 8: readers and writers share the pair key, so a read-only member
// could seal records that open. Records must also carry a writer's
// signature, which each replica checks for itself: here the forged record
// is put straight into the relay's log, as a relay that accepts anything
// would store it.
func TestReadOnlyMemberCannotForgeRecords(t *testing.T) {
	r := startRelay(t)
	ana, ben := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, ana, ben, true) // Ben may only read
	ana.mustSync()
	ben.mustSync()

	// Ben builds a change as his app would, from his copy of the pair.
	change := winChange(t, ben, pair, "forged by a reader")
	// The relay stores it after everything else.
	forged := injectRecord(t, r, ben, pair, change)

	// Ana's app skips it and carries on; so does a new member's.
	ana.mustSync()
	carol := newReplica(t, r)
	code, _ := ana.ws.Invite(pair, true)
	if _, err := carol.ws.Join(code, "Carol", mentoring.Mentee); err != nil {
		t.Fatal(err)
	}
	carol.mustSync()
	for name, x := range map[string]*replica{"the writer": ana, "a new member": carol} {
		if strings.Contains(x.json(pair), "forged by a reader") {
			t.Errorf("%s applied the reader's forged record", name)
		}
		if st, _ := x.ws.SyncState(pair); st.Cursor < forged.Seq {
			t.Errorf("%s stopped at record %d, before the forged one (%d)", name, st.Cursor, forged.Seq)
		}
	}
	// And a real change still flows.
	ana.addGoal(pair, "after the forgery")
	ana.mustSync()
	carol.mustSync()
	if !strings.Contains(carol.json(pair), "after the forgery") {
		t.Error("the writer's next change did not arrive")
	}
}

// injectRecord puts a change into the relay's log as the record of x's
// device, sealed with the document's key and signed by x's device key, the
// way a relay that accepts anything would store it: it stops the relay,
// appends to its store and starts it again.
func injectRecord(t *testing.T, r *relay, x *replica, id string, change []byte) wire.Record {
	t.Helper()
	meta, err := x.ws.Meta(id)
	if err != nil {
		t.Fatal(err)
	}
	var did wire.DocID
	raw, _ := hex.DecodeString(id)
	copy(did[:], raw)
	var key seal.Key
	copy(key[:], meta.Key)
	dev, _ := x.ws.DeviceKey()
	body := seal.SealRecord(key, did, dev.ID(), 1, change)
	if _, err := seal.OpenRecord(key, did, dev.ID(), 1, body); err != nil {
		t.Fatalf("the forged record does not even open: %v", err)
	}
	r.stop()
	st, err := relaystore.OpenBadger(filepath.Join(r.dir, "store"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	d, err := st.Doc(did)
	if err != nil {
		t.Fatal(err)
	}
	rec := wire.Record{Seq: d.Head + 1, Device: dev.ID(), DSeq: 1, Body: body, Sig: dev.SignRecord(did, 1, body)}
	if err := st.Commit(relaystore.Batch{Entries: []relaystore.Entry{{Doc: did, Rec: rec}}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	r.start()
	return rec
}

// rawSession is a connection that speaks the protocol directly as a given
// device, for a member who tampers with their app.
type rawSession struct {
	t    *testing.T
	ctx  context.Context
	ws   *websocket.Conn
	tags *seal.Session // the session's, for pushes
}

func dialAsDevice(t *testing.T, r *relay, key seal.DeviceKey) *rawSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	ws, _, err := websocket.Dial(ctx, r.url, &websocket.DialOptions{Subprotocols: []string{wire.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(wire.MaxFrame)
	t.Cleanup(func() { ws.CloseNow() })
	s := &rawSession{t: t, ctx: ctx, ws: ws}
	ch := s.read().(*wire.Challenge)
	a, err := key.AnswerChallenge(ch.Nonce, ch.Key)
	if err != nil {
		t.Fatal(err)
	}
	s.tags = a.Session
	s.send(&wire.Hello{Version: wire.Version, Device: key.ID(), Pub: key.Pub(), Sig: a.Proof, Key: a.Key})
	if m := s.read(); m.WireType() != wire.TypeWelcome {
		t.Fatalf("hello: %#v", m)
	}
	return s
}

func (s *rawSession) send(m wire.Message) {
	s.t.Helper()
	b, _ := wire.Encode(m)
	if err := s.ws.Write(s.ctx, websocket.MessageBinary, b); err != nil {
		s.t.Fatal(err)
	}
}

func (s *rawSession) read() wire.Message {
	s.t.Helper()
	_, b, err := s.ws.Read(s.ctx)
	if err != nil {
		s.t.Fatalf("read: %v", err)
	}
	m, err := wire.Decode(b)
	if err != nil {
		s.t.Fatal(err)
	}
	return m
}

// answer reads until the reply to req.
func (s *rawSession) answer(req uint64) wire.Message {
	s.t.Helper()
	for {
		switch m := s.read().(type) {
		case *wire.Ack:
			if m.Req == req {
				return m
			}
		case *wire.Error:
			if m.Req == req || m.Req == 0 {
				return m
			}
		}
	}
}

// Finding 4: one unopenable snapshot at the head made the relay drop every
// record it covered, so new members got nothing they could open. Now the
// relay keeps covered records until every other device that wrote some of
// them confirms the snapshot, which a replica does only after opening it
// and finding its own changes there.
func TestJunkSnapshotDoesNotPruneHistory(t *testing.T) {
	r := startRelay(t)
	ana, ben := newReplica(t, r), newReplica(t, r)
	ana.opts.SnapshotEvery, ben.opts.SnapshotEvery = 4, 4
	pair := pairOf(t, ana, ben, false)
	for i := range 3 {
		ana.addGoal(pair, "Ana's goal "+strings.Repeat("i", i+1))
	}
	ana.mustSync()
	ben.mustSync() // confirms Ana's snapshot, if she made one
	ana.addGoal(pair, "Ana's goal since the last snapshot")
	ana.mustSync()
	ben.addGoal(pair, "Ben's goal Ana has not seen")
	ben.mustSync()
	before := r.metric("pairwise_relay_snapshots_total")

	// Ben, a writer, uploads junk signed with his own key at the head.
	benKey, _ := ben.ws.DeviceKey()
	meta, _ := ben.ws.Meta(pair)
	var did wire.DocID
	raw, _ := hex.DecodeString(pair)
	copy(did[:], raw)
	s := dialAsDevice(t, r, benKey)
	s.send(&wire.Subscribe{Req: 1, Doc: did, Cap: meta.Write, From: 1 << 40})
	ack, ok := s.answer(1).(*wire.Ack)
	if !ok {
		t.Fatal("the tampering writer could not subscribe")
	}
	junk := []byte("nothing anyone can open")
	s.send(&wire.SnapPut{Req: 2, Doc: did, Seq: ack.Seq, Body: junk, Sig: benKey.SignSnapshot(did, ack.Seq, junk)})
	if m, ok := s.answer(2).(*wire.Ack); !ok || m.Seq != ack.Seq {
		t.Fatalf("the junk snapshot: got %#v, want it taken (as a candidate)", m)
	}

	// Ana's app, behind, is sent it in place of the records it covers
	// (only her confirmation is missing); it does not open, so her app
	// catches up from the records, which the relay kept, and does not
	// confirm it. A new member gets the whole pair.
	ana.mustSync()
	if !strings.Contains(ana.json(pair), "Ben's goal Ana has not seen") {
		t.Fatal("after refusing the junk snapshot, Ana's app did not catch up from the records")
	}
	carol := newReplica(t, r)
	code, _ := ana.ws.Invite(pair, true)
	if _, err := carol.ws.Join(code, "Carol", mentoring.Mentee); err != nil {
		t.Fatal(err)
	}
	carol.mustSync()
	if a, c := ana.json(pair), carol.json(pair); a != c || !strings.Contains(c, "Ana's goal since the last snapshot") {
		t.Fatalf("a new member sees another pair after the junk snapshot:\nAna:   %s\nCarol: %s", a, c)
	}
	if got := r.metric("pairwise_relay_snapshots_total"); got != before {
		t.Fatalf("the relay took %v snapshots, want %v: the junk one was promoted", got, before)
	}

	// A real snapshot from Ana replaces it. It covers a change of Ben's,
	// so it waits until Ben's own app confirms it, and only then does the
	// relay let the covered records go.
	ben.addGoal(pair, "Ben's goal")
	ben.mustSync()
	for i := range ana.opts.SnapshotEvery {
		ana.addGoal(pair, "more "+strings.Repeat("m", i+1))
	}
	ana.mustSync()
	if got := r.metric("pairwise_relay_snapshots_total"); got != before {
		t.Fatalf("Ana's snapshot was taken before Ben confirmed it (%v snapshots)", got)
	}
	ben.mustSync()
	if got := r.metric("pairwise_relay_snapshots_total"); got != before+1 {
		t.Fatalf("after Ben's app confirmed Ana's snapshot the relay holds %v snapshots, want %v", got, before+1)
	}
	dave := newReplica(t, r)
	if _, err := dave.ws.Join(code, "Dave", mentoring.Mentee); err != nil {
		t.Fatal(err)
	}
	dave.mustSync()
	if a, d := ana.json(pair), dave.json(pair); a != d {
		t.Fatalf("a member joining after the snapshot sees another pair:\nAna:  %s\nDave: %s", a, d)
	}
}

// A data folder restored from an older copy numbers its next change as one
// the relay already holds, with other content. It used to take the relay's
// "already have it" for success and drop the change without a word. The
// relay's answer now carries the held record's signature, so the device
// sees it is not its own retry and says so; the change stays on this
// computer, and the partner (who could never merge it: it reuses the
// pair's Automerge numbers too) is unharmed.
func TestRestoredFolderDoesNotLoseChangesToReusedNumbers(t *testing.T) {
	r := startRelay(t)
	dir := t.TempDir()
	ana := openReplicaAt(t, r, dir)
	ben := newReplica(t, r)
	pair := pairOf(t, ana, ben, false)
	ana.mustSync()
	ana.ws.Close()
	backup := t.TempDir()
	if err := exec.Command("cp", "-a", dir+"/.", backup).Run(); err != nil {
		t.Fatal(err)
	}
	ana = openReplicaAt(t, r, dir)
	ana.addGoal(pair, "made before the restore")
	ana.mustSync()
	ana.ws.Close()

	// The disk dies; Ana restores yesterday's copy and carries on.
	restored := openReplicaAt(t, r, backup)
	restored.addGoal(pair, "made after the restore")
	err := restored.sync()
	if !errors.Is(err, ErrRestoredCopy) || !strings.Contains(err.Error(), "export it to keep them") {
		t.Fatalf("sync after the restore: got %v, want ErrRestoredCopy saying what to do", err)
	}
	if stateFor(err) != Refused {
		t.Errorf("the restored copy shows as %v, want refused (it needs the person)", stateFor(err))
	}
	if !strings.Contains(restored.json(pair), "made after the restore") {
		t.Error("the change made after the restore is gone from this computer")
	}
	ben.mustSync()
	if got := ben.json(pair); !strings.Contains(got, "made before the restore") || strings.Contains(got, "made after the restore") {
		t.Errorf("the partner's copy after the restore: %s", got)
	}
}

// openReplicaAt opens a replica on an existing (or new) data folder.
func openReplicaAt(t *testing.T, r *relay, dir string) *replica {
	t.Helper()
	ws, err := workspace.Open(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if err := ws.UpdateSettings(func(s *workspace.Settings) { s.Relay, s.Token = r.url, r.token }); err != nil {
		t.Fatal(err)
	}
	return &replica{t: t, ws: ws}
}

// winChange is a change that records a win in x's copy of pair, made as
// x's app would make it, under a fresh actor.
func winChange(t *testing.T, x *replica, pair, text string) []byte {
	t.Helper()
	snap, err := x.ws.Snapshot(pair)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := crdt.Load(snap, crdt.NewActor())
	if err != nil {
		t.Fatal(err)
	}
	p, err := mentoring.Read(doc)
	if err != nil {
		t.Fatal(err)
	}
	edit, err := mentoring.AddWin(p, doc.Actor(), text, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := edit.Apply(doc); err != nil {
		t.Fatal(err)
	}
	change, err := doc.Commit(edit.Msg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return change
}
