package relay

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"pairwise/shared/seal"
	"pairwise/shared/wire"
	"pairwise/syncserver/relaystore"
)

// testRelay is a relay over a real Badger store on disk, served over real
// WebSockets on loopback.
type testRelay struct {
	t     *testing.T
	dir   string
	srv   *Server
	http  *httptest.Server
	url   string
	token string
	logs  *bytes.Buffer
	// wrap, if set before open, stands between the relay and its store.
	wrap func(relaystore.Store) relaystore.Store
}

func startRelay(t *testing.T, limits Limits) *testRelay {
	t.Helper()
	dir := t.TempDir()
	tok, err := NewToken(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	r := &testRelay{t: t, dir: dir, token: tok, logs: &bytes.Buffer{}}
	r.open(limits)
	return r
}

func (r *testRelay) open(limits Limits) {
	log := slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, err := relaystore.OpenBadger(r.dir+"/store", log)
	if err != nil {
		r.t.Fatal(err)
	}
	var store relaystore.Store = st
	if r.wrap != nil {
		store = r.wrap(st)
	}
	r.srv = New(store, OpenTokens(r.dir), log, limits)
	r.http = httptest.NewServer(r.srv.Handler())
	r.url = "ws" + strings.TrimPrefix(r.http.URL, "http")
	r.t.Cleanup(r.close)
}

func (r *testRelay) close() {
	if r.http == nil {
		return
	}
	r.http.Close()
	r.srv.Shutdown(context.Background())
	r.http = nil
}

// client speaks the wire protocol directly, so tests can also misbehave.
type client struct {
	t      *testing.T
	ws     *websocket.Conn
	key    seal.DeviceKey
	device wire.DeviceID
	nonce  [32]byte
	req    uint64
	early  bool // subscribes for records before they are stored

	v2       bool          // speaks protocol version 2: no session, signatures only
	relayKey []byte        // version 3: the relay's exchange key
	tags     *seal.Session // version 3: set by helloMsg
}

// dial connects with protocol version 3, as the app does.
func dial(t *testing.T, url string) *client {
	t.Helper()
	return dialProto(t, url, wire.Subprotocol)
}

// dialV2 connects as an app of protocol version 2 would.
func dialV2(t *testing.T, url string) *client {
	t.Helper()
	return dialProto(t, url, wire.SubprotocolV2)
}

func dialProto(t *testing.T, url, proto string) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{proto}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ws.SetReadLimit(wire.MaxFrame)
	c := &client{t: t, ws: ws, key: seal.NewDeviceKey(), v2: proto == wire.SubprotocolV2}
	c.device = c.key.ID()
	t.Cleanup(func() { ws.CloseNow() })
	m, err := c.read()
	if err != nil {
		t.Fatalf("read challenge: %v", err)
	}
	ch, ok := m.(*wire.Challenge)
	if !ok {
		t.Fatalf("first message: got %#v, want a challenge", m)
	}
	c.nonce, c.relayKey = ch.Nonce, ch.Key
	return c
}

// helloMsg is this client's valid hello. In version 3 it also sets the
// session the relay will derive from it.
func (c *client) helloMsg(token string) *wire.Hello {
	if c.v2 {
		return &wire.Hello{Version: wire.VersionV2, Device: c.device, Token: token, Pub: c.key.Pub(), Sig: c.key.HelloProof(c.nonce)}
	}
	a, err := c.key.AnswerChallenge(c.nonce, c.relayKey)
	if err != nil {
		c.t.Fatalf("session: %v", err)
	}
	c.tags = a.Session
	return &wire.Hello{Version: wire.Version, Device: c.device, Token: token, Pub: c.key.Pub(), Sig: a.Proof, Key: a.Key}
}

// pushMsg is a push of body as this client's device, signed, and tagged
// in version 3.
func (c *client) pushMsg(req uint64, doc wire.DocID, dseq uint64, body []byte) *wire.Push {
	m := &wire.Push{Req: req, Doc: doc, DSeq: dseq, Body: body, Sig: c.key.SignRecord(doc, dseq, body)}
	if c.tags != nil {
		m.Tag = c.tags.PushTag(doc, dseq, body, m.Sig)
	}
	return m
}

