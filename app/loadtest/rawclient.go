package main

import (
	"context"
	"fmt"
	"time"

	"github.com/coder/websocket"

	"pairwise/shared/seal"
	"pairwise/shared/wire"
)

// rawConn speaks the wire protocol directly. The Idle workload uses it
// because it measures only what an idle subscriber costs the relay; a full
// engine with a Badger store per connection would measure this process.
type rawConn struct {
	ws   *websocket.Conn
	key  seal.DeviceKey // the device this connection proved it is
	tags *seal.Session  // the session's key, which tags each push
	req  uint64
}

// rawDoc is a document with its capabilities, as an invite would carry,
// and the key of its root: the device that writes to it, as the device
// that creates a pair does.
type rawDoc struct {
	id          wire.DocID
	write, read seal.Secret
	owner       seal.DeviceKey
}

func newRawDoc() rawDoc {
	return rawDoc{id: seal.NewDocID(), write: seal.NewSecret(), read: seal.NewSecret(), owner: seal.NewDeviceKey()}
}

// dialRaw connects as a new device and says hello (token may be empty).
func dialRaw(ctx context.Context, url, token string) (*rawConn, error) {
	return dialRawAs(ctx, url, token, seal.NewDeviceKey())
}

// dialRawAs connects as the device of key: it answers the relay's
// challenge with the key's proof and waits for the welcome.
func dialRawAs(ctx context.Context, url, token string, key seal.DeviceKey) (*rawConn, error) {
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{wire.Subprotocol}})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(wire.MaxFrame)
	c := &rawConn{ws: ws, key: key}
	m, err := c.recv(ctx)
	if err != nil {
		c.close()
		return nil, err
	}
	ch, ok := m.(*wire.Challenge)
	if !ok {
		c.close()
		return nil, fmt.Errorf("the relay opened with %#v, not a challenge", m)
	}
	a, err := key.AnswerChallenge(ch.Nonce, ch.Key)
	if err != nil {
		c.close()
		return nil, fmt.Errorf("the relay's challenge gives no session: %w", err)
	}
	c.tags = a.Session
	if err := c.send(ctx, &wire.Hello{Version: wire.Version, Device: key.ID(), Token: token, Pub: key.Pub(), Sig: a.Proof, Key: a.Key}); err != nil {
		c.close()
		return nil, err
	}
	m, err = c.recv(ctx)
	if err != nil {
		c.close()
		return nil, err
	}
	if _, ok := m.(*wire.Welcome); !ok {
		c.close()
		return nil, fmt.Errorf("hello answered with %#v", m)
	}
	return c, nil
}

func (c *rawConn) send(ctx context.Context, m wire.Message) error {
	b, err := wire.Encode(m)
	if err != nil {
		return err
	}
	return c.ws.Write(ctx, websocket.MessageBinary, b)
}

func (c *rawConn) recv(ctx context.Context) (wire.Message, error) {
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		return nil, err
	}
	return wire.Decode(b)
}

// createDocs registers docs, pipelined, and waits for every answer.
func (c *rawConn) createDocs(ctx context.Context, docs []rawDoc) error {
	for _, d := range docs {
		c.req++
		if err := c.send(ctx, &wire.Create{Req: c.req, Doc: d.id, WriteHash: seal.CapHash(d.write[:]), ReadHash: seal.CapHash(d.read[:]), Root: d.owner.Pub()}); err != nil {
			return err
		}
	}
	for range docs {
		m, err := c.recv(ctx)
		if err != nil {
			return err
		}
		if e, ok := m.(*wire.Error); ok {
			return e
		}
	}
	return nil
}

// subscribe follows doc with its write capability, taking records early
// as the app's engine does, and returns once the relay says the (empty)
// backlog is sent.
func (c *rawConn) subscribe(ctx context.Context, d rawDoc) error {
	c.req++
	if err := c.send(ctx, &wire.Subscribe{Req: c.req, Doc: d.id, Cap: d.write[:], Early: true}); err != nil {
		return err
	}
	for {
		m, err := c.recv(ctx)
		if err != nil {
			return err
		}
		switch m := m.(type) {
		case *wire.Error:
			return m
		case *wire.CaughtUp:
			return nil
		}
	}
}

// pushMsg is a push of body as this connection's device, signed and tagged
// as the app's are. Only the owner of a document (see rawDoc) may push to
// it.
func (c *rawConn) pushMsg(req uint64, doc wire.DocID, dseq uint64, body []byte) *wire.Push {
	sig := c.key.SignRecord(doc, dseq, body)
	return &wire.Push{Req: req, Doc: doc, DSeq: dseq, Body: body, Sig: sig, Tag: c.tags.PushTag(doc, dseq, body, sig)}
}

// idle keeps reading, which also answers the relay's pings, until the
// connection closes.
func (c *rawConn) idle() {
	for {
		if _, _, err := c.ws.Read(context.Background()); err != nil {
			return
		}
	}
}

func (c *rawConn) close() { c.ws.CloseNow() }

// withTimeout runs fn with a deadline: a wedged dial must not hang the run.
func withTimeout(ctx context.Context, d time.Duration, fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return fn(ctx)
}
