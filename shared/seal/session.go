package seal

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash"
	"io"
	"sync"
)

// A connection's session key lets the relay check that each push comes
// from the device the connection proved itself to be, at the cost of a
// MAC instead of an Ed25519 verification per record. Partners still check
// every record's signature themselves; the relay no longer needs to.
//
// The relay's challenge carries a fresh X25519 public key; the hello
// answers with the client's, and the device signs the nonce and both keys
// (SessionHelloProof). Whoever swaps either key in transit breaks that
// signature, so the shared secret is known to the relay and the device
// alone, even over plain ws://. Each side's key is used for one
// connection only.

// ExchangeKeySize is the size of a session exchange public key.
const ExchangeKeySize = 32

// TagSize is the size of a push's session tag.
const TagSize = 16

const (
	sessionHelloLabel = "pairwise session hello v3"
	sessionKeyLabel   = "pairwise session key v3"
	pushTagLabel      = "pairwise push tag v3"
	confirmTagLabel   = "pairwise confirm tag v3"
)

// ErrExchange is a session exchange that cannot give a shared key: a peer
// key of the wrong size or of low order.
var ErrExchange = errors.New("seal: the session key exchange failed")

// Exchange is one side's ephemeral key for one connection's session.
// A relay may use one for several connections (each session key is still
// its own: the connection's nonce and the client's fresh key go into it);
// its methods are safe to call at once.
type Exchange struct {
	priv *ecdh.PrivateKey
	pub  []byte
}

// NewExchange makes a fresh exchange key.
func NewExchange() *Exchange {
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		panic("seal: no system randomness: " + err.Error())
	}
	return &Exchange{priv: priv, pub: priv.PublicKey().Bytes()}
}

// Public is the key to send to the other side. The caller must not
// change it.
func (x *Exchange) Public() []byte { return x.pub }

// Session derives the session both sides share. relay and client are the
// two public keys as exchanged (one of them x's own), nonce is the relay's
// challenge and dev the device the hello proved.
func (x *Exchange) Session(peer []byte, nonce [32]byte, relay, client []byte, dev [16]byte) (*Session, error) {
	if len(peer) != ExchangeKeySize || len(relay) != ExchangeKeySize || len(client) != ExchangeKeySize {
		return nil, ErrExchange
	}
	pub, err := ecdh.X25519().NewPublicKey(peer)
	if err != nil {
		return nil, ErrExchange
	}
	shared, err := x.priv.ECDH(pub) // refuses a low-order peer key (all-zero secret)
	if err != nil {
		return nil, ErrExchange
	}
	info := message(sessionKeyLabel, relay, client, dev[:])
	key, err := hkdf.Key(sha256.New, shared, nonce[:], string(info), 32)
	if err != nil {
		return nil, ErrExchange
	}
	s := &Session{}
	copy(s.key[:], key)
	return s, nil
}

// SessionHelloProof signs the relay's challenge nonce and both exchange
// keys for this device: it proves the key behind the device ID, as
// HelloProof does, and binds the session to it.
func (k DeviceKey) SessionHelloProof(nonce [32]byte, relay, client []byte) []byte {
	id := k.ID()
	return k.sign(sessionHelloLabel, nonce[:], id[:], relay, client)
}

// CheckSessionHelloProof verifies a session hello: the device ID must be
// the key's, both exchange keys of the right size, and the signature over
// this connection's nonce and keys.
func CheckSessionHelloProof(dev [16]byte, pub DevicePub, nonce [32]byte, relay, client, sig []byte) bool {
	return len(relay) == ExchangeKeySize && len(client) == ExchangeKeySize &&
		DeviceIDOf(pub) == dev && verify(pub, sig, sessionHelloLabel, nonce[:], dev[:], relay, client)
}

// Answer is a device's half of a version 3 hello, and the session it
// gives.
type Answer struct {
	Key     []byte // the device's exchange key, for wire.Hello.Key
	Proof   []byte // its signature, for wire.Hello.Sig
	Session *Session
}

// AnswerChallenge answers a relay's challenge (its nonce and exchange key)
// as this device, with a fresh exchange key of its own.
func (k DeviceKey) AnswerChallenge(nonce [32]byte, relayKey []byte) (Answer, error) {
	x := NewExchange()
	own := x.Public()
	s, err := x.Session(relayKey, nonce, relayKey, own, k.ID())
	if err != nil {
		return Answer{}, err
	}
	return Answer{Key: own, Proof: k.SessionHelloProof(nonce, relayKey, own), Session: s}, nil
}

// Session is the key a device and the relay share for one connection.
// Tags are made with one HMAC state that is reset for each, rather than a
// new one per tag (two SHA-256 states and their pads, on every push the
// relay checks).
type Session struct {
	key [32]byte

	mu  sync.Mutex
	mac hash.Hash // HMAC-SHA256 under key, made on first use
}

// PushTag is the tag of a push of a record (its document, device sequence,
// sealed body and signature) on this session.
func (s *Session) PushTag(doc [16]byte, dseq uint64, body, sig []byte) []byte {
	head := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(doc[:], dseq), uint64(len(body)))
	return s.tag(pushTagLabel, head, body, sig)
}

// CheckPushTag reports whether tag is this session's for the push.
func (s *Session) CheckPushTag(doc [16]byte, dseq uint64, body, sig, tag []byte) bool {
	return len(tag) == TagSize && hmac.Equal(tag, s.PushTag(doc, dseq, body, sig))
}

// ConfirmTag is the tag of a confirmation, on this session, of the
// candidate snapshot at seq of document doc. The relay drops a device's
// records on its confirmation, so it takes one only from that device.
func (s *Session) ConfirmTag(doc [16]byte, seq uint64) []byte {
	return s.tag(confirmTagLabel, binary.BigEndian.AppendUint64(doc[:], seq))
}

// CheckConfirmTag reports whether tag is this session's for the
// confirmation.
func (s *Session) CheckConfirmTag(doc [16]byte, seq uint64, tag []byte) bool {
	return len(tag) == TagSize && hmac.Equal(tag, s.ConfirmTag(doc, seq))
}

// tag is the session's HMAC over a label and parts. Every part but the
// last has a fixed size or its length in the part before it, so no two
// messages share a tag.
func (s *Session) tag(label string, parts ...[]byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mac == nil {
		s.mac = hmac.New(sha256.New, s.key[:])
	} else {
		s.mac.Reset()
	}
	io.WriteString(s.mac, label)
	for _, p := range parts {
		s.mac.Write(p)
	}
	return s.mac.Sum(make([]byte, 0, sha256.Size))[:TagSize]
}
