package relay

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"pairwise/shared/seal"
	"pairwise/shared/wire"
)

// A connection of protocol version 3 has a session key (seal.Session): its
// pushes carry a tag made with it, which the relay checks instead of each
// record's Ed25519 signature (a tag costs a MAC; a signature check was a
// third of what a push cost the relay). Partners check the signatures. A
// version 2 connection has none, and each of its pushes' signatures is
// checked as before.

// exchangeLife is how long the relay offers one exchange key.
const exchangeLife = time.Minute

// exchanges hands out the relay's exchange key: the same one to every
// connection for exchangeLife, then a fresh one. A connection that never
// proves itself then costs no key generation, only its share of one. Each
// session key is still its connection's own: the relay's nonce and the
// client's fresh key go into it, and the key only authenticates.
type exchanges struct {
	mu   sync.Mutex
	cur  *seal.Exchange
	made time.Time
}

func (e *exchanges) current() *seal.Exchange {
	e.mu.Lock()
	defer e.mu.Unlock()
	if now := time.Now(); e.cur == nil || now.Sub(e.made) > exchangeLife {
		e.cur, e.made = seal.NewExchange(), now
	}
	return e.cur
}

// challenge is the connection's opening message: its nonce and, in
// version 3, the relay's exchange key for the session.
func (c *conn) challenge() *wire.Challenge {
	if c.version == wire.VersionV2 {
		return &wire.Challenge{Version: wire.VersionV2, Nonce: c.nonce}
	}
	c.exch = c.s.exchanges.current()
	return &wire.Challenge{Version: wire.Version, Nonce: c.nonce, Key: c.exch.Public()}
}

// takeHello checks the device's proof and, in version 3, derives the
// session. It sends the error itself and returns why it refused.
func (c *conn) takeHello(h *wire.Hello) error {
	if h.Version != c.version {
		c.fail(wire.CodeVersion, fmt.Sprintf("this connection speaks protocol version %d, not %d; update Pairwise, or ask the relay's admin to update the relay", c.version, h.Version))
		return errors.New("wrong version")
	}
	proved := false
	if c.version == wire.VersionV2 {
		proved = seal.CheckHelloProof(h.Device, h.Pub, c.nonce, h.Sig)
	} else {
		relayKey := c.exch.Public()
		proved = seal.CheckSessionHelloProof(h.Device, h.Pub, c.nonce, relayKey, h.Key, h.Sig)
		if proved {
			var err error
			if c.session, err = c.exch.Session(h.Key, c.nonce, relayKey, h.Key, h.Device); err != nil {
				proved = false
			}
		}
		c.exch = nil
	}
	if !proved {
		c.fail(wire.CodeDevice, "this device could not prove it holds the key of the device it named; its data folder may be damaged, or it is not who it says it is")
		return errors.New("device proof failed")
	}
	return nil
}

// pushFromDevice checks that a push comes from the connection's device: by
// its session tag in version 3, by its signature in version 2 (here, on
// the connection's goroutine, not on the writer's, which every push goes
// through). The writer then checks only that the device is a writer.
func (c *conn) pushFromDevice(m *wire.Push) *wire.Error {
	if c.session == nil {
		if !seal.CheckRecord(c.pub, m.Doc, c.device, m.DSeq, m.Body, m.Sig) {
			return &wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeBadMessage, Msg: "this change does not carry a valid signature of its device"}
		}
		return nil
	}
	if !c.session.CheckPushTag(m.Doc, m.DSeq, m.Body, m.Sig, m.Tag) {
		return &wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeBadMessage,
			Msg: "this change's session tag does not match this connection: it was altered on the way, or comes from elsewhere. If this repeats, something between this computer and the relay changes its traffic; use a wss:// relay address"}
	}
	return nil
}

// confirmFromDevice checks a confirmation's session tag, in version 3: the
// relay drops a device's records on its confirmation, so one put into the
// connection by someone else (on plain ws://) must not count. A version 2
// connection has no session to check it by.
func (c *conn) confirmFromDevice(m *wire.Confirm) *wire.Error {
	if c.session == nil || c.session.CheckConfirmTag(m.Doc, m.Seq, m.Tag) {
		return nil
	}
	return &wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeBadMessage,
		Msg: "this confirmation's session tag does not match this connection: it was altered on the way, or comes from elsewhere. If this repeats, something between this computer and the relay changes its traffic; use a wss:// relay address"}
}
