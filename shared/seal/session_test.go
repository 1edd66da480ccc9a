package seal

import (
	"bytes"
	"errors"
	"testing"
)

// handshake runs both sides of a session exchange as the relay and a
// client would, and returns each side's session.
func handshake(t *testing.T, dev [16]byte) (relay, client *Session) {
	t.Helper()
	var nonce [32]byte
	fillRandom(nonce[:])
	rx, cx := NewExchange(), NewExchange()
	rpub, cpub := rx.Public(), cx.Public()
	relay, err := rx.Session(cpub, nonce, rpub, cpub, dev)
	if err != nil {
		t.Fatalf("relay side: %v", err)
	}
	client, err = cx.Session(rpub, nonce, rpub, cpub, dev)
	if err != nil {
		t.Fatalf("client side: %v", err)
	}
	return relay, client
}

func TestBothSidesOfASessionTagAPushAlike(t *testing.T) {
	k := NewDeviceKey()
	relay, client := handshake(t, k.ID())
	body := []byte("sealed bytes")
	sig := k.SignRecord(testDoc, 7, body)
	tag := client.PushTag(testDoc, 7, body, sig)
	if len(tag) != TagSize {
		t.Fatalf("tag of %d bytes, want %d", len(tag), TagSize)
	}
	if !relay.CheckPushTag(testDoc, 7, body, sig, tag) {
		t.Fatal("the relay refused the client's tag for the same push")
	}
	other := testDoc
	other[0] ^= 1
	cases := []struct {
		name      string
		doc       [16]byte
		dseq      uint64
		body, sig []byte
		tag       []byte
	}{
		{"another document", other, 7, body, sig, tag},
		{"another sequence", testDoc, 8, body, sig, tag},
		{"another body", testDoc, 7, []byte("sealed bytez"), sig, tag},
		{"body and signature split elsewhere", testDoc, 7, body[:len(body)-1], append([]byte{body[len(body)-1]}, sig...), tag},
		{"another signature", testDoc, 7, body, k.SignRecord(testDoc, 8, body), tag},
		{"a cut tag", testDoc, 7, body, sig, tag[:TagSize-1]},
		{"no tag", testDoc, 7, body, sig, nil},
		{"a flipped tag", testDoc, 7, body, sig, append([]byte{tag[0] ^ 0x80}, tag[1:]...)},
	}
	for _, c := range cases {
		if relay.CheckPushTag(c.doc, c.dseq, c.body, c.sig, c.tag) {
			t.Errorf("%s: tag accepted, want refused", c.name)
		}
	}
	other1, _ := handshake(t, k.ID())
	if other1.CheckPushTag(testDoc, 7, body, sig, tag) {
		t.Error("another session accepted this session's tag")
	}
}

// TestASessionIsBoundToItsNonceKeysAndDevice: each input of the key
// derivation changes the key, so a tag from one connection cannot be
// replayed on another, nor a session moved to another device.
func TestASessionIsBoundToItsNonceKeysAndDevice(t *testing.T) {
	var nonce, nonce2 [32]byte
	fillRandom(nonce[:])
	fillRandom(nonce2[:])
	dev, dev2 := NewDeviceKey().ID(), NewDeviceKey().ID()
	rx, cx := NewExchange(), NewExchange()
	rpub, cpub := rx.Public(), cx.Public()
	base, err := rx.Session(cpub, nonce, rpub, cpub, dev)
	if err != nil {
		t.Fatal(err)
	}
	tag := base.PushTag(testDoc, 1, []byte("b"), []byte("s"))
	variants := map[string]func() (*Session, error){
		"another nonce":  func() (*Session, error) { return rx.Session(cpub, nonce2, rpub, cpub, dev) },
		"another device": func() (*Session, error) { return rx.Session(cpub, nonce, rpub, cpub, dev2) },
		"keys swapped":   func() (*Session, error) { return rx.Session(cpub, nonce, cpub, rpub, dev) },
		"another peer":   func() (*Session, error) { return rx.Session(NewExchange().Public(), nonce, rpub, cpub, dev) },
	}
	for name, mk := range variants {
		s, err := mk()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if s.CheckPushTag(testDoc, 1, []byte("b"), []byte("s"), tag) {
			t.Errorf("%s: the session accepted the base session's tag", name)
		}
	}
}