func (c *client) sendRaw(b []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageBinary, b)
}

func (c *client) send(m wire.Message) {
	c.t.Helper()
	b, err := wire.Encode(m)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.sendRaw(b); err != nil {
		c.t.Fatalf("send %s: %v", m.WireType(), err)
	}
}

func (c *client) read() (wire.Message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		return nil, err
	}
	return wire.Decode(b)
}

func (c *client) next() wire.Message {
	c.t.Helper()
	m, err := c.read()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return m
}

func (c *client) hello(token string) {
	c.t.Helper()
	c.send(c.helloMsg(token))
	if _, ok := c.next().(*wire.Welcome); !ok {
		c.t.Fatal("no welcome")
	}
}

func (c *client) nextReq() uint64 { c.req++; return c.req }

// expectAck reads until the answer to req and fails unless it is an Ack.
func (c *client) expectAck(req uint64) *wire.Ack {
	c.t.Helper()
	m := c.answer(req)
	a, ok := m.(*wire.Ack)
	if !ok {
		c.t.Fatalf("request %d: got %#v, want ack", req, m)
	}
	return a
}

func (c *client) expectError(req uint64, code wire.Code) *wire.Error {
	c.t.Helper()
	m := c.answer(req)
	e, ok := m.(*wire.Error)
	if !ok || e.Code != code {
		c.t.Fatalf("request %d: got %#v, want error %s", req, m, code)
	}
	if e.Msg == "" {
		c.t.Fatalf("error %s has no sentence", code)
	}
	return e
}

