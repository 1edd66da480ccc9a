package seal

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
)

// SecretSize is the length of a capability secret and of a document key.
const SecretSize = 32

// Secret is a capability secret: whoever holds it may read (read secret) or
// read and push (write secret) one document on a relay.
type Secret [SecretSize]byte

// NewSecret returns a fresh random secret.
func NewSecret() Secret {
	var s Secret
	if _, err := rand.Read(s[:]); err != nil {
		panic("seal: no system randomness: " + err.Error())
	}
	return s
}

// CapHash is what a relay stores for a capability: it can check a presented
// secret without being able to present it itself. Secrets are 256 random
// bits, so a plain SHA-256 is enough (no password stretching is needed).
func CapHash(secret []byte) [32]byte {
	return sha256.Sum256(secret)
}

// CapMatches reports, in constant time, whether secret hashes to want.
func CapMatches(secret []byte, want [32]byte) bool {
	got := CapHash(secret)
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}