func TestALowOrderOrMisSizedPeerKeyGivesNoSession(t *testing.T) {
	var nonce [32]byte
	x := NewExchange()
	own := x.Public()
	zero := make([]byte, ExchangeKeySize) // the identity: every secret would be zero
	one := make([]byte, ExchangeKeySize)
	one[0] = 1 // a point of small order
	for name, peer := range map[string][]byte{"zero": zero, "small order": one, "short": own[:31], "long": append(own, 0)} {
		if _, err := x.Session(peer, nonce, own, peer, [16]byte{}); !errors.Is(err, ErrExchange) {
			t.Errorf("%s peer key: got %v, want ErrExchange", name, err)
		}
	}
}

func TestSessionHelloProofBindsBothKeys(t *testing.T) {
	k := NewDeviceKey()
	var nonce [32]byte
	fillRandom(nonce[:])
	relay, client := NewExchange().Public(), NewExchange().Public()
	proof := k.SessionHelloProof(nonce, relay, client)
	if !CheckSessionHelloProof(k.ID(), k.Pub(), nonce, relay, client, proof) {
		t.Fatal("the device's own session proof was refused")
	}
	mitm := NewExchange().Public()
	refused := map[string]bool{
		"relay key swapped":    CheckSessionHelloProof(k.ID(), k.Pub(), nonce, mitm, client, proof),
		"client key swapped":   CheckSessionHelloProof(k.ID(), k.Pub(), nonce, relay, mitm, proof),
		"keys in other order":  CheckSessionHelloProof(k.ID(), k.Pub(), nonce, client, relay, proof),
		"a version 2 proof":    CheckSessionHelloProof(k.ID(), k.Pub(), nonce, relay, client, k.HelloProof(nonce)),
		"as a version 2 hello": CheckHelloProof(k.ID(), k.Pub(), nonce, proof),
		"another device's ID":  CheckSessionHelloProof(NewDeviceKey().ID(), k.Pub(), nonce, relay, client, proof),
		"no keys":              CheckSessionHelloProof(k.ID(), k.Pub(), nonce, nil, nil, k.SessionHelloProof(nonce, nil, nil)),
	}
	for name, ok := range refused {
		if ok {
			t.Errorf("%s: proof accepted, want refused", name)
		}
	}
	if bytes.Equal(proof, k.SessionHelloProof(nonce, relay, mitm)) {
		t.Error("two proofs over different keys are equal")
	}
}

// A confirmation's tag holds only for its session, document and sequence,
// and is never a push's.
func TestAConfirmationIsTaggedForItsSessionDocumentAndSequence(t *testing.T) {
	k := NewDeviceKey()
	relay, client := handshake(t, k.ID())
	tag := client.ConfirmTag(testDoc, 40)
	if !relay.CheckConfirmTag(testDoc, 40, tag) {
		t.Fatal("the relay refused the client's confirmation tag")
	}
	other := testDoc
	other[0] ^= 1
	otherSession, _ := handshake(t, k.ID())
	refused := map[string]bool{
		"another document": relay.CheckConfirmTag(other, 40, tag),
		"another sequence": relay.CheckConfirmTag(testDoc, 41, tag),
		"another session":  otherSession.CheckConfirmTag(testDoc, 40, tag),
		"no tag":           relay.CheckConfirmTag(testDoc, 40, nil),
		"a cut tag":        relay.CheckConfirmTag(testDoc, 40, tag[:TagSize-1]),
		"a push's tag":     relay.CheckConfirmTag(testDoc, 40, client.PushTag(testDoc, 40, nil, nil)),
	}
	for name, ok := range refused {
		if ok {
			t.Errorf("%s: confirmation tag accepted, want refused", name)
		}
	}
}