// answer skips records and other traffic until the reply to req.
func (c *client) answer(req uint64) wire.Message {
	c.t.Helper()
	for {
		m := c.next()
		switch m := m.(type) {
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

type testDoc struct {
	id          wire.DocID
	write, read seal.Secret
	root        seal.DeviceKey // the document's root of write authority
}

// roots maps each test document to its root key, so that a client that
// subscribes with the write capability can make itself a writer.
var roots sync.Map

func newDoc() testDoc {
	var d testDoc
	rand.Read(d.id[:])
	d.write, d.read = seal.NewSecret(), seal.NewSecret()
	d.root = seal.NewDeviceKey()
	roots.Store(d.id, d)
	return d
}

func (c *client) create(d testDoc) {
	c.t.Helper()
	req := c.nextReq()
	c.send(&wire.Create{Req: req, Doc: d.id, WriteHash: seal.CapHash(d.write[:]), ReadHash: seal.CapHash(d.read[:]), Root: d.root.Pub()})
	c.expectAck(req)
}

// snapPut is a snapshot upload signed by this client's device.
func (c *client) snapPut(req uint64, doc wire.DocID, seq uint64, body string) *wire.SnapPut {
	return &wire.SnapPut{Req: req, Doc: doc, Seq: seq, Body: []byte(body), Sig: c.key.SignSnapshot(doc, seq, []byte(body))}
}

// certify makes this client's device a writer of d, signed by d's root.
func (c *client) certify(d testDoc) {
	c.t.Helper()
	req := c.nextReq()
	c.send(&wire.Certify{Req: req, Doc: d.id, Certs: [][]byte{d.root.Issue(seal.CertWriter, d.id, c.key.Pub()).Encode()}})
	c.expectAck(req)
}

// subscribe returns everything up to CaughtUp: a snapshot if any, and records.
func (c *client) subscribe(doc wire.DocID, cap []byte, from uint64) (*wire.Snapshot, []wire.Record) {
	c.t.Helper()
	req := c.nextReq()
	c.send(&wire.Subscribe{Req: req, Doc: doc, Cap: cap, From: from, Early: c.early})
	c.expectAck(req)
	var snap *wire.Snapshot
	var recs []wire.Record
	for {
		switch m := c.next().(type) {
		case *wire.Snapshot:
			snap = m
		case *wire.Records:
			recs = append(recs, m.Recs...)
		case *wire.CaughtUp:
			if v, ok := roots.Load(doc); ok {
				if d := v.(testDoc); bytes.Equal(cap, d.write[:]) {
					c.certify(d)
				}
			}
			return snap, recs
		case *wire.Error:
			c.t.Fatalf("subscribe: %v", m)
		}
	}
}

func (c *client) push(doc wire.DocID, dseq uint64, body string) uint64 {
	req := c.nextReq()
	c.send(c.pushMsg(req, doc, dseq, []byte(body)))
	return req
}

// readRecords reads live records until n have arrived.
func (c *client) readRecords(n int) []wire.Record {
	c.t.Helper()
	var out []wire.Record
	for len(out) < n {
		if m, ok := c.next().(*wire.Records); ok {
			out = append(out, m.Recs...)
		}
	}
	return out
}

func TestBacklogThenLiveInOrder(t *testing.T) {
	r := startRelay(t, DefaultLimits())
	a := dial(t, r.url)
	a.hello(r.token)
	d := newDoc()
	a.create(d)
	a.subscribe(d.id, d.write[:], 0)
	for i := 1; i <= 5; i++ {
		if got := a.expectAck(a.push(d.id, uint64(i), "x")).Seq; got != uint64(i) {
			t.Fatalf("push %d got seq %d", i, got)
		}
	}
	b := dial(t, r.url)
	b.hello("")
	_, recs := b.subscribe(d.id, d.read[:], 2)
	if len(recs) != 3 || recs[0].Seq != 3 || recs[2].Seq != 5 {
		t.Fatalf("backlog from 2: %+v", recs)
	}
	if recs[0].Device != a.device || recs[0].DSeq != 3 {
		t.Fatalf("record carries device %x dseq %d", recs[0].Device, recs[0].DSeq)
	}
	// Live: the reader sees a's next pushes in order, with a's own echo too.
	for i := 6; i <= 8; i++ {
		a.push(d.id, uint64(i), "y")
	}
	live := b.readRecords(3)
	for i, rec := range live {
		if rec.Seq != uint64(6+i) || string(rec.Body) != "y" {
			t.Fatalf("live record %d: %+v", i, rec)
		}
	}
}

func TestPushIsIdempotentOnDeviceSequence(t *testing.T) {
	r := startRelay(t, DefaultLimits())
	a := dial(t, r.url)
	a.hello(r.token)
	d := newDoc()
	a.create(d)
	a.subscribe(d.id, d.write[:], 0)
	first := a.expectAck(a.push(d.id, 1, "one")).Seq
	a.expectAck(a.push(d.id, 2, "two"))
	// A retry after a lost acknowledgement, on a new connection.
	a2 := dial(t, r.url)
	a2.key, a2.device = a.key, a.device
	a2.hello("")
	a2.subscribe(d.id, d.write[:], 2)
	if got := a2.expectAck(a2.push(d.id, 1, "one")).Seq; got != first {
		t.Fatalf("replayed push got seq %d, want the original %d", got, first)
	}
	a2.expectError(a2.push(d.id, 5, "five"), wire.CodeOutOfOrder)
	c := dial(t, r.url)
	c.hello("")
	if _, recs := c.subscribe(d.id, d.read[:], 0); len(recs) != 2 {
		t.Fatalf("log holds %d records after a replay, want 2", len(recs))
	}
}

func TestAccessRules(t *testing.T) {
	r := startRelay(t, DefaultLimits())
	d := newDoc()
	owner := dial(t, r.url)
	owner.hello(r.token)
	owner.create(d)

	t.Run("create needs a token", func(t *testing.T) {
		c := dial(t, r.url)
		c.hello("")
		req := c.nextReq()
		c.send(&wire.Create{Req: req, Doc: newDoc().id, Root: c.key.Pub()})
		e := c.expectError(req, wire.CodeToken)
		if !strings.Contains(e.Msg, "token") {
			t.Fatalf("message does not say a token is needed: %q", e.Msg)
		}
		c.hello2Fails()
	})
	t.Run("wrong capability", func(t *testing.T) {
		c := dial(t, r.url)
		c.hello("")
		other := seal.NewSecret()
		req := c.nextReq()
		c.send(&wire.Subscribe{Req: req, Doc: d.id, Cap: other[:]})
		c.expectError(req, wire.CodeUnauthorized)
	})
	t.Run("read-only push", func(t *testing.T) {
		c := dial(t, r.url)
		c.hello("")
		c.subscribe(d.id, d.read[:], 0)
		c.expectError(c.push(d.id, 1, "sneaky"), wire.CodeReadOnly)
		req := c.nextReq()
		c.send(c.snapPut(req, d.id, 1, "x"))
		c.expectError(req, wire.CodeReadOnly)
	})
	t.Run("push without subscribing", func(t *testing.T) {
		c := dial(t, r.url)
		c.hello("")
		c.expectError(c.push(d.id, 1, "x"), wire.CodeUnauthorized)
	})
	t.Run("unknown document", func(t *testing.T) {
		c := dial(t, r.url)
		c.hello("")
		req := c.nextReq()
		c.send(&wire.Subscribe{Req: req, Doc: newDoc().id, Cap: d.write[:]})
		c.expectError(req, wire.CodeNotFound)
	})
	t.Run("same ID, other capabilities", func(t *testing.T) {
		c := dial(t, r.url)
		c.hello(r.token)
		req := c.nextReq()
		c.send(&wire.Create{Req: req, Doc: d.id, Root: d.root.Pub()})
		c.expectError(req, wire.CodeExists)
		// A retried create with the same hashes is harmless.
		c.create(d)
	})
}

// hello2Fails checks that a second hello ends the connection.
func (c *client) hello2Fails() {
	c.t.Helper()
	c.send(&wire.Hello{Version: wire.Version})
	m, err := c.read()
	if err != nil {
		return
	}
	if e, ok := m.(*wire.Error); !ok || e.Code != wire.CodeBadMessage {
		c.t.Fatalf("second hello: got %#v", m)
	}
	if _, err := c.read(); err == nil {
		c.t.Fatal("connection stayed open after a second hello")
	}
}

func TestRevokedTokenStopsOnOpenConnection(t *testing.T) {
	r := startRelay(t, DefaultLimits())
	c := dial(t, r.url)
	c.hello(r.token)
	c.create(newDoc())
	if err := RevokeToken(r.dir, "test"); err != nil {
		t.Fatal(err)
	}
	req := c.nextReq()
	d := newDoc()
	c.send(&wire.Create{Req: req, Doc: d.id, WriteHash: seal.CapHash(d.write[:]), Root: d.root.Pub()})
	c.expectError(req, wire.CodeRevoked)
}

func TestSnapshotCoversAndPrunes(t *testing.T) {
	r := startRelay(t, DefaultLimits())
	a := dial(t, r.url)
	a.hello(r.token)
	d := newDoc()
	a.create(d)
	a.subscribe(d.id, d.write[:], 0)
	for i := 1; i <= 10; i++ {
		a.expectAck(a.push(d.id, uint64(i), "r"))
	}
	snap := func(seq uint64) uint64 {
		req := a.nextReq()
		a.send(a.snapPut(req, d.id, seq, "snapshot"))
		return req
	}
	a.expectError(snap(11), wire.CodeStaleSnap) // beyond the head
	if got := a.expectAck(snap(7)).Seq; got != 7 {
		t.Fatalf("snapshot ack %d", got)
	}
	a.expectError(snap(7), wire.CodeStaleSnap)
	a.expectError(snap(3), wire.CodeStaleSnap)

	late := dial(t, r.url)
	late.hello("")
	s, recs := late.subscribe(d.id, d.read[:], 2)
	if s == nil || s.Seq != 7 || string(s.Body) != "snapshot" {
		t.Fatalf("late subscriber got snapshot %+v", s)
	}
	if len(recs) != 3 || recs[0].Seq != 8 {
		t.Fatalf("late subscriber got tail %+v", recs)
	}
	// One that is already past the snapshot gets records only.
	cur := dial(t, r.url)
	cur.hello("")
	if s, recs := cur.subscribe(d.id, d.read[:], 8); s != nil || len(recs) != 2 {
		t.Fatalf("subscriber at 8 got snapshot %v and %d records", s != nil, len(recs))
	}
	// Pruning leaves the metrics' count at the uncovered records.
	deadline := time.Now().Add(5 * time.Second)
	for r.srv.store.Stats().Records != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("records stored after pruning: %d, want 3", r.srv.store.Stats().Records)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A replayed push the snapshot covers is still recognised.
	if got := a.expectAck(a.push(d.id, 2, "r")).Seq; got != 7 {
		t.Fatalf("replay of a pruned push acked with %d, want the snapshot's 7", got)
	}
}

func TestRestartKeepsAcknowledgedRecords(t *testing.T) {
	r := startRelay(t, DefaultLimits())
	a := dial(t, r.url)
	a.hello(r.token)
	d := newDoc()
	a.create(d)
	a.subscribe(d.id, d.write[:], 0)
	reqs := map[uint64]bool{}
	for i := 1; i <= 20; i++ {
		reqs[a.push(d.id, uint64(i), "keep")] = true
	}
	// Every push is acknowledged and echoed back before the restart.
	acks, echoed := 0, 0
	for acks < 20 || echoed < 20 {
		switch m := a.next().(type) {
		case *wire.Ack:
			if reqs[m.Req] {
				acks++
			}
		case *wire.Records:
			echoed += len(m.Recs)
		}
	}
	// a goes on reading, as a client does, so it answers the relay's
	// going-away close at once: a client that never reads leaves the
	// relay's close handshake to wait out its five-second timeout before
	// the shutdown can finish.
	closed := make(chan error, 1)
	go func() {
		for {
			if _, err := a.read(); err != nil {
				closed <- err
				return
			}
		}
	}()
	r.close()
	if err := <-closed; websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("the connected client was closed with %v, want going-away", err)
	}
	r.open(DefaultLimits())
	b := dial(t, r.url)
	b.key, b.device = a.key, a.device
	b.hello("")
	_, recs := b.subscribe(d.id, d.write[:], 0)
	if len(recs) != 20 {
		t.Fatalf("after a restart the log holds %d records, want 20", len(recs))
	}
	// And it continues densely.
	if got := b.expectAck(b.push(d.id, 21, "more")).Seq; got != 21 {
		t.Fatalf("seq after restart %d", got)
	}
}

// TestHostileClients runs misbehaving clients against one relay and checks
// each is answered or cut off while a well-behaved pair goes on syncing.
func TestHostileClients(t *testing.T) {
	limits := DefaultLimits()
	limits.MsgRate, limits.MsgBurst = 200, 400
	limits.HelloTimeout = 300 * time.Millisecond
	r := startRelay(t, limits)

	good := dial(t, r.url)
	good.hello(r.token)
	d := newDoc()
	good.create(d)
	good.subscribe(d.id, d.write[:], 0)
	watcher := dial(t, r.url)
	watcher.hello("")
	watcher.subscribe(d.id, d.read[:], 0)
	var dseq uint64
	stillWorks := func(t *testing.T) {
		t.Helper()
		dseq++
		good.expectAck(good.push(d.id, dseq, "fine"))
		if recs := watcher.readRecords(1); string(recs[0].Body) != "fine" {
			t.Fatalf("watcher got %q", recs[0].Body)
		}
	}

	closed := func(t *testing.T, c *client, code wire.Code) {
		t.Helper()
		for {
			m, err := c.read()
			if err != nil {
				if code != "" {
					t.Fatalf("connection closed without the %s error: %v", code, err)
				}
				return
			}
			if e, ok := m.(*wire.Error); ok && e.Req == 0 {
				if code != "" && e.Code != code {
					t.Fatalf("got error %s (%s), want %s", e.Code, e.Msg, code)
				}
				code = ""
			}
		}
	}

	cases := []struct {
		name string
		do   func(t *testing.T, c *client)
		code wire.Code
	}{
		{"oversized frame", func(t *testing.T, c *client) {
			c.hello("")
			c.sendRaw(make([]byte, wire.MaxFrame+1))
		}, ""},
		{"garbage frame", func(t *testing.T, c *client) {
			c.hello("")
			c.sendRaw([]byte{0xff, 0x00, 0x13})
		}, wire.CodeBadMessage},
		{"unknown message type", func(t *testing.T, c *client) {
			c.hello("")
			c.sendRaw([]byte{0x82, 0x18, 0x63, 0xa0}) // [99, {}]
		}, wire.CodeBadMessage},
		{"text frame", func(t *testing.T, c *client) {
			c.hello("")
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			c.ws.Write(ctx, websocket.MessageText, []byte("hello?"))
		}, wire.CodeBadMessage},
		{"wrong protocol version", func(t *testing.T, c *client) {
			c.send(&wire.Hello{Version: 99})
		}, wire.CodeVersion},
		{"no hello first", func(t *testing.T, c *client) {
			c.send(&wire.Subscribe{Req: 1, Doc: d.id, Cap: d.read[:]})
		}, wire.CodeBadMessage},
		{"server-only message", func(t *testing.T, c *client) {
			c.hello("")
			c.send(&wire.Records{Doc: d.id})
		}, wire.CodeBadMessage},
		{"silent after connecting", func(t *testing.T, c *client) {}, wire.CodeBadMessage},
		{"flood", func(t *testing.T, c *client) {
			c.hello("")
			for i := 0; i < 5000; i++ {
				if c.send2(&wire.Subscribe{Req: uint64(i + 1), Doc: newDoc().id, Cap: d.read[:]}) != nil {
					return
				}
			}
		}, wire.CodeRateLimited},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, r.url)
			tc.do(t, c)
			closed(t, c, tc.code)
			stillWorks(t)
		})
	}

	t.Run("wrong subprotocol", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, r.url, &websocket.DialOptions{Subprotocols: []string{"pairwise.v0"}})
		if err == nil {
			_, _, err = ws.Read(ctx)
			if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
				t.Fatalf("old protocol: %v", err)
			}
		}
		stillWorks(t)
	})
	t.Run("replayed pushes", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			if got := good.expectAck(good.push(d.id, 1, "fine")).Seq; got != 1 {
				t.Fatalf("replay acked as %d", got)
			}
		}
		stillWorks(t)
	})
	t.Run("push to a document that does not exist", func(t *testing.T) {
		c := dial(t, r.url)
		c.hello(r.token)
		ghost := newDoc().id
		e := c.expectError(c.push(ghost, 1, "into the void"), wire.CodeUnauthorized)
		if !strings.Contains(e.Msg, "subscribe") {
			t.Errorf("the refusal does not say what to do: %q", e.Msg)
		}
		req := c.nextReq()
		c.send(c.snapPut(req, ghost, 1, "x"))
		c.expectError(req, wire.CodeUnauthorized)
		if _, err := r.srv.doc(ghost); err == nil {
			t.Fatal("a push to an unknown document created it")
		}
		stillWorks(t)
	})
	t.Run("subscribe storm", func(t *testing.T) {
		c := dial(t, r.url)
		c.hello("")
		for i := 0; i < 50; i++ {
			c.subscribe(d.id, d.read[:], 0)
		}
		stillWorks(t)
		if n := countSubs(r, d.id); n != 3 {
			t.Fatalf("%d subscriptions after a storm from one connection, want 3", n)
		}
	})
	t.Run("half-open connection", func(t *testing.T) {
		c := dial(t, r.url)
		c.hello("")
		c.subscribe(d.id, d.read[:], 0)
		// Stop reading entirely; the relay keeps serving others.
		for i := 0; i < 3; i++ {
			stillWorks(t)
		}
	})
	t.Run("healthz", func(t *testing.T) {
		resp, err := http.Get(r.http.URL + "/healthz")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("healthz: %v %v", resp, err)
		}
		resp.Body.Close()
	})
}

