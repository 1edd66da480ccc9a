package relay

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"pairwise/shared/seal"
	"pairwise/shared/wire"
	"pairwise/syncserver/wsserve"
)

// conn is one client connection. Its transport calls Message for each
// message it reads, on a goroutine that lasts while messages arrive (see
// wsserve); a writer goroutine runs only while there is something queued,
// so fan-out never waits on a slow client and an idle connection costs no
// goroutine.
type conn struct {
	s    *Server
	ws   transport
	addr string
	ip   string // counted against Limits.MaxConnsPerAddr until Closed
	log  *slog.Logger

	hello   atomic.Bool
	version int            // wire.Version or wire.VersionV2, as agreed in the handshake
	nonce   [32]byte       // this connection's challenge
	exch    *seal.Exchange // version 3, until the hello
	session *seal.Session  // version 3: checks pushes' tags (session.go)
	device  wire.DeviceID  // proven by a signature over nonce
	pub     seal.DevicePub // the device's key
	token   string
	subs    map[wire.DocID]*sub // reader goroutine only
	readAt  time.Time           // when the message being handled arrived; reader goroutine only

	msgs, bytes bucket

	ctx    context.Context // ends when the connection is done with
	cancel context.CancelFunc
	pinger *time.Timer
	timers [3]func() bool // the hello and admission timers, the shutdown hook

	qmu     sync.Mutex
	queue   [][]byte
	qat     []time.Time // when each queued frame's earliest record arrived, if any has one
	qbytes  int
	writing bool          // a flush goroutine is running
	drain   chan struct{} // signalled when the queue empties
	dead    bool
	bye     *closing // close after the queue is written

	admitted atomic.Bool // opened a pair (limits.go)
}

type closing struct {
	status wsserve.StatusCode
	reason string
}

// sub is a connection's subscription to one document. Until its backlog is
// sent, live records wait in pending so they arrive after it, in order.
type sub struct {
	d       *docState
	write   bool
	early   bool // takes records before they are stored (wire.Subscribe.Early)
	live    bool
	pending [][]byte
	pbytes  int
}

// deliver is called with d.mu held.
func (sb *sub) deliver(c *conn, frame []byte) { sb.deliverAt(c, frame, time.Time{}) }

// deliverAt is deliver of a frame of records the earliest of which arrived
// at at: a live subscriber's delivery time goes into the histogram.
func (sb *sub) deliverAt(c *conn, frame []byte, at time.Time) {
	if sb.live {
		c.enqueueAt(frame, at)
		return
	}
	sb.pending = append(sb.pending, frame)
	sb.pbytes += len(frame)
	if sb.pbytes > c.s.limits.MaxBacklog {
		c.dropSlow()
	}
}

func newConn(s *Server, ws transport, addr string, version int) *conn {
	l := s.limits
	return &conn{s: s, ws: ws, addr: addr, ip: remoteIP(addr), version: version, log: s.log.With("remote", addr),
		subs: map[wire.DocID]*sub{}, drain: make(chan struct{}, 1),
		msgs:  bucket{rate: l.MsgRate, burst: l.MsgBurst, tokens: l.MsgBurst},
		bytes: bucket{rate: l.ByteRate, burst: l.ByteBurst, tokens: l.ByteBurst}}
}

// start greets the client and sets the connection's timers; the
// transport then delivers what the client sends to Message.
func (c *conn) start(shutdown context.Context) {
	s := c.s
	s.m.conns.Inc()
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.timers[0] = context.AfterFunc(shutdown, func() {
		c.finish(wsserve.StatusGoingAway, "the relay is restarting; reconnect in a moment")
	})
	c.pinger = time.AfterFunc(s.limits.PingEvery, c.ping)
	if _, err := rand.Read(c.nonce[:]); err != nil {
		panic("relay: no system randomness: " + err.Error())
	}
	c.send(c.challenge())
	c.timers[1] = c.awaitAdmission()
	// The hello deadline sends an error and closes politely.
	c.timers[2] = time.AfterFunc(s.limits.HelloTimeout, func() {
		if !c.hello.Load() {
			c.fail(wire.CodeBadMessage, "no hello within the time allowed")
		}
	}).Stop
}

