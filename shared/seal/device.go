package seal

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"

	"filippo.io/edwards25519"
)

// A device proves who it is with an Ed25519 key pair made when its data
// folder is first opened. Its 16-byte device ID is a hash of the public key,
// so an ID cannot be claimed without the key behind it: the relay binds a
// connection to an ID only after the device signs a fresh challenge, and a
// replica accepts a record under an ID only with that key's signature.

// DevicePub is a device's (or an admission key's) Ed25519 public key.
type DevicePub [ed25519.PublicKeySize]byte

// DeviceKey is a device's private signing key (the 32-byte seed).
type DeviceKey struct {
	priv ed25519.PrivateKey
}

// SigSize is the size of every signature in the protocol.
const SigSize = ed25519.SignatureSize

// NewDeviceKey returns a fresh random device key.
func NewDeviceKey() DeviceKey {
	var seed [ed25519.SeedSize]byte
	fillRandom(seed[:])
	return DeviceKeyFromSeed(seed[:])
}

// DeviceKeyFromSeed rebuilds a key from its 32-byte seed, as kept at rest.
// It panics on a seed of the wrong size; ParseDeviceSeed checks first.
func DeviceKeyFromSeed(seed []byte) DeviceKey {
	return DeviceKey{priv: ed25519.NewKeyFromSeed(seed)}
}

// ErrDeviceSeed is returned for a stored device key that is not 32 bytes.
var ErrDeviceSeed = errors.New("this data folder's device key is damaged")

// ParseDeviceSeed checks a stored seed and rebuilds the key.
func ParseDeviceSeed(seed []byte) (DeviceKey, error) {
	if len(seed) != ed25519.SeedSize {
		return DeviceKey{}, fmt.Errorf("%w: %d bytes, want %d", ErrDeviceSeed, len(seed), ed25519.SeedSize)
	}
	return DeviceKeyFromSeed(seed), nil
}

// Seed returns the 32 bytes to keep at rest.
func (k DeviceKey) Seed() []byte { return k.priv.Seed() }

// Valid reports whether k holds a key.
func (k DeviceKey) Valid() bool { return len(k.priv) == ed25519.PrivateKeySize }

// Pub returns the public half.
func (k DeviceKey) Pub() DevicePub {
	var p DevicePub
	copy(p[:], k.priv.Public().(ed25519.PublicKey))
	return p
}

// ID returns the device ID this key proves.
func (k DeviceKey) ID() [16]byte { return DeviceIDOf(k.Pub()) }

// sign signs label, NUL, then the parts.
func (k DeviceKey) sign(label string, parts ...[]byte) []byte {
	return ed25519.Sign(k.priv, message(label, parts...))
}

// DeviceIDOf derives the device ID of a public key.
func DeviceIDOf(pub DevicePub) [16]byte {
	h := sha256.New()
	h.Write([]byte("pairwise device id v2\x00"))
	h.Write(pub[:])
	var id [16]byte
	copy(id[:], h.Sum(nil))
	return id
}

func message(label string, parts ...[]byte) []byte {
	n := len(label) + 1
	for _, p := range parts {
		n += len(p)
	}
	m := make([]byte, 0, n)
	m = append(m, label...)
	m = append(m, 0)
	for _, p := range parts {
		m = append(m, p...)
	}
	return m
}

func verify(pub DevicePub, sig []byte, label string, parts ...[]byte) bool {
	return StrongKey(pub) && verifyVetted(pub, sig, label, parts...)
}

// verifyVetted is verify for a key already known to be strong: a writer's,
// which StrongKey checked when its certificate (or the document's root)
// was taken. It saves a point decoding on every record.
func verifyVetted(pub DevicePub, sig []byte, label string, parts ...[]byte) bool {
	return len(sig) == SigSize && ed25519.Verify(pub[:], message(label, parts...), sig)
}

// StrongKey refuses public keys of small order. Ed25519 verification as
// the standard library does it accepts, for such a key, a signature that
// holds for every message: a device with one could prove any hello, and a
// writer certificate for one would let anybody sign as a writer.
func StrongKey(pub DevicePub) bool {
	p, err := new(edwards25519.Point).SetBytes(pub[:])
	if err != nil {
		return false
	}
	return new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) != 1
}

// Labels keep every kind of signature apart: a signature made for one
// purpose never verifies for another.
const (
	helloLabel     = "pairwise hello v2"
	recordSigLabel = "pairwise record signature v2"
	snapSigLabel   = "pairwise snapshot signature v2"
	certLabel      = "pairwise writer certificate v2"
)

// HelloProof signs the relay's challenge nonce for this device, proving to
// the relay that the connection holds the key behind its device ID.
func (k DeviceKey) HelloProof(nonce [32]byte) []byte {
	id := k.ID()
	return k.sign(helloLabel, nonce[:], id[:])
}

// CheckHelloProof verifies a hello: the device ID must be the key's, and the
// signature must cover this connection's nonce.
func CheckHelloProof(dev [16]byte, pub DevicePub, nonce [32]byte, sig []byte) bool {
	return DeviceIDOf(pub) == dev && verify(pub, sig, helloLabel, nonce[:], dev[:])
}