func (c *client) send2(m wire.Message) error {
	b, _ := wire.Encode(m)
	return c.sendRaw(b)
}

func countSubs(r *testRelay, id wire.DocID) int {
	d, _ := r.srv.doc(id)
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.subs)
}

func TestSlowSubscriberIsDropped(t *testing.T) {
	limits := DefaultLimits()
	limits.MaxBacklog = 4 << 20
	r := startRelay(t, limits)
	a := dial(t, r.url)
	a.hello(r.token)
	d := newDoc()
	a.create(d)
	a.subscribe(d.id, d.write[:], 0)
	slow := dial(t, r.url)
	slow.hello("")
	slow.subscribe(d.id, d.read[:], 0)
	big := strings.Repeat("z", 8<<10)
	const n = 2000    // 16 MB: more than loopback socket buffers hold
	const window = 64 // pushes in flight, as the client engine keeps a window
	credit := make(chan struct{}, window)
	for i := 0; i < window; i++ {
		credit <- struct{}{}
	}
	acks := make(chan error, 1)
	go func() {
		for acked := 0; acked < n; {
			m, err := a.read()
			if err != nil {
				acks <- err
				return
			}
			switch m := m.(type) {
			case *wire.Ack:
				acked++
				credit <- struct{}{}
			case *wire.Error:
				acks <- m
				return
			}
		}
		acks <- nil
	}()
	for i := 1; i <= n; i++ {
		select {
		case <-credit:
		case err := <-acks:
			t.Fatalf("the writer was held up by a slow reader after %d pushes: %v", i, err)
		}
		req := a.nextReq()
		b, _ := wire.Encode(a.pushMsg(req, d.id, uint64(i), []byte(big)))
		if err := a.sendRaw(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-acks; err != nil {
		t.Fatalf("the writer was held up by a slow reader: %v", err)
	}
	// The writer was never held up; the slow reader finds its connection
	// closed. The relay asks it to come back later (close status 1013),
	// but a reader this far behind may find its socket ends before that
	// frame, which could not fit behind what it had not read.
	if dropped := testutil.ToFloat64(r.srv.m.slowDropped); dropped != 1 {
		t.Fatalf("%v subscribers dropped as too slow, want 1", dropped)
	}
	got := 0
	for {
		m, err := slow.read()
		if err != nil {
			if st := websocket.CloseStatus(err); st != -1 && st != websocket.StatusTryAgainLater {
				t.Fatalf("slow subscriber closed with status %d, want %d", st, websocket.StatusTryAgainLater)
			}
			break
		}
		if rs, ok := m.(*wire.Records); ok {
			got += len(rs.Recs)
		}
	}
	if got >= n {
		t.Fatalf("slow subscriber received all %d records; it was never dropped", got)
	}
}

func TestMetrics(t *testing.T) {
	r := startRelay(t, DefaultLimits())
	a := dial(t, r.url)
	a.hello(r.token)
	d := newDoc()
	a.create(d)
	a.subscribe(d.id, d.write[:], 0)
	a.expectAck(a.push(d.id, 1, "m"))
	a.expectError(a.push(d.id, 9, "m"), wire.CodeOutOfOrder)
	// Metrics are served on their own listener, not the WebSocket one.
	if resp, err := http.Get(r.http.URL + "/metrics"); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the WebSocket listener answers /metrics with %d, want 404", resp.StatusCode)
	}
	ms := httptest.NewServer(r.srv.MetricsHandler())
	defer ms.Close()
	resp, err := http.Get(ms.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		"pairwise_relay_connections 1",
		"pairwise_relay_documents 1",
		"pairwise_relay_records 1",
		"pairwise_relay_pushes_total 1",
		`pairwise_relay_errors_total{code="out_of_order"} 1`,
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestHalfOpenConnectionsAreReaped: a client that vanished without closing
// (it no longer answers pings) is dropped, and its subscription with it.
func TestHalfOpenConnectionsAreReaped(t *testing.T) {
	limits := DefaultLimits()
	limits.PingEvery = 100 * time.Millisecond
	r := startRelay(t, limits)
	a := dial(t, r.url)
	a.hello(r.token)
	d := newDoc()
	a.create(d)
	a.subscribe(d.id, d.write[:], 0)
	ghost := dial(t, r.url)
	ghost.hello("")
	ghost.subscribe(d.id, d.read[:], 0)
	// The ghost never reads again, so it never answers a ping; a keeps
	// reading in the background, as a live client does.
	go func() {
		for {
			if _, err := a.read(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				return
			}
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for countSubs(r, d.id) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscriptions after the ghost stopped answering pings, want 1", countSubs(r, d.id))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestShutdownWhileClientsConnect shuts the relay down while clients keep
// connecting and subscribing. Each client may be refused or told to come
// back later, but none may be served from a store that has been closed: that
// shows up as "the relay could not read this pair's log", and a client then
// reports a failure where there was only a restart.
func TestShutdownWhileClientsConnect(t *testing.T) {
	r := startRelay(t, DefaultLimits())
	d := newDoc()
	a := dial(t, r.url)
	a.hello(r.token)
	a.create(d)
	a.ws.CloseNow()

	// try connects, subscribes and reads until the relay lets go; it returns
	// the error code the relay sent, if it sent one. started counts tries;
	// goingAway counts those the shutdown told to come back after they had
	// connected.
	var started, goingAway atomic.Int64
	try := func(url string) wire.Code {
		started.Add(1)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{wire.SubprotocolV2}})
		if err != nil {
			return "" // refused while closing: fine
		}
		defer ws.CloseNow()
		cut := func(err error) wire.Code {
			if websocket.CloseStatus(err) == websocket.StatusGoingAway {
				goingAway.Add(1)
			}
			return ""
		}
		key := seal.NewDeviceKey()
		_, first, err := ws.Read(ctx)
		if err != nil {
			return cut(err)
		}
		ch, err := wire.Decode(first)
		if err != nil {
			t.Errorf("first message: %v", err)
			return ""
		}
		for _, m := range []wire.Message{
			&wire.Hello{Version: wire.VersionV2, Device: key.ID(), Pub: key.Pub(), Sig: key.HelloProof(ch.(*wire.Challenge).Nonce)},
			&wire.Subscribe{Req: 1, Doc: d.id, Cap: d.read[:]},
		} {
			b, _ := wire.Encode(m)
			if err := ws.Write(ctx, websocket.MessageBinary, b); err != nil {
				return cut(err)
			}
		}
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				return cut(err)
			}
			m, err := wire.Decode(b)
			if err != nil {
				t.Errorf("undecodable frame from the relay: %v", err)
				return ""
			}
			if e, ok := m.(*wire.Error); ok {
				return e.Code
			}
			if _, ok := m.(*wire.CaughtUp); ok {
				return ""
			}
		}
	}

	// waitTries waits until n more tries have started than at the call. The
	// deadline only bounds a broken run.
	waitTries := func(round int, n int64) {
		t.Helper()
		want := started.Load() + n
		deadline := time.Now().Add(30 * time.Second)
		for started.Load() < want {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the clients started only %d of %d tries", round, started.Load(), want)
			}
			time.Sleep(time.Millisecond)
		}
	}

	for round := range 15 {
		// A client that stays subscribed, so the shutdown always meets at
		// least one live connection.
		live := dial(t, r.url)
		live.hello("")
		live.subscribe(d.id, d.read[:], 0)
		liveEnd := make(chan error, 1)
		go func() {
			for {
				if _, _, err := live.ws.Read(context.Background()); err != nil {
					liveEnd <- err
					return
				}
			}
		}()

		stop := make(chan struct{})
		codes := make(chan wire.Code, 1024)
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					if c := try(r.url); c != "" {
						codes <- c
					}
				}
			})
		}
		// Shut down after a different number of tries each round, so the
		// shutdown meets clients in different phases.
		waitTries(round, int64(6+round*3))
		cutBefore := goingAway.Load()
		if err := r.srv.Shutdown(context.Background()); err != nil {
			t.Fatalf("round %d: shutdown: %v", round, err)
		}
		if err := <-liveEnd; websocket.CloseStatus(err) != websocket.StatusGoingAway {
			t.Fatalf("round %d: the subscribed client was closed with %v, want going-away: the shutdown did not meet it live", round, err)
		}
		waitTries(round, 6) // clients keep coming to the closed relay
		close(stop)
		wg.Wait()
		close(codes)
		for c := range codes {
			if c == wire.CodeInternal {
				t.Fatalf("round %d: a client connecting during shutdown was served from the closed store:\n%s", round, r.logs)
			}
		}
		t.Logf("round %d: %d tries so far; the shutdown told the live client and %d connecting ones to come back", round, started.Load(), goingAway.Load()-cutBefore)
		r.http.Close()
		r.http = nil
		r.open(DefaultLimits())
	}
}