// Message handles one message the client sent (wsserve.Handler). An error
// ends the connection once what is queued is written.
func (c *conn) Message(typ wsserve.MessageType, b []byte) error {
	c.readAt = time.Now()
	err := c.read(typ, b)
	if err != nil {
		c.log.Debug("connection ends", "why", err)
		c.finish(wsserve.StatusNormalClosure, "")
	}
	return err
}

// Closed lets go of a connection that has closed (wsserve.Handler).
func (c *conn) Closed(err error) {
	s := c.s
	c.log.Debug("connection closed", "why", err)
	c.qmu.Lock()
	c.dead = true
	c.qmu.Unlock()
	c.cancel()
	c.pinger.Stop()
	for _, stop := range c.timers {
		stop()
	}
	for id, sb := range c.subs {
		sb.d.mu.Lock()
		delete(sb.d.subs, c)
		sb.d.mu.Unlock()
		delete(c.subs, id)
	}
	s.m.conns.Dec()
	s.leave(c.ip)
}

func (c *conn) read(typ wsserve.MessageType, b []byte) error {
	if !c.msgs.take(1) || !c.bytes.take(float64(len(b))) {
		c.fail(wire.CodeRateLimited, "this connection sent too much too fast and was cut off; it may reconnect and carry on more slowly")
		return errors.New("rate limited")
	}
	if typ != wsserve.MessageBinary {
		c.fail(wire.CodeBadMessage, "text frames are not part of the protocol; send binary frames")
		return errors.New("text frame")
	}
	m, err := wire.Decode(b)
	if err != nil {
		c.fail(wire.CodeBadMessage, err.Error())
		return err
	}
	return c.handle(c.ctx, m)
}

// handle answers one message. A non-nil error ends the connection.
func (c *conn) handle(ctx context.Context, m wire.Message) error {
	s := c.s
	if h, ok := m.(*wire.Hello); ok {
		if c.hello.Load() {
			c.fail(wire.CodeBadMessage, "hello was already sent on this connection")
			return errors.New("second hello")
		}
		if err := c.takeHello(h); err != nil {
			return err
		}
		c.device, c.pub, c.token = h.Device, h.Pub, h.Token
		c.hello.Store(true)
		c.send(&wire.Welcome{Version: c.version, MaxFrame: wire.MaxFrame})
		return nil
	}
	if !c.hello.Load() {
		c.fail(wire.CodeBadMessage, "the first message must be hello")
		return errors.New("no hello")
	}
	switch m := m.(type) {
	case *wire.Create:
		if m.Root == ([32]byte{}) {
			c.send(&wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeBadMessage, Msg: "a new pair needs a root key; update Pairwise"})
			return nil
		}
		if _, err := s.tokens.Check(c.token); err == nil {
			c.admit()
		}
		if !s.writer.submit(&writeReq{c: c, create: m, token: c.token}) {
			return errors.New("shutting down")
		}
	case *wire.Certify:
		if err := c.mayWrite(m.Req, m.Doc); err != nil {
			c.send(err)
			return nil
		}
		if len(m.Certs) > wire.MaxRecordsPerBatch {
			c.send(&wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeTooLarge,
				Msg: fmt.Sprintf("one message may carry at most %d writer certificates", wire.MaxRecordsPerBatch)})
			return nil
		}
		if !s.writer.submit(&writeReq{c: c, certify: m}) {
			return errors.New("shutting down")
		}
	case *wire.Confirm:
		if c.subs[m.Doc] == nil {
			c.send(&wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeUnauthorized, Msg: "subscribe to this pair before confirming its snapshot"})
			return nil
		}
		if refusal := c.confirmFromDevice(m); refusal != nil {
			s.m.errors.WithLabelValues(string(refusal.Code)).Inc()
			c.send(refusal)
			return nil
		}
		if !s.writer.submit(&writeReq{c: c, confirm: m}) {
			return errors.New("shutting down")
		}
	case *wire.Subscribe:
		return c.subscribe(ctx, m)
	case *wire.Push:
		if len(m.Body) > MaxBody {
			c.send(tooLarge(m.Req, m.Doc))
			return nil
		}
		if err := c.mayWrite(m.Req, m.Doc); err != nil {
			c.send(err)
			return nil
		}
		if len(m.Sig) != seal.SigSize {
			c.send(&wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeBadMessage, Msg: "a change must carry its device's signature; update Pairwise"})
			return nil
		}
		if refusal := c.pushFromDevice(m); refusal != nil {
			s.m.errors.WithLabelValues(string(refusal.Code)).Inc()
			c.send(refusal)
			return nil
		}
		if !s.writer.submit(&writeReq{c: c, push: m, device: c.device, at: c.readAt}) {
			return errors.New("shutting down")
		}
	case *wire.SnapPut:
		if len(m.Body) > MaxBody {
			c.send(tooLarge(m.Req, m.Doc))
			return nil
		}
		if err := c.mayWrite(m.Req, m.Doc); err != nil {
			c.send(err)
			return nil
		}
		if !seal.CheckSnapshot(c.pub, m.Doc, c.device, m.Seq, m.Body, m.Sig) {
			c.send(&wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeBadMessage, Msg: "this snapshot does not carry a valid signature of this device"})
			return nil
		}
		if !s.writer.submit(&writeReq{c: c, snap: m}) {
			return errors.New("shutting down")
		}
	default:
		c.fail(wire.CodeBadMessage, fmt.Sprintf("a client does not send %s messages", m.WireType()))
		return errors.New("unexpected message")
	}
	return nil
}

