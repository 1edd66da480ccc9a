package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5"

	"pairwise/shared/seal"
	"pairwise/shared/wire"
	"pairwise/syncserver/pgtest"
	"pairwise/syncserver/relaytest"
)

// Several relay instances on one PostgreSQL database, as the real binary
// runs them (`serve --store postgres://...`), with clients speaking the
// wire protocol to each.

// serveStore starts a relay instance on the shared database.
func serveStore(t *testing.T, url string) *served {
	t.Helper()
	s := &served{log: &relaytest.Log{}}
	s.cmd = exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--store", url, "--log-format", "json")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	s.addr = waitServing(t, s.log, []string{"relay serving"})["relay serving"]
	return s
}

// sharedPair starts a database, issues a token named t on it, and starts
// two relay instances on it.
func sharedPair(t *testing.T) (url, tok string, a, b *served) {
	t.Helper()
	url, tok, a = sharedOne(t)
	return url, tok, a, serveStore(t, url)
}

// sharedOne is sharedPair with one instance.
func sharedOne(t *testing.T) (url, tok string, a *served) {
	t.Helper()
	url = pgtest.Start(t)
	out, errOut, code := relayCmd(t, "token", "new", "--store", url, "--name", "t")
	if code != 0 {
		t.Fatalf("token new --store: exit %d: %s", code, errOut)
	}
	return url, strings.TrimSpace(out), serveStore(t, url)
}

// wclient is one connection speaking the wire protocol, collecting what
// the relay sends.
type wclient struct {
	t     *testing.T
	ws    *websocket.Conn
	ctx   context.Context
	key   seal.DeviceKey
	mu    sync.Mutex
	req   uint64
	acks  map[uint64]*wire.Ack   // by request
	errs  map[uint64]*wire.Error // by request (0: about the document)
	recs  map[uint64]wire.Record // by sequence
	snaps []wire.Snapshot
	dead  chan struct{} // closed when the connection ends
	diag  func() string // more to say when a wait gives up (nil: nothing)
}

func connect(t *testing.T, ctx context.Context, addr, tok string, key seal.DeviceKey) *wclient {
	t.Helper()
	c := &wclient{t: t, ws: dialAs(t, ctx, addr, tok, key), ctx: ctx, key: key, req: 1000,
		acks: map[uint64]*wire.Ack{}, errs: map[uint64]*wire.Error{}, recs: map[uint64]wire.Record{}, dead: make(chan struct{})}
	go c.read()
	return c
}

func (c *wclient) read() {
	defer close(c.dead)
	for {
		_, b, err := c.ws.Read(c.ctx)
		if err != nil {
			return
		}
		m, err := wire.Decode(b)
		if err != nil {
			c.t.Errorf("the relay sent an undecodable frame: %v", err)
			return
		}
		c.mu.Lock()
		switch m := m.(type) {
		case *wire.Ack:
			c.acks[m.Req] = m
		case *wire.Error:
			c.errs[m.Req] = m
		case *wire.Records:
			for _, r := range m.Recs {
				c.recs[r.Seq] = r
			}
		case *wire.Snapshot:
			c.snaps = append(c.snaps, *m)
		}
		c.mu.Unlock()
	}
}

// send writes m with the next request number and returns it.
func (c *wclient) send(m wire.Message) uint64 {
	c.mu.Lock()
	c.req++
	req := c.req
	c.mu.Unlock()
	switch m := m.(type) {
	case *wire.Push:
		m.Req = req
	case *wire.Create:
		m.Req = req
	case *wire.Subscribe:
		m.Req = req
	case *wire.Certify:
		m.Req = req
	case *wire.SnapPut:
		m.Req = req
	case *wire.Confirm:
		m.Req = req
	}
	b, _ := wire.Encode(m)
	if err := c.ws.Write(c.ctx, websocket.MessageBinary, b); err != nil {
		return 0
	}
	return req
}

