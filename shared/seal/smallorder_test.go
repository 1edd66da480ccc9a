package seal

import (
	"crypto/ed25519"
	"testing"
)

// A public key of small order verifies, under the standard library's
// Ed25519, a signature that holds for any message. Such keys must prove
// nothing here.
func TestSmallOrderKeysProveNothing(t *testing.T) {
	var pub DevicePub
	pub[0] = 1 // the identity point
	sig := make([]byte, SigSize)
	sig[0] = 1
	msg := message(helloLabel, make([]byte, 48))
	if !ed25519.Verify(pub[:], msg, sig) {
		t.Fatal("the standard library refused the small-order forgery; this test no longer shows the danger it guards against")
	}
	var nonce [32]byte
	if CheckHelloProof(DeviceIDOf(pub), pub, nonce, sig) {
		t.Fatal("a small-order key passed a hello proof")
	}
	if w := NewWriters([16]byte{}, pub); w.Count() != 0 {
		t.Fatal("a small-order root is a writer")
	}
	weak := NewDeviceKey().Issue(CertWriter, [16]byte{}, pub)
	if _, err := ParseCert(weak.Encode()); err == nil {
		t.Fatal("a certificate made a small-order key a writer")
	}
	c := Cert{Kind: CertWriter, Subject: NewDeviceKey().Pub(), Issuer: pub, Sig: sig}
	if _, err := ParseCert(c.Encode()); err == nil {
		t.Fatal("a small-order key issued a certificate")
	}
}
