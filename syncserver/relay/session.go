package relay

import (
	"errors"
	"fmt"

	"pairwise/shared/seal"
	"pairwise/shared/wire"
)

// A connection of protocol version 3 has a session key (seal.Session): its
// pushes carry a tag made with it, which the relay checks instead of each
// record's Ed25519 signature (a tag costs a MAC; a signature check is most
// of what a push cost the relay). Partners check the signatures. A version
// 2 connection has none, and each of its pushes' signatures is checked as
// before.

// challenge is the connection's opening message: its nonce and, in
// version 3, the relay's exchange key for the session.
func (c *conn) challenge() *wire.Challenge {
	if c.version == wire.VersionV2 {
		return &wire.Challenge{Version: wire.VersionV2, Nonce: c.nonce}
	}
	c.exch = seal.NewExchange()
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

// pushFromDevice checks a push's session tag, in version 3. It reports
// whether the tag vouches for the push, so the writer need not check its
// signature; false in version 2, whose pushes the writer checks.
func (c *conn) pushFromDevice(m *wire.Push) (vouched bool, refusal *wire.Error) {
	if c.session == nil {
		return false, nil
	}
	if !c.session.CheckPushTag(m.Doc, m.DSeq, m.Body, m.Sig, m.Tag) {
		return false, &wire.Error{Req: m.Req, Doc: m.Doc, Code: wire.CodeBadMessage,
			Msg: "this change's session tag does not match this connection; it was altered on the way, or comes from elsewhere"}
	}
	return true, nil
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
		Msg: "this confirmation's session tag does not match this connection; it was altered on the way, or comes from elsewhere"}
}