// wait polls until cond holds (with c's lock held), failing the test at
// the context's deadline with what was still missing.
func (c *wclient) wait(what string, cond func() bool) {
	c.t.Helper()
	for {
		c.mu.Lock()
		ok := cond()
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-c.ctx.Done():
			more := ""
			if c.diag != nil {
				more = "\n" + c.diag()
			}
			c.t.Fatalf("gave up waiting for %s%s", what, more)
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// call sends m and waits for its answer, failing on an error.
func (c *wclient) call(m wire.Message) *wire.Ack {
	c.t.Helper()
	req := c.send(m)
	var ack *wire.Ack
	c.wait(fmt.Sprintf("the answer to %s", m.WireType()), func() bool {
		if e := c.errs[req]; e != nil {
			c.t.Fatalf("%s: %v", m.WireType(), e)
		}
		ack = c.acks[req]
		return ack != nil
	})
	return ack
}

// push sends this device's change number dseq and returns its request.
func (c *wclient) push(doc wire.DocID, dseq uint64) uint64 {
	body := []byte(fmt.Sprintf("%x-%d", c.key.ID(), dseq))
	return c.send(&wire.Push{Doc: doc, DSeq: dseq, Body: body, Sig: c.key.SignRecord(doc, dseq, body)})
}

// pair is a document made on the shared relay: its root device, a second
// writer and the capabilities.
type pairDoc struct {
	id   wire.DocID
	w, r [32]byte
}

func newPairDoc(t *testing.T, root *wclient, writers ...seal.DeviceKey) pairDoc {
	t.Helper()
	var p pairDoc
	rand.Read(p.id[:])
	p.w, p.r = seal.NewSecret(), seal.NewSecret()
	root.call(&wire.Create{Doc: p.id, WriteHash: seal.CapHash(p.w[:]), ReadHash: seal.CapHash(p.r[:]), Root: root.key.Pub()})
	root.call(&wire.Subscribe{Doc: p.id, Cap: p.w[:]})
	var certs [][]byte
	for _, k := range writers {
		certs = append(certs, root.key.Issue(seal.CertWriter, p.id, k.Pub()).Encode())
	}
	if len(certs) > 0 {
		root.call(&wire.Certify{Doc: p.id, Certs: certs})
	}
	return p
}

// TestTwoInstancesServeOnePair: a mentor's device on one instance and the
// mentee's on the other push to the same pair at the same time; both get
// every record, the log is dense with each change once, and what each was
// acknowledged is what everyone reads. Admin commands run against the
// database while both serve: a revoked token stops working on both, and a
// deleted pair is gone for members on both.
func TestTwoInstancesServeOnePair(t *testing.T) {
	url := pgtest.Start(t)
	tokOut, errOut, code := relayCmd(t, "token", "new", "--store", url, "--name", "cohort")
	if code != 0 {
		t.Fatalf("token new --store: exit %d: %s", code, errOut)
	}
	tok := strings.TrimSpace(tokOut)
	a, b := serveStore(t, url), serveStore(t, url)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	mentorKey, menteeKey := seal.NewDeviceKey(), seal.NewDeviceKey()
	mentor := connect(t, ctx, a.addr, tok, mentorKey)
	pd := newPairDoc(t, mentor, menteeKey)
	mentee := connect(t, ctx, b.addr, "", menteeKey)
	reader := connect(t, ctx, b.addr, "", seal.NewDeviceKey())
	mentee.call(&wire.Subscribe{Doc: pd.id, Cap: pd.w[:]})
	reader.call(&wire.Subscribe{Doc: pd.id, Cap: pd.r[:]})

	const each = 150
	reqs := map[*wclient]map[uint64]uint64{mentor: {}, mentee: {}} // request -> dseq
	var wg sync.WaitGroup
	for _, c := range []*wclient{mentor, mentee} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := uint64(1); d <= each; d++ {
				req := c.push(pd.id, d)
				c.mu.Lock()
				reqs[c][req] = d
				c.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	// Every push is answered first: a refused one would leave its record
	// missing, and the failure should say why rather than time out.
	for c, byReq := range reqs {
		c.wait("an answer to every push", func() bool {
			for req := range byReq {
				if c.acks[req] == nil && c.errs[req] == nil {
					return false
				}
			}
			return true
		})
		c.mu.Lock()
		for req, d := range byReq {
			if e := c.errs[req]; e != nil {
				t.Fatalf("change %d was refused: %v\ninstance a:\n%s\ninstance b:\n%s", d, e, tail(a.log.String(), 3000), tail(b.log.String(), 3000))
			}
		}
		c.mu.Unlock()
	}
	diag := func() string {
		counts := ""
		for name, c := range map[string]*wclient{"mentor": mentor, "mentee": mentee, "reader": reader} {
			c.mu.Lock()
			counts += fmt.Sprintf("%s holds %d records; ", name, len(c.recs))
			c.mu.Unlock()
		}
		return counts + "\ninstance a:\n" + tail(a.log.String(), 3000) + "\ninstance b:\n" + tail(b.log.String(), 3000)
	}
	for _, c := range []*wclient{mentor, mentee, reader} {
		c.diag = diag
		c.wait("every record", func() bool { return len(c.recs) >= 2*each })
	}
	// The log: 1..300, each (device, change) once, each device's changes
	// in order.
	seen := map[string]uint64{}
	last := map[wire.DeviceID]uint64{}
	reader.mu.Lock()
	for s := uint64(1); s <= 2*each; s++ {
		r, ok := reader.recs[s]
		if !ok {
			t.Fatalf("record %d is missing on the reader's instance", s)
		}
		k := fmt.Sprintf("%x/%d", r.Device, r.DSeq)
		if _, dup := seen[k]; dup {
			t.Fatalf("change %s stored twice", k)
		}
		seen[k] = s
		if r.DSeq != last[r.Device]+1 {
			t.Fatalf("device %x: change %d follows %d", r.Device[:4], r.DSeq, last[r.Device])
		}
		last[r.Device] = r.DSeq
	}
	reader.mu.Unlock()
	if len(reader.recs) != 2*each {
		t.Fatalf("the reader holds %d records, want %d", len(reader.recs), 2*each)
	}
	// Each acknowledgement names the sequence everyone reads.
	for c, byReq := range reqs {
		c.mu.Lock()
		for req, d := range byReq {
			ack := c.acks[req]
			if ack == nil {
				t.Fatalf("change %d was never acknowledged (error %v)", d, c.errs[req])
			}
			if want := seen[fmt.Sprintf("%x/%d", c.key.ID(), d)]; ack.Seq != want {
				t.Fatalf("change %d acknowledged as %d, stored as %d", d, ack.Seq, want)
			}
		}
		c.mu.Unlock()
	}

	// The admin commands act on the database while both serve.
	out, errOut, code := relayCmd(t, "doc", "list", "--store", url)
	if id := hex.EncodeToString(pd.id[:]); code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "cohort") {
		t.Fatalf("doc list --store: exit %d: %s%s", code, out, errOut)
	}
	if _, errOut, code := relayCmd(t, "token", "revoke", "--store", url, "cohort"); code != 0 {
		t.Fatalf("token revoke --store: exit %d: %s", code, errOut)
	}
	// Each instance hears of it from the database (or reads the tokens
	// again within a second): creates with the token are refused there.
	for _, inst := range []*served{a, b} {
		c := connect(t, ctx, inst.addr, tok, seal.NewDeviceKey())
		for {
			var doc wire.DocID
			rand.Read(doc[:])
			w := seal.NewSecret()
			req := c.send(&wire.Create{Doc: doc, WriteHash: seal.CapHash(w[:]), Root: c.key.Pub()})
			c.wait("the answer to a create", func() bool { return c.errs[req] != nil || c.acks[req] != nil })
			c.mu.Lock()
			e := c.errs[req]
			c.mu.Unlock()
			if e != nil && e.Code == wire.CodeRevoked {
				break
			}
			if e != nil {
				t.Fatalf("a create with the revoked token: got %v, want %s", e, wire.CodeRevoked)
			}
			if ctx.Err() != nil {
				t.Fatal("the revoked token still creates pairs")
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if _, errOut, code := relayCmd(t, "doc", "delete", "--store", url, hex.EncodeToString(pd.id[:])); code != 0 {
		t.Fatalf("doc delete --store: exit %d: %s", code, errOut)
	}
	for _, c := range []*wclient{mentor, mentee, reader} {
		c.wait("the deleted pair's notice", func() bool { e := c.errs[0]; return e != nil && e.Code == wire.CodeNotFound })
	}
}

// TestKilledInstanceLosesNothingAcknowledged: an instance is SIGKILLed
// while a device streams pushes through it; the device reconnects through
// the other instance and sends again everything not acknowledged. Every
// change is stored once, and each acknowledged one under the sequence it
// was acknowledged with.
func TestKilledInstanceLosesNothingAcknowledged(t *testing.T) {
	_, tok, a, b := sharedPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	key := seal.NewDeviceKey()
	c := connect(t, ctx, a.addr, tok, key)
	pd := newPairDoc(t, c)

	dseqOf := map[uint64]uint64{}
	const total = 400
	for d := uint64(1); d <= total; d++ {
		req := c.push(pd.id, d)
		if req == 0 {
			break // the connection is gone
		}
		c.mu.Lock()
		dseqOf[req] = d
		n := len(c.acks)
		c.mu.Unlock()
		if n >= 60 && a.cmd.ProcessState == nil {
			a.cmd.Process.Signal(syscall.SIGKILL)
			a.cmd.Wait()
		}
		time.Sleep(time.Millisecond) // a stream, so the kill lands in it
	}
	<-c.dead
	acked := map[uint64]uint64{} // dseq -> seq
	c.mu.Lock()
	for req, ack := range c.acks {
		if d, ok := dseqOf[req]; ok {
			acked[d] = ack.Seq
		}
	}
	c.mu.Unlock()
	if len(acked) < 50 || len(acked) == total {
		t.Fatalf("%d of %d pushes were acknowledged: the kill did not land mid-stream", len(acked), total)
	}

	// Through the other instance: everything again from the first change
	// not acknowledged (the relay takes what it holds as replays).
	c2 := connect(t, ctx, b.addr, "", key)
	c2.call(&wire.Subscribe{Doc: pd.id, Cap: pd.w[:]})
	first := uint64(1)
	for acked[first] != 0 {
		first++
	}
	for d := first; d <= total; d++ {
		c2.push(pd.id, d)
	}
	c2.wait("every change stored", func() bool { return len(c2.recs) >= total })
	c2.mu.Lock()
	defer c2.mu.Unlock()
	for s := uint64(1); s <= total; s++ {
		r, ok := c2.recs[s]
		if !ok || r.DSeq != s {
			t.Fatalf("record %d: %+v, want change %d (the log must be dense, each change once)", s, r, s)
		}
	}
	for d, seq := range acked {
		if seq != d {
			t.Fatalf("change %d was acknowledged as %d but is stored as %d", d, seq, d)
		}
	}
}

// TestDatabaseRestartMidSync: the database restarts while a device pushes;
// pushes that fail are refused (never acknowledged), the relay reconnects
// by itself, and after the device sends again what was not acknowledged,
// every change is there once, acknowledged ones under their sequence.
func TestDatabaseRestartMidSync(t *testing.T) {
	_, tok, a := sharedOne(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	key := seal.NewDeviceKey()
	c := connect(t, ctx, a.addr, tok, key)
	pd := newPairDoc(t, c)

	const total = 300
	dseqOf := map[uint64]uint64{}
	var restarted chan struct{}
	sentDuring := 0
	for d := uint64(1); d <= total; d++ {
		req := c.push(pd.id, d)
		c.mu.Lock()
		dseqOf[req] = d
		n := len(c.acks)
		c.mu.Unlock()
		if n >= 50 && restarted == nil {
			restarted = make(chan struct{})
			go func() { defer close(restarted); pgtest.Restart(t) }()
		}
		if restarted != nil {
			select {
			case <-restarted:
			default:
				sentDuring++
			}
		}
		time.Sleep(time.Millisecond) // a stream that the restart lands in
	}
	<-restarted
	// Whatever the relay answers now (acknowledged, or refused while the
	// database was away), then again, until every change is acknowledged.
	refused := 0
	for round := 0; ; round++ {
		c.wait("an answer to every push", func() bool { return len(c.acks)+len(c.errs) >= len(dseqOf) })
		acked := map[uint64]bool{}
		c.mu.Lock()
		if round == 0 {
			refused = len(c.errs)
		}
		for req, d := range dseqOf {
			if c.acks[req] != nil {
				acked[d] = true
			}
		}
		c.mu.Unlock()
		if len(acked) == total {
			break
		}
		if round > 20 {
			t.Fatalf("after %d rounds, %d of %d changes acknowledged\n%s", round, len(acked), total, a.log)
		}
		time.Sleep(100 * time.Millisecond)
		for d := uint64(1); d <= total; d++ {
			if !acked[d] {
				req := c.push(pd.id, d)
				c.mu.Lock()
				dseqOf[req] = d
				c.mu.Unlock()
			}
		}
	}
	// The restart landed mid-stream: the relay lost the database while
	// pushes came in (whether they were refused and sent again, or held
	// until it was back).
	if !strings.Contains(a.log.String(), "lost the database connection") || sentDuring == 0 {
		t.Fatalf("the restart did not land while pushes were under way (%d sent during it)\n%s", sentDuring, a.log)
	}
	t.Logf("%d pushes sent while the database restarted, %d refused and sent again", sentDuring, refused)
	check := connect(t, ctx, a.addr, "", seal.NewDeviceKey())
	check.call(&wire.Subscribe{Doc: pd.id, Cap: pd.w[:]})
	check.wait("every change", func() bool { return len(check.recs) >= total })
	check.mu.Lock()
	defer check.mu.Unlock()
	for s := uint64(1); s <= total; s++ {
		if r, ok := check.recs[s]; !ok || r.DSeq != s {
			t.Fatalf("record %d: %+v, want change %d", s, r, s)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for req, ack := range c.acks {
		if d, ok := dseqOf[req]; ok && ack.Seq != d {
			t.Fatalf("change %d acknowledged as %d", d, ack.Seq)
		}
	}
}

// TestSubscriberAheadOfInstance: a device whose change one instance has
// just stored subscribes through the other from past that change, before
// the other has heard of it from the database. It is answered with the
// database's head, not with the older one the instance held, which would
// tell the device that the relay lost records it has seen.
func TestSubscriberAheadOfInstance(t *testing.T) {
	_, tok, a, b := sharedPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	key := seal.NewDeviceKey()
	w := connect(t, ctx, a.addr, tok, key)
	pd := newPairDoc(t, w)
	// A reader keeps the pair in the second instance's memory.
	connect(t, ctx, b.addr, "", seal.NewDeviceKey()).call(&wire.Subscribe{Doc: pd.id, Cap: pd.r[:]})
	for d := uint64(1); d <= 30; d++ {
		req := w.push(pd.id, d)
		var seq uint64
		w.wait(fmt.Sprintf("the answer to change %d", d), func() bool {
			if e := w.errs[req]; e != nil {
				t.Fatalf("change %d: %v", d, e)
			}
			if ack := w.acks[req]; ack != nil {
				seq = ack.Seq
			}
			return seq != 0
		})
		c := connect(t, ctx, b.addr, "", key)
		if ack := c.call(&wire.Subscribe{Doc: pd.id, Cap: pd.w[:], From: seq}); ack.Seq < seq {
			t.Fatalf("change %d was stored as record %d through one instance; subscribing from it through the other: head %d", d, seq, ack.Seq)
		}
		c.ws.Close(websocket.StatusNormalClosure, "")
	}
}

// TestSnapshotRaceAcrossInstances: the pair's two writers upload a
// snapshot of the same records at the same moment, each through its own
// instance. As on one relay, one is taken (to wait for the other writer's
// confirmation) and the other is told that the relay has one covering as
// much; neither is told that the relay failed.
func TestSnapshotRaceAcrossInstances(t *testing.T) {
	_, tok, a, b := sharedPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	k1, k2 := seal.NewDeviceKey(), seal.NewDeviceKey()
	c1 := connect(t, ctx, a.addr, tok, k1)
	pd := newPairDoc(t, c1, k2)
	c2 := connect(t, ctx, b.addr, "", k2)
	c2.call(&wire.Subscribe{Doc: pd.id, Cap: pd.w[:]})
	record := func(c *wclient, dseq uint64) *wire.Push {
		body := []byte(fmt.Sprintf("%x-%d", c.key.ID(), dseq))
		return &wire.Push{Doc: pd.id, DSeq: dseq, Body: body, Sig: c.key.SignRecord(pd.id, dseq, body)}
	}
	stale := 0
	for round := uint64(1); round <= 20; round++ {
		c2.call(record(c2, round))
		head := c1.call(record(c1, round)).Seq
		for _, c := range []*wclient{c1, c2} {
			c.wait("every record on both instances", func() bool { _, ok := c.recs[head]; return ok })
		}
		reqs := map[*wclient]uint64{}
		for _, c := range []*wclient{c1, c2} {
			body := []byte(fmt.Sprintf("snapshot %d by %x", head, c.key.ID()))
			reqs[c] = c.send(&wire.SnapPut{Doc: pd.id, Seq: head, Body: body, Sig: c.key.SignSnapshot(pd.id, head, body)})
		}
		taken := 0
		for c, req := range reqs {
			c.wait("the answer to a snapshot", func() bool { return c.acks[req] != nil || c.errs[req] != nil })
			c.mu.Lock()
			switch e := c.errs[req]; {
			case e == nil:
				taken++
			case e.Code == wire.CodeStaleSnap:
				stale++
			default:
				t.Errorf("round %d: a snapshot racing another's: %v, want it taken or %s", round, e, wire.CodeStaleSnap)
			}
			c.mu.Unlock()
		}
		if taken == 0 {
			t.Fatalf("round %d: neither snapshot was taken", round)
		}
	}
	t.Logf("%d of 20 races lost by one snapshot", stale)
}

// TestConfirmationsThroughTwoInstancesPromoteASnapshot: a snapshot waits
// for two other writers' confirmations, which reach the relay through
// different instances; together they promote it, and a newcomer on either
// instance is served it.
func TestConfirmationsThroughTwoInstancesPromoteASnapshot(t *testing.T) {
	_, tok, a, b := sharedPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	bKey, cKey := seal.NewDeviceKey(), seal.NewDeviceKey()
	root := connect(t, ctx, a.addr, tok, seal.NewDeviceKey())
	pd := newPairDoc(t, root, bKey, cKey)
	onA := connect(t, ctx, a.addr, "", bKey)
	onB := connect(t, ctx, b.addr, "", cKey)
	for _, c := range []*wclient{onA, onB} {
		c.call(&wire.Subscribe{Doc: pd.id, Cap: pd.w[:], Candidates: true})
		if e := c.errs[c.push(pd.id, 1)]; e != nil {
			t.Fatal(e)
		}
	}
	root.wait("both writers' records", func() bool { return len(root.recs) >= 2 })
	body := []byte("snapshot-2")
	root.call(&wire.SnapPut{Doc: pd.id, Seq: 2, Body: body, Sig: root.key.SignSnapshot(pd.id, 2, body)})
	for _, c := range []*wclient{onA, onB} {
		c.wait("the snapshot waiting for this device", func() bool {
			for _, s := range c.snaps {
				if s.Candidate && s.Seq == 2 {
					return true
				}
			}
			return false
		})
		c.call(&wire.Confirm{Doc: pd.id, Seq: 2})
	}
	for _, inst := range []*served{a, b} {
		late := connect(t, ctx, inst.addr, "", seal.NewDeviceKey())
		deadline := time.Now().Add(30 * time.Second)
		for {
			late.call(&wire.Subscribe{Doc: pd.id, Cap: pd.r[:]})
			promoted := false
			late.mu.Lock()
			for _, s := range late.snaps {
				promoted = promoted || (s.Seq == 2 && !s.Candidate)
			}
			late.mu.Unlock()
			if promoted {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("a newcomer on %s is not served the confirmed snapshot", inst.addr)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// TestDatabaseHoldsNoTokenOrPassword: what `token new --store` issues is
// kept in the database only as its hash, and neither the token nor the
// database password is printed in the relay's log.
func TestDatabaseHoldsNoTokenOrPassword(t *testing.T) {
	url := pgtest.Start(t)
	tokOut, _, code := relayCmd(t, "token", "new", "--store", url, "--name", "t")
	tok := strings.TrimSpace(tokOut)
	if code != 0 || tok == "" {
		t.Fatalf("token new: exit %d", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Every text and byte column of every table, as text.
	rows, err := conn.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = 'public' AND data_type IN ('text', 'bytea', 'character varying')`)
	if err != nil {
		t.Fatal(err)
	}
	var cols [][2]string
	for rows.Next() {
		var tbl, col string
		if err := rows.Scan(&tbl, &col); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, [2]string{tbl, col})
	}
	rows.Close()
	if len(cols) == 0 {
		t.Fatal("no columns to look in")
	}
	found := 0
	for _, c := range cols {
		var n int
		q := fmt.Sprintf(`SELECT count(*) FROM %q WHERE position($1 in encode(convert_to(%q::text, 'UTF8'), 'escape')) > 0`, c[0], c[1])
		if err := conn.QueryRow(ctx, q, tok).Scan(&n); err != nil {
			t.Fatalf("%s.%s: %v", c[0], c[1], err)
		}
		found += n
	}
	if found != 0 {
		t.Fatalf("the token itself is in the database (%d rows)", found)
	}
	var hashes int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM tokens").Scan(&hashes); err != nil || hashes != 1 {
		t.Fatalf("tokens table: %d rows, %v; want the one token's hash", hashes, err)
	}

	withPassword := strings.Replace(url, "postgres://postgres@", "postgres://postgres:s3cret-pw@", 1)
	if withPassword == url {
		t.Fatalf("cannot add a password to %s", url)
	}
	s := serveStore(t, withPassword)
	if log := s.log.String(); strings.Contains(log, "s3cret-pw") || strings.Contains(log, tok) {
		t.Fatalf("the relay's log shows a secret:\n%s", log)
	}
}

// tail is the end of a log, at most n bytes of it.
func tail(log string, n int) string {
	if len(log) > n {
		return log[len(log)-n:]
	}
	return log
}
