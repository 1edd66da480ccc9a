package seal

import "crypto/rand"

// Key is a document's symmetric key. Only the members of a pair hold it;
// the relay never sees it.
type Key [32]byte

// NewKey returns a fresh random document key.
func NewKey() Key {
	var k Key
	fillRandom(k[:])
	return k
}

// NewDocID returns a fresh random document ID. IDs carry no meaning, so the
// relay learns nothing about a pair from them.
func NewDocID() [16]byte {
	var id [16]byte
	fillRandom(id[:])
	return id
}

// NewDeviceID returns a fresh random ID for one installation of the client.
func NewDeviceID() [16]byte {
	var id [16]byte
	fillRandom(id[:])
	return id
}

// fillRandom fills b from the system's secure random source. Since Go 1.24
// crypto/rand.Read never returns an error (it aborts the program instead);
// the check stays so a weak key can never slip out silently.
func fillRandom(b []byte) {
	if _, err := rand.Read(b); err != nil {
		panic("seal: no system randomness: " + err.Error())
	}
}
