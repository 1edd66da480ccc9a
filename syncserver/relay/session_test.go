package relay

import (
	"bytes"
	"testing"

	"pairwise/shared/seal"
	"pairwise/shared/wire"
)

// A version 3 push is taken on its session tag. One without it, or with a
// tag from another session (even one whose relay key is the same: the
// relay offers one a minute) or for other bytes, is refused and stored
// nowhere: a reader of the pair never sees it, and the device's next
// number is still free.
func TestAPushWithoutItsSessionTagIsRefused(t *testing.T) {
	r := startRelay(t, DefaultLimits())
	d := newDoc()
	a := writerOf(t, r, d)
	reader := readerOf(t, r, d, false)
	if a.tags == nil || len(a.relayKey) != seal.ExchangeKeySize {
		t.Fatal("the relay opened a version 3 connection without an exchange key")
	}

	body := []byte("sealed")
	good := a.pushMsg(0, d.id, 1, body)
	other := dial(t, r.url)
	other.hello("")
	if !bytes.Equal(other.relayKey, a.relayKey) {
		t.Fatal("two connections a moment apart got different exchange keys from the relay; it makes one a minute")
	}
	cases := map[string]func(m *wire.Push){
		"no tag":                      func(m *wire.Push) { m.Tag = nil },
		"a flipped tag":               func(m *wire.Push) { m.Tag = append([]byte{m.Tag[0] ^ 1}, m.Tag[1:]...) },
		"another session's tag":       func(m *wire.Push) { m.Tag = other.tags.PushTag(d.id, 1, body, m.Sig) },
		"the body changed on its way": func(m *wire.Push) { m.Body = []byte("sealeD") },
		"the number changed":          func(m *wire.Push) { m.DSeq = 2 },
		"the signature swapped":       func(m *wire.Push) { m.Sig = a.key.SignRecord(d.id, 1, []byte("other")) },
	}
	for name, spoil := range cases {
		m := *good
		m.Req = a.nextReq()
		spoil(&m)
		a.send(&m)
		if e := a.answerError(m.Req); e == nil || e.Code != wire.CodeBadMessage {
			t.Errorf("%s: got %v, want a bad_message refusal", name, e)
		}
	}
	// The device's first number is still free: its honest push is record 1.
	if ack := a.expectAck(a.push(d.id, 1, "honest")); ack.Seq != 1 {
		t.Fatalf("the honest push was stored as record %d, want 1: a refused push took a number", ack.Seq)
	}
	if recs := reader.readRecords(1); string(recs[0].Body) != "honest" {
		t.Fatalf("the reader got %q first, want the honest push", recs[0].Body)
	}
}

// answerError is the answer to req if it is an error, nil for an ack.
func (c *client) answerError(req uint64) *wire.Error {
	c.t.Helper()
	e, _ := c.answer(req).(*wire.Error)
	return e
}

// The hello of a version 3 connection must sign the relay's exchange key
// as sent and carry the client's: a relay key swapped on the way (a
// machine in the middle that would hold the session key) is refused, as
// are a version 2 proof and a hello with no key.
func TestASessionHelloMustSignBothExchangeKeys(t *testing.T) {
	r := startRelay(t, DefaultLimits())
	cases := map[string]struct {
		hello func(c *client) *wire.Hello
		code  wire.Code
	}{
		"the relay's key swapped": {func(c *client) *wire.Hello {
			own := seal.NewExchange().Public()
			mitm := seal.NewExchange().Public()
			return &wire.Hello{Version: wire.Version, Device: c.device, Pub: c.key.Pub(), Sig: c.key.SessionHelloProof(c.nonce, mitm, own), Key: own}
		}, wire.CodeDevice},
		"the client's key swapped": {func(c *client) *wire.Hello {
			own := seal.NewExchange().Public()
			h := c.helloMsg("")
			h.Key = own
			return h
		}, wire.CodeDevice},
		"no key": {func(c *client) *wire.Hello {
			h := c.helloMsg("")
			h.Key = nil
			return h
		}, wire.CodeDevice},
		"a version 2 proof": {func(c *client) *wire.Hello {
			h := c.helloMsg("")
			h.Sig = c.key.HelloProof(c.nonce)
			return h
		}, wire.CodeDevice},
		"a low-order key": {func(c *client) *wire.Hello {
			zero := make([]byte, seal.ExchangeKeySize)
			return &wire.Hello{Version: wire.Version, Device: c.device, Pub: c.key.Pub(), Sig: c.key.SessionHelloProof(c.nonce, c.relayKey, zero), Key: zero}
		}, wire.CodeDevice},
		"version 2 on a version 3 connection": {func(c *client) *wire.Hello {
			h := c.helloMsg("")
			h.Version = wire.VersionV2
			return h
		}, wire.CodeVersion},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := dial(t, r.url)
			c.send(tc.hello(c))
			m, err := c.read()
			if err != nil {
				t.Fatalf("the relay closed without saying why: %v", err)
			}
			if e, ok := m.(*wire.Error); !ok || e.Code != tc.code {
				t.Fatalf("got %#v, want a %s error", m, tc.code)
			}
			if _, err := c.read(); err == nil {
				t.Fatal("the connection stayed open after a refused hello")
			}
		})
	}
}

// An app of protocol version 2 still syncs with a relay that speaks 3: it
// gets a challenge without an exchange key, and each of its pushes is
// taken on its signature, checked by the relay as before; a forged one is
// refused.
func TestAVersion2AppStillSyncs(t *testing.T) {
	r := startRelay(t, DefaultLimits())
	d := newDoc()
	a := dialV2(t, r.url)
	if a.relayKey != nil {
		t.Fatalf("a version 2 challenge carried an exchange key %x", a.relayKey)
	}
	a.hello(r.token)
	a.create(d)
	a.subscribe(d.id, d.write[:], 0)
	reader := readerOf(t, r, d, false)

	forged := a.pushMsg(a.nextReq(), d.id, 1, []byte("forged"))
	forged.Sig = a.key.SignRecord(d.id, 1, []byte("something else"))
	a.send(forged)
	if e := a.answerError(forged.Req); e == nil || e.Code != wire.CodeBadMessage {
		t.Fatalf("a version 2 push with a wrong signature got %v, want a bad_message refusal", e)
	}
	if ack := a.expectAck(a.push(d.id, 1, "from an older app")); ack.Seq != 1 {
		t.Fatalf("the version 2 push was stored as record %d, want 1", ack.Seq)
	}
	if recs := reader.readRecords(1); string(recs[0].Body) != "from an older app" || recs[0].Device != a.device {
		t.Fatalf("the reader got %q from %x, want the version 2 app's record", recs[0].Body, recs[0].Device)
	}
}
