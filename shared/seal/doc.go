// Package seal holds the cryptography Pairwise needs on both sides of the
// relay: document keys and sealing with XChaCha20-Poly1305, capability
// secrets and organisation tokens that a relay checks by hash, and the
// invite codes people pass to each other to join a pair.
//
// A relay only ever handles sealed bytes and hashes from this package. It
// uses no cgo, so the relay stays one static binary.
package seal