// MaxBody is the largest sealed body the relay takes, leaving room in a
// frame for the routing fields around it.
const MaxBody = wire.MaxFrame - 4096

func tooLarge(req uint64, doc wire.DocID) *wire.Error {
	return &wire.Error{Req: req, Doc: doc, Code: wire.CodeTooLarge,
		Msg: fmt.Sprintf("this change is larger than the relay takes (%d MB); split it into smaller ones", MaxBody>>20)}
}

func (c *conn) mayWrite(req uint64, doc wire.DocID) *wire.Error {
	sb := c.subs[doc]
	if sb == nil {
		c.s.m.errors.WithLabelValues(string(wire.CodeUnauthorized)).Inc()
		return &wire.Error{Req: req, Doc: doc, Code: wire.CodeUnauthorized, Msg: "subscribe to this pair with its access key before sending changes"}
	}
	if !sb.write {
		c.s.m.errors.WithLabelValues(string(wire.CodeReadOnly)).Inc()
		return &wire.Error{Req: req, Doc: doc, Code: wire.CodeReadOnly, Msg: "this member joined with a read-only invite, so the relay does not accept their changes; they stay on this computer. Ask your partner for a full invite to share them"}
	}
	return nil
}

func (c *conn) subscribe(ctx context.Context, m *wire.Subscribe) error {
	s := c.s
	d, write, err := s.openDoc(m.Doc, m.Cap)
	if err != nil {
		c.send(errFor(m.Req, m.Doc, err))
		return nil
	}
	defer s.unpin(d)
	s.catchUp(d, m.From)
	c.admit()
	if old := c.subs[m.Doc]; old != nil {
		d.mu.Lock()
		delete(d.subs, c)
		d.mu.Unlock()
		delete(c.subs, m.Doc)
	}
	if len(c.subs) >= s.limits.MaxDocsPerConn {
		c.send(&wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeRateLimited,
			Msg: fmt.Sprintf("one connection may follow at most %d pairs", s.limits.MaxDocsPerConn)})
		return nil
	}
	// Over a shared store another instance may take a number this one
	// gave, so records are sent only once stored.
	sb := &sub{d: d, write: write, early: m.Early && s.shared == nil}
	d.mu.Lock()
	head, snapSeq := d.meta.Head, d.meta.SnapSeq
	d.subs[c] = sb
	if sb.early {
		for _, f := range d.early {
			sb.deliver(c, f.frame) // numbered after head, so they follow the backlog
		}
	}
	root, certs := d.meta.Root, d.certs
	d.mu.Unlock()
	c.subs[m.Doc] = sb
	c.send(&wire.Ack{Req: m.Req, Doc: m.Doc, Seq: head})
	c.sendWriters(m.Doc, root, certs)

	from := m.From
	if snapSeq > from {
		if from, err = c.sendSnapshot(d, from, false); err != nil {
			return err
		}
	}
	candSent := false
	if m.Candidates {
		d.mu.Lock()
		if cand := d.cand; cand != nil && cand.seq > from && len(cand.need) == 1 && cand.need[c.device] {
			c.enqueue(cand.frame) // see wire.Subscribe
			from, candSent = cand.seq, true
		}
		d.mu.Unlock()
	}
	for from < head {
		recs, err := s.store.Read(m.Doc, from, wire.MaxRecordsPerBatch, 1<<20)
		if err != nil {
			return c.internal(m.Doc, err)
		}
		if len(recs) == 0 || recs[0].Seq != from+1 {
			// A newer snapshot replaced the records we were about to send.
			next, err := c.sendSnapshot(d, from, false)
			if err == nil && next == from {
				// Promoted through another instance over a shared store,
				// which this one has not heard of yet: the store has it.
				next, err = c.sendSnapshot(d, from, true)
			}
			if err != nil {
				return err
			}
			if next == from {
				return c.internal(m.Doc, fmt.Errorf("record %d is missing and no snapshot covers it", from+1))
			}
			from = next
			continue
		}
		n := 0
		for n < len(recs) && recs[n].Seq <= head {
			n++
		}
		recs = recs[:n]
		if n == 0 {
			break
		}
		c.send(&wire.Records{Doc: m.Doc, Recs: recs})
		s.m.backlogRecords.Add(float64(n))
		from = recs[n-1].Seq
		if err := c.waitQueue(ctx); err != nil {
			return err
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.subs[c] != sb {
		return nil // dropped meanwhile
	}
	c.send(&wire.CaughtUp{Doc: m.Doc, Seq: head})
	for _, f := range sb.pending {
		c.enqueue(f)
	}
	sb.pending, sb.pbytes, sb.live = nil, 0, true
	if d.cand != nil && d.cand.need[c.device] && !candSent {
		c.enqueue(d.cand.frame)
	}
	return nil
}

// sendWriters sends a document's root and certificates, in frames of at
// most MaxRecordsPerBatch certificates.
func (c *conn) sendWriters(doc wire.DocID, root [32]byte, certs [][]byte) {
	for {
		n := min(len(certs), wire.MaxRecordsPerBatch)
		c.send(&wire.Writers{Doc: doc, Root: root, Certs: certs[:n]})
		certs = certs[n:]
		if len(certs) == 0 {
			return
		}
	}
}

// sendSnapshot sends d's snapshot if it covers more than from, and returns
// the sequence the client then holds. With stored, it is read from the
// store rather than the one this instance knows of (storedSnapshotFrame).
func (c *conn) sendSnapshot(d *docState, from uint64, stored bool) (uint64, error) {
	load := c.s.snapshotFrame
	if stored {
		load = c.s.storedSnapshotFrame
	}
	f, err := load(d)
	if err != nil {
		return from, c.internal(d.id, err)
	}
	if f.seq <= from {
		return from, nil
	}
	c.enqueue(f.frame)
	return f.seq, nil
}

func (c *conn) internal(doc wire.DocID, err error) error {
	c.log.Error("cannot read a document log", "doc", fmt.Sprintf("%x", doc), "err", err)
	c.fail(wire.CodeInternal, "the relay could not read this pair's log; it will try again when you reconnect")
	return err
}

// ping checks every PingEvery that the client answered the last ping,
// which finds half-open connections; it runs on the timer's goroutine.
func (c *conn) ping() {
	if err := c.ws.Ping(); err != nil {
		if c.ctx.Err() == nil {
			c.log.Debug("no answer to ping; closing", "err", err)
		}
		c.ws.CloseNow()
		return
	}
	c.pinger.Reset(c.s.limits.PingEvery)
}

// bucket is a token bucket: a connection may send a burst, then keep to
// the rate. A well-behaved client never comes near it.
type bucket struct {
	rate, burst, tokens float64
	last                time.Time
}

// take spends n tokens, reporting false when there are not enough.
func (b *bucket) take(n float64) bool {
	now := time.Now()
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens < n {
		return false
	}
	b.tokens -= n
	return true
}
