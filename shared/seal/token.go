package seal

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// TokenPrefix begins every organisation token, so a token pasted into the
// wrong field, a log or a chat is easy to recognise.
const TokenPrefix = "pwt_"

// NewToken returns a fresh organisation token: TokenPrefix followed by 32
// random bytes in unpadded URL-safe base64. A relay admin issues it to let
// clients create documents on that relay.
func NewToken() string {
	var b [32]byte
	fillRandom(b[:])
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// TokenHash is what a relay stores for a token, so a copy of the relay's
// database does not let anyone create documents. Tokens hold 256 random
// bits, so a plain SHA-256 suffices; no password stretching is needed.
func TokenHash(tok string) [32]byte {
	return sha256.Sum256([]byte(tok))
}

// TokenMatches reports, in constant time, whether tok hashes to want.
func TokenMatches(tok string, want [32]byte) bool {
	got := TokenHash(tok)
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}
